//! Realistic synthetic enterprises: Vietnamese names after their legal form, line of business and a brand
//! ("Công ty TNHH Xây dựng Hoàng Phát"), forms in roughly the shares Vietnam's register holds them, capital
//! spread over three orders of magnitude, representatives and members drawn from the population registry, offices
//! in the representative's commune. Each goes through [`service::register_in`], so it gets its tax code, history
//! and ledger entry like any other.

use std::collections::HashSet;

use kernel::olc::PlusCode;
use kernel::{DigitalAddress, PersonalId};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use store::Db;
use trust::ledger::Actor;

use crate::error::EnterpriseError;
use crate::input::{Contributor, NewEnterprise, NewMember, NewRepresentative};
use crate::model::{LegalForm, Office};
use crate::service::{self, Change};

/// Lines of business as names say them, with the VSIC codes such an enterprise registers.
const TRADES: &[(&str, &[&str])] = &[
    ("Thương mại Dịch vụ", &["4610", "4659", "4632", "4663"]),
    ("Xây dựng", &["4101", "4102", "4321", "4663"]),
    ("Công nghệ", &["6201", "6202", "7410"]),
    ("Thực phẩm", &["1079", "4632", "4722"]),
    ("Vận tải", &["4933", "52"]),
    ("Du lịch", &["5510", "5610", "79"]),
    ("Bất động sản", &["6810", "4101"]),
    ("Tư vấn", &["7020", "6619", "8299"]),
    ("Truyền thông", &["7310", "7410"]),
    ("May mặc", &["1410", "4752"]),
    ("Nội thất", &["3100", "4752"]),
    ("Giáo dục", &["8559"]),
    ("Cơ khí", &["2592", "4520"]),
    ("Thủy sản", &["1020", "03"]),
    ("Nông nghiệp", &["0111", "01"]),
];

const FIRST: &[&str] = &[
    "An",
    "Bảo",
    "Đại",
    "Đức",
    "Gia",
    "Hải",
    "Hoàng",
    "Hưng",
    "Khang",
    "Kim",
    "Long",
    "Minh",
    "Nam",
    "Ngọc",
    "Phú",
    "Phúc",
    "Quang",
    "Sao",
    "Tân",
    "Thành",
    "Thiên",
    "Thịnh",
    "Trường",
    "Việt",
    "Vĩnh",
    "Xuân",
];
const SECOND: &[&str] = &[
    "An", "Đạt", "Hưng", "Khang", "Lộc", "Long", "Minh", "Phát", "Phong", "Thành", "Thịnh", "Tiến", "Trí", "Việt",
    "Vượng",
];

/// Legal forms, per thousand enterprises (most are limited liability companies).
const FORMS: &[(LegalForm, u32)] = &[
    (LegalForm::SingleMemberLlc, 420),
    (LegalForm::MultiMemberLlc, 250),
    (LegalForm::JointStock, 150),
    (LegalForm::PrivateEnterprise, 50),
    (LegalForm::HouseholdBusiness, 100),
    (LegalForm::Cooperative, 25),
    (LegalForm::Partnership, 5),
];

fn prefix(form: LegalForm) -> &'static str {
    match form {
        LegalForm::SingleMemberLlc | LegalForm::MultiMemberLlc => "Công ty TNHH",
        LegalForm::JointStock => "Công ty cổ phần",
        LegalForm::PrivateEnterprise => "Doanh nghiệp tư nhân",
        LegalForm::Partnership => "Công ty hợp danh",
        LegalForm::Cooperative => "Hợp tác xã",
        LegalForm::HouseholdBusiness => "Hộ kinh doanh",
    }
}

/// Makes enterprises from a seed: the same seed and population give the same enterprises.
pub struct Generator {
    rng: ChaCha8Rng,
    people: Vec<(PersonalId, kernel::AdminUnitCode)>,
    names: HashSet<String>,
}

impl Generator {
    /// A generator drawing people from `people`, each with their commune of residence.
    pub fn new(seed: u64, people: Vec<(PersonalId, kernel::AdminUnitCode)>) -> Generator {
        Generator { rng: ChaCha8Rng::seed_from_u64(seed), people, names: HashSet::new() }
    }

    fn form(&mut self) -> LegalForm {
        let mut roll = self.rng.gen_range(0..1000);
        for (form, share) in FORMS {
            if roll < *share {
                return *form;
            }
            roll -= share;
        }
        LegalForm::SingleMemberLlc
    }

