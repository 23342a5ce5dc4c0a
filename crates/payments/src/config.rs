//! The payments' settings, in the same layers as the server's own: built-in defaults (the sandbox bank and one
//! demo account), then a TOML file named by `CONGSO_PAYMENTS_CONFIG`, then `CONGSO_PAYMENTS_SANDBOX_SECRET`.
//!
//! ```toml
//! # The account every agency without its own is paid into.
//! [default_account]
//! bin = "970403"
//! account = "0011002345678"
//! name = "KHO BAC NHA NUOC"
//!
//! [accounts."UBND.00070"]
//! bin = "970415"
//! account = "113000006100"
//! name = "UBND PHUONG HOAN KIEM"
//!
//! # Each bank or gateway that calls back, by the name in its callback's path.
//! [[providers]]
//! name = "sandbox"
//! secret = "…"           # the shared HMAC key (at least 32 characters)
//! window_seconds = 300   # how old a callback's timestamp may be
//! refund_url = "http://127.0.0.1:8090/refunds"   # where refunds are asked (none: this bank takes none)
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use kernel::AgencyCode;
use serde::Deserialize;

use crate::vietqr::{AccountNumber, BankBin, Text};

/// The sandbox's secret when none is configured: published in this source, so good for the demo and tests
/// only. `congso serve` warns at start while it is in use ([`PaymentsConfig::check_for_production`]).
pub const DEMO_SECRET: &str = "congso-sandbox-bank-demo-secret-not-for-production";

/// Where an agency's money goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beneficiary {
    /// The bank.
    pub bin: BankBin,
    /// The account.
    pub account: AccountNumber,
    /// The account holder's name, as the bank shows it (ASCII, upper case by custom).
    pub name: Text,
}

/// A bank or gateway that calls back.
#[derive(Clone)]
pub struct ProviderConfig {
    /// Its name in the callback's path.
    pub name: String,
    /// The shared HMAC key.
    pub secret: String,
    /// How many seconds a callback's timestamp may be from now, either way.
    pub window_seconds: i64,
    /// Where the bank takes refund requests, if it takes them.
    pub refund_url: Option<String>,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("window_seconds", &self.window_seconds)
            .field("refund_url", &self.refund_url)
            .finish()
    }
}

/// The payments' settings.
#[derive(Debug, Clone)]
pub struct PaymentsConfig {
    /// Each agency's own account.
    pub accounts: BTreeMap<AgencyCode, Beneficiary>,
    /// The account of agencies without one.
    pub default_account: Beneficiary,
    /// The providers whose callbacks are accepted.
    pub providers: Vec<ProviderConfig>,
}

/// A setting that could not be read: the key and the problem.
#[derive(Debug, thiserror::Error)]
#[error("payments configuration {key}: {problem}")]
pub struct PaymentsConfigError {
    /// The file, key or variable.
    pub key: String,
    /// What is wrong.
    pub problem: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAccount {
    bin: String,
    account: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProvider {
    name: String,
    secret: String,
    window_seconds: Option<i64>,
    refund_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    default_account: Option<FileAccount>,
    #[serde(default)]
    accounts: BTreeMap<String, FileAccount>,
    providers: Option<Vec<FileProvider>>,
}

fn error(key: &str, problem: impl std::fmt::Display) -> PaymentsConfigError {
    PaymentsConfigError { key: key.to_owned(), problem: problem.to_string() }
}

fn account(key: &str, a: &FileAccount) -> Result<Beneficiary, PaymentsConfigError> {
    Ok(Beneficiary {
        bin: BankBin::parse(&a.bin).map_err(|e| error(key, e))?,
        account: AccountNumber::parse(&a.account).map_err(|e| error(key, e))?,
        name: Text::parse("59", &a.name, 25).map_err(|e| error(key, e))?,
    })
}

fn provider(
    name: &str,
    secret: &str,
    window: Option<i64>,
    refund_url: Option<String>,
) -> Result<ProviderConfig, PaymentsConfigError> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(error("providers.name", format!("{name:?} is not lower-case letters, digits and -")));
    }
    if secret.len() < 32 {
        return Err(error(&format!("providers.{name}.secret"), "is shorter than 32 characters"));
    }
    let window_seconds = window.unwrap_or(300);
    if !(10..=3600).contains(&window_seconds) {
        return Err(error(&format!("providers.{name}.window_seconds"), "is not 10 to 3600"));
    }
    if let Some(url) = &refund_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(error(&format!("providers.{name}.refund_url"), "is not an http(s) address"));
    }
    Ok(ProviderConfig { name: name.to_owned(), secret: secret.to_owned(), window_seconds, refund_url })
}

/// Where the sandbox bank takes refunds by default: `congso sandbox-bank`'s default address, which is also the
/// demo's (ten ports above congso's 8080).
pub const SANDBOX_REFUND_URL: &str = "http://127.0.0.1:8090/refunds";

