//! The changes of an existing parcel: transfers (sale, inheritance, gift), mortgages registered and released,
//! leases. Each reads the parcel in the caller's transaction, moves its version from the one read, checks its
//! rules before it writes, then writes its transaction row and ledger entries.

use store::{Backend, Db, Tx};
use time::OffsetDateTime;
use trust::ledger::{self, Actor};

use super::{basis, events, living, reread};
use crate::error::LandError;
use crate::model::{Certificate, Holder, Holding, Parcel, ParcelRef, Share, TransactionKind};
use crate::store::{self as sql, NewTransaction, ParcelRow};

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
    let left =
        if left == 0 { None } else { Some(Share::new(i64::from(left)).map_err(|e| LandError::field("share_bp", e))?) };
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
        return Err(LandError::field(
            "mortgagor",
            crate::model::ModelError {
                vi: "Bên thế chấp phải là người sử dụng thửa đất.",
                en: "the mortgagor must be a land user of the parcel",
            },
        ));
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
    let parcel =
        release_mortgage_in(&mut tx, db.backend(), parcel, mortgage, basis, actor, OffsetDateTime::now_utc()).await?;
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
        return Err(LandError::field(
            "until",
            crate::model::ModelError {
                vi: "Ngày hết hạn thuê phải sau hôm nay.", en: "a lease ends after today"
            },
        ));
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
