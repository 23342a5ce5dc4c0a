//! The identity tables sealed in the ledger (see [`trust::ledger::seal`]): what decides who may sign in and with
//! which powers. A write of any of them appends its seal in the same transaction; `congso ledger verify` compares
//! every row with it.
//!
//! Not sealed, and why: sessions, pending sign-ins, password-reset links and OIDC codes live minutes to hours and
//! are stored only as hashes of secrets the attacker would also need; a row planted there with SQL is a known gap.

use store::Backend;
use store::sqlx::AnyConnection;
use trust::ledger::seal::{Key, Sealed};
use trust::ledger::{Event, LedgerError};

/// Accounts: who they are, how they sign in (the password hash, the second factor's sealed secret and whether it
/// is on), whether they are disabled, the personal ID number and assurance level, and the e-mail address that
/// password resets go to. Not the display name, nor a TOTP code's last step, which moves at every sign-in.
pub const ACCOUNTS: Sealed = Sealed {
    kind: "account",
    select: "SELECT CAST(a.id AS TEXT), a.username, a.kind, a.password_hash, CAST(a.disabled_at AS TEXT), \
             a.personal_id, CAST(a.assurance_level AS TEXT), a.contact_email, m.secret_sealed, \
             CAST(m.enabled_at AS TEXT) FROM accounts a LEFT JOIN mfa_totp m ON m.account_id = a.id",
    by_key: "a.id = $1",
};

/// Role assignments: a role in an agency over a territory, held by an account. A revoked role's row is deleted,
/// and its seal says so.
pub const ROLE_ASSIGNMENTS: Sealed = Sealed {
    kind: "role_assignment",
    select: "SELECT CAST(id AS TEXT), CAST(account_id AS TEXT), role, agency, territory FROM role_assignments",
    by_key: "id = $1",
};

/// Agencies and the territory each serves, which bounds every role held in it.
pub const AGENCIES: Sealed =
    Sealed { kind: "agency", select: "SELECT code, name, territory FROM agencies", by_key: "code = $1" };

/// API tokens: whose, the hash of the secret, when they expire or were revoked (not when last used).
pub const API_TOKENS: Sealed = Sealed {
    kind: "api_token",
    select: "SELECT CAST(id AS TEXT), CAST(account_id AS TEXT), secret_hash, CAST(expires_at AS TEXT), \
             CAST(revoked_at AS TEXT) FROM api_tokens",
    by_key: "id = $1",
};

/// The systems that sign citizens in with congso: where codes may go, how the client proves itself, and whether
/// it is disabled.
pub const OIDC_CLIENTS: Sealed = Sealed {
    kind: "oidc_client",
    select: "SELECT client_id, redirect_uris, auth_method, secret_hash, jwks, subject_salt, \
             CAST(disabled_at AS TEXT) FROM oidc_clients",
    by_key: "client_id = $1",
};

/// Every sealed identity table, for `congso ledger verify`.
pub const ALL: [Sealed; 6] =
    [ACCOUNTS, ROLE_ASSIGNMENTS, AGENCIES, API_TOKENS, OIDC_CLIENTS, crate::mfa::RECOVERY_CODES_SEAL];

/// Appends `event` with the account's seal.
pub(crate) async fn account(
    tx: &mut AnyConnection,
    backend: Backend,
    account_id: i64,
    event: Event,
) -> Result<u64, LedgerError> {
    ACCOUNTS.append(tx, backend, Key::Int(account_id), event).await
}
