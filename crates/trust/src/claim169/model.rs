//! The typed contents of a credential: the claim 169 identity map and the CWT's own claims.
//!
//! JSON (serde) uses the field names of the Claim 169 specification in camelCase, binary data as standard
//! Base64 and coded values as their integers, so a decoded credential compares with other implementations' JSON.

use serde::{Deserialize, Serialize};

/// Declares a coded value of the specification: an enum whose variants stand for integers, plus `Unlisted` for a
/// code the specification may add later, so a credential from a newer issuer still decodes and re-encodes as it was.
macro_rules! coded {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
            /// A code this version of the specification does not list.
            Unlisted(i64),
        }

        impl $name {
            /// The integer that stands for this value in CBOR and JSON.
            pub fn code(self) -> i64 {
                match self {
                    $($name::$variant => $code,)+
                    $name::Unlisted(code) => code,
                }
            }

            /// The value an integer stands for.
            pub fn from_code(code: i64) -> $name {
                match code {
                    $($code => $name::$variant,)+
                    other => $name::Unlisted(other),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                i64::deserialize(deserializer).map($name::from_code)
            }
        }
    };
}

coded!(
    /// Gender (key 9).
    Gender { /** 1 */ Male = 1, /** 2 */ Female = 2, /** 3 */ Other = 3 }
);
coded!(
    /// Marital status (key 14).
    MaritalStatus { /** 1 */ Unmarried = 1, /** 2 */ Married = 2, /** 3 */ Divorced = 3 }
);
coded!(
    /// The format of the photograph in key 16 (key 17).
    PhotoFormat { /** 1 */ Jpeg = 1, /** 2 */ Jpeg2000 = 2, /** 3 */ Avif = 3, /** 4 */ Webp = 4 }
);
coded!(
    /// What a biometric entry holds (its key 1). The meaning of its sub-format depends on this.
    BiometricFormat { /** 0 */ Image = 0, /** 1 */ Template = 1, /** 2 */ Sound = 2, /** 3 */ BioHash = 3 }
);

/// One biometric sample: a map `{0: data, 1: format, 2: subFormat, 3: issuer}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Biometric {
    /// The sample itself (key 0).
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
    /// Image, template, sound or hash (key 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<BiometricFormat>,
    /// The encoding within the format (key 2): for images 0 PNG, 1 JPEG, 2 JPEG 2000, 3 AVIF, 4 WEBP, 5 TIFF,
    /// 6 WSQ; for templates 0 ANSI 378, 1 ISO 19794-2, 2 NIST; for sound 0 WAV, 1 MP3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_format: Option<i64>,
    /// Who produced the sample (key 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// The biometric fields, keys 50 to 65, each a list of samples.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // The names say it; the keys are in `BIOMETRIC_KEYS`.
pub struct Biometrics {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_thumb: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_pointer_finger: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_middle_finger: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_ring_finger: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_little_finger: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_thumb: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_pointer_finger: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_middle_finger: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_ring_finger: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_little_finger: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_iris: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_iris: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_palm: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_palm: Option<Vec<Biometric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<Vec<Biometric>>,
}

/// The first and last keys of the biometric fields.
pub const BIOMETRIC_KEYS: std::ops::RangeInclusive<i64> = 50..=65;

impl Biometrics {
    /// The field for a key in [`BIOMETRIC_KEYS`], in the specification's order.
    pub fn slot_mut(&mut self, key: i64) -> Option<&mut Option<Vec<Biometric>>> {
        Some(match key {
            50 => &mut self.right_thumb,
            51 => &mut self.right_pointer_finger,
            52 => &mut self.right_middle_finger,
            53 => &mut self.right_ring_finger,
            54 => &mut self.right_little_finger,
            55 => &mut self.left_thumb,
            56 => &mut self.left_pointer_finger,
            57 => &mut self.left_middle_finger,
            58 => &mut self.left_ring_finger,
            59 => &mut self.left_little_finger,
            60 => &mut self.right_iris,
            61 => &mut self.left_iris,
            62 => &mut self.face,
            63 => &mut self.right_palm,
            64 => &mut self.left_palm,
            65 => &mut self.voice,
            _ => return None,
        })
    }

