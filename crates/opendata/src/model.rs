//! What the catalogue publishes: datasets, the organizations that own them, their columns, and the tables of
//! figures they hold.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Tổ chức — the agency that owns a dataset, as CKAN names organizations.
#[derive(Debug)]
pub struct Organization {
    /// Its name in URLs (CKAN's `name`).
    pub name: &'static str,
    /// Its title in Vietnamese.
    pub title_vi: &'static str,
    /// Its title in English.
    pub title_en: &'static str,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text: a code or a name.
    Text,
    /// A whole number; empty where it is withheld.
    Integer,
}

/// A column of a dataset's table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Its name in the CSV header and the JSON records.
    pub name: &'static str,
    /// What it means, in Vietnamese.
    pub vi: &'static str,
    /// What it means, in English.
    pub en: &'static str,
    /// What it holds.
    pub kind: Kind,
}

/// Bộ dữ liệu — a dataset: one table of aggregate figures, as CSV and as JSON.
#[derive(Debug)]
pub struct Dataset {
    /// Its name in URLs and in the CKAN API (lower-case letters, digits and hyphens).
    pub name: &'static str,
    /// Its title in Vietnamese.
    pub title_vi: &'static str,
    /// Its title in English.
    pub title_en: &'static str,
    /// What it is and how it is made, in Vietnamese.
    pub notes_vi: &'static str,
    /// The same, in English.
    pub notes_en: &'static str,
    /// Who owns it.
    pub organization: &'static Organization,
    /// Its keywords (CKAN's tags).
    pub tags: &'static [&'static str],
    /// Its columns.
    pub columns: &'static [Column],
}

impl Column {
    /// What it means, in `lang`.
    pub fn label(&self, lang: &kernel::Lang) -> &'static str {
        match lang {
            kernel::Lang::Vi => self.vi,
            kernel::Lang::En => self.en,
        }
    }
}

impl Dataset {
    /// Its title in `lang`.
    pub fn title(&self, lang: &kernel::Lang) -> &'static str {
        match lang {
            kernel::Lang::Vi => self.title_vi,
            kernel::Lang::En => self.title_en,
        }
    }

    /// Its notes in `lang`.
    pub fn notes(&self, lang: &kernel::Lang) -> &'static str {
        match lang {
            kernel::Lang::Vi => self.notes_vi,
            kernel::Lang::En => self.notes_en,
        }
    }
}

/// The figures of a dataset at one moment: its rows, each value a string, an integer, or null where a count is
/// withheld.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Table {
    /// When the figures were counted (Unix seconds).
    pub generated_at: i64,
    /// The rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// The form a resource takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, UTF-8 with a byte-order mark (so that spreadsheets read the diacritics).
    Csv,
    /// A JSON array of records.
    Json,
}

impl Format {
    /// Both, in the order the catalogue lists them.
    pub const ALL: [Format; 2] = [Format::Csv, Format::Json];

    /// The file extension, also the last part of the resource's id.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    /// CKAN's `format`.
    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Json => "JSON",
        }
    }

    /// The media type it is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }

    /// The format `extension` names.
    pub fn of(extension: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == extension)
    }
}
