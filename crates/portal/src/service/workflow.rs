//! A dossier's way through its procedure: the applicant saves and submits it, officials act on it step by step,
//! the applicant answers a request for a supplement and rates the service. Every change is one conditional update
//! of the version that was read, with its timeline entry and ledger entry in the same transaction, so two
//! officials acting at once cannot both win: the second is told someone acted first.
//!
//! The clock (Decree 61/2018, art. 19): the legal time limit counts in working days from acceptance; it stops
//! while the dossier waits for the applicant's supplement, keeping the days that were left, and starts again
//! from the day the supplement comes.

use identity::Principal;
use kernel::DossierCode;
use kernel::calendar::{add_working_days, working_days_between};
use store::{Db, Tx};
use time::{Date, OffsetDateTime};
use trust::keyring::Keyring;
use trust::ledger::Actor;

use crate::catalogue::Catalogue;
use crate::error::PortalError;
use crate::model::{Dossier, DossierEvent, DossierStatus, FormValues, Procedure, StepAction};
use crate::service::{form, offices, outcome, record_change};
use crate::store as sql;

/// Today in Vietnam, where the working-day calendar is kept.
pub fn today(now: OffsetDateTime) -> Date {
    now.to_offset(time::macros::offset!(+7)).date()
}

/// An official's decision on a dossier.
#[derive(Debug, Clone)]
pub struct Decision {
    /// What they do.
    pub action: StepAction,
    /// Their note: required to refuse or to ask for a supplement.
    pub note: Option<String>,
    /// The dossier's version their page showed.
    pub version: i64,
}

pub(super) fn procedure_of(dossier: &Dossier) -> Result<&'static Procedure, PortalError> {
    Catalogue::builtin()?.get(&dossier.procedure).ok_or(PortalError::UnknownProcedure)
}

pub(super) async fn load(tx: &mut Tx, code: &DossierCode) -> Result<Dossier, PortalError> {
    sql::one_in(tx, code).await?.ok_or(PortalError::UnknownDossier)
}

/// What happened, for a dossier's timeline and its ledger entry.
struct Happened<'a> {
    actor: &'a Actor,
    action: &'a str,
    note: Option<String>,
    result_qr: Option<&'a str>,
    now: i64,
}

impl<'a> Happened<'a> {
    fn new(actor: &'a Actor, action: &'a str, now: i64) -> Happened<'a> {
        Happened { actor, action, note: None, result_qr: None, now }
    }
}

/// Writes the new state of a dossier, its timeline entry and its ledger entry; `Stale` when another change
/// landed since `after.version - 1` was read.
async fn save(tx: &mut Tx, backend: store::Backend, after: &Dossier, what: Happened<'_>) -> Result<(), PortalError> {
    if !sql::update(tx, after, what.result_qr, what.now).await? {
        return Err(PortalError::Stale);
    }
    let name = what.actor.display_name.clone().unwrap_or_else(|| what.actor.username.clone());
    let event =
        DossierEvent { at: what.now, actor: name, action: what.action.to_owned(), step: after.step, note: what.note };
    sql::add_event(tx, &after.code, &event).await?;
    if crate::notices::tells_applicant(what.action) {
        crate::notices::enqueue_in(tx, &after.code, what.action).await?;
    }
    record_change(tx, backend, after, what.actor, what.action).await
}

/// Records a change made elsewhere in the slice (a paper attached): the new state, its timeline and ledger entries.
pub(crate) async fn record(
    tx: &mut Tx,
    backend: store::Backend,
    after: &Dossier,
    actor: &Actor,
    action: &str,
    note: Option<String>,
) -> Result<(), PortalError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    save(tx, backend, after, Happened { note, ..Happened::new(actor, action, now) }).await
}

pub(super) fn applicant_actor(me: &Principal) -> Actor {
    Actor::named(&me.username, &me.display_name)
}

/// The applicant's own draft or dossier awaiting a supplement, read for a change; anyone else's is not found.
async fn own(tx: &mut Tx, me: &Principal, code: &DossierCode) -> Result<Dossier, PortalError> {
    let dossier = load(tx, code).await?;
    if !dossier.is_filed_by(me) {
        return Err(PortalError::UnknownDossier);
    }
    Ok(dossier)
}

