//! `congso admin …`: the operator's accounts and API tokens.

use std::io::BufRead;

use anyhow::bail;
use clap::Subcommand;
use serde_json::json;
use store::Db;
use trust::ledger::{Actor, Event, EventKind};

use crate::input::{NewPassword, Username};
use crate::model::RoleAssignment;
use crate::service::{self, NewAccount};
use crate::{AccountKind, Role, Territory};

/// `congso admin …`
#[derive(Debug, Subcommand)]
pub enum Admin {
    /// Create an account: an operator (administrator of the nation), or with --role an official holding that
    /// role over --territory. The password is read from standard input (one line) with --password-stdin, or
    /// generated and printed once.
    Create {
        /// Sign-in name: lower-case letters, digits, '.', '_', '-'.
        #[arg(long)]
        username: String,
        /// The name shown in the interface.
        #[arg(long)]
        display_name: String,
        /// An official's role: registry_clerk.
        #[arg(long)]
        role: Option<String>,
        /// Where the role reaches: VN, a province (01) or a commune (00070).
        #[arg(long, default_value = "VN")]
        territory: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Issue an API token for an account; the token is printed once and stored only as a hash.
    Token {
        /// The account's username.
        #[arg(long)]
        account: String,
        /// Days until the token expires.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires: u32,
    },
    /// List an account's API tokens (never their secrets).
    Tokens {
        /// The account's username.
        #[arg(long)]
        account: String,
    },
    /// Revoke an API token by its id.
    RevokeToken {
        /// The token's id, as `admin tokens` lists it.
        id: i64,
    },
    /// Disable an account and end all its sessions.
    Disable {
        /// The account's username.
        #[arg(long)]
        account: String,
    },
}

impl Admin {
    /// Runs the command.
    pub async fn run(self, db: &Db) -> anyhow::Result<()> {
        match self {
            Admin::Create { username, display_name, role, territory, password_stdin } => {
                let territory: Territory = territory.parse().map_err(|e| anyhow::anyhow!("--territory: {e}"))?;
                let (kind, role) = match role.as_deref() {
                    None => (AccountKind::Operator, Role::Administrator),
                    Some(r) => (AccountKind::Official, r.parse::<Role>().map_err(|e| anyhow::anyhow!("--role: {e}"))?),
                };
                let username: Username = username.parse().map_err(|e| anyhow::anyhow!("--username: {e}"))?;
                let (password, generated) = if password_stdin {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    let line = line.trim_end_matches(['\r', '\n']);
                    (line.parse::<NewPassword>().map_err(|e| anyhow::anyhow!("the password: {e}"))?, false)
                } else {
                    (NewPassword::random(), true)
                };
                let roles = vec![RoleAssignment { role, agency: None, territory }];
                let new =
                    NewAccount { username: username.clone(), display_name, kind, password: password.clone(), roles };
                // The operator has the database itself: the role is held at once, and the ledger says who gave it.
                crate::officials::service::create_by_operator(db, new, "congso admin").await?;
                println!("created {} account {username}: {} over {territory}", kind.as_str(), role.as_str());
                if generated {
                    println!("password (shown once): {}", password.expose());
                }
                Ok(())
            }
            Admin::Token { account, expires } => {
                let (id, token) = service::create_token(db, &account, expires).await?;
                eprintln!("token {id} for {account}, expires in {expires} days; it is shown only this once:");
                println!("{token}");
                Ok(())
            }
            Admin::Tokens { account } => {
                for t in service::tokens_of(db, &account).await? {
                    let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                    println!("{:>6}  created {}  expires {}  {state}", t.id, date(t.created_at), date(t.expires_at));
                }
                Ok(())
            }
            Admin::RevokeToken { id } => {
                if !service::revoke_token(db, id).await? {
                    bail!("no live token has id {id}");
                }
                println!("token {id} revoked");
                Ok(())
            }
            Admin::Disable { account } => {
                let event = account_changed("account_disabled", &account, json!({}));
                service::disable_account(db, &account, event).await?;
                println!("account {account} disabled and signed out everywhere");
                Ok(())
            }
        }
    }
}

/// A change to an account made from the command line, for the ledger.
fn account_changed(change: &str, username: &str, mut detail: serde_json::Value) -> Event {
    detail["change"] = change.into();
    detail["account"] = username.into();
    Event::new(EventKind::AccountChanged, Actor::system("congso admin")).detail(detail)
}

fn date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix).map_or_else(|_| unix.to_string(), |t| t.date().to_string())
}
