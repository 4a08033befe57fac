//! Child output logging: the rotating writer with Supervisor's rules ([`rotate`]).

pub mod rotate;
