//! Live API tokens remembered for a few seconds, so that a script's every request does not cost a query before
//! its real work: authenticating was one of the two queries of every audited lookup.
//!
//! Nothing here may let a token do what the database no longer allows for longer than [`TTL`]. On this node, every
//! change that can end or change what a token does (a token issued or revoked, an account disabled or its
//! password reset, a role granted or withdrawn, an agency's territory…) calls [`forget_all`] once committed; on the
//! other nodes of a cluster the change takes effect within [`TTL`]. A lookup notes the generation before it reads
//! the database and keeps its answer only if no change was committed meanwhile, so a read that raced a change is
//! never remembered.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::model::Principal;

/// How long a token's principal is trusted without asking the database again.
pub const TTL: Duration = Duration::from_secs(5);

/// Tokens remembered at most; one per calling system is typical, so this is generous.
const CAPACITY: u64 = 10_000;

static CACHE: LazyLock<mini_moka::sync::Cache<String, (Principal, i64)>> =
    LazyLock::new(|| mini_moka::sync::Cache::builder().max_capacity(CAPACITY).time_to_live(TTL).build());

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The count of committed identity changes so far, to pass to [`remember`].
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::SeqCst)
}

/// The principal of the token whose secret hashes to `hash`, if remembered and not expired at `now`.
pub(crate) fn get(hash: &str, now: i64) -> Option<Principal> {
    CACHE.get(&hash.to_owned()).filter(|(_, expires_at)| now < *expires_at).map(|(principal, _)| principal)
}

/// Remembers a token read from the database when the generation was `seen`, unless a change came since.
pub(crate) fn remember(hash: String, principal: Principal, expires_at: i64, seen: u64) {
    CACHE.insert(hash.clone(), (principal, expires_at));
    if generation() != seen {
        CACHE.invalidate(&hash);
    }
}

/// Forgets every token: to be called after committing any change to accounts, roles, agencies or tokens.
pub fn forget_all() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    CACHE.invalidate_all();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AuthMethod;

    fn someone() -> Principal {
        Principal {
            account_id: 1,
            username: "canbo".into(),
            display_name: "Cán bộ".into(),
            kind: crate::AccountKind::Official,
            roles: vec![],
            method: AuthMethod::Token,
            personal_id: None,
            assurance_level: crate::assurance::AssuranceLevel::One,
            mfa_enabled: false,
        }
    }

    /// The cache is the process's: tests that forget everything must not run beside those that remember.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn a_token_is_remembered_until_it_expires_or_anything_changes() {
        let _serial = SERIAL.lock().unwrap();
        let seen = generation();
        remember("a".repeat(64), someone(), 1_000, seen);
        assert!(get(&"a".repeat(64), 999).is_some());
        assert!(get(&"a".repeat(64), 1_000).is_none(), "not at or after the token's expiry");
        forget_all();
        assert!(get(&"a".repeat(64), 999).is_none());
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_remembered() {
        let _serial = SERIAL.lock().unwrap();
        let seen = generation();
        forget_all();
        remember("b".repeat(64), someone(), 1_000, seen);
        assert!(get(&"b".repeat(64), 999).is_none());
    }
}
