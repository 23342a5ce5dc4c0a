//! Đăng ký biến động quyền sử dụng đất do chuyển nhượng, tặng cho — a land user sells or gives their whole share
//! of a parcel to a citizen under a notarised contract: the land registry moves the share and issues a new
//! certificate in the approval's transaction. Đăng ký thế chấp quyền sử dụng đất — a land user mortgages their parcel
//! to a lender: the land registry records the mortgage, and the parcel cannot be sold or given until it is
//! released. Xóa đăng ký thế chấp — once the debt is paid, the land user asks, with the lender's confirmation, that
//! the mortgage be struck off, and the parcel can be sold again.

use std::collections::BTreeMap;

use kernel::{PersonalId, TaxCode};
use land::model::{Certificate, Holder, ParcelRef};
use land::service::{Transfer, TransferKind};
use store::{Backend, Tx};
use trust::ledger::Actor;
use web::FieldError;

use super::{problem, value, value_in};
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

fn asked(dossier: &Dossier, values: &FormValues) -> Result<Asked, PortalError> {
    let get = |name: &'static str| value_in(values, name);
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

/// The parcel is one the applicant holds, unmortgaged, in the province whose office receives the dossier
/// (`pledge`: asked for a mortgage, which says so when the parcel carries one already).
async fn held_by_applicant(
    tx: &mut Tx,
    dossier: &Dossier,
    parcel: &ParcelRef,
    pledge: bool,
) -> Result<(), PortalError> {
    if dossier.commune.map(|c| c.province()) != Some(parcel.commune.province()) {
        return Err(problem(
            "parcel",
            "Thửa đất ở tỉnh, thành phố khác: hồ sơ nộp tại Văn phòng đăng ký đất đai nơi có đất, không nộp được ở đây.",
            "The parcel lies in another province: its land registration office receives this dossier, not this one.",
        ));
    }
    match land::service::transferable_in(tx, parcel, &Holder::Citizen(dossier.applicant)).await {
        Ok(_) => Ok(()),
        Err(land::error::LandError::Mortgaged) if pledge => Err(problem(
            "parcel",
            "Thửa đất đang thế chấp cho bên khác: cần xóa đăng ký thế chấp đó trước.",
            "The parcel is mortgaged already: that mortgage must be released first.",
        )),
        Err(land::error::LandError::Mortgaged) => Err(problem(
            "parcel",
            "Thửa đất đang thế chấp: cần xóa đăng ký thế chấp trước khi chuyển nhượng, tặng cho.",
            "The parcel is mortgaged: the mortgage must be released before it is sold or given.",
        )),
        Err(e) => Err(not_theirs(e)),
    }
}

/// A parcel that is not recorded or not the applicant's, refused at its field; any other error as it is.
fn not_theirs(e: land::error::LandError) -> PortalError {
    match e {
        land::error::LandError::NoParcel => {
            problem("parcel", "Không có thửa đất này trong sổ địa chính.", "No such parcel is recorded.")
        }
        land::error::LandError::NotAHolder => {
            problem("parcel", "Bạn không đứng tên quyền sử dụng thửa đất này.", "You hold no share of this parcel.")
        }
        e => e.into(),
    }
}

/// At submission: the parcel is one the applicant holds, unmortgaged, in the province whose office receives the
/// dossier; the receiver is a living citizen of the population registry.
pub(super) async fn check_in(tx: &mut Tx, dossier: &Dossier, values: &FormValues) -> Result<(), PortalError> {
    let asked = asked(dossier, values)?;
    held_by_applicant(tx, dossier, &asked.parcel, false).await?;
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

/// What a mortgage's applicant, or its release's, names: the parcel, and the lender (an enterprise, by tax code).
struct Lien {
    parcel: ParcelRef,
    lender: TaxCode,
}

fn lien(values: &FormValues) -> Result<Lien, PortalError> {
    let parcel: ParcelRef =
        value_in(values, "parcel")?.parse().map_err(|e| PortalError::Invalid(vec![FieldError::new("parcel", e)]))?;
    let lender: TaxCode = value_in(values, "mortgagee")?.parse().map_err(|_| PortalError::MissingValue("mortgagee"))?;
    Ok(Lien { parcel, lender })
}

/// Đăng ký thế chấp at submission: the parcel as for a sale, and a lender that is an open enterprise of the
/// enterprise registry (a bank, a credit institution).
pub(super) async fn check_mortgage_in(tx: &mut Tx, dossier: &Dossier, values: &FormValues) -> Result<(), PortalError> {
    let asked = lien(values)?;
    held_by_applicant(tx, dossier, &asked.parcel, true).await?;
    match enterprise::service::enterprise_in(tx, &asked.lender).await {
        Ok(e) if e.status.open() => Ok(()),
        Ok(_) | Err(enterprise::error::EnterpriseError::NotFound) => Err(problem(
            "mortgagee",
            "Không có tổ chức đang hoạt động mang mã số thuế này trong cơ sở dữ liệu quốc gia về doanh nghiệp.",
            "No open enterprise with this tax code is in the enterprise registry.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// At approval: the mortgage registered on the parcel; the facts of the result, with the mortgage's number,
/// which its release names.
pub(super) async fn mortgage(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    actor: &Actor,
) -> Result<BTreeMap<String, String>, PortalError> {
    check_mortgage_in(tx, dossier, &dossier.form).await?;
    let asked = lien(&dossier.form)?;
    let contract = value(dossier, "contract")?.to_owned();
    let new = land::service::NewMortgage {
        mortgagor: Holder::Citizen(dossier.applicant),
        mortgagee: Holder::Enterprise(asked.lender),
        basis: format!("{contract} ({})", dossier.code),
    };
    let now = time::OffsetDateTime::now_utc();
    let (_, number) = land::service::register_mortgage_in(tx, backend, &asked.parcel, new, actor, now).await?;
    let mut facts = BTreeMap::new();
    facts.insert("parcel".into(), asked.parcel.to_string());
    facts.insert("mortgagee_tax_code".into(), asked.lender.to_string());
    facts.insert("mortgage_number".into(), number.to_string());
    facts.insert("contract".into(), contract);
    Ok(facts)
}

/// Xóa đăng ký thế chấp at submission: the applicant holds the parcel and has an open mortgage of it to the
/// lender named; that mortgage's number.
pub(super) async fn check_release_in(tx: &mut Tx, dossier: &Dossier, values: &FormValues) -> Result<i64, PortalError> {
    let asked = lien(values)?;
    let (holder, lender) = (Holder::Citizen(dossier.applicant), Holder::Enterprise(asked.lender));
    match land::service::releasable_in(tx, &asked.parcel, &holder, &lender).await {
        Ok(number) => Ok(number),
        Err(land::error::LandError::NoMortgage) => Err(problem(
            "mortgagee",
            "Thửa đất không có khoản thế chấp đang hiệu lực của bạn với bên nhận thế chấp này.",
            "The parcel carries no open mortgage of yours to this lender.",
        )),
        Err(e) => Err(not_theirs(e)),
    }
}

/// At approval: the mortgage struck off; the facts of the result.
pub(super) async fn release(
    tx: &mut Tx,
    backend: Backend,
    dossier: &Dossier,
    actor: &Actor,
) -> Result<BTreeMap<String, String>, PortalError> {
    let number = check_release_in(tx, dossier, &dossier.form).await?;
    let asked = lien(&dossier.form)?;
    let basis = format!("{} ({})", value(dossier, "release_basis")?, dossier.code);
    let now = time::OffsetDateTime::now_utc();
    land::service::release_mortgage_in(tx, backend, &asked.parcel, number, &basis, actor, now).await?;
    let mut facts = BTreeMap::new();
    facts.insert("parcel".into(), asked.parcel.to_string());
    facts.insert("mortgagee_tax_code".into(), asked.lender.to_string());
    facts.insert("released_mortgage_number".into(), number.to_string());
    Ok(facts)
}
