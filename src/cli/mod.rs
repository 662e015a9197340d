//! The command line: clap definitions ([`args`]), the entry point ([`app`]), output for
//! people and JSON ([`output`]), exit codes ([`exit`]), and one file per command
//! ([`commands`]).
//!
//! The top layer: it may import every other layer, and it is the only one that prints or
//! sees clap types.

pub mod adding;
pub mod app;
pub mod args;
pub mod commands;
pub mod confirm;
pub mod exit;
pub mod help;
pub mod json;
pub mod output;
pub mod show;

pub use app::main;
pub use args::{Cli, ColorChoice, Command, Targets};
