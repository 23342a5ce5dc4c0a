//! The enterprise registry's rules, and the service functions the portal's business-registration procedures call.
//!
//! Every write has an `_in(&mut Tx, …)` form that reads, checks and writes inside the caller's transaction with
//! its ledger entry, so a dossier's approval and the change it makes commit together or not at all, and a `&Db`
//! form that begins, calls and commits. Each refuses bad input with a message per field before writing anything;
//! none overwrites a record without keeping the version it supersedes.

use kernel::{PersonalId, TaxCode, Text};
use registry::error::RegistryError;
use store::{Backend, Db, Tx};
use time::{Date, OffsetDateTime};
use trust::ledger::Actor;
use web::FieldError;

use crate::audit;
use crate::error::EnterpriseError;
use crate::input::{Contributor, NewEnterprise, NewMember, NewRepresentative, Problems};
use crate::model::{Enterprise, Member, Office, PublicEnterprise, Representative, Status, StatusEntry, Version};
use crate::store::{self as sql, Stamp};

/// Who makes a change and why: every version carries it, and so does its ledger entry.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// An official acting in a role, or a process such as `generate`.
    pub actor: &'a Actor,
    /// The legal basis or dossier code (free text already cleaned, see [`crate::input::reason`]).
    pub reason: &'a str,
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Today in Vietnam (UTC+7), the day registrations and changes are dated.
pub fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date()
}

fn invalid(field: &str, vi: &str, en: &str) -> Vec<FieldError> {
    vec![FieldError::new(field, Text::new(vi.to_owned(), en.to_owned()))]
}

/// Looks a citizen up through the population registry's service, in the caller's transaction: someone the
/// registry holds, alive. Anyone else is a problem at `field`.
async fn living_citizen(
    tx: &mut Tx,
    p: &mut Problems,
    field: String,
    personal_id: &PersonalId,
) -> Result<Option<registry::model::Citizen>, EnterpriseError> {
    match registry::life_events::citizen_in(tx, personal_id).await {
        Ok(c) if c.status == registry::model::CitizenStatus::Living && c.death_date.is_none() => Ok(Some(c)),
        Ok(_) => {
            p.add(
                field,
                Text::new(
                    "Người này đã mất theo cơ sở dữ liệu quốc gia về dân cư.",
                    "The population registry records this person as deceased.",
                ),
            );
            Ok(None)
        }
        Err(RegistryError::NotFound) => {
            p.add(
                field,
                Text::new(
                    "Không có công dân mang số định danh này trong cơ sở dữ liệu quốc gia về dân cư.",
                    "No citizen with this personal ID number is in the population registry.",
                ),
            );
            Ok(None)
        }
        Err(e) => Err(EnterpriseError::Registry(e)),
    }
}

/// The representatives as the registry names them, or the problem with each.
async fn appoint(tx: &mut Tx, p: &mut Problems, new: &[NewRepresentative]) -> Result<Vec<Representative>, EnterpriseError> {
    let mut out = Vec::with_capacity(new.len());
    for (i, r) in new.iter().enumerate() {
        if let Some(c) = living_citizen(tx, p, format!("representatives[{i}].personal_id"), &r.personal_id).await? {
            out.push(Representative { personal_id: r.personal_id, full_name: c.full_name, title: r.title.clone() });
        }
    }
    Ok(out)
}

/// The members with their names: a citizen's from the registry (alive), an organisation's as given.
async fn enrol(tx: &mut Tx, p: &mut Problems, new: &[NewMember]) -> Result<Vec<Member>, EnterpriseError> {
    let mut out = Vec::with_capacity(new.len());
    for (i, m) in new.iter().enumerate() {
        match &m.who {
            Contributor::Citizen(id) => {
                if let Some(c) = living_citizen(tx, p, format!("members[{i}].personal_id"), id).await? {
                    out.push(Member { personal_id: Some(*id), tax_code: None, name: c.full_name, contribution: m.contribution });
                }
            }
            Contributor::Organisation(code, name) => out.push(Member {
                personal_id: None,
                tax_code: Some(*code),
                name: name.clone(),
                contribution: m.contribution,
            }),
        }
    }
    Ok(out)
}

