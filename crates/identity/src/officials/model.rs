//! Agencies, officials with the roles they hold, and what managing them can refuse.

use std::borrow::Cow;

use kernel::{AgencyCode, Lang, Localized};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{Account, Role, RoleAssignment, Territory};
use crate::service::IdentityError;

/// Cơ quan — an agency, acting over a territory that bounds every role held in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Agency {
    /// Its code, such as `UBND.00070`.
    #[schema(value_type = String)]
    pub code: AgencyCode,
    /// Its name, such as "Ủy ban nhân dân phường Hoàn Kiếm".
    pub name: String,
    /// Where it acts: `VN`, a province or a commune code.
    #[schema(value_type = String)]
    pub territory: Territory,
}

/// A role an official holds, with the id that revokes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    /// The assignment's id.
    pub id: i64,
    /// The role, agency and territory.
    #[serde(flatten)]
    pub held: RoleAssignment,
}

/// An official's account, every role it holds and the roles asked for it that await a second administrator.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Official {
    /// The account.
    pub account: Account,
    /// Its roles.
    pub roles: Vec<Assignment>,
    /// Roles asked for and not yet approved, rejected or expired; they give no power until approved.
    pub pending: Vec<RoleGrant>,
}

impl Official {
    /// Every territory the official's roles and pending grants reach: who manages them must manage all of these
    /// (counting pending grants keeps a new official, whose first role awaits approval, with the administrators
    /// who made it).
    pub fn territories(&self) -> impl Iterator<Item = Territory> + '_ {
        self.roles.iter().map(|a| a.held.territory).chain(self.pending.iter().map(|g| g.held.territory))
    }
}

/// Where a request for a role stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    /// Awaiting a second administrator.
    Pending,
    /// Approved: the official holds the role.
    Approved,
    /// Rejected: the official never held it.
    Rejected,
    /// Left pending past its expiry: it can no longer be approved.
    Expired,
}

/// A role asked for by one administrator that the official holds only once a second administrator approves it
/// (four eyes); see [`Role::needs_second_administrator`].
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleGrant {
    /// The request's id.
    pub id: i64,
    /// The account of the official who would hold the role.
    pub account_id: i64,
    /// Their sign-in name.
    pub username: String,
    /// Their name.
    pub display_name: String,
    /// The role, agency and territory asked for.
    #[serde(flatten)]
    pub held: RoleAssignment,
    /// The account of the administrator who asked.
    pub requested_by_id: i64,
    /// Their sign-in name.
    pub requested_by: String,
    /// When it was asked for (Unix seconds).
    pub requested_at: i64,
    /// When it expires unless decided (Unix seconds).
    pub expires_at: i64,
    /// Where it stands.
    pub status: GrantStatus,
    /// The sign-in name of the administrator who approved or rejected it.
    pub decided_by: Option<String>,
    /// When (Unix seconds).
    pub decided_at: Option<i64>,
    /// Why, if they said.
    pub reason: Option<String>,
}

/// The longest reason a decision may give, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A role to grant, as a form or a JSON body gives it: parsed by [`GrantInput::parse`].
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct GrantInput {
    /// One of the role names, such as `one_stop_receiver`.
    #[schema(value_type = Role)]
    pub role: String,
    /// The agency's code; the agency must exist.
    #[schema(value_type = kernel::AgencyCode)]
    pub agency: String,
    /// Where the role reaches, within the agency's territory; the agency's own territory when left out.
    #[serde(default)]
    #[schema(value_type = Option<crate::Territory>)]
    pub territory: Option<String>,
}

