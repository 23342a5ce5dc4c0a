//! Many rows in one statement, bound the way each backend takes them best.
//!
//! SQLite gets a `VALUES` list with one `?` per value. PostgreSQL gets one array per column, unnested
//! (`SELECT * FROM unnest($1::text[], $2::bigint[], …)`): the statement's text is then the same however many rows
//! it carries, so it is parsed and planned once and not for every batch, and it binds a handful of parameters
//! instead of thousands. The arrays travel as text in PostgreSQL's array syntax, which `sqlx::Any` can bind.

use std::fmt::Write;

use crate::{Arg, Backend, Sql};

/// The type of a column, as PostgreSQL's array of it is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// `text`.
    Text,
    /// `bigint`.
    Int,
}

/// Rows for an `INSERT … SELECT`, or keys for a `SELECT … WHERE key IN`, collected one row at a time.
#[derive(Debug, Clone)]
pub struct Rows {
    backend: Backend,
    types: Vec<Column>,
    /// SQLite: the `VALUES` list so far.
    values: Sql,
    /// PostgreSQL: each column's array literal so far.
    arrays: Vec<String>,
    count: usize,
}

impl Rows {
    /// No rows yet, of columns of `types`; `capacity` rows expected.
    pub fn new(backend: Backend, types: &[Column], capacity: usize) -> Rows {
        let arrays = match backend {
            Backend::Sqlite => Vec::new(),
            Backend::Postgres => types.iter().map(|_| String::with_capacity(capacity * 16)).collect(),
        };
        Rows {
            backend,
            types: types.to_vec(),
            values: Sql::with_capacity(backend, "", capacity * types.len()),
            arrays,
            count: 0,
        }
    }

    /// Adds a row: one value per column, in order.
    pub fn push(&mut self, row: impl IntoIterator<Item = Arg>) {
        self.count += 1;
        match self.backend {
            Backend::Sqlite => {
                self.values.push_row(row);
            }
            Backend::Postgres => {
                for (array, value) in self.arrays.iter_mut().zip(row) {
                    array.push(if array.is_empty() { '{' } else { ',' });
                    match value {
                        Arg::Text(None) | Arg::Int(None) => array.push_str("NULL"),
                        // Writing into a String cannot fail.
                        Arg::Int(Some(i)) => drop(write!(array, "{i}")),
                        Arg::Text(Some(text)) => {
                            array.push('"');
                            for c in text.chars() {
                                if c == '"' || c == '\\' {
                                    array.push('\\');
                                }
                                array.push(c);
                            }
                            array.push('"');
                        }
                    }
                }
            }
        }
    }

    /// How many rows were added.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The rows as a table `v` to select from, its columns `v.column1`, `v.column2`…: `(VALUES (?, …), …) AS v` on
    /// SQLite, `unnest($1::text[], …) AS v (column1, …)` on PostgreSQL. Put it after `FROM`; the statement around
    /// it may bind nothing before it.
    pub fn table(self) -> Sql {
        let mut sql = Sql::new(self.backend, "");
        self.table_in(&mut sql);
        sql
    }

    /// [`Rows::table`] appended to `sql`, after what it has already bound: for a statement that selects from two
    /// tables of rows, or binds values before its table.
    pub fn table_in(self, sql: &mut Sql) {
        match self.backend {
            Backend::Sqlite => {
                sql.push("(VALUES ").push(&self.values.text).push(") AS v");
                sql.args.extend(self.values.args);
            }
            Backend::Postgres => {
                sql.push("unnest(");
                let names: Vec<String> = (1..=self.types.len()).map(|i| format!("column{i}")).collect();
                for (i, (array, column)) in self.arrays.into_iter().zip(&self.types).enumerate() {
                    let mark = sql.bind(Arg::Text(Some(if array.is_empty() { "{}".into() } else { array + "}" })));
                    let kind = match column {
                        Column::Text => "text",
                        Column::Int => "bigint",
                    };
                    sql.push(if i == 0 { "" } else { ", " }).push(&format!("{mark}::{kind}[]"));
                }
                sql.push(&format!(") AS v ({})", names.join(", ")));
            }
        }
    }
}

