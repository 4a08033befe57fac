//! One integration-test binary: it runs the real binaries, and the reference (Supervisor 4.3.0 in a venv under
//! `target/`) for differential tests.

mod browser;
mod check_config;
mod config_snapshots;
mod ctl;
mod differential_config;
mod events;
mod harness;
mod http_server;
mod lifecycle;
mod lifecycle_diff;
mod man_and_sample;
mod metrics;
mod reference;
mod reload;
mod rpc_api;
mod web_ui;
