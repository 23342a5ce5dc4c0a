//! Open Location Code (plus codes): a place on Earth as a short code such as `7PJV8RGH+5Q`.
//!
//! Written here because the crates.io crate lags the reference implementation (integer encoding, the
//! short-code rules); this follows the published specification and passes the reference test data whole
//! (`conformance/olc`). Encoding converts degrees to integers from their shortest decimal form rather than by
//! floating-point multiplication, so 35.6° is exactly 35.6° and no code lands one cell off.

use std::fmt;

const ALPHABET: &[u8; 20] = b"23456789CFGHJMPQRVWX";
const SEPARATOR: u8 = b'+';
const SEPARATOR_POSITION: usize = 8;
const PADDING: u8 = b'0';
const ENCODING_BASE: i64 = 20;
const LATITUDE_MAX: i64 = 90;
const LONGITUDE_MAX: i64 = 180;
const MIN_DIGITS: usize = 2;
const MAX_DIGITS: usize = 15;
const PAIR_DIGITS: usize = 10;
const GRID_ROWS: i64 = 5;
const GRID_COLUMNS: i64 = 4;
/// 20³: the pair section's resolution in units of the smallest pair cell.
const PAIR_PRECISION: i64 = 8_000;
/// 20⁴: the place value of the first pair.
const PAIR_FIRST_PLACE_VALUE: i64 = 160_000;
const FINAL_LAT_PRECISION: i64 = PAIR_PRECISION * 3_125; // × 5⁵
const FINAL_LNG_PRECISION: i64 = PAIR_PRECISION * 1_024; // × 4⁵
const PAIR_RESOLUTIONS: [f64; 5] = [20.0, 1.0, 0.05, 0.0025, 0.000125];
const MIN_TRIMMABLE_DIGITS: usize = 6;

/// What can go wrong with a plus code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OlcError {
    /// Not a valid code at all.
    #[error("{0:?} is not a valid plus code")]
    Invalid(String),
    /// A valid code, but not of the kind the operation needs (full or short).
    #[error("{0:?} is not a full plus code")]
    NotFull(String),
    /// A code length the encoding does not allow.
    #[error("a plus code cannot have {0} digits")]
    Length(usize),
}

/// The area a full code names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodeArea {
    /// Southern edge.
    pub lat_lo: f64,
    /// Western edge.
    pub lng_lo: f64,
    /// Northern edge.
    pub lat_hi: f64,
    /// Eastern edge.
    pub lng_hi: f64,
    /// Number of digits in the code.
    pub length: usize,
}

impl CodeArea {
    /// The latitude of the centre.
    pub fn lat_center(&self) -> f64 {
        ((self.lat_lo + self.lat_hi) / 2.0).min(LATITUDE_MAX as f64)
    }

    /// The longitude of the centre.
    pub fn lng_center(&self) -> f64 {
        ((self.lng_lo + self.lng_hi) / 2.0).min(LONGITUDE_MAX as f64)
    }
}

fn digit_value(c: u8) -> Option<i64> {
    ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase()).map(|p| p as i64)
}

/// Whether `code` is a valid full or short plus code.
pub fn is_valid(code: &str) -> bool {
    let bytes = code.as_bytes();
    let Some(sep) = bytes.iter().position(|&b| b == SEPARATOR) else { return false };
    if bytes.iter().filter(|&&b| b == SEPARATOR).count() > 1 || bytes.len() == 1 {
        return false;
    }
    if sep > SEPARATOR_POSITION || sep % 2 == 1 {
        return false;
    }
    if let Some(pad) = bytes.iter().position(|&b| b == PADDING) {
        // Only full codes are padded, never from the first digit, with one even run that the separator ends.
        if sep < SEPARATOR_POSITION || pad == 0 {
            return false;
        }
        let rpad = bytes.iter().rposition(|&b| b == PADDING).map_or(pad, |r| r + 1);
        let run = &bytes[pad..rpad];
        if run.len() % 2 == 1 || run.iter().any(|&b| b != PADDING) || bytes.last() != Some(&SEPARATOR) {
            return false;
        }
    }
    if bytes.len() - sep - 1 == 1 {
        return false;
    }
    bytes.iter().all(|&b| b == SEPARATOR || b == PADDING || digit_value(b).is_some())
}

