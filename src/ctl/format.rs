//! supervisorctl's texts: the help of every command, the status and avail tables, the result lines of
//! start/stop/signal/clear, Python's `str()` of a value, and the names Supervisor builds (`make_namespec`,
//! `split_namespec`). Pure; every text is byte for byte Supervisor 4.3.0's.
//!
//! Does not own: deciding which text to print when (the controller does) or where it goes.

use super::xmlrpc::Value;

/// Fault codes supervisorctl looks at (`supervisor.xmlrpc.Faults`).
pub mod faults {
    pub const UNKNOWN_METHOD: i64 = 1;
    pub const BAD_NAME: i64 = 10;
    pub const BAD_SIGNAL: i64 = 11;
    pub const NO_FILE: i64 = 20;
    pub const NOT_EXECUTABLE: i64 = 21;
    pub const FAILED: i64 = 30;
    pub const ABNORMAL_TERMINATION: i64 = 40;
    pub const SPAWN_ERROR: i64 = 50;
    pub const ALREADY_STARTED: i64 = 60;
    pub const NOT_RUNNING: i64 = 70;
    pub const SUCCESS: i64 = 80;
    pub const ALREADY_ADDED: i64 = 90;
    pub const STILL_RUNNING: i64 = 91;
    pub const CANT_REREAD: i64 = 92;
    pub const SHUTDOWN_STATE: i64 = 6;
}

/// Process state codes supervisorctl looks at.
pub mod states {
    pub const RUNNING: i64 = 20;
    /// `STOPPED_STATES`: STOPPED, EXITED, FATAL, UNKNOWN.
    pub const STOPPED_STATES: [i64; 4] = [0, 100, 200, 1000];
}

/// The command names, as `help` lists them.
pub const COMMAND_NAMES: [&str; 23] = [
    "add", "avail", "clear", "exit", "fg", "help", "maintail", "open", "pid", "quit", "reload",
    "remove", "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail",
    "update", "version", "EOF",
];

/// What `help` without a topic prints (cmd.Cmd's `print_topics` over the default plugin's commands).
pub const HELP_TOPICS: &str = "\ndefault commands (type help <topic>):\n\
=====================================\n\
add    exit      open  reload  restart   start   tail   \n\
avail  fg        pid   remove  shutdown  status  update \n\
clear  maintail  quit  reread  signal    stop    version\n\n";

/// `help help`.
pub const HELP_HELP: &str =
    "help\t\tPrint a list of available actions\nhelp <action>\tPrint help for <action>\n";

