//! Input as clients send it: text, parsed field by field into the typed changes the services take. Every problem
//! is reported at its field (`representatives[1].personal_id`), all at once, before anything is written.

use kernel::free_text::{self, FreeTextError};
use kernel::{DigitalAddress, PersonalId, TaxCode, Text};
use serde::Deserialize;
use time::Date;
use time::macros::format_description;
use web::FieldError;

use crate::model::{LegalForm, Office, Status};

/// The longest name, foreign name or street address, in characters.
pub const MAX_NAME: usize = 255;
/// The longest abbreviation.
pub const MAX_ABBREVIATION: usize = 64;
/// The longest representative's title.
pub const MAX_TITLE: usize = 100;
/// The longest reason for a change: a legal basis or a dossier code.
pub const MAX_REASON: usize = 500;
/// The largest charter capital accepted, in đồng: a thousand trillion, far above any enterprise's.
pub const MAX_CAPITAL: i64 = 1_000_000_000_000_000;
/// The most business lines an enterprise registers.
pub const MAX_LINES: usize = 300;
/// The most representatives.
pub const MAX_REPRESENTATIVES: usize = 10;
/// The most members sent in one request.
pub const MAX_MEMBERS: usize = 500;

/// A legal representative to appoint: the citizen and their title. Their name is the population registry's.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRepresentative {
    /// The citizen.
    pub personal_id: PersonalId,
    /// Chức danh.
    pub title: String,
}

/// A member's contribution, typed: a citizen (their name is the registry's), or an organisation by tax code.
#[derive(Debug, Clone, PartialEq)]
pub enum Contributor {
    /// A citizen of the population registry.
    Citizen(PersonalId),
    /// An organisation, by tax code and name.
    Organisation(TaxCode, String),
}

/// A member and their contribution.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    /// Who.
    pub who: Contributor,
    /// Vốn góp, whole đồng, above zero.
    pub contribution: i64,
}

/// An enterprise (or, with `parent`, a branch) to register, every field parsed and the rules that need no
/// database checked.
#[derive(Debug, Clone)]
pub struct NewEnterprise {
    /// For a branch: the enterprise it belongs to (its members and capital are the parent's; it has none).
    pub parent: Option<TaxCode>,
    /// Tên tiếng Việt.
    pub name: String,
    /// Tên bằng tiếng nước ngoài.
    pub foreign_name: Option<String>,
    /// Tên viết tắt.
    pub abbreviation: Option<String>,
    /// Loại hình (a branch's is its parent's, checked by the service).
    pub legal_form: LegalForm,
    /// Trụ sở.
    pub office: Office,
    /// Vốn điều lệ.
    pub charter_capital: i64,
    /// Ngành nghề chính, one of `lines`.
    pub main_line: String,
    /// Ngành nghề kinh doanh, VSIC codes, no repeats.
    pub lines: Vec<String>,
    /// Người đại diện theo pháp luật.
    pub representatives: Vec<NewRepresentative>,
    /// Thành viên, cổ đông, chủ sở hữu.
    pub members: Vec<NewMember>,
    /// The day of registration.
    pub registered_on: Date,
}

fn schema_name() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(MAX_NAME)
}
fn schema_optional_name() -> utoipa::openapi::schema::Object {
    kernel::schema::optional_free_text_schema(MAX_NAME)
}
fn schema_abbreviation() -> utoipa::openapi::schema::Object {
    kernel::schema::optional_free_text_schema(MAX_ABBREVIATION)
}
fn schema_title() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(MAX_TITLE)
}
fn schema_reason() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(MAX_REASON)
}
fn schema_vsic() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some("^[0-9]{2,5}$"))
        .description(Some("A VSIC 2018 code of the registry's list (2 to 5 digits)."))
        .build()
}
fn schema_lines() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new().items(schema_vsic()).min_items(Some(1)).max_items(Some(MAX_LINES)).build()
}
fn schema_optional_tax_code() -> utoipa::openapi::schema::Object {
    kernel::schema::blank_or("[0-9]{10}(-?[0-9]{3})?")
}

