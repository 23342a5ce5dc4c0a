//! The keyring: the installation's signing keys, private halves sealed at rest under a master key.
//!
//! The master key is 32 random bytes given as `CONGSO_MASTER_KEY` (base64) or kept in a file (by default
//! `master.key` in the data folder, created with mode 0600 at first start). It never enters the database, so a
//! stolen database or backup holds no usable private key. Losing the master key loses the private keys: back it up
//! apart from the database.
//!
//! Each algorithm has at least one active key from the first start. `congso keys rotate` adds a newer one, which
//! signs from then on while older keys keep verifying; `congso keys retire` ends a key.

mod master;

use std::sync::{Arc, RwLock};

use store::Db;
use store::sqlx::{self, Any, Executor, Row};

pub use self::master::MasterKey;
use crate::keys::{Algorithm, KeyError, SigningKey, VerifyingKey};
use crate::ledger::seal::{Key, Sealed};
use crate::ledger::witness::HeadsFile;

/// Why the keyring could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The startup lock could not be taken.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The master key is missing or malformed.
    #[error("master key: {0}")]
    MasterKey(String),
    /// A sealed private key does not open: the master key is not the one it was sealed under, or the row was edited.
    #[error("the private key {0} does not open with this master key")]
    Sealed(String),
    /// A stored key is malformed.
    #[error("stored key {kid}: {source}")]
    Stored {
        /// The key's id.
        kid: String,
        /// What is wrong with it.
        source: KeyError,
    },
    /// No key has this id (or it was retired).
    #[error("no active key {0}")]
    UnknownKey(String),
    /// The key operation could not be written to the audit ledger, so it was not made.
    #[error("ledger: {0}")]
    Ledger(String),
    /// A sealed secret does not open: another master key, another context (it was moved from another row), or the
    /// value was edited.
    #[error("a sealed secret does not open with this master key and context")]
    SealedSecret,
    /// Retiring would leave an algorithm without a key.
    #[error("{0} is the last active {1} key; rotate first")]
    LastKey(String, Algorithm),
}

/// A key's public facts.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// The public key, with its id.
    pub public: VerifyingKey,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it was retired, if it was.
    pub retired_at: Option<i64>,
}

struct KeySet {
    /// Active private keys, newest first.
    signing: Vec<SigningKey>,
    /// Active public keys, newest first.
    public: Vec<KeyInfo>,
}

/// The active keys, loaded from the database; shared by every request.
pub struct Keyring {
    master: MasterKey,
    keys: RwLock<Arc<KeySet>>,
    heads: Option<HeadsFile>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("keys", &self.public_keys().len()).finish()
    }
}

impl Keyring {
    /// Loads the keyring, first creating a key for each algorithm that has none (the first start). The creation
    /// runs under the startup lock, so nodes started together on a fresh database make one set of first keys and
    /// each opens that set.
    pub async fn open(db: &Db, master: MasterKey) -> Result<Keyring, KeyringError> {
        // Once the keys exist (every start but the first), no lock is needed.
        if !missing(&list(db.pool()).await?).is_empty() {
            db.exclusive_startup(|| create_missing(db, &master)).await?;
        }
        let keys = RwLock::new(Arc::new(KeySet { signing: vec![], public: vec![] }));
        let keyring = Keyring { master, keys, heads: None };
        keyring.reload(db).await?;
        Ok(keyring)
    }

    /// The keyring that also appends every tree head it signs to `heads` (see [`crate::ledger::witness`]).
    pub fn with_heads_file(mut self, heads: HeadsFile) -> Keyring {
        self.heads = Some(heads);
        self
    }

    /// Where signed tree heads are witnessed outside the database, if anywhere.
    pub fn heads_file(&self) -> Option<&HeadsFile> {
        self.heads.as_ref()
    }

    /// Reads the keys again, to pick up a rotation made by another process.
    pub async fn reload(&self, db: &Db) -> Result<(), KeyringError> {
        let rows = sqlx::query(
            "SELECT kid, algorithm, public_key, sealed_secret, created_at, retired_at FROM signing_keys \
             WHERE retired_at IS NULL ORDER BY generation DESC",
        )
        .fetch_all(db.pool())
        .await?;
        let mut set = KeySet { signing: vec![], public: vec![] };
        for row in rows {
            let info = info_from_row(&row)?;
            let kid = info.public.kid().to_owned();
            let secret = self.master.open(&kid, &row.try_get::<String, _>("sealed_secret")?)?;
            let key = SigningKey::from_secret_bytes(info.public.algorithm(), &secret)
                .map_err(|source| KeyringError::Stored { kid: kid.clone(), source })?;
            if key.verifying_key() != info.public {
                return Err(KeyringError::Sealed(kid));
            }
            set.signing.push(key);
            set.public.push(info);
        }
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(set);
        Ok(())
    }

