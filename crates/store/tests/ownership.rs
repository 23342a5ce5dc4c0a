//! Slices meet through service functions, never through each other's tables: every table of the schema is named
//! in the SQL of one crate only, its owner. A crate that queries another's table (to read a citizen's name from
//! identity, say, instead of asking the registry) fails here with the table and both crates named.
//!
//! The owner is simply the crate whose source names the table; nothing needs declaring. SQL is recognised by
//! its upper-case keywords (`FROM`, `JOIN`, `INTO`, `UPDATE`, `TABLE`), as this codebase writes it. Tests may look
//! at any table: a file's text is read up to its `#[cfg(test)]` module, which clippy keeps last.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Crates allowed to name any table, and why.
const EXEMPT: &[(&str, &str)] = &[
    // Its baselines are bare queries on the same tables, which is the point of a baseline.
    ("bench", "measures congso against bare SQL on its own tables"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The words after which a table's name follows in SQL.
const KEYWORDS: &[&str] = &["FROM", "JOIN", "INTO", "UPDATE", "TABLE"];

/// The identifiers that follow a SQL keyword in `text`.
fn named_after_keywords(text: &str) -> BTreeSet<String> {
    let words: Vec<&str> =
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
    words.windows(2).filter(|w| KEYWORDS.contains(&w[0])).map(|w| w[1].to_owned()).collect()
}

fn schema_tables() -> BTreeSet<String> {
    let mut tables = BTreeSet::new();
    for file in std::fs::read_dir(root().join("migrations/sqlite")).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        for piece in text.split("CREATE TABLE ").skip(1) {
            let name: String = piece.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            tables.insert(name);
        }
    }
    tables
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_table_is_named_by_one_crate_only() {
    let tables = schema_tables();
    assert!(tables.len() > 20, "only {} tables found in migrations/sqlite", tables.len());
    let mut named_by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for krate in std::fs::read_dir(root().join("crates")).unwrap() {
        let dir = krate.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if EXEMPT.iter().any(|(exempt, _)| *exempt == name) {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for table in named_after_keywords(code).intersection(&tables) {
                named_by.entry(table.clone()).or_default().insert(name.clone());
            }
        }
    }
    let shared: Vec<String> = named_by
        .iter()
        .filter(|(_, crates)| crates.len() > 1)
        .map(|(table, crates)| format!("{table}: {crates:?}"))
        .collect();
    assert!(shared.is_empty(), "tables named in the SQL of more than one crate: {shared:#?}");
    assert!(
        named_by.len() > 20,
        "only {} tables are named in any crate's SQL: is the scan still right?",
        named_by.len()
    );
}

#[test]
fn the_scan_finds_tables_after_sql_keywords() {
    let sql = "SELECT a FROM citizens c JOIN households h ON h.id = c.household_id; INSERT INTO jobs (id) VALUES (1); \
               UPDATE accounts SET x = 1; from_here FROMAGE";
    let found = named_after_keywords(sql);
    for table in ["citizens", "households", "jobs", "accounts"] {
        assert!(found.contains(table), "{table} in {found:?}");
    }
    assert!(!found.contains("from_here"));
}
