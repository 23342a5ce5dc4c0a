//! Thành phần hồ sơ — the papers of a dossier: uploaded by the applicant while the dossier is a draft or waiting
//! for a supplement (size, kind and type checked against the procedure's declaration, the type sniffed from the
//! bytes, never taken from the name), and read by whoever may see the dossier (an official's read is recorded).

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use identity::{Caller, Principal};
use kernel::DossierCode;
use store::Db;
use web::extract::Path;
use web::{AppError, AppResult, AppState, PageCtx};

use crate::error::PortalError;
use crate::model::{DossierStatus, FileType};
use crate::pages::{dossier_code, procedure};
use crate::service::queue;
use crate::store as sql;

/// The largest upload the form reads at all; each paper's own limit is checked after.
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

/// `/me/dossiers/{code}/files` and `/dossiers/{code}/files/{id}`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/me/dossiers/{code}/files", post(upload)).route("/dossiers/{code}/files/{id}", get(download))
}

/// The file types one paper takes, as the `files` crate's static list.
fn allowed(types: &[FileType]) -> &'static [files::MediaType] {
    use files::MediaType::{Jpeg, Pdf, Png};
    let has = |t| types.contains(&t);
    match (has(FileType::Pdf), has(FileType::Jpeg), has(FileType::Png)) {
        (true, true, true) => &[Pdf, Jpeg, Png],
        (true, true, false) => &[Pdf, Jpeg],
        (true, false, true) => &[Pdf, Png],
        (false, true, true) => &[Jpeg, Png],
        (true, false, false) => &[Pdf],
        (false, true, false) => &[Jpeg],
        (false, false, true) => &[Png],
        (false, false, false) => &[],
    }
}

struct Upload {
    csrf: Option<String>,
    kind: String,
    name: String,
    bytes: Bytes,
}

async fn read(request: Request) -> AppResult<Upload> {
    let form = web::multipart::read(request, UPLOAD_LIMIT).await?;
    Ok(Upload {
        csrf: form.part("csrf").map(|_| form.text("csrf")),
        kind: form.text("kind"),
        name: form.part("file").and_then(|f| f.file_name.clone()).unwrap_or_default(),
        bytes: form.bytes("file"),
    })
}

/// Attaches one paper to the caller's own draft (or dossier waiting for a supplement), checked against the
/// procedure, with the dossier's timeline and ledger entries in the same transaction.
pub async fn attach(
    db: &Db,
    files: &files::Files,
    me: &Principal,
    code: &DossierCode,
    kind: &str,
    name: &str,
    bytes: Bytes,
) -> Result<(), PortalError> {
    let mut tx = db.begin_write().await?;
    let before = sql::one_in(&mut tx, code).await?.ok_or(PortalError::UnknownDossier)?;
    if !before.is_filed_by(me) {
        return Err(PortalError::UnknownDossier);
    }
    if !matches!(before.status, DossierStatus::Draft | DossierStatus::AwaitingSupplement) {
        return Err(PortalError::WrongStatus);
    }
    let procedure =
        crate::catalogue::Catalogue::builtin()?.get(&before.procedure).ok_or(PortalError::UnknownProcedure)?;
    let spec = procedure.attachments.iter().find(|a| a.kind == kind).ok_or(PortalError::UnknownPaper)?;
    let rules = files::Rules { max_bytes: u64::from(spec.max_kib) * 1024, allowed: allowed(&spec.types) };
    let stored = files.put_in(&mut tx, bytes, name, &rules).await?;
    sql::attach(&mut tx, code, kind, &stored).await?;
    let mut after = before.clone();
    after.version += 1;
    let actor = trust::ledger::Actor::named(&me.username, &me.display_name);
    crate::service::workflow::record(&mut tx, db.backend(), &after, &actor, "attached", Some(stored.declared_name))
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn upload(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(code): Path<String>,
    request: Request<Body>,
) -> AppResult<Response> {
    let code = dossier_code(&code)?;
    let upload = read(request).await?;
    if page.csrf.is_empty() || upload.csrf.as_deref() != Some(page.csrf.as_str()) {
        return Err(AppError::Csrf);
    }
    attach(&state.db, &state.files, &me, &code, &upload.kind, &upload.name, upload.bytes).await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, format!("/me/dossiers/{code}"))]).into_response())
}

/// One paper of a dossier the caller may see.
async fn download(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path((code, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let code = dossier_code(&code)?;
    let (dossier, _) = queue::visible(&state, &me, &code).await?;
    procedure(dossier.procedure.as_str())?;
    let papers = sql::attachments(&state.db, &code).await.map_err(PortalError::from)?;
    if !papers.iter().any(|(_, file_id, _)| *file_id == id) {
        return Err(PortalError::UnknownDossier.into());
    }
    let (file, bytes) = state.files.get(&state.db, &id).await.map_err(PortalError::from)?;
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{}.{}\"", file.id, extension(file.media_type)))
            .map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [(CONTENT_TYPE, HeaderValue::from_static(file.media_type.as_str())), (CONTENT_DISPOSITION, disposition)],
        bytes,
    )
        .into_response())
}

fn extension(media: files::MediaType) -> &'static str {
    match media {
        files::MediaType::Pdf => "pdf",
        files::MediaType::Png => "png",
        files::MediaType::Jpeg => "jpg",
    }
}
