//! `/api/v1/ledger/…`: signed tree heads and proofs, for anyone (they hold hashes, no personal data);
//! `/api/v1/me/data-usage`: the entries about the signed-in citizen, with receipts.

use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use identity::{Caller, Principal};
use kernel::Text;
use serde::{Deserialize, Serialize};
use trust::ledger::store::Entry;
use trust::ledger::{Receipt, TreeHead, head, receipt};
use utoipa_axum::routes;
use web::extract::{Json, Path, Query};
use web::openapi::{ApiRouter, BadRequest, Forbidden, NotFound};
use web::{AppError, AppResult, AppState};

/// The routes and their operations, relative to `/api/v1`.
pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(latest_head, sign_head))
        .routes(routes!(inclusion))
        .routes(routes!(consistency))
        .routes(routes!(my_data_usage))
        .routes(routes!(my_receipt))
}

/// The latest signed tree head (one is signed now if none exists yet).
#[utoipa::path(get, path = "/ledger/sth", operation_id = "getLatestTreeHead", tag = "ledger",
    responses((status = 200, body = TreeHead)))]
pub async fn latest_head(State(state): State<AppState>) -> AppResult<Json<TreeHead>> {
    match head::latest(state.db.pool()).await? {
        Some(h) => Ok(Json(h)),
        None => Ok(Json(head::sign(&state.db, &state.keyring).await?)),
    }
}

/// Sign a tree head for the ledger as it is now (administrators; the server also signs one every minute).
#[utoipa::path(post, path = "/ledger/sth", operation_id = "signTreeHead", tag = "ledger", security(("bearer" = [])),
    responses((status = 200, body = TreeHead), Forbidden))]
pub async fn sign_head(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<TreeHead>> {
    identity::authorize(&me, identity::Action::ListAccounts)?;
    Ok(Json(head::sign(&state.db, &state.keyring).await?))
}

fn number(field: &str, value: Option<&str>) -> AppResult<u64> {
    let value = value.map(str::trim).unwrap_or_default();
    value.parse().map_err(|_| {
        AppError::bad_request(Text::new(
            format!("{field} phải là một số nguyên không âm."),
            format!("{field} must be a non-negative integer."),
        ))
    })
}

/// Where an inclusion proof is wanted.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The entry's position, from 0; below `tree_size`.
    #[param(required = true, value_type = u64)]
    pub index: Option<String>,
    /// The size of the tree to prove inclusion in: at most the ledger's size.
    #[param(required = true, value_type = u64)]
    pub tree_size: Option<String>,
}

/// An RFC 9162 inclusion proof.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InclusionProof {
    /// The entry's position.
    pub leaf_index: u64,
    /// The tree's size.
    pub tree_size: u64,
    /// The audit path, base64 SHA-256 hashes.
    pub audit_path: Vec<String>,
}

/// The inclusion proof of one entry in the tree of a given size.
#[utoipa::path(get, path = "/ledger/proof/inclusion", operation_id = "getInclusionProof", tag = "ledger", params(InclusionQuery),
    responses((status = 200, body = InclusionProof), BadRequest))]
pub async fn inclusion(
    State(state): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> AppResult<Json<InclusionProof>> {
    let (index, size) = (number("index", q.index.as_deref())?, number("tree_size", q.tree_size.as_deref())?);
    let proof = head::inclusion_proof(&state.db, index, size).await?;
    Ok(Json(InclusionProof { leaf_index: index, tree_size: size, audit_path: encode(&proof) }))
}

/// Between which sizes a consistency proof is wanted.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree's size.
    #[param(required = true, value_type = u64)]
    pub first: Option<String>,
    /// The newer tree's size: from `first` to the ledger's size.
    #[param(required = true, value_type = u64)]
    pub second: Option<String>,
}

/// An RFC 9162 consistency proof.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    /// The older size.
    pub first: u64,
    /// The newer size.
    pub second: u64,
    /// The proof, base64 SHA-256 hashes.
    pub consistency: Vec<String>,
}

