//! The outcomes applied to the population registry: a birth, a move into a household, a temporary residence, a
//! marriage, a death.

use std::collections::BTreeMap;

use kernel::{LegacyProvinceCode, PersonalId, Sex, Text};
use registry::model::{Citizen, NewCitizen, Relationship};
use registry::service::Change;
use store::{Backend, Tx};

use super::{day, value};
use crate::error::PortalError;
use crate::model::{Dossier, FormValues, Procedure};

/// Registers the child of a birth dossier; the facts of the result.
pub(super) async fn birth(
    tx: &mut Tx,
    backend: Backend,
    procedure: &Procedure,
    dossier: &Dossier,
    applicant: &Citizen,
    change: &Change<'_>,
) -> Result<BTreeMap<String, String>, PortalError> {
    let child = register_child(tx, backend, dossier, applicant, change).await?;
    let mut facts = BTreeMap::new();
    facts.insert("child_personal_id".into(), child.personal_id.to_string());
    facts.insert("child_full_name".into(), child.full_name.clone());
    facts.insert("child_birth_date".into(), child.birth_date.clone());
    if let Some(household) = &child.household {
        facts.insert("household".into(), household.clone());
    }
    if procedure.health_insurance_card {
        facts.insert("health_insurance_card".into(), health_insurance_card(&child));
    }
    Ok(facts)
}

/// Moves the applicant into the household of the dossier; the facts of the result.
pub(super) async fn permanent_residence(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    change: &Change<'_>,
) -> Result<BTreeMap<String, String>, PortalError> {
    let household = value(dossier, "household")?;
    let relationship: Relationship =
        value(dossier, "relationship")?.parse().map_err(|()| PortalError::MissingValue("relationship"))?;
    let moved =
        registry::service::move_to_household_in(tx, backend, &dossier.applicant, household, relationship, change)
            .await?;
    let mut facts = BTreeMap::new();
    facts.insert("household".into(), household.to_owned());
    if let Some(commune) = moved.commune {
        facts.insert("commune".into(), commune.to_string());
    }
    Ok(facts)
}

/// What a temporary-residence procedure's `months` field must offer: whole months the law allows.
pub(super) fn check_temporary_file(procedure: &Procedure) -> Result<(), String> {
    let field = procedure.field("months").ok_or("field `fields`: the outcome needs `months`")?;
    match field.options.iter().find(|o| months(&o.value).is_none()) {
        Some(o) => Err(format!(
            "field `fields.options` of \"months\": {:?} is not a whole number of months from 1 to {}",
            o.value,
            registry::residence::LONGEST_TERM_MONTHS
        )),
        None => Ok(()),
    }
}

fn months(value: &str) -> Option<u32> {
    value.parse().ok().filter(|m| (1..=registry::residence::LONGEST_TERM_MONTHS).contains(m))
}

/// At submission: the household exists, and it is a place where the applicant may register temporarily.
pub(super) async fn check_temporary_in(tx: &mut Tx, dossier: &Dossier, values: &FormValues) -> Result<(), PortalError> {
    let household = super::value_in(values, "household")?;
    match registry::residence::bar_in(tx, &dossier.applicant, household).await {
        Ok(None) => Ok(()),
        Ok(Some(bar)) => Err(PortalError::Invalid(vec![web::FieldError::new("household", bar)])),
        Err(registry::error::RegistryError::UnknownHousehold(code)) => {
            Err(PortalError::Invalid(vec![web::FieldError::new(
                "household",
                Text::new(format!("Không có hộ mã {code}."), format!("No household has code {code}.")),
            )]))
        }
        Err(e) => Err(e.into()),
    }
}

/// Registers the applicant's temporary residence from the day of approval; the facts of the result.
pub(super) async fn temporary_residence(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    change: &Change<'_>,
) -> Result<BTreeMap<String, String>, PortalError> {
    let household = value(dossier, "household")?;
    let months = months(value(dossier, "months")?).ok_or(PortalError::MissingValue("months"))?;
    let from = super::super::workflow::today(time::OffsetDateTime::now_utc());
    let after =
        registry::residence::register_temporary_in(tx, backend, &dossier.applicant, household, from, months, change)
            .await?;
    let mut facts = BTreeMap::new();
    facts.insert("temporary_household".into(), household.to_owned());
    facts.insert("temporary_from".into(), from.to_string());
    if let Some(until) = after.temporary_until {
        facts.insert("temporary_until".into(), until);
    }
    Ok(facts)
}

/// Records the death of the dossier's deceased, which revokes their credentials; the facts of the result.
pub(super) async fn death(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    change: &Change<'_>,
) -> Result<BTreeMap<String, String>, PortalError> {
    let deceased: PersonalId =
        value(dossier, "deceased_id")?.parse().map_err(|_| PortalError::MissingValue("deceased_id"))?;
    let died = day(value(dossier, "death_date")?).ok_or(PortalError::MissingValue("death_date"))?;
    let record = registry::life_events::record_death_in(tx, backend, &deceased, died, change).await?;
    let mut facts = BTreeMap::new();
    facts.insert("deceased_personal_id".into(), deceased.to_string());
    facts.insert("deceased_full_name".into(), record.full_name);
    facts.insert("death_date".into(), died.to_string());
    Ok(facts)
}

