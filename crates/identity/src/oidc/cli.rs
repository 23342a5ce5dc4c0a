//! `congso oidc-client …`: operators register the systems that sign citizens in with congso.

use anyhow::{Context, bail};
use clap::Subcommand;
use store::Db;

use super::service;

/// `congso oidc-client …`
#[derive(Debug, Subcommand)]
pub enum OidcClient {
    /// Register a client. With --jwks-file it authenticates with private_key_jwt (ES256 or EdDSA keys); without,
    /// a secret for client_secret_basic is generated and printed once.
    Add {
        /// The name people see on the consent page.
        #[arg(long)]
        name: String,
        /// A redirect URI (repeat for more): https, http on a loopback address, or an app's private scheme.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// A file holding the client's public JWK set (`{"keys": [...]}`).
        #[arg(long)]
        jwks_file: Option<std::path::PathBuf>,
    },
    /// List the clients (never their secrets).
    List,
    /// Disable a client: its codes and tokens stop working.
    Disable {
        /// The client_id.
        client_id: String,
    },
}

impl OidcClient {
    /// Runs the command.
    pub async fn run(self, db: &Db) -> anyhow::Result<()> {
        match self {
            OidcClient::Add { name, redirect_uris, jwks_file } => {
                let jwks = match jwks_file {
                    Some(path) => {
                        let text = std::fs::read_to_string(&path)
                            .with_context(|| format!("cannot read {}", path.display()))?;
                        Some(serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?)
                    }
                    None => None,
                };
                let registered = service::register_client(db, &name, redirect_uris, jwks).await?;
                println!("client_id: {}", registered.client_id);
                match registered.secret {
                    Some(secret) => {
                        eprintln!("client_secret_basic; the secret is shown only this once:");
                        println!("client_secret: {secret}");
                    }
                    None => println!("authenticates with private_key_jwt"),
                }
                Ok(())
            }
            OidcClient::List => {
                for c in service::clients(db).await? {
                    let state = if c.disabled { "disabled" } else { "active" };
                    println!(
                        "{}  {:<20}  {:<8}  {}  {}",
                        c.client_id,
                        c.auth.method(),
                        state,
                        c.name,
                        c.redirect_uris.join(" ")
                    );
                }
                Ok(())
            }
            OidcClient::Disable { client_id } => {
                if !service::disable_client(db, &client_id).await? {
                    bail!("no active client has id {client_id}");
                }
                println!("client {client_id} disabled");
                Ok(())
            }
        }
    }
}