/// A representative as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeInput {
    /// The citizen's personal ID number: someone the population registry holds, alive.
    #[schema(value_type = kernel::PersonalId)]
    pub personal_id: String,
    /// Chức danh: Giám đốc, Tổng giám đốc, Chủ tịch Hội đồng thành viên…
    #[schema(schema_with = schema_title)]
    pub title: String,
}

/// A member as a client sends it: a citizen by `personal_id`, or an organisation by `tax_code` and `name`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// A citizen's personal ID number.
    #[serde(default)]
    #[schema(schema_with = kernel::schema::blank_or_personal_id)]
    pub personal_id: Option<String>,
    /// An organisation's tax code.
    #[serde(default)]
    #[schema(schema_with = schema_optional_tax_code)]
    pub tax_code: Option<String>,
    /// The organisation's name (a citizen's is the registry's).
    #[serde(default)]
    #[schema(schema_with = schema_optional_name)]
    pub name: Option<String>,
    /// Vốn góp, whole đồng.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 1, maximum = 1e15)]
    pub contribution: i64,
}

/// An enterprise to register, as a client sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseInput {
    /// For a branch: the parent enterprise's ten-digit tax code.
    #[serde(default)]
    #[schema(schema_with = schema_optional_tax_code)]
    pub parent: Option<String>,
    /// Tên tiếng Việt: not another live enterprise's.
    #[schema(schema_with = schema_name)]
    pub name: String,
    /// Tên bằng tiếng nước ngoài.
    #[serde(default)]
    #[schema(schema_with = schema_optional_name)]
    pub foreign_name: Option<String>,
    /// Tên viết tắt.
    #[serde(default)]
    #[schema(schema_with = schema_abbreviation)]
    pub abbreviation: Option<String>,
    /// Loại hình.
    pub legal_form: LegalForm,
    /// The office's digital address.
    #[schema(value_type = kernel::DigitalAddress)]
    pub office_address: String,
    /// The office's street address, as written.
    #[schema(schema_with = schema_name)]
    pub office_street: String,
    /// Vốn điều lệ, whole đồng: the members' contributions must add up to it, except for a private enterprise or a
    /// household business (and a branch, which has none).
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 0, maximum = 1e15)]
    pub charter_capital: i64,
    /// Ngành nghề chính: one of `lines`.
    #[schema(schema_with = schema_vsic)]
    pub main_line: String,
    /// Ngành nghề kinh doanh: 1 to 300 VSIC 2018 codes.
    #[schema(schema_with = schema_lines)]
    pub lines: Vec<String>,
    /// Người đại diện theo pháp luật: 1 to 10.
    #[schema(max_items = 10, min_items = 1)]
    pub representatives: Vec<RepresentativeInput>,
    /// Members, shareholders or the owner (none for a branch).
    #[serde(default)]
    #[schema(max_items = 500)]
    pub members: Vec<MemberInput>,
}

/// Collects the problems of one input.
#[derive(Default)]
pub(crate) struct Problems(pub(crate) Vec<FieldError>);

impl Problems {
    pub(crate) fn add(&mut self, field: impl Into<String>, message: impl kernel::Localized + Send + Sync + 'static) {
        self.0.push(FieldError::new(field, message));
    }

    pub(crate) fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() { Ok(value) } else { Err(self.0) }
    }
}

fn required_text(p: &mut Problems, field: &str, text: &str, max: usize) -> String {
    match free_text::clean(text, max) {
        Ok(t) => t,
        Err(FreeTextError::Empty) => {
            p.add(field, Text::new("Không được để trống.", "Must not be blank."));
            String::new()
        }
        Err(e) => {
            p.add(field, e);
            String::new()
        }
    }
}

fn optional_text(p: &mut Problems, field: &str, text: Option<&str>, max: usize) -> Option<String> {
    match text.map(|t| free_text::clean(t, max)) {
        None | Some(Err(FreeTextError::Empty)) => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            p.add(field, e);
            None
        }
    }
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses a reason for a change (required).
pub fn reason(text: &str) -> Result<String, Vec<FieldError>> {
    let mut p = Problems::default();
    let r = match free_text::clean(text, MAX_REASON) {
        Ok(r) => r,
        Err(FreeTextError::Empty) => {
            p.add("reason", Text::new("Ghi rõ căn cứ thay đổi.", "Give the legal basis of the change."));
            String::new()
        }
        Err(e) => {
            p.add("reason", e);
            String::new()
        }
    };
    p.finish(r)
}

