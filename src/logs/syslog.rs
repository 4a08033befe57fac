//! syslog output (an OS adapter): the main log with `logfile=syslog`, and child channels with `*_syslog=true`.
//! Like Supervisor's `SyslogHandler`, a message is sent one line at a time (trailing newlines dropped), at
//! LOG_INFO in the LOG_USER facility.

use nix::syslog::{Facility, Priority, Severity};

/// The lines one message is sent as: trailing newlines stripped, then split on `\n`.
pub fn syslog_lines(message: &str) -> impl Iterator<Item = &str> {
    message.trim_end_matches('\n').split('\n')
}

/// Sends each line of `message`, formatted by `format_line`.
pub fn send(message: &str, format_line: impl Fn(&str) -> String) {
    let priority = Priority::new(Severity::LOG_INFO, Facility::LOG_USER);
    for line in syslog_lines(message) {
        // A message with a NUL byte cannot be passed to syslog(3); nothing better can be done with it.
        let _ = nix::syslog::syslog(priority, format_line(line).as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::syslog_lines;

    #[test]
    fn messages_are_split_as_supervisor_splits_them() {
        let cases: [(&str, &[&str]); 5] = [
            ("one\n", &["one"]),
            ("one\ntwo\n\n", &["one", "two"]),
            ("partial", &["partial"]),
            ("a\n\nb", &["a", "", "b"]),
            ("", &[""]),
        ];
        for (message, expected) in cases {
            assert_eq!(
                syslog_lines(message).collect::<Vec<_>>(),
                expected,
                "{message:?}"
            );
        }
    }
}