/// At submission: the partner is in the registry and nothing the registry knows bars the marriage.
pub(super) async fn check_marriage_in(tx: &mut Tx, dossier: &Dossier, values: &FormValues) -> Result<(), PortalError> {
    let partner: PersonalId =
        values.get("partner_id").and_then(|id| id.parse().ok()).ok_or(PortalError::MissingValue("partner_id"))?;
    let today = super::super::workflow::today(time::OffsetDateTime::now_utc());
    let at_partner = |problem: web::FieldError| PortalError::Invalid(vec![problem]);
    match registry::marriage::bar_in(tx, &dossier.applicant, &partner, today).await {
        Ok(None) => Ok(()),
        Ok(Some(bar)) => Err(at_partner(web::FieldError::new("partner_id", bar))),
        Err(registry::error::RegistryError::NotFound) => Err(at_partner(web::FieldError::new(
            "partner_id",
            Text::new(
                "Không có công dân mang số định danh này trong cơ sở dữ liệu quốc gia về dân cư.",
                "No citizen with this personal ID number is in the population registry.",
            ),
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Records the marriage of the applicant and their partner; the facts of the result.
pub(super) async fn marriage(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    change: &Change<'_>,
) -> Result<BTreeMap<String, String>, PortalError> {
    let partner: PersonalId =
        value(dossier, "partner_id")?.parse().map_err(|_| PortalError::MissingValue("partner_id"))?;
    let on = super::super::workflow::today(time::OffsetDateTime::now_utc());
    let (applicant, spouse) =
        registry::marriage::record_marriage_in(tx, backend, &dossier.applicant, &partner, on, change).await?;
    let mut facts = BTreeMap::new();
    facts.insert("spouse_personal_id".into(), spouse.personal_id.to_string());
    facts.insert("spouse_full_name".into(), spouse.full_name);
    facts.insert("applicant_full_name".into(), applicant.full_name);
    facts.insert("married_on".into(), on.to_string());
    Ok(facts)
}

/// Registers the child of a birth dossier: a new personal ID number, the applicant's household, both parents.
async fn register_child(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    applicant: &Citizen,
    change: &Change<'_>,
) -> Result<Citizen, PortalError> {
    let household = applicant.household.clone().ok_or(PortalError::NoHousehold)?;
    let other: Option<PersonalId> = match dossier.form.get("other_parent_id") {
        Some(id) => Some(id.parse().map_err(|_| PortalError::MissingValue("other_parent_id"))?),
        None => None,
    };
    if let Some(other) = &other {
        // The other parent must be someone the registry holds: the error names them, and nothing is written.
        registry::life_events::citizen_in(tx, other).await?;
    }
    let (mother, father) = match applicant.sex {
        Sex::Female => (Some(applicant.personal_id), other),
        Sex::Male => (other, Some(applicant.personal_id)),
    };
    let sex = match value(dossier, "child_sex")? {
        "female" => Sex::Female,
        _ => Sex::Male,
    };
    let born = day(value(dossier, "child_birth_date")?).ok_or(PortalError::MissingValue("child_birth_date"))?;
    // The ID number's first digits name the province that registers the birth.
    let province = dossier
        .commune
        .and_then(|c| LegacyProvinceCode::parse(&format!("{:03}", c.province().to_string().parse::<u32>().ok()?)))
        .unwrap_or_else(|| applicant.personal_id.province());
    let personal_id = registry::life_events::new_personal_id_in(tx, province, sex, born).await?;
    let relationship = match applicant.relationship {
        Some(Relationship::Head | Relationship::Spouse) => Relationship::Child,
        Some(Relationship::Child) => Relationship::Grandchild,
        _ => Relationship::Other,
    };
    let new = NewCitizen {
        personal_id,
        full_name: value(dossier, "child_full_name")?.to_owned(),
        birth_date: born,
        sex,
        ethnicity: applicant.ethnicity,
        religion: None,
        nationality: "VN".into(),
        hometown: applicant.hometown.clone(),
        household: Some(household),
        relationship: Some(relationship),
        mother_id: mother,
        father_id: father,
        spouse_id: None,
    };
    Ok(registry::service::register_in(tx, backend, &new, change).await?)
}

/// The number of a child's health-insurance card (thẻ BHYT, group TE1: children under six). Social insurance
/// numbers are Vietnam Social Security's to assign; until congso speaks to its system, the card carries the
/// child's personal ID number's last ten digits, which are unique as the ID number is.
fn health_insurance_card(child: &Citizen) -> String {
    let province = child.province.map(|p| p.to_string()).unwrap_or_else(|| "00".into());
    format!("TE1{province}{}", &child.personal_id.as_str()[2..])
}
