//! Thống kê — how the dossiers submitted in a period were settled, per receiving agency, procedure and province:
//! received, the share filed online, settled, on time and late, overdue now, the applicants' ratings. These are
//! the figures the National Public Service Portal publishes for every agency, and nothing in them is personal.

use std::collections::BTreeMap;

use kernel::{AdminUnitCode, AgencyCode};
use serde::Serialize;
use store::Db;
use time::{Date, Duration, OffsetDateTime};

use crate::catalogue::Catalogue;
use crate::error::PortalError;
use crate::model::{Names, Tally};
use crate::service::workflow::today;
use crate::store as sql;

/// Kỳ thống kê — the days, in Vietnam, whose submissions are counted; both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The first day.
    pub from: Date,
    /// The last day.
    pub to: Date,
}

impl Period {
    /// From the days as typed (`YYYY-MM-DD`, either blank): by default from the first of January to today.
    pub fn parse(from: Option<&str>, to: Option<&str>, now: OffsetDateTime) -> Result<Period, PortalError> {
        let day = |s: Option<&str>| -> Result<Option<Date>, PortalError> {
            match s.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                    .map(Some)
                    .map_err(|_| PortalError::BadPeriod),
            }
        };
        let today = today(now);
        let to = day(to)?.unwrap_or(today);
        let from = day(from)?.unwrap_or_else(|| to.replace_ordinal(1).unwrap_or(to));
        if from > to {
            return Err(PortalError::BadPeriod);
        }
        Ok(Period { from, to })
    }

    /// The period as Unix seconds, `[start, end)`.
    fn bounds(self) -> (i64, i64) {
        let midnight = |d: Date| d.midnight().assume_offset(time::macros::offset!(+7)).unix_timestamp();
        (midnight(self.from), midnight(self.to) + Duration::DAY.whole_seconds())
    }
}

/// One line of a breakdown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Line {
    /// The agency's, procedure's or province's code (`none` for applicants with no residence).
    pub code: String,
    /// Its name.
    pub name: Names,
    /// Its counts.
    #[serde(flatten)]
    pub tally: Tally,
}

/// The figures of a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Statistics {
    /// The first day counted, `YYYY-MM-DD`.
    pub from: String,
    /// The last day counted.
    pub to: String,
    /// Every dossier submitted in the period.
    pub total: Tally,
    /// By the agency that received them, most received first.
    pub agencies: Vec<Line>,
    /// By procedure.
    pub procedures: Vec<Line>,
    /// By the applicant's province.
    pub provinces: Vec<Line>,
}

/// The figures of `period`, counted by the database and gathered into the three breakdowns here.
pub async fn statistics(db: &Db, period: Period) -> Result<Statistics, PortalError> {
    let (start, end) = period.bounds();
    let today = today(OffsetDateTime::now_utc()).to_string();
    let rows = sql::tallies(db, start, end, &today).await?;
    let catalogue = Catalogue::builtin()?;
    let mut total = Tally::default();
    let (mut agencies, mut procedures, mut provinces) = (Groups::new(), Groups::new(), Groups::new());
    for row in rows {
        total.add(&row.tally);
        agencies.add(row.agency.clone(), || agency_name(&row.agency), &row.tally);
        let procedure = row.procedure.parse().ok().and_then(|code| catalogue.get(&code));
        let name = || procedure.map(|p| p.name.clone()).unwrap_or_else(|| same(&row.procedure));
        procedures.add(row.procedure.clone(), name, &row.tally);
        let province = row.commune.as_deref().and_then(|c| c.parse::<AdminUnitCode>().ok()).map(|c| c.province());
        let key = province.map_or_else(|| "none".to_owned(), |p| p.to_string());
        let name = || match province {
            Some(p) => same(&p.unit().name),
            None => Names { vi: "Chưa có nơi cư trú".into(), en: "No residence".into() },
        };
        provinces.add(key, name, &row.tally);
    }
    Ok(Statistics {
        from: period.from.to_string(),
        to: period.to.to_string(),
        total,
        agencies: agencies.lines(),
        procedures: procedures.lines(),
        provinces: provinces.lines(),
    })
}

