//! The changes of an enterprise's record as clients send them: representatives, office, capital, status.

use serde::Deserialize;
use time::Date;
use web::FieldError;

use super::{
    MAX_CAPITAL, MemberInput, NewMember, NewRepresentative, Problems, RepresentativeInput, date, members, office,
    reason, representatives, schema_name, schema_reason,
};
use crate::model::{Office, Status};

/// New representatives, as a client sends them.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepresentativesInput {
    /// The representatives from now on: 1 to 10.
    #[schema(max_items = 10, min_items = 1)]
    pub representatives: Vec<RepresentativeInput>,
    /// The legal basis or dossier.
    #[schema(schema_with = schema_reason)]
    pub reason: String,
}

impl RepresentativesInput {
    /// Parses every field.
    pub fn parse(&self) -> Result<(Vec<NewRepresentative>, String), Vec<FieldError>> {
        let mut p = Problems::default();
        let reps = representatives(&mut p, &self.representatives);
        match reason(&self.reason) {
            Ok(r) => p.finish((reps, r)),
            Err(e) => Err(p.0.into_iter().chain(e).collect()),
        }
    }
}

/// A move of the registered office.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeInput {
    /// The new office's digital address.
    #[schema(value_type = kernel::DigitalAddress)]
    pub office_address: String,
    /// Its street address, as written.
    #[schema(schema_with = schema_name)]
    pub office_street: String,
    /// The legal basis or dossier.
    #[schema(schema_with = schema_reason)]
    pub reason: String,
}

impl OfficeInput {
    /// Parses every field.
    pub fn parse(&self) -> Result<(Office, String), Vec<FieldError>> {
        let mut p = Problems::default();
        let office = office(&mut p, &self.office_address, &self.office_street);
        let reason = reason(&self.reason).unwrap_or_else(|e| {
            p.0.extend(e);
            String::new()
        });
        match office {
            Some(office) => p.finish((office, reason)),
            None => Err(p.0),
        }
    }
}

/// A change of charter capital with the members' contributions from now on.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapitalInput {
    /// The new charter capital, whole đồng.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 0, maximum = 1e15)]
    pub charter_capital: i64,
    /// Every member and their contribution from now on.
    #[schema(max_items = 500)]
    pub members: Vec<MemberInput>,
    /// The legal basis or dossier.
    #[schema(schema_with = schema_reason)]
    pub reason: String,
}

impl CapitalInput {
    /// Parses every field; the members are checked against the enterprise's form by the service.
    pub fn parse(&self) -> Result<(i64, Vec<NewMember>, String), Vec<FieldError>> {
        let mut p = Problems::default();
        let members = members(&mut p, &self.members);
        let reason = reason(&self.reason).unwrap_or_else(|e| {
            p.0.extend(e);
            String::new()
        });
        if !(0..=MAX_CAPITAL).contains(&self.charter_capital) {
            p.add(
                "charter_capital",
                kernel::Text::new("Vốn điều lệ không hợp lệ.", "The charter capital is out of range."),
            );
        }
        p.finish((self.charter_capital, members, reason))
    }
}

/// A change of status: suspension, resumption, dissolution begun or completed, bankruptcy.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// The status from `effective_on`.
    pub status: Status,
    /// From when, `YYYY-MM-DD`: not before the current status began.
    #[schema(value_type = String, format = Date)]
    pub effective_on: String,
    /// The legal basis or dossier.
    #[schema(schema_with = schema_reason)]
    pub reason: String,
}

impl StatusInput {
    /// Parses every field.
    pub fn parse(&self) -> Result<(Status, Date, String), Vec<FieldError>> {
        let mut p = Problems::default();
        let on = date(&mut p, "effective_on", &self.effective_on);
        let reason = reason(&self.reason).unwrap_or_else(|e| {
            p.0.extend(e);
            String::new()
        });
        match on {
            Some(on) => p.finish((self.status, on, reason)),
            None => Err(p.0),
        }
    }
}
