//! Đánh giá — what a year's marks add up to, by Circular 22/2021/TT-BGDĐT: the year's mark of each subject
//! (art. 9(1)), the rating of a term's and the year's learning (art. 9(2)), promotion to the next grade (art. 12)
//! and the year's title (art. 15). Pure functions of the marks, so the page, the API and the signed record agree.

use serde::Serialize;

use crate::model::{Enrolment, MarkEntry};
use crate::subject::{Mark, Rating, Subject, Term};

/// The most half-days a pupil may miss in a year and still be promoted (art. 12(1)(c)).
pub const MAX_ABSENCES: i64 = 45;

/// One subject's line in the school record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubjectLine {
    /// The subject.
    pub subject: Subject,
    /// Học kì I.
    #[schema(value_type = Option<String>)]
    pub first: Option<Mark>,
    /// Học kì II.
    #[schema(value_type = Option<String>)]
    pub second: Option<Mark>,
    /// Cả năm, once both terms have their mark.
    #[schema(value_type = Option<String>)]
    pub year: Option<Mark>,
}

/// Danh hiệu — the title a year earns (art. 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Title {
    /// Học sinh Xuất sắc.
    Excellent,
    /// Học sinh Giỏi.
    Good,
}

/// Học bạ — a pupil's school record for one year: the enrolment, every subject's marks and what they add up to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SchoolRecord {
    /// The enrolment.
    #[serde(flatten)]
    pub enrolment: Enrolment,
    /// The subjects with a mark, in the programme's order.
    pub subjects: Vec<SubjectLine>,
    /// The learning rating of the first term, once every subject has its mark for it.
    pub first_term: Option<Rating>,
    /// The second term's.
    pub second_term: Option<Rating>,
    /// The year's.
    pub year: Option<Rating>,
    /// Whether the pupil goes up to the next grade: known once the year's learning and conduct are rated.
    pub promoted: Option<bool>,
    /// The year's title, if it earned one.
    pub title: Option<Title>,
}

/// The year's mark from the terms': for a score, (first + 2 × second) / 3 rounded to one decimal; for a comment,
/// the second term's (art. 9(1)).
pub fn year_mark(first: Mark, second: Mark) -> Mark {
    match (first, second) {
        // n / 3 in tenths is never exactly half-way, so adding 1 before the division rounds to the nearest.
        (Mark::Score(a), Mark::Score(b)) => Mark::Score(((u16::from(a) + 2 * u16::from(b) + 1) / 3) as u8),
        (_, comment) => comment,
    }
}

/// The rating of learning over `marks`, one per subject (art. 9(2)):
/// - **Tốt**: every commented subject Đạt, every score at least 6.5 and at least six at 8.0 or more;
/// - **Khá**: every commented subject Đạt, every score at least 5.0 and at least six at 6.5 or more;
/// - **Đạt**: at most one commented subject Chưa đạt, at least six scores at 5.0 or more and none under 3.5;
/// - otherwise **Chưa đạt**.
pub fn rating(marks: &[Mark]) -> Rating {
    let scores: Vec<u8> = marks.iter().filter_map(|m| if let Mark::Score(s) = m { Some(*s) } else { None }).collect();
    let failed = marks.iter().filter(|m| **m == Mark::NotPassed).count();
    let at_least = |min: u8| scores.iter().filter(|s| **s >= min).count();
    let lowest = scores.iter().copied().min().unwrap_or(0);
    if failed == 0 && lowest >= 65 && at_least(80) >= 6 {
        Rating::Tot
    } else if failed == 0 && lowest >= 50 && at_least(65) >= 6 {
        Rating::Kha
    } else if failed <= 1 && at_least(50) >= 6 && lowest >= 35 {
        Rating::Dat
    } else {
        Rating::ChuaDat
    }
}

/// Whether a year of `learning` and `conduct` with `absences` half-days missed goes up to the next grade
/// (art. 12(1)): both at least Đạt, and at most [`MAX_ABSENCES`] missed.
pub fn promoted(learning: Rating, conduct: Rating, absences: i64) -> bool {
    learning >= Rating::Dat && conduct >= Rating::Dat && absences <= MAX_ABSENCES
}

/// The year's title (art. 15): Giỏi for Tốt in both learning and conduct; Xuất sắc if, besides, at least six
/// subjects' year scores are 9.0 or more.
pub fn title(learning: Rating, conduct: Rating, year_marks: &[Mark]) -> Option<Title> {
    if learning != Rating::Tot || conduct != Rating::Tot {
        return None;
    }
    let nines = year_marks.iter().filter(|m| matches!(m, Mark::Score(s) if *s >= 90)).count();
    Some(if nines >= 6 { Title::Excellent } else { Title::Good })
}