/// Parses an office.
pub(crate) fn office(p: &mut Problems, address: &str, street: &str) -> Option<Office> {
    let street = required_text(p, "office_street", street, MAX_NAME);
    match address.trim().parse::<DigitalAddress>() {
        Ok(a) => Some(Office::at(a, street)),
        Err(e) => {
            p.add("office_address", e);
            None
        }
    }
}

/// Parses representatives, refusing none, too many and repeats.
pub(crate) fn representatives(p: &mut Problems, input: &[RepresentativeInput]) -> Vec<NewRepresentative> {
    if input.is_empty() || input.len() > MAX_REPRESENTATIVES {
        p.add(
            "representatives",
            Text::new("Cần từ 1 đến 10 người đại diện theo pháp luật.", "Give 1 to 10 legal representatives."),
        );
    }
    let mut out: Vec<NewRepresentative> = Vec::new();
    for (i, r) in input.iter().enumerate() {
        let title = required_text(p, &format!("representatives[{i}].title"), &r.title, MAX_TITLE);
        match r.personal_id.trim().parse::<PersonalId>() {
            Ok(id) if out.iter().any(|o| o.personal_id == id) => p.add(
                format!("representatives[{i}].personal_id"),
                Text::new("Người này đã có trong danh sách.", "This person is already in the list."),
            ),
            Ok(personal_id) => out.push(NewRepresentative { personal_id, title }),
            Err(e) => p.add(format!("representatives[{i}].personal_id"), e),
        }
    }
    out
}

/// Parses members.
pub(crate) fn members(p: &mut Problems, input: &[MemberInput]) -> Vec<NewMember> {
    if input.len() > MAX_MEMBERS {
        p.add("members", Text::new("Tối đa 500 thành viên mỗi lần.", "At most 500 members at a time."));
    }
    let mut out = Vec::new();
    for (i, m) in input.iter().enumerate() {
        let field = |name: &str| format!("members[{i}].{name}");
        if !(1..=MAX_CAPITAL).contains(&m.contribution) {
            p.add(field("contribution"), Text::new("Phần vốn góp phải lớn hơn 0 đồng.", "A contribution is above 0 đồng."));
        }
        let who = match (blank(&m.personal_id), blank(&m.tax_code)) {
            (Some(id), None) => match id.parse::<PersonalId>() {
                Ok(id) => Some(Contributor::Citizen(id)),
                Err(e) => {
                    p.add(field("personal_id"), e);
                    None
                }
            },
            (None, Some(code)) => {
                let name = required_text(p, &field("name"), m.name.as_deref().unwrap_or_default(), MAX_NAME);
                match code.parse::<TaxCode>() {
                    Ok(code) => Some(Contributor::Organisation(code, name)),
                    Err(e) => {
                        p.add(field("tax_code"), e);
                        None
                    }
                }
            }
            _ => {
                p.add(
                    field("personal_id"),
                    Text::new(
                        "Ghi số định danh cá nhân của thành viên là cá nhân, hoặc mã số thuế của tổ chức (một trong hai).",
                        "Give a person's ID number or an organisation's tax code (one of the two).",
                    ),
                );
                None
            }
        };
        if let Some(who) = who {
            out.push(NewMember { who, contribution: m.contribution });
        }
    }
    out
}

