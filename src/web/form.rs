//! The web UI's requests as data: form decoding (Python's `parse_qs`/`parse_qsl` rules), the [`Action`] a status
//! page request asks for, the message Supervisor shows after each action, and the tail view's request.
//!
//! Owns no IO: the HTTP layer hands in the method, the query string and the form body, runs the action against
//! the engine, and hands the outcome back to [`Action::message`].

use std::collections::BTreeMap;

use crate::rpc::backend::{codes, Fault, ProcessInfo};

/// The tail view's text when no process is named (`web.py` TailView).
pub const NO_PROCESS_NAME: &str = "No process name found";

/// The message shown when a GET asked for an action: actions are POST requests here (see the module header).
pub const IGNORED_GET_ACTION_MESSAGE: &str =
    "Nothing was done: actions are sent by the buttons of this page (POST), not by links";

/// The tail view's default and minimum number of bytes.
const TAIL_MIN_BYTES: u64 = 1024;

/// What a status page request asks to do, as `web.py`'s `StatusView.make_callback` reads `action=` and
/// `processname=`. Names are namespecs as sent (`name` or `group:name`).
///
/// Supervisor has no "start all" action on its page, so neither is there one here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing runs; only the message is shown.
    Refresh,
    /// stopAllProcesses.
    StopAll,
    /// stopAllProcesses, then startAllProcesses (which starts `autostart=false` programs too).
    RestartAll,
    /// startProcess(name), waiting for it (startsecs).
    Start(String),
    /// stopProcess(name), waiting for it.
    Stop(String),
    /// stopProcess(name) then startProcess(name), as one multicall whose results are ignored.
    Restart(String),
    /// clearProcessLogs(name).
    ClearLog(String),
}

/// A POST whose action Supervisor would answer with HTTP 500 (`make_callback` raises `ValueError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("unknown action {0:?}")]
    UnknownAction(String),
    #[error("action {0:?} needs a processname")]
    MissingProcessName(String),
}

/// A status page request, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusRequest {
    /// The action to run before answering with a redirect; `None` means: show the page.
    pub action: Option<Action>,
    /// The `message=` to show on the page (set by the redirect after an action).
    pub message: Option<String>,
}

/// Reads a status page request (`/` or `/index.html`). `query` is the URL's query string without `?`; `body` the
/// `application/x-www-form-urlencoded` body of a POST (ignored for other methods).
///
/// Only a POST may carry an action; a GET with `action=` gets no action and [`IGNORED_GET_ACTION_MESSAGE`] as its
/// message, so an old bookmark or a cross-site link changes nothing.
pub fn parse_status_request(
    method: &str,
    query: &str,
    body: &str,
) -> Result<StatusRequest, ActionError> {
    let is_post = method == "POST";
    let form = merge_form(query, if is_post { body } else { "" });
    let message = form.get("message").cloned();
    let Some(action_name) = form.get("action") else {
        return Ok(StatusRequest {
            action: None,
            message,
        });
    };
    if !is_post {
        return Ok(StatusRequest {
            action: None,
            message: Some(IGNORED_GET_ACTION_MESSAGE.to_string()),
        });
    }
    let processname = form.get("processname").cloned();
    let action = match action_name.as_str() {
        "refresh" => Action::Refresh,
        "stopall" => Action::StopAll,
        "restartall" => Action::RestartAll,
        "start" | "stop" | "restart" | "clearlog" => {
            let Some(name) = processname else {
                return Err(ActionError::MissingProcessName(action_name.clone()));
            };
            match action_name.as_str() {
                "start" => Action::Start(name),
                "stop" => Action::Stop(name),
                "restart" => Action::Restart(name),
                _ => Action::ClearLog(name),
            }
        }
        other => return Err(ActionError::UnknownAction(other.to_string())),
    };
    Ok(StatusRequest {
        action: Some(action),
        message,
    })
}

/// The action of a status page request: `Ok(None)` for a GET (whatever its query says) and for a POST without
/// `action=`. See [`parse_status_request`].
pub fn parse_action(method: &str, query: &str, body: &str) -> Result<Option<Action>, ActionError> {
    parse_status_request(method, query, body).map(|request| request.action)
}

