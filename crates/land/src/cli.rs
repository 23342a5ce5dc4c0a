//! `congso generate land`: synthetic parcels tiling real communes, their users drawn from the population
//! registry.

use clap::Subcommand;
use kernel::AdminUnitCode;
use rand::Rng;
use store::Db;
use time::OffsetDateTime;
use trust::ledger::{self, Actor, Event, EventKind, RecordRef};

use crate::model::{Area, Certificate, CertificateNumber, Holder, Holding, Share, Term, TransactionKind};
use crate::service::PARCEL;
use crate::store::{self as sql, NewParcelRow, NewTransaction};
use crate::synthetic::{self, Grid};

/// `congso generate …` for land.
#[derive(Debug, Subcommand)]
pub enum Generate {
    /// Synthetic parcels: communes tiled by jittered grids without overlaps, users from the population registry
    /// (generate citizens first).
    Land {
        /// How many parcels.
        #[arg(long, default_value_t = 10_000)]
        count: u64,
        /// The random seed: the same seed gives the same parcels.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

impl Generate {
    /// Runs the command.
    pub async fn run(self, db: &Db) -> anyhow::Result<()> {
        match self {
            Generate::Land { count, seed } => {
                let started = std::time::Instant::now();
                let (added, communes) = generate_into(db, count, seed).await?;
                println!("{added} parcels added in {communes} communes, in {:.1} s", started.elapsed().as_secs_f64());
                Ok(())
            }
        }
    }
}

/// Parcels per commune: a 50 × 50 grid of 25-metre cells, 1.25 km across.
pub const PER_COMMUNE: u64 = 2_500;
const SIDE: u32 = 50;
const CELL: f64 = 25.0;
/// Rows of cells on one map sheet (tờ bản đồ).
const ROWS_PER_SHEET: u32 = 10;

/// Generates `count` parcels with `seed` into the database, commune by commune (one transaction and one ledger
/// entry for each); the parcels added and the communes used. A parcel that exists already is skipped, so a run
/// repeated with the same seed adds nothing.
pub async fn generate_into(db: &Db, count: u64, seed: u64) -> anyhow::Result<(u64, usize)> {
    let people = registry::service::living_residents(db, "", 20_000).await?;
    anyhow::ensure!(!people.is_empty(), "the population registry is empty: run `congso generate citizens` first");
    let mut rng = synthetic::rng(seed);
    // Communes where the sampled people live come first, so that users mostly hold land where they live.
    let all: Vec<AdminUnitCode> =
        kernel::admin_unit::provinces().flat_map(|p| kernel::admin_unit::communes_of(p.code)).map(|c| c.code).collect();
    let mut lived: Vec<AdminUnitCode> = people.iter().map(|(_, c)| *c).collect();
    lived.sort();
    lived.dedup();
    synthetic::shuffle(&mut lived, &mut rng);
    let mut rest: Vec<AdminUnitCode> = all.iter().filter(|c| lived.binary_search(c).is_err()).copied().collect();
    synthetic::shuffle(&mut rest, &mut rng);
    let needed = count.div_ceil(PER_COMMUNE) as usize;
    let communes: Vec<AdminUnitCode> = lived.into_iter().chain(rest).take(needed).collect();
    let prefix = {
        let n = (seed % 676) as u8;
        format!("{}{}", char::from(b'A' + n / 26), char::from(b'A' + n % 26))
    };
    let (mut added, mut serial) = (0u64, 0u64);
    let issued_on = OffsetDateTime::now_utc().date();
    let actor = Actor::system("generate");
    for commune in &communes {
        let index = all.iter().position(|c| c == commune).unwrap_or(0);
        let local: Vec<&kernel::PersonalId> = people.iter().filter(|(_, c)| c == commune).map(|(id, _)| id).collect();
        let pool: Vec<&kernel::PersonalId> =
            if local.is_empty() { people.iter().map(|(id, _)| id).collect() } else { local };
        let urban = commune.unit().kind == "phường";
        let issuer: kernel::AgencyCode = format!("VPDKDD.{}", commune.province()).parse()?;
        let grid = Grid { origin: synthetic::origin_of(index), cols: SIDE, rows: SIDE, cell: CELL };
        let remaining = (count - added).min(PER_COMMUNE) as usize;
        let mut tx = db.begin_write().await?;
        let at = OffsetDateTime::now_utc().unix_timestamp();
        let mut here = 0u64;
        // One entry per parcel with its digest, as a registration through the service writes: `congso ledger
        // verify` then checks generated parcels like any other.
        let mut entries = Vec::new();
        for (col, row, polygon) in grid.tile(&mut rng).into_iter().take(remaining) {
            let Some(footprint) = synthetic::footprint(polygon) else { continue };
            let sheet = row / ROWS_PER_SHEET + 1;
            let number = (row % ROWS_PER_SHEET) * SIDE + col + 1;
            let reference = crate::model::ParcelRef::new(*commune, sheet, number)?;
            serial += 1;
            let purpose = synthetic::purpose(&mut rng, urban);
            let computed = Area::from_m2(footprint.area_m2())?;
            // One parcel in fifty was surveyed long ago and its record is off by 5 %: it shows flagged.
            let recorded = if rng.gen_ratio(1, 50) { Area::from_m2(computed.m2() * 1.05)? } else { computed };
            let term = if purpose.residential() {
                Term::LongTerm
            } else {
                Term::Until(issued_on.replace_year(issued_on.year() + 50)?)
            };
            if sql::parcel_row_in(&mut tx, &reference).await?.is_some() {
                continue;
            }
            let row = NewParcelRow {
                reference,
                area: recorded,
                computed,
                flagged: !footprint.agrees_with(recorded),
                purpose,
                term,
                footprint: &footprint,
                at,
            };
            let id = sql::insert_parcel(&mut tx, &row).await?;
            let first = Holder::Citizen(*pool[rng.gen_range(0..pool.len())]);
            let mut holders = vec![(first, Share::WHOLE)];
            if rng.gen_ratio(1, 4) {
                let second = Holder::Citizen(*pool[rng.gen_range(0..pool.len())]);
                if second != holders[0].0 {
                    holders = vec![(holders[0].0.clone(), Share::new(5_000)?), (second, Share::new(5_000)?)];
                }
            }
            let number_text: CertificateNumber = format!("{prefix}{:08}", serial % 100_000_000).parse()?;
            let certificate = Certificate { number: number_text, issued_on, issuer: Clone::clone(&issuer) };
            if sql::certificate_taken(&mut tx, certificate.number.as_str()).await? {
                anyhow::bail!("certificate serial {} exists: use another --seed", certificate.number);
            }
            sql::insert_certificate(&mut tx, id, &certificate, at).await?;
            let holdings: Vec<Holding> =
                holders.iter().map(|(holder, share)| Holding { holder: holder.clone(), share: *share }).collect();
            let digest = crate::service::digest_of(
                &reference,
                recorded,
                purpose,
                &term,
                &footprint,
                &holdings,
                &certificate.number,
                false,
                1,
            );
            let record = RecordRef { kind: PARCEL.into(), key: reference.to_string(), digest: Some(digest) };
            entries.push(
                Event::new(EventKind::RecordChanged, actor.clone())
                    .record(record)
                    .detail(serde_json::json!({ "change": "generated", "seed": seed })),
            );
            for (holder, share) in &holders {
                sql::set_share(&mut tx, id, holder, *share).await?;
                let t = NewTransaction {
                    kind: TransactionKind::Registration,
                    from: None,
                    to: Some(holder),
                    share: Some(*share),
                    certificate: Some(certificate.number.as_str()),
                    until: None,
                    releases: None,
                    basis: "dữ liệu tổng hợp",
                    actor: "generate",
                    at,
                };
                sql::append(&mut tx, id, &t).await?;
            }
            here += 1;
        }
        if !entries.is_empty() {
            ledger::store::append(&mut tx, db.backend(), &mut entries).await?;
        }
        tx.commit().await?;
        added += here;
        if added >= count {
            break;
        }
    }
    Ok((added, communes.len()))
}
