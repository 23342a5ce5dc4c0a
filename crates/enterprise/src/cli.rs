//! `congso generate enterprises`.

use clap::Subcommand;
use store::Db;

/// `congso generate …` for the enterprise registry.
#[derive(Debug, Subcommand)]
pub enum Generate {
    /// Realistic synthetic enterprises, their representatives and members drawn from the population registry.
    Enterprises {
        /// How many enterprises.
        #[arg(long, default_value_t = 1_000)]
        count: u64,
        /// The random seed: the same seed and population give the same enterprises.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

impl Generate {
    /// Runs the command.
    pub async fn run(self, db: &Db) -> anyhow::Result<()> {
        match self {
            Generate::Enterprises { count, seed } => {
                let made = crate::synthetic::generate_into(db, count, seed).await?;
                println!("{made} enterprises registered");
                Ok(())
            }
        }
    }
}
