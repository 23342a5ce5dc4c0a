//! The land services in a caller's transaction, on either backend: what the portal's procedures will compose.
#![allow(clippy::unwrap_used, missing_docs)]

use land::error::LandError;
use land::geometry::Footprint;
use land::model::{Area, Certificate, Holder, Holding, LandUse, ParcelRef, Share, Term};
use land::service::{self, NewMortgage, NewParcel, Transfer, TransferKind};
use store::testing::TestDb;
use time::OffsetDateTime;
use trust::ledger::Actor;

fn square(x: f64, y: f64, side: f64) -> Footprint {
    let text = format!(
        r#"{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}"#,
        x + side,
        x + side,
        y + side,
        y + side
    );
    Footprint::from_geojson_str(&text).unwrap()
}

fn certificate(serial: &str) -> Certificate {
    Certificate {
        number: serial.parse().unwrap(),
        issued_on: time::macros::date!(2025 - 08 - 01),
        issuer: "VPDKDD.01".parse().unwrap(),
    }
}

async fn people(db: &TestDb) -> Vec<Holder> {
    registry::cli::generate_into(&db.db, 20, 2, false).await.unwrap();
    registry::service::living_residents(&db.db, "", 3)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| Holder::Citizen(id))
        .collect()
}

fn new_parcel(number: u32, footprint: Footprint, holders: Vec<Holding>, serial: &str) -> NewParcel {
    NewParcel {
        reference: ParcelRef::new("00070".parse().unwrap(), 1, number).unwrap(),
        area: Area::from_m2(footprint.area_m2()).unwrap(),
        purpose: LandUse::Odt,
        term: Term::LongTerm,
        footprint,
        holders,
        certificate: certificate(serial),
        basis: "kiểm thử".into(),
    }
}

async fn count(db: &TestDb, table: &str) -> i64 {
    store::sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(db.db.pool()).await.unwrap()
}

#[tokio::test]
async fn a_registration_and_a_transfer_in_one_transaction_roll_back_together() {
    let db = TestDb::new().await;
    let who = people(&db).await;
    let actor = Actor::system("test");
    let now = OffsetDateTime::now_utc();
    let entries = count(&db, "ledger_entries").await;
    let mut tx = db.db.begin_write().await.unwrap();
    let whole = vec![Holding { holder: who[0].clone(), share: Share::WHOLE }];
    let p = service::register_in(
        &mut tx,
        db.db.backend(),
        new_parcel(1, square(500_000.0, 1_200_000.0, 10.0), whole, "AA00000001"),
        &actor,
        now,
    )
    .await
    .unwrap();
    let t = Transfer {
        kind: TransferKind::Gift,
        from: who[0].clone(),
        to: who[1].clone(),
        share: Share::new(2_500).unwrap(),
        certificate: certificate("AA00000002"),
        basis: "hợp đồng tặng cho".into(),
    };
    let after = service::transfer_in(&mut tx, db.db.backend(), &p.reference, t, &actor, now).await.unwrap();
    assert_eq!(after.holders.iter().map(|h| h.share.bp()).collect::<Vec<_>>(), [7_500, 2_500]);
    assert_eq!(after.version, 2);
    tx.rollback().await.unwrap();
    for table in ["land_parcels", "land_holders", "land_certificates", "land_transactions"] {
        assert_eq!(count(&db, table).await, 0, "{table}");
    }
    assert_eq!(count(&db, "ledger_entries").await, entries);
}

