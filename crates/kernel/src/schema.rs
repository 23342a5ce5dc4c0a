//! The OpenAPI schemas of the identifiers, written from the same rules their parsers apply.
//!
//! A client, or a fuzzer reading the document, should be able to build every value the parser accepts and no
//! other: where a rule is a list (the pre-2025 province codes, the administrative units that exist) the schema
//! lists it; where it is arithmetic no JSON Schema can state (a digital address's check character, a tax code's
//! check digit), the pattern says the shape and the description says what else is checked.

use std::borrow::Cow;
use std::sync::LazyLock;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::admin_unit::{self, AdminUnitCode, LegacyProvinceCode};
use crate::agency::{self, AgencyCode};
use crate::digital_address::DigitalAddress;
use crate::free_text;
use crate::personal_id::{PersonalId, Sex};
use crate::tax_code::TaxCode;

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// The pattern of a personal ID number: a pre-2025 province code, a century and sex digit from 0 to 5, then
/// eight digits.
pub fn personal_id_pattern() -> String {
    format!("^{}$", personal_id_body())
}

fn personal_id_body() -> String {
    let provinces: Vec<String> = LegacyProvinceCode::all().iter().map(ToString::to_string).collect();
    format!("({})[0-5][0-9]{{8}}", provinces.join("|"))
}

impl PartialSchema for PersonalId {
    fn schema() -> RefOr<Schema> {
        string()
            .pattern(Some(personal_id_pattern()))
            .min_length(Some(12))
            .max_length(Some(12))
            .description(Some(
                "Số định danh cá nhân: 12 digits, the pre-2025 province of birth registration (3), the century and \
                 sex (1: 0–5), the year of birth (2) and six more.",
            ))
            .examples(["001203012345"])
            .into()
    }
}

impl ToSchema for PersonalId {
    fn name() -> Cow<'static, str> {
        "PersonalId".into()
    }
}

/// Every code that names a unit today: the provinces, then the communes.
pub fn admin_unit_codes() -> Vec<String> {
    let mut codes = Vec::with_capacity(admin_unit::commune_count() + 34);
    for province in admin_unit::provinces() {
        codes.push(province.code.to_string());
    }
    for province in admin_unit::provinces() {
        codes.extend(admin_unit::communes_of(province.code).iter().map(|c| c.code.to_string()));
    }
    codes
}

impl PartialSchema for AdminUnitCode {
    fn schema() -> RefOr<Schema> {
        // A list rather than `^[0-9]{2}([0-9]{3})?$`: a well-formed code that names no unit is refused, so the
        // contract is the list of units that exist.
        string()
            .enum_values(Some(admin_unit_codes()))
            .description(Some(
                "An administrative unit in force since July 2025: a province (2 digits) or a commune (5 digits); \
                 see `GET /api/v1/admin-units`.",
            ))
            .examples(["01", "00070"])
            .into()
    }
}

impl ToSchema for AdminUnitCode {
    fn name() -> Cow<'static, str> {
        "AdminUnitCode".into()
    }
}

/// The pattern of an agency code: upper-case letters and digits in parts joined by dots, starting with a letter.
pub const AGENCY_CODE_PATTERN: &str = r"^[A-Z][A-Z0-9]*(\.[A-Z0-9]+)*$";

impl PartialSchema for AgencyCode {
    fn schema() -> RefOr<Schema> {
        string()
            .pattern(Some(AGENCY_CODE_PATTERN))
            .min_length(Some(2))
            .max_length(Some(agency::MAX_LEN))
            .description(Some("Mã cơ quan: upper-case letters, digits and dots, beginning with a letter."))
            .examples(["UBND.00070"])
            .into()
    }
}

impl ToSchema for AgencyCode {
    fn name() -> Cow<'static, str> {
        "AgencyCode".into()
    }
}

/// The letters of a plus code and of a digital address's check character, either case (addresses are read
/// case-insensitively).
const OLC: &str = "23456789CFGHJMPQRVWXcfghjmpqrvwx";

/// The shape of a digital address: commune, 10-digit plus code, dwelling number and check character.
pub fn digital_address_pattern() -> String {
    format!("^[0-9]{{5}}-[{OLC}]{{8}}\\+[{OLC}]{{2}}-[0-9]+-[01{OLC}]$")
}

impl PartialSchema for DigitalAddress {
    fn schema() -> RefOr<Schema> {
        string()
            .pattern(Some(digital_address_pattern()))
            .max_length(Some(29))
            .description(Some(
                "Địa chỉ số: `COMMUNE-PLUSCODE-NUMBER-CHECK`. Beyond this shape the server checks that the commune \
                 exists, that the plus code names a place on Earth, that the number is 1 to 999 and that the \
                 check character (Luhn mod 22) matches; an address that fails these is refused with 422.",
            ))
            .examples(["00070-7PH72VH3+CM-1-8"])
            .into()
    }
}

