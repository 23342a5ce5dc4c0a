//! Hóa đơn / khoản thu — bills, who pays them, for what, and where they are; and the payments banks report.

use std::fmt;
use std::str::FromStr;

use kernel::{AgencyCode, DossierCode, PersonalId, TaxCode};
use rand::Rng;
use serde::Serialize;
use serde_with::{DeserializeFromStr, SerializeDisplay};

/// Why a stored or given value is not one of this module's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub &'static str);

/// An amount in whole đồng, above zero: there is no smaller coin, and a bill of nothing is no bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[schema(value_type = u64)]
pub struct Dong(u64);

impl Dong {
    /// The largest amount: thirteen digits, what VietQR's amount field carries, and inside `i64` for storage.
    pub const MAX: u64 = 9_999_999_999_999;

    /// `amount` đồng, if it is 1 to [`Self::MAX`].
    pub fn new(amount: i64) -> Result<Dong, ModelError> {
        u64::try_from(amount)
            .ok()
            .filter(|a| (1..=Self::MAX).contains(a))
            .map(Dong)
            .ok_or(ModelError("an amount is a whole number of đồng above 0"))
    }

    /// The amount.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The amount for storage (always fits).
    pub fn as_i64(self) -> i64 {
        self.0 as i64
    }

    /// As Vietnamese write it: `1.250.000 ₫`.
    pub fn display_vi(self) -> String {
        let digits = self.0.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out + " ₫"
    }
}

/// Người nộp — who owes a bill: a citizen by personal ID number, or an enterprise by tax code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payer {
    /// A citizen.
    Citizen(PersonalId),
    /// An enterprise (or a branch of one).
    Enterprise(TaxCode),
}

impl Payer {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Payer::Citizen(_) => "citizen",
            Payer::Enterprise(_) => "enterprise",
        }
    }

    /// The stored key.
    pub fn key(&self) -> String {
        match self {
            Payer::Citizen(id) => id.as_str().to_owned(),
            Payer::Enterprise(code) => code.to_string(),
        }
    }

    /// Reads a stored payer back.
    pub fn from_stored(kind: &str, key: &str) -> Result<Payer, ModelError> {
        match kind {
            "citizen" => key.parse().map(Payer::Citizen).map_err(|_| ModelError("a stored payer is not a personal ID")),
            "enterprise" => {
                key.parse().map(Payer::Enterprise).map_err(|_| ModelError("a stored payer is not a tax code"))
            }
            _ => Err(ModelError("unknown payer kind")),
        }
    }
}

/// What a bill pays for, in the slice that asked for it. It grows as slices do (a hospital encounter, a school
/// term); the kind decides which [`crate::listener::PaidListener`] hears of the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillFor {
    /// A dossier's fee (lệ phí) in the public-service portal.
    Dossier(DossierCode),
}

/// The kind of a [`BillFor`], without its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillForKind {
    /// [`BillFor::Dossier`].
    Dossier,
}

impl BillFor {
    /// Its kind.
    pub fn kind(&self) -> BillForKind {
        match self {
            BillFor::Dossier(_) => BillForKind::Dossier,
        }
    }

    /// The stored key.
    pub fn key(&self) -> String {
        match self {
            BillFor::Dossier(code) => code.to_string(),
        }
    }

    /// Reads a stored reference back.
    pub fn from_stored(kind: &str, key: &str) -> Result<BillFor, ModelError> {
        match kind {
            "dossier" => key.parse().map(BillFor::Dossier).map_err(|_| ModelError("a stored dossier code is broken")),
            _ => Err(ModelError("unknown kind of bill")),
        }
    }
}

impl BillForKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            BillForKind::Dossier => "dossier",
        }
    }
}

/// Trạng thái — where a bill is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillStatus {
    /// Chờ thanh toán: waiting for its payment.
    Pending,
    /// Đã thanh toán.
    Paid,
    /// Quá hạn: its due date passed unpaid.
    Expired,
    /// Đã hủy: withdrawn by the agency or the slice that asked for it.
    Cancelled,
    /// Đã hoàn tiền: paid, then the money given back.
    Refunded,
}

