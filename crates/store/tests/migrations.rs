//! The two migration folders describe one schema: the same files, line for line, except where the dialects must
//! differ. A migration added to one folder only, or a column that differs by more than its dialect, fails here.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn folder(backend: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(backend)
}

fn files(backend: &str) -> BTreeSet<String> {
    std::fs::read_dir(folder(backend))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".sql"))
        .collect()
}

/// The PostgreSQL line written as SQLite writes it, for the differences the dialects force: identity columns,
/// byte-order collation for text that is searched by prefix (SQLite compares bytes already), rowid tables, and
/// 64-bit keys that SQLite keeps as the row's own key (only a column declared exactly `INTEGER PRIMARY KEY` is).
fn as_sqlite(line: &str) -> String {
    line.replace("BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT")
        .replace("BIGINT  PRIMARY KEY /* rowid */", "INTEGER PRIMARY KEY /* rowid */")
        .replace("TEXT    COLLATE \"C\" NOT NULL", "TEXT    NOT NULL")
}

fn sqlite_line(line: &str) -> String {
    line.replace(") WITHOUT ROWID;", ");")
}

#[test]
fn both_backends_have_the_same_migrations() {
    let (sqlite, postgres) = (files("sqlite"), files("postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "a migration exists for one backend only");
}

#[test]
fn the_migrations_differ_only_where_the_dialects_must() {
    for name in files("sqlite") {
        let read = |backend: &str| std::fs::read_to_string(folder(backend).join(&name)).unwrap();
        let sqlite: Vec<String> = read("sqlite").lines().map(sqlite_line).collect();
        let postgres: Vec<String> = read("postgres").lines().map(as_sqlite).collect();
        assert_eq!(sqlite.len(), postgres.len(), "{name}: the two files have different numbers of lines");
        for (n, (s, p)) in sqlite.iter().zip(&postgres).enumerate() {
            assert_eq!(s, p, "{name} line {}: the backends differ by more than their dialects", n + 1);
        }
    }
}
