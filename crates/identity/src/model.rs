//! The identity model.

use std::fmt;
use std::str::FromStr;

use kernel::{AdminUnitCode, PersonalId};
use serde::Serialize;

/// What kind of person an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// Runs the installation: created from the command line.
    Operator,
    /// Works in an agency, with roles.
    Official,
    /// Công dân — a citizen, bound to a personal ID number.
    Citizen,
}

impl AccountKind {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Operator => "operator",
            AccountKind::Official => "official",
            AccountKind::Citizen => "citizen",
        }
    }

    /// The interface-string key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            AccountKind::Operator => "kind.operator",
            AccountKind::Official => "kind.official",
            AccountKind::Citizen => "kind.citizen",
        }
    }
}

impl FromStr for AccountKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "operator" => Ok(AccountKind::Operator),
            "official" => Ok(AccountKind::Official),
            "citizen" => Ok(AccountKind::Citizen),
            other => Err(format!("unknown account kind {other:?}")),
        }
    }
}

/// A role an official can hold, always in an agency over a territory. What each may do is decided in
/// [`crate::policy`] alone; a role with no rule there can do nothing yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Quản trị — manages officials, agencies, keys and the installation; reads no personal data by virtue of this
    /// role.
    Administrator,
    /// Cán bộ tiếp nhận (Bộ phận Một cửa) — receives dossiers at the one-stop counter and hands out results.
    OneStopReceiver,
    /// Chuyên viên — examines dossiers and drafts the decision.
    Specialist,
    /// Lãnh đạo phê duyệt — approves or refuses, and signs the result.
    Approver,
    /// Cán bộ đăng ký cư trú, hộ tịch — keeps the population registry of a territory.
    RegistryClerk,
    /// Nhân viên y tế — keeps health records and writes prescriptions.
    HealthWorker,
    /// Giáo viên — keeps pupils' school records.
    Teacher,
    /// Cán bộ thống kê — reads aggregate reports, never a person's record.
    Analyst,
    /// Chuyên viên đăng ký kinh doanh (Phòng Đăng ký kinh doanh) — keeps the enterprise registry of a territory:
    /// registers enterprises and their changes, and reads their representatives and members.
    BusinessRegistrar,
    /// Cán bộ tài chính — reconciles their agency's bills with the bank's statements and looks into the payments
    /// held for review; sees who paid what.
    FinanceOfficer,
    /// Cán bộ địa chính — keeps the land registry of a territory: parcels, their users, certificates and
    /// transactions.
    LandOfficer,
}

impl Role {
    /// Every role, in the order forms list them.
    pub const ALL: [Role; 11] = [
        Role::OneStopReceiver,
        Role::Specialist,
        Role::Approver,
        Role::RegistryClerk,
        Role::BusinessRegistrar,
        Role::HealthWorker,
        Role::Teacher,
        Role::Analyst,
        Role::FinanceOfficer,
        Role::LandOfficer,
        Role::Administrator,
    ];

    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::OneStopReceiver => "one_stop_receiver",
            Role::Specialist => "specialist",
            Role::Approver => "approver",
            Role::RegistryClerk => "registry_clerk",
            Role::BusinessRegistrar => "business_registrar",
            Role::HealthWorker => "health_worker",
            Role::Teacher => "teacher",
            Role::Analyst => "analyst",
            Role::FinanceOfficer => "finance_officer",
            Role::LandOfficer => "land_officer",
        }
    }

    /// Whether holding this role opens a person's record or dossier: the one-stop receiver, specialist and approver
    /// handle dossiers, the registry clerk, health worker and teacher keep people's records. The analyst reads
    /// aggregates only. The administrator reads none by itself: it changes who holds which role, and reaches
    /// personal data only by granting a role that does, which is what four eyes guard.
    pub fn reads_personal_data(self) -> bool {
        match self {
            Role::OneStopReceiver
            | Role::Specialist
            | Role::Approver
            | Role::RegistryClerk
            | Role::BusinessRegistrar
            | Role::HealthWorker
            | Role::Teacher
            | Role::FinanceOfficer
            | Role::LandOfficer => true,
            Role::Analyst | Role::Administrator => false,
        }
    }

    /// Whether granting this role takes a second administrator's approval (four eyes): every role that reads
    /// personal data, and the administrator's own. An administrator reads nothing, but one administrator who could
    /// make others at once could make the second pair of eyes themselves: create two administrators, sign in as
    /// them, have one ask for a registry clerk's role for the first and the other approve it.
    pub fn needs_second_administrator(self) -> bool {
        self.reads_personal_data() || self == Role::Administrator
    }

    /// The interface-string key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Administrator => "role.administrator",
            Role::OneStopReceiver => "role.one_stop_receiver",
            Role::Specialist => "role.specialist",
            Role::Approver => "role.approver",
            Role::RegistryClerk => "role.registry_clerk",
            Role::BusinessRegistrar => "role.business_registrar",
            Role::HealthWorker => "role.health_worker",
            Role::Teacher => "role.teacher",
            Role::Analyst => "role.analyst",
            Role::FinanceOfficer => "role.finance_officer",
            Role::LandOfficer => "role.land_officer",
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown role {s:?}"))
    }
}

