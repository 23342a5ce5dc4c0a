//! Hồ sơ — a dossier, where it is in its procedure's workflow, and what happened to it.

use std::collections::BTreeMap;
use std::str::FromStr;

use kernel::{AgencyCode, DossierCode, PersonalId};
use serde::Serialize;

use super::ProcedureCode;

/// Trạng thái hồ sơ — where a dossier is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DossierStatus {
    /// Opened by the applicant, not yet submitted: only they see it.
    Draft,
    /// Submitted under a procedure that needs another party's consent (a marriage): waiting for them to agree from
    /// their own account; only the two of them see it.
    AwaitingConsent,
    /// Submitted under a procedure with a fee: waiting for the payment, which moves it on by itself.
    AwaitingPayment,
    /// Submitted, waiting at the receiving agency's counter.
    Submitted,
    /// Accepted: the clock runs, the current step's officials have it.
    Processing,
    /// Waiting for the applicant's supplement: the clock is stopped.
    AwaitingSupplement,
    /// Approved: the outcome applied, the result issued.
    Completed,
    /// Refused, with a reason.
    Rejected,
}

impl DossierStatus {
    /// Every status.
    pub const ALL: [DossierStatus; 8] = [
        DossierStatus::Draft,
        DossierStatus::AwaitingConsent,
        DossierStatus::AwaitingPayment,
        DossierStatus::Submitted,
        DossierStatus::Processing,
        DossierStatus::AwaitingSupplement,
        DossierStatus::Completed,
        DossierStatus::Rejected,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DossierStatus::Draft => "draft",
            DossierStatus::AwaitingConsent => "awaiting_consent",
            DossierStatus::AwaitingPayment => "awaiting_payment",
            DossierStatus::Submitted => "submitted",
            DossierStatus::Processing => "processing",
            DossierStatus::AwaitingSupplement => "awaiting_supplement",
            DossierStatus::Completed => "completed",
            DossierStatus::Rejected => "rejected",
        }
    }

    /// Its interface string's key.
    pub fn label_key(self) -> String {
        format!("portal.status_{}", self.as_str())
    }

    /// Whether nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, DossierStatus::Completed | DossierStatus::Rejected)
    }
}

impl FromStr for DossierStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DossierStatus::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| format!("unknown dossier status {s:?}"))
    }
}

/// What the applicant typed (or the state prefilled), by field name.
pub type FormValues = BTreeMap<String, String>;

/// Hồ sơ — an application under one procedure. Everything here is what the ledger's digest covers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dossier {
    /// Its code, as the applicant and every agency know it.
    #[schema(value_type = String, example = "UBND.00070-261201-000042")]
    pub code: DossierCode,
    /// The procedure.
    #[schema(value_type = String)]
    pub procedure: ProcedureCode,
    /// The agency that received it.
    #[schema(value_type = String)]
    pub agency: AgencyCode,
    /// The applicant's personal ID number.
    #[schema(value_type = String)]
    pub applicant: PersonalId,
    /// The one-stop receiver (username) who registered it at the counter for an applicant who came in person: they
    /// fill it in and submit it as the applicant would online.
    pub counter: Option<String>,
    /// The commune whose offices settle it: the applicant's commune of residence when they filed it, or, under a
    /// procedure with `settled_at`, that household's commune. Every office is found from it.
    #[schema(value_type = Option<String>)]
    pub commune: Option<kernel::AdminUnitCode>,
    /// Where it is.
    pub status: DossierStatus,
    /// The index of the workflow step that has it.
    pub step: u16,
    /// The agency whose officials act on it now.
    #[schema(value_type = String)]
    pub office: AgencyCode,
    /// The form.
    pub form: FormValues,
    /// Opened at, Unix seconds.
    pub created_at: i64,
    /// Submitted at, Unix seconds.
    pub submitted_at: Option<i64>,
    /// The day it is due, `YYYY-MM-DD` (set at acceptance; moved when a supplement restarts the clock).
    pub due_on: Option<String>,
    /// While waiting for a supplement, the working days that were left when the clock stopped.
    pub days_left_at_pause: Option<u32>,
    /// Completed or rejected at, Unix seconds.
    pub finished_at: Option<i64>,
    /// The id of the signed result, once approved.
    pub result_id: Option<String>,
    /// The applicant's rating, 1–5, after it ended.
    pub rating: Option<u8>,
    /// Changes so far: a change must name the version it read, so two officials cannot both win.
    pub version: i64,
    /// The other party whose consent it waits for, or who gave it (a marriage's partner): they see it too. Left
    /// out when there is none, so the ledger digests of dossiers made before consent was asked stay what they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub consent_of: Option<PersonalId>,
}

impl Dossier {
    /// Whether `me` is the other party whose consent it waits for or who gave it.
    pub fn is_consented_by(&self, me: &identity::Principal) -> bool {
        self.consent_of.is_some() && me.personal_id == self.consent_of
    }

    /// Whether `me` files this dossier: its applicant, or the receiver who registered the draft at the counter.
    pub fn is_filed_by(&self, me: &identity::Principal) -> bool {
        me.personal_id == Some(self.applicant)
            || (self.status == DossierStatus::Draft && self.counter.as_deref() == Some(me.username.as_str()))
    }

    /// Whether it ended within its legal time limit (đúng hạn), on the day in Vietnam it ended: `None` while it
    /// runs. A dossier refused at the counter ended before any clock started, so in time.
    pub fn on_time(&self) -> Option<bool> {
        let finished = time::OffsetDateTime::from_unix_timestamp(self.finished_at?).ok()?;
        let Some(due) = self.due_on.as_deref() else { return Some(true) };
        let day = finished.to_offset(time::macros::offset!(+7)).date().to_string();
        Some(day.as_str() <= due)
    }
}

/// One thing that happened to a dossier, for its timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DossierEvent {
    /// When, Unix seconds.
    pub at: i64,
    /// Who: the official's or applicant's name.
    pub actor: String,
    /// What: `submitted`, `accept`, `forward`, `request_supplement`, `supplemented`, `reject`, `approve`, `rated`.
    pub action: String,
    /// The step it happened at.
    pub step: u16,
    /// Their note (the reason of a refusal, what a supplement should contain).
    pub note: Option<String>,
}

/// What anyone may see of a dossier by its code, without signing in: nothing personal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicStatus {
    /// Its code.
    #[schema(value_type = String)]
    pub code: DossierCode,
    /// The procedure.
    #[schema(value_type = String)]
    pub procedure: ProcedureCode,
    /// Where it is.
    pub status: DossierStatus,
    /// The day it is due.
    pub due_on: Option<String>,
}