/// Issues the next free ten-digit tax code under the office's province: the province's two-digit code and a
/// seven-digit sequence, skipping sequences whose check digit would be 10 and codes already held.
async fn issue_tax_code(tx: &mut Tx, office: &Office) -> Result<TaxCode, EnterpriseError> {
    let prefix = office.province.to_string();
    loop {
        let sequence = sql::next_sequence(tx, &prefix).await?;
        if sequence > 9_999_999 {
            return Err(EnterpriseError::Exhausted(prefix));
        }
        if let Some(code) = TaxCode::issue(&format!("{prefix}{sequence:07}"))
            && sql::id_of(tx, &code).await?.is_none()
        {
            return Ok(code);
        }
    }
}

/// Registers an enterprise (or, with `new.parent`, a branch) as version 1 of its record, with a freshly issued
/// tax code, in the caller's transaction: the portal's "đăng ký thành lập doanh nghiệp" calls this with the
/// dossier's approval.
///
/// Refused, with nothing written: a representative or member who is not in the population registry or is
/// deceased (at `representatives[i].personal_id`, `members[i].personal_id`), a name a live enterprise bears
/// (`name`), a parent that is not registered or no longer open (`parent`).
pub async fn register_in(
    tx: &mut Tx,
    backend: Backend,
    new: &NewEnterprise,
    change: &Change<'_>,
) -> Result<Enterprise, EnterpriseError> {
    let mut p = Problems::default();
    let representatives = appoint(tx, &mut p, &new.representatives).await?;
    let members = enrol(tx, &mut p, &new.members).await?;
    let folded = kernel::text::fold(&new.name);
    if sql::name_taken(tx, &folded, None).await? {
        p.add("name", Text::new("Tên này trùng với tên một doanh nghiệp đã đăng ký.", "A registered enterprise bears this name."));
    }
    let parent = match new.parent {
        None => None,
        Some(code) => match sql::by_code(tx, &code).await? {
            Some((id, parent)) if parent.status.open() && parent.parent.is_none() => Some((id, parent)),
            _ => {
                p.add("parent", Text::new("Không có doanh nghiệp chủ quản đang hoạt động mang mã này.", "No open enterprise has this tax code."));
                None
            }
        },
    };
    if !p.0.is_empty() {
        return Err(EnterpriseError::Invalid(p.0));
    }
    let (tax_code, parent_id, legal_form) = match parent {
        Some((id, parent)) => {
            let number = u16::try_from(sql::branch_count(tx, id).await? + 1).unwrap_or(u16::MAX);
            let code = parent.tax_code.branch_code(number).ok_or_else(|| EnterpriseError::Exhausted(parent.tax_code.to_string()))?;
            (code, Some(id), parent.legal_form)
        }
        None => (issue_tax_code(tx, &new.office).await?, None, new.legal_form),
    };
    let on = new.registered_on.to_string();
    let enterprise = Enterprise {
        tax_code,
        parent: new.parent,
        name: new.name.clone(),
        foreign_name: new.foreign_name.clone(),
        abbreviation: new.abbreviation.clone(),
        legal_form,
        office: new.office.clone(),
        charter_capital: new.charter_capital,
        main_line: new.main_line.clone(),
        lines: new.lines.clone(),
        representatives,
        members,
        status: Status::Active,
        status_since: on.clone(),
        registered_on: on.clone(),
        version: 1,
    };
    let stamp = Stamp { by: change.actor.username.as_str(), reason: change.reason, at: now() };
    let id = sql::insert(tx, &enterprise, parent_id, &stamp).await?;
    sql::index_new(tx, id, &enterprise).await?;
    sql::insert_status(tx, id, Status::Active.as_str(), &on, &stamp).await?;
    audit::record_change(tx, backend, &enterprise, change.actor, "registered", change.reason).await?;
    Ok(enterprise)
}

