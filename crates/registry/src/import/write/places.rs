//! The dwellings and households of a chunk, each written once, and where each household is.

use std::collections::HashMap;

use store::{Arg, Column, Rows};
use trust::ledger::record_digest;

use super::{Batch, fetch_pairs, insert_select, keyed, refused, text};
use crate::audit::{AddressSeal, HouseholdSeal};
use crate::error::RegistryError;
use crate::import::parse::Prepared;
use crate::model::Address;
use crate::store::HouseholdPlace;

const ADDRESS: [Column; 10] = [
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Int,
    Column::Int,
    Column::Int,
    Column::Int,
    Column::Text,
];
const HOUSEHOLD: [Column; 5] = [Column::Text, Column::Int, Column::Int, Column::Int, Column::Text];

impl Batch<'_> {
    /// Writes the chunk's dwellings and households not yet stored, and returns where each of its households is.
    pub(super) async fn write_households(
        &mut self,
        chunk: &[Prepared],
    ) -> Result<HashMap<String, HouseholdPlace>, RegistryError> {
        let mut households: HashMap<&str, &Prepared> = HashMap::new();
        for p in chunk {
            if let Some(code) = &p.citizen.household {
                households.entry(code.as_str()).or_insert(p);
            }
        }
        if households.is_empty() {
            return Ok(HashMap::new());
        }
        let mut addresses: HashMap<&str, &Address> = HashMap::new();
        for p in households.values() {
            addresses.entry(p.address_code.as_str()).or_insert(&p.address);
        }
        let address_ids = self.write_addresses(&addresses).await?;

        let mut rows = Rows::new(self.backend, &HOUSEHOLD, households.len());
        let mut digests = HashMap::with_capacity(households.len());
        for (code, p) in &households {
            let address_id = address_ids.get(p.address_code.as_str()).copied().unwrap_or_default();
            let digest = record_digest(&HouseholdSeal::of(code, &p.address_code));
            rows.push([
                text(*code),
                Arg::Int(Some(address_id)),
                Arg::Int(Some(self.now)),
                Arg::Int(Some(self.seq as i64)),
                text(digest.clone()),
            ]);
            digests.insert(*code, digest);
        }
        let insert = insert_select(
            self.backend,
            "households (code, address_id, created_at, import_seq, import_digest)",
            HOUSEHOLD.len(),
            "",
            rows,
            "code",
            Some("id, code"),
        );
        let mut places = HashMap::with_capacity(households.len());
        for (id, code) in fetch_pairs(&mut self.tx, &insert).await? {
            // A new household is where its first row says: its dwelling's commune and province.
            let a = &households.get(code.as_str()).ok_or_else(|| refused(&format!("household {code}")))?.address;
            places
                .insert(code.clone(), HouseholdPlace { id, commune: a.commune.clone(), province: a.province.clone() });
            let digest = digests.remove(code.as_str()).unwrap_or_default();
            self.households.push((id, code, digest));
        }
        let known: Vec<&str> = households.keys().copied().filter(|c| !places.contains_key(*c)).collect();
        if !known.is_empty() {
            let select = keyed(
                self.backend,
                "SELECT h.id, h.code, a.commune_code, a.province_code FROM households h \
                 JOIN addresses a ON a.id = h.address_id WHERE h.code",
                known.into_iter(),
            );
            for row in select.query().fetch_all(&mut *self.tx).await? {
                use store::sqlx::Row;
                let place = HouseholdPlace { id: row.try_get(0)?, commune: row.try_get(2)?, province: row.try_get(3)? };
                places.insert(row.try_get::<String, _>(1)?, place);
            }
        }
        if let Some(code) = households.keys().find(|c| !places.contains_key(**c)) {
            return Err(refused(&format!("household {code}")));
        }
        Ok(places)
    }

    /// Writes the dwellings not yet stored and returns every dwelling's row id by code.
    async fn write_addresses(
        &mut self,
        addresses: &HashMap<&str, &Address>,
    ) -> Result<HashMap<String, i64>, RegistryError> {
        let mut rows = Rows::new(self.backend, &ADDRESS, addresses.len());
        let mut digests = HashMap::with_capacity(addresses.len());
        for (code, a) in addresses {
            let digest = record_digest(&AddressSeal::of(code, a));
            rows.push([
                text(*code),
                text(a.commune.clone()),
                text(a.province.clone()),
                text(a.plus_code.clone()),
                text(a.street.clone()),
                Arg::Int(Some((a.lat * 1e7).round() as i64)),
                Arg::Int(Some((a.lng * 1e7).round() as i64)),
                Arg::Int(Some(self.now)),
                Arg::Int(Some(self.seq as i64)),
                text(digest.clone()),
            ]);
            digests.insert(*code, digest);
        }
        let insert = insert_select(
            self.backend,
            "addresses (code, commune_code, province_code, plus_code, street, lat_e7, lng_e7, created_at, \
             import_seq, import_digest)",
            ADDRESS.len(),
            "",
            rows,
            "code",
            Some("id, code"),
        );
        let mut ids = HashMap::with_capacity(addresses.len());
        for (id, code) in fetch_pairs(&mut self.tx, &insert).await? {
            let digest = digests.remove(code.as_str()).unwrap_or_default();
            self.addresses.push((id, code.clone(), digest));
            ids.insert(code, id);
        }
        let known: Vec<&str> = addresses.keys().copied().filter(|c| !ids.contains_key(*c)).collect();
        if !known.is_empty() {
            let select = keyed(self.backend, "SELECT id, code FROM addresses WHERE code", known.into_iter());
            for (id, code) in fetch_pairs(&mut self.tx, &select).await? {
                ids.insert(code, id);
            }
        }
        if let Some(code) = addresses.keys().find(|c| !ids.contains_key(**c)) {
            return Err(refused(&format!("dwelling {code}")));
        }
        Ok(ids)
    }
}