    /// Every field with its key, in key order.
    pub fn by_key(&self) -> [(i64, &Option<Vec<Biometric>>); 16] {
        [
            (50, &self.right_thumb),
            (51, &self.right_pointer_finger),
            (52, &self.right_middle_finger),
            (53, &self.right_ring_finger),
            (54, &self.right_little_finger),
            (55, &self.left_thumb),
            (56, &self.left_pointer_finger),
            (57, &self.left_middle_finger),
            (58, &self.left_ring_finger),
            (59, &self.left_little_finger),
            (60, &self.right_iris),
            (61, &self.left_iris),
            (62, &self.face),
            (63, &self.right_palm),
            (64, &self.left_palm),
            (65, &self.voice),
        ]
    }
}

/// The identity map of claim 169. Every field is optional, as in the specification.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Unique ID of the record (key 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Version of the ID data (key 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Language of the other fields, ISO 639-3 (key 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Full name (key 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// First name (key 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Middle name (key 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Last name (key 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Date of birth as written, `YYYYMMDD` (some issuers write `YYYY-MM-DD`); see [`Identity::birth_date`] (key 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// Gender (key 9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Address, lines separated by `\n` (key 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Email address (key 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number (key 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Nationality, ISO 3166-1 or -2 (key 13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Marital status (key 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marital_status: Option<MaritalStatus>,
    /// Name or ID of a guardian (key 15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian: Option<String>,
    /// The photograph (key 16).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "base64_bytes_opt")]
    pub photo: Option<Vec<u8>>,
    /// The photograph's format (key 17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_format: Option<PhotoFormat>,
    /// Finger positions with the best samples: 0 unknown, 1–5 right thumb to little, 6–10 left (key 18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_quality_fingers: Option<Vec<u8>>,
    /// Full name in the secondary language (key 19).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_full_name: Option<String>,
    /// The secondary language, ISO 639-3 (key 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_language: Option<String>,
    /// A location code, such as a plus code (key 21).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_code: Option<String>,
    /// Legal status of the identity (key 22).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_status: Option<String>,
    /// Country that issued the identity (key 23).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_issuance: Option<String>,
    /// Biometric samples (keys 50–65).
    #[serde(flatten)]
    pub biometrics: Biometrics,
}

impl Identity {
    /// The date of birth as a date, read from `YYYYMMDD` or `YYYY-MM-DD`; `None` if absent or not a real date.
    pub fn birth_date(&self) -> Option<time::Date> {
        let text = self.date_of_birth.as_deref()?;
        let digits: String = match text.len() {
            8 => text.to_owned(),
            10 if text.as_bytes().get(4) == Some(&b'-') && text.as_bytes().get(7) == Some(&b'-') => {
                text.replace('-', "")
            }
            _ => return None,
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = digits.get(0..4)?.parse().ok()?;
        let month: u8 = digits.get(4..6)?.parse().ok()?;
        let day: u8 = digits.get(6..8)?.parse().ok()?;
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
    }
}

/// The CWT's registered claims (RFC 8392) that a verifier needs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CwtMeta {
    /// `iss` (1): who issued the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// `sub` (2): whom it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `exp` (4): Unix seconds from which it is no longer valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// `nbf` (5): Unix seconds before which it is not yet valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
    /// `iat` (6): Unix seconds when it was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<i64>,
    /// `cti` (7): the issuer's id of this credential, which a revocation list names.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "base64_bytes_opt")]
    pub cti: Option<Vec<u8>>,
}

/// Binary data as standard Base64 with padding, the form the conformance suite and other implementations use.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// [`base64_bytes`] for an optional field.
mod base64_bytes_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, serializer: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => super::base64_bytes::serialize(bytes, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<u8>>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super::base64_bytes")] Vec<u8>);
        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(bytes)| bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates_read_both_spellings_and_refuse_non_dates() {
        let with = |text: &str| Identity { date_of_birth: Some(text.into()), ..Identity::default() }.birth_date();
        let expected = time::Date::from_calendar_date(1984, time::Month::January, 18).ok();
        assert_eq!(with("19840118"), expected);
        assert_eq!(with("1984-01-18"), expected);
        for bad in ["19840230", "1984011", "1984/01/18", "ABCD0118", "+1984011"] {
            assert_eq!(with(bad), None, "{bad}");
        }
    }

    #[test]
    fn coded_values_keep_unlisted_codes() {
        assert_eq!(Gender::from_code(2), Gender::Female);
        assert_eq!(Gender::from_code(9), Gender::Unlisted(9));
        assert_eq!(Gender::Unlisted(9).code(), 9);
        assert_eq!(serde_json::to_value(PhotoFormat::Webp).ok(), Some(serde_json::json!(4)));
    }
}
