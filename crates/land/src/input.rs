//! Input as clients send it: text and numbers, parsed field by field into the service's types, every problem at
//! its field.

use kernel::{AdminUnitCode, AgencyCode};
use serde::Deserialize;
use web::FieldError;

use crate::geometry::Footprint;
use crate::model::{
    Area, Certificate, CertificateNumber, Holder, Holding, LandUse, ParcelRef, Share, Term, parse_date,
};
use crate::service::{MAX_BASIS, NewLease, NewMortgage, NewParcel, Transfer, TransferKind};

fn holder_schema() -> utoipa::openapi::schema::Object {
    let pattern = format!(
        "^(citizen:{}|enterprise:[0-9]{{10}}(-[0-9]{{3}})?)$",
        kernel::schema::personal_id_pattern().trim_start_matches('^').trim_end_matches('$')
    );
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(pattern))
        .description(Some("A land user: citizen:<personal ID number> or enterprise:<tax code>"))
        .build()
}

fn basis_schema() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(MAX_BASIS)
}

fn certificate_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some("^[A-Z]{2} ?[0-9]{6,8}$"))
        .description(Some("Số phát hành: two capital letters and 6 to 8 digits"))
        .build()
}

fn date_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
        .description(Some("YYYY-MM-DD"))
        .build()
}

fn geometry_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Object)
        .description(Some(
            "A GeoJSON Polygon in VN-2000 metres (easting 100000–900000, northing 800000–2700000), valid (closed, \
             not self-intersecting), at most 2000 vertices, overlapping no recorded parcel",
        ))
        .build()
}

/// A land user's share as sent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldingInput {
    /// Who.
    #[schema(schema_with = holder_schema)]
    pub holder: String,
    /// Their share in basis points: 10000 is the whole parcel.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 1, maximum = 10000)]
    pub share_bp: i64,
}

/// A certificate as sent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateInput {
    /// Số phát hành.
    #[schema(schema_with = certificate_schema)]
    pub number: String,
    /// Ngày cấp, `YYYY-MM-DD`.
    #[schema(schema_with = date_schema)]
    pub issued_on: String,
    /// The issuing agency's code.
    #[schema(value_type = AgencyCode)]
    pub issuer: String,
}

/// A parcel to register for the first time.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParcelInput {
    /// The commune.
    #[schema(value_type = AdminUnitCode)]
    pub commune: String,
    /// Tờ bản đồ số.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 1, maximum = 9999)]
    pub sheet: i64,
    /// Thửa đất số.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 1, maximum = 99999)]
    pub number: i64,
    /// Diện tích in m² as on the certificate.
    #[schema(minimum = 0.01, maximum = 10000000000.0)]
    pub area_m2: f64,
    /// Mục đích sử dụng.
    #[schema(value_type = LandUse)]
    pub purpose: String,
    /// The day the right ends, `YYYY-MM-DD`; absent for long-term use.
    #[serde(default)]
    #[schema(schema_with = date_schema)]
    pub term_until: Option<String>,
    /// The boundary.
    #[schema(schema_with = geometry_schema)]
    pub geometry: serde_json::Value,
    /// The land users and their shares (adding up to at most 10000).
    #[schema(min_items = 1, max_items = 50)]
    pub holders: Vec<HoldingInput>,
    /// The first certificate.
    pub certificate: CertificateInput,
    /// Legal basis.
    #[schema(schema_with = basis_schema)]
    pub basis: String,
}

/// Collects each field's problem, so that a client hears of all of them at once.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn take<T, E: kernel::Localized + Send + Sync + 'static>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        r.map_err(|e| self.0.push(FieldError::new(field, e))).ok()
    }

    fn done(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}

fn int(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

impl CertificateInput {
    fn parse(&self, p: &mut Problems, prefix: &str) -> Option<Certificate> {
        let number = p.take(&format!("{prefix}.number"), self.number.parse::<CertificateNumber>());
        let issued_on = p.take(&format!("{prefix}.issued_on"), parse_date(&self.issued_on));
        let issuer = p.take(&format!("{prefix}.issuer"), self.issuer.parse::<AgencyCode>());
        Some(Certificate { number: number?, issued_on: issued_on?, issuer: issuer? })
    }
}

impl ParcelInput {
    /// The parcel, or every field's problem.
    pub fn parse(&self) -> Result<NewParcel, Vec<FieldError>> {
        let mut p = Problems::default();
        let commune = p.take("commune", self.commune.parse::<AdminUnitCode>());
        let reference = commune.and_then(|c| p.take("number", ParcelRef::new(c, int(self.sheet), int(self.number))));
        let area = p.take("area_m2", Area::from_m2(self.area_m2));
        let purpose = p.take("purpose", self.purpose.parse::<LandUse>());
        let term = match self.term_until.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(Term::LongTerm),
            Some(d) => p.take("term_until", parse_date(d)).map(Term::Until),
        };
        let footprint = p.take("geometry", Footprint::from_json(&self.geometry));
        let mut holders = Vec::new();
        for (i, h) in self.holders.iter().enumerate() {
            let holder = p.take(&format!("holders[{i}].holder"), h.holder.parse::<Holder>());
            let share = p.take(&format!("holders[{i}].share_bp"), Share::new(h.share_bp));
            if let (Some(holder), Some(share)) = (holder, share) {
                holders.push(Holding { holder, share });
            }
        }
        let certificate = self.certificate.parse(&mut p, "certificate");
        let basis = self.basis.clone();
        p.done()?;
        match (reference, area, purpose, term, footprint, certificate) {
            (Some(reference), Some(area), Some(purpose), Some(term), Some(footprint), Some(certificate)) => {
                Ok(NewParcel { reference, area, purpose, term, footprint, holders, certificate, basis })
            }
            _ => Err(vec![]),
        }
    }
}

