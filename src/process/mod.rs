//! Processes: the pure per-process state machine ([`state`]).

pub mod state;