impl Action {
    /// The namespec a per-process action acts on.
    pub fn process_name(&self) -> Option<&str> {
        match self {
            Action::Start(name)
            | Action::Stop(name)
            | Action::Restart(name)
            | Action::ClearLog(name) => Some(name),
            Action::Refresh | Action::StopAll | Action::RestartAll => None,
        }
    }

    /// The message Supervisor shows after the action ran (`make_callback`). `outcome` is the result of the one
    /// call the action made (ignored for Refresh, StopAll, RestartAll and Restart, as Supervisor ignores them);
    /// `now` and `utc_offset_seconds` give the local time of the `... at <ctime>` messages.
    ///
    /// The server checks first that a named process exists ([`find_process`]) and shows
    /// [`Action::no_such_process_message`] when it does not.
    pub fn message(
        &self,
        outcome: Result<(), &Fault>,
        now: i64,
        utc_offset_seconds: i64,
    ) -> String {
        let unexpected =
            |fault: &Fault| format!("unexpected rpc fault [{}] {}", fault.code, fault.text());
        match self {
            Action::Refresh => format!("Page refreshed at {}", ctime(now, utc_offset_seconds)),
            Action::StopAll => format!("All stopped at {}", ctime(now, utc_offset_seconds)),
            Action::RestartAll => format!("All restarted at {}", ctime(now, utc_offset_seconds)),
            Action::Start(name) => match outcome {
                Ok(()) => format!("Process {name} started"),
                Err(fault) => {
                    let reason = match fault.code {
                        codes::NO_FILE => "no such file".to_string(),
                        codes::NOT_EXECUTABLE => "file not executable".to_string(),
                        codes::ALREADY_STARTED => "already started".to_string(),
                        codes::SPAWN_ERROR => "spawn error".to_string(),
                        codes::ABNORMAL_TERMINATION => "abnormal termination".to_string(),
                        _ => unexpected(fault),
                    };
                    format!("ERROR: Process {name}: {reason}")
                }
            },
            // Supervisor's stop and clear-log errors carry no "ERROR:" prefix and no name.
            Action::Stop(name) => match outcome {
                Ok(()) => format!("Process {name} stopped"),
                Err(fault) => unexpected(fault),
            },
            Action::Restart(name) => format!("Process {name} restarted"),
            Action::ClearLog(name) => match outcome {
                Ok(()) => format!("Log for {name} cleared"),
                Err(fault) => unexpected(fault),
            },
        }
    }

    /// The message for a per-process action naming no known process.
    pub fn no_such_process_message(namespec: &str) -> String {
        format!("No such process named {namespec}")
    }
}

/// The process a namespec names among `infos`, by Supervisor's `split_namespec`: `name` means group `name`,
/// process `name`; `group:name` the process `name` of `group`; `group:` and `group:*` name no single process.
pub fn find_process<'a>(infos: &'a [ProcessInfo], namespec: &str) -> Option<&'a ProcessInfo> {
    let (group, name) = match namespec.split_once(':') {
        Some((_, "" | "*")) => return None,
        Some((group, name)) => (group, name),
        None => (namespec, namespec),
    };
    infos
        .iter()
        .find(|info| info.group == group && info.name == name)
}

/// Where the server redirects after an action: `<server_url>/?message=<quoted message>` (`web.py`).
pub fn redirect_location(server_url: &str, message: &str) -> String {
    format!("{server_url}/?message={}", url_quote(message))
}

/// Python's `time.ctime()` of a Unix time shifted by a UTC offset: `Tue Nov 24 06:59:16 2026`, the day padded
/// with a space (`Wed Nov  4 ...`).
pub fn ctime(now: i64, utc_offset_seconds: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let local = local_datetime(now, utc_offset_seconds);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        WEEKDAYS[(local.weekday().to_monday_one_offset() - 1) as usize],
        MONTHS[(local.month() - 1) as usize],
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        local.year()
    )
}

/// The civil date and time of a Unix time shifted by a UTC offset, clamped to what jiff represents.
pub(crate) fn local_datetime(unix_seconds: i64, utc_offset_seconds: i64) -> jiff::civil::DateTime {
    let shifted = unix_seconds.saturating_add(utc_offset_seconds);
    let timestamp = jiff::Timestamp::from_second(shifted).unwrap_or(if shifted < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    });
    jiff::tz::Offset::UTC.to_datetime(timestamp)
}

