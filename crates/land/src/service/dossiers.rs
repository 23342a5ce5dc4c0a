//! What the portal's land procedures ask of the registry besides the changes themselves: whether an applicant may
//! transfer a parcel or release its mortgage (asked when they submit, so they learn at once), and the serial of the certificate an
//! approval issues.

use store::Tx;

use crate::error::LandError;
use crate::model::{CertificateNumber, Holder, ParcelRef, Share};
use crate::store as sql;

/// The series of the certificates congso numbers itself. The Ministry prints certificate blanks with their serials;
/// until a land office records the serial of the blank it prints a dossier's certificate on, congso numbers the
/// certificates its approvals issue in a series of its own, `CS` and eight digits.
pub const SERIES: &str = "CS";

/// What `holder` may sell or give of parcel `r` now: the share they hold. Refused: no such parcel, a holder who
/// holds none of it, a mortgaged parcel.
pub async fn transferable_in(tx: &mut Tx, r: &ParcelRef, holder: &Holder) -> Result<Share, LandError> {
    let row = sql::parcel_row_in(tx, r).await?.ok_or(LandError::NoParcel)?;
    let holders = sql::holders_in(tx, row.id).await?;
    let share = holders.iter().find(|h| &h.holder == holder).map(|h| h.share).ok_or(LandError::NotAHolder)?;
    if !sql::open_mortgages_in(tx, row.id).await?.is_empty() {
        return Err(LandError::Mortgaged);
    }
    Ok(share)
}

/// The open mortgage of parcel `r` that `holder` gave to `mortgagee`: the number its release names. Refused: no
/// such parcel, a holder who holds none of it, no open mortgage of theirs to that lender.
pub async fn releasable_in(tx: &mut Tx, r: &ParcelRef, holder: &Holder, mortgagee: &Holder) -> Result<i64, LandError> {
    let row = sql::parcel_row_in(tx, r).await?.ok_or(LandError::NoParcel)?;
    if !sql::holders_in(tx, row.id).await?.iter().any(|h| &h.holder == holder) {
        return Err(LandError::NotAHolder);
    }
    sql::open_mortgage_to_in(tx, row.id, &mortgagee.to_string()).await?.ok_or(LandError::NoMortgage)
}

/// The next serial of [`SERIES`], taken in the caller's transaction (past 99,999,999 it no longer parses, and
/// the approval fails rather than reuse a number).
pub async fn next_serial_in(tx: &mut Tx) -> Result<CertificateNumber, LandError> {
    let n = sql::next_serial(tx, SERIES).await?;
    format!("{SERIES}{n:08}").parse().map_err(|e| LandError::field("certificate", e))
}
