//! Thửa đất — parcels, who uses them and with what share, their certificates and the transactions on them.

use std::fmt;
use std::str::FromStr;

use kernel::AdminUnitCode;
use serde::Serialize;
use serde_with::{DeserializeFromStr, SerializeDisplay};

pub use crate::purpose::LandUse;

mod records;

pub use records::*;

/// Why a given or stored value is not one of this module's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct ModelError {
    /// In Vietnamese, for the person who typed it.
    pub vi: &'static str,
    /// In English.
    pub en: &'static str,
}

impl kernel::Localized for ModelError {
    fn message(&self, lang: kernel::Lang) -> std::borrow::Cow<'static, str> {
        match lang {
            kernel::Lang::Vi => self.vi.into(),
            kernel::Lang::En => self.en.into(),
        }
    }
}

pub(crate) const fn bad(vi: &'static str, en: &'static str) -> ModelError {
    ModelError { vi, en }
}

/// The largest map-sheet number (tờ bản đồ địa chính): four digits are more than any commune has.
pub const MAX_SHEET: u32 = 9_999;
/// The largest parcel number on one sheet (số thửa).
pub const MAX_NUMBER: u32 = 99_999;

/// Which parcel: its commune, its map sheet (tờ bản đồ) and its number on that sheet (số thửa), the three parts
/// a certificate names it by. Written `00070-12-345` where one string is needed (the ledger, a link).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct ParcelRef {
    /// The commune (xã, phường, đặc khu) the parcel lies in.
    pub commune: AdminUnitCode,
    /// Tờ bản đồ số: 1 to [`MAX_SHEET`].
    pub sheet: u32,
    /// Thửa đất số: 1 to [`MAX_NUMBER`].
    pub number: u32,
}

impl ParcelRef {
    /// The parcel `number` on sheet `sheet` of `commune`, if the commune is a commune and the numbers are in range.
    pub fn new(commune: AdminUnitCode, sheet: u32, number: u32) -> Result<ParcelRef, ModelError> {
        if commune.level() != kernel::admin_unit::Level::Commune {
            return Err(bad("Thửa đất thuộc một xã, phường hoặc đặc khu (mã 5 chữ số).", "a parcel lies in a commune"));
        }
        if !(1..=MAX_SHEET).contains(&sheet) {
            return Err(bad("Số tờ bản đồ từ 1 đến 9999.", "a map-sheet number is 1 to 9999"));
        }
        if !(1..=MAX_NUMBER).contains(&number) {
            return Err(bad("Số thửa từ 1 đến 99999.", "a parcel number is 1 to 99999"));
        }
        Ok(ParcelRef { commune, sheet, number })
    }
}

impl fmt::Display for ParcelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.commune, self.sheet, self.number)
    }
}

impl FromStr for ParcelRef {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = bad("Thửa đất ghi dạng mã xã-tờ-thửa, ví dụ 00070-12-345.", "a parcel is commune-sheet-number");
        let mut parts = s.trim().split('-');
        let (Some(c), Some(sh), Some(n), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(malformed);
        };
        let commune = c.parse().map_err(|_| malformed.clone())?;
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit()) && (1..=5).contains(&p.len());
        if !digits(sh) || !digits(n) {
            return Err(malformed);
        }
        ParcelRef::new(commune, sh.parse().map_err(|_| malformed.clone())?, n.parse().map_err(|_| malformed)?)
    }
}

/// An area, held exactly in square decimetres: cadastral records write m² with one or two decimals, and a
/// float would drift when shares and sums are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "f64")]
pub struct Area(u64);

impl Area {
    /// The largest recorded area: 10,000 km², far above any parcel, and inside `i64`.
    pub const MAX_M2: f64 = 1e10;

    /// `m2` square metres rounded to the square decimetre, if above zero and at most [`Self::MAX_M2`].
    pub fn from_m2(m2: f64) -> Result<Area, ModelError> {
        if !m2.is_finite() || !(0.01..=Self::MAX_M2).contains(&m2) {
            return Err(bad("Diện tích lớn hơn 0 và không quá 10 tỷ m².", "an area is above 0 and at most 1e10 m²"));
        }
        Ok(Area((m2 * 100.0).round() as u64))
    }

