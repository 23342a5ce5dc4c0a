//! The kernel: the vocabulary every congso slice shares.
//!
//! Nothing here does I/O. Identifiers are types that can only hold valid values (parse, don't validate);
//! reference data (administrative units, holidays) is compiled into the binary from `data/`.

pub mod admin_unit;
pub mod agency;
pub mod calendar;
pub mod digital_address;
pub mod dossier_code;
pub mod ethnicity;
pub mod free_text;
pub mod lang;
pub mod olc;
pub mod personal_id;
pub mod schema;
pub mod tax_code;
pub mod text;

pub use admin_unit::{AdminUnit, AdminUnitCode, AdminUnitError, LegacyProvinceCode};
pub use agency::{AgencyCode, AgencyCodeError};
pub use digital_address::{DigitalAddress, DigitalAddressError};
pub use dossier_code::{DossierCode, DossierCodeError};
pub use ethnicity::{Ethnicity, EthnicityError};
pub use free_text::FreeTextError;
pub use lang::{Lang, Localized, Text};
pub use personal_id::{PersonalId, PersonalIdError, Sex, UnknownSex};
pub use tax_code::{TaxCode, TaxCodeError};
