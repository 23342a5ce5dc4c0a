//! Kết hôn — a marriage recorded in the population registry: each spouse's record names the other, the versions
//! before kept, in the caller's transaction (the portal's marriage registration calls this with the approval).
//!
//! The bars are those of the Law on Marriage and Family 2014 that the registry can see: art. 8(1)(a), a man of at
//! least 20 and a woman of at least 18; art. 5(2)(c), someone still married; art. 8(2), two people of the same sex
//! (the state does not recognise such a marriage); art. 5(2)(d), kin in the direct line or siblings, as far as
//! the registry links parents. Kin to the third generation (cousins) is for the civil-status officer to check:
//! the registry does not hold grandparents' links reliably enough to refuse on them.

use std::borrow::Cow;

use kernel::{Lang, Localized, PersonalId, Sex};
use store::{Backend, Tx};
use time::Date;

use crate::audit;
use crate::error::RegistryError;
use crate::model::{Citizen, CitizenStatus};
use crate::service::Change;
use crate::store as sql;

/// Why two people cannot marry, as the registry sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarriageBar {
    /// One and the same person.
    #[error("one cannot marry oneself")]
    SamePerson,
    /// One of them has died.
    #[error("{0} is recorded as deceased")]
    Deceased(PersonalId),
    /// One of them is married (the registry names a spouse).
    #[error("{0} is married")]
    Married(PersonalId),
    /// Below the age of marriage: 20 for a man, 18 for a woman.
    #[error("{0} is below the age of marriage (20 for a man, 18 for a woman)")]
    UnderAge(PersonalId),
    /// Two people of the same sex.
    #[error("the law does not recognise a marriage between two people of the same sex")]
    SameSex,
    /// A parent and child, or siblings.
    #[error("the two are parent and child, or siblings")]
    Kin,
}

impl Localized for MarriageBar {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::SamePerson, Lang::Vi) => "Không thể kết hôn với chính mình.".into(),
            (Self::Deceased(id), Lang::Vi) => format!("Công dân {id} đã mất theo cơ sở dữ liệu dân cư.").into(),
            (Self::Married(id), Lang::Vi) => {
                format!("Công dân {id} đang có vợ hoặc chồng theo cơ sở dữ liệu dân cư.").into()
            }
            (Self::UnderAge(id), Lang::Vi) => {
                format!("Công dân {id} chưa đủ tuổi kết hôn (nam đủ 20 tuổi, nữ đủ 18 tuổi).").into()
            }
            (Self::SameSex, Lang::Vi) => "Nhà nước không thừa nhận hôn nhân giữa những người cùng giới tính.".into(),
            (Self::Kin, Lang::Vi) => "Hai người là cha mẹ và con, hoặc anh chị em ruột: không được kết hôn.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