impl SchoolRecord {
    /// The record of `enrolment` with `entries`, the marks as entered (a later entry of a subject and term
    /// replaces an earlier one). A term is rated once every subject with a mark has one for that term.
    pub fn of(enrolment: Enrolment, entries: Vec<MarkEntry>) -> SchoolRecord {
        let mut subjects: Vec<SubjectLine> = Vec::new();
        for e in &entries {
            let at = match subjects.iter().position(|l| l.subject == e.subject) {
                Some(at) => at,
                None => {
                    subjects.push(SubjectLine { subject: e.subject, first: None, second: None, year: None });
                    subjects.len() - 1
                }
            };
            let line = &mut subjects[at];
            match e.term {
                Term::First => line.first = Some(e.mark),
                Term::Second => line.second = Some(e.mark),
            }
        }
        subjects.sort_by_key(|l| l.subject);
        for line in &mut subjects {
            line.year = line.first.zip(line.second).map(|(a, b)| year_mark(a, b));
        }
        let rated = |term: fn(&SubjectLine) -> Option<Mark>| -> Option<Rating> {
            let marks: Option<Vec<Mark>> = subjects.iter().map(term).collect();
            marks.filter(|m| m.iter().filter(|m| matches!(m, Mark::Score(_))).count() >= 6).map(|m| rating(&m))
        };
        let (first_term, second_term, year) = (rated(|l| l.first), rated(|l| l.second), rated(|l| l.year));
        let conduct = enrolment.conduct;
        let promoted = year.zip(conduct).map(|(y, c)| promoted(y, c, enrolment.absences));
        let year_marks: Vec<Mark> = subjects.iter().filter_map(|l| l.year).collect();
        let title = year.zip(conduct).and_then(|(y, c)| title(y, c, &year_marks));
        SchoolRecord { enrolment, subjects, first_term, second_term, year, promoted, title }
    }

    /// Whether the principal may sign it: every subject has its year's mark, the year is rated (at least six
    /// scored subjects) and so is conduct.
    pub fn complete(&self) -> bool {
        self.year.is_some() && self.enrolment.conduct.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(tenths: &[u8]) -> Vec<Mark> {
        tenths.iter().map(|t| Mark::Score(*t)).collect()
    }

    #[test]
    fn the_year_counts_the_second_term_twice() {
        assert_eq!(year_mark(Mark::Score(80), Mark::Score(85)), Mark::Score(83));
        assert_eq!(year_mark(Mark::Score(70), Mark::Score(86)), Mark::Score(81)); // 24.2 / 3 = 8.07
        assert_eq!(year_mark(Mark::Score(71), Mark::Score(86)), Mark::Score(81)); // 8.1
        assert_eq!(year_mark(Mark::Score(72), Mark::Score(86)), Mark::Score(81)); // 8.13
        assert_eq!(year_mark(Mark::Score(73), Mark::Score(86)), Mark::Score(82)); // 8.17
        assert_eq!(year_mark(Mark::Score(100), Mark::Score(100)), Mark::Score(100));
        assert_eq!(year_mark(Mark::NotPassed, Mark::Passed), Mark::Passed);
        assert_eq!(year_mark(Mark::Passed, Mark::NotPassed), Mark::NotPassed);
    }

    #[test]
    fn learning_is_rated_by_article_9() {
        let mut eight = scores(&[80, 80, 80, 80, 80, 80, 65, 70]);
        eight.push(Mark::Passed);
        assert_eq!(rating(&eight), Rating::Tot);
        // One score under 6.5 drops it to Khá, five at 8.0 too.
        assert_eq!(rating(&scores(&[80, 80, 80, 80, 80, 80, 64])), Rating::Kha);
        assert_eq!(rating(&scores(&[80, 80, 80, 80, 80, 70, 70])), Rating::Kha);
        // A commented subject not passed: at best Đạt.
        let mut failed = scores(&[90, 90, 90, 90, 90, 90]);
        failed.push(Mark::NotPassed);
        assert_eq!(rating(&failed), Rating::Dat);
        failed.push(Mark::NotPassed);
        assert_eq!(rating(&failed), Rating::ChuaDat);
        // Đạt: six at 5.0, none under 3.5.
        assert_eq!(rating(&scores(&[50, 50, 50, 50, 50, 50, 35])), Rating::Dat);
        assert_eq!(rating(&scores(&[50, 50, 50, 50, 50, 50, 34])), Rating::ChuaDat);
        assert_eq!(rating(&scores(&[50, 50, 50, 50, 49, 49, 90])), Rating::ChuaDat);
    }

    #[test]
    fn promotion_and_titles_follow_articles_12_and_15() {
        assert!(promoted(Rating::Dat, Rating::Dat, 45));
        assert!(!promoted(Rating::Dat, Rating::Dat, 46));
        assert!(!promoted(Rating::ChuaDat, Rating::Tot, 0));
        assert!(!promoted(Rating::Tot, Rating::ChuaDat, 0));
        let year = scores(&[90, 90, 90, 90, 90, 90, 80]);
        assert_eq!(title(Rating::Tot, Rating::Tot, &year), Some(Title::Excellent));
        assert_eq!(title(Rating::Tot, Rating::Tot, &year[1..]), Some(Title::Good));
        assert_eq!(title(Rating::Tot, Rating::Kha, &year), None);
        assert_eq!(title(Rating::Kha, Rating::Tot, &year), None);
    }
}
