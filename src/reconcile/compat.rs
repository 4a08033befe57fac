//! Supervisor's own idea of "changed" (spec 11.1-11.2), kept for `reloadConfig`: groups compared by name, a group
//! changed when any compared field of any member differs. `ProcessConfig.__eq__` compares a fixed list of fields
//! and skips a field when either side is AUTO; numprocs and process_name count only through the resulting names;
//! where a line sits in a file does not count at all.

use crate::config::{ChannelSpec, DesiredState, GroupKind, GroupSpec, LogFile, ProcessSpec};

/// `reloadConfig`'s answer: (added, changed, removed) group names, each sorted.
pub fn reread_diff(
    live: &DesiredState,
    next: &DesiredState,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let added = next
        .groups
        .keys()
        .filter(|name| !live.groups.contains_key(*name))
        .cloned()
        .collect();
    let removed = live
        .groups
        .keys()
        .filter(|name| !next.groups.contains_key(*name))
        .cloned()
        .collect();
    let changed = next
        .groups
        .iter()
        .filter(|(name, group)| {
            live.groups
                .get(*name)
                .is_some_and(|old| !groups_equal(old, group))
        })
        .map(|(name, _)| name.clone())
        .collect();
    (added, changed, removed)
}

/// `ProcessGroupConfig.__eq__` and its subclasses', live group `old` against newly read `new`.
pub fn groups_equal(old: &GroupSpec, new: &GroupSpec) -> bool {
    let kinds_equal = match (&old.kind, &new.kind) {
        (GroupKind::EventListenerPool(a), GroupKind::EventListenerPool(b)) => {
            // Supervisor builds the event list from a set, so its order never counts.
            let mut events_a = a.events.clone();
            let mut events_b = b.events.clone();
            events_a.sort();
            events_b.sort();
            a.buffer_size == b.buffer_size
                && events_a == events_b
                && a.result_handler == b.result_handler
        }
        (GroupKind::FastCgi(a), GroupKind::FastCgi(b)) => a.socket == b.socket,
        (GroupKind::EventListenerPool(_), _) | (_, GroupKind::EventListenerPool(_)) => false,
        // A plain group compares equal to a FastCGI one (a quirk of the subclass checks) and to a [group:x].
        _ => true,
    };
    kinds_equal
        && old.name == new.name
        && old.priority == new.priority
        && old.processes.len() == new.processes.len()
        && old
            .processes
            .iter()
            .zip(&new.processes)
            .all(|(a, b)| processes_equal(a, b))
}

/// `ProcessConfig.__eq__`, live process `a` against newly read `b`.
pub fn processes_equal(a: &ProcessSpec, b: &ProcessSpec) -> bool {
    a.name == b.name
        && a.user.as_ref().map(|user| user.uid) == b.user.as_ref().map(|user| user.uid)
        && a.command == b.command
        && a.directory == b.directory
        && a.umask == b.umask
        && a.priority == b.priority
        && a.autostart == b.autostart
        && a.autorestart == b.autorestart
        && a.startsecs == b.startsecs
        && a.startretries == b.startretries
        && channels_equal(&a.stdout, &b.stdout)
        && channels_equal(&a.stderr, &b.stderr)
        && a.stopsignal == b.stopsignal
        && a.stopwaitsecs == b.stopwaitsecs
        && a.stopasgroup == b.stopasgroup
        && a.killasgroup == b.killasgroup
        && a.exitcodes == b.exitcodes
        && a.redirect_stderr == b.redirect_stderr
        && a.environment == b.environment
        && a.serverurl == b.serverurl
}

/// `a` is the live side, `b` the newly read one.
fn channels_equal(a: &ChannelSpec, b: &ChannelSpec) -> bool {
    // Supervisor skips a field that is AUTO on either side, but the live side's AUTO was already replaced by the
    // generated file name: so a switch from AUTO to a path is a change, and one from a path to AUTO goes unnoticed.
    let logfiles_equal =
        b.logfile == LogFile::Auto || (a.logfile != LogFile::Auto && a.logfile == b.logfile);
    logfiles_equal
        && a.logfile_maxbytes == b.logfile_maxbytes
        && a.logfile_backups == b.logfile_backups
        && a.capture_maxbytes == b.capture_maxbytes
        && a.events_enabled == b.events_enabled
        && a.syslog == b.syslog
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::parse_files;

    fn desired(text: &'static str) -> DesiredState {
        parse_files(&[("/tmp/supervisord.conf", text)])
            .expect("valid config")
            .desired
    }

    const BASE: &str =
        "[supervisord]\n[program:a]\ncommand=/bin/cat\n[program:b]\ncommand=/bin/cat\n";

    fn check(old: &'static str, new: &'static str, expected: (&[&str], &[&str], &[&str])) {
        let (added, changed, removed) = reread_diff(&desired(old), &desired(new));
        let owned = |names: &[&str]| {
            names
                .iter()
                .map(|name| name.to_string())
                .collect::<Vec<_>>()
        };
        let expected = (owned(expected.0), owned(expected.1), owned(expected.2));
        assert_eq!(
            (added, changed, removed),
            expected,
            "old:\n{old}\nnew:\n{new}"
        );
    }

    #[test]
    fn supervisors_reread_rules() {
        check(BASE, BASE, (&[], &[], &[]));
        // A comment moving lines does not count.
        check(BASE, "; moved\n[supervisord]\n\n[program:a]\ncommand=/bin/cat\n[program:b]\ncommand=/bin/cat\n", (&[], &[], &[]));
        check(
            BASE,
            "[supervisord]\n[program:a]\ncommand=/bin/cat\n",
            (&[], &[], &["b"]),
        );
        check(BASE, "[supervisord]\n[program:a]\ncommand=/bin/cat\n[program:b]\ncommand=/bin/cat\n[program:c]\ncommand=/bin/cat\n", (&["c"], &[], &[]));
        check(
            BASE,
            "[supervisord]\n[program:a]\ncommand=/bin/cat -u\n[program:b]\ncommand=/bin/cat\n",
            (&[], &["a"], &[]),
        );
        check(BASE, "[supervisord]\n[program:a]\ncommand=/bin/cat\nautorestart=true\n[program:b]\ncommand=/bin/cat\n", (&[], &["a"], &[]));
        // A global environment change changes every group.
        check(BASE, "[supervisord]\nenvironment=A=1\n[program:a]\ncommand=/bin/cat\n[program:b]\ncommand=/bin/cat\n", (&[], &["a", "b"], &[]));
        // numprocs counts through the process list.
        check(
            BASE,
            "[supervisord]\n[program:a]\ncommand=/bin/cat\nnumprocs=2\nprocess_name=a%(process_num)s\n[program:b]\ncommand=/bin/cat\n",
            (&[], &["a"], &[]),
        );
    }

    #[test]
    fn log_switches_count_as_supervisor_counts_them() {
        let with_path = "[supervisord]\n[program:a]\ncommand=/bin/cat\nstdout_logfile=/tmp/a.log\n";
        let with_auto = "[supervisord]\n[program:a]\ncommand=/bin/cat\n";
        check(with_path, with_auto, (&[], &[], &[]));
        check(with_auto, with_path, (&[], &["a"], &[]));
        check(
            with_path,
            "[supervisord]\n[program:a]\ncommand=/bin/cat\nstdout_logfile=/tmp/b.log\n",
            (&[], &["a"], &[]),
        );
    }
}
