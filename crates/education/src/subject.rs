//! Môn học — the subjects of the 2018 general education programme, how each is assessed (Circular
//! 22/2021/TT-BGDĐT, art. 5), the terms, the marks and the ratings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_with::{DeserializeFromStr, SerializeDisplay};

use crate::model::{CodeError, SchoolLevel};

/// How a subject is assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assessed {
    /// Đánh giá bằng nhận xét kết hợp điểm số: a term average from 0 to 10, one decimal.
    Score,
    /// Đánh giá bằng nhận xét: Đạt or Chưa đạt.
    Comment,
}

macro_rules! subjects {
    ($($variant:ident $code:literal $vi:literal $en:literal $assessed:ident [$($level:ident),+];)+) => {
        /// A subject of the programme.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum Subject { $(#[doc = $vi] $variant,)+ }

        impl Subject {
            /// Every subject, in the order the school record lists them.
            pub const ALL: &'static [Subject] = &[$(Subject::$variant,)+];

            /// The code stored and sent.
            pub fn as_str(self) -> &'static str {
                match self { $(Subject::$variant => $code,)+ }
            }

            /// Its name in Vietnamese.
            pub fn name_vi(self) -> &'static str {
                match self { $(Subject::$variant => $vi,)+ }
            }

            /// Its name in English.
            pub fn name_en(self) -> &'static str {
                match self { $(Subject::$variant => $en,)+ }
            }

            /// How it is assessed.
            pub fn assessed(self) -> Assessed {
                match self { $(Subject::$variant => Assessed::$assessed,)+ }
            }

            /// Whether a school of `level` teaches it.
            pub fn taught_at(self, level: SchoolLevel) -> bool {
                match self { $(Subject::$variant => [$(SchoolLevel::$level),+].contains(&level),)+ }
            }
        }

        impl FromStr for Subject {
            type Err = CodeError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() { $($code => Ok(Subject::$variant),)+ _ => Err(CodeError::Subject) }
            }
        }
    };
}

subjects! {
    NguVan "ngu_van" "Ngữ văn" "Literature" Score [LowerSecondary, UpperSecondary];
    Toan "toan" "Toán" "Mathematics" Score [LowerSecondary, UpperSecondary];
    NgoaiNgu "ngoai_ngu" "Ngoại ngữ 1" "Foreign language" Score [LowerSecondary, UpperSecondary];
    GiaoDucCongDan "gdcd" "Giáo dục công dân" "Civic education" Score [LowerSecondary];
    LichSuDiaLi "lich_su_dia_li" "Lịch sử và Địa lí" "History and geography" Score [LowerSecondary];
    KhoaHocTuNhien "khtn" "Khoa học tự nhiên" "Natural sciences" Score [LowerSecondary];
    LichSu "lich_su" "Lịch sử" "History" Score [UpperSecondary];
    DiaLi "dia_li" "Địa lí" "Geography" Score [UpperSecondary];
    KinhTePhapLuat "kinh_te_phap_luat" "Giáo dục kinh tế và pháp luật" "Economics and law" Score [UpperSecondary];
    VatLi "vat_li" "Vật lí" "Physics" Score [UpperSecondary];
    HoaHoc "hoa_hoc" "Hoá học" "Chemistry" Score [UpperSecondary];
    SinhHoc "sinh_hoc" "Sinh học" "Biology" Score [UpperSecondary];
    CongNghe "cong_nghe" "Công nghệ" "Technology" Score [LowerSecondary, UpperSecondary];
    TinHoc "tin_hoc" "Tin học" "Informatics" Score [LowerSecondary, UpperSecondary];
    QuocPhong "quoc_phong" "Giáo dục quốc phòng và an ninh" "National defence and security" Score [UpperSecondary];
    TheChat "the_chat" "Giáo dục thể chất" "Physical education" Comment [LowerSecondary, UpperSecondary];
    NgheThuat "nghe_thuat" "Nghệ thuật" "Arts" Comment [LowerSecondary];
    AmNhac "am_nhac" "Âm nhạc" "Music" Comment [UpperSecondary];
    MiThuat "mi_thuat" "Mĩ thuật" "Fine arts" Comment [UpperSecondary];
    TraiNghiem "trai_nghiem" "Hoạt động trải nghiệm, hướng nghiệp" "Experiential activities" Comment [LowerSecondary, UpperSecondary];
    DiaPhuong "dia_phuong" "Nội dung giáo dục của địa phương" "Local education" Comment [LowerSecondary, UpperSecondary];
}

impl Subject {
    /// Its name in `lang`.
    pub fn name(self, lang: kernel::Lang) -> &'static str {
        match lang {
            kernel::Lang::Vi => self.name_vi(),
            kernel::Lang::En => self.name_en(),
        }
    }
}

/// Học kì — a term: the first (September to January) or the second (January to May).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub enum Term {
    /// Học kì I.
    First,
    /// Học kì II.
    Second,
}

impl TryFrom<i64> for Term {
    type Error = CodeError;

