//! Đăng ký thành lập doanh nghiệp, đăng ký hộ kinh doanh: the enterprise a dossier registers, the applicant its
//! owner (holding the whole capital) and legal representative. The form's values are turned into the enterprise
//! registry's own input and parsed by its rules, so the portal and the registrars' back office refuse the same
//! things with the same messages.

use std::collections::BTreeMap;

use enterprise::input::{EnterpriseInput, MemberInput, NewEnterprise, RepresentativeInput};
use enterprise::model::LegalForm;
use kernel::Text;
use registry::service::Change;
use store::{Backend, Tx};
use web::FieldError;

use super::value_in;
use crate::error::PortalError;
use crate::model::{Dossier, FormValues, Procedure};

/// The legal forms an applicant founds alone, as this outcome registers them: one owner.
const FOUNDED_ALONE: [LegalForm; 3] =
    [LegalForm::SingleMemberLlc, LegalForm::PrivateEnterprise, LegalForm::HouseholdBusiness];

/// Every option of the file's `legal_form` must be a form founded by one person.
pub(super) fn check_file(procedure: &Procedure) -> Result<(), String> {
    let field = procedure.field("legal_form").ok_or("field `fields`: the outcome needs `legal_form`")?;
    for option in &field.options {
        match option.value.parse::<LegalForm>() {
            Ok(form) if FOUNDED_ALONE.contains(&form) => {}
            _ => {
                return Err(format!(
                    "field `fields.options` of \"legal_form\": {:?} is not a legal form one founder registers \
                     (single_member_llc, private_enterprise, household_business)",
                    option.value
                ));
            }
        }
    }
    Ok(())
}

/// At submission: the enterprise registry's rules on what was typed, and whether the name is taken.
pub(super) async fn check_in(tx: &mut Tx, dossier: &Dossier, values: &FormValues) -> Result<(), PortalError> {
    let new = parse(dossier, values)?;
    // The office that receives the dossier is found from where the founder lives: the place of business must be
    // in its territory (the commune for a household business, the province for an enterprise).
    let inside = match new.legal_form {
        LegalForm::HouseholdBusiness => dossier.commune == Some(new.office.commune),
        _ => dossier.commune.map(|c| c.province()) == Some(new.office.province),
    };
    if !inside {
        return Err(PortalError::Invalid(vec![FieldError::new(
            "office_address",
            Text::new(
                "Địa chỉ này ở ngoài địa bàn của cơ quan tiếp nhận hồ sơ của bạn (xã, phường nơi bạn cư trú với hộ \
                 kinh doanh; tỉnh, thành phố với doanh nghiệp).",
                "This address is outside the territory of the office that receives your dossier (your commune for a \
                 household business, your province for an enterprise).",
            ),
        )]));
    }
    if enterprise::service::name_taken_in(tx, &new.name).await? {
        return Err(PortalError::Invalid(vec![FieldError::new(
            "name",
            Text::new(
                "Tên này trùng với tên một doanh nghiệp đã đăng ký. Vui lòng chọn tên khác.",
                "A registered enterprise bears this name. Choose another.",
            ),
        )]));
    }
    Ok(())
}

/// At approval: registers the enterprise with a newly issued tax code; the facts of the result.
pub(super) async fn register(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    change: &Change<'_>,
) -> Result<BTreeMap<String, String>, PortalError> {
    let new = parse(dossier, &dossier.form)?;
    let change = enterprise::service::Change { actor: change.actor, reason: change.reason };
    let registered = enterprise::service::register_in(tx, backend, &new, &change).await?;
    let mut facts = BTreeMap::new();
    facts.insert("tax_code".into(), registered.tax_code.to_string());
    facts.insert("enterprise_name".into(), registered.name.clone());
    facts.insert("legal_form".into(), registered.legal_form.as_str().into());
    facts.insert("office".into(), registered.office.written());
    facts.insert("charter_capital".into(), registered.charter_capital.to_string());
    facts.insert("registered_on".into(), registered.registered_on.clone());
    Ok(facts)
}

/// The form as the enterprise registry's input, parsed by its rules; its problems renamed to the form's fields.
fn parse(dossier: &Dossier, values: &FormValues) -> Result<NewEnterprise, PortalError> {
    let get = |name: &'static str| value_in(values, name);
    let optional = |name: &str| values.get(name).filter(|v| !v.is_empty()).cloned();
    let legal_form = get("legal_form")?.parse::<LegalForm>().map_err(|()| PortalError::MissingValue("legal_form"))?;
    let capital: i64 = get("charter_capital")?.parse().map_err(|_| PortalError::MissingValue("charter_capital"))?;
    let main_line = get("main_line")?.to_owned();
    // The main line first: the registry finds it among the lines, and a problem with it is the main line's.
    let mut lines = vec![main_line.clone()];
    lines.extend(
        values
            .get("lines")
            .map(String::as_str)
            .unwrap_or_default()
            .split([',', ';', ' ', '\n'])
            .map(str::trim)
            .filter(|code| !code.is_empty() && *code != main_line)
            .map(str::to_owned),
    );
    let input = EnterpriseInput {
        parent: None,
        name: get("name")?.to_owned(),
        foreign_name: optional("foreign_name"),
        abbreviation: optional("abbreviation"),
        legal_form,
        office_address: get("office_address")?.to_owned(),
        office_street: get("office_street")?.to_owned(),
        charter_capital: capital,
        main_line,
        lines,
        representatives: vec![RepresentativeInput {
            personal_id: dossier.applicant.to_string(),
            title: optional("representative_title").unwrap_or_else(|| default_title(legal_form).to_owned()),
        }],
        members: vec![MemberInput {
            personal_id: Some(dossier.applicant.to_string()),
            tax_code: None,
            name: None,
            contribution: capital,
        }],
    };
    let today = super::super::workflow::today(time::OffsetDateTime::now_utc());
    input.parse(today).map_err(|problems| PortalError::Invalid(problems.into_iter().map(renamed).collect()))
}

/// The representative's title when the founder leaves it empty: what the law calls them in each form.
fn default_title(form: LegalForm) -> &'static str {
    match form {
        LegalForm::HouseholdBusiness => "Chủ hộ kinh doanh",
        LegalForm::PrivateEnterprise => "Chủ doanh nghiệp",
        _ => "Giám đốc",
    }
}

/// A problem of the registry's input at the form field that holds the value.
fn renamed(mut problem: FieldError) -> FieldError {
    let field = match problem.field.as_str() {
        "lines[0]" => "main_line",
        f if f.starts_with("lines") => "lines",
        "members" | "members[0].contribution" => "charter_capital",
        "representatives[0].title" => "representative_title",
        f if f.starts_with("representatives") || f.starts_with("members") => "applicant_personal_id",
        _ => return problem,
    };
    problem.field = field.to_owned();
    problem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registrys_problems_land_at_the_forms_fields() {
        let at = |field: &str| renamed(FieldError::new(field, Text::new("x", "x"))).field;
        assert_eq!(at("lines[0]"), "main_line");
        assert_eq!(at("lines[3]"), "lines");
        assert_eq!(at("members[0].contribution"), "charter_capital");
        assert_eq!(at("representatives[0].personal_id"), "applicant_personal_id");
        assert_eq!(at("representatives[0].title"), "representative_title");
        assert_eq!(at("office_address"), "office_address");
    }
}
