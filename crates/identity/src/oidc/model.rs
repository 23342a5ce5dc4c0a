//! Clients, scopes and claims.

use crate::oidc::OAuthError;

/// A relying party registered by an operator.
#[derive(Debug, Clone)]
pub struct Client {
    /// The public identifier.
    pub client_id: String,
    /// The name shown on the consent page.
    pub name: String,
    /// The redirect URIs, compared exactly.
    pub redirect_uris: Vec<String>,
    /// How it authenticates at the token endpoint.
    pub auth: ClientAuth,
    /// The salt of its pairwise subjects (secret).
    pub subject_salt: String,
    /// Whether an operator disabled it.
    pub disabled: bool,
}

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// `client_secret_basic`, against the SHA-256 (hex) of the secret.
    SecretBasic {
        /// Hex SHA-256 of the secret.
        secret_hash: String,
    },
    /// `private_key_jwt`, against the keys of its JWK set.
    PrivateKeyJwt {
        /// The registered JWK set (`{"keys": […]}`).
        jwks: serde_json::Value,
    },
}

impl ClientAuth {
    /// The method's registered name.
    pub fn method(&self) -> &'static str {
        match self {
            ClientAuth::SecretBasic { .. } => "client_secret_basic",
            ClientAuth::PrivateKeyJwt { .. } => "private_key_jwt",
        }
    }
}

/// A scope congso understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// `openid`: the subject identifier; required.
    OpenId,
    /// `profile`: the person's name.
    Profile,
    /// `personal_id`: the 12-digit personal ID number. Asked for separately so it is never released by accident.
    PersonalId,
}

impl Scope {
    /// Every scope, as discovery lists them.
    pub const ALL: [Scope; 3] = [Scope::OpenId, Scope::Profile, Scope::PersonalId];

    /// The scope's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OpenId => "openid",
            Scope::Profile => "profile",
            Scope::PersonalId => "personal_id",
        }
    }

    /// The claims it releases.
    pub fn claims(self) -> &'static [&'static str] {
        match self {
            Scope::OpenId => &["sub"],
            Scope::Profile => &["name"],
            Scope::PersonalId => &["personal_id"],
        }
    }

    /// The interface-string key that describes it on the consent page.
    pub fn label_key(self) -> &'static str {
        match self {
            Scope::OpenId => "oidc.scope_openid",
            Scope::Profile => "oidc.scope_profile",
            Scope::PersonalId => "oidc.scope_personal_id",
        }
    }
}

/// The scopes of a request: known, without repeats, always with `openid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Parses a space-separated `scope` parameter.
    pub fn parse(text: &str) -> Result<Scopes, OAuthError> {
        let mut scopes = Vec::new();
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            let scope = Scope::ALL
                .into_iter()
                .find(|s| s.as_str() == word)
                .ok_or(OAuthError::InvalidScope("unknown scope; supported: openid, profile, personal_id"))?;
            scopes.push(scope);
        }
        scopes.sort();
        scopes.dedup();
        if !scopes.contains(&Scope::OpenId) {
            return Err(OAuthError::InvalidScope("the openid scope is required"));
        }
        Ok(Scopes(scopes))
    }

    /// Whether `scope` is among them.
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// Each scope.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let words: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        let s = Scopes::parse("profile openid  openid").unwrap();
        assert_eq!(s.to_string(), "openid profile");
        assert!(!s.contains(Scope::PersonalId));
        assert_eq!(Scopes::parse("profile").unwrap_err().code(), "invalid_scope");
        assert_eq!(Scopes::parse("openid email").unwrap_err().code(), "invalid_scope");
    }
}
