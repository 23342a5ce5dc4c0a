//! The land registry's rules. Every write has an `_in(&mut Tx, …)` form that checks everything before it writes,
//! writes the parcel's change, its transaction row and its ledger entries in the caller's transaction (the
//! portal's land procedures call these inside the transaction that approves a dossier), and a `&Db` form that
//! begins, calls and commits.
//!
//! Rules: a boundary is a valid polygon that overlaps no recorded parcel of its commune; the shares of a parcel
//! never add up to more than the whole; a citizen named as a land user is a living person of the population
//! registry; a transfer moves at most what the giver holds; a mortgaged parcel is neither sold nor given until
//! the mortgage is released; every change moves the parcel's version from the one read, so two changes at once
//! cannot both win.

use std::collections::HashSet;

use store::{Backend, Db, Tx};
use time::OffsetDateTime;
use trust::ledger::{self, Actor, Event, EventKind, RecordRef, record_digest};

use crate::error::LandError;
use crate::geometry::Footprint;
use crate::model::{
    Area, Certificate, Holder, Holding, LandUse, Parcel, ParcelRef, Share, Term, Transaction, TransactionKind,
};
use crate::store::{self as sql, NewParcelRow, NewTransaction, ParcelRow, Summary};

/// The record kind of a parcel in the ledger.
pub const PARCEL: &str = "land_parcel";

/// The longest legal basis (a contract's number and date, a will, a court's decision).
pub const MAX_BASIS: usize = 300;

/// The most parcels an overlap check compares a new boundary with: a parcel's box meets a few dozen at most.
const MAX_CANDIDATES: i64 = 500;

/// A parcel to register for the first time (đăng ký đất đai lần đầu).
#[derive(Debug, Clone)]
pub struct NewParcel {
    /// Which.
    pub reference: ParcelRef,
    /// Diện tích as surveyed and written on the certificate.
    pub area: Area,
    /// Mục đích sử dụng.
    pub purpose: LandUse,
    /// Thời hạn sử dụng.
    pub term: Term,
    /// The boundary.
    pub footprint: Footprint,
    /// Its users and their shares.
    pub holders: Vec<Holding>,
    /// The first certificate.
    pub certificate: Certificate,
    /// Legal basis: free text for the ledger and the history.
    pub basis: String,
}

/// How a share changes hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// Chuyển nhượng — sale.
    Transfer,
    /// Thừa kế — inheritance: passes on death, mortgage or not (the mortgage follows the land).
    Inheritance,
    /// Tặng cho — gift.
    Gift,
}

impl TransferKind {
    fn transaction(self) -> TransactionKind {
        match self {
            TransferKind::Transfer => TransactionKind::Transfer,
            TransferKind::Inheritance => TransactionKind::Inheritance,
            TransferKind::Gift => TransactionKind::Gift,
        }
    }
}

/// A share of a parcel changing hands, with the new certificate it is issued under.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// Sale, inheritance or gift.
    pub kind: TransferKind,
    /// Bên chuyển.
    pub from: Holder,
    /// Bên nhận.
    pub to: Holder,
    /// How much moves.
    pub share: Share,
    /// The certificate issued after it.
    pub certificate: Certificate,
    /// Legal basis: the contract, the will.
    pub basis: String,
}

/// A mortgage to register (đăng ký thế chấp quyền sử dụng đất).
#[derive(Debug, Clone)]
pub struct NewMortgage {
    /// Bên thế chấp: a land user of the parcel.
    pub mortgagor: Holder,
    /// Bên nhận thế chấp: usually a bank, by tax code.
    pub mortgagee: Holder,
    /// The mortgage contract.
    pub basis: String,
}

/// A lease of a parcel (cho thuê quyền sử dụng đất).
#[derive(Debug, Clone)]
pub struct NewLease {
    /// Bên cho thuê: a land user of the parcel.
    pub lessor: Holder,
    /// Bên thuê.
    pub lessee: Holder,
    /// The day the lease ends.
    pub until: time::Date,
    /// The lease contract.
    pub basis: String,
}

fn basis(text: &str) -> Result<String, LandError> {
    kernel::free_text::clean(text, MAX_BASIS).map_err(|e| LandError::field("basis", e))
}

