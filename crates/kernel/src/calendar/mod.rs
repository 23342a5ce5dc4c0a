//! The working-day calendar: weekends and Vietnam's public holidays, which time limits for dossiers count in.
//!
//! Public holidays follow the Labour Code 2019, art. 112: New Year's Day; five days of Tết (by default the
//! last day of the lunar year and the first four of the new one); Hùng Kings' day (10th of the third lunar month);
//! 30 April; 1 May; National Day, 2 September and one day beside it. A holiday falling on a weekend gives a
//! compensatory day off on the next working day (art. 111). Each year the government announces the exact days
//! for civil servants, moving days and setting make-up Saturdays: those announcements live in
//! `data/vn-holidays.toml` and take precedence over the defaults.

pub mod lunar;

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use serde::Deserialize;
use time::{Date, Duration, Month, Weekday};

use self::lunar::LunarDate;

const ANNOUNCEMENTS: &str = include_str!("../../../../data/vn-holidays.toml");

/// The government's announced arrangement for one year.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Announcement {
    year: i32,
    /// First and last day off for Tết, weekends included; replaces the computed Tết days and their compensation.
    tet: Option<[Date; 2]>,
    /// First and last day off around National Day; replaces the computed ones.
    national_day: Option<[Date; 2]>,
    /// Further days off, usually working days swapped for a make-up Saturday.
    #[serde(default)]
    days_off: Vec<Date>,
    /// Weekend days that are worked (ngày làm bù).
    #[serde(default)]
    working_days: Vec<Date>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnouncementFile {
    year: Vec<Announcement>,
}

// The file is part of the source tree and parsed by the tests, so a defect in it fails the build's tests.
static ANNOUNCED: LazyLock<HashMap<i32, Announcement>> = LazyLock::new(|| {
    let file: AnnouncementFile = toml::from_str(ANNOUNCEMENTS).unwrap_or_else(|e| panic!("data/vn-holidays.toml: {e}"));
    file.year.into_iter().map(|a| (a.year, a)).collect()
});

/// The range of years for which the lunar holidays are computed.
pub const YEARS: std::ops::RangeInclusive<i32> = 1990..=2050;

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn days(first: Date, last: Date) -> impl Iterator<Item = Date> {
    std::iter::successors(Some(first), move |d| d.next_day().filter(|n| *n <= last))
}

fn ymd(year: i32, month: Month, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, month, day).ok()
}

/// The day beside 2 September that is also off, unless announced: the weekday neighbour, preferring the one
/// that joins the holiday to a weekend.
fn national_day_companion(sept2: Date) -> Option<Date> {
    let before = sept2.previous_day()?;
    let after = sept2.next_day()?;
    Some(match sept2.weekday() {
        Weekday::Tuesday | Weekday::Friday | Weekday::Saturday | Weekday::Wednesday => before,
        _ => after,
    })
}

/// Every day off in `year` other than ordinary weekends, computed once per year.
fn days_off(year: i32) -> BTreeSet<Date> {
    let announced = ANNOUNCED.get(&year);
    let mut statutory = Vec::new();
    let mut fixed_ranges = Vec::new();
    statutory.extend(ymd(year, Month::January, 1));
    match announced.and_then(|a| a.tet) {
        Some([first, last]) => fixed_ranges.push((first, last)),
        None => {
            if let Some(tet) = lunar::tet(year) {
                statutory.extend((-1..4).map(|d| tet + Duration::days(d)));
            }
        }
    }
    statutory.extend(lunar::to_solar(LunarDate { day: 10, month: 3, year, leap: false }));
    statutory.extend(ymd(year, Month::April, 30));
    statutory.extend(ymd(year, Month::May, 1));
    match announced.and_then(|a| a.national_day) {
        Some([first, last]) => fixed_ranges.push((first, last)),
        None => {
            if let Some(sept2) = ymd(year, Month::September, 2) {
                statutory.push(sept2);
                statutory.extend(national_day_companion(sept2));
            }
        }
    }

    let mut off: BTreeSet<Date> = statutory.iter().copied().collect();
    for &(first, last) in &fixed_ranges {
        off.extend(days(first, last));
    }
    // Compensation: each statutory day on a weekend moves to the next day that is neither weekend nor off.
    statutory.sort();
    for day in statutory.into_iter().filter(|d| is_weekend(*d)) {
        let mut next = day;
        while let Some(n) = next.next_day() {
            next = n;
            if !is_weekend(next) && !off.contains(&next) {
                off.insert(next);
                break;
            }
        }
    }
    if let Some(a) = announced {
        off.extend(a.days_off.iter().copied());
    }
    off
}

