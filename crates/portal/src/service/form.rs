//! A procedure's form: what the state prefills (once-only), and the parsing of what the applicant sent, field by
//! field, each problem named at its field in the reader's language.

use std::borrow::Cow;

use kernel::{
    DigitalAddress, DigitalAddressError, Lang, Localized, PersonalId, PersonalIdError, TaxCode, TaxCodeError,
};
use registry::model::Citizen;
use web::FieldError;

use crate::model::{FieldKind, FormValues, Prefill, Procedure};

/// The longest text a field takes when its file sets no `max_len`.
pub const DEFAULT_MAX_LEN: usize = 200;
/// The largest amount a form takes, in đồng: a thousand trillion, far above any capital or price.
pub const MAX_AMOUNT: u64 = 1_000_000_000_000_000;

/// What is wrong with one field's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblem {
    /// A required field left empty.
    #[error("this field is required")]
    Required,
    /// Longer than the field takes.
    #[error("at most {0} characters")]
    TooLong(usize),
    /// Not a day of the calendar.
    #[error("a date is YYYY-MM-DD")]
    Date,
    /// A day that has not come yet.
    #[error("this date is in the future")]
    Future,
    /// Not a personal ID number.
    #[error("not a personal ID number: {0}")]
    PersonalId(PersonalIdError),
    /// Neither male nor female.
    #[error("choose male or female")]
    Sex,
    /// Not a household code.
    #[error("a household code is 12 digits")]
    Household,
    /// Not one of the options.
    #[error("choose one of the options")]
    Choice,
    /// Not an amount of whole đồng.
    #[error("an amount is whole đồng, digits only (dots may group thousands), at most {MAX_AMOUNT}")]
    Amount,
    /// Not a digital address.
    #[error("not a digital address: {0}")]
    DigitalAddress(DigitalAddressError),
    /// Not a tax code.
    #[error("not a tax code: {0}")]
    TaxCode(TaxCodeError),
    /// Text with a control or invisible character.
    #[error("the text holds a character that is not allowed")]
    Character,
}

impl Localized for FieldProblem {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Required, Lang::Vi) => "Vui lòng nhập trường này.".into(),
            (Self::TooLong(n), Lang::Vi) => format!("Tối đa {n} ký tự.").into(),
            (Self::Date, Lang::Vi) => "Ngày không hợp lệ.".into(),
            (Self::Future, Lang::Vi) => "Ngày này chưa đến.".into(),
            (Self::PersonalId(why), Lang::Vi) => {
                format!("Số định danh cá nhân không hợp lệ: {}", why.message(Lang::Vi)).into()
            }
            (Self::Amount, Lang::Vi) => {
                "Số tiền ghi bằng đồng, chỉ gồm chữ số (có thể dùng dấu chấm tách hàng nghìn).".into()
            }
            (Self::TaxCode(why), Lang::Vi) => format!("Mã số thuế không hợp lệ: {}", why.message(Lang::Vi)).into(),
            (Self::DigitalAddress(why), Lang::Vi) => {
                format!("Địa chỉ số không hợp lệ: {}", why.message(Lang::Vi)).into()
            }
            (Self::Sex, Lang::Vi) => "Vui lòng chọn Nam hoặc Nữ.".into(),
            (Self::Household, Lang::Vi) => "Mã hộ gồm 12 chữ số.".into(),
            (Self::Choice, Lang::Vi) => "Vui lòng chọn một trong các lựa chọn.".into(),
            (Self::Character, Lang::Vi) => "Nội dung có ký tự không được phép.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

/// The form as the state can fill it for this applicant: each field with a prefill source, from their record.
pub fn prefilled(procedure: &Procedure, citizen: &Citizen) -> FormValues {
    procedure
        .fields
        .iter()
        .filter_map(|field| {
            let value = match field.prefill? {
                Prefill::FullName => Some(citizen.full_name.clone()),
                Prefill::PersonalId => Some(citizen.personal_id.to_string()),
                Prefill::BirthDate => Some(citizen.birth_date.clone()),
                Prefill::Household => citizen.household.clone(),
                Prefill::SpouseId => citizen.spouse_id.clone(),
            }?;
            Some((field.name.clone(), value))
        })
        .collect()
}

