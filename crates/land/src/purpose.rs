//! Mục đích sử dụng đất — the land-use purposes of Luật Đất đai 2024 (Land Law No. 31/2024/QH15, Article 9: the
//! agricultural, non-agricultural and unused groups), with the codes cadastral maps and certificates write.
//!
//! The codes are those of the annex on land-use codes in Thông tư 08/2024/TT-BTNMT (land statistics and
//! inventory), as published with the law's implementing rules; only the categories a parcel is recorded under
//! are listed (not the aggregate groups such as NNP or PNN). An operator who meets a code missing here adds a
//! variant: stored codes that no variant names are an error, never a silent default.

use std::fmt;
use std::str::FromStr;

use serde_with::{DeserializeFromStr, SerializeDisplay};

/// The three groups of Article 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Nhóm đất nông nghiệp.
    Agricultural,
    /// Nhóm đất phi nông nghiệp.
    NonAgricultural,
    /// Nhóm đất chưa sử dụng.
    Unused,
}

macro_rules! land_uses {
    ($( $variant:ident = $code:literal, $group:ident, $colour:literal, $vi:literal, $en:literal; )*) => {
        /// A land-use purpose, by its code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DeserializeFromStr, SerializeDisplay)]
        pub enum LandUse {
            $( #[doc = $vi] $variant, )*
        }

        impl LandUse {
            /// Every purpose, in the annex's order.
            pub const ALL: &[LandUse] = &[$( LandUse::$variant, )*];

            /// The code: `ONT`, `LUC`.
            pub fn code(self) -> &'static str {
                match self { $( LandUse::$variant => $code, )* }
            }

            /// Its group.
            pub fn group(self) -> Group {
                match self { $( LandUse::$variant => Group::$group, )* }
            }

            /// The fill of its parcels on a map: the conventional colours of Vietnamese land-use maps, lightened
            /// so that parcel numbers stay readable.
            pub fn colour(self) -> &'static str {
                match self { $( LandUse::$variant => $colour, )* }
            }

            /// Its name in Vietnamese.
            pub fn name_vi(self) -> &'static str {
                match self { $( LandUse::$variant => $vi, )* }
            }

            /// Its name in English.
            pub fn name_en(self) -> &'static str {
                match self { $( LandUse::$variant => $en, )* }
            }
        }

        impl FromStr for LandUse {
            type Err = UnknownLandUse;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $( $code => Ok(LandUse::$variant), )*
                    other => Err(UnknownLandUse(other.chars().take(8).collect())),
                }
            }
        }
    };
}