/// Where a role's powers reach: the whole nation, or one province or commune and what lies within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Territory {
    /// Toàn quốc.
    Nation,
    /// A province or a commune.
    Unit(AdminUnitCode),
}

impl Territory {
    /// Whether this territory includes `other`.
    pub fn covers(self, other: Territory) -> bool {
        match (self, other) {
            (Territory::Nation, _) => true,
            (Territory::Unit(_), Territory::Nation) => false,
            (Territory::Unit(mine), Territory::Unit(theirs)) => mine.contains(theirs),
        }
    }
}

impl fmt::Display for Territory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Territory::Nation => f.write_str("VN"),
            Territory::Unit(code) => code.fmt(f),
        }
    }
}

impl FromStr for Territory {
    type Err = kernel::AdminUnitError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "VN" { Ok(Territory::Nation) } else { s.parse().map(Territory::Unit) }
    }
}

impl utoipa::PartialSchema for Territory {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let nation = ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["VN"]));
        OneOfBuilder::new()
            .item(nation)
            .item(utoipa::openapi::Ref::from_schema_name("AdminUnitCode"))
            .description(Some("`VN` for the whole nation, or a province or commune code."))
            .into()
    }
}

impl utoipa::ToSchema for Territory {
    fn name() -> std::borrow::Cow<'static, str> {
        "Territory".into()
    }

    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        use utoipa::PartialSchema;
        schemas.push(("AdminUnitCode".to_owned(), AdminUnitCode::schema()));
    }
}

impl Serialize for Territory {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A role held in an agency over a territory.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoleAssignment {
    /// The role.
    pub role: Role,
    /// The agency the role is held in. Only the operators made from the command line hold a role in none.
    pub agency: Option<kernel::AgencyCode>,
    /// Where the role's powers reach.
    pub territory: Territory,
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// A browser session cookie.
    Session,
    /// An API token.
    Token,
}

/// The account a request acts as, with its powers.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account's internal id.
    pub account_id: i64,
    /// The sign-in name.
    pub username: String,
    /// The name to show.
    pub display_name: String,
    /// What kind of account.
    pub kind: AccountKind,
    /// Its roles.
    pub roles: Vec<RoleAssignment>,
    /// How it authenticated.
    pub method: AuthMethod,
    /// For a citizen, the personal ID number the account is bound to: whose records are "mine".
    pub personal_id: Option<PersonalId>,
    /// How sure we are of who the person is (Decree 69/2024): read from the account on every request (for an API
    /// token, at most a few seconds ago: see `token_cache`).
    pub assurance_level: crate::assurance::AssuranceLevel,
    /// Whether the account has a second factor switched on (so that its sessions began with one).
    pub mfa_enabled: bool,
}

impl Principal {
    /// Whether this caller must switch on a second factor before doing anything but look after its own account:
    /// a browser session of an account holding any role. Officials' powers reach other people's data, so a
    /// password alone is not enough (API tokens are issued by operators, for scripts, and are long random secrets).
    pub fn must_enrol_mfa(&self) -> bool {
        self.method == AuthMethod::Session && !self.roles.is_empty() && !self.mfa_enabled
    }

    /// The principal as the ledger names an actor, acting in `role` (with the agency of that role's first
    /// assignment).
    pub fn actor(&self, role: Role) -> trust::ledger::Actor {
        let assignment = self.roles.iter().find(|r| r.role == role);
        trust::ledger::Actor {
            username: self.username.clone(),
            display_name: Some(self.display_name.clone()),
            role: assignment.map(|r| r.role.as_str().to_owned()),
            agency: assignment.and_then(|r| r.agency.as_ref().map(ToString::to_string)),
        }
    }
}

/// An account as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    /// Internal id.
    pub id: i64,
    /// Sign-in name.
    pub username: String,
    /// Name to show.
    pub display_name: String,
    /// Kind.
    pub kind: AccountKind,
    /// Whether it is disabled.
    pub disabled: bool,
    /// The personal ID number a citizen's account is bound to.
    #[schema(value_type = Option<String>)]
    pub personal_id: Option<PersonalId>,
    /// The assurance level: 1 (matched with the registry) or 2 (checked in person).
    #[schema(value_type = u8)]
    pub assurance_level: crate::assurance::AssuranceLevel,
    /// Whether a second factor (TOTP) is switched on.
    pub mfa_enabled: bool,
}
