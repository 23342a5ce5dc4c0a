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
use crate::store::{self as sql, NewParcelRow, NewTransaction, Summary};

mod dossiers;
mod transactions;

pub use dossiers::{SERIES, next_serial_in, releasable_in, transferable_in};
pub use transactions::*;

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

fn basis(text: &str) -> Result<String, LandError> {
    kernel::free_text::clean(text, MAX_BASIS).map_err(|e| LandError::field("basis", e))
}

/// What the ledger's digest of a parcel covers: everything recorded about it now.
fn digest(parcel: &Parcel) -> String {
    let p = parcel;
    digest_of(
        &p.reference,
        p.area,
        p.purpose,
        &p.term,
        &p.footprint,
        &p.holders,
        &p.certificate.number,
        p.mortgaged,
        p.version,
    )
}

/// [`digest`] from a parcel's parts, for a writer that has them before the parcel can be read back (the
/// generator); the holders in the order a read gives them, largest share first.
#[allow(clippy::too_many_arguments)]
pub(crate) fn digest_of(
    reference: &ParcelRef,
    area: Area,
    purpose: LandUse,
    term: &Term,
    footprint: &Footprint,
    holders: &[Holding],
    certificate: &crate::model::CertificateNumber,
    mortgaged: bool,
    version: i64,
) -> String {
    let mut holders: Vec<_> = holders.iter().map(|h| (h.holder.kind(), h.holder.key(), h.share.bp())).collect();
    holders.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (a.0, &a.1).cmp(&(b.0, &b.1))));
    let holders: Vec<_> = holders.into_iter().map(|(kind, key, bp)| (format!("{kind}:{key}"), bp)).collect();
    record_digest(&serde_json::json!({
        "parcel": reference.to_string(),
        "area_dm2": area.dm2(),
        "purpose": purpose.code(),
        "term": term.stored(),
        "geometry": footprint.to_geojson_string(),
        "holders": holders,
        "certificate": certificate.as_str(),
        "mortgaged": mortgaged,
        "version": version,
    }))
}

/// Checks every stored parcel against the last digest the ledger recorded for it (`congso ledger verify`): how
/// many were checked, and the first difference (a parcel changed outside the services, one with no entry, an
/// entry for a parcel that is gone).
pub async fn verify(db: &Db) -> Result<(u64, Option<String>), LandError> {
    let mut check = ledger::verify::RecordCheck::new(db, PARCEL).await?;
    let mut after = 0;
    loop {
        let mut tx = db.pool().begin().await?;
        let rows = sql::rows_after(&mut tx, after, 1_000).await?;
        let Some(last) = rows.last().map(|r| r.id) else { break };
        for row in rows {
            let parcel = sql::assemble(&mut tx, row).await?;
            check.row(&parcel.reference.to_string(), &digest(&parcel));
        }
        tx.rollback().await?;
        after = last;
    }
    Ok(check.finish())
}

/// The ledger entries of a change: one for each citizen it touches (each sees it among the uses of their data),
/// or one with no subject when only organisations are involved.
fn events(
    parcel: &Parcel,
    actor: &Actor,
    change: TransactionKind,
    people: &[&Holder],
    detail: serde_json::Value,
) -> Vec<Event> {
    let record = RecordRef { kind: PARCEL.into(), key: parcel.reference.to_string(), digest: Some(digest(parcel)) };
    let mut detail = detail;
    if let Some(map) = detail.as_object_mut() {
        map.insert("change".into(), change.as_str().into());
    }
    let base = Event::new(EventKind::RecordChanged, actor.clone()).record(record).detail(detail);
    let mut citizens: Vec<&str> = people.iter().filter_map(|h| h.citizen()).map(|id| id.as_str()).collect();
    citizens.sort_unstable();
    citizens.dedup();
    if citizens.is_empty() { vec![base] } else { citizens.into_iter().map(|id| base.clone().subject(id)).collect() }
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
    Ok(sql::parcel_in(tx, r).await?.ok_or(LandError::NoParcel)?.1)
}

/// Parcels counted, and their recorded areas summed in dm², by province and land-use purpose: what the published
/// land figures are made from.
pub async fn area_by_purpose(db: &Db) -> Result<Vec<(String, String, i64, i64)>, LandError> {
    Ok(store::sqlx::query_as(
        "SELECT province, purpose, COUNT(*), CAST(SUM(area_dm2) AS BIGINT) FROM land_parcels GROUP BY province, purpose",
    )
    .fetch_all(db.pool())
    .await?)
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
    let (id, parcel) = sql::parcel_in(&mut tx, r).await?.ok_or(LandError::NoParcel)?;
    let history = sql::transactions_in(&mut tx, id).await?;
    tx.rollback().await?;
    Ok((parcel, history))
}

/// The parcels around `parcel` whose boxes come within `metres` of its own, itself excluded: what its page draws
/// beside it.
pub async fn neighbours(
    db: &Db,
    parcel: &Parcel,
    metres: f64,
) -> Result<Vec<(ParcelRef, LandUse, Footprint)>, LandError> {
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
pub async fn parcels_of(db: &Db, holder: &Holder) -> Result<Vec<Summary>, LandError> {
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
}
