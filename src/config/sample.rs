//! The sample configuration that `echo_supervisord_conf` prints.
//!
//! Owns the text only. It is Supervisor 4.3.0's `skel/sample.conf` with every original line kept as it was, plus
//! commented lines, in the same style, for the options and sections that file lacks (`config_watch`,
//! `numprocs_start`, `result_handler`, `[fcgi-program:x]`, `[ctlplugin:x]`), so that every option of
//! [`crate::config::options::SECTIONS`] appears with its default.

/// The sample `supervisord.conf`, printed verbatim by `echo_supervisord_conf`.
pub const SAMPLE_CONF: &str = include_str!("sample.conf");