/// The text `help <topic>` prints (each ends with a newline), or `None` for `*** No help on <topic>`.
pub fn help_text(topic: &str) -> Option<&'static str> {
    Some(match topic {
        "tail" => {
            "tail [-f] <name> [stdout|stderr] (default stdout)\nEx:\n\
             tail -f <name>\t\tContinuous tail of named process stdout\n\t\t\tCtrl-C to exit.\n\
             tail -100 <name>\tlast 100 *bytes* of process stdout\n\
             tail <name> stderr\tlast 1600 *bytes* of process stderr\n"
        }
        "maintail" => {
            "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n\
             maintail -100\tlast 100 *bytes* of supervisord main log file\n\
             maintail\tlast 1600 *bytes* of supervisor main log file\n\n"
        }
        "quit" => "quit\tExit the supervisor shell.\n",
        "exit" => "exit\tExit the supervisor shell.\n",
        "status" => {
            "status <name>\t\tGet status for a single process\n\
             status <gname>:*\tGet status for all processes in a group\n\
             status <name> <name>\tGet status for multiple named processes\n\
             status\t\t\tGet all process status info\n"
        }
        "pid" => {
            "pid\t\t\tGet the PID of supervisord.\n\
             pid <name>\t\tGet the PID of a single child process by name.\n\
             pid all\t\t\tGet the PID of every child process, one per line.\n"
        }
        "start" => {
            "start <name>\t\tStart a process\n\
             start <gname>:*\t\tStart all processes in a group\n\
             start <name> <name>\tStart multiple processes or groups\n\
             start all\t\tStart all processes\n"
        }
        "stop" => {
            "stop <name>\t\tStop a process\n\
             stop <gname>:*\t\tStop all processes in a group\n\
             stop <name> <name>\tStop multiple processes or groups\n\
             stop all\t\tStop all processes\n"
        }
        "signal" => {
            "signal <signal name> <name>\t\tSignal a process\n\
             signal <signal name> <gname>:*\t\tSignal all processes in a group\n\
             signal <signal name> <name> <name>\tSignal multiple processes or groups\n\
             signal <signal name> all\t\tSignal all processes\n"
        }
        "restart" => {
            "restart <name>\t\tRestart a process\n\
             restart <gname>:*\tRestart all processes in a group\n\
             restart <name> <name>\tRestart multiple processes or groups\n\
             restart all\t\tRestart all processes\n\
             Note: restart does not reread config files. For that, see reread and update.\n"
        }
        "shutdown" => "shutdown \tShut the remote supervisord down.\n",
        "reload" => "reload \t\tRestart the remote supervisord.\n",
        "avail" => "avail\t\t\tDisplay all configured processes\n",
        "reread" => "reread \t\t\tReload the daemon's configuration files without add/remove\n",
        "add" => "add <name> [...]\tActivates any updates in config for process/group\n",
        "remove" => "remove <name> [...]\tRemoves process/group from active config\n",
        "update" => {
            "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n\
             update all\t\tReload config and add/remove as necessary, and will restart affected programs\n\
             update <gname> [...]\tUpdate specific groups\n"
        }
        "clear" => {
            "clear <name>\t\tClear a process' log files.\n\
             clear <name> <name>\tClear multiple process' log files\n\
             clear all\t\tClear all process' log files\n"
        }
        "open" => "open <url>\tConnect to a remote supervisord process.\n\t\t(for UNIX domain socket, use unix:///socket/path)\n",
        "version" => "version\t\t\tShow the version of the remote supervisord process\n",
        "fg" => "fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit\n",
        _ => return None,
    })
}

/// `make_namespec`: `name` when the group has the process's name, else `group:name`.
pub fn make_namespec(group: &str, name: &str) -> String {
    if group == name {
        name.to_string()
    } else {
        format!("{group}:{name}")
    }
}

/// `split_namespec`: `(group, Some(process))`, or `(group, None)` for `group:` and `group:*`.
pub fn split_namespec(namespec: &str) -> (String, Option<String>) {
    match namespec.split_once(':') {
        Some((group, process)) if process.is_empty() || process == "*" => (group.to_string(), None),
        Some((group, process)) => (group.to_string(), Some(process.to_string())),
        None => (namespec.to_string(), Some(namespec.to_string())),
    }
}

/// Python's `str(value)` for what an XML-RPC response can hold.
pub fn py_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        _ => py_repr_value(value),
    }
}

/// Python's `repr(value)`.
fn py_repr_value(value: &Value) -> String {
    match value {
        Value::Int(number) => number.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::String(text) => crate::config::pyrepr::py_repr(text),
        Value::Double(number) => py_float_repr(*number),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(py_repr_value).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Struct(members) => {
            let inner: Vec<String> = members
                .iter()
                .map(|(name, member)| {
                    format!(
                        "{}: {}",
                        crate::config::pyrepr::py_repr(name),
                        py_repr_value(member)
                    )
                })
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Base64(bytes) => py_bytes_repr(bytes),
        Value::DateTime(text) => format!("<DateTime '{text}'>"),
        Value::Nil => "None".into(),
    }
}

/// Python's `repr(float)`: Rust's shortest round-trip digits, with Python's spelling of exponents and
/// specials.
fn py_float_repr(number: f64) -> String {
    if number.is_nan() {
        return "nan".into();
    }
    if number.is_infinite() {
        return if number > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let text = format!("{number:?}");
    match text.split_once('e') {
        Some((mantissa, exponent)) if !exponent.starts_with('-') => {
            format!("{mantissa}e+{exponent:0>2}")
        }
        Some((mantissa, exponent)) => format!("{mantissa}e-{:0>2}", &exponent[1..]),
        None => text,
    }
}

/// Python's `repr(bytes)`: `b'...'`, as the tail client shows undecodable output.
pub fn py_bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::from("b");
    out.push(quote as char);
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ if byte == quote => {
                out.push('\\');
                out.push(quote as char);
            }
            0x20..=0x7e => out.push(byte as char),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push(quote as char);
    out
}

/// One process of `getAllProcessInfo`, with what supervisorctl reads of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessRow {
    pub group: String,
    pub name: String,
    pub state: i64,
    pub statename: String,
    pub description: String,
    pub pid: Value,
}