    fn snapshot(&self) -> Arc<KeySet> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The newest active key of an algorithm.
    pub fn signer(&self, algorithm: Algorithm) -> Option<SigningKey> {
        self.snapshot().signing.iter().find(|k| k.algorithm() == algorithm).cloned()
    }

    /// An active public key by id.
    pub fn verifier(&self, kid: &str) -> Option<VerifyingKey> {
        self.snapshot().public.iter().find(|k| k.public.kid() == kid).map(|k| k.public.clone())
    }

    /// Every active public key, newest first.
    pub fn public_keys(&self) -> Vec<KeyInfo> {
        self.snapshot().public.clone()
    }

    /// Seals a small secret that must be read back (a TOTP seed, say) for storing in the database, under the master
    /// key like the private keys. `context` names the secret's place, such as its table and row: it is bound to the
    /// ciphertext, so a sealed value copied into another row does not open there. Sealed secrets can never be
    /// confused with sealed private keys, whose associated data is their key id alone.
    pub fn seal_secret(&self, context: &str, secret: &[u8]) -> Result<String, KeyringError> {
        self.master.seal_bound(&secret_aad(context), secret).ok_or(KeyringError::SealedSecret)
    }

    /// Opens what [`Keyring::seal_secret`] sealed with the same `context`.
    pub fn open_secret(&self, context: &str, sealed: &str) -> Result<Vec<u8>, KeyringError> {
        self.master.open_bound(&secret_aad(context), sealed).ok_or(KeyringError::SealedSecret)
    }

    /// The active public keys as a JSON Web Key Set (RFC 7517).
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": self.snapshot().public.iter().map(|k| k.public.to_jwk()).collect::<Vec<_>>() })
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The algorithms that have no active key among `keys`.
fn missing(keys: &[KeyInfo]) -> Vec<Algorithm> {
    Algorithm::ALL
        .into_iter()
        .filter(|&algorithm| !keys.iter().any(|k| k.public.algorithm() == algorithm && k.retired_at.is_none()))
        .collect()
}

/// Creates a key, with its ledger entry, for each algorithm that has none, as read inside the transaction.
async fn create_missing(db: &Db, master: &MasterKey) -> Result<(), KeyringError> {
    let mut tx = db.begin_write().await?;
    for algorithm in missing(&list(&mut *tx).await?) {
        let key = SigningKey::generate(algorithm);
        insert(&mut *tx, master, &key, now()).await?;
        let (kid, event) = (Key::Text(key.kid().to_owned()), key_event("create", key.kid(), algorithm));
        SIGNING_KEYS
            .append(&mut tx, db.backend(), kid, event)
            .await
            .map_err(|e| KeyringError::Ledger(e.to_string()))?;
    }
    tx.commit().await?;
    Ok(())
}

/// The associated data of a sealed secret: a prefix no key id has (they hold no NUL), then the context.
fn secret_aad(context: &str) -> Vec<u8> {
    [b"congso secret\0".as_slice(), context.as_bytes()].concat()
}

fn info_from_row(row: &store::sqlx::any::AnyRow) -> Result<KeyInfo, KeyringError> {
    let kid: String = row.try_get("kid")?;
    let stored = |source| KeyringError::Stored { kid: kid.clone(), source };
    let algorithm: Algorithm = row.try_get::<String, _>("algorithm")?.parse().map_err(stored)?;
    let public_hex: String = row.try_get("public_key")?;
    let bytes = hex::decode(public_hex).map_err(|_| stored(KeyError::InvalidKey(algorithm)))?;
    let public = VerifyingKey::from_bytes(algorithm, &bytes).map_err(stored)?;
    if public.kid() != kid {
        return Err(stored(KeyError::InvalidKey(algorithm)));
    }
    Ok(KeyInfo { public, created_at: row.try_get("created_at")?, retired_at: row.try_get("retired_at")? })
}

async fn insert<'e>(
    db: impl Executor<'e, Database = Any>,
    master: &MasterKey,
    key: &SigningKey,
    now: i64,
) -> Result<(), KeyringError> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, generation, algorithm, public_key, sealed_secret, created_at) \
         SELECT $1, COALESCE(MAX(generation), 0) + 1, $2, $3, $4, $5 FROM signing_keys",
    )
    .bind(key.kid())
    .bind(key.algorithm().as_str())
    .bind(hex::encode(key.verifying_key().to_bytes()))
    .bind(master.seal(key.kid(), &key.secret_bytes())?)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Signing keys are sealed in the ledger: a key slipped into the table, or a retired one brought back, shows in
