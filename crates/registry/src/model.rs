//! The records of the population registry.

use std::str::FromStr;

use kernel::{AdminUnitCode, DigitalAddress, Ethnicity, PersonalId, Sex};
use serde::{Deserialize, Serialize};
use time::Date;

/// Quan hệ với chủ hộ — a member's relationship to the head of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// Chủ hộ.
    Head,
    /// Vợ hoặc chồng.
    Spouse,
    /// Con.
    Child,
    /// Bố hoặc mẹ.
    Parent,
    /// Cháu.
    Grandchild,
    /// Ông hoặc bà.
    Grandparent,
    /// Anh, chị, em.
    Sibling,
    /// Quan hệ khác.
    Other,
}

impl Relationship {
    /// Every relationship.
    pub const ALL: [Relationship; 8] = [
        Relationship::Head,
        Relationship::Spouse,
        Relationship::Child,
        Relationship::Parent,
        Relationship::Grandchild,
        Relationship::Grandparent,
        Relationship::Sibling,
        Relationship::Other,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Head => "head",
            Relationship::Spouse => "spouse",
            Relationship::Child => "child",
            Relationship::Parent => "parent",
            Relationship::Grandchild => "grandchild",
            Relationship::Grandparent => "grandparent",
            Relationship::Sibling => "sibling",
            Relationship::Other => "other",
        }
    }

    /// The interface-string key of its name.
    pub fn label_key(self) -> String {
        format!("relationship.{}", self.as_str())
    }
}

/// Whether the person is alive, as the registry records it: the one definition every slice uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CitizenStatus {
    /// Còn sống.
    Living,
    /// Đã mất — a death was registered.
    Deceased,
}

impl CitizenStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CitizenStatus::Living => "living",
            CitizenStatus::Deceased => "deceased",
        }
    }
}

impl FromStr for CitizenStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "living" => Ok(CitizenStatus::Living),
            "deceased" => Ok(CitizenStatus::Deceased),
            _ => Err(()),
        }
    }
}

impl FromStr for Relationship {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "head" => Relationship::Head,
            "spouse" => Relationship::Spouse,
            "child" => Relationship::Child,
            "parent" => Relationship::Parent,
            "grandchild" => Relationship::Grandchild,
            "grandparent" => Relationship::Grandparent,
            "sibling" => Relationship::Sibling,
            "other" => Relationship::Other,
            _ => return Err(()),
        })
    }
}

/// A citizen as the registry holds them now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Citizen {
    /// Số định danh cá nhân.
    #[schema(value_type = String, example = "001203012345")]
    pub personal_id: PersonalId,
    /// Full name, as written: family, middle and given names.
    pub full_name: String,
    /// Date of birth, `YYYY-MM-DD`.
    #[schema(value_type = String, example = "2003-05-01")]
    pub birth_date: String,
    /// Sex.
    #[schema(value_type = String, example = "male")]
    pub sex: Sex,
    /// Ethnic group code, `01`–`54`.
    #[schema(value_type = String, example = "01")]
    pub ethnicity: Ethnicity,
    /// Religion, if any.
    pub religion: Option<String>,
    /// Nationality, ISO 3166 alpha-2.
    pub nationality: String,
    /// Pre-2025 province where the birth was registered (the ID number's first three digits).
    #[schema(value_type = String, example = "001")]
    pub birth_registration_province: String,
    /// Quê quán — hometown, as written.
    pub hometown: Option<String>,
    /// The household of permanent residence.
    pub household: Option<String>,
    /// Relationship to that household's head.
    pub relationship: Option<Relationship>,
    /// Tạm trú — the household of temporary residence, if any.
    pub temporary_household: Option<String>,
    /// The last day of the temporary residence, `YYYY-MM-DD`. Left out of the record's JSON when there is none, so
    /// the ledger digests of records made before temporary residence was recorded stay what they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "2027-06-01")]
    pub temporary_until: Option<String>,
    /// Province of residence.
    #[schema(value_type = Option<String>, example = "01")]
    pub province: Option<AdminUnitCode>,
    /// Commune of residence.
    #[schema(value_type = Option<String>, example = "00070")]
    pub commune: Option<AdminUnitCode>,
    /// Mother's personal ID number.
    pub mother_id: Option<String>,
    /// Father's personal ID number.
    pub father_id: Option<String>,
    /// Spouse's personal ID number.
    pub spouse_id: Option<String>,
    /// Living or deceased.
    #[schema(value_type = String, example = "living")]
    pub status: CitizenStatus,
    /// Date of death, for the deceased.
    pub death_date: Option<String>,
    /// The record's version, from 1.
    pub version: i64,
}

/// A citizen to register, every field parsed.
#[derive(Debug, Clone)]
pub struct NewCitizen {
    /// ID number.
    pub personal_id: PersonalId,
    /// Full name, trimmed, single-spaced.
    pub full_name: String,
    /// Date of birth.
    pub birth_date: Date,
    /// Sex.
    pub sex: Sex,
    /// Ethnic group.
    pub ethnicity: Ethnicity,
    /// Religion.
    pub religion: Option<String>,
    /// Nationality.
    pub nationality: String,
    /// Hometown.
    pub hometown: Option<String>,
    /// Household code of permanent residence.
    pub household: Option<String>,
    /// Relationship to the head.
    pub relationship: Option<Relationship>,
    /// Mother.
    pub mother_id: Option<PersonalId>,
    /// Father.
    pub father_id: Option<PersonalId>,
    /// Spouse.
    pub spouse_id: Option<PersonalId>,
}

/// A household with its members.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Household {
    /// 12-digit code.
    pub code: String,
    /// Its dwelling.
    pub address: Address,
    /// Its members, the head first.
    pub members: Vec<Member>,
}

/// A member of a household.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Member {
    /// ID number.
    pub personal_id: String,
    /// Full name.
    pub full_name: String,
    /// Date of birth.
    pub birth_date: String,
    /// Relationship to the head.
    pub relationship: Option<Relationship>,
}

/// A dwelling with its digital address.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Address {
    /// The digital address.
    #[schema(value_type = String, example = "00070-7PH72VH3+CM-1-8")]
    pub code: DigitalAddress,
    /// Commune code.
    pub commune: String,
    /// Province code.
    pub province: String,
    /// Plus code of the cell.
    pub plus_code: String,
    /// Street address as written.
    pub street: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lng: f64,
}

/// One version of a citizen's record, with who changed it, when and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Version {
    /// Version number, from 1.
    pub version: i64,
    /// Who: an account's username, or `import`.
    pub changed_by: String,
    /// Why: the legal basis or dossier.
    pub reason: String,
    /// When, RFC 3339.
    pub changed_at: String,
    /// The record as it was.
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}
