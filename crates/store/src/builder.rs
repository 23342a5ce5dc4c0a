//! SQL built up piece by piece, with the placeholders each backend binds fastest: `$1, $2, …` on PostgreSQL,
//! anonymous `?` on SQLite.
//!
//! Why not `$N` on SQLite too: SQLite looks up a named parameter's name by walking a list, so binding the
//! thousands of values of a multi-row insert by name takes quadratic time. Anonymous `?` placeholders bind by
//! position, which is why **placeholders must appear in the text in the order their values were bound**.

use sqlx::any::AnyArguments;
use sqlx::query::Query;

use crate::Backend;

/// One bound value.
#[derive(Debug, Clone)]
pub enum Arg {
    /// Text, or NULL.
    Text(Option<String>),
    /// An integer, or NULL.
    Int(Option<i64>),
}

/// A statement and its values.
#[derive(Debug, Clone)]
pub struct Sql {
    pub(crate) text: String,
    pub(crate) args: Vec<Arg>,
    backend: Backend,
    rows: usize,
}

impl Sql {
    /// A statement for `backend`, starting with `text`.
    pub fn new(backend: Backend, text: impl Into<String>) -> Sql {
        Sql { text: text.into(), args: Vec::new(), backend, rows: 0 }
    }

    /// [`Sql::new`] with room for `args` values and their placeholders, for a statement of many rows.
    pub fn with_capacity(backend: Backend, text: impl Into<String>, args: usize) -> Sql {
        let mut text = text.into();
        text.reserve(args * 4);
        Sql { text, args: Vec::with_capacity(args), backend, rows: 0 }
    }

    /// Appends raw SQL.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Puts `before` in front of the statement and `after` behind it, to use it as a subquery.
    pub fn wrap(&mut self, before: &str, after: &str) -> &mut Self {
        let mut text = String::with_capacity(before.len() + self.text.len() + after.len());
        text.push_str(before);
        text.push_str(&self.text);
        text.push_str(after);
        self.text = text;
        self
    }

    /// Binds a value and returns its placeholder, to be placed with [`Sql::push`].
    pub fn bind(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        match self.backend {
            Backend::Sqlite => "?".to_owned(),
            Backend::Postgres => format!("${}", self.args.len()),
        }
    }

    /// Appends one row of a multi-row `VALUES` list, `(…)` for the first and `, (…)` after, binding `values` in
    /// order: for statements of thousands of values, without a string per placeholder.
    pub fn push_row(&mut self, values: impl IntoIterator<Item = Arg>) -> &mut Self {
        self.push_row_then(values, "")
    }

    /// [`Sql::push_row`] with `constants` (SQL literals the program writes, never data) after the values, for
    /// columns every row gives the same value.
    pub fn push_row_then(&mut self, values: impl IntoIterator<Item = Arg>, constants: &str) -> &mut Self {
        use std::fmt::Write;
        self.text.push_str(if self.rows == 0 { "(" } else { ", (" });
        for (i, value) in values.into_iter().enumerate() {
            self.args.push(value);
            if i > 0 {
                self.text.push_str(", ");
            }
            match self.backend {
                Backend::Sqlite => self.text.push('?'),
                // Writing into a String cannot fail.
                Backend::Postgres => drop(write!(self.text, "${}", self.args.len())),
            }
        }
        self.text.push_str(constants);
        self.text.push(')');
        self.rows += 1;
        self
    }

    /// The rows appended with [`Sql::push_row`].
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Binds text.
    pub fn bind_text(&mut self, v: impl Into<String>) -> String {
        self.bind(Arg::Text(Some(v.into())))
    }

    /// Binds an integer.
    pub fn bind_int(&mut self, v: i64) -> String {
        self.bind(Arg::Int(Some(v)))
    }

    /// The statement's text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The values bound so far, in order.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }

    /// The number of values bound.
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// Whether no value is bound.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// The query, ready to run.
    pub fn query(&self) -> Query<'_, sqlx::Any, AnyArguments<'_>> {
        use sqlx::Arguments;
        // Room for every value at once: a statement of many rows would otherwise grow its arguments a dozen times.
        let mut args = AnyArguments::default();
        args.reserve(self.args.len(), 0);
        let mut q = sqlx::query_with(&self.text, args);
        for a in &self.args {
            q = match a {
                Arg::Text(t) => q.bind(t.as_deref()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }
}
