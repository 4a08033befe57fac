//! One integration-test binary: it runs the real binaries, and the reference (Supervisor 4.3.0 in a venv under
//! `target/`) for differential tests.

mod check_config;
mod config_snapshots;
mod differential_config;
mod harness;
mod http_server;
mod lifecycle;
mod man_and_sample;
mod reference;
mod reload;
mod rpc_api;
