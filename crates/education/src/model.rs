//! Schools, school years, grades and classes, each a type that holds only valid values; and the records the slice
//! keeps.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use kernel::{AdminUnitCode, Lang, Localized, PersonalId};
use serde::{Deserialize, Serialize};
use serde_with::{DeserializeFromStr, SerializeDisplay};

use crate::subject::{Mark, Rating, Subject, Term};

/// Mã trường — a school's code: the five-digit code of the commune it stands in and a three-digit number within
/// it (`00070001`). congso's own numbering: the education ministry's database numbered schools by the districts
/// the 2025 reform abolished. A school's staff hold their roles in the agency `GD.<code>` ([`SchoolCode::agency`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
pub struct SchoolCode {
    commune: AdminUnitCode,
    number: u16,
}

/// The prefix of a school's agency code.
const AGENCY_PREFIX: &str = "GD.";

impl SchoolCode {
    /// The school numbered `number` (1–999) in `commune`, if both are what they must be.
    pub fn new(commune: AdminUnitCode, number: u16) -> Option<SchoolCode> {
        (commune.level() == kernel::admin_unit::Level::Commune && (1..=999).contains(&number))
            .then_some(SchoolCode { commune, number })
    }

    /// The commune the school stands in.
    pub fn commune(&self) -> AdminUnitCode {
        self.commune
    }

    /// The agency the school's teachers and principal hold their roles in.
    pub fn agency(&self) -> kernel::AgencyCode {
        // Eight digits after a prefix of letters and a dot is always an agency code.
        format!("{AGENCY_PREFIX}{self}").parse().unwrap_or_else(|_| unreachable!("GD.<8 digits> is an agency code"))
    }

    /// The school whose agency `agency` is, if it is one.
    pub fn of_agency(agency: &kernel::AgencyCode) -> Option<SchoolCode> {
        agency.as_str().strip_prefix(AGENCY_PREFIX)?.parse().ok()
    }
}

impl fmt::Display for SchoolCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:03}", self.commune, self.number)
    }
}

impl fmt::Debug for SchoolCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SchoolCode({self})")
    }
}

impl FromStr for SchoolCode {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::School);
        }
        let commune = s[..5].parse().map_err(|_| CodeError::SchoolCommune)?;
        let number = s[5..].parse().map_err(|_| CodeError::School)?;
        SchoolCode::new(commune, number).ok_or(CodeError::School)
    }
}

/// Cấp học — the level a school teaches. The slice keeps the school records of lower and upper secondary
/// schools, assessed under Circular 22/2021/TT-BGDĐT; primary schools assess by Circular 27/2020 and are not yet
/// kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SchoolLevel {
    /// Trung học cơ sở (THCS): grades 6 to 9.
    LowerSecondary,
    /// Trung học phổ thông (THPT): grades 10 to 12.
    UpperSecondary,
}

impl SchoolLevel {
    /// The value stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LowerSecondary => "lower_secondary",
            Self::UpperSecondary => "upper_secondary",
        }
    }

    /// The grades taught.
    pub fn grades(self) -> std::ops::RangeInclusive<u8> {
        match self {
            Self::LowerSecondary => 6..=9,
            Self::UpperSecondary => 10..=12,
        }
    }
}

impl FromStr for SchoolLevel {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lower_secondary" => Ok(Self::LowerSecondary),
            "upper_secondary" => Ok(Self::UpperSecondary),
            _ => Err(CodeError::Level),
        }
    }
}

/// Trường — a school.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct School {
    /// Its code.
    #[schema(value_type = String, example = "00070001")]
    pub code: SchoolCode,
    /// Its name.
    pub name: String,
    /// What it teaches.
    pub level: SchoolLevel,
}

/// Năm học — a school year, named by the calendar year it begins in (September): 2025 is "2025-2026".
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct SchoolYear(u16);

impl SchoolYear {
    /// The school year under way in Vietnam at `now`: a new one begins on 1 August, when schools open their
    /// registers for it.
    pub fn at(now: time::OffsetDateTime) -> SchoolYear {
        let vietnam = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
        let date = now.to_offset(vietnam).date();
        let year = if u8::from(date.month()) >= 8 { date.year() } else { date.year() - 1 };
        SchoolYear(u16::try_from(year.clamp(2000, 2100)).unwrap_or(2000))
    }

    /// The calendar year it begins in.
    pub fn start(self) -> u16 {
        self.0
    }
}

impl TryFrom<i64> for SchoolYear {
    type Error = CodeError;

