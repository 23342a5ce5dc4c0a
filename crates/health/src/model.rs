//! The health slice's records and the identifiers that name them, each a type that holds only valid values.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use kernel::{Lang, Localized};
use serde::{Deserialize, Serialize};
use serde_with::{DeserializeFromStr, SerializeDisplay};

/// Mã cơ sở khám bệnh, chữa bệnh — a health facility's code: five digits, as Vietnam Social Security numbers the
/// facilities it pays (the first two the province). A facility's staff hold their roles in the agency
/// `KCB.<code>` ([`FacilityCode::agency`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct FacilityCode([u8; 5]);

/// The prefix of a facility's agency code.
const AGENCY_PREFIX: &str = "KCB.";

impl FacilityCode {
    /// The agency a facility's staff hold their roles in.
    pub fn agency(&self) -> kernel::AgencyCode {
        // Five digits after a prefix of letters and a dot is always an agency code.
        format!("{AGENCY_PREFIX}{self}").parse().unwrap_or_else(|_| unreachable!("KCB.<5 digits> is an agency code"))
    }

    /// The facility whose agency `agency` is, if it is one.
    pub fn of_agency(agency: &kernel::AgencyCode) -> Option<FacilityCode> {
        agency.as_str().strip_prefix(AGENCY_PREFIX)?.parse().ok()
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for FacilityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for FacilityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FacilityCode({self})")
    }
}

impl FromStr for FacilityCode {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes: [u8; 5] = s.trim().as_bytes().try_into().map_err(|_| CodeError::Facility)?;
        if bytes.iter().all(u8::is_ascii_digit) { Ok(FacilityCode(bytes)) } else { Err(CodeError::Facility) }
    }
}

/// Loại đơn thuốc — what kind of prescription, the last character of its code: medicines under special control
/// (narcotic, psychotropic) are prescribed on their own prescriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrescriptionKind {
    /// Đơn thuốc thông thường (`c`).
    Ordinary,
    /// Đơn thuốc gây nghiện (`n`).
    Narcotic,
    /// Đơn thuốc hướng thần (`h`).
    Psychotropic,
    /// Đơn thuốc y học cổ truyền (`y`).
    Traditional,
}

impl PrescriptionKind {
    /// Every kind, in the order a form offers them.
    pub const ALL: [PrescriptionKind; 4] = [Self::Ordinary, Self::Narcotic, Self::Psychotropic, Self::Traditional];

    /// The letter that ends the prescription's code.
    pub fn letter(self) -> char {
        match self {
            Self::Ordinary => 'c',
            Self::Narcotic => 'n',
            Self::Psychotropic => 'h',
            Self::Traditional => 'y',
        }
    }

    fn from_letter(c: char) -> Option<PrescriptionKind> {
        Self::ALL.into_iter().find(|k| k.letter() == c)
    }

    /// The stored and form name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ordinary => "ordinary",
            Self::Narcotic => "narcotic",
            Self::Psychotropic => "psychotropic",
            Self::Traditional => "traditional",
        }
    }
}

impl FromStr for PrescriptionKind {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(CodeError::Kind)
    }
}

/// Mã đơn thuốc — an e-prescription's code, 14 characters as the national prescription system prints them: the
/// prescribing facility's code (5 digits), the facility's own serial (7 characters, digits and lower-case letters),
/// a hyphen and the kind's letter, such as `01001000002a-c`. A pharmacy sells against this code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, DeserializeFromStr, SerializeDisplay)]
pub struct PrescriptionCode {
    facility: FacilityCode,
    serial: [u8; SERIAL_LEN],
    kind: PrescriptionKind,
}

/// The length of a facility's serial in a prescription code.
const SERIAL_LEN: usize = 7;
/// Base 36, lower case: the serial's digits.
const SERIAL_DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

impl PrescriptionCode {
    /// The code of the `n`-th prescription (from 1) a facility issues, of `kind`; `None` past the last serial
    /// (36⁷ − 1, some 78 billion).
    pub fn new(facility: FacilityCode, n: u64, kind: PrescriptionKind) -> Option<PrescriptionCode> {
        let mut serial = [b'0'; SERIAL_LEN];
        let mut rest = n;
        for digit in serial.iter_mut().rev() {
            *digit = SERIAL_DIGITS[(rest % 36) as usize];
            rest /= 36;
        }
        (n > 0 && rest == 0).then_some(PrescriptionCode { facility, serial, kind })
    }

