//! Configuration: `supervisord.conf` text to [`DesiredState`].
//!
//! Pure, except [`load`], which reads the files and expands `[include]` globs. The pieces: the INI dialect reader
//! ([`ini`]), Python `%`-formatting ([`expand`]), the shlex port for `command=` and `environment=` ([`shlex`]),
//! Supervisor's value types ([`datatypes`]), the section parser ([`parse`]) and the canonical rendering of a
//! process's effective settings ([`render`]); supervisord's command line ([`cmdline`], [`overrides`]).

pub mod cmdline;
pub mod datatypes;
pub mod expand;
pub mod host;
pub mod ini;
pub mod load;
pub mod options;
pub mod overrides;
pub mod parse;
pub mod pyrepr;
pub mod render;
pub mod sample;
pub mod shlex;
pub mod spec;
#[cfg(test)]
pub mod testing;

pub use parse::{Diagnostic, Loaded};
pub use spec::*;
