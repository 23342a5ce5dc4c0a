//! Input as clients send it: text, parsed field by field into the typed changes the services take. Every problem
//! is reported at its field (`representatives[1].personal_id`), all at once, before anything is written.

use kernel::{PersonalId, TaxCode, Text};
use serde::Deserialize;
use time::Date;
use web::FieldError;

use crate::model::{LegalForm, Office};

mod changes;
mod fields;
#[cfg(test)]
mod tests;

pub use changes::{CapitalInput, OfficeInput, RepresentativesInput, StatusInput};
pub use fields::reason;
pub(crate) use fields::{Problems, capital, date, lines, members, office, representatives};
use fields::{blank, optional_text, required_text};

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
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(schema_vsic())
        .min_items(Some(1))
        .max_items(Some(MAX_LINES))
        .build()
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

impl EnterpriseInput {
    /// Parses every field, reporting every problem at once.
    pub fn parse(&self, today: Date) -> Result<NewEnterprise, Vec<FieldError>> {
        let mut p = Problems::default();
        let parent = match blank(&self.parent).map(str::parse::<TaxCode>) {
            None => None,
            Some(Ok(code)) if code.branch().is_none() => Some(code),
            Some(Ok(_)) => {
                p.add(
                    "parent",
                    Text::new("Đơn vị chủ quản là doanh nghiệp có mã 10 số.", "A parent has a 10-digit code."),
                );
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
