//! supervisorctl: a client of supervisord's XML-RPC interface, byte-compatible with Supervisor 4.3.0's.
//!
//! The pieces: the client-side XML-RPC codec ([`xmlrpc`]), the command line and `[supervisorctl]` section
//! ([`options`]), the texts ([`format`]), the commands ([`controller`]), the HTTP transport ([`transport`]), the
//! terminal ([`terminal`]) and the interactive shell ([`shell`]); [`app`] wires them for the binary.
//!
//! **Architecture Invariant:** this module is a client only. It never uses `crate::engine` or `crate::process`,
//! so it works against any supervisord, Python's included; a test greps for it.

pub mod app;
pub mod controller;
pub mod format;
pub mod options;
pub mod shell;
pub mod terminal;
pub mod transport;
pub mod xmlrpc;
