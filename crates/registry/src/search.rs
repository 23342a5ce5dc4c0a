//! Diacritic-insensitive name search: "nguyen van a" and "Nguyễn Văn A" both find "Nguyễn Văn An", and so does
//! "nguyen an". Each word of the query must be the start of a part of the name, in order.
//!
//! Every citizen's folded name is indexed from each of its parts onward ("nguyen van an", "van an", "an"). A
//! query's first word is a prefix range of that index and the other words a `LIKE 'w1% w2% w3%'` filter on it, so
//! the database walks the matches already in order and stops when a page is full.

use kernel::AdminUnitCode;
use store::Sql;
use store::sqlx::{self, AnyPool, Row};

use crate::model::Citizen;
use crate::store::{CITIZEN_COLUMNS, CITIZEN_JOINS, citizen_from_row};

/// Results per page.
pub const PAGE_SIZE: i64 = 20;

/// A search, parsed.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// The folded words of the name query.
    pub words: Vec<String>,
    /// Year of birth.
    pub birth_year: Option<i64>,
    /// `male` or `female`.
    pub sex: Option<kernel::Sex>,
    /// Province of residence.
    pub province: Option<AdminUnitCode>,
    /// Commune of residence.
    pub commune: Option<AdminUnitCode>,
    /// Page, from 1.
    pub page: i64,
    /// Where the caller may look: `None` for the nation.
    pub scope: Option<Vec<AdminUnitCode>>,
}

impl Search {
    /// The words of a free-text name query, folded, with anything but letters and digits dropped.
    pub fn words_of(q: &str) -> Vec<String> {
        kernel::text::fold(q)
            .split(' ')
            .map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
            .filter(|w| !w.is_empty())
            .take(8)
            .collect()
    }
}

/// The first string after every string that starts with `prefix` (bytewise): the end of a prefix range.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Runs a search; returns one page of citizens and whether there is a next page.
///
/// With a commune, the commune's residents are filtered and ordered by name. Otherwise the first word's prefix
/// range in `citizen_name_suffixes` is walked in order, so the database stops as soon as the page is full
/// however common the name is; results are ordered by the name from the matched part onward.
pub async fn run(db: &store::Db, search: &Search) -> Result<(Vec<Citizen>, bool), sqlx::Error> {
    let from_suffixes = search.commune.is_none() && !search.words.is_empty();
    let mut sql = if from_suffixes {
        Sql::new(
            db.backend(),
            format!(
                "SELECT {CITIZEN_COLUMNS} FROM citizen_name_suffixes s JOIN citizens c ON c.id = s.citizen_id \
                 {CITIZEN_JOINS} WHERE 1 = 1"
            ),
        )
    } else {
        Sql::new(db.backend(), format!("SELECT {CITIZEN_COLUMNS} FROM citizens c {CITIZEN_JOINS} WHERE 1 = 1"))
    };
    let pattern: String = search.words.iter().map(|w| format!(" {w}%")).collect();
    if from_suffixes {
        let first = &search.words[0];
        let (lo, hi) = (sql.bind_text(first.as_str()), sql.bind_text(prefix_end(first)));
        let like = sql.bind_text(pattern[1..].to_owned());
        // A name with two parts that both start with the first word ("Ngọc Ngân" for "ng") matches from each:
        // keep only the match from the earliest part, so each person appears once, on one page.
        let earlier = sql.bind_text(format!("% {first}%"));
        sql.push(&format!(
            " AND s.suffix >= {lo} AND s.suffix < {hi} AND s.suffix LIKE {like} \
             AND NOT (' ' || substr(c.name_folded, 1, length(c.name_folded) - length(s.suffix))) LIKE {earlier}"
        ));
    } else if let Some(commune) = search.commune {
        let p = sql.bind_text(commune.to_string());
        sql.push(&format!(" AND c.commune_code = {p}"));
        if !search.words.is_empty() {
            let p = sql.bind_text(format!("%{pattern}"));
            sql.push(&format!(" AND (' ' || c.name_folded) LIKE {p}"));
        }
    }
    if let Some(year) = search.birth_year {
        let p = sql.bind_int(year);
        sql.push(&format!(" AND c.birth_year = {p}"));
    }
    if let Some(sex) = search.sex {
        let p = sql.bind_text(crate::store::sex_str(sex));
        sql.push(&format!(" AND c.sex = {p}"));
    }
    if let Some(province) = search.province {
        let p = sql.bind_text(province.to_string());
        sql.push(&format!(" AND c.province_code = {p}"));
    }
    if let Some(scope) = &search.scope {
        let mut alternatives = vec!["1 = 0".to_owned()];
        for unit in scope {
            let column = match unit.level() {
                kernel::admin_unit::Level::Province => "c.province_code",
                kernel::admin_unit::Level::Commune => "c.commune_code",
            };
            let p = sql.bind_text(unit.to_string());
            alternatives.push(format!("{column} = {p}"));
        }
        sql.push(&format!(" AND ({})", alternatives.join(" OR ")));
    }
    let order = if from_suffixes { "s.suffix, s.citizen_id" } else { "c.name_folded, c.id" };
    let limit = sql.bind_int(PAGE_SIZE + 1);
    let offset = sql.bind_int((search.page.max(1) - 1) * PAGE_SIZE);
    sql.push(&format!(" ORDER BY {order} LIMIT {limit} OFFSET {offset}"));
    let rows = sql.query().fetch_all(db.pool()).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let citizens = rows.iter().take(PAGE_SIZE as usize).map(citizen_from_row).collect::<Result<_, _>>()?;
    Ok((citizens, more))
}

/// The number of citizens in the registry.
pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM citizens").fetch_one(pool).await?.try_get(0)
}

#[cfg(test)]
mod tests {
    use super::Search;

    #[test]
    fn query_words_are_folded_and_stripped() {
        assert_eq!(Search::words_of("  Nguyễn  VĂN a% _"), ["nguyen", "van", "a"]);
        assert_eq!(Search::words_of("Đức"), ["duc"]);
        assert!(Search::words_of("%%").is_empty());
    }
}
