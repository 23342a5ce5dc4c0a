//! The `congso` binary's library half: configuration, the composed application and the commands, kept apart
//! from `main` so tests can start the real server in-process.

web::catalog!();

pub mod app;
pub mod cli;
pub mod config;
mod demo;
pub mod openapi;
mod pages;
pub mod trust_cli;
