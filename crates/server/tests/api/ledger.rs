//! The audit ledger over HTTP: reads need a purpose and are recorded; the citizen sees them and can prove them;
//! tree heads and proofs are public; tampering with a registry row or a ledger row is found by `ledger verify`.

use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::Value;
use trust::keys::VerifyingKey;
use trust::ledger::{EventKind, Receipt, TreeHead};
use trust::merkle;

use crate::helpers::{PASSWORD, TestApp, error_code};

struct World {
    app: TestApp,
    clerk: String,
    commune_clerk: String,
    citizen: String,
    other_citizen: String,
    /// The first citizen's personal ID, in the commune clerk's commune.
    local: String,
    outsider: String,
}

async fn account(app: &TestApp, username: &str, kind: AccountKind, roles: Vec<RoleAssignment>) -> (i64, String) {
    let new = NewAccount {
        username: username.parse().unwrap(),
        display_name: format!("Cán bộ {username}"),
        kind,
        password: PASSWORD.parse().unwrap(),
        roles,
    };
    let id = service::create_account(&app.db.db, new).await.unwrap();
    (id, service::create_token(&app.db.db, username, 1).await.unwrap().1)
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 200, 5, false).await.unwrap();
    let commune = registry::service::busiest_commune(&app.db.db, "01").await.unwrap().unwrap();
    let local = registry::service::first_resident(&app.db.db, &commune).await.unwrap().unwrap().personal_id;
    let outsider: String = store::sqlx::query_scalar(
        "SELECT personal_id FROM citizens WHERE commune_code <> $1 AND province_code <> '01' ORDER BY personal_id LIMIT 1",
    )
    .bind(&commune)
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    let role = |role, territory| vec![RoleAssignment { role, agency: Some("BCA".parse().unwrap()), territory }];
    let (_, clerk) = account(&app, "clerk", AccountKind::Official, role(Role::RegistryClerk, Territory::Nation)).await;
    let commune_territory = Territory::Unit(commune.parse().unwrap());
    let (_, commune_clerk) =
        account(&app, "canbo.xa", AccountKind::Official, role(Role::RegistryClerk, commune_territory)).await;
    let (id, citizen) = account(&app, "congdan", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&app.db.db, id, &local).await.unwrap();
    let (other_id, other_citizen) = account(&app, "congdan2", AccountKind::Citizen, vec![]).await;
    service::bind_personal_id(&app.db.db, other_id, &outsider.parse().unwrap()).await.unwrap();
    World { app, clerk, commune_clerk, citizen, other_citizen, local: local.to_string(), outsider }
}

impl World {
    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        TestApp::client().get(self.app.url(path)).bearer_auth(token).send().await.unwrap()
    }

    async fn jwks(&self) -> Vec<VerifyingKey> {
        let jwks: Value = self.app.get("/.well-known/jwks.json").await.json().await.unwrap();
        jwks["keys"].as_array().unwrap().iter().map(|k| VerifyingKey::from_jwk(k).unwrap()).collect()
    }
}

