//! Thửa đất — parcels, who uses them and with what share, their certificates and the transactions on them.

use std::fmt;
use std::str::FromStr;

use kernel::{AdminUnitCode, AgencyCode, PersonalId, TaxCode};
use serde::Serialize;
use serde_with::{DeserializeFromStr, SerializeDisplay};

pub use crate::purpose::LandUse;

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

const fn bad(vi: &'static str, en: &'static str) -> ModelError {
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
        if !m2.is_finite() || m2 < 0.01 || m2 > Self::MAX_M2 {
            return Err(bad("Diện tích lớn hơn 0 và không quá 10 tỷ m².", "an area is above 0 and at most 1e10 m²"));
        }
        Ok(Area((m2 * 100.0).round() as u64))
    }

    /// From storage (square decimetres).
    pub fn from_dm2(dm2: i64) -> Result<Area, ModelError> {
        u64::try_from(dm2).ok().filter(|a| *a > 0).map(Area).ok_or(bad("Diện tích không hợp lệ.", "a stored area is wrong"))
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
#[schema(value_type = u32, minimum = 1, maximum = 10000)]
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

/// Người sử dụng đất — a land user: a citizen by personal ID number, or an organisation (an enterprise) by tax
/// code. Written `citizen:001…` or `enterprise:0101234567` where one string is needed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holder {
    /// Cá nhân.
    Citizen(PersonalId),
    /// Tổ chức (doanh nghiệp).
    Enterprise(TaxCode),
}

impl Holder {
    /// `citizen` or `enterprise`, for storage.
    pub fn kind(&self) -> &'static str {
        match self {
            Holder::Citizen(_) => "citizen",
            Holder::Enterprise(_) => "enterprise",
        }
    }

    /// The identifier, for storage.
    pub fn key(&self) -> &str {
        match self {
            Holder::Citizen(id) => id.as_str(),
            Holder::Enterprise(code) => code.as_str(),
        }
    }

    /// From storage.
    pub fn from_stored(kind: &str, key: &str) -> Result<Holder, ModelError> {
        let wrong = bad("Người sử dụng đất không hợp lệ.", "a stored land user is wrong");
        match kind {
            "citizen" => key.parse().map(Holder::Citizen).map_err(|_| wrong),
            "enterprise" => key.parse().map(Holder::Enterprise).map_err(|_| wrong),
            _ => Err(wrong),
        }
    }

    /// The citizen, if the holder is one: whose personal data a read of the parcel touches.
    pub fn citizen(&self) -> Option<&PersonalId> {
        match self {
            Holder::Citizen(id) => Some(id),
            Holder::Enterprise(_) => None,
        }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.key())
    }
}

impl FromStr for Holder {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wrong = bad(
            "Người sử dụng đất ghi citizen:<số định danh 12 chữ số> hoặc enterprise:<mã số thuế>.",
            "a land user is citizen:<personal ID> or enterprise:<tax code>",
        );
        let (kind, key) = s.trim().split_once(':').ok_or(wrong.clone())?;
        match kind {
            "citizen" => key.parse().map(Holder::Citizen).map_err(|_| wrong),
            "enterprise" => key.parse().map(Holder::Enterprise).map_err(|_| wrong),
            _ => Err(wrong),
        }
    }
}

/// Số phát hành giấy chứng nhận — the serial printed on a land-use-right certificate: two capital letters and
/// six to eight digits (`AA 01234567`), kept without the space.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct CertificateNumber(String);

impl CertificateNumber {
    /// The serial, without the space.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CertificateNumber {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let compact: String = s.chars().filter(|c| *c != ' ').collect::<String>().to_ascii_uppercase();
        let (letters, digits) = compact.split_at(compact.len().min(2));
        let ok = letters.len() == 2
            && letters.bytes().all(|b| b.is_ascii_uppercase())
            && (6..=8).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(CertificateNumber(compact))
        } else {
            Err(bad("Số phát hành gồm 2 chữ cái in hoa và 6 đến 8 chữ số, ví dụ AA 01234567.", "a certificate serial is 2 letters and 6 to 8 digits"))
        }
    }
}

impl fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", &self.0[..2], &self.0[2..])
    }
}

/// Giấy chứng nhận quyền sử dụng đất — the land-use-right certificate: its serial, when and by whom it was
/// issued. A transfer issues a new one; the old ones stay in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// Số phát hành.
    pub number: CertificateNumber,
    /// Ngày cấp.
    pub issued_on: time::Date,
    /// Cơ quan cấp: the agency (a provincial land registration office, `VPDKDD.01`).
    pub issuer: AgencyCode,
}

/// One land user's share of a parcel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// Who.
    pub holder: Holder,
    /// How much of the right.
    pub share: Share,
}