impl ProcessRow {
    pub fn from_value(info: &Value) -> ProcessRow {
        let text = |key: &str| info.member(key).map(py_str).unwrap_or_default();
        ProcessRow {
            group: text("group"),
            name: text("name"),
            state: info.member("state").and_then(Value::as_int).unwrap_or(0),
            statename: text("statename"),
            description: text("description"),
            pid: info.member("pid").cloned().unwrap_or(Value::Int(0)),
        }
    }

    pub fn namespec(&self) -> String {
        make_namespec(&self.group, &self.name)
    }
}

/// `_show_statuses`: one line per process, the name column `max(30, longest) + 3` characters wide (Python pads by
/// code points). Each line ends with a newline; trailing spaces are kept.
pub fn render_statuses(rows: &[ProcessRow]) -> String {
    let namespecs: Vec<String> = rows.iter().map(ProcessRow::namespec).collect();
    let width = namespecs
        .iter()
        .map(|namespec| namespec.chars().count())
        .max()
        .unwrap_or(0)
        .max(30)
        + 3;
    let mut out = String::new();
    for (row, namespec) in rows.iter().zip(&namespecs) {
        out.push_str(&pad(namespec, width));
        out.push_str(&pad(&row.statename, 10));
        out.push_str(&row.description);
        out.push('\n');
    }
    out
}

/// Python's `'%-Ns' % text`: left-justified to `width` code points, never cut.
fn pad(text: &str, width: usize) -> String {
    let n_chars = text.chars().count();
    let mut out = text.to_string();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(n_chars)));
    out
}

/// `_formatConfigInfo`: one `avail` line (without its newline).
pub fn render_avail_line(info: &Value) -> String {
    let text = |key: &str| info.member(key).map(py_str).unwrap_or_default();
    let truthy = |key: &str| info.member(key).is_some_and(is_truthy);
    let namespec = make_namespec(&text("group"), &text("name"));
    let inuse = if truthy("inuse") { "in use" } else { "avail" };
    let autostart = if truthy("autostart") {
        "auto"
    } else {
        "manual"
    };
    let priority = format!("{}:{}", text("group_prio"), text("process_prio"));
    format!(
        "{} {} {} {priority}",
        pad(&namespec, 32),
        pad(inuse, 9),
        pad(autostart, 9)
    )
}

/// Python truthiness of a decoded value.
pub fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Int(number) => *number != 0,
        Value::Bool(flag) => *flag,
        Value::String(text) => !text.is_empty(),
        Value::Double(number) => *number != 0.0,
        Value::Array(items) => !items.is_empty(),
        Value::Struct(members) => !members.is_empty(),
        Value::Base64(bytes) => !bytes.is_empty(),
        Value::DateTime(_) => true,
        Value::Nil => false,
    }
}

/// A result struct of a group or all operation, or a fault turned into one.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    pub group: String,
    pub name: String,
    pub status: i64,
    pub description: String,
}

impl ResultRow {
    pub fn from_value(result: &Value) -> ResultRow {
        let text = |key: &str| result.member(key).map(py_str).unwrap_or_default();
        ResultRow {
            group: text("group"),
            name: text("name"),
            status: result.member("status").and_then(Value::as_int).unwrap_or(0),
            description: text("description"),
        }
    }

    fn namespec(&self) -> String {
        make_namespec(&self.group, &self.name)
    }
}

/// Which command's wording a result line uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    Start,
    Stop,
    Signal,
    Clear,
}