/// A tail view request (`/tail.html?processname=N&limit=K`), read as `web.py`'s TailView reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailRequest {
    /// `None` when the request names no process (Supervisor's title then says `None`).
    pub processname: Option<String>,
    /// How many bytes from the end of the stdout log to show: `max(1024, limit)`, 1024 when `limit` is not all
    /// digits; a limit too large for a u64 saturates.
    pub limit: u64,
}

impl TailRequest {
    /// The process whose stdout log to read, if any. When `None`, the page shows [`NO_PROCESS_NAME`].
    pub fn name_to_read(&self) -> Option<&str> {
        self.processname.as_deref().filter(|name| !name.is_empty())
    }
}

/// Reads a tail view request. `body` is used only for a POST, as for the status page.
pub fn parse_tail_request(method: &str, query: &str, body: &str) -> TailRequest {
    let form = merge_form(query, if method == "POST" { body } else { "" });
    let limit = match form.get("limit") {
        Some(text) if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) => {
            text.parse::<u64>().unwrap_or(u64::MAX).max(TAIL_MIN_BYTES)
        }
        _ => TAIL_MIN_BYTES,
    };
    TailRequest {
        processname: form.get("processname").cloned(),
        limit,
    }
}

/// The tail view's text when reading the log failed (`web.py` TailView).
pub fn tail_fault_text(processname: &str, fault: &Fault) -> String {
    if fault.code == codes::NO_FILE {
        format!("No file for {processname}")
    } else {
        format!(
            "ERROR: unexpected rpc fault [{}] {}",
            fault.code,
            fault.text()
        )
    }
}

/// Python's `urllib.parse.quote(text)`: UTF-8 bytes, `%XX` (upper case) for all but letters, digits, `_.-~`
/// and `/`.
pub fn url_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-' | b'~' | b'/') {
            quoted.push(char::from(byte));
        } else {
            quoted.push_str(&format!("%{byte:02X}"));
        }
    }
    quoted
}

/// The form `web.py` builds: the query's fields (the first of duplicates wins, as `parse_qs(...)[k][0]`), then
/// the body's over them (the last of duplicates wins, as a loop over `parse_qsl`).
fn merge_form(query: &str, body: &str) -> BTreeMap<String, String> {
    let mut form = BTreeMap::new();
    for (key, value) in parse_qsl(query) {
        form.entry(key).or_insert(value);
    }
    for (key, value) in parse_qsl(body) {
        form.insert(key, value);
    }
    form
}

/// Python 3.11's `urllib.parse.parse_qsl(text)`: fields split on `&`, a field without `=` or with an empty
/// value dropped (`keep_blank_values=False`), `+` read as a space, `%XX` decoded, invalid UTF-8 replaced.
fn parse_qsl(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter_map(|field| field.split_once('='))
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| (unquote_plus(key), unquote_plus(value)))
        .collect()
}

