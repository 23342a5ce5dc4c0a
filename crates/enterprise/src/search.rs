//! Searches: by name (diacritic-insensitive: "hoang phat" finds "Hoàng Phát"; each word the start of a word of
//! the name, in order), by tax code, by representative, by province or commune, by business line, and any of
//! these together, always within the caller's territory.
//!
//! A name is indexed from each of its words onward, as citizens' names are (`registry::search`): the query's
//! words are a prefix range of that index walked in order, so a page is found without sorting however many
//! enterprises are called "Công ty TNHH…". A search by line walks the line's index in registration order.

use kernel::{AdminUnitCode, PersonalId, TaxCode};
use store::sqlx::{self, AnyConnection};
use store::{Backend, Sql};

use crate::model::Enterprise;
use crate::store::{COLUMNS, JOINS, from_row};

/// Results per page.
pub const PAGE_SIZE: i64 = 20;

/// A search, parsed.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// The folded words of the name query.
    pub words: Vec<String>,
    /// An exact tax code.
    pub tax_code: Option<TaxCode>,
    /// Enterprises this citizen represents.
    pub representative: Option<PersonalId>,
    /// Office in this province.
    pub province: Option<AdminUnitCode>,
    /// Office in this commune.
    pub commune: Option<AdminUnitCode>,
    /// Registered for this VSIC line.
    pub line: Option<String>,
    /// Page, from 1.
    pub page: i64,
    /// Where the caller may look: `None` for the nation.
    pub scope: Option<Vec<AdminUnitCode>>,
}

impl Search {
    /// The words of a free-text name query, folded, anything but letters and digits dropped, at most 8.
    pub fn words_of(q: &str) -> Vec<String> {
        kernel::text::fold(q)
            .split(' ')
            .map(|w| w.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
            .filter(|w| !w.is_empty())
            .take(8)
            .collect()
    }

    /// Whether the search says anything to look for.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
            && self.tax_code.is_none()
            && self.representative.is_none()
            && self.province.is_none()
            && self.commune.is_none()
            && self.line.is_none()
    }
}

/// A folded name from each of its words to the end: "cong ty hoang phat" gives "cong ty hoang phat",
/// "ty hoang phat", "hoang phat" and "phat".
pub(crate) fn suffixes(folded: &str) -> Vec<String> {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out: Vec<String> = (0..words.len()).map(|i| words[i..].join(" ")).collect();
    out.sort();
    out.dedup();
    out
}

fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Runs a search; returns one page and whether another follows.
pub async fn run(db: &store::Db, search: &Search) -> Result<(Vec<Enterprise>, bool), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    if !search.words.is_empty() {
        store::first_rows_plans(&mut tx, db.backend()).await?;
    }
    let found = run_in(&mut tx, db.backend(), search).await?;
    tx.commit().await?;
    Ok(found)
}

/// [`run`] on a connection the caller holds.
pub async fn run_in(
    db: &mut AnyConnection,
    backend: Backend,
    search: &Search,
) -> Result<(Vec<Enterprise>, bool), sqlx::Error> {
    let mut sql = statement(backend, search);
    let offset = (search.page.max(1) - 1) * PAGE_SIZE;
    let (limit, offset) = (sql.bind_int(PAGE_SIZE + 1), sql.bind_int(offset));
    sql.push(&format!(" LIMIT {limit} OFFSET {offset}"));
    let mut rows: Vec<Enterprise> =
        sql.query().fetch_all(db).await?.iter().map(|r| from_row(r).map(|(_, e)| e)).collect::<Result<_, _>>()?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok((rows, more))
}