/// `_startresult`, `_stopresult`, `_signalresult`, `_clearresult`: the line for one result, or `Err` with the
/// text of the `ValueError` Supervisor raises for a code the command does not expect.
pub fn render_result(kind: ResultKind, result: &ResultRow) -> Result<String, String> {
    let name = result.namespec();
    let error = |reason: &str| Ok(format!("{name}: ERROR ({reason})"));
    match (kind, result.status) {
        (_, faults::BAD_NAME) => error("no such process"),
        (ResultKind::Start, faults::NO_FILE) => error("no such file"),
        (ResultKind::Start, faults::NOT_EXECUTABLE) => error("file is not executable"),
        (ResultKind::Start, faults::ALREADY_STARTED) => error("already started"),
        (ResultKind::Start, faults::SPAWN_ERROR) => error("spawn error"),
        (ResultKind::Start, faults::ABNORMAL_TERMINATION) => error("abnormal termination"),
        (ResultKind::Start, faults::SUCCESS) => Ok(format!("{name}: started")),
        (ResultKind::Stop | ResultKind::Signal, faults::BAD_SIGNAL) => error("bad signal name"),
        (ResultKind::Stop | ResultKind::Signal, faults::NOT_RUNNING) => error("not running"),
        (ResultKind::Stop, faults::SUCCESS) => Ok(format!("{name}: stopped")),
        (ResultKind::Signal, faults::SUCCESS) => Ok(format!("{name}: signalled")),
        (ResultKind::Stop | ResultKind::Signal, faults::FAILED) => Ok(result.description.clone()),
        (ResultKind::Clear, faults::FAILED) => error("failed"),
        (ResultKind::Clear, faults::SUCCESS) => Ok(format!("{name}: cleared")),
        (_, code) => Err(format!("Unknown result code {code} for {name}")),
    }
}

/// The source line of the `raise ValueError` in each result formatter of Supervisor 4.3.0's supervisorctl.py,
/// for the `error:` line (`_stopresult` calls `_signalresult`).
pub fn result_error_line(kind: ResultKind) -> u32 {
    match kind {
        ResultKind::Start => 761,
        ResultKind::Stop | ResultKind::Signal => 835,
        ResultKind::Clear => 1260,
    }
}