impl Rows {
    /// A single column of keys as the right side of a membership test: `IN (?, …)` on SQLite, `= ANY($1::text[])`
    /// on PostgreSQL (an index scan, and one statement text for any number of keys). Put it after the column; the
    /// statement may bind nothing before it.
    pub fn any_of(self) -> Sql {
        match self.backend {
            Backend::Sqlite => {
                let mut sql = self.values;
                let text = sql.text.replace("), (", ", ");
                sql.text = format!(" IN {text}");
                sql
            }
            Backend::Postgres => {
                let mut sql = Sql::new(self.backend, " = ANY(");
                let array = self.arrays.into_iter().next().unwrap_or_default();
                let mark = sql.bind(Arg::Text(Some(if array.is_empty() { "{}".into() } else { array + "}" })));
                let kind = match self.types.first() {
                    Some(Column::Int) => "bigint",
                    _ => "text",
                };
                sql.push(&format!("{mark}::{kind}[])"));
                sql
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_gets_one_array_per_column_quoted_as_arrays_are() {
        let mut rows = Rows::new(Backend::Postgres, &[Column::Text, Column::Int], 2);
        rows.push([Arg::Text(Some(r#"a "b" \c,{d}"#.into())), Arg::Int(Some(-3))]);
        rows.push([Arg::Text(None), Arg::Int(None)]);
        let sql = rows.table();
        assert_eq!(sql.text(), "unnest($1::text[], $2::bigint[]) AS v (column1, column2)");
        let arrays: Vec<String> =
            sql.args().iter().map(|a| if let Arg::Text(Some(t)) = a { t.clone() } else { String::new() }).collect();
        assert_eq!(arrays, [r#"{"a \"b\" \\c,{d}",NULL}"#, "{-3,NULL}"]);
        assert_eq!(Rows::new(Backend::Postgres, &[Column::Int], 0).table().args().len(), 1);
    }

    #[test]
    fn a_second_table_binds_after_the_first() {
        for (backend, text) in [
            (Backend::Postgres, "$1 unnest($2::bigint[]) AS v (column1) unnest($3::bigint[]) AS v (column1)"),
            (Backend::Sqlite, "? (VALUES (?), (?)) AS v (VALUES (?)) AS v"),
        ] {
            let mut sql = Sql::new(backend, "");
            let first = sql.bind_int(0);
            sql.push(&first).push(" ");
            let (mut one, mut two) = (Rows::new(backend, &[Column::Int], 2), Rows::new(backend, &[Column::Int], 1));
            one.push([Arg::Int(Some(1))]);
            one.push([Arg::Int(Some(2))]);
            two.push([Arg::Int(Some(3))]);
            one.table_in(&mut sql);
            sql.push(" ");
            two.table_in(&mut sql);
            assert_eq!(sql.text(), text);
            let ints = sql.args().iter().filter(|a| matches!(a, Arg::Int(_))).count();
            assert_eq!((sql.len(), ints), if backend == Backend::Sqlite { (4, 4) } else { (3, 1) });
        }
    }

    #[test]
    fn sqlite_gets_a_values_list() {
        let mut rows = Rows::new(Backend::Sqlite, &[Column::Text, Column::Int], 2);
        rows.push([Arg::Text(Some("a".into())), Arg::Int(Some(1))]);
        rows.push([Arg::Text(Some("b".into())), Arg::Int(Some(2))]);
        assert_eq!(rows.len(), 2);
        let sql = rows.table();
        assert_eq!(sql.text(), "(VALUES (?, ?), (?, ?)) AS v");
        assert_eq!(sql.len(), 4);
    }

    #[test]
    fn keys_are_a_list_on_sqlite_and_an_array_on_postgres() {
        for (backend, text) in [(Backend::Sqlite, " IN (?, ?)"), (Backend::Postgres, " = ANY($1::text[])")] {
            let mut keys = Rows::new(backend, &[Column::Text], 2);
            keys.push([Arg::Text(Some("a".into()))]);
            keys.push([Arg::Text(Some("b".into()))]);
            assert_eq!(keys.any_of().text(), text);
        }
    }
}
