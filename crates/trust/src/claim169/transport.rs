//! The transport layers around the COSE bytes: Base45 text (RFC 9285) over a zlib stream (RFC 1950).
//!
//! Both directions are bounded: a QR text is small, and a few kilobytes of zlib can inflate to gigabytes.

use std::io::{Read, Write};

use ciborium::Value;
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;

use super::error::{DecodeError, EncodeError, Step};

/// How much a decoder accepts. The defaults fit any single QR code with room to spare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest QR text accepted, in characters. A version 40 QR code holds 4,296 alphanumeric characters.
    pub max_text_len: usize,
    /// The most bytes the zlib stream may inflate to.
    pub max_inflated_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_text_len: 8 * 1024, max_inflated_len: 64 * 1024 }
    }
}

/// Base45 text to bytes, refusing text longer than the limit before decoding it.
pub fn base45_decode(text: &str, limits: &Limits) -> Result<Vec<u8>, DecodeError> {
    // Scanners often hand over the text with a line ending; Base45 has no such characters, so they can go.
    let text = text.trim_end_matches(['\r', '\n']);
    if text.len() > limits.max_text_len {
        return Err(DecodeError::TooLarge { step: Step::Base45, limit: limits.max_text_len });
    }
    let bytes = base45::decode(text).map_err(|e| DecodeError::Base45(e.to_string()))?;
    // RFC 9285 §4: a final pair of characters stands for one byte, so its value must be below 256; the base45
    // crate would silently keep the low eight bits, and two different texts would then decode the same.
    if text.len() % 3 == 2 {
        let value = |c: u8| BASE45_ALPHABET.iter().position(|&a| a == c).unwrap_or(0);
        let tail = text.as_bytes();
        let (c, d) = (tail[tail.len() - 2], tail[tail.len() - 1]);
        if value(c) + value(d) * 45 > 255 {
            return Err(DecodeError::Base45("the final character pair is more than one byte".into()));
        }
    }
    Ok(bytes)
}

const BASE45_ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Inflates a zlib stream, stopping as soon as the output passes the limit.
pub fn inflate(compressed: &[u8], limits: &Limits) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    // Reading one byte past the limit tells "exactly at the limit" from "over it" without inflating the rest.
    let cap = limits.max_inflated_len.saturating_add(1) as u64;
    ZlibDecoder::new(compressed).take(cap).read_to_end(&mut out).map_err(|e| DecodeError::Zlib(e.to_string()))?;
    if out.len() > limits.max_inflated_len {
        return Err(DecodeError::TooLarge { step: Step::Zlib, limit: limits.max_inflated_len });
    }
    Ok(out)
}

/// Exactly one CBOR data item, with nothing after it.
pub fn cbor_item(bytes: &[u8]) -> Result<Value, DecodeError> {
    let mut rest = bytes;
    let value: Value = ciborium::from_reader(&mut rest).map_err(|e| DecodeError::Cbor(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::Cbor(format!("{} bytes after the data item", rest.len())));
    }
    Ok(value)
}

/// A value as CBOR bytes.
pub fn cbor_bytes(value: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| EncodeError::Serialize(e.to_string()))?;
    Ok(out)
}

/// Compresses at the highest level: every byte saved makes the QR code smaller.
pub fn deflate(bytes: &[u8]) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).map_err(|e| EncodeError::Serialize(e.to_string()))?;
    encoder.finish().map_err(|e| EncodeError::Serialize(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zlib_bombs_stop_at_the_limit() {
        let limits = Limits::default();
        let bomb = deflate(&vec![0u8; 10 * 1024 * 1024]).unwrap();
        assert!(bomb.len() < 20_000);
        let err = inflate(&bomb, &limits).unwrap_err();
        assert_eq!(err, DecodeError::TooLarge { step: Step::Zlib, limit: 64 * 1024 });

        let exact = deflate(&vec![1u8; limits.max_inflated_len]).unwrap();
        assert_eq!(inflate(&exact, &limits).unwrap().len(), limits.max_inflated_len);
    }

    #[test]
    fn truncated_zlib_is_refused() {
        let whole = deflate(b"some text that is long enough to be worth compressing, some text").unwrap();
        assert!(inflate(&whole[..whole.len() - 5], &Limits::default()).is_err());
    }

    #[test]
    fn long_text_is_refused_before_decoding() {
        let limits = Limits { max_text_len: 10, ..Limits::default() };
        let err = base45_decode("00000000000", &limits).unwrap_err();
        assert_eq!(err, DecodeError::TooLarge { step: Step::Base45, limit: 10 });
    }

    #[test]
    fn base45_rfc_examples_and_overlong_pairs() {
        let limits = Limits::default();
        assert_eq!(base45_decode("BB8", &limits).unwrap(), b"AB");
        assert_eq!(base45_decode("%69 VD92EX0\n", &limits).unwrap(), b"Hello!!");
        // ":;" has invalid characters; "::" is 44 + 44*45 = 2024, more than a byte.
        assert!(base45_decode("GGW", &limits).is_err());
        assert!(base45_decode("::", &limits).is_err());
    }

    #[test]
    fn trailing_bytes_after_cbor_are_refused() {
        assert!(cbor_item(&[0x01]).is_ok());
        assert!(cbor_item(&[0x01, 0x02]).is_err());
        assert!(cbor_item(&[]).is_err());
    }
}