/// The proof that the tree of `second` entries extends the tree of `first`.
#[utoipa::path(get, path = "/ledger/proof/consistency", operation_id = "getConsistencyProof", tag = "ledger", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), BadRequest))]
pub async fn consistency(
    State(state): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> AppResult<Json<ConsistencyProof>> {
    let (first, second) = (number("first", q.first.as_deref())?, number("second", q.second.as_deref())?);
    let proof = head::consistency_proof(&state.db, first, second).await?;
    Ok(Json(ConsistencyProof { first, second, consistency: encode(&proof) }))
}

fn encode(hashes: &[trust::merkle::Hash]) -> Vec<String> {
    hashes.iter().map(|h| STANDARD.encode(h)).collect()
}

/// The personal ID number of a signed-in citizen; anyone else is refused.
pub fn my_personal_id(me: &Principal) -> AppResult<&str> {
    me.personal_id.as_ref().map(|p| p.as_str()).ok_or(AppError::Forbidden)
}

/// One use of a citizen's data, as the citizen sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DataUse {
    /// The ledger entry's position (to ask for its receipt).
    pub seq: u64,
    /// When, RFC 3339.
    pub at: String,
    /// What happened: `personal_data_read`, `record_changed`, `access_refused`, …
    pub kind: String,
    /// The official's name.
    pub by: Option<String>,
    /// The role they acted in.
    pub role: Option<String>,
    /// Their agency.
    pub agency: Option<String>,
    /// The purpose stated, or the reason of a change.
    pub purpose: Option<String>,
    /// The dossier it was for, when it was for one (an official opening it, a change to it).
    pub dossier: Option<String>,
}

impl From<&Entry> for DataUse {
    fn from(e: &Entry) -> Self {
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.event.at_ms) * 1_000_000)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default();
        DataUse {
            seq: e.seq,
            at,
            kind: e.event.kind.as_str().to_owned(),
            by: e.event.actor.display_name.clone().or_else(|| Some(e.event.actor.username.clone())),
            role: e.event.actor.role.clone(),
            agency: e.event.actor.agency.clone(),
            purpose: e.event.purpose.clone(),
            dossier: e.event.record.as_ref().filter(|r| r.kind == "dossier").map(|r| r.key.clone()),
        }
    }
}

/// Paging through one's entries, newest first.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// Only entries before this position (the `seq` of the last one seen).
    #[param(value_type = Option<u64>)]
    pub before: Option<String>,
}

/// How many uses one page shows.
pub const USAGE_PAGE: u32 = 50;

/// The entries about a citizen, newest first, a page at a time.
pub async fn uses_of(state: &AppState, personal_id: &str, before: Option<&str>) -> AppResult<Vec<DataUse>> {
    let before = match before.filter(|b| !b.is_empty()) {
        Some(b) => number("before", Some(b))?,
        None => u64::MAX,
    };
    let entries = trust::ledger::store::entries_about(state.db.pool(), personal_id, before, USAGE_PAGE).await?;
    Ok(entries.iter().map(DataUse::from).collect())
}

/// Who used my data: every read, change and refused attempt on the signed-in citizen's records, newest first.
#[utoipa::path(get, path = "/me/data-usage", operation_id = "getMyDataUsage", tag = "ledger", params(UsageQuery),
    responses((status = 200, body = Vec<DataUse>), Forbidden))]
pub async fn my_data_usage(
    State(state): State<AppState>,
    Caller(me): Caller,
    Query(q): Query<UsageQuery>,
) -> AppResult<Json<Vec<DataUse>>> {
    Ok(Json(uses_of(&state, my_personal_id(&me)?, q.before.as_deref()).await?))
}

/// The receipt of one entry about the signed-in citizen: the entry, its inclusion proof and a signed tree head.
/// An entry about someone else does not exist for the caller (404).
#[utoipa::path(get, path = "/me/data-usage/{seq}/receipt", operation_id = "getMyDataUsageReceipt", tag = "ledger",
    params(("seq" = u64, Path, description = "The entry's position")),
    responses((status = 200, body = Receipt), Forbidden, NotFound))]
pub async fn my_receipt(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(seq): Path<String>,
) -> AppResult<Json<Receipt>> {
    let mine = my_personal_id(&me)?;
    let seq = number("seq", Some(&seq))?;
    let entry = trust::ledger::store::entry(state.db.pool(), seq).await?;
    if entry.is_none_or(|e| e.event.subject.as_deref() != Some(mine)) {
        return Err(AppError::NotFound);
    }
    Ok(Json(receipt::receipt(&state.db, &state.keyring, seq).await?))
}
