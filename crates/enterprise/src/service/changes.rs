//! The changes of an enterprise's record after registration: representatives, office, capital, status. Each
//! reads the record in the caller's write transaction and writes the next version only over the one it read.

use kernel::{TaxCode, Text};
use store::{Backend, Db, Tx};
use time::Date;

use super::{Change, appoint, enrol, invalid, now};
use crate::audit;
use crate::error::EnterpriseError;
use crate::input::{NewMember, NewRepresentative, Problems};
use crate::model::{Enterprise, Office, Status};
use crate::store::{self as sql, Stamp};

/// Reads the record in the write transaction, lets `amend` make the next version, and writes it over the current
/// row only if that row is still the version read, keeping the superseded one, with the ledger entry.
async fn amend_in(
    tx: &mut Tx,
    backend: Backend,
    code: &TaxCode,
    change: &Change<'_>,
    what: &str,
    amend: impl FnOnce(&mut Enterprise) -> Result<(), EnterpriseError>,
) -> Result<Enterprise, EnterpriseError> {
    let (id, before) = sql::by_code(tx, code).await?.ok_or(EnterpriseError::NotFound)?;
    let mut after = before.clone();
    amend(&mut after)?;
    after.version = before.version + 1;
    let (by, reason, at) = sql::change_of(tx, id).await?;
    let stamp = Stamp { by: change.actor.username.as_str(), reason: change.reason, at: now() };
    // Update first: the row lock and the version check make a concurrent change wait, then fail as stale, before
    // anything else is written.
    if !sql::update(tx, id, &after, &stamp).await? {
        return Err(EnterpriseError::Stale);
    }
    sql::keep_version(tx, id, &before, &by, &reason, at).await?;
    if after.representatives != before.representatives {
        sql::index_representatives(tx, id, &after).await?;
    }
    if after.status != before.status {
        sql::insert_status(tx, id, after.status.as_str(), &after.status_since, &stamp).await?;
    }
    audit::record_change(tx, backend, &after, change.actor, what, change.reason).await?;
    Ok(after)
}

fn must_be_open(e: &Enterprise) -> Result<(), EnterpriseError> {
    if e.status.open() { Ok(()) } else { Err(EnterpriseError::Closed(e.status)) }
}

/// Replaces the legal representatives ("đăng ký thay đổi người đại diện theo pháp luật"), each checked alive in
/// the population registry, in the caller's transaction. Refused for an enterprise no longer open.
pub async fn change_representatives_in(
    tx: &mut Tx,
    backend: Backend,
    code: &TaxCode,
    new: &[NewRepresentative],
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    let mut p = Problems::default();
    let representatives = appoint(tx, &mut p, new).await?;
    if new.is_empty() {
        p.0.extend(invalid(
            "representatives",
            "Cần ít nhất một người đại diện theo pháp luật.",
            "Give at least one legal representative.",
        ));
    }
    if !p.0.is_empty() {
        return Err(EnterpriseError::Invalid(p.0));
    }
    amend_in(tx, backend, code, change, "representatives_changed", |e| {
        must_be_open(e)?;
        e.representatives = representatives;
        Ok(())
    })
    .await
}

/// [`change_representatives_in`] in a transaction of its own.
pub async fn change_representatives(
    db: &Db,
    code: &TaxCode,
    new: &[NewRepresentative],
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    let mut tx = db.begin_write().await?;
    let e = change_representatives_in(&mut tx, db.backend(), code, new, change).await?;
    tx.commit().await?;
    Ok(e)
}

/// Moves the registered office ("đăng ký thay đổi địa chỉ trụ sở chính"), in the caller's transaction. Refused
/// for an enterprise no longer open.
pub async fn change_office_in(
    tx: &mut Tx,
    backend: Backend,
    code: &TaxCode,
    office: &Office,
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    amend_in(tx, backend, code, change, "office_moved", |e| {
        must_be_open(e)?;
        e.office = office.clone();
        Ok(())
    })
    .await
}

/// [`change_office_in`] in a transaction of its own.
pub async fn change_office(
    db: &Db,
    code: &TaxCode,
    office: &Office,
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    let mut tx = db.begin_write().await?;
    let e = change_office_in(&mut tx, db.backend(), code, office, change).await?;
    tx.commit().await?;
    Ok(e)
}

