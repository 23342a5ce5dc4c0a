//! Administrative units (đơn vị hành chính): the 34 provinces and 3,321 communes of the two-level local
//! government in force since 1 July 2025, and the 63 pre-2025 provinces whose codes begin every personal ID
//! number issued before the rearrangement.
//!
//! The data is compiled into the binary from `data/`, so a lookup never touches the database.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_with::{DeserializeFromStr, SerializeDisplay};

use crate::lang::{Lang, Localized};

const UNITS_2025: &str = include_str!("../../../data/vn-admin-units-2025.json");
const PROVINCES_PRE_2025: &str = include_str!("../../../data/vn-provinces-pre2025.json");

/// Why a string is not an administrative-unit code we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminUnitError {
    /// Not 2 digits (a province) or 5 digits (a commune).
    #[error("admin-unit code {0:?} is malformed: expected 2 digits (province) or 5 digits (commune)")]
    Malformed(String),
    /// Well-formed, but no unit has this code.
    #[error("no administrative unit has code {0}")]
    Unknown(String),
}

impl Localized for AdminUnitError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Malformed(s), Lang::Vi) => {
                format!("Mã đơn vị hành chính \"{s}\" không đúng dạng: mã tỉnh gồm 2 chữ số, mã xã gồm 5 chữ số.")
                    .into()
            }
            (Self::Malformed(s), Lang::En) => format!(
                "Administrative unit code \"{s}\" is malformed: a province code has 2 digits, a commune code 5."
            )
            .into(),
            (Self::Unknown(s), Lang::Vi) => format!("Không có đơn vị hành chính mã {s}.").into(),
            (Self::Unknown(s), Lang::En) => format!("There is no administrative unit with code {s}.").into(),
        }
    }
}

/// The level of an administrative unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Tỉnh or thành phố trực thuộc trung ương.
    Province,
    /// Xã, phường or đặc khu.
    Commune,
}

/// The code of a current administrative unit that exists: `01` (a province) or `00070` (a commune).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct AdminUnitCode {
    level_is_commune: bool,
    code: u32,
}

impl AdminUnitCode {
    /// The unit's level.
    pub fn level(self) -> Level {
        if self.level_is_commune { Level::Commune } else { Level::Province }
    }

    /// The unit this code names.
    pub fn unit(self) -> &'static AdminUnit {
        let data = &*DATA;
        match self.level() {
            Level::Province => &data.provinces[data.province_index[&self.code]].unit,
            Level::Commune => {
                let (p, c) = data.commune_index[&self.code];
                &data.provinces[p].communes[c]
            }
        }
    }

    /// The province this unit is in (itself for a province).
    pub fn province(self) -> AdminUnitCode {
        self.unit().province
    }

    /// Whether `other` is this unit or lies within it.
    pub fn contains(self, other: AdminUnitCode) -> bool {
        self == other || (self.level() == Level::Province && other.province() == self)
    }
}

impl FromStr for AdminUnitCode {
    type Err = AdminUnitError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let malformed = || AdminUnitError::Malformed(s.to_owned());
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let code: u32 = t.parse().map_err(|_| malformed())?;
        let data = &*DATA;
        let found = match t.len() {
            2 => data.province_index.contains_key(&code),
            5 => data.commune_index.contains_key(&code),
            _ => return Err(malformed()),
        };
        if !found {
            return Err(AdminUnitError::Unknown(t.to_owned()));
        }
        Ok(AdminUnitCode { level_is_commune: t.len() == 5, code })
    }
}

impl fmt::Display for AdminUnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.level() {
            Level::Province => write!(f, "{:02}", self.code),
            Level::Commune => write!(f, "{:05}", self.code),
        }
    }
}

/// One administrative unit.
#[derive(Debug, Serialize)]
pub struct AdminUnit {
    /// Its code.
    pub code: AdminUnitCode,
    /// Its official name, with its type: "Phường Hoàn Kiếm".
    pub name: String,
    /// An ASCII slug of the name: "phuong_hoan_kiem".
    pub codename: String,
    /// Its type as officially written: "phường", "xã", "đặc khu", "tỉnh", "thành phố trung ương".
    #[serde(rename = "type")]
    pub kind: String,
    /// Province or commune.
    pub level: Level,
    /// The province it belongs to (itself for a province).
    #[serde(skip)]
    pub province: AdminUnitCode,
}

/// Every current province, in the official order.
pub fn provinces() -> impl ExactSizeIterator<Item = &'static AdminUnit> {
    DATA.provinces.iter().map(|p| &p.unit)
}

/// The communes of a province (empty for a commune code).
pub fn communes_of(code: AdminUnitCode) -> &'static [AdminUnit] {
    match code.level() {
        Level::Province => &DATA.provinces[DATA.province_index[&code.code]].communes,
        Level::Commune => &[],
    }
}

/// The number of current communes in the country.
pub fn commune_count() -> usize {
    DATA.commune_index.len()
}

