use kernel::Lang;
use registry::cli as population;
use registry::import;

use crate::helpers::TestApp;

fn csv_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("congso-{}-{name}", rand_suffix()))
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 ^ u64::from(std::process::id())
}

#[tokio::test]
async fn importing_twice_changes_nothing_and_bad_rows_are_reported() {
    let app = TestApp::spawn().await;
    let path = csv_path("people.csv");
    population::generate_csv(1_500, 3, &path).unwrap();
    // Break line 5 (a bad date) and line 9 (an ID disagreeing with the sex).
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[4] = lines[4].replacen(",19", ",x19", 1).replacen(",20", ",x20", 1);
    let fields: Vec<&str> = lines[8].split(',').collect();
    let flipped = if fields[3] == "male" { "female" } else { "male" };
    lines[8] = lines[8].replacen(&format!(",{},", fields[3]), &format!(",{flipped},"), 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    let quiet = |_: u64| {};
    let first = import::import_csv(&app.db.db, &path, false, Lang::En, &quiet).await.unwrap();
    assert_eq!(first.inserted, 1_498);
    let rejected: Vec<u64> = first.rejected.iter().map(|r| r.line).collect();
    assert_eq!(rejected, [5, 9]);
    assert!(first.rejected[1].reasons.iter().any(|r| r.starts_with("personal_id")), "{:?}", first.rejected);

    let second = import::import_csv(&app.db.db, &path, false, Lang::En, &quiet).await.unwrap();
    assert_eq!((second.inserted, second.already_present), (0, 1_498));
    // Each imported citizen is version 1, made by the import.
    let someone: kernel::PersonalId = lines[1].split(',').next().unwrap().parse().unwrap();
    let history = registry::service::history(&app.db.db, &someone).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].version, history[0].changed_by.as_str()), (1, "import"));

    // All or nothing: one bad row and nothing is written.
    let fresh = TestApp::spawn().await;
    let report = import::import_csv(&fresh.db.db, &path, true, Lang::En, &quiet).await.unwrap();
    assert_eq!(report.rejected.len(), 2);
    assert_eq!(report.inserted, 0);
    assert_eq!(registry::service::citizen_count(&fresh.db.db).await.unwrap(), 0);
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_file_without_the_needed_columns_is_refused() {
    let app = TestApp::spawn().await;
    let path = csv_path("bad.csv");
    std::fs::write(&path, "name,age\nAn,3\n").unwrap();
    let err = import::import_csv(&app.db.db, &path, false, Lang::En, &|_| {}).await.unwrap_err();
    assert!(err.to_string().contains("personal_id"), "{err}");
    std::fs::remove_file(&path).unwrap();
}