/// Whether `code` is a valid short code (digits removed from the front, to be recovered near a place).
pub fn is_short(code: &str) -> bool {
    is_valid(code) && code.find('+').is_some_and(|sep| sep < SEPARATOR_POSITION)
}

/// Whether `code` is a valid full code that names a place on Earth.
pub fn is_full(code: &str) -> bool {
    if !is_valid(code) || is_short(code) {
        return false;
    }
    let bytes = code.as_bytes();
    let first_lat = digit_value(bytes[0]).unwrap_or(0) * ENCODING_BASE;
    if first_lat >= LATITUDE_MAX * 2 {
        return false;
    }
    let first_lng = bytes.get(1).and_then(|&b| digit_value(b)).unwrap_or(0) * ENCODING_BASE;
    first_lng < LONGITUDE_MAX * 2
}

/// `floor(degrees × precision)`, computed from the shortest decimal form of `degrees` so that a value typed as
/// 35.6 is treated as exactly 35.6, not as the nearest binary fraction below it.
fn scaled_floor(degrees: f64, precision: i64) -> i64 {
    if !degrees.is_finite() {
        return 0;
    }
    let text = format!("{degrees}");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let fraction = &fraction[..fraction.len().min(30)];
    let mut numerator: i128 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        numerator = numerator.saturating_mul(10).saturating_add(i128::from(b - b'0'));
    }
    let denominator = 10i128.saturating_pow(fraction.len() as u32);
    let scaled = numerator.saturating_mul(i128::from(precision));
    let value = if negative { -scaled } else { scaled };
    value.div_euclid(denominator).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Converts degrees to the integers the encoder works on, clipping latitude and wrapping longitude.
pub fn location_to_integers(lat: f64, lng: f64) -> (i64, i64) {
    let lat_range = 2 * LATITUDE_MAX * FINAL_LAT_PRECISION;
    let lat_val = (scaled_floor(lat, FINAL_LAT_PRECISION) + LATITUDE_MAX * FINAL_LAT_PRECISION).clamp(0, lat_range - 1);
    let lng_range = 2 * LONGITUDE_MAX * FINAL_LNG_PRECISION;
    let lng_val = (scaled_floor(lng, FINAL_LNG_PRECISION) + LONGITUDE_MAX * FINAL_LNG_PRECISION).rem_euclid(lng_range);
    (lat_val, lng_val)
}

/// Encodes integer coordinates (as from [`location_to_integers`]) into a code of `length` digits.
pub fn encode_integers(mut lat: i64, mut lng: i64, length: usize) -> Result<String, OlcError> {
    if length < MIN_DIGITS || (length < PAIR_DIGITS && length % 2 == 1) {
        return Err(OlcError::Length(length));
    }
    let length = length.min(MAX_DIGITS);
    let mut digits = [0u8; MAX_DIGITS];
    if length > PAIR_DIGITS {
        for i in (PAIR_DIGITS..MAX_DIGITS).rev() {
            digits[i] = ALPHABET[((lat % GRID_ROWS) * GRID_COLUMNS + lng % GRID_COLUMNS) as usize];
            lat /= GRID_ROWS;
            lng /= GRID_COLUMNS;
        }
    } else {
        lat /= GRID_ROWS.pow(5);
        lng /= GRID_COLUMNS.pow(5);
    }
    for i in (0..PAIR_DIGITS / 2).rev() {
        digits[2 * i] = ALPHABET[(lat % ENCODING_BASE) as usize];
        digits[2 * i + 1] = ALPHABET[(lng % ENCODING_BASE) as usize];
        lat /= ENCODING_BASE;
        lng /= ENCODING_BASE;
    }
    let mut code = String::with_capacity(16);
    for (i, &d) in digits.iter().enumerate().take(length.max(SEPARATOR_POSITION)) {
        if i == SEPARATOR_POSITION {
            code.push('+');
        }
        code.push(if i < length { char::from(d) } else { '0' });
    }
    if length <= SEPARATOR_POSITION {
        code.push('+');
    }
    Ok(code)
}

