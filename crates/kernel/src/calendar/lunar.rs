//! The Vietnamese lunisolar calendar (âm lịch), computed rather than typed in.
//!
//! This is Hồ Ngọc Đức's published algorithm (astronomical new moons and solar terms after Meeus), evaluated at
//! the UTC+7 meridian. It is written here because the calendar crates on crates.io compute the Chinese calendar at
//! UTC+8, which puts some Vietnamese New Years a day or a month elsewhere (Tết 2007 fell on 17 February in Vietnam
//! and 18 February in China).

use std::f64::consts::PI;

use time::Date;

const TIME_ZONE: f64 = 7.0;
const SYNODIC_MONTH: f64 = 29.530588853;
/// The Julian day of the new moon of 1 January 1900, the origin of the lunation count.
const EPOCH: f64 = 2415021.076998695;

/// A date in the lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    /// Day of the month, 1–30.
    pub day: u8,
    /// Month, 1–12.
    pub month: u8,
    /// The lunar year, named by the solar year in which it mostly falls.
    pub year: i32,
    /// Whether the month is the leap (intercalary) month.
    pub leap: bool,
}

fn new_moon(k: f64) -> f64 {
    let t = k / 1236.85;
    let (t2, t3) = (t * t, t * t * t);
    let dr = PI / 180.0;
    let mut jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
    jd1 += 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
    let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;
    let mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3;
    let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;
    let mut c1 = (0.1734 - 0.000393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    jd1 + c1 - delta_t
}

fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2451545.0) / 36525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let mut dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * (dr * m).sin();
    dl += (0.019993 - 0.000101 * t) * (dr * 2.0 * m).sin() + 0.000290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - PI * 2.0 * (l / (PI * 2.0)).floor()
}

/// The Julian day number of the day (at UTC+7) on which lunation `k` begins.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k as f64) + 0.5 + TIME_ZONE / 24.0).floor() as i64
}

/// Which of the twelve 30° sectors the sun is in at the start of a day (a major solar term index).
fn sun_sector(day: i64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - TIME_ZONE / 24.0) / PI * 6.0).floor() as i64
}

fn jdn(date: Date) -> i64 {
    i64::from(date.to_julian_day())
}

fn from_jdn(jdn: i64) -> Option<Date> {
    Date::from_julian_day(i32::try_from(jdn).ok()?).ok()
}

/// The first day of the eleventh lunar month (the one containing the winter solstice) of solar year `year`.
fn lunar_month_11(year: i32) -> i64 {
    let Some(dec31) = Date::from_calendar_date(year, time::Month::December, 31).ok() else {
        return 0;
    };
    let k = ((jdn(dec31) as f64 - 2415021.0) / SYNODIC_MONTH).floor() as i64;
    let nm = new_moon_day(k);
    if sun_sector(nm) >= 9 { new_moon_day(k - 1) } else { nm }
}

/// In a year with a leap month, how many months after month 11 the leap month comes: the first month in which
/// the sun enters no new sector.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            return i - 1;
        }
    }
}

/// Converts a solar (Gregorian) date to the lunar calendar.
pub fn to_lunar(date: Date) -> LunarDate {
    let day_number = jdn(date);
    let year = date.year();
    let k = ((day_number as f64 - EPOCH) / SYNODIC_MONTH).floor() as i64;
    let mut month_start = new_moon_day(k + 1);
    if month_start > day_number {
        month_start = new_moon_day(k);
    }
    let mut a11 = lunar_month_11(year);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = year;
        a11 = lunar_month_11(year - 1);
    } else {
        lunar_year = year + 1;
        b11 = lunar_month_11(year + 1);
    }
    let day = (day_number - month_start + 1) as u8;
    let diff = (month_start - a11) / 29;
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11);
        if diff >= leap_diff {
            month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate { day, month: month as u8, year: lunar_year, leap }
}

/// Converts a lunar date to the solar calendar; `None` if no such lunar date exists (a leap month that year
/// does not have, or a date out of range).
pub fn to_solar(lunar: LunarDate) -> Option<Date> {
    let LunarDate { day, month, year, leap } = lunar;
    if !(1..=30).contains(&day) || !(1..=12).contains(&month) {
        return None;
    }
    let (a11, b11) = if month < 11 {
        (lunar_month_11(year - 1), lunar_month_11(year))
    } else {
        (lunar_month_11(year), lunar_month_11(year + 1))
    };
    let mut off = i64::from(month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if leap && i64::from(month) != leap_month {
            return None;
        }
        if leap || off >= leap_off {
            off += 1;
        }
    } else if leap {
        return None;
    }
    let k = (0.5 + (a11 as f64 - EPOCH) / SYNODIC_MONTH).floor() as i64;
    let solar = from_jdn(new_moon_day(k + off) + i64::from(day) - 1)?;
    // A day 30 in a 29-day month would spill into the next month.
    (to_lunar(solar) == lunar).then_some(solar)
}

/// Tết Nguyên đán: the first day of the lunar year that begins in solar year `year`.
pub fn tet(year: i32) -> Option<Date> {
    to_solar(LunarDate { day: 1, month: 1, year, leap: false })
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn tet_matches_the_announced_dates() {
        let known = [
            (1990, date!(1990 - 01 - 27)),
            (2000, date!(2000 - 02 - 05)),
            (2007, date!(2007 - 02 - 17)), // a day before China's.
            (2020, date!(2020 - 01 - 25)),
            (2021, date!(2021 - 02 - 12)),
            (2022, date!(2022 - 02 - 01)),
            (2023, date!(2023 - 01 - 22)),
            (2024, date!(2024 - 02 - 10)),
            (2025, date!(2025 - 01 - 29)),
            (2026, date!(2026 - 02 - 17)),
            // The new moon falls at 23:07 in Vietnam and after midnight in China, whose New Year is 3 February.
            (2030, date!(2030 - 02 - 02)),
            (2050, date!(2050 - 01 - 23)),
        ];
        for (year, expected) in known {
            assert_eq!(tet(year), Some(expected), "Tết {year}");
        }
    }

    #[test]
    fn converts_both_ways_for_every_day_of_1990_to_2050() {
        let mut day = date!(1990 - 01 - 01);
        let mut lunar_new_years = 0;
        while day <= date!(2050 - 12 - 31) {
            let lunar = to_lunar(day);
            assert_eq!(to_solar(lunar), Some(day), "{day} → {lunar:?}");
            if (lunar.day, lunar.month, lunar.leap) == (1, 1, false) {
                lunar_new_years += 1;
            }
            day = day.next_day().unwrap();
        }
        assert_eq!(lunar_new_years, 61);
    }

    #[test]
    fn knows_leap_months() {
        // 2023 (Quý Mão) had a leap second month; 2020 (Canh Tý) a leap fourth month.
        assert_eq!(to_lunar(date!(2023 - 03 - 22)), LunarDate { day: 1, month: 2, year: 2023, leap: true });
        assert_eq!(to_lunar(date!(2020 - 05 - 23)), LunarDate { day: 1, month: 4, year: 2020, leap: true });
        assert_eq!(to_solar(LunarDate { day: 1, month: 3, year: 2024, leap: true }), None);
    }
}
