use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, error_code};

/// A server with a small synthetic population and registry clerks of the nation, Hà Nội and one commune.
struct Registry {
    app: TestApp,
    nation: String,
    hanoi: String,
    commune_clerk: String,
    commune: String,
    admin: String,
}

async fn clerk(app: &TestApp, username: &str, role: Role, territory: Territory) -> String {
    let new = NewAccount {
        username: username.parse().unwrap(),
        display_name: username.into(),
        kind: AccountKind::Official,
        password: PASSWORD.parse().unwrap(),
        roles: vec![RoleAssignment { role, agency: None, territory }],
    };
    service::create_account(&app.db.db, new).await.unwrap();
    service::create_token(&app.db.db, username, 1).await.unwrap().1
}

async fn registry() -> Registry {
    let app = TestApp::spawn().await;
    registry::cli::generate_into(&app.db.db, 400, 11, false).await.unwrap();
    let commune = registry::service::busiest_commune(&app.db.db, "01").await.unwrap().expect("someone lives in Hà Nội");
    Registry {
        nation: clerk(&app, "nation", Role::RegistryClerk, Territory::Nation).await,
        hanoi: clerk(&app, "hanoi", Role::RegistryClerk, Territory::Unit("01".parse().unwrap())).await,
        commune_clerk: clerk(&app, "commune", Role::RegistryClerk, Territory::Unit(commune.parse().unwrap())).await,
        admin: clerk(&app, "admin", Role::Administrator, Territory::Nation).await,
        commune,
        app,
    }
}

impl Registry {
    /// A GET; reads of one person's or household's record state a purpose, as every official's read must.
    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        let one_record = path.starts_with("/api/v1/citizens/") || path.starts_with("/api/v1/households/");
        let path = if one_record && !path.contains('?') { format!("{path}?purpose=verification") } else { path.into() };
        TestApp::client().get(self.app.url(&path)).bearer_auth(token).send().await.unwrap()
    }

    async fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        TestApp::client().post(self.app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
    }

    async fn search(&self, token: &str, query: &str) -> Vec<Value> {
        let r = self.get(token, &format!("/api/v1/citizens?{query}")).await;
        assert_eq!(r.status(), 200, "{query}");
        let page: Value = r.json().await.unwrap();
        page["results"].as_array().unwrap().clone()
    }

    /// Someone living outside Hà Nội, and someone in the clerk's commune.
    async fn outsider_and_local(&self) -> (String, String) {
        let all = self.search(&self.nation, "q=n").await;
        let outsider = all.iter().find(|c| c["province"] != "01").unwrap()["personal_id"].as_str().unwrap().to_owned();
        let local = self.search(&self.nation, &format!("commune={}", self.commune)).await;
        (outsider, local[0]["personal_id"].as_str().unwrap().to_owned())
    }
}

fn new_citizen() -> Value {
    json!({
        "personal_id": "001203012345",
        "full_name": "Nguyễn Văn Thử",
        "birth_date": "2003-05-01",
        "sex": "male",
        "birth_registration_province": "001"
    })
}

#[tokio::test]
async fn officials_read_only_within_their_territory() {
    let reg = registry().await;
    let (outsider, local) = reg.outsider_and_local().await;
    let path = |id: &str| format!("/api/v1/citizens/{id}");

    assert_eq!(reg.get(&reg.nation, &path(&outsider)).await.status(), 200);
    assert_eq!(reg.get(&reg.hanoi, &path(&local)).await.status(), 200);
    assert_eq!(reg.get(&reg.commune_clerk, &path(&local)).await.status(), 200);
    // Outside the territory the record does not exist for the caller.
    error_code(reg.get(&reg.hanoi, &path(&outsider)).await, StatusCode::NOT_FOUND).await;
    error_code(reg.get(&reg.commune_clerk, &path(&outsider)).await, StatusCode::NOT_FOUND).await;
    error_code(reg.get(&reg.commune_clerk, &format!("{}/history", path(&outsider))).await, StatusCode::NOT_FOUND).await;
    // An administrator manages accounts, not people.
    error_code(reg.get(&reg.admin, &path(&local)).await, StatusCode::FORBIDDEN).await;
    error_code(reg.app.get(&path(&local)).await, StatusCode::UNAUTHORIZED).await;

    // Searches see only the territory.
    for c in reg.search(&reg.commune_clerk, "q=n").await {
        assert_eq!(c["commune"], reg.commune.as_str());
    }
    for c in reg.search(&reg.hanoi, "q=n").await {
        assert_eq!(c["province"], "01");
    }
}

