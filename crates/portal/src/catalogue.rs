//! Danh mục thủ tục — the catalogue: one TOML file per procedure in the repository's `procedures/` folder,
//! compiled into the binary and checked at start. A broken file stops the start and names the file and the field.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use include_dir::{Dir, include_dir};

use crate::model::{Level, Procedure, ProcedureCode};

static FILES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../procedures");

/// What is wrong with a procedure file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("procedures/{file}: {problem}")]
pub struct CatalogueError {
    /// The file.
    pub file: String,
    /// The field and what is wrong with it.
    pub problem: String,
}

/// Every procedure, by code.
#[derive(Debug, Clone)]
pub struct Catalogue {
    procedures: BTreeMap<ProcedureCode, Procedure>,
}

impl Catalogue {
    /// Reads and checks `(file name, text)` pairs.
    pub fn parse<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Catalogue, CatalogueError> {
        let mut procedures = BTreeMap::new();
        for (file, text) in files {
            let bad = |problem: String| CatalogueError { file: file.to_owned(), problem };
            let procedure: Procedure = toml::from_str(text).map_err(|e| bad(e.message().to_owned() + &at(&e)))?;
            if file.strip_suffix(".toml") != Some(procedure.code.as_str()) {
                return Err(bad(format!("field `code`: {:?} is not the file's name", procedure.code.as_str())));
            }
            if !(1..=2).contains(&procedure.assurance) {
                return Err(bad("field `assurance`: an assurance level is 1 or 2".into()));
            }
            if procedure.time_limit_working_days == 0 {
                return Err(bad("field `time_limit_working_days`: at least 1".into()));
            }
            if (procedure.level == Level::Ministry) != procedure.ministry.is_some() {
                return Err(bad("field `ministry`: required for a ministry-level procedure, and only for one".into()));
            }
            if procedure.name.vi.trim().is_empty() || procedure.name.en.trim().is_empty() {
                return Err(bad("field `name`: both `vi` and `en` are needed".into()));
            }
            procedures.insert(procedure.code.clone(), procedure);
        }
        Ok(Catalogue { procedures })
    }

    /// The catalogue compiled into the binary.
    pub fn builtin() -> Result<&'static Catalogue, CatalogueError> {
        static BUILTIN: LazyLock<Result<Catalogue, CatalogueError>> = LazyLock::new(|| {
            let files = FILES.files().filter(|f| f.path().extension().is_some_and(|e| e == "toml"));
            let named = files.map(|f| (f.path().to_str().unwrap_or_default(), f.contents_utf8().unwrap_or_default()));
            Catalogue::parse(named)
        });
        BUILTIN.as_ref().map_err(Clone::clone)
    }

    /// Every procedure, by code.
    pub fn all(&self) -> impl Iterator<Item = &Procedure> {
        self.procedures.values()
    }

    /// One procedure.
    pub fn get(&self, code: &ProcedureCode) -> Option<&Procedure> {
        self.procedures.get(code)
    }
}

/// Where in the file TOML found the problem.
fn at(error: &toml::de::Error) -> String {
    error.span().map(|span| format!(" (at byte {})", span.start)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
code = "khai-sinh"
name = { vi = "Đăng ký khai sinh", en = "Birth registration" }
sector = "civil_status"
level = "commune"
service_level = "full"
assurance = 2
fee_vnd = 0
time_limit_working_days = 1
legal_basis = "Luật Hộ tịch 2014, Điều 16"
"#;

    #[test]
    fn the_builtin_catalogue_is_valid() {
        let catalogue = Catalogue::builtin().unwrap();
        assert!(catalogue.all().count() >= 5);
    }

    #[test]
    fn a_broken_file_is_named_with_its_field() {
        assert!(Catalogue::parse([("khai-sinh.toml", GOOD)]).is_ok());
        let cases = [
            ("other.toml", GOOD.to_owned(), "`code`"),
            ("khai-sinh.toml", GOOD.replace("level = \"commune\"", "level = \"village\""), "village"),
            ("khai-sinh.toml", GOOD.replace("assurance = 2", "assurance = 3"), "`assurance`"),
            ("khai-sinh.toml", GOOD.replace("fee_vnd = 0", "fee_vnd = 0\nfees = 1"), "fees"),
            ("khai-sinh.toml", GOOD.replace("time_limit_working_days = 1", ""), "time_limit_working_days"),
            ("khai-sinh.toml", GOOD.replace("level = \"commune\"", "level = \"ministry\""), "`ministry`"),
        ];
        for (file, text, field) in cases {
            let error = Catalogue::parse([(file, text.as_str())]).unwrap_err();
            assert_eq!(error.file, file);
            assert!(error.to_string().contains(field), "{error} should name {field}");
        }
    }
}