/// Changes the charter capital with every member's contribution from now on ("đăng ký thay đổi vốn điều lệ"), in
/// the caller's transaction: members who are citizens are checked alive in the population registry, their number
/// against the legal form, and their contributions must add up to the new capital where the form requires it.
/// Refused for a branch (it has no capital) and an enterprise no longer open.
pub async fn change_capital_in(
    tx: &mut Tx,
    backend: Backend,
    code: &TaxCode,
    charter_capital: i64,
    new: &[NewMember],
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    let Some((_, current)) = sql::by_code(tx, code).await? else { return Err(EnterpriseError::NotFound) };
    must_be_open(&current)?;
    let mut p = Problems::default();
    if current.parent.is_some() {
        p.add(
            "charter_capital",
            Text::new("Chi nhánh không có vốn điều lệ riêng.", "A branch has no charter capital of its own."),
        );
    }
    crate::input::capital(&mut p, current.legal_form, charter_capital, new, new.len());
    let members = enrol(tx, &mut p, new).await?;
    if !p.0.is_empty() {
        return Err(EnterpriseError::Invalid(p.0));
    }
    amend_in(tx, backend, code, change, "capital_changed", |e| {
        e.charter_capital = charter_capital;
        e.members = members;
        Ok(())
    })
    .await
}

/// [`change_capital_in`] in a transaction of its own.
pub async fn change_capital(
    db: &Db,
    code: &TaxCode,
    charter_capital: i64,
    new: &[NewMember],
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    let mut tx = db.begin_write().await?;
    let e = change_capital_in(&mut tx, db.backend(), code, charter_capital, new, change).await?;
    tx.commit().await?;
    Ok(e)
}

/// Moves the enterprise to status `to` from day `on`, in the caller's transaction, keeping the status it leaves
/// in its history. Only the moves [`Status::may_become`] allows (a conflict otherwise); `on` not before the
/// current status began (at `effective_on`).
pub async fn change_status_in(
    tx: &mut Tx,
    backend: Backend,
    code: &TaxCode,
    to: Status,
    on: Date,
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    let on = on.to_string();
    amend_in(tx, backend, code, change, &format!("status_{}", to.as_str()), |e| {
        if !e.status.may_become(to) {
            return Err(EnterpriseError::Closed(e.status));
        }
        // Both are `YYYY-MM-DD`, so text order is date order.
        if on < e.status_since {
            return Err(EnterpriseError::Invalid(invalid(
                "effective_on",
                "Ngày có hiệu lực không được trước ngày bắt đầu tình trạng hiện tại.",
                "The day cannot be before the current status began.",
            )));
        }
        e.status = to;
        e.status_since = on;
        Ok(())
    })
    .await
}

/// [`change_status_in`] in a transaction of its own.
pub async fn change_status(
    db: &Db,
    code: &TaxCode,
    to: Status,
    on: Date,
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    let mut tx = db.begin_write().await?;
    let e = change_status_in(&mut tx, db.backend(), code, to, on, change).await?;
    tx.commit().await?;
    Ok(e)
}

/// Tạm ngừng kinh doanh from `on` ("thông báo tạm ngừng kinh doanh"), in the caller's transaction.
pub async fn suspend_in(
    tx: &mut Tx,
    backend: Backend,
    code: &TaxCode,
    on: Date,
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    change_status_in(tx, backend, code, Status::Suspended, on, change).await
}

/// Resumes business before a suspension's end ("tiếp tục kinh doanh trước thời hạn"), in the caller's transaction.
pub async fn resume_in(
    tx: &mut Tx,
    backend: Backend,
    code: &TaxCode,
    on: Date,
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    change_status_in(tx, backend, code, Status::Active, on, change).await
}

/// Dissolution, in the caller's transaction: an open enterprise enters dissolution (its decision to dissolve is
/// registered); one already in dissolution is dissolved (its dissolution dossier is accepted).
pub async fn dissolve_in(
    tx: &mut Tx,
    backend: Backend,
    code: &TaxCode,
    on: Date,
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    let current = sql::by_code(tx, code).await?.ok_or(EnterpriseError::NotFound)?.1;
    let to = if current.status == Status::InDissolution { Status::Dissolved } else { Status::InDissolution };
    change_status_in(tx, backend, code, to, on, change).await
}