    fn try_from(n: i64) -> Result<Self, Self::Error> {
        match n {
            1 => Ok(Term::First),
            2 => Ok(Term::Second),
            _ => Err(CodeError::Term),
        }
    }
}

impl From<Term> for i64 {
    fn from(t: Term) -> i64 {
        match t {
            Term::First => 1,
            Term::Second => 2,
        }
    }
}

/// A mark: a score in tenths (`85` is 8.5), or a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, DeserializeFromStr, SerializeDisplay)]
pub enum Mark {
    /// Điểm trung bình môn, 0.0 to 10.0, in tenths.
    Score(u8),
    /// Đạt.
    Passed,
    /// Chưa đạt.
    NotPassed,
}

impl Mark {
    /// Reads the mark of a subject assessed as `assessed`: a score with at most one decimal, a comma or a point
    /// (`8,5`, `8.5`, `10`), or `dat` / `chua_dat` (also `Đ` / `CĐ`, as teachers write them).
    pub fn parse(s: &str, assessed: Assessed) -> Result<Mark, CodeError> {
        let mark: Mark = s.parse()?;
        match (mark, assessed) {
            (Mark::Score(_), Assessed::Score) | (Mark::Passed | Mark::NotPassed, Assessed::Comment) => Ok(mark),
            (_, Assessed::Score) => Err(CodeError::Mark("the subject is assessed by a score from 0 to 10")),
            (_, Assessed::Comment) => Err(CodeError::Mark("the subject is assessed as dat or chua_dat")),
        }
    }
}

impl FromStr for Mark {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        match s {
            "dat" | "Đ" | "Đạt" => return Ok(Mark::Passed),
            "chua_dat" | "CĐ" | "Chưa đạt" => return Ok(Mark::NotPassed),
            _ => {}
        }
        let bad = || CodeError::Mark("a score is from 0 to 10 with at most one decimal, or dat or chua_dat");
        let (whole, tenth) = match s.split_once([',', '.']) {
            Some((w, t)) if t.len() == 1 => (w, t),
            Some(_) => return Err(bad()),
            None => (s, "0"),
        };
        let digits = |d: &str| !d.is_empty() && d.len() <= 2 && d.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(tenth) {
            return Err(bad());
        }
        let tenths = whole.parse::<u16>().map_err(|_| bad())? * 10 + tenth.parse::<u16>().map_err(|_| bad())?;
        u8::try_from(tenths).ok().filter(|t| *t <= 100).map(Mark::Score).ok_or_else(bad)
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mark::Score(t) => write!(f, "{}.{}", t / 10, t % 10),
            Mark::Passed => f.write_str("dat"),
            Mark::NotPassed => f.write_str("chua_dat"),
        }
    }
}

/// Mức đánh giá — a rating of a term's or a year's learning (kết quả học tập) or conduct (kết quả rèn luyện).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Chưa đạt.
    ChuaDat,
    /// Đạt.
    Dat,
    /// Khá.
    Kha,
    /// Tốt.
    Tot,
}

impl Rating {
    /// Every rating, best first, as a form offers them.
    pub const ALL: [Rating; 4] = [Rating::Tot, Rating::Kha, Rating::Dat, Rating::ChuaDat];

    /// The code stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Tot => "tot",
            Rating::Kha => "kha",
            Rating::Dat => "dat",
            Rating::ChuaDat => "chua_dat",
        }
    }
}

impl FromStr for Rating {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rating::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or(CodeError::Rating)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn marks_are_read_as_teachers_write_them() {
        assert_eq!("8,5".parse::<Mark>().unwrap(), Mark::Score(85));
        assert_eq!("8.5".parse::<Mark>().unwrap(), Mark::Score(85));
        assert_eq!("10".parse::<Mark>().unwrap(), Mark::Score(100));
        assert_eq!("0".parse::<Mark>().unwrap(), Mark::Score(0));
        assert_eq!("Đ".parse::<Mark>().unwrap(), Mark::Passed);
        assert_eq!("chua_dat".parse::<Mark>().unwrap(), Mark::NotPassed);
        for bad in ["10.5", "11", "8.25", "-1", "8.", ".5", "", "tám", "8,5,5", "100"] {
            assert!(bad.parse::<Mark>().is_err(), "{bad}");
        }
        assert!(Mark::parse("dat", Assessed::Score).is_err());
        assert!(Mark::parse("9", Assessed::Comment).is_err());
        assert_eq!(Subject::TheChat.assessed(), Assessed::Comment);
        assert!(Subject::KhoaHocTuNhien.taught_at(SchoolLevel::LowerSecondary));
        assert!(!Subject::VatLi.taught_at(SchoolLevel::LowerSecondary));
    }

    proptest! {
        #[test]
        fn every_score_reads_back_as_written(tenths in 0u8..=100) {
            let mark = Mark::Score(tenths);
            prop_assert_eq!(mark.to_string().parse::<Mark>().unwrap(), mark);
        }

        #[test]
        fn no_text_reads_as_a_score_out_of_range(s in "\\PC{0,8}") {
            if let Ok(Mark::Score(t)) = s.parse::<Mark>() {
                prop_assert!(t <= 100);
            }
        }
    }
}