land_uses! {
    Luc = "LUC", Agricultural, "#fff176", "Đất chuyên trồng lúa", "Land specialised for rice";
    Luk = "LUK", Agricultural, "#fff59d", "Đất trồng lúa còn lại", "Other rice land";
    Bhk = "BHK", Agricultural, "#ffe082", "Đất bằng trồng cây hằng năm khác", "Flat land for other annual crops";
    Nhk = "NHK", Agricultural, "#ffd180", "Đất nương rẫy trồng cây hằng năm khác", "Upland fields for other annual crops";
    Cln = "CLN", Agricultural, "#ffcc80", "Đất trồng cây lâu năm", "Perennial crop land";
    Rsx = "RSX", Agricultural, "#a5d6a7", "Đất rừng sản xuất", "Production forest land";
    Rph = "RPH", Agricultural, "#81c784", "Đất rừng phòng hộ", "Protection forest land";
    Rdd = "RDD", Agricultural, "#66bb6a", "Đất rừng đặc dụng", "Special-use forest land";
    Nts = "NTS", Agricultural, "#81d4fa", "Đất nuôi trồng thủy sản", "Aquaculture land";
    Cnt = "CNT", Agricultural, "#bcaaa4", "Đất chăn nuôi tập trung", "Concentrated livestock land";
    Lmu = "LMU", Agricultural, "#e0f7fa", "Đất làm muối", "Salt-making land";
    Nkh = "NKH", Agricultural, "#dce775", "Đất nông nghiệp khác", "Other agricultural land";
    Ont = "ONT", NonAgricultural, "#f8bbd0", "Đất ở tại nông thôn", "Rural residential land";
    Odt = "ODT", NonAgricultural, "#f48fb1", "Đất ở tại đô thị", "Urban residential land";
    Tsc = "TSC", NonAgricultural, "#ef9a9a", "Đất xây dựng trụ sở cơ quan", "Land for agency offices";
    Cqp = "CQP", NonAgricultural, "#e57373", "Đất quốc phòng", "Defence land";
    Can = "CAN", NonAgricultural, "#e53935", "Đất an ninh", "Security land";
    Dgd = "DGD", NonAgricultural, "#ce93d8", "Đất xây dựng cơ sở giáo dục và đào tạo", "Land for education and training";
    Dyt = "DYT", NonAgricultural, "#b39ddb", "Đất xây dựng cơ sở y tế", "Land for health facilities";
    Tmd = "TMD", NonAgricultural, "#ffab91", "Đất thương mại, dịch vụ", "Commercial and service land";
    Skc = "SKC", NonAgricultural, "#bcaaa4", "Đất cơ sở sản xuất phi nông nghiệp", "Non-agricultural production land";
    Skk = "SKK", NonAgricultural, "#a1887f", "Đất khu công nghiệp", "Industrial-park land";
    Sks = "SKS", NonAgricultural, "#8d6e63", "Đất sử dụng cho hoạt động khoáng sản", "Land for mining";
    Dgt = "DGT", NonAgricultural, "#eeeeee", "Đất công trình giao thông", "Land for transport works";
    Dtl = "DTL", NonAgricultural, "#b3e5fc", "Đất công trình thủy lợi", "Land for irrigation works";
    Ton = "TON", NonAgricultural, "#ffe0b2", "Đất tôn giáo", "Religious land";
    Tin = "TIN", NonAgricultural, "#ffecb3", "Đất tín ngưỡng", "Land for places of worship";
    Ntd = "NTD", NonAgricultural, "#cfd8dc", "Đất nghĩa trang, nhà tang lễ, cơ sở hỏa táng", "Cemeteries, funeral homes and crematoria";
    Son = "SON", NonAgricultural, "#4fc3f7", "Đất có mặt nước dạng sông, ngòi, kênh, rạch, suối", "Rivers, canals and streams";
    Mnc = "MNC", NonAgricultural, "#29b6f6", "Đất có mặt nước chuyên dùng", "Special-use water surface";
    Pnk = "PNK", NonAgricultural, "#e0e0e0", "Đất phi nông nghiệp khác", "Other non-agricultural land";
    Bcs = "BCS", Unused, "#f5f5f5", "Đất bằng chưa sử dụng", "Unused flat land";
    Dcs = "DCS", Unused, "#efebe9", "Đất đồi núi chưa sử dụng", "Unused hilly land";
    Ncs = "NCS", Unused, "#d7ccc8", "Núi đá không có rừng cây", "Rocky mountains without forest";
}

impl LandUse {
    /// Its name in `lang`.
    pub fn name(self, lang: kernel::Lang) -> &'static str {
        match lang {
            kernel::Lang::Vi => self.name_vi(),
            kernel::Lang::En => self.name_en(),
        }
    }

    /// Whether the right to it is for good by default (residential land, Article 171); others are for a term.
    pub fn residential(self) -> bool {
        matches!(self, LandUse::Ont | LandUse::Odt)
    }
}

impl fmt::Display for LandUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A code no purpose has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no land-use purpose has code {0:?}")]
pub struct UnknownLandUse(pub String);

impl kernel::Localized for UnknownLandUse {
    fn message(&self, lang: kernel::Lang) -> std::borrow::Cow<'static, str> {
        match lang {
            kernel::Lang::Vi => {
                format!("Không có mục đích sử dụng đất mã \"{}\" (ví dụ ONT, ODT, LUC, CLN).", self.0).into()
            }
            kernel::Lang::En => {
                format!("No land-use purpose has code \"{}\" (such as ONT, ODT, LUC, CLN).", self.0).into()
            }
        }
    }
}

impl utoipa::PartialSchema for LandUse {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(LandUse::ALL.iter().map(|u| u.code())))
            .description(Some("Mục đích sử dụng đất: the code of Luật Đất đai 2024's category"))
            .into()
    }
}

impl utoipa::ToSchema for LandUse {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_purpose() {
        for u in LandUse::ALL {
            assert_eq!(u.code().parse::<LandUse>(), Ok(*u));
            assert_eq!(u.code().len(), 3);
        }
        assert!("XYZ".parse::<LandUse>().is_err());
        assert!("ont".parse::<LandUse>().is_err());
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = LandUse::ALL.iter().map(|u| u.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), LandUse::ALL.len());
    }
}