/// Checks the members against the form and the capital: their number, and that their contributions add up to
/// the charter capital where the form requires it.
pub(crate) fn capital(p: &mut Problems, form: LegalForm, charter_capital: i64, members: &[NewMember], count: usize) {
    if !(0..=MAX_CAPITAL).contains(&charter_capital) {
        p.add("charter_capital", Text::new("Vốn điều lệ không hợp lệ.", "The charter capital is out of range."));
        return;
    }
    let (least, most) = form.members();
    if count < least || count > most {
        p.add(
            "members",
            Text::new(
                format!("Loại hình này cần từ {least} đến {most} thành viên hoặc chủ sở hữu."),
                format!("This legal form has {least} to {most} members or owners."),
            ),
        );
    }
    let sum: i128 = members.iter().map(|m| i128::from(m.contribution)).sum();
    if form.contributions_make_the_capital() && charter_capital == 0 {
        p.add("charter_capital", Text::new("Vốn điều lệ phải lớn hơn 0 đồng.", "The charter capital is above 0 đồng."));
    } else if form.contributions_make_the_capital() && sum != i128::from(charter_capital) {
        p.add(
            "members",
            Text::new(
                format!("Tổng phần vốn góp ({sum} đồng) phải bằng vốn điều lệ ({charter_capital} đồng)."),
                format!("The contributions add up to {sum} đồng, not the charter capital of {charter_capital} đồng."),
            ),
        );
    }
}

/// Parses business lines against the VSIC catalogue: known codes, no repeats, the main line among them.
pub(crate) fn lines(p: &mut Problems, main: &str, input: &[String]) -> (String, Vec<String>) {
    let catalogue = crate::vsic::catalogue();
    if input.is_empty() || input.len() > MAX_LINES {
        p.add("lines", Text::new("Cần từ 1 đến 300 ngành nghề kinh doanh.", "Give 1 to 300 business lines."));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, code) in input.iter().enumerate() {
        let code = code.trim();
        match catalogue.get(code) {
            Some(line) if line.level >= 2 && !out.iter().any(|c| c == code) => out.push(code.to_owned()),
            Some(line) if line.level >= 2 => p.add(
                format!("lines[{i}]"),
                Text::new("Ngành này đã có trong danh sách.", "This line is already in the list."),
            ),
            _ => p.add(
                format!("lines[{i}]"),
                Text::new(
                    format!("Mã ngành {code} không có trong Hệ thống ngành kinh tế Việt Nam (VSIC 2018)."),
                    format!("{code} is not a VSIC 2018 code of the registry's list."),
                ),
            ),
        }
    }
    let main = main.trim().to_owned();
    if !out.contains(&main) {
        p.add(
            "main_line",
            Text::new("Ngành nghề chính phải là một trong các ngành đăng ký.", "The main line must be one of the lines."),
        );
    }
    (main, out)
}

/// Parses a date `YYYY-MM-DD`.
pub(crate) fn date(p: &mut Problems, field: &str, text: &str) -> Option<Date> {
    match Date::parse(text.trim(), format_description!("[year]-[month]-[day]")) {
        Ok(d) => Some(d),
        Err(_) => {
            p.add(field, Text::new("Ngày có dạng YYYY-MM-DD.", "A date is written YYYY-MM-DD."));
            None
        }
    }
}

impl EnterpriseInput {
    /// Parses every field, reporting every problem at once.
    pub fn parse(&self, today: Date) -> Result<NewEnterprise, Vec<FieldError>> {
        let mut p = Problems::default();
        let parent = match blank(&self.parent).map(str::parse::<TaxCode>) {
            None => None,
            Some(Ok(code)) if code.branch().is_none() => Some(code),
            Some(Ok(_)) => {
                p.add("parent", Text::new("Đơn vị chủ quản là doanh nghiệp có mã 10 số.", "A parent has a 10-digit code."));
                None
            }
            Some(Err(e)) => {
                p.add("parent", e);
                None
            }
        };
        let name = required_text(&mut p, "name", &self.name, MAX_NAME);
        let foreign_name = optional_text(&mut p, "foreign_name", self.foreign_name.as_deref(), MAX_NAME);
        let abbreviation = optional_text(&mut p, "abbreviation", self.abbreviation.as_deref(), MAX_ABBREVIATION);
        let office = office(&mut p, &self.office_address, &self.office_street);
        let (main_line, lines) = lines(&mut p, &self.main_line, &self.lines);
        let representatives = representatives(&mut p, &self.representatives);
        let members = members(&mut p, &self.members);
        if parent.is_some() {
            if self.charter_capital != 0 || !self.members.is_empty() {
                p.add(
                    "members",
                    Text::new(
                        "Chi nhánh không có vốn điều lệ và thành viên riêng.",
                        "A branch has no charter capital or members of its own.",
                    ),
                );
            }
        } else if members.len() == self.members.len() {
            // A member that did not parse is reported at its field; their sum would only repeat it.
            capital(&mut p, self.legal_form, self.charter_capital, &members, self.members.len());
        }
        let Some(office) = office else { return Err(p.0) };
        p.finish(NewEnterprise {
            parent,
            name,
            foreign_name,
            abbreviation,
            legal_form: self.legal_form,
            office,
            charter_capital: self.charter_capital,
            main_line,
            lines,
            representatives,
            members,
            registered_on: today,
        })
    }
}

