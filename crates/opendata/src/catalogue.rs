//! Danh mục dữ liệu mở — the catalogue: each dataset, who owns it, its columns, and how its figures are counted
//! from the slice that keeps the records (through that slice's service, never its tables).

use std::collections::BTreeMap;

use kernel::{AdminUnitCode, Lang};
use serde_json::{Value, json};
use store::Db;
use time::OffsetDateTime;

use crate::error::{OpenDataError, slice};
use crate::model::{Column, Dataset, Kind, Organization};

/// A count of people below this is withheld (published empty): a small group in a province, sex and age can
/// point at a person. Statistical offices withhold cells under 5 or 10; 5 keeps the synthetic demo readable.
pub const MIN_PEOPLE: i64 = 5;

static POLICE: Organization =
    Organization { name: "bo-cong-an", title_vi: "Bộ Công an", title_en: "Ministry of Public Security" };
static FINANCE: Organization =
    Organization { name: "bo-tai-chinh", title_vi: "Bộ Tài chính", title_en: "Ministry of Finance" };
static ENVIRONMENT: Organization = Organization {
    name: "bo-nong-nghiep-va-moi-truong",
    title_vi: "Bộ Nông nghiệp và Môi trường",
    title_en: "Ministry of Agriculture and Environment",
};
static GOVERNMENT_OFFICE: Organization =
    Organization {
        name: "van-phong-chinh-phu", title_vi: "Văn phòng Chính phủ", title_en: "Office of the Government"
    };

/// Every organization that owns a dataset.
pub static ORGANIZATIONS: [&Organization; 4] = [&POLICE, &FINANCE, &ENVIRONMENT, &GOVERNMENT_OFFICE];

const fn text(name: &'static str, vi: &'static str, en: &'static str) -> Column {
    Column { name, vi, en, kind: Kind::Text }
}

const fn integer(name: &'static str, vi: &'static str, en: &'static str) -> Column {
    Column { name, vi, en, kind: Kind::Integer }
}

const PROVINCE: [Column; 2] =
    [text("ma_tinh", "Mã tỉnh, thành phố", "Province code"), text("ten_tinh", "Tỉnh, thành phố", "Province")];

