//! The canonical rendering of the desired state: one `key = value` line per effective setting.
//!
//! This is what the reconciler diffs to decide whether a process must restart, what the `config dump` output shows,
//! and what the differential test compares against Supervisor's own config objects. So the key names are
//! Supervisor's option names, every value is a string in one fixed format (booleans `true`/`false`, octal as
//! Python's `'%03o'`, signals by their `SIG`-less name), and the rendering is sorted and deterministic.
//!
//! Pure: this module owns no parsing and no IO, and takes everything from the spec values in [`super::spec`].

use std::collections::BTreeMap;

use super::spec::{
    AutoRestart, ChannelSpec, DesiredState, FcgiSocketSpec, GroupKind, GroupSpec, LogFile,
    ProcessSpec,
};

/// The effective settings of one process, keyed by Supervisor's option names.
///
/// Values are plain (not escaped); [`render_process`] escapes them for one-line output. Environment variables
/// get one key each, `environment.KEY`. Optional settings that are unset render as `none`; `serverurl` and
/// `*_logfile` keep Supervisor's `AUTO` / `NONE` spellings.
pub fn process_settings(spec: &ProcessSpec) -> BTreeMap<String, String> {
    let mut settings = BTreeMap::new();
    let mut put = |key: &str, value: String| {
        settings.insert(key.to_string(), value);
    };
    put("name", spec.name.clone());
    put("group", spec.group.clone());
    put("program_name", spec.program_name.clone());
    put("section", spec.section.clone());
    put("process_num", spec.process_num.to_string());
    put("numprocs", spec.numprocs.to_string());
    put("numprocs_start", spec.numprocs_start.to_string());
    put("command", spec.command.clone());
    put("priority", spec.priority.to_string());
    put("autostart", render_bool(spec.autostart));
    put(
        "autorestart",
        render_autorestart(spec.autorestart).to_string(),
    );
    put("startsecs", spec.startsecs.to_string());
    put("startretries", spec.startretries.to_string());
    put("exitcodes", render_exitcodes(&spec.exitcodes));
    put("stopsignal", signal_name(spec.stopsignal.number));
    put("stopwaitsecs", spec.stopwaitsecs.to_string());
    put("stopasgroup", render_bool(spec.stopasgroup));
    put("killasgroup", render_bool(spec.killasgroup));
    put(
        "user",
        spec.user
            .as_ref()
            .map_or_else(|| "none".to_string(), |user| user.name.clone()),
    );
    put(
        "umask",
        spec.umask.map_or_else(|| "none".to_string(), render_octal),
    );
    put(
        "directory",
        spec.directory.clone().unwrap_or_else(|| "none".to_string()),
    );
    put("redirect_stderr", render_bool(spec.redirect_stderr));
    put_channel(&mut put, "stdout", &spec.stdout);
    put_channel(&mut put, "stderr", &spec.stderr);
    for (key, value) in &spec.environment {
        put(&format!("environment.{key}"), value.clone());
    }
    put(
        "serverurl",
        spec.serverurl.clone().unwrap_or_else(|| "AUTO".to_string()),
    );
    settings
}

fn put_channel(put: &mut impl FnMut(&str, String), channel: &str, spec: &ChannelSpec) {
    let logfile = match &spec.logfile {
        LogFile::Auto => "AUTO".to_string(),
        LogFile::None => "NONE".to_string(),
        LogFile::Path(path) => path.clone(),
    };
    put(&format!("{channel}_logfile"), logfile);
    put(
        &format!("{channel}_logfile_maxbytes"),
        spec.logfile_maxbytes.to_string(),
    );
    put(
        &format!("{channel}_logfile_backups"),
        spec.logfile_backups.to_string(),
    );
    put(
        &format!("{channel}_capture_maxbytes"),
        spec.capture_maxbytes.to_string(),
    );
    put(
        &format!("{channel}_events_enabled"),
        render_bool(spec.events_enabled),
    );
    put(&format!("{channel}_syslog"), render_bool(spec.syslog));
}

/// One process as sorted `key = value\n` lines, values escaped so that one setting is one line.
pub fn render_process(spec: &ProcessSpec) -> String {
    render_lines(&process_settings(spec), "")
}

