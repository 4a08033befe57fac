//! Processes: the pure per-process state machine ([`state`]) and the status description getProcessInfo shows
//! ([`describe`]).

pub mod describe;
pub mod state;
