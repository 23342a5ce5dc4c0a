//! The demo's data: created on first start, left as it is afterwards.

use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use store::Db;

/// The demo's accounts: username, password, what it is for.
const ACCOUNTS: &[(&str, &str, &str)] = &[("admin", "congso-demo-admin", "operator, administrator of the nation")];

/// Creates the demo accounts that do not exist yet; returns them all for printing.
pub async fn seed(db: &Db) -> anyhow::Result<Vec<(&'static str, &'static str, &'static str)>> {
    for &(username, password, _) in ACCOUNTS {
        let new = NewAccount {
            username: username.into(),
            display_name: "Quản trị viên".into(),
            kind: AccountKind::Operator,
            password: password.into(),
            roles: vec![RoleAssignment { role: Role::Administrator, agency: None, territory: Territory::Nation }],
        };
        match service::create_account(db, new).await {
            Ok(_) | Err(service::IdentityError::UsernameTaken) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ACCOUNTS.to_vec())
}
