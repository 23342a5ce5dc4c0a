//! VSIC 2018 (Hệ thống ngành kinh tế Việt Nam, Quyết định 27/2018/QĐ-TTg): the business lines an enterprise may
//! register, from `data/vsic-2018.tsv` (compiled in; the file says what it holds and where it comes from). An
//! operator replaces it with a fuller list by pointing `CONGSO_VSIC_FILE` at a file of the same form.

use std::collections::BTreeMap;
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../../../data/vsic-2018.tsv");

/// A line of the classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The code: a section letter (level 1) or 2 to 5 digits.
    pub code: String,
    /// 1 for a section, else the number of digits.
    pub level: u8,
    /// The code above it, empty for a section.
    pub parent: String,
    /// Its Vietnamese name.
    pub name: String,
}

/// The classification, by code.
#[derive(Debug, Default)]
pub struct Catalogue {
    lines: BTreeMap<String, Line>,
}

impl Catalogue {
    /// Parses the tab-separated form: `code<TAB>level<TAB>parent<TAB>name`, `#` comments.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let mut lines = BTreeMap::new();
        for (n, row) in text.lines().enumerate().filter(|(_, r)| !r.trim().is_empty() && !r.starts_with('#')) {
            let bad = |what: &str| format!("line {}: {what}", n + 1);
            let mut cells = row.split('\t');
            let (Some(code), Some(level), Some(parent), Some(name)) =
                (cells.next(), cells.next(), cells.next(), cells.next())
            else {
                return Err(bad("four tab-separated cells expected"));
            };
            let level: u8 = level.parse().map_err(|_| bad("the level is a number"))?;
            let code_ok = match level {
                1 => code.len() == 1 && code.chars().all(|c| c.is_ascii_uppercase()),
                2..=5 => code.len() == usize::from(level) && code.chars().all(|c| c.is_ascii_digit()),
                _ => false,
            };
            if !code_ok || name.trim().is_empty() {
                return Err(bad("a code of its level and a name expected"));
            }
            let line = Line { code: code.into(), level, parent: parent.into(), name: name.trim().into() };
            lines.insert(code.to_owned(), line);
        }
        if lines.is_empty() {
            return Err("no lines".into());
        }
        Ok(Catalogue { lines })
    }

    /// The line with this code, if the classification has it.
    pub fn get(&self, code: &str) -> Option<&Line> {
        self.lines.get(code)
    }

    /// The codes an enterprise may register as a line: every level below the sections.
    pub fn registrable(&self) -> impl Iterator<Item = &Line> {
        self.lines.values().filter(|l| l.level >= 2)
    }

    /// The most detailed lines (the deepest level the file holds under each division), for synthetic data.
    pub fn finest(&self) -> Vec<&Line> {
        self.registrable().filter(|l| !self.lines.values().any(|c| c.parent == l.code)).collect()
    }
}

/// The classification in use: the operator's file if `CONGSO_VSIC_FILE` names one that parses, else the one
/// shipped.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        if let Ok(path) = std::env::var("CONGSO_VSIC_FILE") {
            match std::fs::read_to_string(&path).map_err(|e| e.to_string()).and_then(|t| Catalogue::parse(&t)) {
                Ok(catalogue) => return catalogue,
                Err(e) => tracing::error!(%path, error = %e, "the VSIC file does not load; using the shipped list"),
            }
        }
        Catalogue::parse(BUILTIN).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_has_every_section_and_division() {
        let c = Catalogue::parse(BUILTIN).unwrap();
        assert_eq!(c.lines.values().filter(|l| l.level == 1).count(), 21);
        assert_eq!(c.lines.values().filter(|l| l.level == 2).count(), 88);
        assert_eq!(c.get("62").unwrap().parent, "J");
        assert_eq!(c.get("6201").unwrap().name, "Lập trình máy vi tính");
        assert!(c.finest().iter().any(|l| l.code == "6201"));
        assert!(!c.finest().iter().any(|l| l.code == "62"));
        assert!(c.finest().iter().any(|l| l.code == "05"));
    }

    #[test]
    fn a_malformed_file_is_refused_with_its_line() {
        assert!(Catalogue::parse("A\t1\t\tNông nghiệp\n01\t3\tA\tx\n").unwrap_err().starts_with("line 2"));
        assert!(Catalogue::parse("# only comments\n").is_err());
    }
}
