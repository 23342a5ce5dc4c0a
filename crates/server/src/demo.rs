//! The demo's data: created on first start, left as it is afterwards.

use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use store::Db;

/// People in the demo's synthetic population.
const DEMO_CITIZENS: u64 = 10_000;
/// The demo population's seed, so every demo has the same people.
const DEMO_SEED: u64 = 2025;

/// A demo sign-in account, printed when the demo starts.
pub struct DemoAccount {
    /// Sign-in name.
    pub username: &'static str,
    /// Password (demo only).
    pub password: &'static str,
    /// What it can do.
    pub what: String,
}

async fn ensure(
    db: &Db,
    username: &str,
    display_name: &str,
    kind: AccountKind,
    role: Role,
    territory: Territory,
    password: &str,
) -> anyhow::Result<()> {
    let new = NewAccount {
        username: username.into(),
        display_name: display_name.into(),
        kind,
        password: password.into(),
        roles: vec![RoleAssignment { role, agency: None, territory }],
    };
    match service::create_account(db, new).await {
        Ok(_) | Err(service::IdentityError::UsernameTaken) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Creates the demo population and accounts that do not exist yet; returns the accounts for printing.
pub async fn seed(db: &Db) -> anyhow::Result<Vec<DemoAccount>> {
    if registry::service::citizen_count(db).await? == 0 {
        println!("creating the demo population ({DEMO_CITIZENS} synthetic citizens)…");
        crate::population::generate_into(db, DEMO_CITIZENS, DEMO_SEED, false).await?;
    }
    let commune = registry::service::busiest_commune(db, "01").await?.unwrap_or_else(|| "00070".into());
    let commune_code: kernel::AdminUnitCode = commune.parse()?;
    let official = AccountKind::Official;
    ensure(
        db,
        "admin",
        "Quản trị viên",
        AccountKind::Operator,
        Role::Administrator,
        Territory::Nation,
        "congso-demo-admin",
    )
    .await?;
    ensure(
        db,
        "canbo.trunguong",
        "Trần Thị Mai",
        official,
        Role::RegistryClerk,
        Territory::Nation,
        "congso-demo-clerk",
    )
    .await?;
    ensure(
        db,
        "canbo.hanoi",
        "Lê Văn Hùng",
        official,
        Role::RegistryClerk,
        Territory::Unit("01".parse()?),
        "congso-demo-clerk",
    )
    .await?;
    ensure(
        db,
        "canbo.xa",
        "Phạm Thu Hà",
        official,
        Role::RegistryClerk,
        Territory::Unit(commune_code),
        "congso-demo-clerk",
    )
    .await?;
    Ok(vec![
        DemoAccount { username: "admin", password: "congso-demo-admin", what: "operator: accounts".into() },
        DemoAccount {
            username: "canbo.trunguong",
            password: "congso-demo-clerk",
            what: "registry clerk, whole nation".into(),
        },
        DemoAccount {
            username: "canbo.hanoi",
            password: "congso-demo-clerk",
            what: "registry clerk, Hà Nội (01)".into(),
        },
        DemoAccount {
            username: "canbo.xa",
            password: "congso-demo-clerk",
            what: format!("registry clerk, {} ({commune})", commune_code.unit().name),
        },
    ])
}
