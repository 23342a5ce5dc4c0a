//! The parsers of single fields, shared by every input: each adds its problems, at the field's name, to the
//! input's [`Problems`].

use kernel::free_text::{self, FreeTextError};
use kernel::{DigitalAddress, PersonalId, TaxCode, Text};
use time::Date;
use time::macros::format_description;
use web::FieldError;

use super::{
    Contributor, MAX_CAPITAL, MAX_LINES, MAX_MEMBERS, MAX_NAME, MAX_REASON, MAX_REPRESENTATIVES, MAX_TITLE,
    MemberInput, NewMember, NewRepresentative, RepresentativeInput,
};
use crate::model::{LegalForm, Office};

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

pub(super) fn required_text(p: &mut Problems, field: &str, text: &str, max: usize) -> String {
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

pub(super) fn optional_text(p: &mut Problems, field: &str, text: Option<&str>, max: usize) -> Option<String> {
    match text.map(|t| free_text::clean(t, max)) {
        None | Some(Err(FreeTextError::Empty)) => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            p.add(field, e);
            None
        }
    }
}

pub(super) fn blank(s: &Option<String>) -> Option<&str> {
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
            p.add(
                field("contribution"),
                Text::new("Phần vốn góp phải lớn hơn 0 đồng.", "A contribution is above 0 đồng."),
            );
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
            Text::new(
                "Ngành nghề chính phải là một trong các ngành đăng ký.",
                "The main line must be one of the lines.",
            ),
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
