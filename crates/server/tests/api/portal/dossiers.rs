//! The portal end to end over HTTP: a citizen opens, fills and submits a dossier; officials of the agencies its
//! steps name receive, examine and approve it; the approval applies the outcome to the registry in the same
//! transaction and issues a signed result that `/api/v1/verify` accepts. Refusals, the clock, supplements, two
//! officials at once, and an outcome that fails without changing anything.

use identity::{AccountKind, Role, Territory};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Api, PDF, attach, birth_form, citizen, citizen_token, file_birth, official, verdict_on_result};
use crate::helpers::{PASSWORD, TestApp, form_token};

#[tokio::test]
async fn a_birth_is_registered_from_a_dossier_and_its_result_verifies() {
    let app = TestApp::spawn().await;
    let (pid, commune) = citizen(&app, 2).await;
    let here = crate::helpers::unit(&commune);
    let ubnd = format!("UBND.{commune}");
    let receiver = official(&app, "tiepnhan", Role::OneStopReceiver, &ubnd, here).await;
    let specialist = official(&app, "chuyenvien", Role::Specialist, &ubnd, here).await;
    let approver = official(&app, "lanhdao", Role::Approver, &ubnd, here).await;
    let elsewhere = official(&app, "xakhac", Role::OneStopReceiver, "UBND.00004", crate::helpers::unit("00004")).await;
    let token = citizen_token(&app).await;
    let api = Api { app: &app };
    let dan: i64 = store::sqlx::query_scalar("SELECT id FROM accounts WHERE username = 'dan'")
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    identity::service::set_contact(&app.db.db, dan, None, Some("dan@example.vn")).await.unwrap();

    // The same idempotency key opens one dossier; the form comes prefilled.
    let open = |key: &'static str| {
        TestApp::client()
            .post(app.url("/api/v1/dossiers"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&json!({ "procedure": "khai-sinh" }))
            .send()
    };
    let first: Value = open("k1").await.unwrap().json().await.unwrap();
    let again: Value = open("k1").await.unwrap().json().await.unwrap();
    assert_eq!(first["code"], again["code"]);
    assert_eq!(first["form"]["applicant_personal_id"], pid.as_str());
    assert!(first["code"].as_str().unwrap().starts_with(&format!("{ubnd}-")));
    let code = first["code"].as_str().unwrap().to_owned();

    // A bad form is refused field by field, and nothing changes.
    let bad = json!({ "form": { "child_full_name": "", "child_birth_date": "2099-01-01", "child_sex": "x" } });
    let (status, problem) = api.post(&token, &format!("/api/v1/dossiers/{code}/submit"), bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let fields = problem.to_string();
    for field in ["child_full_name", "child_birth_date", "child_sex", "applicant_full_name"] {
        assert!(fields.contains(field), "{field} in {fields}");
    }
    let mut values = first["form"].clone();
    for (k, v) in birth_form("Nguyễn Thị Mai").as_object().unwrap() {
        values[k] = v.clone();
    }
    let submit = json!({ "form": values });
    let (status, why) = api.post(&token, &format!("/api/v1/dossiers/{code}/submit"), submit.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "the birth certificate is required: {why}");
    // Papers that are too large, not what they say, or not asked for are refused with the reason.
    let big = [PDF, &vec![b' '; 6 * 1024 * 1024]].concat();
    assert_eq!(attach(&app, &token, &code, "birth_certificate", big).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = attach(&app, &token, &code, "birth_certificate", b"not a pdf at all".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(attach(&app, &token, &code, "passport", PDF.to_vec()).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(attach(&app, &token, &code, "birth_certificate", PDF.to_vec()).await.status(), StatusCode::NO_CONTENT);
    let (status, _) = api.post(&token, &format!("/api/v1/dossiers/{code}/submit"), submit).await;
    assert_eq!(status, StatusCode::OK);

    // Only the step's role, in the dossier's agency, sees or acts on it.
    assert_eq!(api.get(&elsewhere, &format!("/api/v1/dossiers/{code}")).await.0, StatusCode::NOT_FOUND);
    let (status, why) = api.act(&approver, &code, "approve", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "the approver's step has not come: {why}");
    let (_, tasks) = api.get(&receiver, "/api/v1/tasks").await;
    assert_eq!(tasks[0]["dossier"]["code"], code.as_str());
    assert_eq!(tasks[0]["bucket"], "new");
    assert_eq!(api.get(&elsewhere, "/api/v1/tasks").await.1, json!([]));
    // An official of another commune who tries to act on it is refused as if it did not exist, and the attempt is
    // in the ledger under the applicant, for "who used my data".
    let tried = json!({ "action": "accept", "version": 1 });
    let (status, _) = api.post(&elsewhere, &format!("/api/v1/dossiers/{code}/actions"), tried).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let refusals: i64 = store::sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'access_refused' AND subject = $1 AND record_key = $2",
    )
    .bind(&pid)
    .bind(&code)
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    assert_eq!(refusals, 1);

    let (status, accepted) = api.act(&receiver, &code, "accept", None).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date();
    assert_eq!(accepted["due_on"], kernel::calendar::add_working_days(today, 1).to_string());
    assert_eq!(api.act(&specialist, &code, "approve", None).await.0, StatusCode::CONFLICT, "not the step's action");
    assert_eq!(api.act(&specialist, &code, "forward", None).await.0, StatusCode::OK);
    let (status, done) = api.act(&approver, &code, "approve", None).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");

    // The applicant is written to at submission and at the result.
    let mut mails = String::new();
    for _ in 0..100 {
        mails = std::fs::read_dir(&app.outbox)
            .unwrap()
            .filter_map(|f| std::fs::read_to_string(f.unwrap().path()).ok())
            .collect::<Vec<_>>()
            .join("\n");
        if mails.matches("To: dan@example.vn").count() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(mails.matches("To: dan@example.vn").count(), 2, "submitted and approved: {mails}");

    // The child is in the registry, in the applicant's household, with a valid new personal ID number.
    let (child, household, mother_or_father): (String, Option<i64>, String) = store::sqlx::query_as(
        "SELECT personal_id, household_id, COALESCE(mother_pid, '') || COALESCE(father_pid, '') FROM citizens \
         WHERE full_name = 'Nguyễn Thị Mai'",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    let child: kernel::PersonalId = child.parse().unwrap();
    assert_eq!(child.birth_year(), 2026);
    assert_eq!(child.sex(), kernel::Sex::Female);
    assert!(mother_or_father.contains(&pid));
    let parents_household: Option<i64> =
        store::sqlx::query_scalar("SELECT household_id FROM citizens WHERE personal_id = $1")
            .bind(&pid)
            .fetch_one(app.db.db.pool())
            .await
            .unwrap();
    assert_eq!(household, parents_household);

    // The signed result verifies; its ledger entries and the registry's are all there.
    let verdict = verdict_on_result(&app, &code).await;
    assert_eq!(verdict["verdict"], "valid", "{verdict}");
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");

    // Anyone sees the status by code, nothing personal; the applicant rates it once.
    let status: Value = app.get(&format!("/api/v1/dossiers/{code}/status")).await.json().await.unwrap();
    assert_eq!(status["status"], "completed");
    assert!(!status.to_string().contains(&pid));
    // A comment with a control character is refused at its own field, nothing kept.
    let bad = json!({ "rating": 3, "comment": "Nhanh\u{1c}" });
    let (status, why) = api.post(&token, &format!("/api/v1/dossiers/{code}/rating"), bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(why["error"]["fields"]["comment"].is_string(), "{why}");
    let rate = json!({ "rating": 5, "comment": "Nhanh" });
    assert_eq!(api.post(&token, &format!("/api/v1/dossiers/{code}/rating"), rate.clone()).await.0, StatusCode::OK);
    assert_eq!(api.post(&token, &format!("/api/v1/dossiers/{code}/rating"), rate).await.0, StatusCode::CONFLICT);

    // The officials' reads are in the citizen's ledger with the purpose "dossier".
    let entries = trust::ledger::store::entries_about(app.db.db.pool(), &pid, u64::MAX, 100).await.unwrap();
    let reads = entries.iter().filter(|e| e.event.kind == trust::ledger::EventKind::PersonalDataRead).count();
    assert!(reads >= 3, "{reads} recorded reads");
    let (_, usage) = api.get(&token, "/api/v1/me/data-usage").await;
    assert!(usage.to_string().contains(&format!("\"dossier\":\"{code}\"")), "who used my data names the dossier");

    // The result is among the citizen's documents, and the notices in their inbox.
    let mut browser = app.browser();
    browser.sign_in("dan", PASSWORD).await;
    let documents = browser.get("/me/documents").await.text().await.unwrap();
    assert!(documents.contains("Kết quả giải quyết thủ tục hành chính"), "{documents}");
    let inbox = browser.get("/me/notifications").await.text().await.unwrap();
    assert!(inbox.contains(&format!("Hồ sơ {code} đã có kết quả")), "{inbox}");
}

#[tokio::test]
async fn two_officials_at_once_one_wins_and_a_failed_outcome_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, commune) = citizen(&app, 2).await;
    let here = crate::helpers::unit(&commune);
    let ubnd = format!("UBND.{commune}");
    let receiver = official(&app, "tiepnhan", Role::OneStopReceiver, &ubnd, here).await;
    let second = official(&app, "tiepnhan2", Role::OneStopReceiver, &ubnd, here).await;
    let specialist = official(&app, "chuyenvien", Role::Specialist, &ubnd, here).await;
    let approver = official(&app, "lanhdao", Role::Approver, &ubnd, here).await;
    let token = citizen_token(&app).await;
    let api = Api { app: &app };
    // The other parent is a well-formed number the registry does not hold.
    let mut form = birth_form("Trần Văn Bình");
    form["other_parent_id"] = json!("001099000001");
    let code = file_birth(&api, &token, "khai-sinh", form).await;

    let (_, view) = api.get(&receiver, &format!("/api/v1/dossiers/{code}")).await;
    let version = view["dossier"]["version"].as_i64().unwrap();
    let body = json!({ "action": "accept", "version": version });
    let path = format!("/api/v1/dossiers/{code}/actions");
    let (a, b) = tokio::join!(api.post(&receiver, &path, body.clone()), api.post(&second, &path, body));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{a:?} {b:?}");

    // Past its due date, the sweep tells the officials of the step that has it, once a day however often it runs.
    store::sqlx::query("UPDATE dossiers SET due_on = '2026-01-02' WHERE code = $1")
        .bind(&code)
        .execute(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(portal::deadlines::sweep(&app.db.db).await.unwrap(), 1);
    assert_eq!(portal::deadlines::sweep(&app.db.db).await.unwrap(), 1);
    let told = crate::helpers::notifications_to(&app, "chuyenvien", "%quá hạn%").await;
    assert_eq!(told, 1, "the specialist whose step it is was told once");
    let (_, tasks) = api.get(&specialist, "/api/v1/tasks").await;
    assert_eq!(tasks[0]["bucket"], "overdue");

    // Refusing or asking for more needs the reason.
    assert_eq!(api.act(&specialist, &code, "reject", None).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.act(&specialist, &code, "forward", None).await.0, StatusCode::OK);
    let (status, why) = api.act(&approver, &code, "approve", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{why}");
    let (_, view) = api.get(&approver, &format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(view["dossier"]["status"], "processing", "the dossier stays where it was");
    let children: i64 = store::sqlx::query_scalar("SELECT COUNT(*) FROM citizens WHERE full_name = 'Trần Văn Bình'")
        .fetch_one(app.db.db.pool())
        .await
        .unwrap();
    assert_eq!(children, 0, "nothing was written to the registry");
}

#[tokio::test]
async fn a_supplement_stops_the_clock_and_the_package_crosses_three_agencies() {
    let app = TestApp::spawn().await;
    let (_, commune) = citizen(&app, 2).await;
    let here = crate::helpers::unit(&commune);
    let province: kernel::AdminUnitCode = commune.parse::<kernel::AdminUnitCode>().unwrap().province();
    let ubnd = format!("UBND.{commune}");
    let receiver = official(&app, "tiepnhan", Role::OneStopReceiver, &ubnd, here).await;
    let civil = official(&app, "hotich", Role::Specialist, &ubnd, here).await;
    let police = official(&app, "congan", Role::Specialist, &format!("CA.{commune}"), here).await;
    let insurance =
        official(&app, "bhxh", Role::Specialist, &format!("BHXH.{province}"), Territory::Unit(province)).await;
    let approver = official(&app, "lanhdao", Role::Approver, &ubnd, here).await;
    let token = citizen_token(&app).await;
    let api = Api { app: &app };
    let code = file_birth(&api, &token, "khai-sinh-lien-thong", birth_form("Lê Minh Khang")).await;

    assert_eq!(api.act(&receiver, &code, "accept", None).await.0, StatusCode::OK);
    let (status, paused) = api.act(&civil, &code, "request_supplement", Some("Ghi rõ nơi sinh")).await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    assert_eq!(paused["status"], "awaiting_supplement");
    assert_eq!(paused["days_left_at_pause"], 5);
    let (_, view) = api.get(&token, &format!("/api/v1/dossiers/{code}")).await;
    let (status, resumed) = api
        .post(&token, &format!("/api/v1/dossiers/{code}/supplement"), json!({ "form": view["dossier"]["form"] }))
        .await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert_eq!(resumed["status"], "processing");
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date();
    assert_eq!(resumed["due_on"], kernel::calendar::add_working_days(today, 5).to_string());

    for (who, next_office) in
        [(&civil, format!("CA.{commune}")), (&police, format!("BHXH.{province}")), (&insurance, ubnd.clone())]
    {
        let (status, moved) = api.act(who, &code, "forward", None).await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        assert_eq!(moved["office"], next_office.as_str());
    }
    let (status, done) = api.act(&approver, &code, "approve", None).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let verdict = verdict_on_result(&app, &code).await;
    assert_eq!(verdict["verdict"], "valid", "{verdict}");
    assert!(verdict.to_string().contains("health_insurance_card"), "{verdict}");
}

#[tokio::test]
async fn the_form_comes_back_with_messages_at_its_fields_and_what_was_typed() {
    let app = TestApp::spawn().await;
    citizen(&app, 2).await;
    let mut browser = app.browser();
    assert_eq!(browser.sign_in("dan", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let catalogue = browser.get("/procedures?q=khai%20sinh").await.text().await.unwrap();
    assert!(catalogue.contains("Đăng ký khai sinh") && !catalogue.contains("Đăng ký tạm trú"), "{catalogue}");
    let page = browser.get("/procedures/khai-sinh").await.text().await.unwrap();
    let key = page.split("name=\"key\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let mut codes = Vec::new();
    for _ in 0..2 {
        let r =
            browser.post_form("/procedures/khai-sinh/dossiers", &[("csrf", &form_token(&page)), ("key", &key)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        codes.push(r.headers()["location"].to_str().unwrap().to_owned());
    }
    assert_eq!(codes[0], codes[1], "a double click opens one dossier");
    let form = browser.get(&codes[0]).await.text().await.unwrap();
    assert!(form.contains("name=\"applicant_full_name\""), "{form}");
    let csrf = form_token(&form);
    let r = browser
        .post_form(
            &codes[0],
            &[("csrf", &csrf), ("intent", "submit"), ("child_full_name", "Hà An"), ("child_birth_date", "2099-01-01")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = r.text().await.unwrap();
    assert!(again.contains("value=\"Hà An\""), "what was typed is kept");
    assert!(again.contains("Ngày này chưa đến."), "the message is at its field");
    let mine = browser.get("/me/dossiers").await.text().await.unwrap();
    assert!(mine.contains("Đang soạn"), "{mine}");
    let lookup = app.get(&format!("/dossiers/status?code={}", &codes[0]["/me/dossiers/".len()..])).await;
    assert_eq!(lookup.status(), StatusCode::NOT_FOUND, "a draft is nobody's business");
}

#[tokio::test]
async fn below_the_assurance_level_or_as_an_official_nothing_is_opened() {
    let app = TestApp::spawn().await;
    citizen(&app, 1).await;
    let mut browser = app.browser();
    browser.sign_in("dan", PASSWORD).await;
    let page = browser.get("/procedures/khai-sinh").await.text().await.unwrap();
    let r = browser.post_form("/procedures/khai-sinh/dossiers", &[("csrf", &form_token(&page))]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("định danh mức 2"));

    app.create_account("official", AccountKind::Official, false).await;
    let mut official = app.browser();
    official.sign_in("official", PASSWORD).await;
    let page = official.get("/procedures/khai-sinh").await.text().await.unwrap();
    let r = official.post_form("/procedures/khai-sinh/dossiers", &[("csrf", &form_token(&page))]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let count: i64 =
        store::sqlx::query_scalar("SELECT COUNT(*) FROM dossiers").fetch_one(app.db.db.pool()).await.unwrap();
    assert_eq!(count, 0);
    assert_eq!(app.get("/procedures/no-such-thing").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn at_the_one_stop_counter_a_receiver_files_for_a_citizen_who_came_in_person() {
    let app = TestApp::spawn().await;
    let (pid, commune) = citizen(&app, 1).await;
    let here = crate::helpers::unit(&commune);
    let receiver = official(&app, "tiepnhan", Role::OneStopReceiver, &format!("CA.{commune}"), here).await;
    let elsewhere = official(&app, "xakhac", Role::OneStopReceiver, "CA.00004", crate::helpers::unit("00004")).await;
    let api = Api { app: &app };
    let body = json!({ "procedure": "xac-nhan-cu-tru", "applicant": pid });
    assert_eq!(api.post(&elsewhere, "/api/v1/dossiers", body.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, dossier) = api.post(&receiver, "/api/v1/dossiers", body).await;
    assert_eq!(status, StatusCode::CREATED, "{dossier}");
    assert_eq!(dossier["counter"], "tiepnhan");
    assert_eq!(dossier["applicant"], pid.as_str());
    let code = dossier["code"].as_str().unwrap();
    let submit = json!({ "form": dossier["form"] });
    let (status, submitted) = api.post(&receiver, &format!("/api/v1/dossiers/{code}/submit"), submit).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    // From then on it is the citizen's dossier like any other, and in the receiver's queue.
    let token = citizen_token(&app).await;
    let (_, mine) = api.get(&token, "/api/v1/dossiers").await;
    assert_eq!(mine[0]["code"], code);
    let (_, tasks) = api.get(&receiver, "/api/v1/tasks").await;
    assert_eq!(tasks[0]["dossier"]["code"], code);
    let (status, _) = api.post(&receiver, &format!("/api/v1/dossiers/{code}/submit"), json!({ "form": {} })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "once submitted, the receiver works it as an official");
}
