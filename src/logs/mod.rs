//! Child output logging: the rotating writer with Supervisor's rules ([`rotate`]), log reads for
//! readProcessLog/tail ([`read`]), the capture-mode scanner ([`capture`]) and `strip_ansi` ([`ansi`]).
//!
//! `capture` and `ansi` are pure; `rotate` and `read` are OS adapters (std::fs). This module does not own pipes,
//! syslog, events or the main log: the output path wires these pieces to them.

pub mod ansi;
pub mod auto;
pub mod capture;
pub mod mainlog;
pub mod read;
pub mod rotate;
pub mod syslog;