/// Keeps only the procedure's own fields of what was sent, trimmed: what a draft stores as typed.
pub fn known(procedure: &Procedure, sent: &FormValues) -> FormValues {
    procedure
        .fields
        .iter()
        .filter_map(|f| sent.get(&f.name).map(|v| (f.name.clone(), v.trim().to_owned())))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// Parses every field of `sent` against the procedure (`today` for dates, in Vietnam's time): the values in their
/// canonical form, or every problem at its field.
pub fn parse(procedure: &Procedure, sent: &FormValues, today: time::Date) -> Result<FormValues, Vec<FieldError>> {
    let mut values = FormValues::new();
    let mut problems = Vec::new();
    for field in &procedure.fields {
        let raw = sent.get(&field.name).map(|v| v.trim()).unwrap_or_default();
        if raw.is_empty() {
            if field.required {
                problems.push(FieldError::new(&field.name, FieldProblem::Required));
            }
            continue;
        }
        match one(field, raw, today) {
            Ok(value) => {
                values.insert(field.name.clone(), value);
            }
            Err(problem) => problems.push(FieldError::new(&field.name, problem)),
        }
    }
    if problems.is_empty() { Ok(values) } else { Err(problems) }
}

fn one(field: &crate::model::Field, raw: &str, today: time::Date) -> Result<String, FieldProblem> {
    match field.kind {
        FieldKind::Text | FieldKind::Textarea => {
            let max = field.max_len.unwrap_or(DEFAULT_MAX_LEN);
            if raw.chars().count() > max {
                return Err(FieldProblem::TooLong(max));
            }
            kernel::free_text::clean(raw, max).map(|t| t.as_str().to_owned()).map_err(|_| FieldProblem::Character)
        }
        FieldKind::Date => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let day = time::Date::parse(raw, format).map_err(|_| FieldProblem::Date)?;
            if day > today {
                return Err(FieldProblem::Future);
            }
            Ok(day.to_string())
        }
        FieldKind::PersonalId => raw.parse::<PersonalId>().map(|p| p.to_string()).map_err(FieldProblem::PersonalId),
        FieldKind::Sex => match raw {
            "male" | "female" => Ok(raw.to_owned()),
            _ => Err(FieldProblem::Sex),
        },
        FieldKind::Household => {
            let ok = raw.len() == 12 && raw.bytes().all(|b| b.is_ascii_digit());
            if ok { Ok(raw.to_owned()) } else { Err(FieldProblem::Household) }
        }
        FieldKind::Choice => {
            field.options.iter().find(|o| o.value == raw).map(|o| o.value.clone()).ok_or(FieldProblem::Choice)
        }
        FieldKind::Amount => amount(raw).map(|a| a.to_string()).ok_or(FieldProblem::Amount),
        FieldKind::TaxCode => raw.parse::<TaxCode>().map(|c| c.to_string()).map_err(FieldProblem::TaxCode),
        FieldKind::DigitalAddress => {
            raw.parse::<DigitalAddress>().map(|a| a.to_string()).map_err(FieldProblem::DigitalAddress)
        }
    }
}

/// Whole đồng as people write them: digits, the thousands grouped by dots or spaces as Vietnamese write them
/// (`1.000.000`, `1 000 000`), or by commas; a group of other than three digits is refused, so a decimal
/// point is never read as grouping.
fn amount(raw: &str) -> Option<u64> {
    let groups: Vec<&str> = raw.split(['.', ',', ' ']).collect();
    let grouped = groups.len() > 1;
    let well_formed = groups.iter().enumerate().all(|(i, g)| {
        !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()) && (!grouped || (i == 0 && g.len() <= 3) || g.len() == 3)
    });
    if !well_formed {
        return None;
    }
    let value: u64 = groups.concat().parse().ok()?;
    (value <= MAX_AMOUNT).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    fn birth() -> &'static Procedure {
        Catalogue::builtin().unwrap().get(&"khai-sinh".parse().unwrap()).unwrap()
    }

    fn today() -> time::Date {
        time::macros::date!(2026 - 12 - 01)
    }

    #[test]
    fn every_problem_is_named_at_its_field() {
        let sent: FormValues = [
            ("applicant_full_name".to_owned(), "Nguyễn Văn An".to_owned()),
            ("applicant_personal_id".to_owned(), "001090000001".to_owned()),
            ("child_full_name".to_owned(), "  ".to_owned()),
            ("child_birth_date".to_owned(), "2027-01-01".to_owned()),
            ("child_sex".to_owned(), "other".to_owned()),
            ("other_parent_id".to_owned(), "12345".to_owned()),
        ]
        .into();
        let problems = parse(birth(), &sent, today()).unwrap_err();
        let named: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(named, ["child_full_name", "child_birth_date", "child_sex", "other_parent_id"]);
    }

    #[test]
    fn amounts_are_read_as_vietnamese_write_them() {
        assert_eq!(amount("1.000.000"), Some(1_000_000));
        assert_eq!(amount("1 000 000"), Some(1_000_000));
        assert_eq!(amount("2500000"), Some(2_500_000));
        assert_eq!(amount("1000,000"), None);
        assert_eq!(amount("1.5"), None);
        assert_eq!(amount("-5"), None);
        assert_eq!(amount("1.000.000.000.000.001"), None);
        assert_eq!(amount(""), None);
    }

    #[test]
    fn good_values_come_back_canonical() {
        let sent: FormValues = [
            ("applicant_full_name".to_owned(), "Nguyễn Văn An".to_owned()),
            ("applicant_personal_id".to_owned(), "001090000001".to_owned()),
            ("child_full_name".to_owned(), " Nguyễn   Minh An ".to_owned()),
            ("child_birth_date".to_owned(), "2026-11-30".to_owned()),
            ("child_sex".to_owned(), "female".to_owned()),
            ("unknown".to_owned(), "dropped".to_owned()),
        ]
        .into();
        let values = parse(birth(), &sent, today()).unwrap();
        assert_eq!(values["child_full_name"], "Nguyễn Minh An");
        assert_eq!(values["child_birth_date"], "2026-11-30");
        assert!(!values.contains_key("unknown"));
    }
}