impl ToSchema for DigitalAddress {
    fn name() -> Cow<'static, str> {
        "DigitalAddress".into()
    }
}

impl PartialSchema for TaxCode {
    fn schema() -> RefOr<Schema> {
        string()
            .pattern(Some(r"^[0-9]{10}(-[0-9]{3})?$"))
            .description(Some(
                "Mã số thuế: 10 digits, or 13 with a branch suffix `-001`…`-999`. The tenth digit is a check digit \
                 and digits 3 to 9 are not all zero; a code that fails these is refused with 422.",
            ))
            .examples(["0100109106"])
            .into()
    }
}

impl ToSchema for TaxCode {
    fn name() -> Cow<'static, str> {
        "TaxCode".into()
    }
}

impl PartialSchema for Sex {
    fn schema() -> RefOr<Schema> {
        string().enum_values(Some([Sex::Male.as_str(), Sex::Female.as_str()])).into()
    }
}

impl ToSchema for Sex {
    fn name() -> Cow<'static, str> {
        "Sex".into()
    }
}

/// A regex character class body for the characters for which `pick` holds, as ranges: ASCII controls as
/// `\\xNN`, the rest of the Basic Multilingual Plane beyond ASCII as `\\uNNNN` (read alike by Python's `re` and
/// ECMAScript), ASCII and the planes above as themselves.
fn class_of(pick: impl Fn(char) -> bool) -> String {
    fn push(out: &mut String, c: char) {
        if c.is_ascii_control() || c == ' ' {
            out.push_str(&format!("\\x{:02X}", u32::from(c)));
        } else if !c.is_ascii() && u32::from(c) <= 0xFFFF {
            // Escaped, because YAML readers of the document refuse C1 controls written as they are.
            out.push_str(&format!("\\u{:04X}", u32::from(c)));
        } else if matches!(c, '\\' | ']' | '[' | '^' | '-') {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    let mut out = String::new();
    let mut run: Option<(char, char)> = None;
    let flush = |out: &mut String, (first, last): (char, char)| {
        push(out, first);
        if last != first {
            out.push('-');
            push(out, last);
        }
    };
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        if pick(c) {
            run = match run {
                Some((first, last)) if u32::from(last) + 1 == u32::from(c) => Some((first, c)),
                Some(done) => {
                    flush(&mut out, done);
                    Some((c, c))
                }
                None => Some((c, c)),
            };
        }
    }
    if let Some(done) = run {
        flush(&mut out, done);
    }
    out
}

/// Characters free text refuses: controls other than whitespace, and format characters.
static REFUSED: LazyLock<String> = LazyLock::new(|| class_of(|c| free_text::is_forbidden(c) && !c.is_whitespace()));

/// Characters that are neither refused nor whitespace: at least one must be there.
static VISIBLE_OR_REFUSED: LazyLock<String> =
    LazyLock::new(|| class_of(|c| free_text::is_forbidden(c) || c.is_whitespace()));

/// The pattern of free text ([`free_text::clean`]): no control or format character, and something besides
/// whitespace.
pub fn free_text_pattern() -> String {
    let (refused, blank) = (&*REFUSED, &*VISIBLE_OR_REFUSED);
    format!("^[^{refused}]*[^{blank}][^{refused}]*$")
}

/// Whitespace as `str::trim` sees it.
static WHITESPACE: LazyLock<String> = LazyLock::new(|| class_of(char::is_whitespace));

/// The pattern of text that is not empty once trimmed.
pub fn not_blank_pattern() -> String {
    format!("[^{}]", &*WHITESPACE)
}

/// The pattern of free text that may also be left empty.
pub fn optional_free_text_pattern() -> String {
    format!("^[^{}]*$", &*REFUSED)
}

/// The schema of free text of at most `max_chars` characters. The server counts characters once whitespace is
/// collapsed and the text is in NFC, so a text over the limit only in runs of spaces is accepted.
pub fn free_text_schema(max_chars: usize) -> Object {
    string()
        .pattern(Some(free_text_pattern()))
        .min_length(Some(1))
        .max_length(Some(max_chars))
        .description(Some(format!(
            "Free text: 1 to {max_chars} characters, no control or invisible formatting character; runs of \
             whitespace count as one space."
        )))
        .build()
}

/// The schema of a person's name: free text of at most `max_chars` characters, without digits.
pub fn name_schema(max_chars: usize) -> Object {
    let refused = class_of(|c| (free_text::is_forbidden(c) && !c.is_whitespace()) || c.is_ascii_digit());
    let blank = class_of(|c| free_text::is_forbidden(c) || c.is_whitespace() || c.is_ascii_digit());
    string()
        .pattern(Some(format!("^[^{refused}]*[^{blank}][^{refused}]*$")))
        .min_length(Some(1))
        .max_length(Some(max_chars))
        .description(Some(format!(
            "A name: 1 to {max_chars} characters, no digit, no control or invisible formatting character."
        )))
        .build()
}

/// The schema of an optional field of a JSON body read blank-as-absent: `null`, blank, or text matching `body` (a
/// pattern without anchors) once trimmed.
pub fn blank_or(body: &str) -> Object {
    let ws = &*WHITESPACE;
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(format!("^[{ws}]*({body})?[{ws}]*$")))
        .build()
}