    fn try_from(year: i64) -> Result<Self, Self::Error> {
        u16::try_from(year).ok().filter(|y| (2000..=2100).contains(y)).map(SchoolYear).ok_or(CodeError::Year)
    }
}

impl From<SchoolYear> for i64 {
    fn from(y: SchoolYear) -> i64 {
        i64::from(y.0)
    }
}

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.0, self.0 + 1)
    }
}

/// Reads `2025` or `2025-2026` (the two years consecutive).
impl FromStr for SchoolYear {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (start, end) = match s.split_once('-') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let year = SchoolYear::try_from(start.parse::<i64>().map_err(|_| CodeError::Year)?)?;
        match end.map(str::parse::<u16>) {
            None => Ok(year),
            Some(Ok(next)) if next == year.0 + 1 => Ok(year),
            Some(_) => Err(CodeError::Year),
        }
    }
}

/// Lớp học — a class, as a school names it: the grade, then letters or digits (`7A1`, `10 Toán`): at most 12
/// characters, beginning with its grade.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, SerializeDisplay)]
pub struct ClassName(String);

impl ClassName {
    /// Reads the name of a class of `grade`.
    pub fn parse(s: &str, grade: u8) -> Result<ClassName, CodeError> {
        let s = kernel::free_text::clean(s, 12).map_err(|_| CodeError::Class(grade))?;
        let rest = s.strip_prefix(&grade.to_string()).ok_or(CodeError::Class(grade))?;
        let well_formed = !rest.is_empty()
            && !rest.starts_with(|c: char| c.is_ascii_digit())
            && rest.chars().all(|c| c.is_alphanumeric() || c == ' ');
        if well_formed { Ok(ClassName(s)) } else { Err(CodeError::Class(grade)) }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClassName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A class's name in the OpenAPI document: free text of at most 12 characters (the rest is checked by
/// [`ClassName::parse`], which needs the grade).
pub fn class_schema() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(12)
}

/// [`class_schema`], or nothing.
pub fn optional_class_schema() -> utoipa::openapi::schema::Object {
    kernel::schema::optional_free_text_schema(12)
}

/// Why a code or name is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Not eight digits.
    #[error("a school code is 8 digits: the commune's 5 and the school's number from 001 to 999")]
    School,
    /// The first five digits name no commune.
    #[error("the school code's first five digits are not a commune's code")]
    SchoolCommune,
    /// Not a level.
    #[error("the level is lower_secondary or upper_secondary")]
    Level,
    /// Not a school year.
    #[error("a school year is written 2025 or 2025-2026, from 2000 to 2100")]
    Year,
    /// A grade the school does not teach.
    #[error("the school teaches grades {0} to {1}")]
    Grade(u8, u8),
    /// Not a class of the grade.
    #[error("a class of grade {0} is named by the grade then letters or digits, such as {0}A1, at most 12 characters")]
    Class(u8),
    /// Not a subject.
    #[error("no such subject")]
    Subject,
    /// Not a term.
    #[error("the term is 1 or 2")]
    Term,
    /// Not a mark the subject takes.
    #[error("{0}")]
    Mark(&'static str),
    /// Not a rating.
    #[error("the rating is tot, kha, dat or chua_dat")]
    Rating,
}

impl Localized for CodeError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::School, Lang::Vi) => {
                "Mã trường gồm 8 chữ số: 5 chữ số mã xã và số thứ tự của trường từ 001 đến 999.".into()
            }
            (Self::SchoolCommune, Lang::Vi) => "Năm chữ số đầu của mã trường không phải mã một xã, phường.".into(),
            (Self::Level, Lang::Vi) => "Cấp học là trung học cơ sở hoặc trung học phổ thông.".into(),
            (Self::Year, Lang::Vi) => "Năm học viết dạng 2025 hoặc 2025-2026, từ 2000 đến 2100.".into(),
            (Self::Grade(a, b), Lang::Vi) => format!("Trường dạy từ lớp {a} đến lớp {b}.").into(),
            (Self::Class(g), Lang::Vi) => {
                format!("Tên lớp bắt đầu bằng khối {g} rồi đến chữ hoặc số, ví dụ {g}A1, tối đa 12 ký tự.").into()
            }
            (Self::Subject, Lang::Vi) => "Không có môn học này.".into(),
            (Self::Term, Lang::Vi) => "Học kì là 1 hoặc 2.".into(),
            (Self::Mark(_), Lang::Vi) => {
                "Môn đánh giá bằng điểm số nhận điểm từ 0 đến 10, một chữ số thập phân; môn đánh giá bằng nhận xét \
                 nhận Đạt hoặc Chưa đạt."
                    .into()
            }
            (Self::Rating, Lang::Vi) => "Mức đánh giá là Tốt, Khá, Đạt hoặc Chưa đạt.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

