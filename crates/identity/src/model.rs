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

/// A role an account can hold. More arrive with the slices that need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Quản trị — manages accounts, keys and the installation; reads no personal data by virtue of this role.
    Administrator,
    /// Cán bộ đăng ký cư trú, hộ tịch — keeps the population registry of a territory.
    RegistryClerk,
}

impl Role {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::RegistryClerk => "registry_clerk",
        }
    }

    /// The interface-string key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Administrator => "role.administrator",
            Role::RegistryClerk => "role.registry_clerk",
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "administrator" => Ok(Role::Administrator),
            "registry_clerk" => Ok(Role::RegistryClerk),
            other => Err(format!("unknown role {other:?}")),
        }
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
    /// The agency's code, where the role belongs to one.
    pub agency: Option<String>,
    /// Where the role's powers reach: `VN`, a province or a commune code.
    #[schema(value_type = String)]
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
    /// How sure we are of who the person is (Decree 69/2024): read from the account on every request.
    pub assurance_level: crate::assurance::AssuranceLevel,
}

impl Principal {
    /// The principal as the ledger names an actor, acting in `role` (with the agency of that role's first
    /// assignment).
    pub fn actor(&self, role: Role) -> trust::ledger::Actor {
        let assignment = self.roles.iter().find(|r| r.role == role);
        trust::ledger::Actor {
            username: self.username.clone(),
            display_name: Some(self.display_name.clone()),
            role: assignment.map(|r| r.role.as_str().to_owned()),
            agency: assignment.and_then(|r| r.agency.clone()),
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
}