/// A pre-July-2025 province code (`001` Hà Nội … `096` Cà Mau): the first three digits of a personal ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LegacyProvinceCode(u16);

impl LegacyProvinceCode {
    /// Parses three digits naming one of the 63 pre-2025 provinces.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let code: u16 = s.parse().ok()?;
        DATA.legacy.contains_key(&code).then_some(LegacyProvinceCode(code))
    }

    /// The province's name at the time: "Tỉnh Hà Giang".
    pub fn name(self) -> &'static str {
        &DATA.legacy[&self.0]
    }

    /// Every pre-2025 province code.
    pub fn all() -> Vec<LegacyProvinceCode> {
        let mut all: Vec<_> = DATA.legacy.keys().map(|&c| LegacyProvinceCode(c)).collect();
        all.sort();
        all
    }
}

impl fmt::Display for LegacyProvinceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

struct ProvinceData {
    unit: AdminUnit,
    communes: Vec<AdminUnit>,
}

struct Data {
    provinces: Vec<ProvinceData>,
    province_index: HashMap<u32, usize>,
    commune_index: HashMap<u32, (usize, usize)>,
    legacy: HashMap<u16, String>,
}

#[derive(Deserialize)]
struct RawFile {
    provinces: Vec<RawUnit>,
}

#[derive(Deserialize)]
struct RawUnit {
    code: u32,
    name: String,
    codename: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    communes: Vec<RawUnit>,
}

// The data files are part of the source tree; a malformed one is a build defect caught by the tests below,
// so failing loudly on first use is right.
static DATA: LazyLock<Data> = LazyLock::new(|| {
    let current: RawFile = serde_json::from_str(UNITS_2025).expect("data/vn-admin-units-2025.json is valid");
    let legacy: RawFile = serde_json::from_str(PROVINCES_PRE_2025).expect("data/vn-provinces-pre2025.json is valid");
    let mut data = Data {
        provinces: Vec::new(),
        province_index: HashMap::new(),
        commune_index: HashMap::new(),
        legacy: legacy.provinces.into_iter().map(|p| (p.code as u16, p.name)).collect(),
    };
    for (pi, p) in current.provinces.into_iter().enumerate() {
        let province = AdminUnitCode { level_is_commune: false, code: p.code };
        let communes = p
            .communes
            .into_iter()
            .enumerate()
            .map(|(ci, c)| {
                data.commune_index.insert(c.code, (pi, ci));
                AdminUnit {
                    code: AdminUnitCode { level_is_commune: true, code: c.code },
                    name: c.name,
                    codename: c.codename,
                    kind: c.kind,
                    level: Level::Commune,
                    province,
                }
            })
            .collect();
        data.province_index.insert(p.code, pi);
        let unit = AdminUnit {
            code: province,
            name: p.name,
            codename: p.codename,
            kind: p.kind,
            level: Level::Province,
            province,
        };
        data.provinces.push(ProvinceData { unit, communes });
    }
    data
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_the_2025_rearrangement() {
        assert_eq!(provinces().len(), 34);
        assert_eq!(commune_count(), 3321);
        assert_eq!(LegacyProvinceCode::all().len(), 63);
    }

    #[test]
    fn parses_provinces_and_communes() {
        let hanoi: AdminUnitCode = "01".parse().unwrap();
        assert_eq!(hanoi.level(), Level::Province);
        assert_eq!(hanoi.unit().name, "Thành phố Hà Nội");
        let hoan_kiem: AdminUnitCode = "00070".parse().unwrap();
        assert_eq!(hoan_kiem.unit().name, "Phường Hoàn Kiếm");
        assert_eq!(hoan_kiem.province(), hanoi);
        assert!(hanoi.contains(hoan_kiem));
        assert!(!hoan_kiem.contains(hanoi));
        assert_eq!(hoan_kiem.to_string(), "00070");
        assert_eq!(communes_of(hanoi).len(), 126);
    }

    #[test]
    fn rejects_malformed_and_unknown_codes() {
        assert!(matches!("1".parse::<AdminUnitCode>(), Err(AdminUnitError::Malformed(_))));
        assert!(matches!("0a".parse::<AdminUnitCode>(), Err(AdminUnitError::Malformed(_))));
        assert!(matches!("+1".parse::<AdminUnitCode>(), Err(AdminUnitError::Malformed(_))));
        assert!(matches!("02".parse::<AdminUnitCode>(), Err(AdminUnitError::Unknown(_))));
        assert!(matches!("99999".parse::<AdminUnitCode>(), Err(AdminUnitError::Unknown(_))));
    }

    #[test]
    fn legacy_codes_are_the_pre_2025_provinces() {
        assert_eq!(LegacyProvinceCode::parse("001").unwrap().name(), "Thành phố Hà Nội");
        assert_eq!(LegacyProvinceCode::parse("096").unwrap().to_string(), "096");
        assert!(LegacyProvinceCode::parse("003").is_none());
        assert!(LegacyProvinceCode::parse("01").is_none());
    }
}