/// Python's `unquote_plus`: `+` to space, `%XX` to a byte (a `%` not followed by two hex digits stays), the
/// bytes read as UTF-8 with U+FFFD for invalid sequences.
fn unquote_plus(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let hex_pair = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (byte, hex_pair) {
            (b'%', Some(value)) => {
                decoded.push(value);
                index += 3;
            }
            (b'+', _) => {
                decoded.push(b' ');
                index += 1;
            }
            _ => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_status(
        method: &str,
        query: &str,
        body: &str,
        expected: Result<StatusRequest, ActionError>,
    ) {
        assert_eq!(
            parse_status_request(method, query, body),
            expected,
            "{method} ?{query} body {body:?}"
        );
    }

    fn act(action: Action) -> Result<StatusRequest, ActionError> {
        Ok(StatusRequest {
            action: Some(action),
            message: None,
        })
    }

    fn page(message: Option<&str>) -> Result<StatusRequest, ActionError> {
        Ok(StatusRequest {
            action: None,
            message: message.map(str::to_string),
        })
    }

    #[test]
    fn status_requests() {
        let ignored = page(Some(IGNORED_GET_ACTION_MESSAGE));
        let cases: Vec<(&str, &str, &str, Result<StatusRequest, ActionError>)> = vec![
            ("GET", "", "", page(None)),
            (
                "GET",
                "message=Process%20web%20started",
                "",
                page(Some("Process web started")),
            ),
            ("GET", "message=a+b", "", page(Some("a b"))),
            // GET never acts, whatever the query says, and a GET body is never read.
            ("GET", "action=stopall", "", ignored.clone()),
            ("GET", "processname=web&action=stop", "", ignored.clone()),
            ("GET", "action=bogus", "", ignored.clone()),
            ("GET", "", "action=stopall", page(None)),
            ("HEAD", "action=stopall", "", ignored.clone()),
            ("post", "action=stopall", "", ignored),
            // POST: the action from the query (the buttons' formaction) or from the body.
            ("POST", "action=refresh", "", act(Action::Refresh)),
            ("POST", "action=stopall", "", act(Action::StopAll)),
            ("POST", "action=restartall", "", act(Action::RestartAll)),
            ("POST", "", "action=restartall", act(Action::RestartAll)),
            (
                "POST",
                "processname=web&action=start",
                "",
                act(Action::Start("web".into())),
            ),
            (
                "POST",
                "processname=web&action=stop",
                "",
                act(Action::Stop("web".into())),
            ),
            (
                "POST",
                "processname=web&action=restart",
                "",
                act(Action::Restart("web".into())),
            ),
            (
                "POST",
                "processname=web&action=clearlog",
                "",
                act(Action::ClearLog("web".into())),
            ),
            (
                "POST",
                "processname=workers%3Aworkers_00&action=stop",
                "",
                act(Action::Stop("workers:workers_00".into())),
            ),
            (
                "POST",
                "",
                "processname=a%26b&action=start",
                act(Action::Start("a&b".into())),
            ),
            // Body fields overlay query fields; in the query the first duplicate wins, in the body the last.
            (
                "POST",
                "processname=web&action=start",
                "action=stop",
                act(Action::Stop("web".into())),
            ),
            (
                "POST",
                "processname=a&processname=b&action=start",
                "",
                act(Action::Start("a".into())),
            ),
            (
                "POST",
                "",
                "processname=a&processname=b&action=start",
                act(Action::Start("b".into())),
            ),
            // Refresh needs no name and ignores one.
            (
                "POST",
                "processname=web&action=refresh",
                "",
                act(Action::Refresh),
            ),
            (
                "POST",
                "action=refresh&message=old",
                "",
                Ok(StatusRequest {
                    action: Some(Action::Refresh),
                    message: Some("old".into()),
                }),
            ),
            // Blank values count as absent (parse_qs without keep_blank_values).
            ("POST", "action=", "", page(None)),
            (
                "POST",
                "processname=&action=start",
                "",
                Err(ActionError::MissingProcessName("start".into())),
            ),
            (
                "POST",
                "action=stop",
                "",
                Err(ActionError::MissingProcessName("stop".into())),
            ),
            (
                "POST",
                "action=startall",
                "",
                Err(ActionError::UnknownAction("startall".into())),
            ),
            (
                "POST",
                "processname=web&action=bogus",
                "",
                Err(ActionError::UnknownAction("bogus".into())),
            ),
            (
                "POST",
                "action=STOPALL",
                "",
                Err(ActionError::UnknownAction("STOPALL".into())),
            ),
        ];
        for (method, query, body, expected) in cases {
            check_status(method, query, body, expected);
        }
    }

    #[test]
    fn parse_action_is_none_for_get() {
        let cases = [
            ("GET", "action=stopall", Ok(None)),
            ("GET", "processname=web&action=restart", Ok(None)),
            ("POST", "action=stopall", Ok(Some(Action::StopAll))),
            ("POST", "", Ok(None)),
            (
                "POST",
                "action=nope",
                Err(ActionError::UnknownAction("nope".into())),
            ),
        ];
        for (method, query, expected) in cases {
            assert_eq!(
                parse_action(method, query, ""),
                expected,
                "{method} ?{query}"
            );
        }
    }

    #[test]
    fn messages_after_actions() {
        // 2026-11-24 06:59:16 UTC, a Tuesday.
        let now = 1_795_503_556;
        let fault = |code: i32, detail: &str| Fault::new(code, detail);
        let cases: Vec<(Action, Result<(), Fault>, &str)> = vec![
            (
                Action::Refresh,
                Ok(()),
                "Page refreshed at Tue Nov 24 06:59:16 2026",
            ),
            (
                Action::StopAll,
                Ok(()),
                "All stopped at Tue Nov 24 06:59:16 2026",
            ),
            (
                Action::RestartAll,
                Ok(()),
                "All restarted at Tue Nov 24 06:59:16 2026",
            ),
            (Action::Start("web".into()), Ok(()), "Process web started"),
            (
                Action::Start("web".into()),
                Err(fault(codes::NO_FILE, "/bin/x")),
                "ERROR: Process web: no such file",
            ),
            (
                Action::Start("web".into()),
                Err(fault(codes::NOT_EXECUTABLE, "/etc")),
                "ERROR: Process web: file not executable",
            ),
            (
                Action::Start("web".into()),
                Err(fault(codes::ALREADY_STARTED, "web")),
                "ERROR: Process web: already started",
            ),
            (
                Action::Start("web".into()),
                Err(fault(codes::SPAWN_ERROR, "web")),
                "ERROR: Process web: spawn error",
            ),
            (
                Action::Start("web".into()),
                Err(fault(codes::ABNORMAL_TERMINATION, "web")),
                "ERROR: Process web: abnormal termination",
            ),
            (
                Action::Start("g:web".into()),
                Err(fault(codes::FAILED, "g:web")),
                "ERROR: Process g:web: unexpected rpc fault [30] FAILED: g:web",
            ),
            (Action::Stop("web".into()), Ok(()), "Process web stopped"),
            (
                Action::Stop("web".into()),
                Err(fault(codes::NOT_RUNNING, "web")),
                "unexpected rpc fault [70] NOT_RUNNING: web",
            ),
            (
                Action::Restart("web".into()),
                Ok(()),
                "Process web restarted",
            ),
            (
                Action::Restart("web".into()),
                Err(fault(codes::NOT_RUNNING, "web")),
                "Process web restarted",
            ),
            (
                Action::ClearLog("web".into()),
                Ok(()),
                "Log for web cleared",
            ),
            (
                Action::ClearLog("web".into()),
                Err(Fault::bare(codes::FAILED)),
                "unexpected rpc fault [30] FAILED",
            ),
        ];
        for (action, outcome, expected) in cases {
            assert_eq!(
                action.message(outcome.as_ref().map(|_| ()), now, 0),
                expected,
                "{action:?}"
            );
        }
        assert_eq!(
            Action::no_such_process_message("nosuch"),
            "No such process named nosuch"
        );
        assert_eq!(Action::Restart("g:a".into()).process_name(), Some("g:a"));
        assert_eq!(Action::StopAll.process_name(), None);
    }

    #[test]
    fn ctime_matches_python() {
        let cases = [
            (0, 0, "Thu Jan  1 00:00:00 1970"),
            (1_795_503_556, 0, "Tue Nov 24 06:59:16 2026"),
            (1_795_503_556, 3600, "Tue Nov 24 07:59:16 2026"),
            (1_795_503_556, -7 * 3600, "Mon Nov 23 23:59:16 2026"),
            (1_793_771_999, 0, "Wed Nov  4 05:59:59 2026"),
            (951_782_400, 0, "Tue Feb 29 00:00:00 2000"),
        ];
        for (now, offset, expected) in cases {
            assert_eq!(ctime(now, offset), expected, "{now} {offset}");
        }
    }

    #[test]
    fn url_quote_matches_python() {
        let cases = [
            ("web", "web"),
            ("workers:workers_00", "workers%3Aworkers_00"),
            ("a&b<c>", "a%26b%3Cc%3E"),
            ("a b/c~d.e-f_g", "a%20b/c~d.e-f_g"),
            ("\"'%+?#=", "%22%27%25%2B%3F%23%3D"),
            ("é", "%C3%A9"),
            ("Process web started", "Process%20web%20started"),
        ];
        for (text, expected) in cases {
            assert_eq!(url_quote(text), expected, "{text:?}");
        }
    }

    #[test]
    fn parse_qsl_matches_python() {
        let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("", vec![]),
            ("a=1&b=2", vec![("a", "1"), ("b", "2")]),
            ("a=1;b=2", vec![("a", "1;b=2")]),
            ("a&b=&c=3", vec![("c", "3")]),
            ("a=x=y", vec![("a", "x=y")]),
            ("a+b=c+d%20e", vec![("a b", "c d e")]),
            ("a=%zz%4", vec![("a", "%zz%4")]),
            ("a=%C3%A9", vec![("a", "é")]),
            ("a=%FF", vec![("a", "\u{fffd}")]),
            ("=v", vec![("", "v")]),
            ("&&a=1&", vec![("a", "1")]),
        ];
        for (text, expected) in cases {
            let expected: Vec<(String, String)> = expected
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(parse_qsl(text), expected, "{text:?}");
        }
    }

    #[test]
    fn redirect_location_quotes_the_message() {
        assert_eq!(
            redirect_location("http://127.0.0.1:9001", "Log for crash cleared"),
            "http://127.0.0.1:9001/?message=Log%20for%20crash%20cleared"
        );
        assert_eq!(
            redirect_location("http://h", "ERROR: Process a&b: spawn error"),
            "http://h/?message=ERROR%3A%20Process%20a%26b%3A%20spawn%20error"
        );
    }

    fn info(group: &str, name: &str) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            group: group.into(),
            start: 0,
            stop: 0,
            now: 0,
            state: 0,
            statename: "STOPPED".into(),
            spawnerr: String::new(),
            exitstatus: 0,
            stdout_logfile: String::new(),
            stderr_logfile: String::new(),
            pid: 0,
            description: "Not started".into(),
        }
    }

    #[test]
    fn find_process_follows_split_namespec() {
        let infos = [
            info("web", "web"),
            info("workers", "workers_00"),
            info("g", "x"),
        ];
        let cases = [
            ("web", Some(("web", "web"))),
            ("web:web", Some(("web", "web"))),
            ("workers:workers_00", Some(("workers", "workers_00"))),
            ("workers_00", None),
            ("workers", None),
            ("web:*", None),
            ("web:", None),
            ("g:x", Some(("g", "x"))),
            ("x", None),
            ("", None),
        ];
        for (namespec, expected) in cases {
            let found = find_process(&infos, namespec).map(|i| (i.group.as_str(), i.name.as_str()));
            assert_eq!(found, expected, "{namespec:?}");
        }
    }

    #[test]
    fn tail_requests() {
        let cases: Vec<(&str, &str, &str, Option<&str>, u64)> = vec![
            ("GET", "processname=web", "", Some("web"), 1024),
            ("GET", "processname=web&limit=5000", "", Some("web"), 5000),
            ("GET", "processname=web&limit=10", "", Some("web"), 1024),
            ("GET", "processname=web&limit=-5000", "", Some("web"), 1024),
            ("GET", "processname=web&limit=abc", "", Some("web"), 1024),
            (
                "GET",
                "processname=web&limit=99999999999999999999999",
                "",
                Some("web"),
                u64::MAX,
            ),
            ("GET", "processname=g%3Aa", "", Some("g:a"), 1024),
            ("GET", "", "", None, 1024),
            ("GET", "processname=", "", None, 1024),
            ("GET", "", "processname=web", None, 1024),
            ("POST", "", "processname=web&limit=2048", Some("web"), 2048),
        ];
        for (method, query, body, name, limit) in cases {
            let request = parse_tail_request(method, query, body);
            assert_eq!(
                (request.name_to_read(), request.limit),
                (name, limit),
                "{method} ?{query} body {body:?}"
            );
        }
    }

    #[test]
    fn tail_fault_texts() {
        assert_eq!(
            tail_fault_text("web", &Fault::new(codes::NO_FILE, "web")),
            "No file for web"
        );
        assert_eq!(
            tail_fault_text("nosuch", &Fault::new(codes::BAD_NAME, "nosuch")),
            "ERROR: unexpected rpc fault [10] BAD_NAME: nosuch"
        );
    }
}
