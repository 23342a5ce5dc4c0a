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

/// The registry's indexes, as the database describes them.
async fn indexes(app: &TestApp) -> Vec<(String, Option<String>)> {
    let sql = match app.db.db.backend() {
        store::Backend::Sqlite => {
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' \
             AND tbl_name IN ('citizens', 'citizen_name_suffixes', 'addresses', 'households') ORDER BY name"
        }
        store::Backend::Postgres => {
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename IN ('citizens', 'citizen_name_suffixes', 'addresses', 'households') ORDER BY indexname"
        }
    };
    store::sqlx::query_as(sql).fetch_all(app.db.db.pool()).await.unwrap()
}

#[tokio::test]
async fn an_import_into_an_empty_registry_builds_indexes_after_and_one_that_died_leaves_them_to_the_next_start() {
    let app = TestApp::spawn().await;
    let migrated = indexes(&app).await;
    assert!(migrated.iter().any(|(name, _)| name == "citizens_commune_name"), "{migrated:?}");
    registry::cli::generate_into(&app.db.db, 300, 4, false).await.unwrap();
    assert_eq!(indexes(&app).await, migrated, "the indexes are made again as the migrations made them");
    let search =
        registry::search::Search { words: registry::search::Search::words_of("nguyen"), page: 1, ..Default::default() };
    assert!(!registry::search::run(&app.db.db, &search).await.unwrap().0.is_empty());

    // An import that died after dropping them: the next start of any command makes them again.
    let pool = app.db.db.pool();
    for sql in ["DROP INDEX citizens_commune_name", "DROP INDEX citizens_household", "DROP INDEX addresses_plus_code"] {
        store::sqlx::query(sql).execute(pool).await.unwrap();
    }
    assert_ne!(indexes(&app).await, migrated);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_congso"))
        .args(["migrate", "--database-url", &app.db.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(indexes(&app).await, migrated);

    // A registry that is not empty keeps its indexes through an import.
    registry::cli::generate_into(&app.db.db, 50, 5, false).await.unwrap();
    assert_eq!(indexes(&app).await, migrated);
    let (ok, out) = crate::helpers::ledger_verify(&app, None);
    assert!(ok, "{out}");
}
