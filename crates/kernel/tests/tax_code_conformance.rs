//! The whole public list of Vietnamese tax codes (see conformance/README.md for its source).

use kernel::{TaxCode, TaxCodeError};

fn cases(file: &str) -> Vec<String> {
    let path = format!("{}/../../conformance/vn-tax-code/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(str::to_owned).collect()
}

#[test]
fn every_valid_code_parses() {
    let valid = cases("valid.txt");
    assert_eq!(valid.len(), 161);
    for code in valid {
        let parsed: TaxCode = code.parse().unwrap_or_else(|e| panic!("{code}: {e}"));
        let digits: String = code.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(parsed.to_string().replace('-', ""), digits);
    }
}

#[test]
fn every_invalid_code_fails_for_its_reason() {
    let invalid = cases("invalid.txt");
    assert_eq!(invalid.len(), 5);
    for line in invalid {
        let (code, reason) = line.split_once('\t').unwrap();
        let err = code.parse::<TaxCode>().unwrap_err();
        let expected = match reason {
            "length" => TaxCodeError::Length,
            "format" => TaxCodeError::Format,
            "checksum" => TaxCodeError::Checksum,
            r if r.contains("sequence") => TaxCodeError::Sequence,
            r if r.contains("branch") => TaxCodeError::Branch,
            r => panic!("unknown reason {r}"),
        };
        assert_eq!(err, expected, "{code}");
    }
}