#[tokio::test]
async fn a_malformed_id_is_422_in_the_callers_language() {
    let reg = registry().await;
    let err = error_code(reg.get(&reg.nation, "/api/v1/citizens/12345").await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err["fields"]["personal_id"], "Số định danh cá nhân phải gồm đúng 12 chữ số.");
    let r = TestApp::client()
        .get(reg.app.url("/api/v1/citizens/003203012345"))
        .bearer_auth(&reg.nation)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let err = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(err["fields"]["personal_id"].as_str().unwrap().contains("birth-registration province"), "{err}");
    error_code(reg.get(&reg.nation, "/api/v1/citizens/001203999999").await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn register_a_citizen_and_refuse_bad_input() {
    let reg = registry().await;
    let r = reg.post(&reg.nation, "/api/v1/citizens", &new_citizen()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["version"], 1);
    assert_eq!(created["birth_registration_province"], "001");

    error_code(reg.post(&reg.nation, "/api/v1/citizens", &new_citizen()).await, StatusCode::CONFLICT).await;

    let mut wrong = new_citizen();
    wrong["personal_id"] = json!("001303012345");
    let err =
        error_code(reg.post(&reg.nation, "/api/v1/citizens", &wrong).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(err["fields"]["personal_id"].as_str().unwrap().contains("giới tính"), "{err}");

    let mut bad = new_citizen();
    bad["birth_date"] = json!("01/05/2003");
    bad["sex"] = json!("x");
    let err = error_code(reg.post(&reg.nation, "/api/v1/citizens", &bad).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(err["fields"]["birth_date"].is_string() && err["fields"]["sex"].is_string(), "{err}");

    let client = TestApp::client();
    let url = reg.app.url("/api/v1/citizens");
    let r = client
        .post(&url)
        .bearer_auth(&reg.nation)
        .header("content-type", "application/json")
        .body("{\"personal_id\": ")
        .send()
        .await
        .unwrap();
    error_code(r, StatusCode::BAD_REQUEST).await;
    let r = client
        .post(&url)
        .bearer_auth(&reg.nation)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    error_code(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let huge = json!({ "full_name": "a".repeat(congso::app::BODY_LIMIT) });
    assert_eq!(reg.post(&reg.nation, "/api/v1/citizens", &huge).await.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let mut elsewhere = new_citizen();
    elsewhere["personal_id"] = json!("001203054321");
    elsewhere["household"] = json!("999990000001");
    elsewhere["relationship"] = json!("child");
    error_code(reg.post(&reg.nation, "/api/v1/citizens", &elsewhere).await, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Nothing half-written: the refused registrations left no rows.
    let found = reg.search(&reg.nation, "q=nguyen van thu").await;
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn a_commune_clerk_cannot_register_outside_the_commune() {
    let reg = registry().await;
    let (outsider, _) = reg.outsider_and_local().await;
    let outsider: Value = reg.get(&reg.nation, &format!("/api/v1/citizens/{outsider}")).await.json().await.unwrap();
    let mut c = new_citizen();
    c["household"] = outsider["household"].clone();
    c["relationship"] = json!("other");
    error_code(reg.post(&reg.commune_clerk, "/api/v1/citizens", &c).await, StatusCode::FORBIDDEN).await;
    assert_eq!(reg.post(&reg.nation, "/api/v1/citizens", &c).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn moving_household_keeps_the_previous_version() {
    let reg = registry().await;
    let (outsider, local) = reg.outsider_and_local().await;
    let local_record: Value = reg.get(&reg.nation, &format!("/api/v1/citizens/{local}")).await.json().await.unwrap();
    let target: Value = reg.get(&reg.nation, &format!("/api/v1/citizens/{outsider}")).await.json().await.unwrap();
    let body =
        json!({ "household": target["household"], "relationship": "other", "reason": "Hồ sơ 00070-261126-0001" });
    let moved: Value =
        reg.post(&reg.nation, &format!("/api/v1/citizens/{local}/household"), &body).await.json().await.unwrap();
    assert_eq!(moved["version"], 2);
    assert_eq!(moved["household"], target["household"]);
    let history: Vec<Value> =
        reg.get(&reg.nation, &format!("/api/v1/citizens/{local}/history")).await.json().await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["record"]["household"], local_record["household"]);
    assert_eq!(history[0]["changed_by"], "import");
    assert_eq!(history[1]["changed_by"], "nation");
    assert_eq!(history[1]["reason"], "Hồ sơ 00070-261126-0001");
    // Having moved away, the person is no longer visible to the old commune's clerk.
    assert_eq!(reg.get(&reg.commune_clerk, &format!("/api/v1/citizens/{local}")).await.status(), 404);
}

#[tokio::test]
async fn search_ignores_diacritics_and_case_and_matches_parts_in_order() {
    let reg = registry().await;
    let all = reg.search(&reg.nation, "q=nguyen").await;
    assert!(!all.is_empty());
    let sample = all[0]["full_name"].as_str().unwrap().to_owned();
    let words: Vec<&str> = sample.split(' ').collect();
    let query = format!("{} {} {}", words[0].to_uppercase(), words[1], words[2].chars().next().unwrap());
    let found = reg.search(&reg.nation, &serde_urlencoded::to_string([("q", &query)]).unwrap()).await;
    assert!(found.iter().any(|c| c["full_name"] == sample.as_str()), "{query} did not find {sample}");
    let folded = kernel::text::fold(&query);
    let same = reg.search(&reg.nation, &serde_urlencoded::to_string([("q", &folded)]).unwrap()).await;
    assert_eq!(found, same);
    // Skipping the middle name still matches; the wrong order does not.
    let skip = format!("{} {}", words[0], words[2]);
    assert!(
        reg.search(&reg.nation, &serde_urlencoded::to_string([("q", &skip)]).unwrap())
            .await
            .iter()
            .any(|c| c["full_name"] == sample.as_str())
    );
    let reversed = format!("{} {}", words[2], words[0]);
    assert!(
        !reg.search(&reg.nation, &serde_urlencoded::to_string([("q", &reversed)]).unwrap())
            .await
            .iter()
            .any(|c| c["full_name"] == sample.as_str())
    );
    // Names that go on exactly as typed come before those with parts in between.
    let two = format!("{} {}", words[0], words[1]);
    let found = reg.search(&reg.nation, &serde_urlencoded::to_string([("q", &two)]).unwrap()).await;
    let as_typed: Vec<bool> = found
        .iter()
        .map(|c| {
            format!(" {}", kernel::text::fold(c["full_name"].as_str().unwrap()))
                .contains(&format!(" {}", kernel::text::fold(&two)))
        })
        .collect();
    assert!(as_typed.first() == Some(&true) && as_typed.windows(2).all(|w| w[0] || !w[1]), "{as_typed:?}");
    // "Đức" and "duc" find the same people.
    assert_eq!(reg.search(&reg.nation, "q=%C4%90%E1%BB%A9c").await, reg.search(&reg.nation, "q=duc").await);
    // Filters.
    let year = all[0]["birth_date"].as_str().unwrap()[..4].to_owned();
    for c in reg.search(&reg.nation, &format!("q=nguyen&birth_year={year}&sex=male")).await {
        assert!(c["birth_date"].as_str().unwrap().starts_with(&year));
        assert_eq!(c["sex"], "male");
    }
    let err =
        error_code(reg.get(&reg.nation, "/api/v1/citizens?q=&province=1x").await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert!(err["fields"]["province"].is_string() && err["fields"]["q"].is_string(), "{err}");
}

#[tokio::test]
async fn search_pages_through_every_match_once() {
    let reg = registry().await;
    // One word, and two words whose matches come both as typed and with parts in between, across pages.
    for (q, like) in [("n", "% n%"), ("nguyen t", "% nguyen% t%"), ("t", "% t%")] {
        let mut seen = std::collections::HashSet::new();
        for page in 1..200 {
            let query = serde_urlencoded::to_string([("q", q), ("page", &page.to_string())]).unwrap();
            let r: Value = reg.get(&reg.nation, &format!("/api/v1/citizens?{query}")).await.json().await.unwrap();
            for c in r["results"].as_array().unwrap() {
                assert!(seen.insert(c["personal_id"].as_str().unwrap().to_owned()), "{q}: seen twice");
            }
            if r["more"] == false {
                break;
            }
        }
        let direct =
            store::sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM citizens WHERE (' ' || name_folded) LIKE $1")
                .bind(like)
                .fetch_one(reg.app.db.db.pool())
                .await
                .unwrap();
        assert_eq!(seen.len() as i64, direct, "{q}");
    }
}

#[tokio::test]
async fn households_and_digital_addresses() {
    let reg = registry().await;
    let (_, local) = reg.outsider_and_local().await;
    let person: Value = reg.get(&reg.commune_clerk, &format!("/api/v1/citizens/{local}")).await.json().await.unwrap();
    let household: Value = reg
        .get(&reg.commune_clerk, &format!("/api/v1/households/{}", person["household"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    let members = household["members"].as_array().unwrap();
    assert_eq!(members[0]["relationship"], "head");
    assert!(members.iter().any(|m| m["personal_id"] == person["personal_id"]));
    let code = household["address"]["code"].as_str().unwrap();
    let address: Value = reg
        .get(&reg.commune_clerk, &format!("/api/v1/addresses/{}", code.replace('+', "%2B")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(address["commune"], reg.commune.as_str());
    // A typo in the digital address is caught by its check character.
    let mut typo: Vec<char> = code.chars().collect();
    let i = typo.len() - 3;
    typo[i] = if typo[i] == '2' { '3' } else { '2' };
    let typo: String = typo.into_iter().collect();
    let err = error_code(
        reg.get(&reg.commune_clerk, &format!("/api/v1/addresses/{}", typo.replace('+', "%2B"))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(err["fields"]["code"].is_string(), "{err}");
    error_code(reg.get(&reg.hanoi, "/api/v1/households/000000000000").await, StatusCode::NOT_FOUND).await;
}