/// [`blank_or`] a personal ID number.
pub fn blank_or_personal_id() -> Object {
    blank_or(&personal_id_body())
}

/// Like [`free_text_schema`], for a field where empty or blank means absent.
pub fn optional_free_text_schema(max_chars: usize) -> Object {
    string()
        .pattern(Some(optional_free_text_pattern()))
        .max_length(Some(max_chars))
        .description(Some(format!(
            "Free text: at most {max_chars} characters, no control or invisible formatting character; blank is \
             the same as absent."
        )))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, s: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(s)
    }

    #[test]
    fn the_personal_id_pattern_accepts_what_the_parser_accepts() {
        let pattern = personal_id_pattern();
        for s in ["001203012345", "079185000001", "096599999999"] {
            assert!(s.parse::<PersonalId>().is_ok() && matches(&pattern, s), "{s}");
        }
        for s in ["003203012345", "001603012345", "00120301234", "0012030123456", "00120301234x", "999203012345"] {
            assert!(s.parse::<PersonalId>().is_err() && !matches(&pattern, s), "{s}");
        }
    }

    #[test]
    fn the_admin_unit_list_is_every_unit_and_only_those() {
        let codes = admin_unit_codes();
        assert_eq!(codes.len(), 34 + admin_unit::commune_count());
        assert!(codes.iter().all(|c| c.parse::<AdminUnitCode>().is_ok()));
        assert!(codes.contains(&"01".to_owned()) && codes.contains(&"00070".to_owned()));
    }

    #[test]
    fn blank_or_takes_blank_and_trimmed_values_only() {
        let pattern = blank_or("[0-9]{12}").pattern.unwrap();
        for s in ["", "  ", "001203012345", " 001203012345\t"] {
            assert!(matches(&pattern, s), "{s:?}");
        }
        for s in ["0012030123", "x", "001203012345 1"] {
            assert!(!matches(&pattern, s), "{s:?}");
        }
    }

    #[test]
    fn the_agency_pattern_agrees_with_the_parser() {
        for s in ["UBND.00070", "SYT.01", "BCA", "A1", "UBND..1", ".A", "ubnd", "1A", "A-B", "A.", "UBND.0007a"] {
            let pattern_ok = matches(AGENCY_CODE_PATTERN, s) && (2..=agency::MAX_LEN).contains(&s.len());
            assert_eq!(s.parse::<AgencyCode>().is_ok(), pattern_ok, "{s}");
        }
    }

    #[test]
    fn the_free_text_pattern_agrees_with_clean() {
        let (pattern, optional) = (free_text_pattern(), optional_free_text_pattern());
        for s in ["Kiểm tra hồ sơ", "a", " a\tb ", "x\u{0085}y", "—[]^-\\"] {
            assert!(free_text::clean(s, 500).is_ok() && matches(&pattern, s), "{s:?}");
        }
        for s in ["", "   ", "\t\n", "a\u{0}b", "a\u{1b}[31m", "a\u{202E}b", "\u{200B}", "a\u{E0001}", "a\u{7f}"] {
            assert!(free_text::clean(s, 500).is_err() && !matches(&pattern, s), "{s:?}");
        }
        assert!(matches(&optional, "") && matches(&optional, "  ") && !matches(&optional, "a\u{202E}b"));
    }

    #[test]
    fn every_digital_address_the_parser_accepts_has_the_shape() {
        let pattern = digital_address_pattern();
        for s in ["00070-7PH72VH3+CM-1-8", "00070-7ph72vh3+cm-1-8"] {
            assert!(s.parse::<DigitalAddress>().is_ok(), "{s}");
            assert!(matches(&pattern, s), "{s}");
        }
        assert!(!matches(&pattern, "00070-7PH72VH3CM-1-8"));
    }
}
