//! Processes: the pure per-process state machine ([`state`]), the status description getProcessInfo shows
//! ([`describe`]), and starting a child the way Supervisor does ([`spawn`], an OS adapter).

pub mod describe;
pub mod spawn;
pub mod state;