impl BillStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            BillStatus::Pending => "pending",
            BillStatus::Paid => "paid",
            BillStatus::Expired => "expired",
            BillStatus::Cancelled => "cancelled",
            BillStatus::Refunded => "refunded",
        }
    }
}

impl FromStr for BillStatus {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending" => BillStatus::Pending,
            "paid" => BillStatus::Paid,
            "expired" => BillStatus::Expired,
            "cancelled" => BillStatus::Cancelled,
            "refunded" => BillStatus::Refunded,
            _ => return Err(ModelError("unknown bill status")),
        })
    }
}

/// Mã thanh toán — a bill's reference: `TT` and 12 random letters and digits (no 0/O, 1/I), as people read it out
/// and as the bank carries it in 62.01 of the VietQR and in the transfer's description. Random, so that one
/// bill's reference tells nothing about another's.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct BillRef(String);

const REF_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

impl BillRef {
    /// A new random reference.
    pub fn random() -> BillRef {
        let mut rng = rand::thread_rng();
        let tail: String = (0..12).map(|_| REF_ALPHABET[rng.gen_range(0..REF_ALPHABET.len())] as char).collect();
        BillRef(format!("TT{tail}"))
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for BillRef {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = s.len() == 14 && s.starts_with("TT") && s.bytes().skip(2).all(|b| REF_ALPHABET.contains(&b));
        if ok { Ok(BillRef(s.to_owned())) } else { Err(ModelError("a bill reference is TT and 12 letters and digits")) }
    }
}

impl fmt::Display for BillRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BillRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bill, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bill {
    /// Its reference.
    pub reference: BillRef,
    /// Who owes it.
    #[serde(serialize_with = "payer_key")]
    pub payer: Payer,
    /// How much.
    pub amount: Dong,
    /// What for, in words (the citizen reads it; the VietQR carries it folded).
    pub purpose: String,
    /// What for, as a record of another slice.
    #[serde(serialize_with = "for_key")]
    pub pays_for: BillFor,
    /// The agency it is paid to.
    #[serde(serialize_with = "agency_key")]
    pub agency: AgencyCode,
    /// Hạn thanh toán, `YYYY-MM-DD`.
    pub due: time::Date,
    /// Where it is.
    pub status: BillStatus,
    /// Created at, Unix seconds.
    pub created_at: i64,
    /// Last changed at, Unix seconds.
    pub updated_at: i64,
}

fn payer_key<S: serde::Serializer>(payer: &Payer, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}:{}", payer.kind(), payer.key()))
}

fn for_key<S: serde::Serializer>(f: &BillFor, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}:{}", f.kind().as_str(), f.key()))
}

fn agency_key<S: serde::Serializer>(a: &AgencyCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_dong_above_zero() {
        assert!(Dong::new(0).is_err());
        assert!(Dong::new(-5).is_err());
        assert!(Dong::new(10_000_000_000_000).is_err());
        assert_eq!(Dong::new(1_250_000).unwrap().display_vi(), "1.250.000 ₫");
        assert_eq!(Dong::new(500).unwrap().display_vi(), "500 ₫");
    }

    #[test]
    fn references_are_random_and_parse_back() {
        let a = BillRef::random();
        assert_eq!(a.as_str().parse::<BillRef>().unwrap(), a);
        assert_ne!(a, BillRef::random());
        assert!("TT00000000000O".parse::<BillRef>().is_err());
        assert!("XX23456789ABCD".parse::<BillRef>().is_err());
    }

    #[test]
    fn stored_values_read_back_or_fail() {
        assert_eq!("paid".parse::<BillStatus>().unwrap(), BillStatus::Paid);
        assert!("lost".parse::<BillStatus>().is_err());
        assert!(Payer::from_stored("robot", "x").is_err());
        assert!(BillFor::from_stored("hospital", "x").is_err());
    }
}
