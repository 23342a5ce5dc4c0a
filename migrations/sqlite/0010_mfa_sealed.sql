-- The TOTP secret is now sealed under the installation's master key (ChaCha20-Poly1305, bound to the account), no
-- longer kept as hex, and the column is named for what it holds. SQL cannot seal (the master key never enters the
-- database), so secrets stored in clear are deleted rather than carried over: those accounts lose their second
-- factor and the account page asks them to enrol again; their recovery codes and any sign-in waiting for a code go
-- with it. The demo re-enrols its officials at its next start.
DELETE FROM mfa_pending;
DELETE FROM mfa_recovery_codes;
DELETE FROM mfa_totp;
ALTER TABLE mfa_totp RENAME COLUMN secret_hex TO secret_sealed;
