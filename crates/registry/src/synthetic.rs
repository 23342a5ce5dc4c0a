//! A synthetic population that looks like Vietnam's: names with their diacritics drawn by their real frequency,
//! households of realistic size and make-up, a young age pyramid, more people in the big cities, parents linked
//! to children, and ID numbers consistent with each person. Deterministic for a given seed.

use kernel::Sex;
use std::collections::HashSet;
use std::sync::LazyLock;

use kernel::admin_unit::{self, AdminUnit};
use kernel::olc::PlusCode;
use kernel::{DigitalAddress, LegacyProvinceCode};
use rand::distributions::{Distribution, WeightedIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// One person as a CSV row: the columns `congso import citizens` reads.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Row {
    /// 12 digits.
    pub personal_id: String,
    /// Full name.
    pub full_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `male` or `female`.
    pub sex: String,
    /// `01`–`54`.
    pub ethnicity: String,
    /// Religion, or empty.
    pub religion: String,
    /// `VN`.
    pub nationality: String,
    /// Pre-2025 province of birth registration, 3 digits.
    pub birth_registration_province: String,
    /// Hometown.
    pub hometown: String,
    /// Household code, 12 digits.
    pub household: String,
    /// Relationship to the household's head.
    pub relationship: String,
    /// The household's digital address.
    pub address: String,
    /// The household's street address.
    pub street: String,
    /// Latitude of the dwelling.
    pub lat: f64,
    /// Longitude of the dwelling.
    pub lng: f64,
    /// Mother's ID number, or empty.
    pub mother_id: String,
    /// Father's ID number, or empty.
    pub father_id: String,
    /// Spouse's ID number, or empty.
    pub spouse_id: String,
}

#[derive(Deserialize)]
struct Names {
    family: Vec<(String, f64)>,
    middle: BySex,
    given: BySex,
}

#[derive(Deserialize)]
struct BySex {
    male: Vec<String>,
    female: Vec<String>,
}

#[derive(Deserialize)]
struct Centres {
    centres: std::collections::HashMap<String, (f64, f64)>,
}

static NAMES: LazyLock<Names> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../data/vn-names.json"))
        .unwrap_or_else(|e| panic!("data/vn-names.json: {e}"))
});
static CENTRES: LazyLock<Centres> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../data/vn-province-centres.json"))
        .unwrap_or_else(|e| panic!("data/vn-province-centres.json: {e}"))
});

/// Population shares by province code, in per mille: the two big cities and the Red River and Mekong deltas hold
/// most people (rounded from the 2024 statistical yearbook's populations of the merged provinces).
const SHARES: &[(&str, u32)] = &[
    ("01", 85),
    ("04", 12),
    ("08", 19),
    ("11", 7),
    ("12", 5),
    ("14", 13),
    ("15", 18),
    ("19", 18),
    ("20", 8),
    ("22", 14),
    ("24", 37),
    ("25", 41),
    ("31", 47),
    ("33", 34),
    ("37", 39),
    ("38", 37),
    ("40", 35),
    ("42", 13),
    ("44", 19),
    ("46", 12),
    ("48", 31),
    ("51", 21),
    ("52", 34),
    ("56", 22),
    ("66", 32),
    ("68", 34),
    ("75", 45),
    ("79", 143),
    ("80", 30),
    ("82", 42),
    ("86", 34),
    ("91", 49),
    ("92", 32),
    ("96", 25),
];

const RELIGIONS: &[(&str, u32)] =
    &[("", 850), ("Phật giáo", 50), ("Công giáo", 60), ("Cao Đài", 15), ("Hòa Hảo", 12), ("Tin Lành", 13)];
const STREETS: &[&str] = &[
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Quang Trung",
    "Hùng Vương",
    "Phan Chu Trinh",
    "Điện Biên Phủ",
    "Ngô Quyền",
];

/// Generates a population household by household.
pub struct Generator {
    rng: ChaCha8Rng,
    today: Date,
    provinces: Vec<&'static AdminUnit>,
    province_pick: WeightedIndex<u32>,
    family_pick: WeightedIndex<f64>,
    religion_pick: WeightedIndex<u32>,
    legacy: Vec<LegacyProvinceCode>,
    issued: HashSet<[u8; 12]>,
    households: u64,
}

