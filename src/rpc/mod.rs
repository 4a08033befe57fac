//! XML-RPC: Supervisor's methods over the [`backend::Backend`] boundary. This module owns method dispatch,
//! argument checking, faults and the wire shapes; it knows nothing of how processes run.

pub mod backend;
