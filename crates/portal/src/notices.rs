//! Telling people where their dossier is: at submission, a request for a supplement, the result (or a refusal), a
//! request for the other party's consent (told to them) and their answer; each change enqueues a `portal.notice` job in its own transaction, so a notice goes out if and only if the change
//! committed; the job posts to the applicant's in-app inbox and writes them a mail (when their account gave an
//! address), each with a link to the dossier. An applicant with no account (filed at the counter) is told at the
//! counter.

use jobs::{Handlers, Job, JobFailure, NewJob};
use kernel::DossierCode;
use serde::{Deserialize, Serialize};
use store::Tx;
use web::AppState;

use crate::catalogue::Catalogue;
use crate::error::PortalError;
use crate::store as sql;

/// The job kind.
pub const NOTICE: &str = "portal.notice";

/// What a notice is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Notice {
    dossier: String,
    /// The action that changed it (`submitted`, `request_supplement`, `approve`, `reject`, `fee_expired`).
    what: String,
}

/// Whether an action is one the applicant (or, asked for their consent, the other party) is told of.
pub fn tells_applicant(action: &str) -> bool {
    matches!(
        action,
        "submitted"
            | "request_supplement"
            | "approve"
            | "reject"
            | "fee_expired"
            | "consent_requested"
            | "consented"
            | "consent_declined"
    )
}

/// Enqueues the notice of `what` about `code` in the caller's transaction.
pub async fn enqueue_in(tx: &mut Tx, code: &DossierCode, what: &str) -> Result<(), PortalError> {
    let notice = Notice { dossier: code.to_string(), what: what.to_owned() };
    let job = NewJob::new(NOTICE, &notice).map_err(|e| PortalError::Notice(e.to_string()))?;
    jobs::enqueue_in(tx, job).await.map_err(|e| PortalError::Notice(e.to_string()))?;
    Ok(())
}

/// Registers the handler of notices, which needs the site's address and the database.
pub fn register(handlers: &mut Handlers, state: AppState) {
    handlers.register(NOTICE, move |job: Job| {
        let state = state.clone();
        async move {
            let notice: Notice = job.payload()?;
            send(&state, &notice).await.map_err(JobFailure::retry)
        }
    });
}

async fn send(state: &AppState, notice: &Notice) -> Result<(), PortalError> {
    let code: DossierCode = notice.dossier.parse().map_err(|_| PortalError::UnknownDossier)?;
    let Some(dossier) = sql::one(&state.db, &code).await? else { return Ok(()) };
    let name = Catalogue::builtin()?.get(&dossier.procedure).map(|p| p.name.vi.clone()).unwrap_or_default();
    let (subject, subject_en, line, line_en) = match notice.what.as_str() {
        "submitted" => (
            "đã được nộp",
            "was submitted",
            "Hồ sơ của bạn đã được gửi tới cơ quan tiếp nhận.",
            "Your dossier was sent to the agency that receives it.",
        ),
        "request_supplement" => (
            "cần bổ sung",
            "needs a supplement",
            "Cơ quan giải quyết đề nghị bạn bổ sung hồ sơ. Thời hạn tạm dừng cho tới khi bạn bổ sung.",
            "The agency asks you to add to your dossier. The time limit waits until you do.",
        ),
        "approve" => (
            "đã có kết quả",
            "has its result",
            "Hồ sơ đã được giải quyết. Kết quả ký số có trong mục Hồ sơ của tôi.",
            "Your dossier was settled. The signed result is in My dossiers.",
        ),
        "reject" => (
            "bị từ chối",
            "was refused",
            "Hồ sơ không được giải quyết. Lý do có trong quá trình xử lý của hồ sơ.",
            "Your dossier was refused. The reason is in its timeline.",
        ),
        "fee_expired" => (
            "hết hạn nộp lệ phí",
            "was not paid for in time",
            "Lệ phí chưa được nộp trong thời hạn nên hồ sơ trở về bản nháp. Nộp lại hồ sơ để nhận khoản thu mới.",
            "The fee was not paid in time, so the dossier is a draft again. Submit it again for a new bill.",
        ),
        "consent_requested" => (
            "cần bạn đồng ý",
            "needs your consent",
            "Bạn được ghi là bên kia trong hồ sơ này. Hồ sơ chỉ được gửi tới cơ quan khi bạn đồng ý.",
            "You are named as the other party in this dossier. It goes to the agency only once you agree.",
        ),
        "consented" => (
            "đã được bên kia đồng ý",
            "has the other party's consent",
            "Bên kia đã đồng ý; hồ sơ đã được gửi tới cơ quan tiếp nhận.",
            "The other party agreed; the dossier went to the agency that receives it.",
        ),
        "consent_declined" => (
            "không được bên kia đồng ý",
            "was declined by the other party",
            "Bên kia không đồng ý nên hồ sơ trở về bản nháp.",
            "The other party declined, so the dossier is a draft again.",
        ),
        _ => return Ok(()),
    };
    // A request for consent goes to the other party; everything else to the applicant.
    let to = match (notice.what.as_str(), dossier.consent_of) {
        ("consent_requested", Some(party)) => party,
        _ => dossier.applicant,
    };
    let failed = |e: &dyn std::fmt::Display| PortalError::Notice(e.to_string());
    let mut tx = state.db.begin_write().await?;
    let contact = identity::service::citizen_contact_in(&mut tx, &to).await.map_err(|e| failed(&e))?;
    let Some((account, email)) = contact else { return Ok(()) };
    let path: notify::inbox::Link = format!("/me/dossiers/{code}").parse().map_err(|e| failed(&e))?;
    let title = kernel::Text::new(format!("Hồ sơ {code} {subject}"), format!("Dossier {code} {subject_en}"));
    let body = kernel::Text::new(format!("{name}. {line}"), line_en);
    notify::inbox::post_in(&mut tx, notify::inbox::Recipient::account(account), &title, &body, Some(&path))
        .await
        .map_err(|e| failed(&e))?;
    if let Some(to) = email {
        let link = format!("{}/me/dossiers/{code}", state.config.public_url.as_str());
        let message = notify::Message::new(&to, &format!("Hồ sơ {code} {subject}"))
            .paragraph(&format!("{name} — mã hồ sơ {code}."))
            .paragraph(line)
            .paragraph(&format!("Xem hồ sơ: {link}"));
        notify::queue::enqueue_in(&mut tx, &message).await.map_err(|e| failed(&e))?;
    }
    tx.commit().await?;
    Ok(())
}