/// [`register_in`] in a transaction of its own.
pub async fn register(db: &Db, new: &NewEnterprise, change: &Change<'_>) -> Result<Enterprise, EnterpriseError> {
    let mut tx = db.begin_write().await?;
    let e = register_in(&mut tx, db.backend(), new, change).await?;
    tx.commit().await?;
    Ok(e)
}

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
        p.0.extend(invalid("representatives", "Cần ít nhất một người đại diện theo pháp luật.", "Give at least one legal representative."));
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
pub async fn change_office(db: &Db, code: &TaxCode, office: &Office, change: &Change<'_>) -> Result<Enterprise, EnterpriseError> {
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
        p.add("charter_capital", Text::new("Chi nhánh không có vốn điều lệ riêng.", "A branch has no charter capital of its own."));
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
pub async fn change_status(db: &Db, code: &TaxCode, to: Status, on: Date, change: &Change<'_>) -> Result<Enterprise, EnterpriseError> {
    let mut tx = db.begin_write().await?;
    let e = change_status_in(&mut tx, db.backend(), code, to, on, change).await?;
    tx.commit().await?;
    Ok(e)
}

/// Tạm ngừng kinh doanh from `on` ("thông báo tạm ngừng kinh doanh"), in the caller's transaction.
pub async fn suspend_in(tx: &mut Tx, backend: Backend, code: &TaxCode, on: Date, change: &Change<'_>) -> Result<Enterprise, EnterpriseError> {
    change_status_in(tx, backend, code, Status::Suspended, on, change).await
}

/// Resumes business before a suspension's end ("tiếp tục kinh doanh trước thời hạn"), in the caller's transaction.
pub async fn resume_in(tx: &mut Tx, backend: Backend, code: &TaxCode, on: Date, change: &Change<'_>) -> Result<Enterprise, EnterpriseError> {
    change_status_in(tx, backend, code, Status::Active, on, change).await
}

/// Dissolution, in the caller's transaction: an open enterprise enters dissolution (its decision to dissolve is
/// registered); one already in dissolution is dissolved (its dissolution dossier is accepted).
pub async fn dissolve_in(tx: &mut Tx, backend: Backend, code: &TaxCode, on: Date, change: &Change<'_>) -> Result<Enterprise, EnterpriseError> {
    let current = sql::by_code(tx, code).await?.ok_or(EnterpriseError::NotFound)?.1;
    let to = if current.status == Status::InDissolution { Status::Dissolved } else { Status::InDissolution };
    change_status_in(tx, backend, code, to, on, change).await
}

/// An enterprise by tax code.
pub async fn enterprise(db: &Db, code: &TaxCode) -> Result<Enterprise, EnterpriseError> {
    let mut conn = db.pool().acquire().await?;
    Ok(sql::by_code(&mut conn, code).await?.ok_or(EnterpriseError::NotFound)?.1)
}

/// An enterprise by tax code, read in the caller's transaction.
pub async fn enterprise_in(tx: &mut Tx, code: &TaxCode) -> Result<Enterprise, EnterpriseError> {
    Ok(sql::by_code(tx, code).await?.ok_or(EnterpriseError::NotFound)?.1)
}

/// What the public sees of an enterprise.
pub async fn public(db: &Db, code: &TaxCode) -> Result<PublicEnterprise, EnterpriseError> {
    Ok(PublicEnterprise::from(&enterprise(db, code).await?))
}

/// Every version of an enterprise, oldest first, and every status it has had.
pub async fn history(db: &Db, code: &TaxCode) -> Result<(Vec<Version>, Vec<StatusEntry>), EnterpriseError> {
    let mut conn = db.pool().acquire().await?;
    let (id, current) = sql::by_code(&mut conn, code).await?.ok_or(EnterpriseError::NotFound)?;
    let versions = sql::versions(&mut conn, id, &current).await?;
    Ok((versions, sql::statuses(&mut conn, id).await?))
}

/// The enterprises a citizen represents now, by name.
pub async fn represented_by(db: &Db, personal_id: &PersonalId) -> Result<Vec<Enterprise>, EnterpriseError> {
    let mut conn = db.pool().acquire().await?;
    Ok(sql::represented_by(&mut conn, personal_id.as_str()).await?.into_iter().map(|(_, e)| e).collect())
}

/// The public lookup: by tax code when `q` is one, else by name; one page of what the public may see.
pub async fn lookup(db: &Db, q: &str, page: i64) -> Result<(Vec<PublicEnterprise>, bool), EnterpriseError> {
    let mut search = crate::search::Search { page, ..Default::default() };
    match q.parse::<TaxCode>() {
        Ok(code) => search.tax_code = Some(code),
        Err(_) => search.words = crate::search::Search::words_of(q),
    }
    if search.is_empty() {
        return Ok((Vec::new(), false));
    }
    let (found, more) = crate::search::run(db, &search).await?;
    Ok((found.iter().map(PublicEnterprise::from).collect(), more))
}

/// The number of enterprises and branches registered.
pub async fn count(db: &Db) -> Result<i64, EnterpriseError> {
    Ok(store::sqlx::query_scalar("SELECT COUNT(*) FROM enterprises").fetch_one(db.pool()).await?)
}