/// The group-level settings: `name`, `kind` (`program`, `heterogeneous`, `eventlistener` or `fcgi`), `priority`;
/// for a `[group:x]` its `programs`; for a pool `events` (config order, comma-joined), `buffer_size` and
/// `result_handler`; for an fcgi group `socket`, `socket_backlog` and, for a unix socket, `socket_mode` and
/// `socket_owner` (`uid:gid`). Values are plain, as in [`process_settings`].
pub fn group_settings(group: &GroupSpec) -> BTreeMap<String, String> {
    let mut settings = BTreeMap::new();
    settings.insert("name".to_string(), group.name.clone());
    settings.insert("priority".to_string(), group.priority.to_string());
    let kind = match &group.kind {
        GroupKind::Program => "program",
        GroupKind::Heterogeneous { programs } => {
            settings.insert("programs".to_string(), programs.join(","));
            "heterogeneous"
        }
        GroupKind::EventListenerPool(pool) => {
            settings.insert("events".to_string(), pool.events.join(","));
            settings.insert("buffer_size".to_string(), pool.buffer_size.to_string());
            settings.insert("result_handler".to_string(), pool.result_handler.clone());
            "eventlistener"
        }
        GroupKind::FastCgi(socket) => {
            insert_socket_settings(&mut settings, socket);
            "fcgi"
        }
    };
    settings.insert("kind".to_string(), kind.to_string());
    settings
}

fn insert_socket_settings(settings: &mut BTreeMap<String, String>, socket: &FcgiSocketSpec) {
    settings.insert("socket".to_string(), socket.socket.clone());
    settings.insert(
        "socket_backlog".to_string(),
        socket
            .socket_backlog
            .map_or_else(|| "none".to_string(), |backlog| backlog.to_string()),
    );
    // Owner and mode mean nothing for a TCP socket (Supervisor rejects them there), so they are not shown.
    if socket.socket.starts_with("unix://") {
        settings.insert("socket_mode".to_string(), render_octal(socket.socket_mode));
        settings.insert(
            "socket_owner".to_string(),
            socket
                .socket_owner
                .map_or_else(|| "none".to_string(), |(uid, gid)| format!("{uid}:{gid}")),
        );
    }
}

/// A group's title line `group NAME` followed by its settings (all but `name`) as indented sorted lines.
pub fn render_group_header(group: &GroupSpec) -> String {
    let mut settings = group_settings(group);
    settings.remove("name");
    format!(
        "group {}\n{}",
        escape_value(&group.name),
        render_lines(&settings, "  ")
    )
}

/// The whole desired state: groups in (priority, name) order, each its header then each of its processes, in
/// Supervisor's order, as `process NAME` and that process's lines indented under it.
pub fn render_desired(state: &DesiredState) -> String {
    let mut out = String::new();
    for group in state.groups_in_order() {
        out.push_str(&render_group_header(group));
        for process in &group.processes {
            out.push_str(&format!("  process {}\n", escape_value(&process.name)));
            out.push_str(&render_lines(&process_settings(process), "    "));
        }
    }
    out
}

fn render_lines(settings: &BTreeMap<String, String>, indent: &str) -> String {
    let mut out = String::new();
    for (key, value) in settings {
        out.push_str(indent);
        out.push_str(&escape_value(key));
        out.push_str(" = ");
        out.push_str(&escape_value(value));
        out.push('\n');
    }
    out
}

/// Escape `\`, newline, CR and tab so that a value fits on one line and the escaping can be undone.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
    out
}

fn render_bool(value: bool) -> String {
    if value { "true" } else { "false" }.to_string()
}

fn render_autorestart(value: AutoRestart) -> &'static str {
    match value {
        AutoRestart::Always => "true",
        AutoRestart::Never => "false",
        AutoRestart::Unexpected => "unexpected",
    }
}

