//! The master key: 32 bytes that seal the private keys (and other secrets) at rest, never stored in the database.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use rand::RngCore;
use rand::rngs::OsRng;

use super::KeyringError;

/// The key that seals private keys at rest.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    /// A master key from 32 bytes in standard base64, as `CONGSO_MASTER_KEY` holds it.
    pub fn from_base64(text: &str) -> Result<MasterKey, KeyringError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| KeyringError::MasterKey("not base64".into()))?;
        let key: [u8; 32] =
            bytes.try_into().map_err(|_| KeyringError::MasterKey("must be 32 bytes (44 base64 characters)".into()))?;
        Ok(MasterKey(key))
    }

    /// The master key kept in `path`, created there (readable by the owner only) if the file does not exist.
    /// Returns whether it was created, so the caller can tell the operator to back it up.
    ///
    /// Processes starting together may all find no file: each writes its own key to a file of its own and links it
    /// into place, which only one can do; the others read the winner's. No process ever reads a half-written key.
    pub fn load_or_create(path: &Path) -> Result<(MasterKey, bool), KeyringError> {
        let fail = |e: std::io::Error| KeyringError::MasterKey(format!("{}: {e}", path.display()));
        match std::fs::read_to_string(path) {
            Ok(text) => Ok((MasterKey::from_base64(&text)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = MasterKey::random();
                let mut draft = path.as_os_str().to_owned();
                draft.push(format!(".{:016x}.new", OsRng.next_u64()));
                let draft = std::path::PathBuf::from(draft);
                let written = store::private::file_options()
                    .create_new(true)
                    .open(&draft)
                    .and_then(|mut file| {
                        std::io::Write::write_all(&mut file, format!("{}\n", STANDARD.encode(key.0)).as_bytes())?;
                        file.sync_all()
                    })
                    .and_then(|()| std::fs::hard_link(&draft, path));
                let _ = std::fs::remove_file(&draft);
                match written {
                    Ok(()) => Ok((key, true)),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        let text = std::fs::read_to_string(path).map_err(fail)?;
                        Ok((MasterKey::from_base64(&text)?, false))
                    }
                    Err(e) => Err(fail(e)),
                }
            }
            Err(e) => Err(fail(e)),
        }
    }

    /// A random master key, for tests and throwaway installations.
    pub fn random() -> MasterKey {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        MasterKey(key)
    }

    /// Encrypts `secret`, bound to `kid` so a sealed secret cannot be moved to another key's row.
    pub(super) fn seal(&self, kid: &str, secret: &[u8]) -> Result<String, KeyringError> {
        self.seal_bound(kid.as_bytes(), secret).ok_or_else(|| KeyringError::Sealed(kid.to_owned()))
    }

    pub(super) fn open(&self, kid: &str, sealed: &str) -> Result<Vec<u8>, KeyringError> {
        self.open_bound(kid.as_bytes(), sealed).ok_or_else(|| KeyringError::Sealed(kid.to_owned()))
    }

    /// The one sealing: ChaCha20-Poly1305 under the master key with a random nonce, `aad` bound as associated data;
    /// base64 of nonce then ciphertext.
    pub(super) fn seal_bound(&self, aad: &[u8], secret: &[u8]) -> Option<String> {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let sealed = ChaCha20Poly1305::new((&self.0).into())
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: secret, aad })
            .ok()?;
        Some(STANDARD.encode([nonce.as_slice(), &sealed].concat()))
    }

    pub(super) fn open_bound(&self, aad: &[u8], sealed: &str) -> Option<Vec<u8>> {
        let bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(12);
        ChaCha20Poly1305::new((&self.0).into()).decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad }).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_master_key_and_kid() {
        let master = MasterKey::random();
        let sealed = master.seal("kid-a", b"secret").unwrap();
        assert_eq!(master.open("kid-a", &sealed).unwrap(), b"secret");
        assert!(matches!(master.open("kid-b", &sealed), Err(KeyringError::Sealed(_))));
        assert!(matches!(MasterKey::random().open("kid-a", &sealed), Err(KeyringError::Sealed(_))));
        assert!(matches!(master.open("kid-a", "AAAA"), Err(KeyringError::Sealed(_))));
    }

    #[test]
    fn master_keys_must_be_32_bytes_of_base64() {
        assert!(MasterKey::from_base64(&STANDARD.encode([7u8; 32])).is_ok());
        assert!(MasterKey::from_base64(&STANDARD.encode([7u8; 31])).is_err());
        assert!(MasterKey::from_base64("not base64!").is_err());
        assert_eq!(format!("{:?}", MasterKey::random()), "MasterKey(…)");
    }

    #[test]
    fn a_master_key_file_is_created_once_and_read_after() {
        let dir = std::env::temp_dir().join(format!("congso-master-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("master.key");
        let (first, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(created);
        let (second, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(first.0, second.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn processes_creating_the_master_key_at_once_agree_on_one() {
        let dir = std::env::temp_dir().join(format!("congso-master-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("master.key");
        let start = std::sync::Arc::new(std::sync::Barrier::new(8));
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    MasterKey::load_or_create(&path).unwrap()
                })
            })
            .collect();
        let keys: Vec<(MasterKey, bool)> = racers.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(keys.iter().filter(|(_, created)| *created).count(), 1);
        assert!(keys.iter().all(|(key, _)| key.0 == keys[0].0.0));
        // Only the key is left: no draft of a loser.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
