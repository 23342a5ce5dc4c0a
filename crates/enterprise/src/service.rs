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

mod changes;

pub use changes::{
    change_capital, change_capital_in, change_office, change_office_in, change_representatives,
    change_representatives_in, change_status, change_status_in, dissolve_in, resume_in, suspend_in,
};

pub(crate) fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Today in Vietnam (UTC+7), the day registrations and changes are dated.
pub fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date()
}

pub(crate) fn invalid(field: &str, vi: &str, en: &str) -> Vec<FieldError> {
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
pub(crate) async fn appoint(
    tx: &mut Tx,
    p: &mut Problems,
    new: &[NewRepresentative],
) -> Result<Vec<Representative>, EnterpriseError> {
    let mut out = Vec::with_capacity(new.len());
    for (i, r) in new.iter().enumerate() {
        if let Some(c) = living_citizen(tx, p, format!("representatives[{i}].personal_id"), &r.personal_id).await? {
            out.push(Representative { personal_id: r.personal_id, full_name: c.full_name, title: r.title.clone() });
        }
    }
    Ok(out)
}

/// The members with their names: a citizen's from the registry (alive), an organisation's as given.
pub(crate) async fn enrol(tx: &mut Tx, p: &mut Problems, new: &[NewMember]) -> Result<Vec<Member>, EnterpriseError> {
    let mut out = Vec::with_capacity(new.len());
    for (i, m) in new.iter().enumerate() {
        match &m.who {
            Contributor::Citizen(id) => {
                if let Some(c) = living_citizen(tx, p, format!("members[{i}].personal_id"), id).await? {
                    out.push(Member {
                        personal_id: Some(*id),
                        tax_code: None,
                        name: c.full_name,
                        contribution: m.contribution,
                    });
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
        p.add(
            "name",
            Text::new("Tên này trùng với tên một doanh nghiệp đã đăng ký.", "A registered enterprise bears this name."),
        );
    }
    let parent = match new.parent {
        None => None,
        Some(code) => match sql::by_code(tx, &code).await? {
            Some((id, parent)) if parent.status.open() && parent.parent.is_none() => Some((id, parent)),
            _ => {
                p.add(
                    "parent",
                    Text::new(
                        "Không có doanh nghiệp chủ quản đang hoạt động mang mã này.",
                        "No open enterprise has this tax code.",
                    ),
                );
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
            let code = parent
                .tax_code
                .branch_code(number)
                .ok_or_else(|| EnterpriseError::Exhausted(parent.tax_code.to_string()))?;
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

/// Whether a live enterprise bears `name` (compared without diacritics or case, as registration compares it): the
/// portal asks when a founder submits, so they learn before the registrar does.
pub async fn name_taken_in(tx: &mut Tx, name: &str) -> Result<bool, EnterpriseError> {
    Ok(sql::name_taken(tx, &kernel::text::fold(name), None).await?)
}

/// [`register_in`] in a transaction of its own.
pub async fn register(db: &Db, new: &NewEnterprise, change: &Change<'_>) -> Result<Enterprise, EnterpriseError> {
    let mut tx = db.begin_write().await?;
    let e = register_in(&mut tx, db.backend(), new, change).await?;
    tx.commit().await?;
    Ok(e)
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

/// Enterprises (not their branches) counted by the province of their registered office, legal form and status:
/// what the published enterprise figures are made from.
pub async fn counts_by_province(db: &Db) -> Result<Vec<(String, String, String, i64)>, EnterpriseError> {
    Ok(store::sqlx::query_as(
        "SELECT province_code, legal_form, status, COUNT(*) FROM enterprises WHERE parent_id IS NULL \
         GROUP BY province_code, legal_form, status",
    )
    .fetch_all(db.pool())
    .await?)
}
