//! The reconciler: (live desired state, new desired state) to a plan of steps. Pure; no pids, no clock.
//!
//! [`compat`] keeps Supervisor's own group-level comparison for `reloadConfig`.

pub mod compat;
pub mod plan;
