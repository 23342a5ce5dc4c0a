//! Input as clients and CSV files send it: text, parsed field by field into a [`NewCitizen`].

use std::borrow::Cow;

use kernel::{Ethnicity, LegacyProvinceCode, PersonalId, Sex, Text};
use serde::Deserialize;
use time::Date;
use time::macros::format_description;
use web::FieldError;

use crate::model::{NewCitizen, Relationship};

/// A citizen as sent by a client or read from a CSV row: text, to be parsed field by field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenInput {
    /// The ID number: its fourth digit must agree with the sex and the century of birth, its fifth and sixth with
    /// the year of birth, its first three with `birth_registration_province`.
    #[schema(value_type = kernel::PersonalId)]
    pub personal_id: String,
    /// Full name: no digits.
    #[schema(schema_with = full_name)]
    pub full_name: String,
    /// `YYYY-MM-DD`, from 1900 to today.
    #[schema(value_type = String, format = Date)]
    pub birth_date: String,
    /// The sex, as the ID number's fourth digit encodes it.
    #[schema(value_type = kernel::Sex)]
    pub sex: String,
    /// `01`–`54`; Kinh (`01`) if absent.
    #[serde(default)]
    #[schema(schema_with = ethnicity)]
    pub ethnicity: Option<String>,
    /// Religion, if any.
    #[serde(default)]
    #[schema(schema_with = optional_text_schema)]
    pub religion: Option<String>,
    /// ISO 3166 alpha-2, either case; `VN` if absent.
    #[serde(default)]
    #[schema(schema_with = nationality)]
    pub nationality: Option<String>,
    /// Pre-2025 province of birth registration (3 digits); must be the ID number's first three digits.
    #[schema(schema_with = legacy_province)]
    pub birth_registration_province: String,
    /// Hometown.
    #[serde(default)]
    #[schema(schema_with = optional_text_schema)]
    pub hometown: Option<String>,
    /// Household code of permanent residence (12 digits): given with `relationship`, or neither.
    #[serde(default)]
    #[schema(schema_with = household)]
    pub household: Option<String>,
    /// Relationship to the household's head: given with `household`, or neither.
    #[serde(default)]
    #[schema(schema_with = relationship)]
    pub relationship: Option<String>,
    /// Mother's ID number.
    #[serde(default)]
    #[schema(schema_with = kernel::schema::blank_or_personal_id)]
    pub mother_id: Option<String>,
    /// Father's ID number.
    #[serde(default)]
    #[schema(schema_with = kernel::schema::blank_or_personal_id)]
    pub father_id: Option<String>,
    /// Spouse's ID number.
    #[serde(default)]
    #[schema(schema_with = kernel::schema::blank_or_personal_id)]
    pub spouse_id: Option<String>,
}

fn full_name() -> utoipa::openapi::schema::Object {
    kernel::schema::name_schema(100)
}

fn ethnicity() -> utoipa::openapi::schema::Object {
    kernel::schema::blank_or("0[1-9]|[1-4][0-9]|5[0-4]")
}

fn nationality() -> utoipa::openapi::schema::Object {
    kernel::schema::blank_or("[A-Za-z]{2}")
}

fn household() -> utoipa::openapi::schema::Object {
    kernel::schema::blank_or("[0-9]{12}")
}

fn relationship() -> utoipa::openapi::schema::Object {
    let names: Vec<&str> = Relationship::ALL.iter().map(|r| r.as_str()).collect();
    kernel::schema::blank_or(&names.join("|"))
}

fn optional_text_schema() -> utoipa::openapi::schema::Object {
    kernel::schema::optional_free_text_schema(200)
}

fn legacy_province() -> utoipa::openapi::schema::Object {
    let codes: Vec<String> = LegacyProvinceCode::all().iter().map(ToString::to_string).collect();
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(codes))
        .build()
}

fn blank_to_none(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An optional free-text field: absent when blank, else cleaned by [`kernel::free_text::clean`] (records are
/// shown on pages and carried in signed credentials, so no control or invisible characters).
fn optional_text(field: &str, v: &Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    kernel::free_text::clean(blank_to_none(v)?, 200).map_err(|e| errors.push(FieldError::new(field, e))).ok()
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
        // A name with a bidi override or a zero-width character would read differently from what it holds, on
        // every page and credential that shows it.
        let full_name = kernel::free_text::clean(&self.full_name, 100).unwrap_or_default();
        if full_name.is_empty() || full_name.chars().any(|c| c.is_ascii_digit()) {
            errors.push(FieldError::new(
                "full_name",
                msg(
                    "Họ và tên không được để trống, tối đa 100 ký tự, không chứa chữ số hay ký tự điều khiển, ký tự ẩn.",
                    "The full name must be 1 to 100 characters, without digits, control or invisible characters.",
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
        let sex = match self.sex.trim().parse::<Sex>() {
            Ok(sex) => Some(sex),
            Err(_) => {
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
        let religion = optional_text("religion", &self.religion, &mut errors);
        let hometown = optional_text("hometown", &self.hometown, &mut errors);
        match (personal_id, birth_date, sex, ethnicity) {
            (Some(personal_id), Some(birth_date), Some(sex), Some(ethnicity)) if errors.is_empty() => Ok(NewCitizen {
                personal_id,
                full_name,
                birth_date,
                sex,
                ethnicity,
                religion,
                nationality,
                hometown,
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
    fn names_and_texts_with_hidden_characters_are_refused() {
        let today = date!(2026 - 01 - 01);
        for hidden in ['\u{202e}', '\u{200b}', '\u{2066}', '\0', '\u{1b}'] {
            let name = CitizenInput { full_name: format!("Nguyễn {hidden}Văn An"), ..input() };
            assert_eq!(fields(name.parse(today).unwrap_err()), ["full_name"], "U+{:04X}", hidden as u32);
            let texts = CitizenInput {
                religion: Some(format!("Phật{hidden} giáo")),
                hometown: Some(format!("Hà{hidden} Nội")),
                ..input()
            };
            assert_eq!(fields(texts.parse(today).unwrap_err()), ["religion", "hometown"]);
        }
        let decomposed = CitizenInput { full_name: "Nguye\u{302}\u{303}n  Va\u{306}n An".into(), ..input() };
        assert_eq!(decomposed.parse(today).unwrap().full_name, "Nguyễn Văn An");
    }

    #[test]
    fn births_cannot_be_in_the_future() {
        let future = CitizenInput { birth_date: "2003-05-01".into(), ..input() };
        assert_eq!(fields(future.parse(date!(2003 - 04 - 30)).unwrap_err()), ["birth_date"]);
    }
}