/// A share changing hands, as sent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// Sale, inheritance or gift.
    pub kind: TransferKind,
    /// Bên chuyển.
    #[schema(schema_with = holder_schema)]
    pub from: String,
    /// Bên nhận.
    #[schema(schema_with = holder_schema)]
    pub to: String,
    /// The share that moves, in basis points.
    #[serde(deserialize_with = "web::extract::integer")]
    #[schema(minimum = 1, maximum = 10000)]
    pub share_bp: i64,
    /// The certificate issued after it.
    pub certificate: CertificateInput,
    /// Legal basis: the contract, the will.
    #[schema(schema_with = basis_schema)]
    pub basis: String,
}

impl TransferInput {
    /// The transfer, or every field's problem.
    pub fn parse(&self) -> Result<Transfer, Vec<FieldError>> {
        let mut p = Problems::default();
        let from = p.take("from", self.from.parse::<Holder>());
        let to = p.take("to", self.to.parse::<Holder>());
        let share = p.take("share_bp", Share::new(self.share_bp));
        let certificate = self.certificate.parse(&mut p, "certificate");
        p.done()?;
        match (from, to, share, certificate) {
            (Some(from), Some(to), Some(share), Some(certificate)) => {
                Ok(Transfer { kind: self.kind, from, to, share, certificate, basis: self.basis.clone() })
            }
            _ => Err(vec![]),
        }
    }
}

/// A mortgage to register, as sent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MortgageInput {
    /// Bên thế chấp: a land user of the parcel.
    #[schema(schema_with = holder_schema)]
    pub mortgagor: String,
    /// Bên nhận thế chấp (a bank: `enterprise:<tax code>`).
    #[schema(schema_with = holder_schema)]
    pub mortgagee: String,
    /// The mortgage contract.
    #[schema(schema_with = basis_schema)]
    pub basis: String,
}

impl MortgageInput {
    /// The mortgage, or every field's problem.
    pub fn parse(&self) -> Result<NewMortgage, Vec<FieldError>> {
        let mut p = Problems::default();
        let mortgagor = p.take("mortgagor", self.mortgagor.parse::<Holder>());
        let mortgagee = p.take("mortgagee", self.mortgagee.parse::<Holder>());
        p.done()?;
        match (mortgagor, mortgagee) {
            (Some(mortgagor), Some(mortgagee)) => Ok(NewMortgage { mortgagor, mortgagee, basis: self.basis.clone() }),
            _ => Err(vec![]),
        }
    }
}

/// A lease, as sent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseInput {
    /// Bên cho thuê: a land user of the parcel.
    #[schema(schema_with = holder_schema)]
    pub lessor: String,
    /// Bên thuê.
    #[schema(schema_with = holder_schema)]
    pub lessee: String,
    /// The day it ends, `YYYY-MM-DD`.
    #[schema(schema_with = date_schema)]
    pub until: String,
    /// The lease contract.
    #[schema(schema_with = basis_schema)]
    pub basis: String,
}

impl LeaseInput {
    /// The lease, or every field's problem.
    pub fn parse(&self) -> Result<NewLease, Vec<FieldError>> {
        let mut p = Problems::default();
        let lessor = p.take("lessor", self.lessor.parse::<Holder>());
        let lessee = p.take("lessee", self.lessee.parse::<Holder>());
        let until = p.take("until", parse_date(&self.until));
        p.done()?;
        match (lessor, lessee, until) {
            (Some(lessor), Some(lessee), Some(until)) => {
                Ok(NewLease { lessor, lessee, until, basis: self.basis.clone() })
            }
            _ => Err(vec![]),
        }
    }
}

/// A release, as sent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInput {
    /// The basis of the release (the lender's confirmation that the debt is paid).
    #[schema(schema_with = basis_schema)]
    pub basis: String,
}