    /// The facility that issued it.
    pub fn facility(&self) -> FacilityCode {
        self.facility
    }

    /// What kind of prescription it is.
    pub fn kind(&self) -> PrescriptionKind {
        self.kind
    }
}

impl fmt::Display for PrescriptionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let serial = std::str::from_utf8(&self.serial).unwrap_or_default();
        write!(f, "{}{serial}-{}", self.facility, self.kind.letter())
    }
}

impl fmt::Debug for PrescriptionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrescriptionCode({self})")
    }
}

impl FromStr for PrescriptionCode {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bytes = s.as_bytes();
        if bytes.len() != 14 || bytes[12] != b'-' {
            return Err(CodeError::Prescription);
        }
        let facility = s[..5].parse().map_err(|_| CodeError::Prescription)?;
        let serial: [u8; SERIAL_LEN] = bytes[5..12].try_into().map_err(|_| CodeError::Prescription)?;
        // Serial 0 is never issued, but it is a code of the right form: looking it up finds nothing.
        if !serial.iter().all(|b| SERIAL_DIGITS.contains(b)) {
            return Err(CodeError::Prescription);
        }
        let kind = PrescriptionKind::from_letter(char::from(bytes[13])).ok_or(CodeError::Prescription)?;
        Ok(PrescriptionCode { facility, serial, kind })
    }
}

/// Why a string is not one of the slice's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Not five digits.
    #[error("a facility code is 5 digits")]
    Facility,
    /// Not a prescription code.
    #[error(
        "a prescription code is 14 characters: the facility's 5 digits, 7 digits or lower-case letters, a hyphen and c, n, h or y"
    )]
    Prescription,
    /// Not a kind of prescription.
    #[error("the kind of prescription is ordinary, narcotic, psychotropic or traditional")]
    Kind,
}

impl Localized for CodeError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Facility, Lang::Vi) => "Mã cơ sở khám bệnh, chữa bệnh gồm 5 chữ số.".into(),
            (Self::Prescription, Lang::Vi) => "Mã đơn thuốc gồm 14 ký tự: 5 chữ số mã cơ sở, 7 chữ số hoặc chữ \
                thường, dấu gạch ngang và loại đơn (c, n, h hoặc y), ví dụ 01001000002a-c."
                .into(),
            (Self::Kind, Lang::Vi) => "Loại đơn thuốc không hợp lệ.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

/// What kind of facility: a pharmacy (nhà thuốc) dispenses but does not prescribe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    /// Bệnh viện.
    Hospital,
    /// Trạm y tế xã, phường — the commune health station.
    Station,
    /// Phòng khám.
    Clinic,
    /// Nhà thuốc.
    Pharmacy,
}

impl FacilityKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hospital => "hospital",
            Self::Station => "station",
            Self::Clinic => "clinic",
            Self::Pharmacy => "pharmacy",
        }
    }

    /// Whether its doctors write prescriptions.
    pub fn prescribes(self) -> bool {
        self != Self::Pharmacy
    }
}

impl FromStr for FacilityKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Hospital, Self::Station, Self::Clinic, Self::Pharmacy]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown facility kind {s:?}"))
    }
}

/// Cơ sở khám bệnh, chữa bệnh — a health facility, or a pharmacy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Facility {
    /// Its code.
    #[schema(value_type = String, example = "01001")]
    pub code: FacilityCode,
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: FacilityKind,
    /// The commune it is in.
    #[schema(value_type = String)]
    pub commune: kernel::AdminUnitCode,
}

/// One medicine on a prescription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Medicine {
    /// The medicine, by its international non-proprietary name and strength, such as "Paracetamol 500mg".
    #[schema(schema_with = name_schema)]
    pub name: String,
    /// How many units.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 1, maximum = 10000)]
    pub quantity: i64,
    /// The unit: "viên", "gói", "chai"…
    #[schema(schema_with = unit_schema)]
    pub unit: String,
    /// How to take it: "Ngày uống 2 lần, mỗi lần 1 viên, sau ăn".
    #[schema(schema_with = usage_schema)]
    pub usage: String,
}

