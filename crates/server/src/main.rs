//! `congso`: one binary for the whole platform. See `congso --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = congso::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, the whole cause chain, no backtrace: operators read this.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