    /// From storage (square decimetres).
    pub fn from_dm2(dm2: i64) -> Result<Area, ModelError> {
        u64::try_from(dm2)
            .ok()
            .filter(|a| *a > 0)
            .map(Area)
            .ok_or(bad("Diện tích không hợp lệ.", "a stored area is wrong"))
    }

    /// Square decimetres, for storage.
    pub fn dm2(self) -> i64 {
        self.0 as i64
    }

    /// Square metres.
    pub fn m2(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// As Vietnamese write it: `1.250,5 m²`.
    pub fn display_vi(self) -> String {
        let whole = (self.0 / 100).to_string();
        let mut out = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        let cents = self.0 % 100;
        if cents != 0 {
            out.push_str(&format!(",{}", format!("{cents:02}").trim_end_matches('0')));
        }
        out + " m²"
    }
}

impl From<Area> for f64 {
    fn from(a: Area) -> f64 {
        a.m2()
    }
}

/// Thời hạn sử dụng đất — how long the right lasts: for good (đất ở, most long-standing uses) or until a date
/// (a lease, agricultural land allocated for a term).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "until")]
pub enum Term {
    /// Lâu dài.
    LongTerm,
    /// Đến ngày …
    Until(time::Date),
}

impl Term {
    /// From storage: no date is long-term.
    pub fn from_stored(until: Option<&str>) -> Result<Term, ModelError> {
        match until {
            None => Ok(Term::LongTerm),
            Some(d) => parse_date(d).map(Term::Until),
        }
    }

    /// For storage.
    pub fn stored(self) -> Option<String> {
        match self {
            Term::LongTerm => None,
            Term::Until(d) => Some(d.to_string()),
        }
    }
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Result<time::Date, ModelError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &format).map_err(|_| bad("Ngày ghi dạng NNNN-TT-NN.", "a date is YYYY-MM-DD"))
}

/// A share of a parcel's right in basis points (1/100 of a percent): 10,000 is the whole parcel. Co-users
/// (vợ chồng, đồng thừa kế) each hold a share; the shares of a parcel never add up to more than the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[schema(value_type = u32)]
pub struct Share(u32);

impl Share {
    /// The whole parcel.
    pub const WHOLE: Share = Share(10_000);

    /// `bp` basis points, if 1 to 10,000.
    pub fn new(bp: i64) -> Result<Share, ModelError> {
        u32::try_from(bp)
            .ok()
            .filter(|b| (1..=10_000).contains(b))
            .map(Share)
            .ok_or(bad("Phần quyền từ 1 đến 10000 phần vạn (0,01% đến 100%).", "a share is 1 to 10000 basis points"))
    }

    /// Basis points.
    pub fn bp(self) -> u32 {
        self.0
    }

    /// As a percentage, Vietnamese style: `50%`, `33,33%`.
    pub fn display_vi(self) -> String {
        let (whole, rest) = (self.0 / 100, self.0 % 100);
        if rest == 0 { format!("{whole}%") } else { format!("{whole},{:02}%", rest).replace("0%", "%") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parcel_reference_reads_back_what_it_writes() {
        let r: ParcelRef = "00070-12-345".parse().unwrap();
        assert_eq!(r.to_string(), "00070-12-345");
        for bad in ["00070-0-1", "00070-1-0", "01-1-1", "00070-1", "00070-1-1-1", "00070-+1-1", "99999-1-1"] {
            assert!(bad.parse::<ParcelRef>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shares_are_one_basis_point_to_the_whole() {
        assert!(Share::new(0).is_err());
        assert!(Share::new(10_001).is_err());
        assert_eq!(Share::new(5_000).unwrap().display_vi(), "50%");
        assert_eq!(Share::new(3_333).unwrap().display_vi(), "33,33%");
        assert_eq!(Share::new(2_550).unwrap().display_vi(), "25,5%");
    }

    #[test]
    fn areas_are_exact_to_the_square_decimetre() {
        assert_eq!(Area::from_m2(125.4).unwrap().display_vi(), "125,4 m²");
        assert_eq!(Area::from_m2(1250.0).unwrap().display_vi(), "1.250 m²");
        assert!(Area::from_m2(0.0).is_err());
        assert!(Area::from_m2(f64::NAN).is_err());
    }
}