/// `congso ledger verify`. The sealed secret is covered too, though without the master key nobody can forge one.
pub const SIGNING_KEYS: Sealed = Sealed {
    kind: "signing_key",
    select: "SELECT kid, CAST(generation AS TEXT), algorithm, public_key, sealed_secret, CAST(retired_at AS TEXT) \
             FROM signing_keys",
    by_key: "kid = $1",
};

/// The ledger entry of a key operation.
pub fn key_event(action: &str, kid: &str, algorithm: Algorithm) -> crate::ledger::Event {
    use crate::ledger::{Actor, Event, EventKind};
    Event::new(EventKind::KeyChanged, Actor::system("congso keys"))
        .detail(serde_json::json!({ "change": action, "kid": kid, "algorithm": algorithm.as_str() }))
}

/// Every key ever made, retired ones included, newest first.
pub async fn list<'e>(db: impl Executor<'e, Database = Any>) -> Result<Vec<KeyInfo>, KeyringError> {
    let rows = sqlx::query(
        "SELECT kid, algorithm, public_key, created_at, retired_at FROM signing_keys ORDER BY generation DESC",
    )
    .fetch_all(db)
    .await?;
    rows.iter().map(info_from_row).collect()
}

/// Adds a new key of `algorithm`, which signs from now on. Runs inside the caller's transaction so the key
/// operation and its ledger entry land together.
pub async fn rotate(
    tx: &mut sqlx::Transaction<'static, Any>,
    master: &MasterKey,
    algorithm: Algorithm,
) -> Result<KeyInfo, KeyringError> {
    let key = SigningKey::generate(algorithm);
    let now = now();
    insert(&mut **tx, master, &key, now).await?;
    Ok(KeyInfo { public: key.verifying_key(), created_at: now, retired_at: None })
}

/// Retires a key: it neither signs nor verifies from now on. The last active key of an algorithm cannot be
/// retired, so signing never stops.
pub async fn retire(tx: &mut sqlx::Transaction<'static, Any>, kid: &str) -> Result<KeyInfo, KeyringError> {
    let keys = list(&mut **tx).await?;
    let key = keys
        .iter()
        .find(|k| k.public.kid() == kid && k.retired_at.is_none())
        .ok_or_else(|| KeyringError::UnknownKey(kid.to_owned()))?;
    let algorithm = key.public.algorithm();
    if !keys.iter().any(|k| k.public.kid() != kid && k.public.algorithm() == algorithm && k.retired_at.is_none()) {
        return Err(KeyringError::LastKey(kid.to_owned(), algorithm));
    }
    let now = now();
    sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE kid = $2")
        .bind(now)
        .bind(kid)
        .execute(&mut **tx)
        .await?;
    Ok(KeyInfo { retired_at: Some(now), ..key.clone() })
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sealed_secrets_open_only_in_their_context() {
        let db = store::testing::TestDb::new().await;
        let master = MasterKey::random();
        let keyring = Keyring::open(&db.db, master.clone()).await.unwrap();
        let sealed = keyring.seal_secret("mfa_totp:1", b"seed").unwrap();
        assert_eq!(keyring.open_secret("mfa_totp:1", &sealed).unwrap(), b"seed");
        assert_ne!(keyring.seal_secret("mfa_totp:1", b"seed").unwrap(), sealed, "a fresh nonce every time");
        assert!(matches!(keyring.open_secret("mfa_totp:2", &sealed), Err(KeyringError::SealedSecret)));
        assert!(matches!(keyring.open_secret("mfa_totp:1", "AAAA"), Err(KeyringError::SealedSecret)));
        // A sealed private key is not a sealed secret, and the other way round.
        let key = master.seal("kid-a", b"private").unwrap();
        assert!(keyring.open_secret("kid-a", &key).is_err());
        assert!(master.open("mfa_totp:1", &sealed).is_err());
    }
}