/// Saves what the applicant typed into their draft, unchecked, so they can come back to it.
pub async fn save_draft(
    db: &Db,
    me: &Principal,
    code: &DossierCode,
    sent: &FormValues,
) -> Result<Dossier, PortalError> {
    let mut tx = db.begin_write().await?;
    let before = own(&mut tx, me, code).await?;
    if before.status != DossierStatus::Draft {
        return Err(PortalError::WrongStatus);
    }
    let mut after = before.clone();
    after.form = form::known(procedure_of(&before)?, sent);
    after.version += 1;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    save(&mut tx, db.backend(), &after, Happened::new(&applicant_actor(me), "saved", now)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Submits the applicant's draft: the form is parsed field by field (every problem at its field, nothing
/// written), the required papers must be attached. Submitting a dossier already submitted changes nothing and
/// gives it back (a double click).
pub async fn submit(db: &Db, me: &Principal, code: &DossierCode, sent: &FormValues) -> Result<Dossier, PortalError> {
    let mut tx = db.begin_write().await?;
    let before = own(&mut tx, me, code).await?;
    if before.status != DossierStatus::Draft {
        return Ok(before);
    }
    let procedure = procedure_of(&before)?;
    let now = OffsetDateTime::now_utc();
    let values = parsed(&mut tx, procedure, &before, sent, now).await?;
    let attached = sql::attachments_in(&mut tx, code).await?;
    if let Some(missing) =
        procedure.attachments.iter().find(|a| a.required && !attached.iter().any(|(kind, _, _)| *kind == a.kind))
    {
        return Err(PortalError::MissingAttachment(missing.label.vi.clone()));
    }
    let mut after = before.clone();
    after.form = values;
    settle_where_asked(&mut tx, procedure, &mut after).await?;
    at_their_counter(me, procedure, &after)?;
    after.submitted_at = Some(now.unix_timestamp());
    after.version += 1;
    let actor = applicant_actor(me);
    let action = if super::consent::ask(procedure, &mut after)? {
        "consent_requested"
    } else {
        hand_in(&mut tx, db.backend(), procedure, &mut after, &actor, now).await?;
        "submitted"
    };
    save(&mut tx, db.backend(), &after, Happened::new(&actor, action, now.unix_timestamp())).await?;
    tx.commit().await?;
    tracing::info!(dossier = %after.code, "dossier submitted");
    Ok(after)
}

/// Hands a submitted dossier in to the agency that receives it, or, under a procedure with a fee, asks for the fee,
/// whose payment moves it on (`crate::fees`).
pub(super) async fn hand_in(
    tx: &mut Tx,
    backend: store::Backend,
    procedure: &Procedure,
    after: &mut Dossier,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(), PortalError> {
    after.status = DossierStatus::Submitted;
    if procedure.fee_vnd > 0 {
        after.status = DossierStatus::AwaitingPayment;
        crate::fees::bill_in(tx, backend, procedure, after, actor, now).await?;
    }
    Ok(())
}

/// The form parsed field by field, then checked against what the outcome's registry would refuse.
async fn parsed(
    tx: &mut Tx,
    procedure: &Procedure,
    dossier: &Dossier,
    sent: &FormValues,
    now: OffsetDateTime,
) -> Result<FormValues, PortalError> {
    let values = form::parse(procedure, sent, today(now)).map_err(PortalError::Invalid)?;
    outcome::check_in(tx, procedure, dossier, &values).await?;
    Ok(values)
}

/// For a procedure settled where a household of the form lives (`settled_at`), moves the dossier to that commune:
/// the agency that receives it and the office of its step.
async fn settle_where_asked(tx: &mut Tx, procedure: &Procedure, after: &mut Dossier) -> Result<(), PortalError> {
    let Some(field) = &procedure.settled_at else { return Ok(()) };
    let household = after.form.get(field.as_str()).ok_or(PortalError::MissingValue("settled_at"))?;
    let commune = registry::service::household_commune_in(tx, household).await?;
    after.commune = Some(commune);
    after.agency = offices::office(procedure, 0, after.commune)?;
    after.office = offices::office(procedure, after.step.into(), after.commune)?;
    Ok(())
}

/// A receiver submitting at the counter must receive there what the dossier has become: under a procedure settled
/// where a household lives, the household's commune is known only now, and one elsewhere is refused at its field.
fn at_their_counter(me: &Principal, procedure: &Procedure, dossier: &Dossier) -> Result<(), PortalError> {
    if dossier.counter.as_deref() != Some(me.username.as_str()) {
        return Ok(());
    }
    let territory = dossier.commune.map(identity::Territory::Unit).unwrap_or(identity::Territory::Nation);
    identity::policy::authorize_dossier(me, identity::Role::OneStopReceiver, &dossier.agency, territory).map_err(|_| {
        match &procedure.settled_at {
            Some(field) => outcome::problem(
                field,
                &format!("Hộ này ở xã khác: hồ sơ do bộ phận một cửa của {} tiếp nhận.", dossier.agency),
                &format!("This household lives in another commune: its counter is {}'s.", dossier.agency),
            ),
            None => PortalError::NotYourCounter,
        }
    })
}

/// The applicant answers a request for a supplement with a corrected form: the dossier goes back to the step that
/// asked, and the clock starts again with the working days it had left.
pub async fn supplement(
    db: &Db,
    me: &Principal,
    code: &DossierCode,
    sent: &FormValues,
) -> Result<Dossier, PortalError> {
    let mut tx = db.begin_write().await?;
    let before = own(&mut tx, me, code).await?;
    if before.status != DossierStatus::AwaitingSupplement {
        return Err(PortalError::WrongStatus);
    }
    let procedure = procedure_of(&before)?;
    let now = OffsetDateTime::now_utc();
    let mut after = before.clone();
    after.form = parsed(&mut tx, procedure, &before, sent, now).await?;
    settle_where_asked(&mut tx, procedure, &mut after).await?;
    match before.days_left_at_pause {
        Some(left) => {
            after.status = DossierStatus::Processing;
            after.due_on = Some(add_working_days(today(now), left).to_string());
        }
        // Asked before acceptance: the clock has not started.
        None => after.status = DossierStatus::Submitted,
    }
    after.days_left_at_pause = None;
    after.version += 1;
    let actor = applicant_actor(me);
    save(&mut tx, db.backend(), &after, Happened::new(&actor, "supplemented", now.unix_timestamp())).await?;
    tx.commit().await?;
    Ok(after)
}

/// An official's decision at the dossier's current step. They must hold the step's role in the agency that has
/// the dossier, over the applicant's commune (otherwise the dossier is not found, as if it did not exist); the
/// action must be one the step allows, at a status it applies to. An approval applies the outcome to the
/// registries and issues the signed result in the same transaction: if applying fails, nothing changes.
///
/// An attempt on a dossier the caller may not work, or with an action its step does not offer, is refused and
/// recorded in the ledger as a refusal, with the applicant as its subject, so that "who used my data" shows it.
/// A race lost to another official is no refusal and is not recorded.
pub async fn act(
    db: &Db,
    keyring: &Keyring,
    me: &Principal,
    code: &DossierCode,
    decision: Decision,
) -> Result<Dossier, PortalError> {
    let action = decision.action.as_str();
    let result = decide(db, keyring, me, code, decision).await;
    if let Err(e @ (PortalError::UnknownDossier | PortalError::ActionNotAllowed(_))) = &result
        && let Some(dossier) = sql::one(db, code).await?
    {
        let record = trust::ledger::RecordRef { kind: super::DOSSIER.into(), key: code.to_string(), digest: None };
        let refused = trust::ledger::Event::new(trust::ledger::EventKind::AccessRefused, applicant_actor(me))
            .subject(dossier.applicant.as_str())
            .record(record)
            .detail(serde_json::json!({ "action": action, "reason": e.to_string() }));
        let mut tx = db.begin_write().await?;
        trust::ledger::store::append(&mut tx, db.backend(), &mut [refused]).await?;
        tx.commit().await?;
    }
    result
}

async fn decide(
    db: &Db,
    keyring: &Keyring,
    me: &Principal,
    code: &DossierCode,
    decision: Decision,
) -> Result<Dossier, PortalError> {
    let mut tx = db.begin_write().await?;
    let before = load(&mut tx, code).await?;
    let procedure = procedure_of(&before)?;
    let step = procedure.steps.get(usize::from(before.step)).ok_or(PortalError::NoSuchStep)?;
    let territory = before.commune.map(identity::Territory::Unit).unwrap_or(identity::Territory::Nation);
    if identity::policy::authorize_dossier(me, step.role.role(), &before.office, territory).is_err() {
        // An official of a step of this dossier who is not at that step (too early, or a race lost: the dossier
        // moved on under them) is told so; anyone else learns nothing of it.
        return Err(if worked_on_by(me, procedure, &before) {
            PortalError::AtAnotherStep
        } else {
            PortalError::UnknownDossier
        });
    }
    if before.version != decision.version {
        return Err(PortalError::Stale);
    }
    if !step.actions.contains(&decision.action) {
        return Err(PortalError::ActionNotAllowed(decision.action.as_str()));
    }
    let note = decision.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let note = note.map(|n| kernel::free_text::clean(&n, 1000).map(|t| t.as_str().to_owned())).transpose();
    let note = note.map_err(|_| PortalError::BadNote)?;
    let now = OffsetDateTime::now_utc();
    let actor = me.actor(step.role.role());
    let mut after = before.clone();
    after.version += 1;
    let mut result_qr = None;
    match (decision.action, before.status) {
        (StepAction::Accept, DossierStatus::Submitted) => {
            after.status = DossierStatus::Processing;
            after.due_on = Some(add_working_days(today(now), u32::from(procedure.time_limit_working_days)).to_string());
            advance(procedure, &mut after)?;
        }
        (StepAction::Forward, DossierStatus::Processing) => advance(procedure, &mut after)?,
        (StepAction::RequestSupplement, DossierStatus::Submitted | DossierStatus::Processing) => {
            if note.is_none() {
                return Err(PortalError::NoteRequired);
            }
            after.status = DossierStatus::AwaitingSupplement;
            after.days_left_at_pause = before.due_on.as_deref().and_then(parse_day).map(|due| {
                let today = today(now);
                if due > today { working_days_between(today, due) } else { 0 }
            });
        }
        (StepAction::Reject, DossierStatus::Submitted | DossierStatus::Processing) => {
            if note.is_none() {
                return Err(PortalError::NoteRequired);
            }
            after.status = DossierStatus::Rejected;
            after.finished_at = Some(now.unix_timestamp());
        }
        (StepAction::Approve, DossierStatus::Processing) if procedure.is_last(usize::from(before.step)) => {
            let result = outcome::apply_in(&mut tx, db.backend(), keyring, procedure, &before, &actor).await?;
            after.status = DossierStatus::Completed;
            after.finished_at = Some(now.unix_timestamp());
            after.result_id = Some(result.id);
            result_qr = Some(result.qr_text);
        }
        _ => return Err(PortalError::WrongStatus),
    }
    let action = decision.action.as_str();
    let what =
        Happened { note, result_qr: result_qr.as_deref(), ..Happened::new(&actor, action, now.unix_timestamp()) };
    save(&mut tx, db.backend(), &after, what).await?;
    tx.commit().await?;
    tracing::info!(dossier = %after.code, action, "dossier action");
    Ok(after)
}

/// Whether `me` works some step of `dossier`, in the office that step names.
fn worked_on_by(me: &Principal, procedure: &Procedure, dossier: &Dossier) -> bool {
    let territory = dossier.commune.map(identity::Territory::Unit).unwrap_or(identity::Territory::Nation);
    procedure.steps.iter().enumerate().any(|(i, step)| {
        offices::office(procedure, i, dossier.commune)
            .is_ok_and(|office| identity::policy::authorize_dossier(me, step.role.role(), &office, territory).is_ok())
    })
}

/// Moves a dossier to its next step and the office acting there.
fn advance(procedure: &Procedure, dossier: &mut Dossier) -> Result<(), PortalError> {
    let next = usize::from(dossier.step) + 1;
    dossier.office = offices::office(procedure, next, dossier.commune)?;
    dossier.step = u16::try_from(next).map_err(|_| PortalError::NoSuchStep)?;
    Ok(())
}

/// The applicant rates a finished dossier once, 1 to 5, with an optional comment.
pub async fn rate(
    db: &Db,
    me: &Principal,
    code: &DossierCode,
    rating: u8,
    comment: Option<&str>,
) -> Result<Dossier, PortalError> {
    if !(1..=5).contains(&rating) {
        return Err(PortalError::BadRating);
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    let comment = comment.map(|c| kernel::free_text::clean(c, 1000).map(|t| t.as_str().to_owned())).transpose();
    let comment = comment.map_err(|_| PortalError::BadComment)?;
    let mut tx = db.begin_write().await?;
    let before = own(&mut tx, me, code).await?;
    if !before.status.is_final() || before.rating.is_some() {
        return Err(PortalError::WrongStatus);
    }
    let mut after = before.clone();
    after.rating = Some(rating);
    after.version += 1;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    save(&mut tx, db.backend(), &after, Happened::new(&applicant_actor(me), "rated", now)).await?;
    sql::set_rating_comment(&mut tx, code, comment.as_deref()).await?;
    tx.commit().await?;
    Ok(after)
}

/// Working days left until a dossier's due date (negative once overdue), `None` while the clock does not run.
pub fn days_left(dossier: &Dossier, today: Date) -> Option<i64> {
    if dossier.status != DossierStatus::Processing {
        return None;
    }
    let due = parse_day(dossier.due_on.as_deref()?)?;
    Some(if due >= today {
        i64::from(working_days_between(today, due))
    } else {
        -i64::from(working_days_between(due, today))
    })
}

fn parse_day(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}