/// What the ledger's digest of a parcel covers: everything recorded about it now.
fn digest(parcel: &Parcel) -> String {
    let holders: Vec<_> = parcel.holders.iter().map(|h| (h.holder.to_string(), h.share.bp())).collect();
    record_digest(&serde_json::json!({
        "parcel": parcel.reference.to_string(),
        "area_dm2": parcel.area.dm2(),
        "purpose": parcel.purpose.code(),
        "term": parcel.term.stored(),
        "geometry": parcel.footprint.to_geojson_string(),
        "holders": holders,
        "certificate": parcel.certificate.number.as_str(),
        "mortgaged": parcel.mortgaged,
        "version": parcel.version,
    }))
}

/// The ledger entries of a change: one for each citizen it touches (each sees it among the uses of their data),
/// or one with no subject when only organisations are involved.
fn events(parcel: &Parcel, actor: &Actor, change: TransactionKind, people: &[&Holder], detail: serde_json::Value) -> Vec<Event> {
    let record = RecordRef { kind: PARCEL.into(), key: parcel.reference.to_string(), digest: Some(digest(parcel)) };
    let mut detail = detail;
    if let Some(map) = detail.as_object_mut() {
        map.insert("change".into(), change.as_str().into());
    }
    let base = Event::new(EventKind::RecordChanged, actor.clone()).record(record).detail(detail);
    let mut citizens: Vec<&str> = people.iter().filter_map(|h| h.citizen()).map(|id| id.as_str()).collect();
    citizens.sort_unstable();
    citizens.dedup();
    if citizens.is_empty() {
        vec![base]
    } else {
        citizens.into_iter().map(|id| base.clone().subject(id)).collect()
    }
}

/// Refuses a citizen who is not a living person of the population registry.
async fn living(tx: &mut Tx, holder: &Holder) -> Result<(), LandError> {
    let Some(id) = holder.citizen() else { return Ok(()) };
    match registry::life_events::citizen_in(tx, id).await {
        Ok(c) if c.status == registry::model::CitizenStatus::Living => Ok(()),
        Ok(_) | Err(registry::error::RegistryError::NotFound) => Err(LandError::UnknownCitizen),
        Err(e) => Err(LandError::Registry(e.to_string())),
    }
}

/// Refuses a boundary that overlaps a recorded parcel of the commune (other than `except`).
async fn no_overlap(tx: &mut Tx, r: &ParcelRef, footprint: &Footprint, except: Option<i64>) -> Result<(), LandError> {
    let candidates = sql::rows_meeting_in(tx, &r.commune.to_string(), footprint.bbox(), MAX_CANDIDATES).await?;
    match candidates.iter().find(|c| Some(c.id) != except && c.footprint().overlaps(footprint)) {
        Some(c) => Err(LandError::Overlaps(c.reference)),
        None => Ok(()),
    }
}

/// Checks a parcel's list of users: at least one, each once, shares adding up to at most the whole.
pub fn check_holders(holders: &[Holding]) -> Result<(), LandError> {
    if holders.is_empty() {
        return Err(LandError::NoHolder);
    }
    let mut seen = HashSet::new();
    if !holders.iter().all(|h| seen.insert(&h.holder)) {
        return Err(LandError::DuplicateHolder);
    }
    let total: u32 = holders.iter().map(|h| h.share.bp()).sum();
    if total > Share::WHOLE.bp() {
        return Err(LandError::SharesOver);
    }
    Ok(())
}

/// What a transfer leaves: the giver's share less what moves (none when all of it moves), the receiver's share
/// with it added. Refuses more than the giver holds, and the same person on both sides.
pub fn after_transfer(
    holders: &[Holding],
    from: &Holder,
    to: &Holder,
    share: Share,
) -> Result<(Option<Share>, Share), LandError> {
    if from == to {
        return Err(LandError::SameHolder);
    }
    let held = holders.iter().find(|h| &h.holder == from).map(|h| h.share).ok_or(LandError::NotAHolder)?;
    if share > held {
        return Err(LandError::ShareExceeded { held, asked: share });
    }
    let left = held.bp() - share.bp();
    let left = if left == 0 { None } else { Some(Share::new(i64::from(left)).map_err(|e| LandError::field("share_bp", e))?) };
    let had = holders.iter().find(|h| &h.holder == to).map_or(0, |h| h.share.bp());
    let received = Share::new(i64::from(had + share.bp())).map_err(|e| LandError::field("share_bp", e))?;
    Ok((left, received))
}

