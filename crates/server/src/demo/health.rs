//! The demo's health facilities: the commune's health station, whose doctor writes prescriptions, and a pharmacy
//! that dispenses them; and one prescription for the demo citizen, so that "Đơn thuốc của tôi" has something.

use health::model::{Facility, FacilityKind, Medicine};
use health::service::{self, NewPrescription};
use identity::Territory;
use identity::officials::Agency;
use kernel::{AdminUnitCode, PersonalId};
use store::Db;
use trust::keyring::Keyring;
use trust::ledger::Actor;

/// Records the station and the pharmacy of `commune`, and their agencies, unless they exist: their agencies.
pub async fn facilities(db: &Db, commune: AdminUnitCode) -> anyhow::Result<[Agency; 2]> {
    let place = &commune.unit().name;
    let both = [
        ("01001", format!("Trạm Y tế {place}"), FacilityKind::Station),
        ("01002", format!("Nhà thuốc {place}"), FacilityKind::Pharmacy),
    ];
    let mut agencies = Vec::new();
    for (code, name, kind) in both {
        let facility = Facility { code: code.parse()?, name: name.clone(), kind, commune };
        if service::facility(db, facility.code).await?.is_none() {
            service::register_facility(db, &facility, &Actor::system("demo")).await?;
        }
        let agency = Agency { code: facility.code.agency(), name, territory: Territory::Unit(commune) };
        identity::officials::service::ensure_agency(db, &agency, Actor::system("demo"))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        agencies.push(agency);
    }
    agencies.try_into().map_err(|_| anyhow::anyhow!("two facilities make two agencies"))
}

/// Writes the demo citizen a prescription at the station, unless they have one.
pub async fn prescription(db: &Db, keyring: &Keyring, citizen: PersonalId) -> anyhow::Result<()> {
    if !service::of_patient(db, &citizen).await?.is_empty() {
        return Ok(());
    }
    let Some(station) = service::facility(db, "01001".parse()?).await? else { return Ok(()) };
    let doctor = Actor {
        username: "bacsi.xa".into(),
        display_name: Some("Phan Văn Đức".into()),
        role: Some(identity::Role::HealthWorker.as_str().into()),
        agency: Some(station.code.agency().to_string()),
    };
    let line = |name: &str, quantity, usage: &str| Medicine {
        name: name.into(),
        quantity,
        unit: "viên".into(),
        usage: usage.into(),
    };
    let new = NewPrescription {
        patient: citizen,
        kind: health::model::PrescriptionKind::Ordinary,
        diagnosis: "Viêm họng cấp (J02)".into(),
        medicines: vec![
            line("Amoxicillin 500mg", 21, "Ngày uống 3 lần, mỗi lần 1 viên, sau ăn"),
            line("Paracetamol 500mg", 10, "Uống 1 viên khi sốt trên 38,5 °C, cách nhau ít nhất 4 giờ"),
        ],
    };
    service::prescribe(db, keyring, &station, &doctor, new).await?;
    Ok(())
}