fn name_schema() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(200)
}

fn unit_schema() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(30)
}

fn usage_schema() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(300)
}

/// Where a prescription is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrescriptionStatus {
    /// Issued, not dispensed yet.
    Issued,
    /// Dispensed, once.
    Dispensed,
}

impl PrescriptionStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Dispensed => "dispensed",
        }
    }
}

impl FromStr for PrescriptionStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "issued" => Ok(Self::Issued),
            "dispensed" => Ok(Self::Dispensed),
            other => Err(format!("unknown prescription status {other:?}")),
        }
    }
}

/// Đơn thuốc điện tử — an e-prescription, as issued and, once, dispensed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Prescription {
    /// Its code.
    #[schema(value_type = String, example = "01001000002a-c")]
    pub code: PrescriptionCode,
    /// What kind it is.
    pub kind: PrescriptionKind,
    /// The facility that issued it, and its name.
    #[schema(value_type = String)]
    pub facility: FacilityCode,
    /// The facility's name.
    pub facility_name: String,
    /// The doctor who wrote it.
    pub prescriber: String,
    /// The patient's personal ID number.
    #[schema(value_type = String)]
    pub patient: kernel::PersonalId,
    /// The patient's name, as the population registry holds it.
    pub patient_name: String,
    /// Chẩn đoán — the diagnosis.
    pub diagnosis: String,
    /// What is prescribed.
    pub medicines: Vec<Medicine>,
    /// When it was issued, Unix seconds.
    pub issued_at: i64,
    /// The last moment it may be dispensed, Unix seconds.
    pub valid_until: i64,
    /// Issued or dispensed.
    pub status: PrescriptionStatus,
    /// When it was dispensed, Unix seconds.
    pub dispensed_at: Option<i64>,
    /// The facility (a pharmacy) that dispensed it.
    #[schema(value_type = Option<String>)]
    pub dispensed_by: Option<FacilityCode>,
    /// The signed QR text, which `/verify` checks offline.
    pub qr_text: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_code_is_the_facility_the_serial_in_base_36_and_the_kind() {
        let facility: FacilityCode = "01001".parse().unwrap();
        let code = PrescriptionCode::new(facility, 36 + 10, PrescriptionKind::Ordinary).unwrap();
        assert_eq!(code.to_string(), "01001000001a-c");
        assert_eq!(code.to_string().parse::<PrescriptionCode>().unwrap(), code);
        assert_eq!(code.to_string().len(), 14);
        assert!(PrescriptionCode::new(facility, 0, PrescriptionKind::Narcotic).is_none());
        assert!(PrescriptionCode::new(facility, 36u64.pow(7), PrescriptionKind::Narcotic).is_none());
        assert_eq!(facility.agency().as_str(), "KCB.01001");
        assert_eq!(FacilityCode::of_agency(&facility.agency()), Some(facility));
        assert_eq!(FacilityCode::of_agency(&"UBND.00070".parse().unwrap()), None);
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in [
            "",
            "01001000002a",
            "01001000002a-x",
            "0100100000 2a-c",
            "01001000002A-c",
            "0100a000002a-c",
            "01001000002a_c",
            "01001000002a-cc",
        ] {
            assert_eq!(bad.parse::<PrescriptionCode>(), Err(CodeError::Prescription), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn every_issued_code_reads_back(facility in 0u32..100_000, n in 1u64..36u64.pow(7), kind in 0usize..4) {
            let facility: FacilityCode = format!("{facility:05}").parse().unwrap();
            let code = PrescriptionCode::new(facility, n, PrescriptionKind::ALL[kind]).unwrap();
            prop_assert_eq!(code.to_string().parse::<PrescriptionCode>(), Ok(code));
        }

        #[test]
        fn parsing_never_panics_and_what_parses_prints_back(s in "\\PC{0,20}") {
            if let Ok(code) = s.parse::<PrescriptionCode>() {
                prop_assert_eq!(code.to_string(), s.trim());
            }
        }
    }
}
