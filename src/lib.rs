//! supervisor-rs: a drop-in replacement for Supervisor, built as a declarative reconciler.
//!
//! See ARCHITECTURE.md for the map. The pure core (`config` except `config::load`, `reconcile`,
//! `process::state`) does no IO and reads no clock.

pub mod config;
pub mod ctl;
pub mod daemon;
pub mod engine;
pub mod events;
pub mod http;
pub mod logs;
pub mod process;
pub mod reconcile;
pub mod rpc;
pub mod watch;
pub mod web;