#[tokio::test]
async fn an_official_states_a_purpose_and_the_citizen_sees_the_read_with_a_receipt_that_verifies() {
    let w = world().await;
    let path = format!("/api/v1/citizens/{}", w.local);
    let missing = w.get(&w.clerk, &path).await;
    let body = error_code(missing, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["fields"]["purpose"].as_str().unwrap().contains("mục đích"), "{body}");
    let wordless = w.get(&w.clerk, &format!("{path}?purpose=other&purpose_other=%20")).await;
    error_code(wordless, StatusCode::UNPROCESSABLE_ENTITY).await;
    let before: Vec<Value> = w.get(&w.citizen, "/api/v1/me/data-usage").await.json().await.unwrap();
    let read =
        w.get(&w.clerk, &format!("{path}?purpose=other&purpose_other=ki%E1%BB%83m%20tra%20h%E1%BB%93%20s%C6%A1")).await;
    assert_eq!(read.status(), 200);

    let uses: Vec<Value> = w.get(&w.citizen, "/api/v1/me/data-usage").await.json().await.unwrap();
    assert_eq!(uses.len(), before.len() + 1, "exactly the one read was added: {uses:?}");
    let latest = &uses[0];
    assert_eq!(latest["kind"], "personal_data_read");
    assert_eq!(latest["role"], "registry_clerk");
    assert_eq!(latest["agency"], "BCA");
    assert_eq!(latest["by"], "Cán bộ clerk");
    assert_eq!(latest["purpose"], "other: kiểm tra hồ sơ");

    let seq = latest["seq"].as_u64().unwrap();
    let receipt: Receipt =
        w.get(&w.citizen, &format!("/api/v1/me/data-usage/{seq}/receipt")).await.json().await.unwrap();
    let keys = w.jwks().await;
    let event = receipt.verify(|kid| keys.iter().find(|k| k.kid() == kid).cloned()).unwrap();
    assert_eq!(event.kind, EventKind::PersonalDataRead);
    assert_eq!(event.subject.as_deref(), Some(w.local.as_str()));
    let mut forged = receipt.clone();
    forged.entry = forged.entry.replace("kiểm tra", "xem cho biết");
    assert!(forged.verify(|kid| keys.iter().find(|k| k.kid() == kid).cloned()).is_err());

    // Nobody else gets this receipt, nor a list of uses they are not the subject of.
    let theirs = w.get(&w.other_citizen, &format!("/api/v1/me/data-usage/{seq}/receipt")).await;
    error_code(theirs, StatusCode::NOT_FOUND).await;
    error_code(w.get(&w.clerk, "/api/v1/me/data-usage").await, StatusCode::FORBIDDEN).await;
    error_code(w.app.get("/api/v1/me/data-usage").await, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_refused_look_outside_the_territory_is_shown_to_the_citizen() {
    let w = world().await;
    let refused = w.get(&w.commune_clerk, &format!("/api/v1/citizens/{}?purpose=dossier", w.outsider)).await;
    error_code(refused, StatusCode::NOT_FOUND).await;
    let uses: Vec<Value> = w.get(&w.other_citizen, "/api/v1/me/data-usage").await.json().await.unwrap();
    assert_eq!(uses[0]["kind"], "access_refused", "{uses:?}");
    assert_eq!(uses[0]["by"], "Cán bộ canbo.xa");
}

#[tokio::test]
async fn tree_heads_and_proofs_are_public_and_verify_with_the_published_keys() {
    let w = world().await;
    let first: TreeHead = w.app.get("/api/v1/ledger/sth").await.json().await.unwrap();
    let keys = w.jwks().await;
    let key = keys.iter().find(|k| k.kid() == first.kid).unwrap();
    first.verify(key).unwrap();
    // The generated population is in the ledger: its import's batch entries record every one of them.
    let batches: Vec<String> =
        store::sqlx::query_scalar("SELECT body FROM ledger_entries WHERE record_kind = 'import_batch'")
            .fetch_all(w.app.db.db.pool())
            .await
            .unwrap();
    let recorded: u64 = batches
        .iter()
        .map(|b| serde_json::from_str::<Value>(b).unwrap()["detail"]["citizens"]["records"].as_u64().unwrap())
        .sum();
    assert_eq!(recorded, 200, "{batches:?}");
    assert!(first.tree_size > batches.len() as u64);

    w.get(&w.clerk, &format!("/api/v1/citizens/{}?purpose=dossier", w.local)).await;
    let signed = TestApp::client().post(w.app.url("/api/v1/ledger/sth")).bearer_auth(&w.clerk).send().await.unwrap();
    error_code(signed, StatusCode::FORBIDDEN).await;
    let second = trust::ledger::head::sign(&w.app.db.db, &keyring(&w).await).await.unwrap();
    assert_eq!(second.tree_size, first.tree_size + 2, "the read and the refused signing");

    let proof: Value = w
        .app
        .get(&format!("/api/v1/ledger/proof/consistency?first={}&second={}", first.tree_size, second.tree_size))
        .await
        .json()
        .await
        .unwrap();
    let hashes = |v: &Value| -> Vec<merkle::Hash> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|h| {
                use base64::Engine;
                let bytes = base64::engine::general_purpose::STANDARD.decode(h.as_str().unwrap()).unwrap();
                merkle::hash_from_slice(&bytes).unwrap()
            })
            .collect()
    };
    merkle::verify_consistency(
        first.tree_size,
        second.tree_size,
        &first.root().unwrap(),
        &second.root().unwrap(),
        &hashes(&proof["consistency"]),
    )
    .unwrap();
    let inclusion: Value = w
        .app
        .get(&format!("/api/v1/ledger/proof/inclusion?index=0&tree_size={}", second.tree_size))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hashes(&inclusion["audit_path"]).len(), merkle::inclusion_plan(0, second.tree_size).unwrap().len());

    for bad in [
        format!("/api/v1/ledger/proof/inclusion?index={}&tree_size={}", second.tree_size, second.tree_size),
        format!("/api/v1/ledger/proof/inclusion?index=0&tree_size={}", second.tree_size + 5),
        "/api/v1/ledger/proof/inclusion?index=-1&tree_size=3".into(),
        "/api/v1/ledger/proof/inclusion?index=abc&tree_size=3".into(),
        "/api/v1/ledger/proof/inclusion".into(),
        "/api/v1/ledger/proof/consistency?first=5&second=2".into(),
        format!("/api/v1/ledger/proof/consistency?first=1&second={}", second.tree_size + 1),
    ] {
        error_code(w.app.get(&bad).await, StatusCode::BAD_REQUEST).await;
    }
}