/// Encodes a location into a code of `length` digits (10 names a cell of about 14 × 14 m, 11 about 3 × 3.5 m).
pub fn encode(lat: f64, lng: f64, length: usize) -> Result<String, OlcError> {
    let (lat, lng) = location_to_integers(lat, lng);
    encode_integers(lat, lng, length)
}

/// Decodes a full code into the area it names. Digits after the fifteenth are ignored.
pub fn decode(code: &str) -> Result<CodeArea, OlcError> {
    if !is_full(code) {
        return Err(OlcError::NotFull(code.to_owned()));
    }
    let digits: Vec<i64> =
        code.bytes().filter(|&b| b != SEPARATOR && b != PADDING).filter_map(digit_value).take(MAX_DIGITS).collect();
    let mut lat = -LATITUDE_MAX * PAIR_PRECISION;
    let mut lng = -LONGITUDE_MAX * PAIR_PRECISION;
    let pair_digits = digits.len().min(PAIR_DIGITS);
    let mut place = PAIR_FIRST_PLACE_VALUE;
    for i in (0..pair_digits).step_by(2) {
        lat += digits[i] * place;
        lng += digits[i + 1] * place;
        if i + 2 < pair_digits {
            place /= ENCODING_BASE;
        }
    }
    let mut lat_precision = place as f64 / PAIR_PRECISION as f64;
    let mut lng_precision = lat_precision;
    let (mut grid_lat, mut grid_lng) = (0i64, 0i64);
    if digits.len() > PAIR_DIGITS {
        let (mut row_place, mut col_place) = (GRID_ROWS.pow(4), GRID_COLUMNS.pow(4));
        for (i, &d) in digits.iter().enumerate().skip(PAIR_DIGITS) {
            grid_lat += d / GRID_COLUMNS * row_place;
            grid_lng += d % GRID_COLUMNS * col_place;
            if i + 1 < digits.len() {
                row_place /= GRID_ROWS;
                col_place /= GRID_COLUMNS;
            }
        }
        lat_precision = row_place as f64 / FINAL_LAT_PRECISION as f64;
        lng_precision = col_place as f64 / FINAL_LNG_PRECISION as f64;
    }
    let lat_lo = lat as f64 / PAIR_PRECISION as f64 + grid_lat as f64 / FINAL_LAT_PRECISION as f64;
    let lng_lo = lng as f64 / PAIR_PRECISION as f64 + grid_lng as f64 / FINAL_LNG_PRECISION as f64;
    Ok(CodeArea {
        lat_lo,
        lng_lo,
        lat_hi: lat_lo + lat_precision,
        lng_hi: lng_lo + lng_precision,
        length: digits.len(),
    })
}

fn clip_latitude(lat: f64) -> f64 {
    lat.clamp(-(LATITUDE_MAX as f64), LATITUDE_MAX as f64)
}

fn normalize_longitude(mut lng: f64) -> f64 {
    while lng < -(LONGITUDE_MAX as f64) {
        lng += 360.0;
    }
    while lng >= LONGITUDE_MAX as f64 {
        lng -= 360.0;
    }
    lng
}