/// A parcel as recorded now.
#[derive(Debug, Clone)]
pub struct Parcel {
    /// Which.
    pub reference: ParcelRef,
    /// Diện tích as recorded (on the certificate).
    pub area: Area,
    /// The area computed from the geometry.
    pub computed_area: Area,
    /// Whether the two areas disagree beyond the tolerance: the record is kept, and flagged for a surveyor.
    pub flagged: bool,
    /// Mục đích sử dụng.
    pub purpose: LandUse,
    /// Thời hạn sử dụng.
    pub term: Term,
    /// Its boundary.
    pub footprint: crate::geometry::Footprint,
    /// Its users now, largest share first.
    pub holders: Vec<Holding>,
    /// Its certificate now.
    pub certificate: Certificate,
    /// Whether a mortgage is registered and not released.
    pub mortgaged: bool,
    /// Counts its changes: a change succeeds only against the version it read.
    pub version: i64,
    /// Recorded at, Unix seconds.
    pub created_at: i64,
    /// Last changed at, Unix seconds.
    pub updated_at: i64,
}

/// What a transaction did (biến động đất đai).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransactionKind {
    /// Đăng ký lần đầu — first registration.
    Registration,
    /// Chuyển nhượng — sale.
    Transfer,
    /// Thừa kế — inheritance.
    Inheritance,
    /// Tặng cho — gift.
    Gift,
    /// Cho thuê — lease.
    Lease,
    /// Đăng ký thế chấp — a mortgage registered.
    Mortgage,
    /// Xóa đăng ký thế chấp — a mortgage released.
    MortgageRelease,
}

impl TransactionKind {
    /// For storage and the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            TransactionKind::Registration => "registration",
            TransactionKind::Transfer => "transfer",
            TransactionKind::Inheritance => "inheritance",
            TransactionKind::Gift => "gift",
            TransactionKind::Lease => "lease",
            TransactionKind::Mortgage => "mortgage",
            TransactionKind::MortgageRelease => "mortgage_release",
        }
    }

    /// The i18n key of its name.
    pub fn key(self) -> &'static str {
        match self {
            TransactionKind::Registration => "land.tx.registration",
            TransactionKind::Transfer => "land.tx.transfer",
            TransactionKind::Inheritance => "land.tx.inheritance",
            TransactionKind::Gift => "land.tx.gift",
            TransactionKind::Lease => "land.tx.lease",
            TransactionKind::Mortgage => "land.tx.mortgage",
            TransactionKind::MortgageRelease => "land.tx.mortgage_release",
        }
    }
}

impl FromStr for TransactionKind {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "registration" => TransactionKind::Registration,
            "transfer" => TransactionKind::Transfer,
            "inheritance" => TransactionKind::Inheritance,
            "gift" => TransactionKind::Gift,
            "lease" => TransactionKind::Lease,
            "mortgage" => TransactionKind::Mortgage,
            "mortgage_release" => TransactionKind::MortgageRelease,
            _ => return Err(bad("Loại biến động không hợp lệ.", "unknown transaction kind")),
        })
    }
}

/// One row of a parcel's history: never changed once written.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Transaction {
    /// Its number, which a mortgage's release names.
    pub id: i64,
    /// What it did.
    pub kind: TransactionKind,
    /// Who gave (a transfer, lease, mortgage: the user), `citizen:…` or `enterprise:…`.
    pub from: Option<String>,
    /// Who received (a transfer, a lessee, a mortgagee), `citizen:…` or `enterprise:…`.
    pub to: Option<String>,
    /// The share moved, in basis points.
    pub share_bp: Option<u32>,
    /// The certificate issued with it.
    pub certificate: Option<String>,
    /// For a lease, the day it ends, `YYYY-MM-DD`.
    pub until: Option<String>,
    /// For a release, the mortgage it releases.
    pub releases: Option<i64>,
    /// The legal basis (a contract's number, a will): free text.
    pub basis: String,
    /// Who recorded it (an official's username).
    pub actor: String,
    /// When, Unix seconds.
    pub at: i64,
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

    #[test]
    fn certificate_serials_are_two_letters_and_digits() {
        let n: CertificateNumber = "aa 01234567".parse().unwrap();
        assert_eq!(n.as_str(), "AA01234567");
        assert_eq!(n.to_string(), "AA 01234567");
        for bad in ["A1234567", "AA12345", "AA123456789", "ÁA123456", "AA12345X"] {
            assert!(bad.parse::<CertificateNumber>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_holder_is_a_citizen_or_an_enterprise() {
        let h: Holder = "enterprise:0100109106".parse().unwrap();
        assert_eq!(h.to_string(), "enterprise:0100109106");
        assert!("person:1".parse::<Holder>().is_err());
    }
}