/// Hồ sơ học tập một năm học — a pupil's enrolment at a school for a school year: the page of the school record
/// (học bạ) that year fills in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// The pupil's personal ID number.
    #[schema(value_type = String, example = "001212000123")]
    pub pupil: PersonalId,
    /// The pupil's name as the population registry held it at enrolment.
    pub pupil_name: String,
    /// The pupil's date of birth, `YYYY-MM-DD`.
    pub birth_date: String,
    /// The school year, by the calendar year it begins in.
    #[schema(value_type = i64, minimum = 2000, maximum = 2100, example = 2025)]
    pub school_year: SchoolYear,
    /// The school.
    #[schema(value_type = String, example = "00070001")]
    pub school: SchoolCode,
    /// The school's name.
    pub school_name: String,
    /// The grade, 6 to 12.
    pub grade: u8,
    /// The class.
    #[schema(value_type = String, example = "7A1")]
    pub class_name: ClassName,
    /// Kết quả rèn luyện cả năm — the year's conduct, once the form teacher has rated it.
    pub conduct: Option<Rating>,
    /// Half-days absent in the year.
    pub absences: i64,
    /// When the principal signed the year's record (Unix seconds); nothing changes after.
    pub signed_at: Option<i64>,
    /// Who signed it.
    pub signed_by: Option<String>,
    /// The signed record's QR text, once signed.
    pub qr_text: Option<String>,
    /// Bumped by every change, so that two at once are applied one after the other.
    #[serde(skip)]
    pub version: i64,
    /// The personal ID numbers of the pupil's mother and father as the registry named them at enrolment: they
    /// see the record too.
    #[serde(skip)]
    pub parents: [Option<PersonalId>; 2],
}

/// A mark entered for one subject in one term.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MarkEntry {
    /// The subject.
    pub subject: Subject,
    /// The term, 1 or 2.
    #[schema(value_type = i64, minimum = 1, maximum = 2)]
    pub term: Term,
    /// The mark: a score such as `8.5`, or `dat` / `chua_dat`.
    #[schema(value_type = String, example = "8.5")]
    pub mark: Mark,
    /// Who entered it.
    pub teacher: String,
    /// When (Unix seconds).
    pub recorded_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_school_code_is_a_communes_code_and_a_number() {
        let code: SchoolCode = "00070001".parse().unwrap();
        assert_eq!(code.to_string(), "00070001");
        assert_eq!(code.agency().as_str(), "GD.00070001");
        assert_eq!(SchoolCode::of_agency(&code.agency()), Some(code));
        assert_eq!("00070000".parse::<SchoolCode>(), Err(CodeError::School));
        assert_eq!("0007001".parse::<SchoolCode>(), Err(CodeError::School));
        assert_eq!("99999001".parse::<SchoolCode>(), Err(CodeError::SchoolCommune));
        assert_eq!(SchoolCode::of_agency(&"KCB.01001".parse().unwrap()), None);
    }

    #[test]
    fn a_school_year_begins_in_august_in_vietnam() {
        assert_eq!("2025-2026".parse::<SchoolYear>().unwrap(), SchoolYear(2025));
        assert_eq!("2025".parse::<SchoolYear>().unwrap().to_string(), "2025-2026");
        assert!("2025-2027".parse::<SchoolYear>().is_err());
        assert!("1999".parse::<SchoolYear>().is_err());
        // 31 July 18:00 UTC is already 1 August in Vietnam.
        assert_eq!(SchoolYear::at(time::macros::datetime!(2026-07-31 18:00 UTC)), SchoolYear(2026));
        assert_eq!(SchoolYear::at(time::macros::datetime!(2026-07-31 16:00 UTC)), SchoolYear(2025));
    }

    #[test]
    fn a_class_begins_with_its_grade() {
        assert_eq!(ClassName::parse(" 7A1 ", 7).unwrap().as_str(), "7A1");
        assert_eq!(ClassName::parse("10 Toán", 10).unwrap().as_str(), "10 Toán");
        assert_eq!(ClassName::parse("8A1", 7), Err(CodeError::Class(7)));
        assert_eq!(ClassName::parse("71", 7), Err(CodeError::Class(7)));
        assert_eq!(ClassName::parse("7", 7), Err(CodeError::Class(7)));
        assert_eq!(ClassName::parse("7A-1", 7), Err(CodeError::Class(7)));
        assert_eq!(ClassName::parse("7ABCDEFGHIJKL", 7), Err(CodeError::Class(7)));
    }
}
