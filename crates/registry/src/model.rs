//! The records of the population registry.

use std::borrow::Cow;
use std::str::FromStr;

use kernel::{DigitalAddress, Ethnicity, Lang, LegacyProvinceCode, Localized, PersonalId, Sex, Text};
use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;
use web::FieldError;

/// Quan hệ với chủ hộ — a member's relationship to the head of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// Chủ hộ.
    Head,
    /// Vợ hoặc chồng.
    Spouse,
    /// Con.
    Child,
    /// Bố hoặc mẹ.
    Parent,
    /// Cháu.
    Grandchild,
    /// Ông hoặc bà.
    Grandparent,
    /// Anh, chị, em.
    Sibling,
    /// Quan hệ khác.
    Other,
}

impl Relationship {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Head => "head",
            Relationship::Spouse => "spouse",
            Relationship::Child => "child",
            Relationship::Parent => "parent",
            Relationship::Grandchild => "grandchild",
            Relationship::Grandparent => "grandparent",
            Relationship::Sibling => "sibling",
            Relationship::Other => "other",
        }
    }

    /// The interface-string key of its name.
    pub fn label_key(self) -> String {
        format!("relationship.{}", self.as_str())
    }
}

impl FromStr for Relationship {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "head" => Relationship::Head,
            "spouse" => Relationship::Spouse,
            "child" => Relationship::Child,
            "parent" => Relationship::Parent,
            "grandchild" => Relationship::Grandchild,
            "grandparent" => Relationship::Grandparent,
            "sibling" => Relationship::Sibling,
            "other" => Relationship::Other,
            _ => return Err(()),
        })
    }
}

/// A citizen as the registry holds them now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Citizen {
    /// Số định danh cá nhân.
    #[schema(value_type = String, example = "001203012345")]
    pub personal_id: PersonalId,
    /// Full name, as written: family, middle and given names.
    pub full_name: String,
    /// Date of birth, `YYYY-MM-DD`.
    #[schema(value_type = String, example = "2003-05-01")]
    pub birth_date: String,
    /// Sex.
    #[schema(value_type = String, example = "male")]
    pub sex: Sex,
    /// Ethnic group code, `01`–`54`.
    #[schema(value_type = String, example = "01")]
    pub ethnicity: Ethnicity,
    /// Religion, if any.
    pub religion: Option<String>,
    /// Nationality, ISO 3166 alpha-2.
    pub nationality: String,
    /// Pre-2025 province where the birth was registered (the ID number's first three digits).
    #[schema(value_type = String, example = "001")]
    pub birth_registration_province: String,
    /// Quê quán — hometown, as written.
    pub hometown: Option<String>,
    /// The household of permanent residence.
    pub household: Option<String>,
    /// Relationship to that household's head.
    pub relationship: Option<Relationship>,
    /// The household of temporary residence, if any.
    pub temporary_household: Option<String>,
    /// Province of residence.
    pub province: Option<String>,
    /// Commune of residence.
    pub commune: Option<String>,
    /// Mother's personal ID number.
    pub mother_id: Option<String>,
    /// Father's personal ID number.
    pub father_id: Option<String>,
    /// Spouse's personal ID number.
    pub spouse_id: Option<String>,
    /// `living` or `deceased`.
    pub status: String,
    /// Date of death, for the deceased.
    pub death_date: Option<String>,
    /// The record's version, from 1.
    pub version: i64,
}

/// A citizen to register, every field parsed.
#[derive(Debug, Clone)]
pub struct NewCitizen {
    /// ID number.
    pub personal_id: PersonalId,
    /// Full name, trimmed, single-spaced.
    pub full_name: String,
    /// Date of birth.
    pub birth_date: Date,
    /// Sex.
    pub sex: Sex,
    /// Ethnic group.
    pub ethnicity: Ethnicity,
    /// Religion.
    pub religion: Option<String>,
    /// Nationality.
    pub nationality: String,
    /// Hometown.
    pub hometown: Option<String>,
    /// Household code of permanent residence.
    pub household: Option<String>,
    /// Relationship to the head.
    pub relationship: Option<Relationship>,
    /// Mother.
    pub mother_id: Option<PersonalId>,
    /// Father.
    pub father_id: Option<PersonalId>,
    /// Spouse.
    pub spouse_id: Option<PersonalId>,
}