/// Lines by code, each named once.
struct Groups(BTreeMap<String, (Names, Tally)>);

impl Groups {
    fn new() -> Self {
        Groups(BTreeMap::new())
    }

    fn add(&mut self, code: String, name: impl FnOnce() -> Names, tally: &Tally) {
        self.0.entry(code).or_insert_with(|| (name(), Tally::default())).1.add(tally);
    }

    /// The most received first; ties by code, so the order never changes between two looks.
    fn lines(self) -> Vec<Line> {
        let mut lines: Vec<Line> = self.0.into_iter().map(|(code, (name, tally))| Line { code, name, tally }).collect();
        lines.sort_by(|a, b| b.tally.received.cmp(&a.tally.received).then_with(|| a.code.cmp(&b.code)));
        lines
    }
}

fn same(name: &str) -> Names {
    Names { vi: name.to_owned(), en: name.to_owned() }
}

/// An agency's name from its code, as the offices are coded (`UBND.<unit>`, `CA.<commune>`, `BHXH.<province>`);
/// a ministry's department goes by its code.
pub fn agency_name(code: &str) -> Names {
    let unit = |rest: &str| rest.parse::<AdminUnitCode>().ok().map(|u| u.unit().name.as_str());
    let named = code.parse::<AgencyCode>().ok().and_then(|_| {
        let (kind, rest) = code.split_once('.')?;
        let unit = unit(rest)?;
        Some(match kind {
            "UBND" => Names { vi: format!("UBND {unit}"), en: format!("People's Committee of {unit}") },
            "CA" => Names { vi: format!("Công an {unit}"), en: format!("Police of {unit}") },
            "BHXH" => Names { vi: format!("BHXH {unit}"), en: format!("Social Security of {unit}") },
            _ => return None,
        })
    });
    named.unwrap_or_else(|| same(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn a_period_defaults_to_this_year_in_vietnam() {
        // 20:00 UTC on the last day of 2026 is already 2027 in Vietnam.
        let p = Period::parse(None, None, at("2026-12-31T20:00:00Z")).unwrap();
        assert_eq!((p.from.to_string(), p.to.to_string()), ("2027-01-01".into(), "2027-01-01".into()));
        let p = Period::parse(Some(""), Some("2026-06-30"), at("2026-12-01T00:00:00Z")).unwrap();
        assert_eq!(p.from.to_string(), "2026-01-01");
    }

    #[test]
    fn a_period_is_whole_days_in_vietnam() {
        let p = Period::parse(Some("2026-12-01"), Some("2026-12-01"), at("2026-12-05T00:00:00Z")).unwrap();
        let (start, end) = p.bounds();
        assert_eq!(start, at("2026-11-30T17:00:00Z").unix_timestamp());
        assert_eq!(end - start, 86_400);
    }

    #[test]
    fn a_backwards_or_malformed_period_is_refused() {
        let now = at("2026-12-01T00:00:00Z");
        assert!(matches!(Period::parse(Some("2026-12-02"), Some("2026-12-01"), now), Err(PortalError::BadPeriod)));
        assert!(matches!(Period::parse(Some("1/12/2026"), None, now), Err(PortalError::BadPeriod)));
    }

    #[test]
    fn agencies_are_named_from_their_codes() {
        let commune = kernel::admin_unit::provinces().next().unwrap().code;
        let commune = kernel::admin_unit::communes_of(commune)[0].code;
        let name = agency_name(&format!("CA.{commune}"));
        assert!(name.vi.starts_with("Công an ") && name.vi.len() > "Công an ".len(), "{name:?}");
        assert_eq!(agency_name("BCA.A08").vi, "BCA.A08");
    }
}
