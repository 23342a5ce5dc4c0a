//! Land users, certificates, parcels as recorded and their transactions.

use std::fmt;
use std::str::FromStr;

use kernel::{AgencyCode, PersonalId, TaxCode};
use serde::Serialize;
use serde_with::{DeserializeFromStr, SerializeDisplay};

use super::{Area, LandUse, ModelError, ParcelRef, Share, Term, bad};

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
    pub fn key(&self) -> String {
        match self {
            Holder::Citizen(id) => id.as_str().to_owned(),
            Holder::Enterprise(code) => code.to_string(),
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
            Err(bad(
                "Số phát hành gồm 2 chữ cái in hoa và 6 đến 8 chữ số, ví dụ AA 01234567.",
                "a certificate serial is 2 letters and 6 to 8 digits",
            ))
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
