//! Đăng ký thay đổi địa chỉ trụ sở chính, thông báo tạm ngừng kinh doanh: the changes an enterprise's legal
//! representative files for it. The applicant must be one of its representatives now, and the business
//! registration office that receives the dossier must be the one of the province of its head office.

use std::collections::BTreeMap;

use enterprise::model::{Enterprise, Office};
use kernel::{DigitalAddress, TaxCode};
use registry::service::Change;
use store::{Backend, Tx};

use super::{problem, value_in};
use crate::error::PortalError;
use crate::model::{Dossier, FormValues, Outcome, Procedure};

/// The file's `status_change` offers a suspension or a resumption.
pub(super) fn check_file(procedure: &Procedure) -> Result<(), String> {
    let field = procedure.field("status_change").ok_or("field `fields`: the outcome needs `status_change`")?;
    match field.options.iter().find(|o| !["suspend", "resume"].contains(&o.value.as_str())) {
        Some(o) => Err(format!("field `fields.options` of \"status_change\": {:?} is not suspend or resume", o.value)),
        None => Ok(()),
    }
}

/// The enterprise the dossier is about, if the applicant represents it and this office is its province's.
async fn represented(tx: &mut Tx, dossier: &Dossier, values: &FormValues) -> Result<Enterprise, PortalError> {
    let code: TaxCode = value_in(values, "tax_code")?.parse().map_err(|_| PortalError::MissingValue("tax_code"))?;
    let e = match enterprise::service::enterprise_in(tx, &code).await {
        Ok(e) => e,
        Err(enterprise::error::EnterpriseError::NotFound) => {
            return Err(problem(
                "tax_code",
                "Không có doanh nghiệp mang mã số này.",
                "No enterprise has this tax code.",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if !e.representatives.iter().any(|r| r.personal_id == dossier.applicant) {
        return Err(problem(
            "tax_code",
            "Bạn không phải người đại diện theo pháp luật của doanh nghiệp này.",
            "You are not a legal representative of this enterprise.",
        ));
    }
    if dossier.commune.map(|c| c.province()) != Some(e.office.province) {
        return Err(problem(
            "tax_code",
            "Doanh nghiệp đặt trụ sở ở tỉnh, thành phố khác: hồ sơ nộp tại Phòng Đăng ký kinh doanh nơi có trụ sở.",
            "The enterprise's head office is in another province: its business registration office receives this.",
        ));
    }
    if !e.status.open() {
        return Err(problem(
            "tax_code",
            "Doanh nghiệp đang giải thể, đã giải thể hoặc phá sản: không thay đổi được nữa.",
            "The enterprise is dissolving, dissolved or bankrupt: it can no longer change.",
        ));
    }
    Ok(e)
}

/// The office the form names, in the enterprise's province (a move to another province is registered there).
fn new_office(e: &Enterprise, values: &FormValues) -> Result<Office, PortalError> {
    let address: DigitalAddress =
        value_in(values, "office_address")?.parse().map_err(|_| PortalError::MissingValue("office_address"))?;
    let office = Office::at(address, value_in(values, "office_street")?.to_owned());
    if office.province != e.office.province {
        return Err(problem(
            "office_address",
            "Trụ sở mới ở tỉnh, thành phố khác: hồ sơ nộp tại Phòng Đăng ký kinh doanh nơi đặt trụ sở mới.",
            "The new office is in another province: register the move with that province's office.",
        ));
    }
    if office.address == e.office.address {
        return Err(problem("office_address", "Đây là địa chỉ trụ sở hiện tại.", "This is the office's address now."));
    }
    Ok(office)
}

/// At submission: the applicant represents the enterprise, and the change is one it can make.
pub(super) async fn check_in(
    tx: &mut Tx,
    outcome: Outcome,
    dossier: &Dossier,
    values: &FormValues,
) -> Result<Enterprise, PortalError> {
    let e = represented(tx, dossier, values).await?;
    match outcome {
        Outcome::EnterpriseOffice => {
            new_office(&e, values)?;
        }
        _ => {
            let to = if value_in(values, "status_change")? == "suspend" {
                enterprise::model::Status::Suspended
            } else {
                enterprise::model::Status::Active
            };
            if !e.status.may_become(to) {
                return Err(problem(
                    "status_change",
                    "Doanh nghiệp đang ở tình trạng này rồi.",
                    "The enterprise is in this state already.",
                ));
            }
        }
    }
    Ok(e)
}

/// At approval: the change, through the enterprise registry's service; the facts of the result.
pub(super) async fn apply(
    tx: &mut Tx,
    backend: Backend,
    outcome: Outcome,
    dossier: &Dossier,
    change: &Change<'_>,
) -> Result<BTreeMap<String, String>, PortalError> {
    let e = check_in(tx, outcome, dossier, &dossier.form).await?;
    let change = enterprise::service::Change { actor: change.actor, reason: change.reason };
    let today = super::super::workflow::today(time::OffsetDateTime::now_utc());
    let changed = match outcome {
        Outcome::EnterpriseOffice => {
            let office = new_office(&e, &dossier.form)?;
            enterprise::service::change_office_in(tx, backend, &e.tax_code, &office, &change).await?
        }
        _ if value_in(&dossier.form, "status_change")? == "suspend" => {
            enterprise::service::suspend_in(tx, backend, &e.tax_code, today, &change).await?
        }
        _ => enterprise::service::resume_in(tx, backend, &e.tax_code, today, &change).await?,
    };
    let mut facts = BTreeMap::new();
    facts.insert("tax_code".into(), changed.tax_code.to_string());
    facts.insert("enterprise_name".into(), changed.name.clone());
    facts.insert("office".into(), changed.office.written());
    facts.insert("status".into(), changed.status.as_str().into());
    facts.insert("changed_on".into(), today.to_string());
    Ok(facts)
}
