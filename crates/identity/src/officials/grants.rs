//! Four eyes on powers over personal data: a role that needs a second administrator
//! ([`crate::model::Role::needs_second_administrator`]) is first a pending request, which another administrator of its territory,
//! neither the one who asked nor the one who would hold it, approves or rejects before it expires. The request and
//! the decision are each written with their ledger entry in one transaction; a decision changes the row only while
//! it is still pending, so of two administrators deciding at once exactly one wins.

use store::Db;
use trust::ledger::seal::Key;
use trust::ledger::store::append;

use super::model::{GrantStatus, MAX_REASON_CHARS, Official, OfficialsError, RoleGrant};
use super::service::{Result, change_event};
use super::store as sql;
use crate::model::{Principal, RoleAssignment};
use crate::policy::{Action, Whose, allows, authorize};
use crate::seals::ROLE_ASSIGNMENTS;
use crate::service::now;

/// How long a request waits for a second administrator before it expires: a week, so that an administrator away
/// for a few days does not hold up the office, and a forgotten request does not lie around to be approved later.
pub const GRANT_TTL_SECS: i64 = 7 * 86_400;

type Tx = store::sqlx::Transaction<'static, store::sqlx::Any>;

/// The official a request is for.
pub(crate) struct Grantee<'a> {
    pub id: i64,
    pub username: &'a str,
    pub display_name: &'a str,
}

/// Writes a request for `held` in the caller's transaction (the caller has checked that `me` may ask for it).
pub(crate) async fn request_in(
    tx: &mut Tx,
    me: &Principal,
    grantee: Grantee<'_>,
    held: RoleAssignment,
    at: i64,
) -> Result<RoleGrant> {
    let expires_at = at + GRANT_TTL_SECS;
    let id = sql::insert_grant(&mut **tx, grantee.id, &held, me.account_id, at, expires_at).await?;
    Ok(RoleGrant {
        id,
        account_id: grantee.id,
        username: grantee.username.to_owned(),
        display_name: grantee.display_name.to_owned(),
        held,
        requested_by_id: me.account_id,
        requested_by: me.username.clone(),
        requested_at: at,
        expires_at,
        status: GrantStatus::Pending,
        decided_by: None,
        decided_at: None,
        reason: None,
    })
}

/// The ledger entry of a request.
pub(crate) fn requested_event(me: &Principal, grant: &RoleGrant) -> trust::ledger::Event {
    let mut event = change_event(me, "role_grant_requested", &grant.username, Some(&grant.held));
    event.detail["grant"] = grant.id.into();
    event.detail["expires_at"] = grant.expires_at.into();
    event
}

/// Asks for `held` for `official`, who does not hold it yet; nothing changes for them until it is approved.
pub(crate) async fn request(db: &Db, me: &Principal, official: &Official, held: RoleAssignment) -> Result<RoleGrant> {
    let account = &official.account;
    let grantee = Grantee { id: account.id, username: &account.username, display_name: &account.display_name };
    let mut tx = db.begin_write().await?;
    let grant = request_in(&mut tx, me, grantee, held, now()).await?;
    append(&mut tx, db.backend(), &mut [requested_event(me, &grant)]).await.map_err(OfficialsError::from)?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id = grant.account_id, grant = grant.id, role = grant.held.role.as_str(), "role asked for");
    Ok(grant)
}

fn decision(me: &Principal, grant: &RoleGrant) -> Action {
    Action::DecideGrant {
        territory: grant.held.territory,
        requester: Whose::of(me, grant.requested_by_id),
        grantee: Whose::of(me, grant.account_id),
    }
}

/// The pending requests `me` may decide, oldest first.
pub async fn pending(db: &Db, me: &Principal) -> Result<Vec<RoleGrant>> {
    authorize(me, Action::OpenOfficialsOffice)?;
    let all = sql::pending_grants(db.pool(), None, now()).await?;
    Ok(all.into_iter().filter(|g| allows(me, decision(me, g))).collect())
}

/// Approves a pending request: the official holds the role from now on, and their sessions end so that the new
/// powers start with a fresh sign-in.
pub async fn approve(db: &Db, me: &Principal, grant_id: i64) -> Result<RoleGrant> {
    decide(db, me, grant_id, true, None).await
}

/// Rejects a pending request, saying why if `reason` is given.
pub async fn reject(db: &Db, me: &Principal, grant_id: i64, reason: Option<&str>) -> Result<RoleGrant> {
    decide(db, me, grant_id, false, reason).await
}

async fn decide(db: &Db, me: &Principal, grant_id: i64, approved: bool, reason: Option<&str>) -> Result<RoleGrant> {
    authorize(me, Action::OpenOfficialsOffice)?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
        return Err(OfficialsError::ReasonTooLong.into());
    }
    let at = now();
    let mut grant = sql::grant(db.pool(), grant_id, at).await?.ok_or(OfficialsError::UnknownGrant)?;
    authorize(me, decision(me, &grant))?;
    match grant.status {
        GrantStatus::Pending => {}
        GrantStatus::Expired => return Err(OfficialsError::GrantExpired.into()),
        GrantStatus::Approved | GrantStatus::Rejected => return Err(OfficialsError::GrantDecided.into()),
    }
    let mut tx = db.begin_write().await?;
    if !sql::decide_grant(&mut *tx, grant_id, approved, me.account_id, at, reason).await? {
        // Another administrator decided it since it was read above, or it expired this very second.
        return Err(OfficialsError::GrantDecided.into());
    }
    let change = if approved { "role_grant_approved" } else { "role_grant_rejected" };
    let mut event = change_event(me, change, &grant.username, Some(&grant.held));
    event.detail["grant"] = grant.id.into();
    event.detail["requested_by"] = grant.requested_by.clone().into();
    event.detail["reason"] = reason.into();
    if approved {
        let assignment = match crate::store::insert_role(&mut *tx, grant.account_id, &grant.held, at).await {
            Ok(id) => id,
            Err(e) if store::is_unique_violation(&e) => return Err(OfficialsError::AlreadyHeld.into()),
            Err(e) => return Err(e.into()),
        };
        crate::store::delete_sessions_of(&mut *tx, grant.account_id).await?;
        let key = Key::Int(assignment);
        ROLE_ASSIGNMENTS.append(&mut tx, db.backend(), key, event).await.map_err(OfficialsError::from)?;
    } else {
        append(&mut tx, db.backend(), &mut [event]).await.map_err(OfficialsError::from)?;
    }
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id = grant.account_id, grant = grant.id, approved, "role request decided");
    grant.status = if approved { GrantStatus::Approved } else { GrantStatus::Rejected };
    grant.decided_by = Some(me.username.clone());
    grant.decided_at = Some(at);
    grant.reason = reason.map(str::to_owned);
    Ok(grant)
}