#[tokio::test]
async fn refusals_leave_nothing_half_written() {
    let db = TestDb::new().await;
    let who = people(&db).await;
    let actor = Actor::system("test");
    let whole = vec![Holding { holder: who[0].clone(), share: Share::WHOLE }];
    let p = service::register(
        &db.db,
        new_parcel(1, square(500_000.0, 1_200_000.0, 10.0), whole.clone(), "AA00000001"),
        &actor,
    )
    .await
    .unwrap();
    let rows = count(&db, "land_transactions").await;
    let overlapping = new_parcel(2, square(500_005.0, 1_200_005.0, 10.0), whole.clone(), "AA00000003");
    assert!(
        matches!(service::register(&db.db, overlapping, &actor).await, Err(LandError::Overlaps(r)) if r == p.reference)
    );
    let serial_taken = new_parcel(3, square(500_100.0, 1_200_000.0, 10.0), whole.clone(), "AA00000001");
    assert!(matches!(service::register(&db.db, serial_taken, &actor).await, Err(LandError::CertificateTaken)));
    let deceased_or_unknown =
        vec![Holding { holder: Holder::Citizen("001099000001".parse().unwrap()), share: Share::WHOLE }];
    let unknown = new_parcel(4, square(500_200.0, 1_200_000.0, 10.0), deceased_or_unknown, "AA00000004");
    assert!(matches!(service::register(&db.db, unknown, &actor).await, Err(LandError::UnknownCitizen)));
    let mortgage = NewMortgage {
        mortgagor: who[0].clone(),
        mortgagee: Holder::Enterprise("0100112437".parse().unwrap()),
        basis: "hđ".into(),
    };
    service::register_mortgage(&db.db, &p.reference, mortgage, &actor).await.unwrap();
    let rows_with_mortgage = count(&db, "land_transactions").await;
    assert_eq!(rows_with_mortgage, rows + 1);
    let sale = Transfer {
        kind: TransferKind::Transfer,
        from: who[0].clone(),
        to: who[1].clone(),
        share: Share::WHOLE,
        certificate: certificate("AA00000005"),
        basis: "hợp đồng".into(),
    };
    assert!(matches!(service::transfer(&db.db, &p.reference, sale.clone(), &actor).await, Err(LandError::Mortgaged)));
    // An heir inherits a mortgaged parcel: the mortgage follows the land.
    let inheritance = Transfer { kind: TransferKind::Inheritance, ..sale };
    let inherited = service::transfer(&db.db, &p.reference, inheritance, &actor).await.unwrap();
    assert!(inherited.mortgaged);
    assert_eq!(inherited.holders, [Holding { holder: who[1].clone(), share: Share::WHOLE }]);
    assert_eq!(count(&db, "land_parcels").await, 1);
    assert_eq!(count(&db, "land_certificates").await, 2);
    let (_, history) = service::parcel_with_history(&db.db, &p.reference).await.unwrap();
    assert_eq!(history.len() as i64, rows_with_mortgage + 1);
}

#[tokio::test]
async fn generated_registered_and_transferred_parcels_all_match_the_ledger_and_a_change_behind_its_back_is_named() {
    let db = TestDb::new().await;
    let people = people(&db).await;
    let (generated, _) = land::cli::generate_into(&db.db, 30, 4).await.unwrap();
    assert_eq!(generated, 30);
    let owner = Holding { holder: people[0].clone(), share: Share::WHOLE };
    let r = new_parcel(7, square(500_000.0, 1_200_000.0, 10.0), vec![owner], "QQ00000007");
    let reference = r.reference;
    service::register(&db.db, r, &Actor::system("test")).await.unwrap();
    let sale = Transfer {
        kind: TransferKind::Gift,
        from: people[0].clone(),
        to: people[1].clone(),
        share: Share::WHOLE,
        certificate: certificate("QQ00000008"),
        basis: "kiểm thử".into(),
    };
    service::transfer(&db.db, &reference, sale, &Actor::system("test")).await.unwrap();
    assert_eq!(service::verify(&db.db).await.unwrap(), (31, None));

    store::sqlx::query("UPDATE land_holders SET share_bp = 9000 WHERE parcel_id = (SELECT MAX(id) FROM land_parcels)")
        .execute(db.db.pool())
        .await
        .unwrap();
    let (_, problem) = service::verify(&db.db).await.unwrap();
    assert!(problem.is_some_and(|p| p.contains("land_parcel") && p.contains("is not the one of ledger entry")));
}
