//! The Open Location Code reference test data, every line (see conformance/README.md for its source).

use kernel::olc;

fn rows(file: &str) -> Vec<Vec<String>> {
    let path = format!("{}/../../conformance/olc/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-10
}

#[test]
fn encoding() {
    let cases = rows("encoding.csv");
    assert_eq!(cases.len(), 302);
    for c in cases {
        let (lat, lng): (f64, f64) = (c[0].parse().unwrap(), c[1].parse().unwrap());
        let (lat_i, lng_i): (i64, i64) = (c[2].parse().unwrap(), c[3].parse().unwrap());
        let length: usize = c[4].parse().unwrap();
        let expected = c.get(5).cloned().unwrap_or_default();
        assert_eq!(olc::location_to_integers(lat, lng), (lat_i, lng_i), "integers of {lat},{lng}");
        let from_integers = olc::encode_integers(lat_i, lng_i, length);
        let from_degrees = olc::encode(lat, lng, length);
        if expected.is_empty() {
            assert!(from_integers.is_err() && from_degrees.is_err(), "{c:?} should fail");
        } else {
            assert_eq!(from_integers.as_deref(), Ok(expected.as_str()), "{c:?}");
            assert_eq!(from_degrees.as_deref(), Ok(expected.as_str()), "{c:?}");
        }
    }
}

#[test]
fn decoding() {
    let cases = rows("decoding.csv");
    assert_eq!(cases.len(), 420);
    for c in cases {
        let area = olc::decode(&c[0]).unwrap_or_else(|e| panic!("{c:?}: {e}"));
        let want: Vec<f64> = c[2..6].iter().map(|v| v.parse().unwrap()).collect();
        assert_eq!(area.length, c[1].parse::<usize>().unwrap(), "{c:?}");
        assert!(close(area.lat_lo, want[0]) && close(area.lng_lo, want[1]), "{c:?}: {area:?}");
        assert!(close(area.lat_hi, want[2]) && close(area.lng_hi, want[3]), "{c:?}: {area:?}");
    }
}

#[test]
fn validity() {
    let cases = rows("validityTests.csv");
    assert_eq!(cases.len(), 25);
    for c in cases {
        let code = &c[0];
        assert_eq!(olc::is_valid(code), c[1] == "true", "valid {code}");
        assert_eq!(olc::is_short(code), c[2] == "true", "short {code}");
        assert_eq!(olc::is_full(code), c[3] == "true", "full {code}");
    }
}

#[test]
fn shortening_and_recovery() {
    let cases = rows("shortCodeTests.csv");
    assert_eq!(cases.len(), 19);
    for c in cases {
        let (full, short, kind) = (&c[0], &c[3], c[4].as_str());
        let (lat, lng): (f64, f64) = (c[1].parse().unwrap(), c[2].parse().unwrap());
        if kind == "S" || kind == "B" {
            assert_eq!(&olc::shorten(full, lat, lng).unwrap(), short, "shorten {c:?}");
        }
        if kind == "R" || kind == "B" {
            assert_eq!(&olc::recover_nearest(short, lat, lng).unwrap(), full, "recover {c:?}");
        }
    }
}
