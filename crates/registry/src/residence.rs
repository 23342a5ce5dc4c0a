//! Tạm trú — temporary residence: a citizen living for a while at a place other than their household of permanent
//! residence registers there, in the household that lives at that place, for a term (Law on Residence 2020, art.
//! 27–28). The record names the host household and the last day; the version before is kept, the change goes to
//! the ledger, in the caller's transaction (the portal's temporary-residence registration calls this with the
//! approval).
//!
//! The bars are those of art. 27 the registry can see: the place is outside the commune of permanent residence
//! (art. 27(1)), and a term is at most two years, renewable (art. 27(3)).

use std::borrow::Cow;

use kernel::{Lang, Localized, PersonalId};
use store::{Backend, Tx};
use time::Date;

use crate::audit;
use crate::error::RegistryError;
use crate::model::{Citizen, CitizenStatus};
use crate::service::Change;
use crate::store as sql;

/// The longest term of one temporary residence, in months (art. 27(3)).
pub const LONGEST_TERM_MONTHS: u32 = 24;

/// Why a temporary residence cannot be registered, as the registry sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemporaryBar {
    /// The citizen has died.
    #[error("the citizen is recorded as deceased")]
    Deceased,
    /// The host household is the citizen's own household of permanent residence.
    #[error("this is the citizen's own household of permanent residence")]
    OwnHousehold,
    /// The place is in the commune where the citizen already lives permanently.
    #[error("temporary residence is registered outside the commune of permanent residence")]
    SameCommune,
    /// The term is not between one day and two years.
    #[error("a temporary residence lasts at most {LONGEST_TERM_MONTHS} months")]
    Term,
}

impl Localized for TemporaryBar {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::Deceased, Lang::Vi) => "Công dân đã mất theo cơ sở dữ liệu dân cư.".into(),
            (Self::OwnHousehold, Lang::Vi) => "Đây là hộ nơi công dân đăng ký thường trú.".into(),
            (Self::SameCommune, Lang::Vi) => {
                "Chỉ đăng ký tạm trú ở nơi ngoài xã, phường nơi đã đăng ký thường trú (Luật Cư trú, Điều 27).".into()
            }
            (Self::Term, Lang::Vi) => "Thời hạn tạm trú tối đa là 24 tháng (Luật Cư trú, Điều 27).".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

/// The last day of a temporary residence of `months` months from `from`; none if the term is barred.
pub fn term_end(from: Date, months: u32) -> Option<Date> {
    if months == 0 || months > LONGEST_TERM_MONTHS {
        return None;
    }
    let total = from.year() * 12 + i32::from(from.month() as u8 - 1) + months as i32;
    let month = time::Month::try_from((total % 12 + 1) as u8).ok()?;
    let year = total / 12;
    // The same day of the month, or the month's last day (31 January + 1 month = 28 or 29 February).
    let day = from.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()?.previous_day()
}

/// What bars `citizen` from temporary residence in the household at `commune` (its code `household`).
fn bar(citizen: &Citizen, household: &str, commune: &str) -> Option<TemporaryBar> {
    if citizen.status == CitizenStatus::Deceased {
        return Some(TemporaryBar::Deceased);
    }
    if citizen.household.as_deref() == Some(household) {
        return Some(TemporaryBar::OwnHousehold);
    }
    if citizen.commune.is_some_and(|own| own.to_string() == commune) {
        return Some(TemporaryBar::SameCommune);
    }
    None
}

/// What bars `personal_id` from temporary residence in `household`, read in the caller's transaction (the portal
/// asks at submission). An unknown person is `NotFound`, an unknown household `UnknownHousehold`.
pub async fn bar_in(
    tx: &mut Tx,
    personal_id: &PersonalId,
    household: &str,
) -> Result<Option<TemporaryBar>, RegistryError> {
    let (_, citizen) = sql::citizen(&mut **tx, personal_id).await?.ok_or(RegistryError::NotFound)?;
    let place = sql::household_place(&mut **tx, household)
        .await?
        .ok_or_else(|| RegistryError::UnknownHousehold(household.to_owned()))?;
    Ok(bar(&citizen, household, &place.commune))
}

/// Registers `personal_id`'s temporary residence in `household` from `from` for `months` months: the record names
/// the household and the last day, replacing an earlier temporary residence (a renewal or a move), the version
/// before kept, the change in the ledger, in the caller's transaction. Refused with the bar, writing nothing.
pub async fn register_temporary_in(
    tx: &mut Tx,
    backend: Backend,
    personal_id: &PersonalId,
    household: &str,
    from: Date,
    months: u32,
    change: &Change<'_>,
) -> Result<Citizen, RegistryError> {
    let until = term_end(from, months).ok_or(TemporaryBar::Term)?;
    let (id, before) = sql::citizen(&mut **tx, personal_id).await?.ok_or(RegistryError::NotFound)?;
    let place = sql::household_place(&mut **tx, household)
        .await?
        .ok_or_else(|| RegistryError::UnknownHousehold(household.to_owned()))?;
    if let Some(bar) = bar(&before, household, &place.commune) {
        return Err(bar.into());
    }
    let (by, reason, at) = sql::change_of(&mut **tx, id).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if !sql::set_temporary_residence(&mut **tx, id, place.id, &until.to_string(), before.version, change, now).await? {
        return Err(RegistryError::Stale);
    }
    sql::insert_version(&mut **tx, id, &before, &by, &reason, at).await?;
    let after = crate::life_events::citizen_in(tx, personal_id).await?;
    audit::record_changes(tx, backend, std::slice::from_ref(&after), change.actor, change.reason).await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_term_ends_the_day_before_the_same_day_months_later() {
        assert_eq!(term_end(date!(2026 - 12 - 02), 6), Some(date!(2027 - 06 - 01)));
        assert_eq!(term_end(date!(2026 - 12 - 02), 24), Some(date!(2028 - 12 - 01)));
        assert_eq!(term_end(date!(2026 - 01 - 01), 12), Some(date!(2026 - 12 - 31)));
        // A month without the day: its last day, then the day before.
        assert_eq!(term_end(date!(2027 - 08 - 31), 6), Some(date!(2028 - 02 - 28)));
        assert_eq!(term_end(date!(2026 - 12 - 02), 0), None);
        assert_eq!(term_end(date!(2026 - 12 - 02), 25), None);
    }

    #[test]
    fn the_registry_refuses_what_the_law_bars() {
        let mut c = crate::marriage::tests::person("001090000001", kernel::Sex::Male, "1990-05-01");
        c.household = Some("000700000001".into());
        c.commune = Some("00070".parse().unwrap());
        assert_eq!(bar(&c, "000730000002", "00073"), None);
        assert_eq!(bar(&c, "000700000001", "00070"), Some(TemporaryBar::OwnHousehold));
        assert_eq!(bar(&c, "000700000009", "00070"), Some(TemporaryBar::SameCommune));
        c.status = CitizenStatus::Deceased;
        assert_eq!(bar(&c, "000730000002", "00073"), Some(TemporaryBar::Deceased));
    }
}
