//! A whole parcel in one statement: its row, its current certificate, whether it is under mortgage and its
//! holders, for the reads that serve officials (a lookup is then two statements with its history, not five).

use store::Tx;
use store::sqlx::{self, Row};

use super::{COLUMNS, decode, holding, parcel_row};
use crate::model::{Certificate, ModelError, Parcel, ParcelRef};

/// A parcel by reference with everything [`super::assemble`] joins to it, in the caller's transaction: its row's id
/// and the parcel. One row per holder (the parcel's columns repeated), largest share first.
pub async fn parcel_in(tx: &mut Tx, r: &ParcelRef) -> Result<Option<(i64, Parcel)>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS}, c.number AS cert_number, c.issued_on AS cert_issued_on, c.issuer AS cert_issuer, \
         (SELECT COUNT(*) FROM land_transactions m WHERE m.parcel_id = p.id AND m.kind = 'mortgage' \
          AND NOT EXISTS (SELECT 1 FROM land_transactions r WHERE r.releases = m.id)) AS open_mortgages, \
         h.holder_kind, h.holder, h.share_bp \
         FROM land_parcels p \
         LEFT JOIN land_certificates c ON c.id = (SELECT MAX(l.id) FROM land_certificates l WHERE l.parcel_id = p.id) \
         LEFT JOIN land_holders h ON h.parcel_id = p.id \
         WHERE p.commune = $1 AND p.sheet = $2 AND p.number = $3 \
         ORDER BY h.share_bp DESC, h.holder_kind, h.holder"
    );
    let rows = sqlx::query(&sql)
        .bind(r.commune.to_string())
        .bind(i64::from(r.sheet))
        .bind(i64::from(r.number))
        .fetch_all(&mut **tx)
        .await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let row = parcel_row(first)?;
    let number: Option<String> = first.try_get("cert_number")?;
    let (Some(number), Some(issued), Some(issuer)) = (
        number,
        first.try_get::<Option<String>, _>("cert_issued_on")?,
        first.try_get::<Option<String>, _>("cert_issuer")?,
    ) else {
        return Err(sqlx::Error::Decode(ModelError { vi: "", en: "a parcel without a certificate" }.into()));
    };
    let certificate = Certificate {
        number: decode(number.parse())?,
        issued_on: decode(crate::model::parse_date(&issued))?,
        issuer: decode(issuer.parse())?,
    };
    let mut holders = Vec::with_capacity(rows.len());
    for r in &rows {
        if r.try_get::<Option<String>, _>("holder_kind")?.is_some() {
            holders.push(holding(r)?);
        }
    }
    let open_mortgages: i64 = first.try_get("open_mortgages")?;
    let id = row.id;
    Ok(Some((id, row.into_parcel(holders, certificate, open_mortgages > 0))))
}