/// `_formatChanges` of `reread`: `name: available|changed|disappeared`, sorted by name, or the no-change line.
pub fn render_changes(added: &[String], changed: &[String], removed: &[String]) -> String {
    let mut changes: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    for (names, word) in [
        (added, "available"),
        (changed, "changed"),
        (removed, "disappeared"),
    ] {
        for name in names {
            changes.insert(name, word);
        }
    }
    if changes.is_empty() {
        return "No config updates to processes\n".into();
    }
    changes
        .iter()
        .map(|(name, word)| format!("{name}: {word}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(group: &str, name: &str, statename: &str, description: &str) -> ProcessRow {
        ProcessRow {
            group: group.into(),
            name: name.into(),
            state: 20,
            statename: statename.into(),
            description: description.into(),
            pid: Value::Int(0),
        }
    }

    #[test]
    fn status_table_pads_like_python() {
        let rows = [
            row("cat", "cat", "RUNNING", "pid 8134, uptime 0:00:03"),
            row("grp", "gb", "STOPPED", "Not started"),
            row("newprog", "newprog", "STARTING", ""),
        ];
        assert_eq!(
            render_statuses(&rows),
            "cat                              RUNNING   pid 8134, uptime 0:00:03\n\
             grp:gb                           STOPPED   Not started\n\
             newprog                          STARTING  \n"
        );
        let long = [
            row("g", "a_very_long_process_name_indeed_x", "BACKOFF", "x"),
            row("é", "é", "STOPPINGXX", ""),
        ];
        assert_eq!(
            render_statuses(&long),
            "g:a_very_long_process_name_indeed_x   BACKOFF   x\n\
             é                                     STOPPINGXX\n"
        );
        assert_eq!(render_statuses(&[]), "");
    }

    #[test]
    fn avail_lines() {
        let info = Value::Struct(vec![
            ("autostart".into(), Value::Bool(true)),
            ("group".into(), Value::String("listener".into())),
            ("group_prio".into(), Value::Int(-1)),
            ("inuse".into(), Value::Bool(true)),
            ("name".into(), Value::String("listener".into())),
            ("process_prio".into(), Value::Int(999)),
        ]);
        assert_eq!(
            render_avail_line(&info),
            "listener                         in use    auto      -1:999"
        );
        let info = Value::Struct(vec![
            ("autostart".into(), Value::Bool(false)),
            ("group".into(), Value::String("grp".into())),
            ("group_prio".into(), Value::Int(5)),
            ("inuse".into(), Value::Bool(false)),
            ("name".into(), Value::String("gb".into())),
            ("process_prio".into(), Value::Int(1)),
        ]);
        assert_eq!(
            render_avail_line(&info),
            "grp:gb                           avail     manual    5:1"
        );
    }

    #[test]
    fn result_lines() {
        let result = |status: i64| ResultRow {
            group: "grp".into(),
            name: "ga".into(),
            status,
            description: "FAILED: grp:ga could not be killed".into(),
        };
        let cases: &[(ResultKind, i64, Result<&str, &str>)] = &[
            (ResultKind::Start, 80, Ok("grp:ga: started")),
            (ResultKind::Start, 10, Ok("grp:ga: ERROR (no such process)")),
            (ResultKind::Start, 20, Ok("grp:ga: ERROR (no such file)")),
            (
                ResultKind::Start,
                21,
                Ok("grp:ga: ERROR (file is not executable)"),
            ),
            (ResultKind::Start, 60, Ok("grp:ga: ERROR (already started)")),
            (ResultKind::Start, 50, Ok("grp:ga: ERROR (spawn error)")),
            (
                ResultKind::Start,
                40,
                Ok("grp:ga: ERROR (abnormal termination)"),
            ),
            (
                ResultKind::Start,
                30,
                Err("Unknown result code 30 for grp:ga"),
            ),
            (ResultKind::Stop, 80, Ok("grp:ga: stopped")),
            (ResultKind::Stop, 70, Ok("grp:ga: ERROR (not running)")),
            (
                ResultKind::Stop,
                30,
                Ok("FAILED: grp:ga could not be killed"),
            ),
            (ResultKind::Signal, 80, Ok("grp:ga: signalled")),
            (
                ResultKind::Signal,
                11,
                Ok("grp:ga: ERROR (bad signal name)"),
            ),
            (
                ResultKind::Signal,
                20,
                Err("Unknown result code 20 for grp:ga"),
            ),
            (ResultKind::Clear, 80, Ok("grp:ga: cleared")),
            (ResultKind::Clear, 30, Ok("grp:ga: ERROR (failed)")),
            (
                ResultKind::Clear,
                70,
                Err("Unknown result code 70 for grp:ga"),
            ),
        ];
        for (kind, status, expected) in cases {
            let expected = expected.map(str::to_string).map_err(str::to_string);
            assert_eq!(
                render_result(*kind, &result(*status)),
                expected,
                "{kind:?} {status}"
            );
        }
    }

    #[test]
    fn namespecs() {
        assert_eq!(make_namespec("cat", "cat"), "cat");
        assert_eq!(make_namespec("grp", "ga"), "grp:ga");
        let cases: &[(&str, (&str, Option<&str>))] = &[
            ("cat", ("cat", Some("cat"))),
            ("grp:ga", ("grp", Some("ga"))),
            ("grp:*", ("grp", None)),
            ("grp:", ("grp", None)),
            ("a:b:c", ("a", Some("b:c"))),
        ];
        for (input, (group, process)) in cases {
            assert_eq!(
                split_namespec(input),
                (group.to_string(), process.map(str::to_string)),
                "{input}"
            );
        }
    }

    #[test]
    fn changes() {
        let names = |list: &[&str]| list.iter().map(|name| name.to_string()).collect::<Vec<_>>();
        assert_eq!(
            render_changes(&[], &[], &[]),
            "No config updates to processes\n"
        );
        assert_eq!(
            render_changes(&names(&["new"]), &names(&["b"]), &names(&["a"])),
            "a: disappeared\nb: changed\nnew: available\n"
        );
    }

    #[test]
    fn python_str_and_bytes_repr() {
        assert_eq!(py_str(&Value::String("3.0".into())), "3.0");
        assert_eq!(py_str(&Value::Int(3)), "3");
        assert_eq!(py_str(&Value::Bool(true)), "True");
        assert_eq!(
            py_str(&Value::Array(vec![Value::String("a".into()), Value::Nil])),
            "['a', None]"
        );
        assert_eq!(py_bytes_repr(b"bad\xff\n"), "b'bad\\xff\\n'");
        assert_eq!(py_bytes_repr(b"it's"), "b\"it's\"");
    }

    #[test]
    fn every_command_but_help_and_eof_has_help() {
        for name in COMMAND_NAMES {
            let expected = !matches!(name, "help" | "EOF");
            assert_eq!(help_text(name).is_some(), expected, "{name}");
        }
        assert_eq!(help_text("tail x"), None);
    }
}
