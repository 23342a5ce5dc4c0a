//! The demo's enterprises and land: synthetic enterprises across the country, and a block of parcels in the demo
//! commune, one of them the demo citizen's, so that "my land", the commune map and the land-transfer procedure
//! have something to show.

use kernel::{AdminUnitCode, PersonalId};
use land::model::{Area, Certificate, Holder, Holding, ParcelRef, Share, Term};
use store::Db;
use trust::ledger::Actor;

/// Synthetic enterprises in the demo.
const DEMO_ENTERPRISES: u64 = 300;
/// The demo commune's block of parcels: this many cells on a side.
const BLOCK: u32 = 4;
/// A cell's side, metres.
const CELL: f64 = 20.0;

/// Creates the enterprises and the demo commune's parcels unless they exist.
pub async fn seed(db: &Db, commune: AdminUnitCode, citizen: Option<PersonalId>, seed: u64) -> anyhow::Result<()> {
    if enterprise::service::count(db).await? == 0 {
        println!("creating the demo enterprises ({DEMO_ENTERPRISES} synthetic enterprises)…");
        enterprise::synthetic::generate_into(db, DEMO_ENTERPRISES, seed).await?;
    }
    let first = ParcelRef::new(commune, 1, 1)?;
    if land::service::parcel(db, &first).await.is_ok() {
        return Ok(());
    }
    let neighbours: Vec<PersonalId> = registry::service::living_residents(db, "", 10_000)
        .await?
        .into_iter()
        .filter(|(id, c)| *c == commune && Some(*id) != citizen)
        .map(|(id, _)| id)
        .collect();
    anyhow::ensure!(!neighbours.is_empty(), "the demo commune has no residents");
    // Where `congso generate land` would tile this commune, moved 5 km on, so that the two never meet.
    let index = kernel::admin_unit::provinces()
        .flat_map(|p| kernel::admin_unit::communes_of(p.code))
        .position(|c| c.code == commune)
        .unwrap_or(0);
    let (x, y) = land::synthetic::origin_of(index);
    let grid = land::synthetic::Grid { origin: (x + 5_000.0, y + 5_000.0), cols: BLOCK, rows: BLOCK, cell: CELL };
    let mut rng = land::synthetic::rng(seed);
    let urban = commune.unit().kind == "phường";
    let home = if urban { land::model::LandUse::Odt } else { land::model::LandUse::Ont };
    let issuer: kernel::AgencyCode = format!("VPDKDD.{}", commune.province()).parse()?;
    let issued_on = time::macros::date!(2021 - 03 - 15);
    let actor = Actor::system("demo");
    for (n, (col, row, polygon)) in grid.tile(&mut rng).into_iter().enumerate() {
        let Some(footprint) = land::synthetic::footprint(polygon) else { continue };
        let number = u32::try_from(n)? + 1;
        // The demo citizen holds the parcel in the block's second row, second column: it has neighbours all round.
        let holder = match citizen {
            Some(id) if col == 1 && row == 1 => id,
            _ => neighbours[n % neighbours.len()],
        };
        let purpose = if number % 3 == 0 { land::synthetic::purpose(&mut rng, urban) } else { home };
        let new = land::service::NewParcel {
            reference: ParcelRef::new(commune, 1, number)?,
            area: Area::from_m2(footprint.area_m2())?,
            purpose,
            term: if purpose.residential() { Term::LongTerm } else { Term::Until(time::macros::date!(2071 - 03 - 15)) },
            footprint,
            holders: vec![Holding { holder: Holder::Citizen(holder), share: Share::WHOLE }],
            certificate: Certificate { number: format!("DM{number:08}").parse()?, issued_on, issuer: issuer.clone() },
            basis: "dữ liệu trình diễn".into(),
        };
        land::service::register(db, new, &actor).await?;
    }
    Ok(())
}