/// The catalogue.
pub static DATASETS: [Dataset; 4] = [
    Dataset {
        name: "dan-so-theo-tinh-gioi-tinh-nhom-tuoi",
        title_vi: "Dân số theo tỉnh, giới tính và nhóm tuổi",
        title_en: "Population by province, sex and age group",
        notes_vi: "Số người đang sống có nơi cư trú trong Cơ sở dữ liệu quốc gia về dân cư, theo tỉnh, thành phố nơi \
            cư trú, giới tính và nhóm tuổi 5 năm (tuổi tính theo năm sinh). Ô có dưới 5 người để trống để không lộ \
            thông tin cá nhân.",
        notes_en: "Living people with a residence in the national population database, by province of residence, \
            sex and five-year age group (age by year of birth). Cells of fewer than 5 people are left empty so that \
            no person can be singled out.",
        organization: &POLICE,
        tags: &["dan-cu", "dan-so", "thong-ke"],
        columns: &[
            PROVINCE[0],
            PROVINCE[1],
            text("gioi_tinh", "Giới tính (male, female)", "Sex (male, female)"),
            text("nhom_tuoi", "Nhóm tuổi", "Age group"),
            integer("so_nguoi", "Số người", "People"),
        ],
    },
    Dataset {
        name: "doanh-nghiep-theo-tinh-loai-hinh-trang-thai",
        title_vi: "Doanh nghiệp theo tỉnh, loại hình và tình trạng",
        title_en: "Enterprises by province, legal form and status",
        notes_vi: "Số doanh nghiệp (không kể chi nhánh) trong Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp, theo \
            tỉnh, thành phố nơi đặt trụ sở chính, loại hình doanh nghiệp và tình trạng hoạt động.",
        notes_en: "Enterprises (not their branches) in the national business-registration database, by province of \
            the registered office, legal form and status.",
        organization: &FINANCE,
        tags: &["doanh-nghiep", "dang-ky-kinh-doanh", "thong-ke"],
        columns: &[
            PROVINCE[0],
            PROVINCE[1],
            text("loai_hinh", "Mã loại hình doanh nghiệp", "Legal form code"),
            text("ten_loai_hinh", "Loại hình doanh nghiệp", "Legal form"),
            text("trang_thai", "Tình trạng (active, suspended, in_dissolution, dissolved, bankrupt)", "Status"),
            integer("so_doanh_nghiep", "Số doanh nghiệp", "Enterprises"),
        ],
    },
    Dataset {
        name: "dat-dai-theo-tinh-muc-dich-su-dung",
        title_vi: "Thửa đất và diện tích theo tỉnh và mục đích sử dụng",
        title_en: "Land parcels and area by province and land-use purpose",
        notes_vi: "Số thửa đất và tổng diện tích ghi trên hồ sơ địa chính (m², làm tròn), theo tỉnh, thành phố và \
            mục đích sử dụng đất (mã theo Luật Đất đai 2024).",
        notes_en: "Parcels and their total recorded area (m², rounded) in the cadastral records, by province and \
            land-use purpose (codes of the Land Law 2024).",
        organization: &ENVIRONMENT,
        tags: &["dat-dai", "dia-chinh", "thong-ke"],
        columns: &[
            PROVINCE[0],
            PROVINCE[1],
            text("ma_muc_dich", "Mã mục đích sử dụng đất", "Land-use purpose code"),
            text("muc_dich", "Mục đích sử dụng đất", "Land-use purpose"),
            integer("so_thua", "Số thửa đất", "Parcels"),
            integer("dien_tich_m2", "Diện tích (m²)", "Area (m²)"),
        ],
    },
    Dataset {
        name: "ho-so-thu-tuc-hanh-chinh-theo-co-quan",
        title_vi: "Tình hình giải quyết hồ sơ thủ tục hành chính theo cơ quan, từ đầu năm",
        title_en: "Administrative dossiers settled by agency, year to date",
        notes_vi: "Số hồ sơ tiếp nhận từ đầu năm, trong đó nộp trực tuyến, đã giải quyết, đúng hạn, trễ hạn và đang \
            quá hạn, theo cơ quan tiếp nhận: các số liệu Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định \
            766/QĐ-TTg) dùng.",
        notes_en: "Dossiers received this year, and of them filed online, settled, on time, late and overdue, by \
            receiving agency: the figures the service index of Decision 766/QĐ-TTg uses.",
        organization: &GOVERNMENT_OFFICE,
        tags: &["dich-vu-cong", "thu-tuc-hanh-chinh", "thong-ke"],
        columns: &[
            text("ma_co_quan", "Mã cơ quan", "Agency code"),
            text("ten_co_quan", "Cơ quan", "Agency"),
            integer("tiep_nhan", "Tiếp nhận", "Received"),
            integer("truc_tuyen", "Nộp trực tuyến", "Filed online"),
            integer("da_giai_quyet", "Đã giải quyết", "Settled"),
            integer("dung_han", "Đúng hạn", "On time"),
            integer("tre_han", "Trễ hạn", "Late"),
            integer("qua_han", "Đang quá hạn", "Overdue"),
        ],
    },
];

/// The dataset named `name`.
pub fn dataset(name: &str) -> Option<&'static Dataset> {
    DATASETS.iter().find(|d| d.name == name)
}

fn province(code: &str) -> (String, String) {
    let name = code.parse::<AdminUnitCode>().map(|c| c.unit().name.clone()).unwrap_or_default();
    (code.to_owned(), name)
}

/// A five-year age group of someone born in `born` as of `year`: `0-4` … `80+`.
fn age_group(born: i32, year: i32) -> String {
    let age = (year - born).max(0);
    if age >= 80 { "80+".into() } else { format!("{}-{}", age / 5 * 5, age / 5 * 5 + 4) }
}