/// A citizen as sent by a client or read from a CSV row: text, to be parsed field by field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenInput {
    /// 12 digits.
    pub personal_id: String,
    /// Full name.
    pub full_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `male` or `female`.
    pub sex: String,
    /// `01`–`54`; Kinh (`01`) if absent.
    #[serde(default)]
    pub ethnicity: Option<String>,
    /// Religion, if any.
    #[serde(default)]
    pub religion: Option<String>,
    /// ISO 3166 alpha-2; `VN` if absent.
    #[serde(default)]
    pub nationality: Option<String>,
    /// Pre-2025 province of birth registration (3 digits); must be the ID number's first three digits.
    pub birth_registration_province: String,
    /// Hometown.
    #[serde(default)]
    pub hometown: Option<String>,
    /// Household code of permanent residence.
    #[serde(default)]
    pub household: Option<String>,
    /// Relationship to the household's head.
    #[serde(default)]
    pub relationship: Option<String>,
    /// Mother's ID number.
    #[serde(default)]
    pub mother_id: Option<String>,
    /// Father's ID number.
    #[serde(default)]
    pub father_id: Option<String>,
    /// Spouse's ID number.
    #[serde(default)]
    pub spouse_id: Option<String>,
}

fn blank_to_none(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A date in `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).ok()
}

fn msg(vi: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Text {
    Text::new(vi, en)
}

impl CitizenInput {
    /// Parses every field, and checks that the ID number agrees with the sex, the birth year and the province of
    /// birth registration. Returns every problem at once, one per field.
    pub fn parse(&self, today: Date) -> Result<NewCitizen, Vec<FieldError>> {
        let mut errors = Vec::new();
        let personal_id =
            self.personal_id.parse::<PersonalId>().map_err(|e| errors.push(FieldError::new("personal_id", e))).ok();
        let full_name = self.full_name.split_whitespace().collect::<Vec<_>>().join(" ");
        if full_name.is_empty()
            || full_name.chars().count() > 100
            || full_name.chars().any(|c| c.is_control() || c.is_ascii_digit())
        {
            errors.push(FieldError::new(
                "full_name",
                msg(
                    "Họ và tên không được để trống, tối đa 100 ký tự và không chứa chữ số.",
                    "The full name must be 1 to 100 characters, without digits.",
                ),
            ));
        }
        let birth_date = match parse_date(&self.birth_date) {
            Some(d) if d <= today && d.year() >= 1900 => Some(d),
            Some(_) => {
                errors.push(FieldError::new(
                    "birth_date",
                    msg(
                        "Ngày sinh không thể ở tương lai hoặc trước năm 1900.",
                        "The date of birth cannot be in the future or before 1900.",
                    ),
                ));
                None
            }
            None => {
                errors.push(FieldError::new(
                    "birth_date",
                    msg("Ngày sinh phải có dạng YYYY-MM-DD.", "The date of birth must be YYYY-MM-DD."),
                ));
                None
            }
        };
        let sex = match self.sex.trim() {
            "male" => Some(Sex::Male),
            "female" => Some(Sex::Female),
            _ => {
                errors.push(FieldError::new(
                    "sex",
                    msg("Giới tính là \"male\" (nam) hoặc \"female\" (nữ).", "Sex is \"male\" or \"female\"."),
                ));
                None
            }
        };
        let ethnicity = match blank_to_none(&self.ethnicity) {
            None => Some(Ethnicity::KINH),
            Some(e) => e.parse().map_err(|e| errors.push(FieldError::new("ethnicity", e))).ok(),
        };
        let nationality = blank_to_none(&self.nationality).unwrap_or("VN").to_ascii_uppercase();
        if nationality.len() != 2 || !nationality.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(FieldError::new(
                "nationality",
                msg(
                    "Quốc tịch là mã 2 chữ cái theo ISO 3166 (VN).",
                    "Nationality is an ISO 3166 two-letter code (VN).",
                ),
            ));
        }
        let province = LegacyProvinceCode::parse(self.birth_registration_province.trim());
        if province.is_none() {
            errors.push(FieldError::new(
                "birth_registration_province",
                msg(
                    "Nơi đăng ký khai sinh là mã tỉnh trước 2025 gồm 3 chữ số (001–096).",
                    "The birth-registration province is a pre-2025 three-digit code (001–096).",
                ),
            ));
        }
        let relationship = match blank_to_none(&self.relationship) {
            None => None,
            Some(r) => r
                .parse()
                .map_err(|()| {
                    errors.push(FieldError::new(
                        "relationship",
                        msg("Quan hệ với chủ hộ không hợp lệ.", "Unknown relationship to the head of household."),
                    ))
                })
                .ok(),
        };
        let household = blank_to_none(&self.household).map(str::to_owned);
        if household.as_deref().is_some_and(|h| h.len() != 12 || !h.bytes().all(|b| b.is_ascii_digit())) {
            errors.push(FieldError::new("household", msg("Mã hộ gồm 12 chữ số.", "A household code has 12 digits.")));
        }
        if household.is_some() != relationship.is_some() && errors.iter().all(|e| e.field != "relationship") {
            errors.push(FieldError::new(
                "relationship",
                msg(
                    "Cần ghi cả mã hộ và quan hệ với chủ hộ.",
                    "A household needs a relationship to its head, and the reverse.",
                ),
            ));
        }
        let mut relative = |field: &'static str, v: &Option<String>| match blank_to_none(v) {
            None => None,
            Some(v) => v.parse::<PersonalId>().map_err(|e| errors.push(FieldError::new(field, e))).ok(),
        };
        let mother_id = relative("mother_id", &self.mother_id);
        let father_id = relative("father_id", &self.father_id);
        let spouse_id = relative("spouse_id", &self.spouse_id);

        // The ID number must agree with the rest of the record.
        if let (Some(id), Some(sex)) = (personal_id, sex)
            && id.sex() != sex
        {
            errors.push(FieldError::new(
                "personal_id",
                msg(
                    "Chữ số thứ tư của số định danh không khớp với giới tính.",
                    "The fourth digit of the ID number does not match the sex.",
                ),
            ));
        }
        if let (Some(id), Some(date)) = (personal_id, birth_date)
            && id.birth_year() != date.year()
        {
            errors.push(FieldError::new(
                "personal_id",
                msg("Số định danh không khớp với năm sinh.", "The ID number does not match the year of birth."),
            ));
        }
        if let (Some(id), Some(p)) = (personal_id, province)
            && id.province() != p
        {
            errors.push(FieldError::new(
                "personal_id",
                msg(
                    "Ba chữ số đầu của số định danh không khớp với nơi đăng ký khai sinh.",
                    "The ID number's first three digits do not match the birth-registration province.",
                ),
            ));
        }
        match (personal_id, birth_date, sex, ethnicity) {
            (Some(personal_id), Some(birth_date), Some(sex), Some(ethnicity)) if errors.is_empty() => Ok(NewCitizen {
                personal_id,
                full_name,
                birth_date,
                sex,
                ethnicity,
                religion: blank_to_none(&self.religion).map(str::to_owned),
                nationality,
                hometown: blank_to_none(&self.hometown).map(str::to_owned),
                household,
                relationship,
                mother_id,
                father_id,
                spouse_id,
            }),
            _ => Err(errors),
        }
    }
}

/// A household with its members.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Household {
    /// 12-digit code.
    pub code: String,
    /// Its dwelling.
    pub address: Address,
    /// Its members, the head first.
    pub members: Vec<Member>,
}

/// A member of a household.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Member {
    /// ID number.
    pub personal_id: String,
    /// Full name.
    pub full_name: String,
    /// Date of birth.
    pub birth_date: String,
    /// Relationship to the head.
    pub relationship: Option<Relationship>,
}

/// A dwelling with its digital address.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Address {
    /// The digital address.
    #[schema(value_type = String, example = "00070-7PH72VH3+CM-1-8")]
    pub code: DigitalAddress,
    /// Commune code.
    pub commune: String,
    /// Province code.
    pub province: String,
    /// Plus code of the cell.
    pub plus_code: String,
    /// Street address as written.
    pub street: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lng: f64,
}

/// One version of a citizen's record, with who changed it, when and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Version {
    /// Version number, from 1.
    pub version: i64,
    /// Who: an account's username, or `import`.
    pub changed_by: String,
    /// Why: the legal basis or dossier.
    pub reason: String,
    /// When, RFC 3339.
    pub changed_at: String,
    /// The record as it was.
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

/// Errors of the registry, mapped to HTTP in one place ([`From`] below).
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Input fields are invalid.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The ID number is already registered.
    #[error("personal ID number already registered")]
    Duplicate,
    /// No such record.
    #[error("not found")]
    NotFound,
    /// A referenced household does not exist.
    #[error("no household has code {0}")]
    UnknownHousehold(String),
    /// A database failure.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
}

impl Localized for RegistryError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Duplicate, Lang::Vi) => "Số định danh cá nhân này đã có trong cơ sở dữ liệu.".into(),
            (Self::NotFound, Lang::Vi) => "Không tìm thấy bản ghi.".into(),
            (Self::UnknownHousehold(h), Lang::Vi) => format!("Không có hộ mã {h}.").into(),
            (Self::Invalid(_), Lang::Vi) => "Dữ liệu chưa hợp lệ.".into(),
            (Self::Sql(_), Lang::Vi) => "Hệ thống gặp lỗi.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<RegistryError> for web::AppError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Invalid(fields) => web::AppError::Invalid(fields),
            RegistryError::Duplicate => web::AppError::conflict(e),
            RegistryError::NotFound => web::AppError::NotFound,
            RegistryError::UnknownHousehold(ref h) => {
                web::AppError::invalid("household", Text::new(format!("Không có hộ mã {h}."), e.to_string()))
            }
            RegistryError::Sql(e) => web::AppError::Internal(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn input() -> CitizenInput {
        CitizenInput {
            personal_id: "001203012345".into(),
            full_name: "  Nguyễn   Văn An ".into(),
            birth_date: "2003-05-01".into(),
            sex: "male".into(),
            birth_registration_province: "001".into(),
            ..Default::default()
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn parses_a_consistent_record() {
        let c = input().parse(date!(2026 - 01 - 01)).unwrap();
        assert_eq!(c.full_name, "Nguyễn Văn An");
        assert_eq!(c.ethnicity, Ethnicity::KINH);
        assert_eq!(c.nationality, "VN");
    }

    #[test]
    fn the_id_number_must_agree_with_the_record() {
        let today = date!(2026 - 01 - 01);
        let wrong_sex = CitizenInput { sex: "female".into(), ..input() };
        assert_eq!(fields(wrong_sex.parse(today).unwrap_err()), ["personal_id"]);
        let wrong_year = CitizenInput { birth_date: "2004-05-01".into(), ..input() };
        assert_eq!(fields(wrong_year.parse(today).unwrap_err()), ["personal_id"]);
        let wrong_province = CitizenInput { birth_registration_province: "079".into(), ..input() };
        assert_eq!(fields(wrong_province.parse(today).unwrap_err()), ["personal_id"]);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = CitizenInput {
            personal_id: "12".into(),
            full_name: " ".into(),
            birth_date: "01/05/2003".into(),
            sex: "m".into(),
            ethnicity: Some("99".into()),
            birth_registration_province: "003".into(),
            household: Some("x".into()),
            mother_id: Some("abc".into()),
            ..Default::default()
        };
        let got = fields(bad.parse(date!(2026 - 01 - 01)).unwrap_err());
        for f in [
            "personal_id",
            "full_name",
            "birth_date",
            "sex",
            "ethnicity",
            "birth_registration_province",
            "household",
            "relationship",
            "mother_id",
        ] {
            assert!(got.contains(&f.to_owned()), "{f} missing from {got:?}");
        }
    }

    #[test]
    fn births_cannot_be_in_the_future() {
        let future = CitizenInput { birth_date: "2003-05-01".into(), ..input() };
        assert_eq!(fields(future.parse(date!(2003 - 04 - 30)).unwrap_err()), ["birth_date"]);
    }
}