/// Full years of age on `on` of someone born on `born` (`YYYY-MM-DD`); none if the date is unreadable.
fn age_on(born: &str, on: Date) -> Option<i32> {
    let born = Date::parse(born, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    let before_birthday = (on.month() as u8, on.day()) < (born.month() as u8, born.day());
    Some(on.year() - born.year() - i32::from(before_birthday))
}

/// What bars `a` and `b` from marrying on `on`, if anything: the first bar found.
pub fn bar(a: &Citizen, b: &Citizen, on: Date) -> Option<MarriageBar> {
    if a.personal_id == b.personal_id {
        return Some(MarriageBar::SamePerson);
    }
    for c in [a, b] {
        if c.status == CitizenStatus::Deceased || c.death_date.is_some() {
            return Some(MarriageBar::Deceased(c.personal_id));
        }
        if c.spouse_id.is_some() {
            return Some(MarriageBar::Married(c.personal_id));
        }
        let least = if c.sex == Sex::Male { 20 } else { 18 };
        if age_on(&c.birth_date, on).is_none_or(|age| age < least) {
            return Some(MarriageBar::UnderAge(c.personal_id));
        }
    }
    if a.sex == b.sex {
        return Some(MarriageBar::SameSex);
    }
    let parents = |c: &Citizen| [c.mother_id.clone(), c.father_id.clone()].into_iter().flatten().collect::<Vec<_>>();
    let (pa, pb) = (parents(a), parents(b));
    let parent_and_child = pa.contains(&b.personal_id.to_string()) || pb.contains(&a.personal_id.to_string());
    if parent_and_child || pa.iter().any(|p| pb.contains(p)) {
        return Some(MarriageBar::Kin);
    }
    None
}

/// What bars `a` and `b` from marrying on `on`, read in the caller's transaction (the portal asks at submission).
/// A person the registry does not hold is `NotFound`.
pub async fn bar_in(
    tx: &mut Tx,
    a: &PersonalId,
    b: &PersonalId,
    on: Date,
) -> Result<Option<MarriageBar>, RegistryError> {
    let (_, first) = sql::citizen(&mut **tx, a).await?.ok_or(RegistryError::NotFound)?;
    let (_, second) = sql::citizen(&mut **tx, b).await?.ok_or(RegistryError::NotFound)?;
    Ok(bar(&first, &second, on))
}

/// Records the marriage of `a` and `b` on `on`: each record names the other as spouse, the versions before kept,
/// both changes in the ledger, in the caller's transaction. Refused with the bar, writing nothing.
pub async fn record_marriage_in(
    tx: &mut Tx,
    backend: Backend,
    a: &PersonalId,
    b: &PersonalId,
    on: Date,
    change: &Change<'_>,
) -> Result<(Citizen, Citizen), RegistryError> {
    let (id_a, first) = sql::citizen(&mut **tx, a).await?.ok_or(RegistryError::NotFound)?;
    let (id_b, second) = sql::citizen(&mut **tx, b).await?.ok_or(RegistryError::NotFound)?;
    if let Some(bar) = bar(&first, &second, on) {
        return Err(bar.into());
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (id, before, spouse) in [(id_a, &first, b), (id_b, &second, a)] {
        let (by, reason, at) = sql::change_of(&mut **tx, id).await?;
        if !sql::set_spouse(&mut **tx, id, spouse.as_str(), before.version, change, now).await? {
            return Err(RegistryError::Stale);
        }
        sql::insert_version(&mut **tx, id, before, &by, &reason, at).await?;
    }
    let after_a = crate::life_events::citizen_in(tx, a).await?;
    let after_b = crate::life_events::citizen_in(tx, b).await?;
    audit::record_changes(tx, backend, &[after_a.clone(), after_b.clone()], change.actor, change.reason).await?;
    Ok((after_a, after_b))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn person(id: &str, sex: Sex, born: &str) -> Citizen {
        Citizen {
            personal_id: id.parse().unwrap(),
            full_name: "X".into(),
            birth_date: born.into(),
            sex,
            ethnicity: kernel::Ethnicity::KINH,
            religion: None,
            nationality: "VN".into(),
            birth_registration_province: "001".into(),
            hometown: None,
            household: None,
            relationship: None,
            temporary_household: None,
            temporary_until: None,
            province: None,
            commune: None,
            mother_id: None,
            father_id: None,
            spouse_id: None,
            status: CitizenStatus::Living,
            death_date: None,
            version: 1,
        }
    }

    #[test]
    fn the_registry_refuses_what_the_law_bars() {
        let on = time::macros::date!(2026 - 12 - 01);
        let man = person("001090000001", Sex::Male, "1990-05-01");
        let woman = person("001190000002", Sex::Female, "1995-02-03");
        assert_eq!(bar(&man, &woman, on), None);
        assert_eq!(bar(&man, &man, on), Some(MarriageBar::SamePerson));
        let other_man = person("001091000003", Sex::Male, "1991-01-01");
        assert_eq!(bar(&man, &other_man, on), Some(MarriageBar::SameSex));
        // A man turns 20 on his birthday, not the day before.
        let young = person("001206000004", Sex::Male, "2006-12-02");
        assert_eq!(bar(&young, &woman, on), Some(MarriageBar::UnderAge(young.personal_id)));
        assert_eq!(bar(&young, &woman, time::macros::date!(2026 - 12 - 02)), None);
        let girl = person("001309000005", Sex::Female, "2009-01-01");
        assert_eq!(bar(&man, &girl, on), Some(MarriageBar::UnderAge(girl.personal_id)));
        let mut married = woman.clone();
        married.spouse_id = Some("001090000009".into());
        assert_eq!(bar(&man, &married, on), Some(MarriageBar::Married(married.personal_id)));
        let mut daughter = woman.clone();
        daughter.father_id = Some(man.personal_id.to_string());
        assert_eq!(bar(&man, &daughter, on), Some(MarriageBar::Kin));
        let (mut brother, mut sister) = (man.clone(), woman.clone());
        brother.mother_id = Some("001160000010".into());
        sister.mother_id = Some("001160000010".into());
        assert_eq!(bar(&brother, &sister, on), Some(MarriageBar::Kin));
        let mut widow = woman.clone();
        widow.status = CitizenStatus::Deceased;
        assert_eq!(bar(&man, &widow, on), Some(MarriageBar::Deceased(widow.personal_id)));
    }
}