/// New representatives, as a client sends them.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepresentativesInput {
    /// The representatives from now on: 1 to 10.
    #[schema(max_items = 10, min_items = 1)]
    pub representatives: Vec<RepresentativeInput>,
    /// The legal basis or dossier.
    #[schema(schema_with = schema_reason)]
    pub reason: String,
}

impl RepresentativesInput {
    /// Parses every field.
    pub fn parse(&self) -> Result<(Vec<NewRepresentative>, String), Vec<FieldError>> {
        let mut p = Problems::default();
        let reps = representatives(&mut p, &self.representatives);
        match reason(&self.reason) {
            Ok(r) => p.finish((reps, r)),
            Err(e) => Err(p.0.into_iter().chain(e).collect()),
        }
    }
}

/// A move of the registered office.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeInput {
    /// The new office's digital address.
    #[schema(value_type = kernel::DigitalAddress)]
    pub office_address: String,
    /// Its street address, as written.
    #[schema(schema_with = schema_name)]
    pub office_street: String,
    /// The legal basis or dossier.
    #[schema(schema_with = schema_reason)]
    pub reason: String,
}

impl OfficeInput {
    /// Parses every field.
    pub fn parse(&self) -> Result<(Office, String), Vec<FieldError>> {
        let mut p = Problems::default();
        let office = office(&mut p, &self.office_address, &self.office_street);
        let reason = reason(&self.reason).unwrap_or_else(|e| {
            p.0.extend(e);
            String::new()
        });
        match office {
            Some(office) => p.finish((office, reason)),
            None => Err(p.0),
        }
    }
}

/// A change of charter capital with the members' contributions from now on.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapitalInput {
    /// The new charter capital, whole đồng.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 0, maximum = 1e15)]
    pub charter_capital: i64,
    /// Every member and their contribution from now on.
    #[schema(max_items = 500)]
    pub members: Vec<MemberInput>,
    /// The legal basis or dossier.
    #[schema(schema_with = schema_reason)]
    pub reason: String,
}

impl CapitalInput {
    /// Parses every field; the members are checked against the enterprise's form by the service.
    pub fn parse(&self) -> Result<(i64, Vec<NewMember>, String), Vec<FieldError>> {
        let mut p = Problems::default();
        let members = members(&mut p, &self.members);
        let reason = reason(&self.reason).unwrap_or_else(|e| {
            p.0.extend(e);
            String::new()
        });
        if !(0..=MAX_CAPITAL).contains(&self.charter_capital) {
            p.add("charter_capital", Text::new("Vốn điều lệ không hợp lệ.", "The charter capital is out of range."));
        }
        p.finish((self.charter_capital, members, reason))
    }
}

/// A change of status: suspension, resumption, dissolution begun or completed, bankruptcy.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// The status from `effective_on`.
    pub status: Status,
    /// From when, `YYYY-MM-DD`: not before the current status began.
    #[schema(value_type = String, format = Date)]
    pub effective_on: String,
    /// The legal basis or dossier.
    #[schema(schema_with = schema_reason)]
    pub reason: String,
}