async fn keyring(w: &World) -> trust::keyring::Keyring {
    let master = trust::keyring::MasterKey::from_base64(crate::helpers::MASTER_KEY).unwrap();
    trust::keyring::Keyring::open(&w.app.db.db, master).await.unwrap()
}

fn ledger_verify(w: &World) -> (bool, String) {
    crate::helpers::ledger_verify(&w.app, None)
}

#[tokio::test]
async fn ledger_verify_names_an_edited_registry_row_and_an_edited_ledger_row() {
    let w = world().await;
    trust::ledger::head::sign(&w.app.db.db, &keyring(&w).await).await.unwrap();
    let (ok, out) = ledger_verify(&w);
    assert!(ok, "{out}");
    assert!(out.contains("registry: ") && out.contains(" records (every citizen's versions"), "{out}");

    let pool = w.app.db.db.pool();
    store::sqlx::query("UPDATE citizens SET full_name = 'Người Khác' WHERE personal_id = $1")
        .bind(&w.local)
        .execute(pool)
        .await
        .unwrap();
    let (ok, out) = ledger_verify(&w);
    assert!(
        !ok && out.contains(&format!("citizen {}: the current record is not the version of ledger entry", w.local)),
        "{out}"
    );

    let import: i64 =
        store::sqlx::query_scalar("SELECT MIN(seq) FROM ledger_entries WHERE record_kind = 'import_batch'")
            .fetch_one(pool)
            .await
            .unwrap();
    store::sqlx::query("UPDATE ledger_entries SET body = replace(body, 'import', 'imp0rt') WHERE seq = $1")
        .bind(import)
        .execute(pool)
        .await
        .unwrap();
    let (ok, out) = ledger_verify(&w);
    assert!(!ok && out.contains(&format!("entry {import}: its hash does not match its body")), "{out}");
}

#[tokio::test]
async fn officials_sign_ins_and_failed_attempts_are_in_the_ledger_but_never_a_password() {
    let w = world().await;
    let mut browser = w.app.browser();
    assert_eq!(browser.sign_in("canbo.xa", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    browser.sign_in("canbo.xa", "wrong password").await;
    browser.sign_in("Mật khẩu bí mật!", "gõ nhầm ô").await;
    let kinds: Vec<(String, String)> = store::sqlx::query_as(
        "SELECT kind, body FROM ledger_entries WHERE kind IN ('signed_in', 'sign_in_failed') ORDER BY seq",
    )
    .fetch_all(w.app.db.db.pool())
    .await
    .unwrap();
    let kinds: Vec<&str> = kinds.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>();
    assert_eq!(kinds, ["signed_in", "sign_in_failed", "sign_in_failed"]);
    let bodies: Vec<String> =
        store::sqlx::query_scalar("SELECT body FROM ledger_entries").fetch_all(w.app.db.db.pool()).await.unwrap();
    assert!(bodies.iter().all(|b| !b.contains("Mật khẩu") && !b.contains("wrong password")));
}

#[tokio::test]
async fn the_pages_ask_the_official_why_and_show_the_citizen_who() {
    let w = world().await;
    let mut clerk = w.app.browser();
    clerk.sign_in("clerk", PASSWORD).await;
    clerk.enrol_totp().await;
    let ask = clerk.get(&format!("/registry/citizens/{}", w.local)).await;
    assert_eq!(ask.status(), StatusCode::OK);
    let ask = ask.text().await.unwrap();
    assert!(ask.contains("Mục đích sử dụng dữ liệu") && ask.contains("name=\"purpose\""), "{ask}");
    let name = registry::service::citizen(&w.app.db.db, &w.local.parse().unwrap()).await.unwrap().full_name;
    assert!(!ask.contains(&name), "the record stays closed until a purpose is given");
    let open =
        clerk.get(&format!("/registry/citizens/{}?purpose=citizen_request", w.local)).await.text().await.unwrap();
    assert!(open.contains(&name));

    let mut citizen = w.app.browser();
    citizen.sign_in("congdan", PASSWORD).await;
    let page = citizen.get("/me/data-usage").await.text().await.unwrap();
    assert!(page.contains("Ai đã dùng dữ liệu của tôi") && page.contains("Theo yêu cầu của chính công dân"), "{page}");
    assert!(page.contains("Cán bộ clerk") && page.contains("Cán bộ đăng ký cư trú"), "{page}");
    assert_eq!(clerk.get("/me/data-usage").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_forbidden_request_by_a_known_caller_is_in_the_ledger() {
    let w = world().await;
    let refused = w.get(&w.citizen, "/api/v1/citizens?q=nguyen").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let bodies: Vec<String> =
        store::sqlx::query_scalar("SELECT body FROM ledger_entries WHERE kind = 'access_refused'")
            .fetch_all(w.app.db.db.pool())
            .await
            .unwrap();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(bodies[0].contains("congdan") && bodies[0].contains("GET /api/v1/citizens"), "{bodies:?}");
}
