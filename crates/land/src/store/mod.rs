//! The land SQL: `land_parcels`, `land_holders`, `land_certificates` and `land_transactions`.

use store::sqlx::any::AnyRow;
use store::sqlx::{self, Row};
use store::{Db, Tx};

use crate::geometry::{Bbox, Footprint};
use crate::model::{Area, Certificate, Holder, Holding, ModelError, Parcel, ParcelRef, Share, Term};

mod history;
mod whole;

pub use history::*;
pub use whole::parcel_in;

const COLUMNS: &str = "p.id, p.commune, p.sheet, p.number, p.area_dm2, p.computed_dm2, p.flagged, p.purpose, \
     p.term_until, p.geometry, p.version, p.created_at, p.updated_at";

/// A parcel's row before its holders and certificate are joined to it.
pub struct ParcelRow {
    /// The row's id.
    pub id: i64,
    /// Which.
    pub reference: ParcelRef,
    area: Area,
    computed: Area,
    flagged: bool,
    purpose: crate::model::LandUse,
    term: Term,
    footprint: Footprint,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl ParcelRow {
    /// Its boundary.
    pub fn footprint(&self) -> &Footprint {
        &self.footprint
    }

    /// The version read.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// Its purpose.
    pub fn purpose(&self) -> crate::model::LandUse {
        self.purpose
    }

    fn into_parcel(self, holders: Vec<Holding>, certificate: Certificate, mortgaged: bool) -> Parcel {
        Parcel {
            reference: self.reference,
            area: self.area,
            computed_area: self.computed,
            flagged: self.flagged,
            purpose: self.purpose,
            term: self.term,
            footprint: self.footprint,
            holders,
            certificate,
            mortgaged,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

fn decode<T>(r: Result<T, impl std::fmt::Display>) -> Result<T, sqlx::Error> {
    r.map_err(|e| sqlx::Error::Decode(e.to_string().into()))
}

fn parcel_row(r: &AnyRow) -> Result<ParcelRow, sqlx::Error> {
    let commune: String = r.try_get("commune")?;
    let sheet: i64 = r.try_get("sheet")?;
    let number: i64 = r.try_get("number")?;
    let reference =
        ParcelRef::new(decode(commune.parse())?, decode(u32::try_from(sheet))?, decode(u32::try_from(number))?);
    let until: Option<String> = r.try_get("term_until")?;
    let purpose: String = r.try_get("purpose")?;
    let geometry: String = r.try_get("geometry")?;
    Ok(ParcelRow {
        id: r.try_get("id")?,
        reference: decode(reference)?,
        area: decode(Area::from_dm2(r.try_get("area_dm2")?))?,
        computed: decode(Area::from_dm2(r.try_get("computed_dm2")?))?,
        flagged: r.try_get::<i64, _>("flagged")? == 1,
        purpose: decode(purpose.parse())?,
        term: decode(Term::from_stored(until.as_deref()))?,
        footprint: decode(Footprint::from_geojson_str(&geometry))?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// What a new parcel's row holds.
pub struct NewParcelRow<'a> {
    /// Which.
    pub reference: ParcelRef,
    /// Recorded.
    pub area: Area,
    /// Computed from the boundary.
    pub computed: Area,
    /// Whether they disagree.
    pub flagged: bool,
    /// Purpose.
    pub purpose: crate::model::LandUse,
    /// Term.
    pub term: Term,
    /// Boundary.
    pub footprint: &'a Footprint,
    /// When.
    pub at: i64,
}

/// Inserts a parcel at version 1; its id.
pub async fn insert_parcel(tx: &mut Tx, p: &NewParcelRow<'_>) -> Result<i64, sqlx::Error> {
    let b = p.footprint.bbox();
    sqlx::query_scalar(
        "INSERT INTO land_parcels (commune, province, sheet, number, area_dm2, computed_dm2, flagged, purpose, \
         term_until, geometry, min_x, min_y, max_x, max_y, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $15) RETURNING id",
    )
    .bind(p.reference.commune.to_string())
    .bind(p.reference.commune.province().to_string())
    .bind(i64::from(p.reference.sheet))
    .bind(i64::from(p.reference.number))
    .bind(p.area.dm2())
    .bind(p.computed.dm2())
    .bind(i64::from(p.flagged))
    .bind(p.purpose.code())
    .bind(p.term.stored())
    .bind(p.footprint.to_geojson_string())
    .bind(b.min_x)
    .bind(b.min_y)
    .bind(b.max_x)
    .bind(b.max_y)
    .bind(p.at)
    .fetch_one(&mut **tx)
    .await
}

/// Moves a parcel to its next version, only from the version that was read: two changes at once cannot both
/// win. Whether it moved.
pub async fn bump(tx: &mut Tx, id: i64, version: i64, at: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE land_parcels SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3")
            .bind(at)
            .bind(id)
            .bind(version)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// A parcel's row by reference, in the caller's transaction.
pub async fn parcel_row_in(tx: &mut Tx, r: &ParcelRef) -> Result<Option<ParcelRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM land_parcels p WHERE p.commune = $1 AND p.sheet = $2 AND p.number = $3");
    let row = sqlx::query(&sql)
        .bind(r.commune.to_string())
        .bind(i64::from(r.sheet))
        .bind(i64::from(r.number))
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(parcel_row).transpose()
}

/// Up to `limit` parcels' rows after row `after`, in row order (a scan of the whole registry, in pages).
pub async fn rows_after(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<ParcelRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM land_parcels p WHERE p.id > $1 ORDER BY p.id LIMIT $2");
    let rows = sqlx::query(&sql).bind(after).bind(limit).fetch_all(&mut **tx).await?;
    rows.iter().map(parcel_row).collect()
}

/// The parcels of `commune` whose boxes meet `bbox`, in the caller's transaction (the candidates of an overlap
/// check, or the neighbours drawn beside a parcel).
pub async fn rows_meeting_in(
    tx: &mut Tx,
    commune: &str,
    bbox: Bbox,
    limit: i64,
) -> Result<Vec<ParcelRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM land_parcels p WHERE p.commune = $1 AND p.min_x <= $2 AND p.max_x >= $3 \
         AND p.min_y <= $4 AND p.max_y >= $5 ORDER BY p.sheet, p.number LIMIT $6"
    );
    let rows = sqlx::query(&sql)
        .bind(commune)
        .bind(bbox.max_x)
        .bind(bbox.min_x)
        .bind(bbox.max_y)
        .bind(bbox.min_y)
        .bind(limit)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(parcel_row).collect()
}

/// Writes a holder's share (replacing the share they held, if any).
pub async fn set_share(tx: &mut Tx, parcel_id: i64, holder: &Holder, share: Share) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO land_holders (parcel_id, holder_kind, holder, share_bp) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (parcel_id, holder_kind, holder) DO UPDATE SET share_bp = excluded.share_bp",
    )
    .bind(parcel_id)
    .bind(holder.kind())
    .bind(holder.key())
    .bind(i64::from(share.bp()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes a holder who no longer holds any share (the transactions keep that they did).
pub async fn remove_holder(tx: &mut Tx, parcel_id: i64, holder: &Holder) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM land_holders WHERE parcel_id = $1 AND holder_kind = $2 AND holder = $3")
        .bind(parcel_id)
        .bind(holder.kind())
        .bind(holder.key())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn holding(r: &AnyRow) -> Result<Holding, sqlx::Error> {
    let kind: String = r.try_get("holder_kind")?;
    let key: String = r.try_get("holder")?;
    Ok(Holding {
        holder: decode(Holder::from_stored(&kind, &key))?,
        share: decode(Share::new(r.try_get("share_bp")?))?,
    })
}

/// A parcel's holders, largest share first.
pub async fn holders_in(tx: &mut Tx, parcel_id: i64) -> Result<Vec<Holding>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT holder_kind, holder, share_bp FROM land_holders WHERE parcel_id = $1 \
         ORDER BY share_bp DESC, holder_kind, holder",
    )
    .bind(parcel_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(holding).collect()
}

/// Whether a certificate with this serial exists, for any parcel.
pub async fn certificate_taken(tx: &mut Tx, number: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM land_certificates WHERE number = $1")
        .bind(number)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(found.is_some())
}

/// Inserts a certificate, which becomes the parcel's current one.
pub async fn insert_certificate(tx: &mut Tx, parcel_id: i64, c: &Certificate, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO land_certificates (parcel_id, number, issued_on, issuer, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(parcel_id)
        .bind(c.number.as_str())
        .bind(c.issued_on.to_string())
        .bind(c.issuer.as_str())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A parcel's current certificate: the last one issued.
pub async fn certificate_in(tx: &mut Tx, parcel_id: i64) -> Result<Option<Certificate>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT number, issued_on, issuer FROM land_certificates WHERE parcel_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(parcel_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let number: String = r.try_get("number")?;
    let issued: String = r.try_get("issued_on")?;
    let issuer: String = r.try_get("issuer")?;
    Ok(Some(Certificate {
        number: decode(number.parse())?,
        issued_on: decode(crate::model::parse_date(&issued))?,
        issuer: decode(issuer.parse())?,
    }))
}

/// The parcel a certificate serial was issued for (a superseded serial still names its parcel).
pub async fn parcel_of_certificate(db: &Db, number: &str) -> Result<Option<ParcelRef>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT p.commune, p.sheet, p.number FROM land_certificates c JOIN land_parcels p ON p.id = c.parcel_id \
         WHERE c.number = $1",
    )
    .bind(number)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(reference).transpose()
}

fn reference(r: &AnyRow) -> Result<ParcelRef, sqlx::Error> {
    let commune: String = r.try_get("commune")?;
    let sheet: i64 = r.try_get("sheet")?;
    let number: i64 = r.try_get("number")?;
    decode(ParcelRef::new(decode(commune.parse())?, decode(u32::try_from(sheet))?, decode(u32::try_from(number))?))
}

/// One summary line of a commune's list or map.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Which.
    pub reference: ParcelRef,
    /// Recorded area.
    pub area: Area,
    /// Purpose.
    pub purpose: crate::model::LandUse,
    /// Flagged.
    pub flagged: bool,
    /// Boundary, when asked for.
    pub footprint: Option<Footprint>,
}

/// The parcels of a commune (on one sheet, if given), by sheet and number, after `after` (sheet, number) and up
/// to `limit`; with their boundaries when `shapes` (the commune map).
pub async fn in_commune(
    db: &Db,
    commune: &str,
    sheet: Option<u32>,
    after: (u32, u32),
    limit: i64,
    shapes: bool,
) -> Result<Vec<Summary>, sqlx::Error> {
    let geometry = if shapes { ", geometry" } else { "" };
    let sql = format!(
        "SELECT commune, sheet, number, area_dm2, purpose, flagged{geometry} FROM land_parcels WHERE commune = $1 \
         AND ($2 < 0 OR sheet = $2) AND (sheet > $3 OR (sheet = $3 AND number > $4)) ORDER BY sheet, number LIMIT $5"
    );
    let rows = sqlx::query(&sql)
        .bind(commune)
        .bind(sheet.map_or(-1, i64::from))
        .bind(i64::from(after.0))
        .bind(i64::from(after.1))
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(|r| summary(r, shapes)).collect()
}

fn summary(r: &AnyRow, shapes: bool) -> Result<Summary, sqlx::Error> {
    let purpose: String = r.try_get("purpose")?;
    let footprint = if shapes {
        let text: String = r.try_get("geometry")?;
        Some(decode(Footprint::from_geojson_str(&text))?)
    } else {
        None
    };
    Ok(Summary {
        reference: reference(r)?,
        area: decode(Area::from_dm2(r.try_get("area_dm2")?))?,
        purpose: decode(purpose.parse())?,
        flagged: r.try_get::<i64, _>("flagged")? == 1,
        footprint,
    })
}

/// The parcels a land user holds a share of, as summaries, in one indexed query.
pub async fn parcels_of(db: &Db, holder: &Holder, limit: i64) -> Result<Vec<Summary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.commune, p.sheet, p.number, p.area_dm2, p.purpose, p.flagged FROM land_holders h \
         JOIN land_parcels p ON p.id = h.parcel_id WHERE h.holder_kind = $1 AND h.holder = $2 \
         ORDER BY p.commune, p.sheet, p.number LIMIT $3",
    )
    .bind(holder.kind())
    .bind(holder.key())
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| summary(r, false)).collect()
}

/// A whole parcel from its row: holders, certificate and whether it is mortgaged joined to it.
pub async fn assemble(tx: &mut Tx, row: ParcelRow) -> Result<Parcel, sqlx::Error> {
    let holders = holders_in(tx, row.id).await?;
    let certificate = certificate_in(tx, row.id)
        .await?
        .ok_or_else(|| sqlx::Error::Decode(ModelError { vi: "", en: "a parcel without a certificate" }.into()))?;
    let mortgaged = !open_mortgages_in(tx, row.id).await?.is_empty();
    Ok(row.into_parcel(holders, certificate, mortgaged))
}

/// How many parcels are recorded.
pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM land_parcels").fetch_one(db.pool()).await
}

/// Takes the next number of a certificate series, in the caller's transaction (the row stays locked until it
/// commits, so two approvals at once never take one number).
pub async fn next_serial(tx: &mut Tx, series: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO land_certificate_serials (series, last_number) VALUES ($1, 1) \
         ON CONFLICT (series) DO UPDATE SET last_number = land_certificate_serials.last_number + 1 \
         RETURNING last_number",
    )
    .bind(series)
    .fetch_one(&mut **tx)
    .await
}