impl StatusInput {
    /// Parses every field.
    pub fn parse(&self) -> Result<(Status, Date, String), Vec<FieldError>> {
        let mut p = Problems::default();
        let on = date(&mut p, "effective_on", &self.effective_on);
        let reason = reason(&self.reason).unwrap_or_else(|e| {
            p.0.extend(e);
            String::new()
        });
        match on {
            Some(on) => p.finish((self.status, on, reason)),
            None => Err(p.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|f| f.field).collect()
    }

    pub(crate) fn valid() -> EnterpriseInput {
        EnterpriseInput {
            parent: None,
            foreign_name: None,
            abbreviation: None,
            name: "Công ty TNHH Thương mại Hoàng Phát".into(),
            legal_form: LegalForm::MultiMemberLlc,
            office_address: "00070-7PH72VH3+CM-1-8".into(),
            office_street: "12 Tràng Tiền".into(),
            charter_capital: 1_000_000_000,
            main_line: "4610".into(),
            lines: vec!["4610".into(), "62".into()],
            representatives: vec![RepresentativeInput { personal_id: "001203012345".into(), title: "Giám đốc".into() }],
            members: vec![
                MemberInput { personal_id: Some("001203012345".into()), contribution: 600_000_000, ..Default::default() },
                MemberInput {
                    tax_code: Some("0100112437".into()),
                    name: Some("Công ty cổ phần Mẹ".into()),
                    contribution: 400_000_000,
                    ..Default::default()
                },
            ],
        }
    }

    fn today() -> Date {
        time::macros::date!(2026 - 12 - 01)
    }

    #[test]
    fn a_valid_enterprise_parses() {
        let new = valid().parse(today()).unwrap();
        assert_eq!(new.office.commune.to_string(), "00070");
        assert_eq!(new.office.province.to_string(), "01");
        assert_eq!(new.lines, ["4610", "62"]);
        assert_eq!(new.members.len(), 2);
    }

    #[test]
    fn contributions_that_do_not_add_up_are_refused_at_members() {
        let mut input = valid();
        input.charter_capital = 2_000_000_000;
        assert_eq!(fields(input.parse(today()).unwrap_err()), ["members"]);
        let mut private = valid();
        private.legal_form = LegalForm::PrivateEnterprise;
        private.members.truncate(1);
        assert!(private.parse(today()).is_ok(), "a private enterprise's capital is its owner's investment");
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let mut input = valid();
        input.name = "  ".into();
        input.office_address = "00070-7PH72VH3+CM-1-9".into();
        input.main_line = "0000".into();
        input.lines.push("9999".into());
        input.representatives[0].personal_id = "12".into();
        input.members[1].tax_code = Some("0100112438".into());
        let got = fields(input.parse(today()).unwrap_err());
        for want in ["name", "office_address", "main_line", "lines[2]", "representatives[0].personal_id", "members[1].tax_code"] {
            assert!(got.contains(&want.to_owned()), "{want} missing from {got:?}");
        }
    }

    #[test]
    fn members_are_counted_against_the_form() {
        let mut input = valid();
        input.legal_form = LegalForm::JointStock;
        assert_eq!(fields(input.parse(today()).unwrap_err()), ["members"]);
        input.legal_form = LegalForm::SingleMemberLlc;
        assert_eq!(fields(input.parse(today()).unwrap_err()), ["members"]);
    }

    #[test]
    fn a_branch_has_no_capital_of_its_own() {
        let mut input = valid();
        input.parent = Some("0100112437".into());
        assert_eq!(fields(input.parse(today()).unwrap_err()), ["members"]);
        input.charter_capital = 0;
        input.members.clear();
        assert_eq!(input.parse(today()).unwrap().parent.unwrap().to_string(), "0100112437");
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_never_accepts_a_bad_tax_code(
            name in "\\PC{0,40}", address in "\\PC{0,30}", code in "[0-9]{10}", capital in any::<i64>(),
        ) {
            let mut input = valid();
            input.name = name;
            input.office_address = address;
            input.charter_capital = capital;
            input.members[1].tax_code = Some(code.clone());
            if let Ok(new) = input.parse(today()) {
                prop_assert!(code.parse::<TaxCode>().is_ok());
                prop_assert_eq!(new.charter_capital, 1_000_000_000);
            }
        }

        #[test]
        fn contributions_add_up_exactly_or_are_refused(a in 1i64..1_000_000_000_000, b in 1i64..1_000_000_000_000, capital in 1i64..3_000_000_000_000) {
            let mut input = valid();
            input.members[0].contribution = a;
            input.members[1].contribution = b;
            input.charter_capital = capital;
            prop_assert_eq!(input.parse(today()).is_ok(), a + b == capital);
        }
    }
}