fn render_exitcodes(codes: &[i32]) -> String {
    codes
        .iter()
        .map(|code| code.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Python's `'%03o' % value`: at least three octal digits.
fn render_octal(value: u32) -> String {
    format!("{value:03o}")
}

/// A signal's name without `SIG` (`TERM`), as Python's `signal.Signals(n).name[3:]`; decimal when unnamed.
pub use super::datatypes::signal_name;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::spec::{EventListenerPoolSpec, Origin, SignalSpec, UserSpec};

    fn base_process() -> ProcessSpec {
        ProcessSpec {
            name: "web".into(),
            group: "web".into(),
            section: "program:web".into(),
            origin: Origin {
                file: "supervisord.conf".into(),
                line: 3,
            },
            program_name: "web".into(),
            process_num: 0,
            numprocs: 1,
            numprocs_start: 0,
            command: "/bin/sleep 10".into(),
            priority: 999,
            autostart: true,
            autorestart: AutoRestart::Unexpected,
            startsecs: 1,
            startretries: 3,
            exitcodes: vec![0],
            stopsignal: SignalSpec { number: 15 },
            stopwaitsecs: 10,
            stopasgroup: false,
            killasgroup: false,
            user: None,
            umask: None,
            directory: None,
            redirect_stderr: false,
            stdout: ChannelSpec::default(),
            stderr: ChannelSpec::default(),
            environment: BTreeMap::new(),
            serverurl: None,
        }
    }

    /// Apply `change` to the default process and check the named settings (plain values).
    fn check(change: impl FnOnce(&mut ProcessSpec), expected: &[(&str, &str)]) {
        let mut spec = base_process();
        change(&mut spec);
        let settings = process_settings(&spec);
        for (key, value) in expected {
            assert_eq!(
                settings.get(*key).map(String::as_str),
                Some(*value),
                "setting {key} in {settings:#?}"
            );
        }
    }

    #[test]
    fn defaults() {
        check(
            |_| {},
            &[
                ("name", "web"),
                ("group", "web"),
                ("program_name", "web"),
                ("section", "program:web"),
                ("process_num", "0"),
                ("numprocs", "1"),
                ("numprocs_start", "0"),
                ("command", "/bin/sleep 10"),
                ("priority", "999"),
                ("autostart", "true"),
                ("autorestart", "unexpected"),
                ("startsecs", "1"),
                ("startretries", "3"),
                ("exitcodes", "0"),
                ("stopsignal", "TERM"),
                ("stopwaitsecs", "10"),
                ("stopasgroup", "false"),
                ("killasgroup", "false"),
                ("user", "none"),
                ("umask", "none"),
                ("directory", "none"),
                ("redirect_stderr", "false"),
                ("stdout_logfile", "AUTO"),
                ("stdout_logfile_maxbytes", "52428800"),
                ("stdout_logfile_backups", "10"),
                ("stdout_capture_maxbytes", "0"),
                ("stdout_events_enabled", "false"),
                ("stdout_syslog", "false"),
                ("stderr_logfile", "AUTO"),
                ("stderr_logfile_maxbytes", "52428800"),
                ("stderr_logfile_backups", "10"),
                ("stderr_capture_maxbytes", "0"),
                ("stderr_events_enabled", "false"),
                ("stderr_syslog", "false"),
                ("serverurl", "AUTO"),
            ],
        );
    }

    #[test]
    fn has_exactly_the_documented_keys() {
        let mut spec = base_process();
        spec.environment.insert("PATH".into(), "/bin".into());
        let keys: Vec<String> = process_settings(&spec).into_keys().collect();
        let channel_keys = [
            "logfile",
            "logfile_maxbytes",
            "logfile_backups",
            "capture_maxbytes",
            "events_enabled",
            "syslog",
        ];
        let mut expected: Vec<String> = [
            "name",
            "group",
            "program_name",
            "section",
            "process_num",
            "numprocs",
            "numprocs_start",
            "command",
            "priority",
            "autostart",
            "autorestart",
            "startsecs",
            "startretries",
            "exitcodes",
            "stopsignal",
            "stopwaitsecs",
            "stopasgroup",
            "killasgroup",
            "user",
            "umask",
            "directory",
            "redirect_stderr",
            "environment.PATH",
            "serverurl",
        ]
        .iter()
        .map(|key| key.to_string())
        .collect();
        for channel in ["stdout", "stderr"] {
            for key in channel_keys {
                expected.push(format!("{channel}_{key}"));
            }
        }
        expected.sort();
        assert_eq!(keys, expected);
    }

    #[test]
    fn autorestart_forms() {
        check(
            |p| p.autorestart = AutoRestart::Always,
            &[("autorestart", "true")],
        );
        check(
            |p| p.autorestart = AutoRestart::Never,
            &[("autorestart", "false")],
        );
    }

    #[test]
    fn exitcodes_keep_config_order() {
        check(
            |p| p.exitcodes = vec![2, 0, 143],
            &[("exitcodes", "2,0,143")],
        );
        check(|p| p.exitcodes = vec![], &[("exitcodes", "")]);
    }

    #[test]
    fn signals_by_name_or_number() {
        for (number, name) in [
            (1, "HUP"),
            (2, "INT"),
            (6, "ABRT"),
            (9, "KILL"),
            (10, "USR1"),
            (12, "USR2"),
            (15, "TERM"),
            (16, "STKFLT"),
            (17, "CHLD"),
            (29, "IO"),
            (30, "PWR"),
            (31, "SYS"),
            (34, "RTMIN"),
            (64, "RTMAX"),
            (0, "0"),
            (35, "35"),
            (-3, "-3"),
        ] {
            check(
                |p| p.stopsignal = SignalSpec { number },
                &[("stopsignal", name)],
            );
        }
    }

    #[test]
    fn umask_as_python_percent_03o() {
        for (umask, text) in [
            (0o022, "022"),
            (0, "000"),
            (0o7, "007"),
            (0o777, "777"),
            (0o1777, "1777"),
        ] {
            check(|p| p.umask = Some(umask), &[("umask", text)]);
        }
    }

    #[test]
    fn user_directory_serverurl() {
        check(
            |p| {
                p.user = Some(UserSpec {
                    written: "0".into(),
                    name: "root".into(),
                    uid: 0,
                    gid: 0,
                });
                p.directory = Some("/srv/app".into());
                p.serverurl = Some("unix:///tmp/s.sock".into());
            },
            &[
                ("user", "root"),
                ("directory", "/srv/app"),
                ("serverurl", "unix:///tmp/s.sock"),
            ],
        );
    }

    #[test]
    fn logfiles_and_channels() {
        check(
            |p| {
                p.stdout.logfile = LogFile::None;
                p.stderr.logfile = LogFile::Path("/var/log/a%.log".into());
                p.stdout.syslog = true;
                p.stderr.events_enabled = true;
                p.stderr.capture_maxbytes = 1024;
                p.stdout.logfile_backups = 0;
                p.stdout.logfile_maxbytes = 0;
            },
            &[
                ("stdout_logfile", "NONE"),
                ("stderr_logfile", "/var/log/a%.log"),
                ("stdout_syslog", "true"),
                ("stderr_events_enabled", "true"),
                ("stderr_capture_maxbytes", "1024"),
                ("stdout_logfile_backups", "0"),
                ("stdout_logfile_maxbytes", "0"),
            ],
        );
    }

    #[test]
    fn environment_one_key_each() {
        check(
            |p| {
                p.environment.insert("A".into(), "a,b".into());
                p.environment.insert("B".into(), "x y".into());
                p.environment.insert("EMPTY".into(), "".into());
            },
            &[
                ("environment.A", "a,b"),
                ("environment.B", "x y"),
                ("environment.EMPTY", ""),
            ],
        );
    }

    #[test]
    fn render_process_is_sorted_escaped_lines() {
        let mut spec = base_process();
        spec.command = "/bin/sh -c 'a\tb'\n  --flag\\x\r".into();
        spec.environment.insert("MULTI".into(), "one\ntwo".into());
        let text = render_process(&spec);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.contains(&"command = /bin/sh -c 'a\\tb'\\n  --flag\\\\x\\r"));
        assert!(lines.contains(&"environment.MULTI = one\\ntwo"));
        assert_eq!(lines.len(), process_settings(&spec).len());
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(lines, sorted);
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn escape_round_trip_table() {
        for (raw, escaped) in [
            ("plain", "plain"),
            ("a\\b", "a\\\\b"),
            ("a\nb", "a\\nb"),
            ("\r\t", "\\r\\t"),
            ("\\n", "\\\\n"),
            ("", ""),
        ] {
            assert_eq!(escape_value(raw), escaped, "escaping {raw:?}");
        }
    }

    fn group(name: &str, priority: i64, kind: GroupKind, processes: Vec<ProcessSpec>) -> GroupSpec {
        GroupSpec {
            name: name.into(),
            kind,
            priority,
            processes,
            origin: Origin::default(),
        }
    }

    fn check_header(group: GroupSpec, expected: &str) {
        assert_eq!(render_group_header(&group), expected);
    }

    #[test]
    fn group_headers() {
        check_header(
            group("web", 999, GroupKind::Program, vec![]),
            "group web\n  kind = program\n  priority = 999\n",
        );
        check_header(
            group(
                "g",
                5,
                GroupKind::Heterogeneous {
                    programs: vec!["b".into(), "a".into()],
                },
                vec![],
            ),
            "group g\n  kind = heterogeneous\n  priority = 5\n  programs = b,a\n",
        );
        check_header(
            group(
                "listeners",
                -1,
                GroupKind::EventListenerPool(EventListenerPoolSpec {
                    events: vec!["TICK_5".into(), "PROCESS_STATE".into()],
                    buffer_size: 10,
                    result_handler: "supervisor.dispatchers:default_handler".into(),
                }),
                vec![],
            ),
            "group listeners\n  buffer_size = 10\n  events = TICK_5,PROCESS_STATE\n  kind = eventlistener\n  \
             priority = -1\n  result_handler = supervisor.dispatchers:default_handler\n",
        );
        check_header(
            group(
                "php",
                999,
                GroupKind::FastCgi(FcgiSocketSpec {
                    socket: "unix:///tmp/php.sock".into(),
                    socket_backlog: None,
                    socket_owner: Some((1000, -1)),
                    socket_mode: 0o700,
                }),
                vec![],
            ),
            "group php\n  kind = fcgi\n  priority = 999\n  socket = unix:///tmp/php.sock\n  socket_backlog = none\n  \
             socket_mode = 700\n  socket_owner = 1000:-1\n",
        );
        check_header(
            group(
                "tcp",
                999,
                GroupKind::FastCgi(FcgiSocketSpec {
                    socket: "tcp://localhost:9000".into(),
                    socket_backlog: Some(128),
                    socket_owner: None,
                    socket_mode: 0o700,
                }),
                vec![],
            ),
            "group tcp\n  kind = fcgi\n  priority = 999\n  socket = tcp://localhost:9000\n  socket_backlog = 128\n",
        );
    }

    #[test]
    fn desired_in_priority_then_name_order_with_processes_indented() {
        let mut state = DesiredState::default();
        let mut late = base_process();
        late.name = "late".into();
        late.group = "late".into();
        let mut first = base_process();
        first.name = "b".into();
        first.group = "early".into();
        let mut second = base_process();
        second.name = "a".into();
        second.group = "early".into();
        state.groups.insert(
            "late".into(),
            group("late", 1, GroupKind::Program, vec![late]),
        );
        state.groups.insert(
            "early".into(),
            group(
                "early",
                1,
                GroupKind::Heterogeneous {
                    programs: vec!["b".into(), "a".into()],
                },
                vec![first, second],
            ),
        );
        state
            .groups
            .insert("zero".into(), group("zero", 0, GroupKind::Program, vec![]));
        let text = render_desired(&state);
        let titles: Vec<&str> = text
            .lines()
            .filter(|line| !line.starts_with("    ") && !line.contains(" = "))
            .collect();
        assert_eq!(
            titles,
            [
                "group zero",
                "group early",
                "  process b",
                "  process a",
                "group late",
                "  process late"
            ]
        );
        assert!(text.contains("  process b\n    autorestart = unexpected\n"));
        assert!(text.contains("    name = late\n"));
    }
}