    fn name(&mut self, form: LegalForm, trade: &str) -> String {
        let brand = format!(
            "{} {}",
            FIRST.choose(&mut self.rng).unwrap_or(&"An"),
            SECOND.choose(&mut self.rng).unwrap_or(&"Phát")
        );
        let base = format!("{} {trade} {brand}", prefix(form));
        let mut name = base.clone();
        let mut n = 1;
        while !self.names.insert(kernel::text::fold(&name)) {
            n += 1;
            name = format!("{base} {n}");
        }
        name
    }

    fn people(&mut self, n: usize) -> Vec<(PersonalId, kernel::AdminUnitCode)> {
        self.people.choose_multiple(&mut self.rng, n).copied().collect()
    }

    /// The next enterprise, its office in its representative's commune.
    pub fn next_enterprise(&mut self) -> Option<NewEnterprise> {
        let form = self.form();
        let (trade, codes) = TRADES[self.rng.gen_range(0..TRADES.len())];
        let (least, _) = form.members();
        let count = least + self.rng.gen_range(0..3usize).min(if least == 1 { 0 } else { 2 });
        let people = self.people(count.max(1));
        let (first, commune) = *people.first()?;
        let (lat, lng) = (self.rng.gen_range(8.6..23.3), self.rng.gen_range(102.2..109.4));
        let address = DigitalAddress::new(commune, PlusCode::at(lat, lng), self.rng.gen_range(1..=999))?;
        let street =
            format!("Số {} đường {}", self.rng.gen_range(1..400), SECOND.choose(&mut self.rng).unwrap_or(&"An"));
        // Log-uniform from 100 million to 100 billion đồng, in whole millions.
        let capital = (10f64.powf(self.rng.gen_range(8.0..11.0)) / 1e6).round() as i64 * 1_000_000;
        let members = if form.contributions_make_the_capital() || form.members().0 == 1 {
            let share = capital / people.len() as i64;
            people
                .iter()
                .enumerate()
                .map(|(i, (p, _))| NewMember {
                    who: Contributor::Citizen(*p),
                    contribution: if i == 0 { capital - share * (people.len() as i64 - 1) } else { share },
                })
                .collect()
        } else {
            Vec::new()
        };
        let title = if form == LegalForm::JointStock { "Tổng giám đốc" } else { "Giám đốc" };
        let mut lines: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
        lines.truncate(self.rng.gen_range(1..=lines.len()));
        Some(NewEnterprise {
            parent: None,
            name: self.name(form, trade),
            foreign_name: None,
            abbreviation: None,
            legal_form: form,
            office: Office::at(address, street),
            charter_capital: capital,
            main_line: lines[0].clone(),
            lines,
            representatives: vec![NewRepresentative { personal_id: first, title: title.into() }],
            members,
            registered_on: service::today(),
        })
    }
}

/// Registers `count` synthetic enterprises into `db`, two hundred per transaction; returns how many were made.
/// The population registry must hold people already (`congso generate citizens`).
pub async fn generate_into(db: &Db, count: u64, seed: u64) -> Result<u64, anyhow::Error> {
    let mut people = Vec::new();
    let mut after = String::new();
    while people.len() < 200_000 {
        let batch = registry::service::living_residents(db, &after, 10_000).await?;
        let Some((last, _)) = batch.last() else { break };
        after = last.to_string();
        people.extend(batch);
    }
    if people.len() < 8 {
        anyhow::bail!("the population registry holds too few people: run `congso generate citizens` first");
    }
    let mut generator = Generator::new(seed, people);
    let actor = Actor::system("generate");
    let change = Change { actor: &actor, reason: "dữ liệu tổng hợp" };
    let mut made = 0;
    let mut tries = 0;
    while made < count && tries < count * 2 + 10 {
        let mut tx = db.begin_write().await?;
        for _ in 0..count.saturating_sub(made).min(200) {
            tries += 1;
            let Some(new) = generator.next_enterprise() else { continue };
            match service::register_in(&mut tx, db.backend(), &new, &change).await {
                Ok(_) => made += 1,
                // A name another enterprise took first: the next one gets another.
                Err(EnterpriseError::Invalid(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
    }
    Ok(made)
}
