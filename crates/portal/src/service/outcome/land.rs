//! Đăng ký biến động quyền sử dụng đất do chuyển nhượng, tặng cho — a land user sells or gives their whole share
//! of a parcel to a citizen under a notarised contract: the land registry moves the share and issues a new
//! certificate in the approval's transaction.

use std::collections::BTreeMap;

use kernel::{PersonalId, Text};
use land::model::{Certificate, Holder, ParcelRef};
use land::service::{Transfer, TransferKind};
use store::{Backend, Tx};
use trust::ledger::Actor;
use web::FieldError;

use super::value;
use crate::error::PortalError;
use crate::model::{Dossier, FormValues, Procedure};

/// What the applicant asks: which parcel, to whom, how, under which contract.
struct Asked {
    parcel: ParcelRef,
    receiver: PersonalId,
    kind: TransferKind,
    contract: String,
}

/// The file's `transfer_kind` offers a sale or a gift: an inheritance is the heir's procedure, not the holder's.
pub(super) fn check_file(procedure: &Procedure) -> Result<(), String> {
    let field = procedure.field("transfer_kind").ok_or("field `fields`: the outcome needs `transfer_kind`")?;
    match field.options.iter().find(|o| kind(&o.value).is_none()) {
        Some(o) => Err(format!("field `fields.options` of \"transfer_kind\": {:?} is not transfer or gift", o.value)),
        None => Ok(()),
    }
}

fn kind(value: &str) -> Option<TransferKind> {
    match value {
        "transfer" => Some(TransferKind::Transfer),
        "gift" => Some(TransferKind::Gift),
        _ => None,
    }
}

fn problem(field: &str, vi: &str, en: &str) -> PortalError {
    PortalError::Invalid(vec![FieldError::new(field, Text::new(vi.to_owned(), en.to_owned()))])
}

fn asked(dossier: &Dossier, values: &FormValues) -> Result<Asked, PortalError> {
    let get = |name: &'static str| values.get(name).map(String::as_str).ok_or(PortalError::MissingValue(name));
    let parcel: ParcelRef =
        get("parcel")?.parse().map_err(|e| PortalError::Invalid(vec![FieldError::new("parcel", e)]))?;
    let receiver: PersonalId = get("receiver_id")?.parse().map_err(|_| PortalError::MissingValue("receiver_id"))?;
    if receiver == dossier.applicant {
        return Err(problem(
            "receiver_id",
            "Bên nhận phải là người khác, không phải chính bạn.",
            "The receiver must be someone other than you.",
        ));
    }
    let kind = kind(get("transfer_kind")?).ok_or(PortalError::MissingValue("transfer_kind"))?;
    Ok(Asked { parcel, receiver, kind, contract: get("contract")?.to_owned() })
}

/// At submission: the parcel is one the applicant holds, unmortgaged, in the province whose office receives the
/// dossier; the receiver is a living citizen of the population registry.
pub(super) async fn check_in(tx: &mut Tx, dossier: &Dossier, values: &FormValues) -> Result<(), PortalError> {
    let asked = asked(dossier, values)?;
    if dossier.commune.map(|c| c.province()) != Some(asked.parcel.commune.province()) {
        return Err(problem(
            "parcel",
            "Thửa đất ở tỉnh, thành phố khác: hồ sơ nộp tại Văn phòng đăng ký đất đai nơi có đất, không nộp được ở đây.",
            "The parcel lies in another province: its land registration office receives this dossier, not this one.",
        ));
    }
    match land::service::transferable_in(tx, &asked.parcel, &Holder::Citizen(dossier.applicant)).await {
        Ok(_) => {}
        Err(land::error::LandError::NoParcel) => {
            return Err(problem("parcel", "Không có thửa đất này trong sổ địa chính.", "No such parcel is recorded."));
        }
        Err(land::error::LandError::NotAHolder) => {
            return Err(problem(
                "parcel",
                "Bạn không đứng tên quyền sử dụng thửa đất này.",
                "You hold no share of this parcel.",
            ));
        }
        Err(land::error::LandError::Mortgaged) => {
            return Err(problem(
                "parcel",
                "Thửa đất đang thế chấp: cần xóa đăng ký thế chấp trước khi chuyển nhượng, tặng cho.",
                "The parcel is mortgaged: the mortgage must be released before it is sold or given.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    match registry::life_events::citizen_in(tx, &asked.receiver).await {
        Ok(c) if c.status == registry::model::CitizenStatus::Living => Ok(()),
        Ok(_) | Err(registry::error::RegistryError::NotFound) => Err(problem(
            "receiver_id",
            "Không có công dân còn sống mang số định danh này trong cơ sở dữ liệu quốc gia về dân cư.",
            "No living citizen with this personal ID number is in the population registry.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// At approval: moves the applicant's whole share to the receiver under a new certificate issued by the office
/// that approves; the facts of the result.
pub(super) async fn transfer(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    actor: &Actor,
) -> Result<BTreeMap<String, String>, PortalError> {
    let asked = asked(dossier, &dossier.form)?;
    let from = Holder::Citizen(dossier.applicant);
    let share = land::service::transferable_in(tx, &asked.parcel, &from).await?;
    let now = time::OffsetDateTime::now_utc();
    let certificate = Certificate {
        number: land::service::next_serial_in(tx).await?,
        issued_on: super::super::workflow::today(now),
        issuer: dossier.office.clone(),
    };
    let transfer = Transfer {
        kind: asked.kind,
        from,
        to: Holder::Citizen(asked.receiver),
        share,
        certificate: certificate.clone(),
        basis: format!("{} ({})", asked.contract, dossier.code),
    };
    land::service::transfer_in(tx, backend, &asked.parcel, transfer, actor, now).await?;
    let mut facts = BTreeMap::new();
    facts.insert("parcel".into(), asked.parcel.to_string());
    facts.insert("receiver_personal_id".into(), asked.receiver.to_string());
    facts.insert("share".into(), share.display_vi());
    facts.insert("certificate".into(), certificate.number.to_string());
    facts.insert("contract".into(), value(dossier, "contract")?.to_owned());
    Ok(facts)
}
