//! What people type to create or secure an account, parsed once: a [`Username`] and a [`NewPassword`]. Past
//! the parse, a username is well formed and a new password meets the rule; there is no check to forget.

use std::fmt;
use std::str::FromStr;

use crate::service::IdentityError;

/// The fewest characters a new password may have (NIST SP 800-63B asks for at least 8; we ask for a passphrase).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Tên đăng nhập — a sign-in name: 3–64 characters of a–z, 0–9, `.`, `_`, `-`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Username {
    type Err = IdentityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let ok = (3..=64).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok { Ok(Username(text.to_owned())) } else { Err(IdentityError::InvalidUsername) }
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({})", self.0)
    }
}

/// A password someone is setting, which meets the rule: at least [`MIN_PASSWORD_CHARS`] characters. The one place
/// the rule is written. Its `Debug` shows nothing of it, so it cannot reach a log by accident.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    /// A random password of 20 characters for a new account, to be changed by its owner.
    pub fn random() -> NewPassword {
        use base64::Engine;
        NewPassword(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 15]>()))
    }

    /// The password, to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for NewPassword {
    type Err = IdentityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.chars().count() < MIN_PASSWORD_CHARS {
            Err(IdentityError::WeakPassword)
        } else {
            Ok(NewPassword(text.to_owned()))
        }
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn usernames() {
        assert!("admin".parse::<Username>().is_ok());
        assert!("nguyen.van-an_2".parse::<Username>().is_ok());
        assert!("ab".parse::<Username>().is_err());
        assert!("Admin".parse::<Username>().is_err());
        assert!("nguyễn".parse::<Username>().is_err());
        assert!("a".repeat(65).parse::<Username>().is_err());
    }

    #[test]
    fn passwords_count_characters_not_bytes_and_never_show() {
        assert!("mật khẩu dài".parse::<NewPassword>().is_ok(), "12 characters, more bytes");
        assert!("ngắn quá".parse::<NewPassword>().is_err());
        let password: NewPassword = "a long enough password".parse().unwrap();
        assert!(!format!("{password:?}").contains("long"));
    }

    proptest! {
        #[test]
        fn a_parsed_username_prints_as_it_was_typed(text in "[a-z0-9._-]{3,64}") {
            prop_assert_eq!(text.parse::<Username>().unwrap().to_string(), text);
        }

        #[test]
        fn too_short_too_long_or_another_character_is_refused(
            short in "[a-z0-9._-]{0,2}",
            long in "[a-z0-9._-]{65,80}",
            (head, odd, tail) in ("[a-z0-9]{2,10}", "[A-Z À-ỹ/@+]", "[a-z0-9]{0,10}"),
        ) {
            prop_assert!(short.parse::<Username>().is_err());
            prop_assert!(long.parse::<Username>().is_err());
            let name = format!("{head}{odd}{tail}");
            prop_assert!(name.parse::<Username>().is_err());
        }
    }
}