/// What managing officials and agencies can refuse.
#[derive(Debug, thiserror::Error)]
pub enum OfficialsError {
    /// Not a role congso knows.
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    /// The agency code is malformed.
    #[error(transparent)]
    AgencyCode(#[from] kernel::AgencyCodeError),
    /// The territory is not `VN`, a province or a commune code.
    #[error(transparent)]
    Territory(#[from] kernel::AdminUnitError),
    /// No agency has this code.
    #[error("no agency has the code {0}")]
    UnknownAgency(AgencyCode),
    /// An agency with this code exists.
    #[error("an agency with the code {0} already exists")]
    AgencyExists(AgencyCode),
    /// The agency's name is empty or too long.
    #[error("an agency's name has 1 to 200 characters")]
    AgencyName,
    /// The official's name is empty.
    #[error("an official's name cannot be empty")]
    DisplayName,
    /// A name carries a control or invisible character, or is too long (see [`kernel::free_text`]).
    #[error("{field}: {error}")]
    Characters {
        /// The form field.
        field: &'static str,
        /// What is wrong with it.
        error: kernel::FreeTextError,
    },
    /// A role would reach beyond its agency's territory.
    #[error("a role cannot reach beyond its agency's territory")]
    BeyondAgency,
    /// The official already holds this role in this agency over this territory.
    #[error("the official already holds this role there")]
    AlreadyHeld,
    /// No official with this id (or none the caller may manage).
    #[error("no such official")]
    UnknownOfficial,
    /// No such role assignment on this official.
    #[error("no such role assignment")]
    UnknownAssignment,
    /// The official already has a pending request for this role in this agency over this territory.
    #[error("this role has already been asked for and awaits approval")]
    AlreadyPending,
    /// No request for a role with this id.
    #[error("no such request for a role")]
    UnknownGrant,
    /// The request was approved or rejected already.
    #[error("this request has already been decided")]
    GrantDecided,
    /// The request was left pending too long.
    #[error("this request has expired; ask for the role again")]
    GrantExpired,
    /// The reason is too long.
    #[error("a reason has at most {MAX_REASON_CHARS} characters")]
    ReasonTooLong,
    /// The account rules refused (a username, a password).
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// A database failure.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// The audit ledger could not be written, so nothing was.
    #[error(transparent)]
    Ledger(#[from] trust::ledger::LedgerError),
}

impl Localized for OfficialsError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::UnknownRole(_), Lang::Vi) => "Vai trò không hợp lệ.".into(),
            (Self::AgencyCode(e), _) => e.message(lang),
            (Self::Territory(e), _) => e.message(lang),
            (Self::UnknownAgency(code), Lang::Vi) => format!("Không có cơ quan mã {code}.").into(),
            (Self::AgencyExists(code), Lang::Vi) => format!("Đã có cơ quan mã {code}.").into(),
            (Self::AgencyName, Lang::Vi) => "Tên cơ quan gồm 1 đến 200 ký tự.".into(),
            (Self::DisplayName, Lang::Vi) => "Họ và tên cán bộ không được để trống.".into(),
            (Self::BeyondAgency, Lang::Vi) => "Phạm vi của vai trò không được vượt quá địa bàn của cơ quan.".into(),
            (Self::AlreadyHeld, Lang::Vi) => "Cán bộ đã có vai trò này tại cơ quan và địa bàn này.".into(),
            (Self::UnknownOfficial, Lang::Vi) => "Không tìm thấy cán bộ.".into(),
            (Self::UnknownAssignment, Lang::Vi) => "Không tìm thấy phân công vai trò.".into(),
            (Self::AlreadyPending, Lang::Vi) => "Vai trò này đã được đề nghị và đang chờ phê duyệt.".into(),
            (Self::UnknownGrant, Lang::Vi) => "Không tìm thấy đề nghị giao vai trò.".into(),
            (Self::GrantDecided, Lang::Vi) => "Đề nghị này đã được phê duyệt hoặc từ chối.".into(),
            (Self::GrantExpired, Lang::Vi) => "Đề nghị này đã hết hạn; hãy đề nghị lại.".into(),
            (Self::ReasonTooLong, Lang::Vi) => format!("Lý do dài tối đa {MAX_REASON_CHARS} ký tự.").into(),
            (Self::Identity(e), _) => e.message(lang),
            (Self::Characters { error, .. }, _) => error.message(lang),
            (Self::Sql(_) | Self::Ledger(_), Lang::Vi) => "Hệ thống gặp lỗi. Vui lòng thử lại sau.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<OfficialsError> for web::AppError {
    fn from(e: OfficialsError) -> Self {
        use OfficialsError as E;
        match e {
            E::UnknownRole(_) => web::AppError::invalid("role", e),
            E::AgencyCode(_) | E::UnknownAgency(_) => web::AppError::invalid("agency", e),
            E::Territory(_) | E::BeyondAgency => web::AppError::invalid("territory", e),
            E::AgencyName => web::AppError::invalid("name", e),
            E::DisplayName => web::AppError::invalid("display_name", e),
            E::ReasonTooLong => web::AppError::invalid("reason", e),
            E::Characters { field, .. } => web::AppError::invalid(field, e),
            E::AgencyExists(_) | E::AlreadyHeld | E::AlreadyPending | E::GrantDecided | E::GrantExpired => {
                web::AppError::conflict(e)
            }
            E::UnknownOfficial | E::UnknownAssignment | E::UnknownGrant => web::AppError::not_found(e),
            E::Identity(e) => e.into(),
            E::Sql(_) | E::Ledger(_) => web::AppError::Internal(e.into()),
        }
    }
}

impl GrantInput {
    /// The role, agency code and territory, each parsed; the territory still to be checked against the agency.
    pub fn parse(&self) -> Result<(Role, AgencyCode, Option<Territory>), OfficialsError> {
        let role = self.role.trim().parse().map_err(|_| OfficialsError::UnknownRole(self.role.clone()))?;
        let agency = self.agency.parse()?;
        let territory = match self.territory.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => Some(t.parse()?),
            None => None,
        };
        Ok((role, agency, territory))
    }
}
