//! Danh mục thủ tục — the catalogue: one TOML file per procedure in the repository's `procedures/` folder,
//! compiled into the binary and checked at start. A broken file stops the start and names the file and the field.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use include_dir::{Dir, include_dir};

use crate::model::{FieldKind, Level, Office, Outcome, Procedure, ProcedureCode, StepAction};

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
            check_form(&procedure).map_err(bad)?;
            check_steps(&procedure).map_err(bad)?;
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

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The form's fields and papers, and the fields the outcome reads.
fn check_form(procedure: &Procedure) -> Result<(), String> {
    let mut names = std::collections::BTreeSet::new();
    for field in &procedure.fields {
        if !is_name(&field.name) || !names.insert(field.name.as_str()) {
            return Err(format!("field `fields.name`: {:?} is not a unique name of a-z, 0-9 and _", field.name));
        }
        if (field.kind == FieldKind::Choice) == field.options.is_empty() {
            return Err(format!(
                "field `fields.options` of {:?}: a choice needs options, and only a choice",
                field.name
            ));
        }
    }
    for (name, kind) in procedure.outcome_needs() {
        if !procedure.field(name).is_some_and(|f| f.kind == *kind && f.required) {
            return Err(format!("field `fields`: the outcome needs a required field {name:?} of type {kind:?}"));
        }
    }
    crate::service::outcome::check_file(procedure)?;
    if let Some(name) = &procedure.settled_at
        && !procedure.field(name).is_some_and(|f| f.kind == FieldKind::Household && f.required)
    {
        return Err(format!("field `settled_at`: {name:?} is not a required household field"));
    }
    if let Some(name) = &procedure.consent_of
        && !procedure.field(name).is_some_and(|f| f.kind == FieldKind::PersonalId && f.required && f.prefill.is_none())
    {
        return Err(format!("field `consent_of`: {name:?} is not a required personal ID field the applicant types"));
    }
    if procedure.health_insurance_card && procedure.outcome != Outcome::Birth {
        return Err("field `health_insurance_card`: only a birth's outcome issues one".into());
    }
    let mut kinds = std::collections::BTreeSet::new();
    for paper in &procedure.attachments {
        if !is_name(&paper.kind) || !kinds.insert(paper.kind.as_str()) {
            return Err(format!("field `attachments.kind`: {:?} is not a unique name of a-z, 0-9 and _", paper.kind));
        }
        if paper.max_kib == 0 || paper.types.is_empty() {
            return Err(format!("field `attachments` {:?}: `max_kib` and `types` are needed", paper.kind));
        }
    }
    Ok(())
}

/// The workflow: the first step receives (accept), only the last approves, every step but the last passes on.
fn check_steps(procedure: &Procedure) -> Result<(), String> {
    let steps = &procedure.steps;
    if steps.len() < 2 {
        return Err("field `steps`: at least a receiving step and an approving step".into());
    }
    for (i, step) in steps.iter().enumerate() {
        let first = i == 0;
        let last = i + 1 == steps.len();
        let has = |a: StepAction| step.actions.contains(&a);
        if has(StepAction::Accept) != first {
            return Err(format!("field `steps[{i}].actions`: `accept` belongs to the first step, and only there"));
        }
        if has(StepAction::Approve) != last {
            return Err(format!("field `steps[{i}].actions`: `approve` belongs to the last step, and only there"));
        }
        if has(StepAction::Forward) && (first || last) {
            return Err(format!(
                "field `steps[{i}].actions`: `forward` belongs to the steps between the first and the last"
            ));
        }
        if !first && !last && !has(StepAction::Forward) {
            return Err(format!("field `steps[{i}].actions`: a middle step needs `forward`"));
        }
        if step.office == Office::Ministry && procedure.ministry.is_none() {
            return Err(format!("field `steps[{i}].office`: `ministry` needs the procedure's `ministry`"));
        }
    }
    Ok(())
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
outcome = "document"

[[steps]]
name = { vi = "Tiếp nhận", en = "Receiving" }
office = "commune"
role = "one_stop_receiver"
actions = ["accept", "reject"]

[[steps]]
name = { vi = "Phê duyệt", en = "Approval" }
office = "commune"
role = "approver"
actions = ["approve", "reject"]
"#;

    #[test]
    fn the_builtin_catalogue_is_valid() {
        let catalogue = Catalogue::builtin().unwrap();
        assert!(catalogue.all().count() >= 12);
    }

    #[test]
    fn an_outcome_refuses_options_its_registry_cannot_take() {
        let founding = include_str!("../../../procedures/dang-ky-doanh-nghiep.toml");
        let sale = include_str!("../../../procedures/chuyen-nhuong-quyen-su-dung-dat.toml");
        let cases = [
            ("dang-ky-doanh-nghiep.toml", founding.replace("\"private_enterprise\"", "\"joint_stock\""), "legal_form"),
            ("chuyen-nhuong-quyen-su-dung-dat.toml", sale.replace("\"gift\"", "\"inheritance\""), "transfer_kind"),
        ];
        for (file, text, field) in cases {
            let error = Catalogue::parse([(file, text.as_str())]).unwrap_err();
            assert!(error.to_string().contains(field), "{error} should name {field}");
        }
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
            ("khai-sinh.toml", GOOD.replace("outcome = \"document\"", "outcome = \"birth\""), "child_full_name"),
            ("khai-sinh.toml", GOOD.replace("[\"accept\", \"reject\"]", "[\"reject\"]"), "`steps[0].actions`"),
            ("khai-sinh.toml", GOOD.replace("[\"approve\", \"reject\"]", "[\"reject\"]"), "`steps[1].actions`"),
            ("khai-sinh.toml", GOOD.replace("office = \"commune\"", "office = \"village\""), "village"),
            (
                "khai-sinh.toml",
                GOOD.to_owned() + "\n[[fields]]\nname = \"x\"\nlabel = { vi = \"X\", en = \"X\" }\ntype = \"choice\"\n",
                "options",
            ),
        ];
        for (file, text, field) in cases {
            let error = Catalogue::parse([(file, text.as_str())]).unwrap_err();
            assert_eq!(error.file, file);
            assert!(error.to_string().contains(field), "{error} should name {field}");
        }
    }
}
