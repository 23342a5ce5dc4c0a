//! The demo's data: created on first start, left as it is afterwards.

mod education;
mod health;
mod registries;

use std::path::{Path, PathBuf};

use identity::model::RoleAssignment;
use identity::officials::Agency;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use store::Db;
use trust::keyring::Keyring;
use trust::ledger::{Actor, Purpose};

use crate::config::{self, Overrides, Settings};

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

/// A demo official's role: in the agency with this code, over the agency's whole territory.
fn role(role: Role, agency: &Agency) -> RoleAssignment {
    RoleAssignment { role, agency: Some(agency.code.clone()), territory: agency.territory }
}

async fn ensure(
    db: &Db,
    username: &str,
    display_name: &str,
    kind: AccountKind,
    roles: Vec<RoleAssignment>,
    password: &str,
) -> anyhow::Result<()> {
    let new = NewAccount {
        username: username.parse()?,
        display_name: display_name.into(),
        kind,
        password: password.parse()?,
        roles,
    };
    match identity::officials::service::create_by_operator(db, new, "demo").await {
        Ok(_) | Err(service::IdentityError::UsernameTaken) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// "Ủy ban nhân dân xã …": the unit's name with its kind ("Xã", "Phường", "Đặc khu") in lower case, as in a sentence.
fn committee_name(unit: &str) -> String {
    let mut chars = unit.chars();
    let first = chars.next().map(|c| c.to_lowercase().collect::<String>()).unwrap_or_default();
    format!("Ủy ban nhân dân {first}{}", chars.as_str())
}

/// The demo's agencies: a ministry, the Hà Nội police, the People's Committee and the police of the busiest Hà Nội
/// commune, and Hà Nội's social insurance (every office the birth-registration package passes through), its
/// business registration office, its land registration office, and the police of a second commune (`host`),
/// where the demo's citizen can register a temporary residence.
async fn agencies(db: &Db, commune: kernel::AdminUnitCode, host: kernel::AdminUnitCode) -> anyhow::Result<[Agency; 9]> {
    let agency = |code: String, name: String, territory: Territory| -> anyhow::Result<Agency> {
        Ok(Agency { code: code.parse()?, name, territory })
    };
    let all = [
        agency("BKHCN".into(), "Bộ Khoa học và Công nghệ".into(), Territory::Nation)?,
        agency("BCA".into(), "Bộ Công an".into(), Territory::Nation)?,
        agency("CA.01".into(), "Công an thành phố Hà Nội".into(), Territory::Unit("01".parse()?))?,
        agency(format!("UBND.{commune}"), committee_name(&commune.unit().name), Territory::Unit(commune))?,
        agency(format!("CA.{commune}"), format!("Công an {}", commune.unit().name), Territory::Unit(commune))?,
        agency("BHXH.01".into(), "Bảo hiểm xã hội thành phố Hà Nội".into(), Territory::Unit("01".parse()?))?,
        agency(
            "DKKD.01".into(),
            "Phòng Đăng ký kinh doanh, Sở Tài chính thành phố Hà Nội".into(),
            Territory::Unit("01".parse()?),
        )?,
        agency(
            "VPDKDD.01".into(),
            "Văn phòng đăng ký đất đai thành phố Hà Nội".into(),
            Territory::Unit("01".parse()?),
        )?,
        agency(format!("CA.{host}"), format!("Công an {}", host.unit().name), Territory::Unit(host))?,
    ];
    for a in &all {
        identity::officials::service::ensure_agency(db, a, Actor::system("demo"))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(all)
}

/// `congso demo`: the demo's settings, its data made on first start, what to try printed, then the server.
pub async fn run(listen: String, data_dir: PathBuf) -> anyhow::Result<()> {
    let overrides = Overrides { listen: Some(listen), data_dir: Some(data_dir), ..Default::default() };
    // The demo ignores the environment, except the address it is reached at (behind a proxy, say).
    let env = |key: &str| if key == "CONGSO_PUBLIC_URL" { std::env::var(key).ok() } else { None };
    let mut settings = config::load(&overrides, &env, config::serve_defaults())?;
    // The demo is served over plain HTTP, where browsers would drop Secure cookies on a LAN address.
    settings.secure_cookies = false;
    let public_url = public_url(&settings)?;
    let db = crate::cli::open(&settings).await?;
    let keyring = crate::trust_cli::open_keyring(&settings, &db).await?;
    let accounts = db.exclusive_startup(|| seed(&db, &keyring)).await?;
    println!("\ncongso demo: {public_url}\n");
    println!("Demo sign-in accounts (username / password):");
    for a in accounts {
        println!("  {:<16} {:<20} {}", a.username, a.password, a.what);
    }
    let qr_dir = settings.data_dir.join("demo-digital-id");
    if let Some(png) = demo_digital_id(&db, &keyring, &qr_dir).await? {
        println!("\ncongdan's digital ID: {public_url}/me/digital-id (QR also in {})", png.display());
        println!(
            "check it offline: curl -o bundle.json {public_url}/.well-known/congso-verifier-bundle.json && \
             congso verify --bundle bundle.json --image {}",
            png.display()
        );
    }
    let bank = start_sandbox_bank(&settings).await?;
    println!("\nSandbox bank (pays the VietQR of congdan's bills at {public_url}/me/payments): {bank}");
    let host = registry::service::busiest_communes(&db, "01", 2).await?.get(1).cloned();
    if let Some(host) = host
        && let Some(h) = registry::service::first_household_in(&db, &host).await?
    {
        println!(
            "\nA household congdan may register a temporary residence in (Đăng ký tạm trú, settled by congan.tamtru): \
             {} ({})",
            h.code, h.address.street
        );
    }
    println!("\nMail congso sends (password reset links) is written to {}", settings.data_dir.join("outbox").display());
    println!();
    crate::cli::run_server(settings, public_url, db, keyring).await
}

/// Where the demo is reached: `CONGSO_PUBLIC_URL` when set (behind a proxy, say), else localhost on its port.
fn public_url(settings: &Settings) -> Result<web::PublicUrl, web::BadPublicUrl> {
    match &settings.public_url {
        Some(url) => Ok(url.clone()),
        None => format!("http://localhost:{}", settings.listen.port()).parse(),
    }
}

/// Creates the demo population and accounts that do not exist yet; returns the accounts for printing.
pub async fn seed(db: &Db, keyring: &Keyring) -> anyhow::Result<Vec<DemoAccount>> {
    if registry::service::citizen_count(db).await? == 0 {
        println!("creating the demo population ({DEMO_CITIZENS} synthetic citizens)…");
        registry::cli::generate_into(db, DEMO_CITIZENS, DEMO_SEED, false).await?;
    }
    let busiest = registry::service::busiest_communes(db, "01", 2).await?;
    let commune = busiest.first().cloned().unwrap_or_else(|| "00070".into());
    let commune_code: kernel::AdminUnitCode = commune.parse()?;
    let host_code: kernel::AdminUnitCode = busiest.get(1).map_or("00004", String::as_str).parse()?;
    let [ministry, police, hanoi_police, committee, commune_police, insurance, business, land_office, host_police] =
        agencies(db, commune_code, host_code).await?;
    let official = AccountKind::Official;
    ensure(
        db,
        "admin",
        "Quản trị viên",
        AccountKind::Operator,
        vec![role(Role::Administrator, &ministry)],
        "congso-demo-admin",
    )
    .await?;
    ensure(
        db,
        "canbo.trunguong",
        "Trần Thị Mai",
        official,
        vec![role(Role::RegistryClerk, &police)],
        "congso-demo-clerk",
    )
    .await?;
    let hanoi = vec![role(Role::RegistryClerk, &hanoi_police), role(Role::Administrator, &hanoi_police)];
    ensure(db, "canbo.hanoi", "Lê Văn Hùng", official, hanoi, "congso-demo-clerk").await?;
    let commune_roles = vec![role(Role::RegistryClerk, &committee), role(Role::OneStopReceiver, &committee)];
    ensure(db, "canbo.xa", "Phạm Thu Hà", official, commune_roles, "congso-demo-clerk").await?;
    // The officials who work the portal's dossiers of that commune, one per step.
    let workers = [
        ("chuyenvien.xa", "Đỗ Minh Tuấn", role(Role::Specialist, &committee), "specialist (civil status)"),
        ("lanhdao.xa", "Vũ Thị Lan", role(Role::Approver, &committee), "approver"),
        ("congan.xa", "Hoàng Văn Nam", role(Role::Specialist, &commune_police), "specialist (residence)"),
        ("bhxh.hanoi", "Ngô Thị Hoa", role(Role::Specialist, &insurance), "specialist (health insurance)"),
        // The fees of the police's procedures (temporary residence) are paid to the commune police.
        ("ketoan.xa", "Bùi Thị Thu", role(Role::FinanceOfficer, &commune_police), "finance officer (fees)"),
    ];
    for (username, name, held, _) in &workers {
        ensure(db, username, name, official, vec![held.clone()], "congso-demo-clerk").await?;
    }
    // One official works every step of the province's business and land dossiers, and keeps its registry; one
    // works every step of the second commune's police (a temporary residence there) and takes its fees.
    let offices = [
        ("dkkd.hanoi", "Trịnh Quốc Bảo", &business, Role::BusinessRegistrar, "registry of business registration"),
        ("vpdk.hanoi", "Lý Thị Ngọc", &land_office, Role::LandOfficer, "registry of land registration"),
        ("congan.tamtru", "Đinh Công Khoa", &host_police, Role::FinanceOfficer, "fees of residence"),
    ];
    for (username, name, agency, keeper, _) in &offices {
        let roles = [Role::OneStopReceiver, Role::Specialist, Role::Approver, *keeper].map(|r| role(r, agency));
        ensure(db, username, name, official, roles.to_vec(), "congso-demo-clerk").await?;
    }
    // The commune's health station and a pharmacy, a doctor at one and a pharmacist at the other.
    let [station, pharmacy] = health::facilities(db, commune_code).await?;
    let health_workers = [
        ("bacsi.xa", "Phan Văn Đức", &station, "doctor (prescriptions)"),
        ("duocsi.xa", "Mai Thị Hạnh", &pharmacy, "pharmacist (dispensing)"),
    ];
    for (username, name, agency, _) in &health_workers {
        ensure(db, username, name, official, vec![role(Role::HealthWorker, agency)], "congso-demo-clerk").await?;
    }
    // The commune's lower secondary school: a teacher, and its principal, who teaches too.
    let (school, school_agency) = education::school(db, commune_code).await?;
    let teachers = [
        ("giaovien.xa", "Trần Thị Thu Trang", vec![role(Role::Teacher, &school_agency)], "teacher"),
        (
            "hieutruong.xa",
            "Nguyễn Văn Bình",
            vec![role(Role::Teacher, &school_agency), role(Role::Approver, &school_agency)],
            "principal (teacher and approver)",
        ),
    ];
    for (username, name, roles, _) in &teachers {
        ensure(db, username, name, official, roles.clone(), "congso-demo-clerk").await?;
    }
    let parent = match seed_parent(db, &commune).await? {
        Some((pupil, birth_year, parent)) => {
            education::pupil(db, keyring, &school, pupil, birth_year).await?;
            parent
        }
        None => "parent (no school-age resident with a parent to bind to)".into(),
    };
    let citizen = seed_citizen(db, &commune).await?;
    let resident = registry::service::first_resident(db, &commune).await?.map(|p| p.personal_id);
    registries::seed(db, commune_code, resident, DEMO_SEED).await?;
    if let Some(resident) = resident {
        health::prescription(db, keyring, resident).await?;
    }
    let mut accounts = vec![
        DemoAccount { username: "admin", password: "congso-demo-admin", what: "administrator, whole nation".into() },
        DemoAccount { username: "congdan", password: "congso-demo-citizen", what: citizen },
        DemoAccount { username: "phuhuynh", password: "congso-demo-citizen", what: parent },
        DemoAccount {
            username: "canbo.trunguong",
            password: "congso-demo-clerk",
            what: "registry clerk, whole nation (BCA)".into(),
        },
        DemoAccount {
            username: "canbo.hanoi",
            password: "congso-demo-clerk",
            what: "registry clerk and administrator, Hà Nội (01, CA.01)".into(),
        },
        DemoAccount {
            username: "canbo.xa",
            password: "congso-demo-clerk",
            what: format!(
                "registry clerk and one-stop receiver, {} ({commune}, {})",
                commune_code.unit().name,
                committee.code
            ),
        },
    ];
    for (username, _, held, what) in workers {
        let agency = held.agency.map(|a| a.to_string()).unwrap_or_default();
        accounts.push(DemoAccount { username, password: "congso-demo-clerk", what: format!("{what}, {agency}") });
    }
    for (username, _, agency, what) in health_workers {
        accounts.push(DemoAccount {
            username,
            password: "congso-demo-clerk",
            what: format!("{what}, {}", agency.code),
        });
    }
    for (username, _, _, what) in teachers {
        accounts.push(DemoAccount {
            username,
            password: "congso-demo-clerk",
            what: format!("{what}, {}", school_agency.code),
        });
    }
    for (username, _, agency, _, what) in offices {
        let what = format!("receiver, specialist, approver and {what}, {}", agency.code);
        accounts.push(DemoAccount { username, password: "congso-demo-clerk", what });
    }
    for account in accounts.iter_mut().filter(|a| !["congdan", "phuhuynh"].contains(&a.username)) {
        account.what = format!("{}; TOTP {}", account.what, enrol_demo_totp(db, keyring, account.username).await?);
    }
    Ok(accounts)
}

/// Switches on the second factor of a demo official with its fixed, demo-only secret (derived from the username,
/// see [`identity::mfa::demo_secret`]) unless it has one; returns the secret in base32 for an authenticator app.
async fn enrol_demo_totp(db: &Db, keyring: &Keyring, username: &str) -> anyhow::Result<String> {
    let account = service::list_accounts(db)
        .await?
        .into_iter()
        .find(|a| a.username == username)
        .ok_or_else(|| anyhow::anyhow!("demo account {username} is missing"))?;
    let secret = identity::mfa::demo_secret(username);
    if !identity::mfa::is_enabled(db, account.id).await? {
        identity::mfa::enrol_with_secret(db, keyring, account.id, &secret).await?;
    }
    Ok(identity::mfa::base32_encode(&secret))
}

/// A citizen's account bound to a resident of the clerk's commune, with one look at their record by that clerk
/// in the ledger, so "who used my data" has something to show. Returns what to print.
async fn seed_citizen(db: &Db, commune: &str) -> anyhow::Result<String> {
    let Some(person) = registry::service::first_resident(db, commune).await? else {
        return Ok("citizen (no resident to bind to)".into());
    };
    // Registered as a citizen does it, with an e-mail address so that a password reset can be tried: its mail lands
    // in the data folder's outbox.
    let new = identity::registration::NewCitizen {
        username: "congdan".parse()?,
        display_name: person.full_name.clone(),
        password: "congso-demo-citizen".parse()?,
        personal_id: person.personal_id,
        phone: None,
        email: Some("congdan@congso.invalid".into()),
    };
    match service::register_citizen(db, new).await {
        Ok(_) => {
            let clerk = Actor {
                username: "canbo.xa".into(),
                display_name: Some("Phạm Thu Hà".into()),
                role: Some(Role::RegistryClerk.as_str().into()),
                agency: Some(format!("UBND.{commune}")),
            };
            let read = registry::audit::read(person.personal_id.as_str(), &clerk, &Purpose::Dossier, "record");
            let mut tx = db.begin_write().await?;
            trust::ledger::store::append(&mut tx, db.backend(), &mut [read]).await?;
            tx.commit().await?;
            // Checked in person at the commune, as the portal's procedures require (level 2).
            let by = identity::Principal {
                account_id: 0,
                username: clerk.username.clone(),
                display_name: "Phạm Thu Hà".into(),
                kind: AccountKind::Official,
                roles: vec![RoleAssignment {
                    role: Role::RegistryClerk,
                    agency: Some(format!("UBND.{commune}").parse()?),
                    territory: Territory::Unit(commune.parse()?),
                }],
                method: identity::model::AuthMethod::Session,
                personal_id: None,
                assurance_level: identity::assurance::AssuranceLevel::One,
                mfa_enabled: true,
            };
            identity::assurance::set_level(db, &by, "congdan", identity::assurance::AssuranceLevel::Two).await?;
        }
        Err(service::IdentityError::UsernameTaken) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(format!("citizen {} ({})", person.full_name, person.personal_id))
}

/// A parent's account (`phuhuynh`) bound to the living parent of a resident of the commune old enough to be in
/// grades 7 to 9 this school year: the pupil, their birth year, and what to print.
async fn seed_parent(db: &Db, commune: &str) -> anyhow::Result<Option<(kernel::PersonalId, i32, String)>> {
    let year = i32::from(::education::model::SchoolYear::at(time::OffsetDateTime::now_utc()).start());
    let Some((pupil, parent)) = registry::service::child_with_parent(db, commune, year - 14, year - 12).await? else {
        return Ok(None);
    };
    let person = registry::service::citizen(db, &parent).await?;
    let new = identity::registration::NewCitizen {
        username: "phuhuynh".parse()?,
        display_name: person.full_name.clone(),
        password: "congso-demo-citizen".parse()?,
        personal_id: parent,
        phone: None,
        email: None,
    };
    match service::register_citizen(db, new).await {
        Ok(_) | Err(service::IdentityError::UsernameTaken) => {}
        Err(e) => return Err(e.into()),
    }
    let child = registry::service::citizen(db, &pupil).await?;
    let birth_year = child.birth_date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(year - 13);
    Ok(Some((pupil, birth_year, format!("parent {} of pupil {}", person.full_name, child.full_name))))
}

/// The sandbox bank beside the demo, ten ports up, calling the demo back; its address.
async fn start_sandbox_bank(settings: &Settings) -> anyhow::Result<String> {
    let port = settings.listen.port().checked_add(10).ok_or_else(|| anyhow::anyhow!("no port for the sandbox bank"))?;
    let listen = std::net::SocketAddr::new(settings.listen.ip(), port);
    let config = payments::sandbox::SandboxConfig {
        callback_url: format!("http://127.0.0.1:{}/api/v1/payments/callbacks/sandbox", settings.listen.port()),
        secret: std::env::var("CONGSO_PAYMENTS_SANDBOX_SECRET")
            .unwrap_or_else(|_| payments::config::DEMO_SECRET.to_owned()),
        first_retry: std::time::Duration::from_secs(1),
        max_retry: std::time::Duration::from_secs(60),
    };
    let sandbox = payments::sandbox::Sandbox::open(&settings.data_dir.join("sandbox-bank.db"), config).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("the sandbox bank cannot listen on {listen}: {e}"))?;
    tokio::spawn(async move {
        if let Err(e) = payments::sandbox::serve(listener, sandbox, std::future::pending()).await {
            tracing::error!(error = %e, "the sandbox bank stopped");
        }
    });
    Ok(format!("http://localhost:{port}"))
}

/// The demo citizen's (`congdan`) digital ID, issued at demo start and written into `dir` as `ID.txt`, `ID.png`
/// and `ID.svg`, so the demo can be verified offline at once. Returns the PNG's path, or `None` without the
/// account.
async fn demo_digital_id(db: &Db, keyring: &Keyring, dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    let accounts = identity::service::list_accounts(db).await?;
    let Some(pid) = accounts.iter().find(|a| a.username == "congdan").and_then(|a| a.personal_id) else {
        return Ok(None);
    };
    let actor = Actor::system("demo");
    let issued = registry::credential::digital_id(db, keyring, credentials::ISSUER, &pid, &actor).await?;
    registry::credential::cli::write_files(dir, &issued)?;
    Ok(Some(dir.join(format!("{}.png", issued.personal_id))))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_is_reached_on_localhost_at_its_port_unless_told_otherwise() {
        let mut settings = crate::config::serve_defaults();
        settings.listen = "0.0.0.0:8123".parse().unwrap();
        assert_eq!(super::public_url(&settings).unwrap().as_str(), "http://localhost:8123");
        settings.public_url = Some("https://demo.example.vn".parse().unwrap());
        assert_eq!(super::public_url(&settings).unwrap().as_str(), "https://demo.example.vn");
        assert!(settings.required_public_url().is_ok());
        settings.public_url = None;
        let err = settings.required_public_url().unwrap_err().to_string();
        assert!(err.contains("public_url") && err.contains("CONGSO_PUBLIC_URL"), "{err}");
    }
}
