//! Thủ tục hành chính — administrative procedures as the catalogue declares them ([`procedure`]), and dossiers
//! (hồ sơ) as citizens file them and officials work them through ([`dossier`]).

mod dossier;
mod procedure;
mod tally;

pub use dossier::*;
pub use procedure::*;
pub use tally::Tally;

use std::fmt;
use std::str::FromStr;

use kernel::AgencyCode;
use serde::{Deserialize, Serialize};
use serde_with::{DeserializeFromStr, SerializeDisplay};

/// A procedure's code in the catalogue: its file's name, 2–64 characters of `a–z`, `0–9` and `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct ProcedureCode(String);

/// Why a string is not a procedure code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a procedure code is 2 to 64 characters of a-z, 0-9 and -")]
pub struct ProcedureCodeError;

impl FromStr for ProcedureCode {
    type Err = ProcedureCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok =
            (2..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok { Ok(ProcedureCode(s.to_owned())) } else { Err(ProcedureCodeError) }
    }
}

impl fmt::Display for ProcedureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ProcedureCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name in both languages.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

/// Cấp thực hiện — the level of the agency competent for a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The People's Committee of the applicant's commune.
    Commune,
    /// The People's Committee of the applicant's province.
    Province,
    /// A ministry, named by the procedure.
    Ministry,
}

/// Mức độ dịch vụ công trực tuyến — how much of a procedure is done online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceLevel {
    /// "Toàn trình": everything online, the result returned electronically.
    Full,
    /// "Một phần": some steps at an office.
    Partial,
}

/// A procedure as its file in `procedures/` declares it. Unknown fields are refused, so a misspelt field stops the
/// start instead of being ignored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// Its code: the file's name without `.toml`.
    #[schema(value_type = String, example = "khai-sinh")]
    pub code: ProcedureCode,
    /// Its name.
    pub name: Names,
    /// The sector it belongs to (`civil_status`, `residence`, …).
    pub sector: String,
    /// Who settles it.
    pub level: Level,
    /// For a ministry-level procedure, the ministry's agency code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub ministry: Option<AgencyCode>,
    /// How much of it is online.
    pub service_level: ServiceLevel,
    /// The assurance level an applicant's account needs (1 or 2).
    pub assurance: u8,
    /// The fee, in whole đồng.
    pub fee_vnd: u64,
    /// The legal time limit, in working days.
    pub time_limit_working_days: u16,
    /// The law that sets it.
    pub legal_basis: String,
    /// The life events under which citizens look for it.
    #[serde(default)]
    pub life_events: Vec<LifeEvent>,
    /// The form the applicant fills in.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// The papers the applicant uploads.
    #[serde(default)]
    pub attachments: Vec<AttachmentSpec>,
    /// Who acts on a dossier, in order.
    pub steps: Vec<Step>,
    /// What the final approval does.
    pub outcome: Outcome,
    /// Whether a birth's result also carries the child's health-insurance card (the life-event package).
    #[serde(default)]
    pub health_insurance_card: bool,
    /// The household field whose commune settles a dossier, instead of the applicant's own: a temporary
    /// residence is registered where one will stay (Law on Residence 2020, art. 28). The dossier moves there when
    /// it is submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<String>,
    /// The personal-ID field of another party who must agree, signed in with their own account, before the
    /// dossier goes to the agency: both parties to a marriage declare it (Law on Civil Status 2014, art. 18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_of: Option<String>,
}