impl Generator {
    /// A generator for `seed`, with ages counted at `today`.
    pub fn new(seed: u64, today: Date) -> Generator {
        let provinces: Vec<_> =
            SHARES.iter().filter_map(|(c, _)| c.parse().ok()).map(|c: kernel::AdminUnitCode| c.unit()).collect();
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            today,
            province_pick: WeightedIndex::new(SHARES.iter().map(|(_, w)| *w)).unwrap_or_else(|_| unreachable!()),
            family_pick: WeightedIndex::new(NAMES.family.iter().map(|(_, w)| *w)).unwrap_or_else(|_| unreachable!()),
            religion_pick: WeightedIndex::new(RELIGIONS.iter().map(|(_, w)| *w)).unwrap_or_else(|_| unreachable!()),
            provinces,
            legacy: LegacyProvinceCode::all(),
            issued: HashSet::new(),
            households: 0,
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    fn name(&mut self, family: &str, sex: Sex) -> String {
        let (middle, given) = match sex {
            Sex::Male => (&NAMES.middle.male, &NAMES.given.male),
            Sex::Female => (&NAMES.middle.female, &NAMES.given.female),
        };
        // Văn and Thị, first in their lists, are far more common than any other middle name.
        let middle = if self.rng.gen_bool(0.35) { middle[0].clone() } else { self.pick(middle).clone() };
        let given = self.pick(given).clone();
        format!("{family} {middle} {given}")
    }

    fn family(&mut self) -> String {
        NAMES.family[self.family_pick.sample(&mut self.rng)].0.clone()
    }

    fn birth_date(&mut self, age: i32) -> Date {
        let days = self.rng.gen_range(0..365);
        self.today - Duration::days(i64::from(age) * 365 + days + i64::from(age / 4))
    }

    fn personal_id(&mut self, province: LegacyProvinceCode, sex: Sex, born: Date) -> String {
        let century = (born.year() / 100 - 19) * 2 + i32::from(sex == Sex::Female);
        loop {
            let id = format!("{province}{century}{:02}{:06}", born.year() % 100, self.rng.gen_range(0..1_000_000));
            let mut key = [0u8; 12];
            key.copy_from_slice(id.as_bytes());
            if self.issued.insert(key) {
                return id;
            }
        }
    }

    /// The next household's members, head first.
    pub fn household(&mut self) -> Vec<Row> {
        self.households += 1;
        let province = self.provinces[self.province_pick.sample(&mut self.rng)];
        let communes = admin_unit::communes_of(province.code);
        let commune = self.pick(communes);
        let (clat, clng) = CENTRES.centres.get(&province.code.to_string()).copied().unwrap_or((16.0, 107.0));
        let (lat, lng) = (clat + self.rng.gen_range(-0.25..0.25), clng + self.rng.gen_range(-0.25..0.25));
        let number = self.rng.gen_range(1..=999);
        let address = DigitalAddress::new(commune.code, PlusCode::at(lat, lng), number)
            .map(|a| a.to_string())
            .unwrap_or_default();
        let street =
            format!("Số {} {}, {}, {}", self.rng.gen_range(1..300), self.pick(STREETS), commune.name, province.name);
        let household = format!("{}{:07}", commune.code, self.households % 10_000_000);
        let home_legacy =
            LegacyProvinceCode::parse(&format!("{:03}", province.code.to_string().parse::<u32>().unwrap_or(1)));

        // Sizes 1–7 with Vietnam's mean of about 3.5 people per household.
        let size = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 6, 7][self.rng.gen_range(0..14)];
        let head_age = self.rng.gen_range(24..80);
        let head_sex = if self.rng.gen_bool(0.72) { Sex::Male } else { Sex::Female };
        let head_family = self.family();
        let mut rows = Vec::with_capacity(size);
        let base = Row { household, address, street, lat, lng, nationality: "VN".into(), ..Default::default() };

        let person = |g: &mut Generator, name: String, sex: Sex, age: i32, relationship: &str| {
            let born = g.birth_date(age);
            let birth_province = match home_legacy {
                Some(p) if g.rng.gen_bool(0.85) => p,
                _ => g.legacy[g.rng.gen_range(0..g.legacy.len())],
            };
            let ethnicity = if g.rng.gen_bool(0.86) { 1 } else { g.rng.gen_range(2..=54) };
            Row {
                personal_id: g.personal_id(birth_province, sex, born),
                full_name: name,
                birth_date: born.to_string(),
                sex: sex.as_str().into(),
                ethnicity: format!("{ethnicity:02}"),
                religion: RELIGIONS[g.religion_pick.sample(&mut g.rng)].0.into(),
                birth_registration_province: birth_province.to_string(),
                hometown: birth_province.name().to_owned(),
                relationship: relationship.into(),
                ..base.clone()
            }
        };
        let head_name = self.name(&head_family, head_sex);
        rows.push(person(self, head_name, head_sex, head_age, "head"));
        if size >= 2 && head_age >= 22 && self.rng.gen_bool(0.85) {
            let sex = if head_sex == Sex::Male { Sex::Female } else { Sex::Male };
            let age = (head_age + self.rng.gen_range(-5..4)).clamp(20, 90);
            let family = self.family();
            let name = self.name(&family, sex);
            let mut spouse = person(self, name, sex, age, "spouse");
            spouse.spouse_id = rows[0].personal_id.clone();
            rows[0].spouse_id = spouse.personal_id.clone();
            rows.push(spouse);
        }
        let (father, mother) = match (rows.first(), rows.get(1)) {
            (Some(h), Some(s)) if h.sex == Sex::Male.as_str() => (h.personal_id.clone(), s.personal_id.clone()),
            (Some(h), Some(s)) => (s.personal_id.clone(), h.personal_id.clone()),
            (Some(h), None) if h.sex == Sex::Male.as_str() => (h.personal_id.clone(), String::new()),
            (Some(h), None) => (String::new(), h.personal_id.clone()),
            _ => (String::new(), String::new()),
        };
        let child_family = if head_sex == Sex::Male {
            head_family.clone()
        } else {
            rows.get(1).map_or(head_family.clone(), |s| s.full_name.split(' ').next().unwrap_or_default().to_owned())
        };
        while rows.len() < size {
            if size >= 5 && rows.len() == size - 1 && head_age < 60 {
                // A grandparent living with the family.
                let sex = if self.rng.gen_bool(0.6) { Sex::Female } else { Sex::Male };
                let family = self.family();
                let name = self.name(&family, sex);
                let age = (head_age + self.rng.gen_range(22..32)).min(99);
                rows.push(person(self, name, sex, age, "parent"));
                continue;
            }
            let max_child_age = (head_age - 20).max(1);
            let sex = if self.rng.gen_bool(0.51) { Sex::Male } else { Sex::Female };
            let name = self.name(&child_family, sex);
            let age = self.rng.gen_range(0..max_child_age.min(35));
            let mut child = person(self, name, sex, age, "child");
            child.father_id = father.clone();
            child.mother_id = mother.clone();
            rows.push(child);
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::input::CitizenInput;

    #[test]
    fn every_generated_person_is_valid_and_unique() {
        let mut g = Generator::new(7, date!(2026 - 01 - 01));
        let mut ids = HashSet::new();
        let mut people = 0;
        for _ in 0..500 {
            let household = g.household();
            assert_eq!(household[0].relationship, "head");
            for row in household {
                let input = CitizenInput {
                    personal_id: row.personal_id.clone(),
                    full_name: row.full_name.clone(),
                    birth_date: row.birth_date.clone(),
                    sex: row.sex.clone(),
                    ethnicity: Some(row.ethnicity.clone()),
                    birth_registration_province: row.birth_registration_province.clone(),
                    household: Some(row.household.clone()),
                    relationship: Some(row.relationship.clone()),
                    mother_id: Some(row.mother_id.clone()),
                    father_id: Some(row.father_id.clone()),
                    spouse_id: Some(row.spouse_id.clone()),
                    ..Default::default()
                };
                input.parse(date!(2026 - 01 - 01)).unwrap_or_else(|e| panic!("{row:?}: {e:?}"));
                row.address.parse::<DigitalAddress>().unwrap();
                assert!(ids.insert(row.personal_id));
                people += 1;
            }
        }
        let mean = people as f64 / 500.0;
        assert!((3.0..4.2).contains(&mean), "mean household size {mean}");
    }

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let a: Vec<_> =
            (0..20).flat_map(|_| Generator::new(1, date!(2026 - 01 - 01)).household()).map(|r| r.personal_id).collect();
        let b: Vec<_> =
            (0..20).flat_map(|_| Generator::new(1, date!(2026 - 01 - 01)).household()).map(|r| r.personal_id).collect();
        assert_eq!(a, b);
    }
}
