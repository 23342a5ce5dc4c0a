//! The one policy module: every protected action is decided here and nowhere else. **Deny by default**: an action
//! is allowed only by a rule below that names it.

use crate::model::{Principal, Role, Territory};

/// Something a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See one's own account.
    ViewOwnAccount,
    /// List every account of the installation.
    ListAccounts,
}

/// A refusal. Deliberately says nothing about why: callers answer 403 (or 404 where existence is private).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not allowed")]
pub struct Denied;

fn has_role(principal: &Principal, role: Role, over: Territory) -> bool {
    principal.roles.iter().any(|r| r.role == role && r.territory.covers(over))
}

/// Decides whether `principal` may do `action`.
pub fn authorize(principal: &Principal, action: Action) -> Result<(), Denied> {
    let allowed = match action {
        Action::ViewOwnAccount => true,
        Action::ListAccounts => has_role(principal, Role::Administrator, Territory::Nation),
    };
    if allowed {
        Ok(())
    } else {
        tracing::info!(account_id = principal.account_id, ?action, "authorization refused");
        Err(Denied)
    }
}

impl From<Denied> for web::AppError {
    fn from(_: Denied) -> Self {
        web::AppError::Forbidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountKind, AuthMethod, RoleAssignment};

    fn principal(roles: Vec<RoleAssignment>) -> Principal {
        Principal {
            account_id: 1,
            username: "u".into(),
            display_name: "U".into(),
            kind: AccountKind::Official,
            roles,
            method: AuthMethod::Session,
        }
    }

    #[test]
    fn nothing_is_allowed_without_a_rule() {
        let nobody = principal(vec![]);
        assert_eq!(authorize(&nobody, Action::ListAccounts), Err(Denied));
        assert_eq!(authorize(&nobody, Action::ViewOwnAccount), Ok(()));
    }

    #[test]
    fn a_provincial_administrator_cannot_act_for_the_nation() {
        let hanoi = Territory::Unit("01".parse().unwrap());
        let local = principal(vec![RoleAssignment { role: Role::Administrator, agency: None, territory: hanoi }]);
        assert_eq!(authorize(&local, Action::ListAccounts), Err(Denied));
        let national =
            principal(vec![RoleAssignment { role: Role::Administrator, agency: None, territory: Territory::Nation }]);
        assert_eq!(authorize(&national, Action::ListAccounts), Ok(()));
    }
}