impl PaymentsConfig {
    /// The demo's: the sandbox bank with [`DEMO_SECRET`], and one account for every agency.
    pub fn demo() -> PaymentsConfig {
        PaymentsConfig {
            accounts: BTreeMap::new(),
            default_account: Beneficiary {
                bin: BankBin::parse("970403").unwrap_or_else(|_| unreachable!("a fixed BIN")),
                account: AccountNumber::parse("0011002345678").unwrap_or_else(|_| unreachable!("a fixed account")),
                name: Text::parse("59", "KHO BAC NHA NUOC", 25).unwrap_or_else(|_| unreachable!("a fixed name")),
            },
            providers: vec![ProviderConfig {
                name: "sandbox".into(),
                secret: DEMO_SECRET.into(),
                window_seconds: 300,
                refund_url: Some(SANDBOX_REFUND_URL.into()),
            }],
        }
    }

    /// Settings that accept no bank's callbacks: what the server falls back to when the configuration cannot be
    /// read (the start reports why), so that a broken file never leaves the demo secret accepted.
    pub fn refusing() -> PaymentsConfig {
        PaymentsConfig { providers: Vec::new(), ..PaymentsConfig::demo() }
    }

    /// The settings from every layer; `env` is the process environment (a parameter, so tests can set it).
    pub fn load(env: &dyn Fn(&str) -> Option<String>) -> Result<PaymentsConfig, PaymentsConfigError> {
        let mut config = PaymentsConfig::demo();
        if let Some(path) = env("CONGSO_PAYMENTS_CONFIG") {
            config.apply_file(Path::new(&path))?;
        }
        if let Some(secret) = env("CONGSO_PAYMENTS_SANDBOX_SECRET") {
            let before = config.providers.iter().find(|p| p.name == "sandbox");
            let (window, refund_url) = (before.map(|p| p.window_seconds), before.and_then(|p| p.refund_url.clone()));
            let sandbox = provider("sandbox", &secret, window, refund_url)?;
            config.providers.retain(|p| p.name != "sandbox");
            config.providers.push(sandbox);
        }
        if let Some(url) = env("CONGSO_PAYMENTS_SANDBOX_URL") {
            let refund_url = format!("{}/refunds", url.trim_end_matches('/'));
            if let Some(sandbox) = config.providers.iter_mut().find(|p| p.name == "sandbox") {
                let checked = provider("sandbox", &sandbox.secret, Some(sandbox.window_seconds), Some(refund_url))?;
                *sandbox = checked;
            }
        }
        Ok(config)
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), PaymentsConfigError> {
        let key = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| error(&key, e))?;
        let file: FileConfig = toml::from_str(&text).map_err(|e| error(&key, e.message()))?;
        if let Some(a) = &file.default_account {
            self.default_account = account("default_account", a)?;
        }
        for (agency, a) in &file.accounts {
            let code: AgencyCode = agency.parse().map_err(|e| error(&format!("accounts.{agency}"), e))?;
            self.accounts.insert(code, account(&format!("accounts.{agency}"), a)?);
        }
        if let Some(providers) = &file.providers {
            self.providers = providers
                .iter()
                .map(|p| provider(&p.name, &p.secret, p.window_seconds, p.refund_url.clone()))
                .collect::<Result<_, _>>()?;
        }
        Ok(())
    }

    /// The account `agency` is paid into.
    pub fn account_of(&self, agency: &AgencyCode) -> &Beneficiary {
        self.accounts.get(agency).unwrap_or(&self.default_account)
    }

    /// Refuses a configuration whose sandbox provider still holds the published demo secret: anyone could sign
    /// a callback with it and mark bills paid.
    pub fn check_for_production(&self) -> Result<(), PaymentsConfigError> {
        match self.providers.iter().find(|p| p.secret == DEMO_SECRET) {
            Some(p) => Err(error(
                &format!("providers.{}.secret", p.name),
                "is the published demo secret: set CONGSO_PAYMENTS_SANDBOX_SECRET or CONGSO_PAYMENTS_CONFIG",
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_names_accounts_per_agency_and_the_environment_replaces_the_sandbox_secret() {
        let dir = std::env::temp_dir().join(format!("congso-payments-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("payments.toml");
        std::fs::write(
            &file,
            "[accounts.\"UBND.00070\"]\nbin = \"970415\"\naccount = \"113000006100\"\nname = \"UBND HOAN KIEM\"\n",
        )
        .unwrap();
        let path = file.display().to_string();
        let env = |k: &str| match k {
            "CONGSO_PAYMENTS_CONFIG" => Some(path.clone()),
            "CONGSO_PAYMENTS_SANDBOX_SECRET" => Some("s".repeat(40)),
            _ => None,
        };
        let config = PaymentsConfig::load(&env).unwrap();
        let hoan_kiem: AgencyCode = "UBND.00070".parse().unwrap();
        assert_eq!(config.account_of(&hoan_kiem).bin.as_str(), "970415");
        assert_eq!(config.account_of(&"BCA".parse().unwrap()).bin.as_str(), "970403");
        assert!(config.check_for_production().is_ok());
        assert!(PaymentsConfig::demo().check_for_production().is_err());
        let short = |k: &str| (k == "CONGSO_PAYMENTS_SANDBOX_SECRET").then(|| "short".to_owned());
        assert!(PaymentsConfig::load(&short).unwrap_err().key.contains("secret"));
    }
}