/// Counts the rows of `dataset` now, in its columns' order, sorted.
pub async fn count(db: &Db, dataset: &Dataset) -> Result<Vec<Vec<Value>>, OpenDataError> {
    let mut rows = match dataset.name {
        "dan-so-theo-tinh-gioi-tinh-nhom-tuoi" => {
            let year = OffsetDateTime::now_utc().year();
            let mut groups: BTreeMap<(String, String, String), i64> = BTreeMap::new();
            for (code, sex, born, n) in registry::service::population_counts(db).await.map_err(slice)? {
                let (Some(code), Ok(born)) = (code, born.parse::<i32>()) else { continue };
                *groups.entry((code, sex, age_group(born, year))).or_default() += n;
            }
            groups
                .into_iter()
                .map(|((code, sex, group), n)| {
                    let (code, name) = province(&code);
                    let people = if n < MIN_PEOPLE { Value::Null } else { json!(n) };
                    vec![json!(code), json!(name), json!(sex), json!(group), people]
                })
                .collect::<Vec<_>>()
        }
        "doanh-nghiep-theo-tinh-loai-hinh-trang-thai" => enterprise::service::counts_by_province(db)
            .await
            .map_err(slice)?
            .into_iter()
            .map(|(code, form, status, n)| {
                let (code, name) = province(&code);
                let label = web::i18n::t(Lang::Vi, &format!("enterprise.form.{form}"));
                vec![json!(code), json!(name), json!(form), json!(label), json!(status), json!(n)]
            })
            .collect(),
        "dat-dai-theo-tinh-muc-dich-su-dung" => land::service::area_by_purpose(db)
            .await
            .map_err(slice)?
            .into_iter()
            .map(|(code, purpose, parcels, dm2)| {
                let (code, name) = province(&code);
                let label = purpose.parse::<land::purpose::LandUse>().map(|u| u.name_vi()).unwrap_or_default();
                // 100 dm² make a m²; rounded to the nearest.
                vec![json!(code), json!(name), json!(purpose), json!(label), json!(parcels), json!((dm2 + 50) / 100)]
            })
            .collect(),
        "ho-so-thu-tuc-hanh-chinh-theo-co-quan" => {
            let period = portal::service::stats::Period::parse(None, None, OffsetDateTime::now_utc()).map_err(slice)?;
            let statistics = portal::service::stats::statistics(db, period).await.map_err(slice)?;
            statistics
                .agencies
                .into_iter()
                .map(|line| {
                    let t = line.tally;
                    vec![
                        json!(line.code),
                        json!(line.name.vi),
                        json!(t.received),
                        json!(t.online),
                        json!(t.settled),
                        json!(t.on_time),
                        json!(t.late),
                        json!(t.overdue),
                    ]
                })
                .collect()
        }
        _ => return Err(OpenDataError::NotFound),
    };
    rows.sort_by(|a, b| a.iter().map(Value::to_string).cmp(b.iter().map(Value::to_string)));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_grouped_by_five_years_up_to_eighty() {
        assert_eq!(age_group(2026, 2026), "0-4");
        assert_eq!(age_group(2021, 2026), "5-9");
        assert_eq!(age_group(1986, 2026), "40-44");
        assert_eq!(age_group(1947, 2026), "75-79");
        assert_eq!(age_group(1946, 2026), "80+");
        assert_eq!(age_group(2030, 2026), "0-4");
    }

    #[test]
    fn every_dataset_and_organization_is_named_as_ckan_names_them() {
        let valid = |s: &str| {
            (2..=100).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        for d in &DATASETS {
            assert!(valid(d.name), "{}", d.name);
            assert!(d.tags.iter().all(|t| valid(t)), "{}", d.name);
            assert!(ORGANIZATIONS.iter().any(|o| o.name == d.organization.name), "{}", d.name);
        }
        assert!(ORGANIZATIONS.iter().all(|o| valid(o.name)));
    }
}