static CALENDAR: LazyLock<HashMap<i32, BTreeSet<Date>>> = LazyLock::new(|| YEARS.map(|y| (y, days_off(y))).collect());

/// Whether public offices work on `date`.
pub fn is_working_day(date: Date) -> bool {
    if ANNOUNCED.get(&date.year()).is_some_and(|a| a.working_days.contains(&date)) {
        return true;
    }
    let holiday = match CALENDAR.get(&date.year()) {
        Some(off) => off.contains(&date),
        // Outside the computed range only weekends count; dossier deadlines never reach that far.
        None => false,
    };
    !is_weekend(date) && !holiday
}

/// The day `n` working days after `date` (for `n = 0`, `date` itself if it is a working day, else the next).
pub fn add_working_days(date: Date, n: u32) -> Date {
    let mut day = date;
    while !is_working_day(day) {
        day = day.next_day().unwrap_or(day);
    }
    for _ in 0..n {
        day = day.next_day().unwrap_or(day);
        while !is_working_day(day) {
            day = day.next_day().unwrap_or(day);
        }
    }
    day
}

/// The number of working days in `from..to` (from inclusive, to exclusive).
pub fn working_days_between(from: Date, to: Date) -> u32 {
    if to <= from {
        return 0;
    }
    days(from, to.previous_day().unwrap_or(to)).filter(|d| is_working_day(*d)).count() as u32
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn off(from: Date, to: Date) -> Vec<Date> {
        days(from, to).filter(|d| !is_working_day(*d)).collect()
    }

    #[test]
    fn announcements_file_parses() {
        assert!(!ANNOUNCED.is_empty());
    }

    #[test]
    fn tet_2024_as_announced() {
        // Announced: off from Thursday 8 February to Wednesday 14 February 2024.
        assert!(is_working_day(date!(2024 - 02 - 07)));
        assert_eq!(off(date!(2024 - 02 - 07), date!(2024 - 02 - 16)).len(), 7);
        assert!(is_working_day(date!(2024 - 02 - 15)));
    }

    #[test]
    fn reunification_and_labour_day_2024_with_a_make_up_saturday() {
        // Announced: off 27 April to 1 May 2024, Monday 29 April swapped for Saturday 4 May.
        assert_eq!(off(date!(2024 - 04 - 26), date!(2024 - 05 - 05)).len(), 6);
        assert!(!is_working_day(date!(2024 - 04 - 29)));
        assert!(is_working_day(date!(2024 - 05 - 04)));
        assert!(!is_working_day(date!(2024 - 05 - 05)));
    }

    #[test]
    fn hung_kings_day_is_computed_from_the_lunar_calendar() {
        assert!(!is_working_day(date!(2024 - 04 - 18)));
        assert!(!is_working_day(date!(2025 - 04 - 07)));
        assert!(!is_working_day(date!(2026 - 04 - 27)));
        // 10 April 2022 was a Sunday: the Monday after was off instead.
        assert!(!is_working_day(date!(2022 - 04 - 11)));
        assert!(is_working_day(date!(2022 - 04 - 12)));
    }

    #[test]
    fn default_tet_is_the_eve_and_four_days_with_compensation() {
        // No announcement is on file for 2030: Tết is Saturday 2 February 2030, so the eve is Friday 1 February
        // and the holiday runs to Tuesday 5 February; the Saturday and Sunday in it give Wednesday 6 and Thursday 7.
        let offs = off(date!(2030 - 01 - 31), date!(2030 - 02 - 11));
        let expected: Vec<Date> = days(date!(2030 - 02 - 01), date!(2030 - 02 - 07))
            .chain([date!(2030 - 02 - 09), date!(2030 - 02 - 10)])
            .collect();
        assert_eq!(offs, expected);
    }

    #[test]
    fn counts_working_days() {
        // Friday 26 April 2024 + 1 working day skips the long weekend and the swapped Monday.
        assert_eq!(add_working_days(date!(2024 - 04 - 26), 1), date!(2024 - 05 - 02));
        assert_eq!(add_working_days(date!(2024 - 04 - 27), 0), date!(2024 - 05 - 02));
        assert_eq!(working_days_between(date!(2024 - 04 - 26), date!(2024 - 05 - 06)), 4);
        assert_eq!(working_days_between(date!(2024 - 05 - 06), date!(2024 - 05 - 06)), 0);
    }
}