async fn new_certificate(tx: &mut Tx, parcel_id: i64, c: &Certificate, at: i64) -> Result<(), LandError> {
    if sql::certificate_taken(tx, c.number.as_str()).await? {
        return Err(LandError::CertificateTaken);
    }
    sql::insert_certificate(tx, parcel_id, c, at).await?;
    Ok(())
}

/// Registers a parcel for the first time with its users and first certificate, in the caller's transaction.
/// Refuses, writing nothing: a parcel already recorded, a boundary overlapping one, users' shares above the
/// whole or a user twice, a citizen not living in the population registry, a serial already issued. An area
/// that disagrees with the boundary's beyond [`crate::geometry::AREA_TOLERANCE`] is recorded, flagged.
pub async fn register_in(
    tx: &mut Tx,
    backend: Backend,
    new: NewParcel,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Parcel, LandError> {
    let basis = basis(&new.basis)?;
    check_holders(&new.holders)?;
    if sql::parcel_row_in(tx, &new.reference).await?.is_some() {
        return Err(LandError::Exists(new.reference));
    }
    no_overlap(tx, &new.reference, &new.footprint, None).await?;
    for h in &new.holders {
        living(tx, &h.holder).await?;
    }
    if sql::certificate_taken(tx, new.certificate.number.as_str()).await? {
        return Err(LandError::CertificateTaken);
    }
    let at = now.unix_timestamp();
    let computed = Area::from_m2(new.footprint.area_m2()).map_err(|e| LandError::field("geometry", e))?;
    let row = NewParcelRow {
        reference: new.reference,
        area: new.area,
        computed,
        flagged: !new.footprint.agrees_with(new.area),
        purpose: new.purpose,
        term: new.term,
        footprint: &new.footprint,
        at,
    };
    let id = sql::insert_parcel(tx, &row).await?;
    for h in &new.holders {
        sql::set_share(tx, id, &h.holder, h.share).await?;
    }
    sql::insert_certificate(tx, id, &new.certificate, at).await?;
    let people: Vec<&Holder> = new.holders.iter().map(|h| &h.holder).collect();
    for h in &new.holders {
        let t = NewTransaction {
            kind: TransactionKind::Registration,
            from: None,
            to: Some(&h.holder),
            share: Some(h.share),
            certificate: Some(new.certificate.number.as_str()),
            until: None,
            releases: None,
            basis: &basis,
            actor: &actor.username,
            at,
        };
        sql::append(tx, id, &t).await?;
    }
    let parcel = reread(tx, &new.reference).await?;
    let detail = serde_json::json!({ "flagged": parcel.flagged });
    let mut entries = events(&parcel, actor, TransactionKind::Registration, &people, detail);
    ledger::store::append(tx, backend, &mut entries).await?;
    Ok(parcel)
}

/// [`register_in`] in a transaction of its own.
pub async fn register(db: &Db, new: NewParcel, actor: &Actor) -> Result<Parcel, LandError> {
    let mut tx = db.begin_write().await?;
    let parcel = register_in(&mut tx, db.backend(), new, actor, OffsetDateTime::now_utc()).await?;
    tx.commit().await?;
    Ok(parcel)
}

async fn reread(tx: &mut Tx, r: &ParcelRef) -> Result<Parcel, LandError> {
    let row = sql::parcel_row_in(tx, r).await?.ok_or(LandError::NoParcel)?;
    Ok(sql::assemble(tx, row).await?)
}

/// The parcel's row, moved to its next version: what every change of an existing parcel begins with.
async fn claim(tx: &mut Tx, r: &ParcelRef, at: i64) -> Result<ParcelRow, LandError> {
    let row = sql::parcel_row_in(tx, r).await?.ok_or(LandError::NoParcel)?;
    if !sql::bump(tx, row.id, row.version(), at).await? {
        return Err(LandError::Stale);
    }
    Ok(row)
}

/// Transfers, bequeaths or gives `share` of a parcel from one land user to another, under a new certificate, in
/// the caller's transaction. Refuses, writing nothing: a sale or gift of a mortgaged parcel, a giver who holds
/// less than `share` (or none), the same person on both sides, a receiving citizen not living in the population
/// registry, a serial already issued.
pub async fn transfer_in(
    tx: &mut Tx,
    backend: Backend,
    parcel: &ParcelRef,
    t: Transfer,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Parcel, LandError> {
    let basis = basis(&t.basis)?;
    let at = now.unix_timestamp();
    let row = claim(tx, parcel, at).await?;
    if t.kind != TransferKind::Inheritance && !sql::open_mortgages_in(tx, row.id).await?.is_empty() {
        return Err(LandError::Mortgaged);
    }
    let holders = sql::holders_in(tx, row.id).await?;
    let (left, received) = after_transfer(&holders, &t.from, &t.to, t.share)?;
    living(tx, &t.to).await?;
    new_certificate(tx, row.id, &t.certificate, at).await?;
    match left {
        Some(left) => sql::set_share(tx, row.id, &t.from, left).await?,
        None => sql::remove_holder(tx, row.id, &t.from).await?,
    }
    sql::set_share(tx, row.id, &t.to, received).await?;
    let entry = NewTransaction {
        kind: t.kind.transaction(),
        from: Some(&t.from),
        to: Some(&t.to),
        share: Some(t.share),
        certificate: Some(t.certificate.number.as_str()),
        until: None,
        releases: None,
        basis: &basis,
        actor: &actor.username,
        at,
    };
    let id = sql::append(tx, row.id, &entry).await?;
    let parcel = reread(tx, parcel).await?;
    let detail = serde_json::json!({ "transaction": id, "share_bp": t.share.bp() });
    let mut entries = events(&parcel, actor, t.kind.transaction(), &[&t.from, &t.to], detail);
    ledger::store::append(tx, backend, &mut entries).await?;
    Ok(parcel)
}

/// [`transfer_in`] in a transaction of its own.
pub async fn transfer(db: &Db, parcel: &ParcelRef, t: Transfer, actor: &Actor) -> Result<Parcel, LandError> {
    let mut tx = db.begin_write().await?;
    let parcel = transfer_in(&mut tx, db.backend(), parcel, t, actor, OffsetDateTime::now_utc()).await?;
    tx.commit().await?;
    Ok(parcel)
}

/// Registers a mortgage of a parcel by one of its land users, in the caller's transaction; the parcel and the
/// mortgage's number (which its release names). One open mortgage at a time: a second lender waits for the
/// release (a simplification of the law, which allows several with the first lender's consent).
pub async fn register_mortgage_in(
    tx: &mut Tx,
    backend: Backend,
    parcel: &ParcelRef,
    m: NewMortgage,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(Parcel, i64), LandError> {
    let basis = basis(&m.basis)?;
    let at = now.unix_timestamp();
    let row = claim(tx, parcel, at).await?;
    if !sql::open_mortgages_in(tx, row.id).await?.is_empty() {
        return Err(LandError::Mortgaged);
    }
    let holders = sql::holders_in(tx, row.id).await?;
    if !holders.iter().any(|h| h.holder == m.mortgagor) {
        return Err(LandError::field("mortgagor", crate::model::ModelError {
            vi: "Bên thế chấp phải là người sử dụng thửa đất.",
            en: "the mortgagor must be a land user of the parcel",
        }));
    }
    if m.mortgagee == m.mortgagor {
        return Err(LandError::SameHolder);
    }
    let entry = NewTransaction {
        kind: TransactionKind::Mortgage,
        from: Some(&m.mortgagor),
        to: Some(&m.mortgagee),
        share: None,
        certificate: None,
        until: None,
        releases: None,
        basis: &basis,
        actor: &actor.username,
        at,
    };
    let id = sql::append(tx, row.id, &entry).await?;
    let parcel = reread(tx, parcel).await?;
    let detail = serde_json::json!({ "transaction": id, "mortgagee": m.mortgagee.to_string() });
    let mut entries = events(&parcel, actor, TransactionKind::Mortgage, &[&m.mortgagor], detail);
    ledger::store::append(tx, backend, &mut entries).await?;
    Ok((parcel, id))
}

/// [`register_mortgage_in`] in a transaction of its own.
pub async fn register_mortgage(
    db: &Db,
    parcel: &ParcelRef,
    m: NewMortgage,
    actor: &Actor,
) -> Result<(Parcel, i64), LandError> {
    let mut tx = db.begin_write().await?;
    let done = register_mortgage_in(&mut tx, db.backend(), parcel, m, actor, OffsetDateTime::now_utc()).await?;
    tx.commit().await?;
    Ok(done)
}

/// Releases the open mortgage numbered `mortgage` (xóa đăng ký thế chấp), in the caller's transaction. A
/// mortgage is released once: the release names it, and a unique index on that name stops a second.
pub async fn release_mortgage_in(
    tx: &mut Tx,
    backend: Backend,
    parcel: &ParcelRef,
    mortgage: i64,
    basis_text: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Parcel, LandError> {
    let basis = basis(basis_text)?;
    let at = now.unix_timestamp();
    let row = claim(tx, parcel, at).await?;
    if !sql::open_mortgages_in(tx, row.id).await?.contains(&mortgage) {
        return Err(LandError::NoMortgage);
    }
    let entry = NewTransaction {
        kind: TransactionKind::MortgageRelease,
        from: None,
        to: None,
        share: None,
        certificate: None,
        until: None,
        releases: Some(mortgage),
        basis: &basis,
        actor: &actor.username,
        at,
    };
    let id = sql::append(tx, row.id, &entry).await?;
    let parcel = reread(tx, parcel).await?;
    let people: Vec<&Holder> = parcel.holders.iter().map(|h| &h.holder).collect();
    let detail = serde_json::json!({ "transaction": id, "releases": mortgage });
    let mut entries = events(&parcel, actor, TransactionKind::MortgageRelease, &people, detail);
    ledger::store::append(tx, backend, &mut entries).await?;
    Ok(parcel)
}

/// [`release_mortgage_in`] in a transaction of its own.
pub async fn release_mortgage(
    db: &Db,
    parcel: &ParcelRef,
    mortgage: i64,
    basis: &str,
    actor: &Actor,
) -> Result<Parcel, LandError> {
    let mut tx = db.begin_write().await?;
    let parcel = release_mortgage_in(&mut tx, db.backend(), parcel, mortgage, basis, actor, OffsetDateTime::now_utc())
        .await?;
    tx.commit().await?;
    Ok(parcel)
}

/// Records a lease of a parcel by one of its land users, in the caller's transaction: the users and their shares
/// stay; the history says who rents it until when.
pub async fn lease_in(
    tx: &mut Tx,
    backend: Backend,
    parcel: &ParcelRef,
    lease: NewLease,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Parcel, LandError> {
    let basis = basis(&lease.basis)?;
    let at = now.unix_timestamp();
    if lease.until <= now.date() {
        return Err(LandError::field("until", crate::model::ModelError {
            vi: "Ngày hết hạn thuê phải sau hôm nay.",
            en: "a lease ends after today",
        }));
    }
    let row = claim(tx, parcel, at).await?;
    let holders = sql::holders_in(tx, row.id).await?;
    if !holders.iter().any(|h| h.holder == lease.lessor) {
        return Err(LandError::NotAHolder);
    }
    if lease.lessee == lease.lessor {
        return Err(LandError::SameHolder);
    }
    living(tx, &lease.lessee).await?;
    let entry = NewTransaction {
        kind: TransactionKind::Lease,
        from: Some(&lease.lessor),
        to: Some(&lease.lessee),
        share: None,
        certificate: None,
        until: Some(lease.until),
        releases: None,
        basis: &basis,
        actor: &actor.username,
        at,
    };
    let id = sql::append(tx, row.id, &entry).await?;
    let parcel = reread(tx, parcel).await?;
    let detail = serde_json::json!({ "transaction": id, "until": lease.until.to_string() });
    let mut entries = events(&parcel, actor, TransactionKind::Lease, &[&lease.lessor, &lease.lessee], detail);
    ledger::store::append(tx, backend, &mut entries).await?;
    Ok(parcel)
}

/// [`lease_in`] in a transaction of its own.
pub async fn lease(db: &Db, parcel: &ParcelRef, lease: NewLease, actor: &Actor) -> Result<Parcel, LandError> {
    let mut tx = db.begin_write().await?;
    let parcel = lease_in(&mut tx, db.backend(), parcel, lease, actor, OffsetDateTime::now_utc()).await?;
    tx.commit().await?;
    Ok(parcel)
}

/// A parcel as recorded now.
pub async fn parcel(db: &Db, r: &ParcelRef) -> Result<Parcel, LandError> {
    let mut tx = db.pool().begin().await?;
    let parcel = reread(&mut tx, r).await;
    tx.rollback().await?;
    parcel
}

/// A parcel and its history, oldest first, read together.
pub async fn parcel_with_history(db: &Db, r: &ParcelRef) -> Result<(Parcel, Vec<Transaction>), LandError> {
    let mut tx = db.pool().begin().await?;
    let row = sql::parcel_row_in(&mut tx, r).await?.ok_or(LandError::NoParcel)?;
    let id = row.id;
    let parcel = sql::assemble(&mut tx, row).await?;
    let history = sql::transactions_in(&mut tx, id).await?;
    tx.rollback().await?;
    Ok((parcel, history))
}

/// The parcels around `parcel` whose boxes come within `metres` of its own, itself excluded: what its page draws
/// beside it.
pub async fn neighbours(db: &Db, parcel: &Parcel, metres: f64) -> Result<Vec<(ParcelRef, LandUse, Footprint)>, LandError> {
    let mut tx = db.pool().begin().await?;
    let rows =
        sql::rows_meeting_in(&mut tx, &parcel.reference.commune.to_string(), parcel.footprint.bbox().grown(metres), 60)
            .await?;
    tx.rollback().await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.reference != parcel.reference)
        .map(|r| (r.reference, r.purpose(), r.footprint().clone()))
        .collect())
}

/// The most parcels one search returns.
pub const MAX_RESULTS: i64 = 200;

/// The parcels a land user holds a share of.
pub async fn parcels_of(db: &Db, holder: &Holder) -> Result<Vec<ParcelRef>, LandError> {
    Ok(sql::parcels_of(db, holder, MAX_RESULTS).await?)
}

/// The parcel a certificate serial was issued for (a superseded one still names it).
pub async fn by_certificate(db: &Db, number: &crate::model::CertificateNumber) -> Result<ParcelRef, LandError> {
    sql::parcel_of_certificate(db, number.as_str()).await?.ok_or(LandError::NoParcel)
}

/// A page of a commune's parcels (on one sheet, if given) after `after` (sheet, number); with boundaries when
/// `shapes`.
pub async fn in_commune(
    db: &Db,
    commune: kernel::AdminUnitCode,
    sheet: Option<u32>,
    after: (u32, u32),
    limit: i64,
    shapes: bool,
) -> Result<Vec<Summary>, LandError> {
    Ok(sql::in_commune(db, &commune.to_string(), sheet, after, limit.clamp(1, MAX_RESULTS * 50), shapes).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn citizen(n: &str) -> Holder {
        Holder::Citizen(n.parse().unwrap())
    }

    fn holding(h: &Holder, bp: i64) -> Holding {
        Holding { holder: h.clone(), share: Share::new(bp).unwrap() }
    }

    #[test]
    fn shares_never_add_up_to_more_than_the_whole() {
        let (a, b) = (citizen("001090000001"), citizen("001090000002"));
        assert!(check_holders(&[holding(&a, 6_000), holding(&b, 4_000)]).is_ok());
        assert!(matches!(check_holders(&[holding(&a, 6_000), holding(&b, 4_001)]), Err(LandError::SharesOver)));
        assert!(matches!(check_holders(&[holding(&a, 1), holding(&a, 1)]), Err(LandError::DuplicateHolder)));
        assert!(matches!(check_holders(&[]), Err(LandError::NoHolder)));
    }

    #[test]
    fn a_transfer_moves_at_most_what_the_giver_holds() {
        let (a, b, c) = (citizen("001090000001"), citizen("001090000002"), citizen("001090000003"));
        let holders = [holding(&a, 6_000), holding(&b, 4_000)];
        let half = Share::new(5_000).unwrap();
        let (left, got) = after_transfer(&holders, &a, &b, half).unwrap();
        assert_eq!((left.map(Share::bp), got.bp()), (Some(1_000), 9_000));
        let (left, got) = after_transfer(&holders, &b, &c, Share::new(4_000).unwrap()).unwrap();
        assert_eq!((left, got.bp()), (None, 4_000));
        assert!(matches!(
            after_transfer(&holders, &b, &c, half),
            Err(LandError::ShareExceeded { held, .. }) if held.bp() == 4_000
        ));
        assert!(matches!(after_transfer(&holders, &c, &a, half), Err(LandError::NotAHolder)));
        assert!(matches!(after_transfer(&holders, &a, &a, half), Err(LandError::SameHolder)));
    }
}
