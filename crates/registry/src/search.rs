//! Diacritic-insensitive name search: "nguyen van a" and "Nguyễn Văn A" both find "Nguyễn Văn An", and so does
//! "nguyen an". Each word of the query must be the start of a part of the name, in order.
//!
//! Every citizen's folded name is indexed from each of its parts onward ("nguyen van an", "van an", "an"). A
//! query's first word is a prefix range of that index and the other words a `LIKE 'w1% w2% w3%'` filter on it, so
//! the database walks the matches already in order and stops when a page is full.

use kernel::AdminUnitCode;
use store::sqlx::{self, AnyConnection, AnyPool, Row};
use store::{Backend, Sql};

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
/// however common the name is. Names that go on exactly as typed ("nguyen van" → "Nguyễn Văn An") come first,
/// then the names that match with parts in between ("Nguyễn Khánh Vân"), each group ordered by the name from the
/// matched part onward; the second group is walked in the two stretches of the first word's range on either side
/// of the first.
pub async fn run(db: &store::Db, search: &Search) -> Result<(Vec<Citizen>, bool), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    store::first_rows_plans(&mut tx, db.backend()).await?;
    let found = run_in(&mut tx, db.backend(), search).await?;
    tx.commit().await?;
    Ok(found)
}

async fn run_in(
    tx: &mut AnyConnection,
    backend: Backend,
    search: &Search,
) -> Result<(Vec<Citizen>, bool), sqlx::Error> {
    let offset = (search.page.max(1) - 1) * PAGE_SIZE;
    if search.commune.is_some() || search.words.is_empty() {
        let rows = page(Ctx { tx, backend }, search, Part::All, offset, PAGE_SIZE + 1).await?;
        return Ok(split(rows, PAGE_SIZE));
    }
    // One word has no matches with gaps: its range is the names as typed.
    let parts: &[Part] =
        if search.words.len() == 1 { &[Part::AsTyped] } else { &[Part::AsTyped, Part::GapsBefore, Part::GapsAfter] };
    let mut rows = Vec::new();
    // How many matches the parts before this one hold (exactly while that is fewer than `offset`).
    let mut before = 0;
    for &part in parts {
        let need = PAGE_SIZE + 1 - rows.len() as i64;
        if need <= 0 {
            break;
        }
        let skip = (offset - before).max(0);
        let found = page(Ctx { tx: &mut *tx, backend }, search, part, skip, need).await?;
        before += match (found.is_empty(), skip) {
            (true, 0) => 0,
            // The part ends before the page: how far, so that the next part starts at the right match.
            (true, _) => count_matches(Ctx { tx: &mut *tx, backend }, search, part, skip).await?,
            (false, _) => skip + found.len() as i64,
        };
        rows.extend(found);
    }
    Ok(split(rows, PAGE_SIZE))
}

/// The connection a search runs on, and its engine.
struct Ctx<'c> {
    tx: &'c mut AnyConnection,
    backend: Backend,
}

fn split(mut rows: Vec<Citizen>, size: i64) -> (Vec<Citizen>, bool) {
    let more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    (rows, more)
}

/// Which matches a query asks for.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    /// Every match (the commune path).
    All,
    /// Names that continue exactly as typed from a part on.
    AsTyped,
    /// The other matches (the words' parts have other parts between them) that sort before the names as typed,
    /// in the first word's range.
    GapsBefore,
    /// The other matches that sort after the names as typed. Two walks that skip the names as typed instead of one
    /// that passes through them all: for "nguyen an", some thirteen thousand people at a million.
    GapsAfter,
}

/// The statement for the matches of `part`, without ordering or paging.
fn matches(backend: Backend, search: &Search, part: Part, select: &str) -> Sql {
    let pattern: String = search.words.iter().map(|w| format!(" {w}%")).collect();
    let mut sql = if part == Part::All {
        Sql::new(backend, format!("SELECT {select} FROM citizens c {CITIZEN_JOINS} WHERE 1 = 1"))
    } else {
        Sql::new(
            backend,
            format!(
                "SELECT {select} FROM citizen_name_suffixes s JOIN citizens c ON c.id = s.citizen_id \
                 {CITIZEN_JOINS} WHERE 1 = 1"
            ),
        )
    };
    if part == Part::All {
        if let Some(commune) = search.commune {
            let p = sql.bind_text(commune.to_string());
            sql.push(&format!(" AND c.commune_code = {p}"));
        }
        if !search.words.is_empty() {
            let p = sql.bind_text(format!("%{pattern}"));
            sql.push(&format!(" AND (' ' || c.name_folded) LIKE {p}"));
        }
    } else {
        let first = &search.words[0];
        let joined = search.words.join(" ");
        let (lo, hi) = match part {
            Part::AsTyped => (joined.clone(), prefix_end(&joined)),
            Part::GapsBefore => (first.clone(), joined.clone()),
            _ => (prefix_end(&joined), prefix_end(first)),
        };
        let (lo, hi) = (sql.bind_text(lo), sql.bind_text(hi));
        // A name with two parts that both start with the first word ("Ngọc Ngân" for "ng") matches from each:
        // keep only the match from the earliest part, so each person appears once, on one page.
        let earlier = sql.bind_text(format!("% {first}%"));
        sql.push(&format!(
            " AND s.suffix >= {lo} AND s.suffix < {hi} \
             AND NOT (' ' || substr(c.name_folded, 1, length(c.name_folded) - length(s.suffix))) LIKE {earlier}"
        ));
        // One word's pattern is the range itself: repeated, it would only make PostgreSQL think the range holds
        // far fewer names than it does.
        if search.words.len() > 1 {
            let like = sql.bind_text(pattern[1..].to_owned());
            sql.push(&format!(" AND s.suffix LIKE {like}"));
        }
    }
    if let Some(year) = search.birth_year {
        let p = sql.bind_int(year);
        sql.push(&format!(" AND c.birth_year = {p}"));
    }
    if let Some(sex) = search.sex {
        let p = sql.bind_text(sex.as_str());
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
    sql
}

async fn page(db: Ctx<'_>, search: &Search, part: Part, offset: i64, limit: i64) -> Result<Vec<Citizen>, sqlx::Error> {
    let mut sql = matches(db.backend, search, part, CITIZEN_COLUMNS);
    let order = if part == Part::All { "c.name_folded, c.id" } else { "s.suffix, s.citizen_id" };
    let (limit, offset) = (sql.bind_int(limit), sql.bind_int(offset.max(0)));
    sql.push(&format!(" ORDER BY {order} LIMIT {limit} OFFSET {offset}"));
    sql.query().fetch_all(&mut *db.tx).await?.iter().map(citizen_from_row).collect()
}

/// How many matches of `part` there are, counting no further than `at_most`.
async fn count_matches(db: Ctx<'_>, search: &Search, part: Part, at_most: i64) -> Result<i64, sqlx::Error> {
    let mut sql = matches(db.backend, search, part, "1");
    let limit = sql.bind_int(at_most);
    sql.push(&format!(" LIMIT {limit}"));
    sql.wrap("SELECT COUNT(*) FROM (", ") t");
    sql.query().fetch_one(&mut *db.tx).await?.try_get(0)
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