/// Removes as many leading digits as a place near (`lat`, `lng`) makes recoverable.
pub fn shorten(code: &str, lat: f64, lng: f64) -> Result<String, OlcError> {
    if !is_full(code) || code.contains('0') {
        return Err(OlcError::NotFull(code.to_owned()));
    }
    let code = code.to_ascii_uppercase();
    let area = decode(&code)?;
    if area.length < MIN_TRIMMABLE_DIGITS {
        return Err(OlcError::Invalid(code));
    }
    let range =
        (area.lat_center() - clip_latitude(lat)).abs().max((area.lng_center() - normalize_longitude(lng)).abs());
    for i in (1..=PAIR_RESOLUTIONS.len() - 2).rev() {
        if range < PAIR_RESOLUTIONS[i] * 0.3 {
            return Ok(code[(i + 1) * 2..].to_owned());
        }
    }
    Ok(code)
}

/// The full code nearest to (`lat`, `lng`) that ends with the short code `code`; a full code comes back as it is.
pub fn recover_nearest(code: &str, lat: f64, lng: f64) -> Result<String, OlcError> {
    if !is_short(code) {
        return if is_full(code) { Ok(code.to_ascii_uppercase()) } else { Err(OlcError::Invalid(code.to_owned())) };
    }
    let (lat, lng) = (clip_latitude(lat), normalize_longitude(lng));
    let code = code.to_ascii_uppercase();
    let padding = SEPARATOR_POSITION - code.find('+').unwrap_or(SEPARATOR_POSITION);
    let resolution = 20f64.powi(2 - (padding as i32) / 2);
    let half = resolution / 2.0;
    let prefix = encode(lat, lng, PAIR_DIGITS)?;
    let area = decode(&format!("{}{code}", &prefix[..padding]))?;
    let (mut lat_c, mut lng_c) = (area.lat_center(), area.lng_center());
    if lat + half < lat_c && lat_c - resolution >= -(LATITUDE_MAX as f64) {
        lat_c -= resolution;
    } else if lat - half > lat_c && lat_c + resolution <= LATITUDE_MAX as f64 {
        lat_c += resolution;
    }
    if lng + half < lng_c {
        lng_c -= resolution;
    } else if lng - half > lng_c {
        lng_c += resolution;
    }
    encode(lat_c, lng_c, area.length)
}

/// A valid full plus code, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlusCode(String);

impl PlusCode {
    /// Parses a full code.
    pub fn parse(code: &str) -> Result<PlusCode, OlcError> {
        if is_full(code) { Ok(PlusCode(code.to_ascii_uppercase())) } else { Err(OlcError::NotFull(code.to_owned())) }
    }

    /// The code of the 10-digit cell containing a point.
    pub fn at(lat: f64, lng: f64) -> PlusCode {
        // Ten digits is always a valid length.
        PlusCode(encode(lat, lng, PAIR_DIGITS).unwrap_or_default())
    }

    /// The area it names.
    pub fn area(&self) -> CodeArea {
        // Constructed only from full codes.
        decode(&self.0).unwrap_or(CodeArea { lat_lo: 0.0, lng_lo: 0.0, lat_hi: 0.0, lng_hi: 0.0, length: 0 })
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn decimal_scaling_is_exact() {
        assert_eq!(scaled_floor(35.6, FINAL_LAT_PRECISION), 890_000_000);
        assert_eq!(scaled_floor(-48.71, FINAL_LAT_PRECISION), -1_217_750_000);
        assert_eq!(scaled_floor(-0.0000001, FINAL_LAT_PRECISION), -3);
        assert_eq!(scaled_floor(1e-300, FINAL_LAT_PRECISION), 0);
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,20}") {
            let _ = is_valid(&s);
            let _ = decode(&s);
            let _ = recover_nearest(&s, 21.0, 105.8);
        }

        #[test]
        fn a_point_lies_in_its_own_cell(lat in -89.9f64..89.9, lng in -179.9f64..179.9) {
            let area = PlusCode::at(lat, lng).area();
            prop_assert!(area.lat_lo <= lat + 1e-9 && lat < area.lat_hi + 1e-9);
            prop_assert!(area.lng_lo <= lng + 1e-9 && lng < area.lng_hi + 1e-9);
        }
    }
}