fn statement(backend: Backend, search: &Search) -> Sql {
    // The most selective index leads: a tax code, then a representative, then a name, then a line, then a place.
    let (from, order) = if search.tax_code.is_some() {
        ("FROM enterprises e", "e.id")
    } else if search.representative.is_some() {
        ("FROM enterprise_representatives r JOIN enterprises e ON e.id = r.enterprise_id", "e.name_folded, e.id")
    } else if !search.words.is_empty() {
        ("FROM enterprise_name_suffixes s JOIN enterprises e ON e.id = s.enterprise_id", "s.suffix, s.enterprise_id")
    } else if search.line.is_some() {
        ("FROM enterprise_lines l JOIN enterprises e ON e.id = l.enterprise_id", "l.enterprise_id")
    } else {
        ("FROM enterprises e", "e.name_folded, e.id")
    };
    let mut sql = Sql::new(backend, format!("SELECT {COLUMNS} {from} {JOINS} WHERE 1 = 1"));
    if let Some(code) = search.tax_code {
        let p = sql.bind_text(code.to_string());
        sql.push(&format!(" AND e.tax_code = {p}"));
    }
    if let Some(id) = search.representative {
        let p = sql.bind_text(id.as_str());
        if from.contains("enterprise_representatives") {
            sql.push(&format!(" AND r.personal_id = {p}"));
        } else {
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM enterprise_representatives x WHERE x.enterprise_id = e.id AND x.personal_id = {p})"
            ));
        }
    }
    if !search.words.is_empty() {
        let first = &search.words[0];
        if !from.contains("enterprise_name_suffixes") {
            let pattern: String = search.words.iter().map(|w| format!(" {w}%")).collect();
            let p = sql.bind_text(format!("%{pattern}"));
            sql.push(&format!(" AND (' ' || e.name_folded) LIKE {p}"));
        } else {
            let (lo, hi) = (sql.bind_text(first.as_str()), sql.bind_text(prefix_end(first)));
            // A name whose words start with the first word twice matches from each: keep the earliest, so each
            // enterprise appears once.
            let earlier = sql.bind_text(format!("% {first}%"));
            sql.push(&format!(
                " AND s.suffix >= {lo} AND s.suffix < {hi} \
                 AND NOT (' ' || substr(e.name_folded, 1, length(e.name_folded) - length(s.suffix))) LIKE {earlier}"
            ));
            if search.words.len() > 1 {
                let rest: String = search.words[1..].iter().map(|w| format!(" {w}%")).collect();
                let like = sql.bind_text(format!("{first}%{rest}"));
                sql.push(&format!(" AND s.suffix LIKE {like}"));
            }
        }
    }
    if let Some(line) = &search.line {
        let p = sql.bind_text(line.as_str());
        if from.contains("enterprise_lines") {
            sql.push(&format!(" AND l.vsic = {p}"));
        } else {
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM enterprise_lines y WHERE y.enterprise_id = e.id AND y.vsic = {p})"
            ));
        }
    }
    if let Some(province) = search.province {
        let p = sql.bind_text(province.to_string());
        sql.push(&format!(" AND e.province_code = {p}"));
    }
    if let Some(commune) = search.commune {
        let p = sql.bind_text(commune.to_string());
        sql.push(&format!(" AND e.commune_code = {p}"));
    }
    if let Some(scope) = &search.scope {
        let mut alternatives = vec!["1 = 0".to_owned()];
        for unit in scope {
            let column = match unit.level() {
                kernel::admin_unit::Level::Province => "e.province_code",
                kernel::admin_unit::Level::Commune => "e.commune_code",
            };
            let p = sql.bind_text(unit.to_string());
            alternatives.push(format!("{column} = {p}"));
        }
        sql.push(&format!(" AND ({})", alternatives.join(" OR ")));
    }
    sql.push(&format!(" ORDER BY {order}"));
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_indexed_from_each_word() {
        assert_eq!(suffixes("cong ty hoang phat"), ["cong ty hoang phat", "hoang phat", "phat", "ty hoang phat"]);
        assert_eq!(Search::words_of("  Hoàng  PHÁT% _"), ["hoang", "phat"]);
        assert!(Search::words_of("%%").is_empty());
    }
}
