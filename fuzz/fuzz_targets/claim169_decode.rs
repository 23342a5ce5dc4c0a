//! Claim 169 decoding must refuse any input with an error, never panic, hang or allocate without bound.
//!
//! Each input is tried three ways, so the fuzzer reaches every layer without having to discover the outer ones:
//! as the QR text itself, as the bytes behind the Base45, and as the bytes behind the zlib stream (CBOR and COSE).

#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use trust::claim169::{self, DecryptionKey, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = claim169::decode(text, &limits);
    }
    let _ = claim169::decode(&base45::encode(data), &limits);

    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    if zlib.write_all(data).is_ok()
        && let Ok(compressed) = zlib.finish()
    {
        let text = base45::encode(compressed);
        let _ = claim169::decode(&text, &limits);
        // With a key, COSE_Encrypt0 inputs go on to AES-GCM (which rejects them) instead of stopping early.
        if let Some(key) = DecryptionKey::from_bytes(&[0x42; 32]) {
            let _ = claim169::decode_with_key(&text, &limits, &key);
        }
    }
});
