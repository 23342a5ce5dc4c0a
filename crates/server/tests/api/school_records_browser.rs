//! The digital school record in headless Chromium on a phone: a teacher reaches the school's page from the
//! navigation, enrols a pupil (refused at a field first, what was typed kept), enters a mark and the conduct
//! through the record's forms; the principal signs the year; the pupil's mother finds it, signed, from her home
//! page with its QR.

use education::model::{School, SchoolLevel, SchoolYear};
use education::service::{self, Change};
use education::subject::{Assessed, Mark, Subject, Term};
use fantoccini::{Client, Locator};
use identity::model::RoleAssignment;
use identity::{AccountKind, Role, Territory};
use trust::ledger::Actor;

use crate::browser::{browser, fits, type_into};
use crate::helpers::TestApp;
use crate::portal_browser::{official, sign_in};

async fn choose(b: &Client, id: &str, value: &str) {
    b.find(Locator::Css(&format!("#{id} option[value='{value}']"))).await.unwrap().click().await.unwrap();
}

/// Waits for the text of `#id` to start with `prefix`, the page having been submitted: its text at the end.
async fn text_once(b: &Client, id: &str, prefix: &str) -> String {
    let mut text = String::new();
    for _ in 0..50 {
        if let Ok(e) = b.find(Locator::Id(id)).await
            && let Ok(t) = e.text().await
        {
            text = t;
            if text.starts_with(prefix) {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    text
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them and runs this"]
async fn on_a_phone_a_teacher_fills_a_year_the_principal_signs_it_and_the_mother_sees_it() {
    let app = TestApp::spawn().await;
    crate::portal::citizen(&app, 1).await;
    let (pupil, mother): (String, String) = store::sqlx::query_as(
        "SELECT c.personal_id, c.mother_pid FROM citizens c JOIN citizens m ON m.personal_id = c.mother_pid \
         WHERE c.status = 'living' AND m.status = 'living' ORDER BY c.personal_id LIMIT 1",
    )
    .fetch_one(app.db.db.pool())
    .await
    .unwrap();
    crate::portal::account_of(&app, "phuhuynh", &mother, 1).await;
    let school = School {
        code: "00070001".parse().unwrap(),
        name: "Trường THCS Trưng Vương".into(),
        level: SchoolLevel::LowerSecondary,
    };
    service::register_school(&app.db.db, &school, &Actor::system("test")).await.unwrap();
    let agency = school.code.agency().to_string();
    let commune = Territory::Unit("00070".parse().unwrap());
    let teacher = official(&app, "giaovien", Role::Teacher, &agency, commune).await;
    let held = |role| RoleAssignment { role, agency: Some(school.code.agency()), territory: commune };
    let roles = vec![held(Role::Teacher), held(Role::Approver)];
    let (id, _) = app.account_with_token("hieutruong", AccountKind::Official, roles).await;
    let principal = identity::mfa::demo_secret("hieutruong");
    identity::mfa::enrol_with_secret(&app.db.db, &app.keyring, id, &principal).await.unwrap();
    let (_driver, b) = browser().await;
    b.set_window_size(390, 844).await.unwrap();

    // The teacher reaches the school from the navigation; a class not of the grade is refused at its field.
    sign_in(&b, &app, "giaovien", Some(&teacher)).await;
    b.goto(&app.url("/")).await.unwrap();
    b.find(Locator::LinkText("Giáo dục")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Id("pupil")).await.unwrap();
    assert!(fits(&b).await, "the school's page is wider than a phone");
    type_into(&b, "pupil", &pupil).await;
    choose(&b, "grade", "7").await;
    type_into(&b, "enrol_class", "8A1").await;
    b.find(Locator::Css("main form[method=post] button[type=submit]")).await.unwrap().click().await.unwrap();
    let problem = b.wait().for_element(Locator::Id("problem")).await.unwrap().text().await.unwrap();
    assert!(problem.starts_with("class_name"), "{problem}");
    let kept = b.find(Locator::Id("pupil")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some(pupil.as_str()));
    choose(&b, "grade", "7").await;
    type_into(&b, "enrol_class", "7A1").await;
    b.find(Locator::Css("main form[method=post] button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Id("mark")).await.unwrap();

    // A mark out of range is refused; one written the Vietnamese way is kept and shown so.
    choose(&b, "subject", "toan").await;
    type_into(&b, "mark", "11").await;
    b.find(Locator::Css("form[action$='/diem'] button")).await.unwrap().click().await.unwrap();
    assert!(text_once(&b, "problem", "mark").await.starts_with("mark"));
    choose(&b, "subject", "toan").await;
    type_into(&b, "mark", "8,5").await;
    b.find(Locator::Css("form[action$='/diem'] button")).await.unwrap().click().await.unwrap();
    b.wait().for_element(Locator::Css("table.marks tbody tr")).await.unwrap();
    let table = b.find(Locator::Css("table.marks")).await.unwrap().text().await.unwrap();
    assert!(table.contains("Toán") && table.contains("8,5"), "{table}");
    assert!(fits(&b).await, "the school record is wider than a phone");

    // The rest of the year's marks as the school's software would send them, then the conduct through the form.
    let year = SchoolYear::at(time::OffsetDateTime::now_utc());
    let pid = pupil.parse().unwrap();
    let by = Actor::system("test");
    for subject in Subject::ALL.iter().filter(|s| s.taught_at(SchoolLevel::LowerSecondary)) {
        for term in [Term::First, Term::Second] {
            let mark = if subject.assessed() == Assessed::Comment { Mark::Passed } else { Mark::Score(80) };
            if (*subject, term) != (Subject::Toan, Term::First) {
                service::change(&app.db.db, &school, &pid, year, Change::Mark(*subject, term, mark), &by)
                    .await
                    .unwrap();
            }
        }
    }
    b.refresh().await.unwrap();
    choose(&b, "conduct", "kha").await;
    type_into(&b, "absences", "4").await;
    b.find(Locator::Css("form[action$='/ren-luyen'] button")).await.unwrap().click().await.unwrap();
    assert_eq!(text_once(&b, "outcome", "Được lên lớp").await, "Được lên lớp");

    // The principal signs the year; it no longer offers its forms.
    sign_in(&b, &app, "hieutruong", Some(&principal)).await;
    b.goto(&app.url(&format!("/giao-duc/hoc-ba/{pupil}/{}", year.start()))).await.unwrap();
    b.wait().for_element(Locator::Id("sign")).await.unwrap().click().await.unwrap();
    assert!(text_once(&b, "status", "Đã ký").await.starts_with("Đã ký"));
    assert!(b.find(Locator::Id("mark")).await.is_err(), "a signed year offers no forms");

    // The mother finds it from her home page, signed, with its QR.
    sign_in(&b, &app, "phuhuynh", None).await;
    b.goto(&app.url("/me")).await.unwrap();
    b.find(Locator::LinkText("Học bạ của tôi và con")).await.unwrap().click().await.unwrap();
    let card = b.wait().for_element(Locator::Css("main section.card")).await.unwrap().text().await.unwrap();
    assert!(
        card.contains("Trường THCS Trưng Vương") && card.contains("Được lên lớp") && card.contains("Đã ký"),
        "{card}"
    );
    assert!(b.find(Locator::Css("main .qr svg")).await.is_ok(), "no QR");
    assert!(fits(&b).await, "the family's school records are wider than a phone");
    b.close().await.unwrap();
}
