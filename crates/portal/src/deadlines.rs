//! The clock's watch: every few minutes each node looks for dossiers in processing that are due by tomorrow (due
//! soon) or past due (overdue), and for each enqueues one `portal.deadline` job per dossier, day and kind (the job
//! queue's dedup key makes it once across nodes and sweeps); the job tells the officials who hold the current
//! step's role in the agency that has the dossier, in their inbox.

use jobs::{Handlers, Job, JobFailure, NewJob};
use kernel::DossierCode;
use serde::{Deserialize, Serialize};
use web::AppState;

use crate::catalogue::Catalogue;
use crate::error::PortalError;
use crate::service::workflow;
use crate::store as sql;

/// The job kind.
pub const DEADLINE: &str = "portal.deadline";

/// How often a node looks.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

#[derive(Debug, Serialize, Deserialize)]
struct Deadline {
    dossier: String,
    overdue: bool,
}

/// Enqueues the day's notices of dossiers due soon and overdue: how many dossiers it found.
pub async fn sweep(db: &store::Db) -> Result<usize, PortalError> {
    let today = workflow::today(time::OffsetDateTime::now_utc());
    let tomorrow = kernel::calendar::add_working_days(today, 1);
    let due = sql::due_by(db, &tomorrow.to_string()).await?;
    let mut tx = db.begin_write().await?;
    for dossier in &due {
        let overdue = dossier.due_on.as_deref().is_some_and(|d| d < today.to_string().as_str());
        let key = format!("{DEADLINE}:{}:{today}:{overdue}", dossier.code);
        let job = NewJob::new(DEADLINE, &Deadline { dossier: dossier.code.to_string(), overdue })
            .map_err(|e| PortalError::Notice(e.to_string()))?
            .dedup_key(&key);
        jobs::enqueue_in(&mut tx, job).await.map_err(|e| PortalError::Notice(e.to_string()))?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// Sweeps every few minutes, for as long as the server runs.
pub async fn watch(db: store::Db) {
    let mut interval = tokio::time::interval(SWEEP_EVERY);
    loop {
        interval.tick().await;
        if let Err(e) = sweep(&db).await {
            tracing::error!(error = %e, "could not look for dossiers falling due");
        }
    }
}

/// Registers the handler that tells the responsible officials.
pub fn register(handlers: &mut Handlers, state: AppState) {
    handlers.register(DEADLINE, move |job: Job| {
        let state = state.clone();
        async move {
            let deadline: Deadline = job.payload()?;
            tell(&state, &deadline).await.map_err(JobFailure::retry)
        }
    });
}

async fn tell(state: &AppState, deadline: &Deadline) -> Result<(), PortalError> {
    let code: DossierCode = deadline.dossier.parse().map_err(|_| PortalError::UnknownDossier)?;
    let Some(dossier) = sql::one(&state.db, &code).await? else { return Ok(()) };
    if dossier.status != crate::model::DossierStatus::Processing {
        return Ok(());
    }
    let procedure = Catalogue::builtin()?.get(&dossier.procedure).ok_or(PortalError::UnknownProcedure)?;
    let step = procedure.steps.get(usize::from(dossier.step)).ok_or(PortalError::NoSuchStep)?;
    let failed = |e: &dyn std::fmt::Display| PortalError::Notice(e.to_string());
    let officials =
        identity::service::holders_of(&state.db, step.role.role(), &dossier.office).await.map_err(|e| failed(&e))?;
    let due = dossier.due_on.clone().unwrap_or_default();
    let (vi, en) = if deadline.overdue {
        (format!("Hồ sơ {code} đã quá hạn (hạn {due})"), format!("Dossier {code} is overdue (due {due})"))
    } else {
        (format!("Hồ sơ {code} sắp đến hạn ({due})"), format!("Dossier {code} is due soon ({due})"))
    };
    let title = kernel::Text::new(vi, en);
    let body = kernel::Text::new(procedure.name.vi.clone(), procedure.name.en.clone());
    let link: notify::inbox::Link = format!("/office/dossiers/{code}").parse().map_err(|e| failed(&e))?;
    let mut tx = state.db.begin_write().await?;
    for account in officials {
        notify::inbox::post_in(&mut tx, notify::inbox::Recipient::account(account), &title, &body, Some(&link))
            .await
            .map_err(|e| failed(&e))?;
    }
    tx.commit().await?;
    Ok(())
}
