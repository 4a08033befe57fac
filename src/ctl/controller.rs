//! The commands: Supervisor 4.3.0's `Controller` and `DefaultControllerPlugin` rebuilt, line for line, over two
//! seams: a [`Backend`] that talks to supervisord and a [`Console`] for the terminal. Every output line, every
//! exit status and the order of the RPC calls follow `supervisorctl.py`; the comments name the places where its
//! quirks are kept on purpose.
//!
//! Owns: parsing a command line (`cmd.Cmd.parseline`), dispatch, the upcheck, the 401 handling, exit statuses,
//! and the `error: <class>, <value>: file: <file> line: <n>` line Supervisor prints for any exception a command
//! does not handle (rendered from [`Exception`], with the Python class, file and line the reference reports).
//!
//! Does not own: HTTP (the backend), reading lines and history (the console and `shell.rs`), or texts
//! (`format.rs`).

use std::ops::ControlFlow;
use std::rc::Rc;

use super::format::{
    self, faults, help_text, make_namespec, py_str, render_avail_line, render_changes,
    render_result, render_statuses, result_error_line, split_namespec, states, ProcessRow,
    ResultKind, ResultRow,
};
use super::xmlrpc::{Fault, Value};
use crate::config::pyrepr::py_repr;

/// LSB exit statuses supervisorctl uses (`LSBInitExitStatuses`, `LSBStatusExitStatuses`).
pub mod exit {
    pub const SUCCESS: i32 = 0;
    pub const GENERIC: i32 = 1;
    pub const INVALID_ARGS: i32 = 2;
    pub const UNIMPLEMENTED_FEATURE: i32 = 3;
    pub const INSUFFICIENT_PRIVILEGES: i32 = 4;
    pub const NOT_INSTALLED: i32 = 5;
    pub const NOT_RUNNING: i32 = 7;
    /// `status`: a shown process is stopped.
    pub const STATUS_NOT_RUNNING: i32 = 3;
    /// `status`: unknown name or server unreachable.
    pub const STATUS_UNKNOWN: i32 = 4;
}

/// The API version supervisorctl expects from `supervisor.getVersion()`.
pub const API_VERSION: &str = "3.0";

/// Where to reach supervisord and as whom. `open` and the 401 prompt change it between commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// Why an RPC call failed, in the terms of the Python exception it would have raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// `xmlrpc.client.Fault`.
    Fault(Fault),
    /// `xmlrpc.client.ProtocolError`: an HTTP status other than 200.
    Protocol { status: u16, reason: String },
    /// `OSError` from the socket: connecting, sending or receiving. `unix` tells which transport raised it (Python
    /// reports a different source file for each).
    Socket { errno: i32, unix: bool },
    /// `socket.gaierror`: the host name did not resolve.
    Resolve { errno: i32, message: String },
    /// `ValueError` from `SupervisorTransport`: the URL is neither `http://` nor `unix://`.
    UnknownProtocol(String),
    /// `ValueError` from `urlparse` on the port of an `http://` URL.
    BadPort(String),
    /// `http.client.RemoteDisconnected`: the server closed the connection without answering.
    Disconnected,
    /// The response was not XML-RPC (`ExpatError` and friends in Python).
    Malformed(String),
    /// Ctrl-C while waiting (Python's `KeyboardInterrupt`).
    Interrupted,
    /// `OverflowError` from the marshaller: an int argument outside 32 bits.
    IntOverflow,
}

impl CallError {
    pub fn fault_code(&self) -> Option<i64> {
        match self {
            CallError::Fault(fault) => Some(fault.code),
            _ => None,
        }
    }

    /// The errno of a socket error (`e.args[0]`), which the upcheck and `shutdown` look at.
    fn errno(&self) -> Option<i32> {
        match self {
            CallError::Socket { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}

/// A Python exception that escaped a command. `onecmd` prints it as an `error:` line and sets exit status 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exception {
    Call(CallError),
    /// `EOFError` from `input()` at a supervisorctl.py line.
    Eof {
        line: u32,
    },
    /// `EOFError` from `getpass` (raised without a message).
    PasswordEof,
    /// `ValueError` raised by supervisorctl.py itself.
    Value {
        message: String,
        line: u32,
    },
}

/// What ends a command other than returning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raised {
    Exception(Exception),
    /// `KeyboardInterrupt`: not caught by `onecmd`; the shell ends, printing an empty line.
    Interrupt,
}

impl From<CallError> for Raised {
    fn from(error: CallError) -> Self {
        match error {
            CallError::Interrupted => Raised::Interrupt,
            error => Raised::Exception(Exception::Call(error)),
        }
    }
}

/// What Python would report of an exception: its class, `str()` of it, and the source file and line it was raised
/// at. The file is given relative to the library directory it lives in (Python prints an absolute path), since there
/// is no Python installation to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonError {
    pub class: &'static str,
    pub value: String,
    pub file: &'static str,
    pub line: u32,
}

/// The line Supervisor prints for an exception a command did not handle:
/// `error: <class 'X'>, <str(value)>: file: <file> line: <n>`.
pub fn render_exception(exception: &Exception) -> String {
    let error = python_error(exception);
    format!(
        "error: <class '{}'>, {}: file: {} line: {}",
        error.class, error.value, error.file, error.line
    )
}

/// The Python exception each failure stands for, with where Supervisor 4.3.0 on CPython 3.11 raises it.
pub fn python_error(exception: &Exception) -> PythonError {
    let (class, value, file, line): (&str, String, &str, u32) = match exception {
        Exception::Call(CallError::Fault(fault)) => (
            "xmlrpc.client.Fault",
            fault.to_string(),
            "xmlrpc/client.py",
            668,
        ),
        Exception::Call(CallError::Protocol { status, reason }) => (
            "xmlrpc.client.ProtocolError",
            format!("<ProtocolError for 127.0.0.1/RPC2: {status} {reason}>"),
            "supervisor/xmlrpc.py",
            539,
        ),
        Exception::Call(CallError::Socket { errno, unix }) => {
            let (file, line) = if *unix {
                ("supervisor/xmlrpc.py", 557)
            } else {
                ("socket.py", 836)
            };
            (
                os_error_class(*errno),
                format!("[Errno {errno}] {}", strerror(*errno)),
                file,
                line,
            )
        }
        Exception::Call(CallError::Resolve { errno, message }) => (
            "socket.gaierror",
            format!("[Errno {errno}] {message}"),
            "socket.py",
            962,
        ),
        Exception::Call(CallError::UnknownProtocol(url)) => (
            "ValueError",
            format!("Unknown protocol for serverurl {url}"),
            "supervisor/xmlrpc.py",
            505,
        ),
        Exception::Call(CallError::BadPort(message)) => {
            // urllib.parse raises the two port errors from two lines of `_NetlocResultMixinBase.port`.
            let line = if message.starts_with("Port out of range") {
                184
            } else {
                182
            };
            ("ValueError", message.clone(), "urllib/parse.py", line)
        }
        Exception::Call(CallError::Disconnected) => (
            "http.client.RemoteDisconnected",
            "Remote end closed connection without response".into(),
            "http/client.py",
            294,
        ),
        Exception::Call(CallError::Malformed(message)) => (
            "xml.parsers.expat.ExpatError",
            message.clone(),
            "xmlrpc/client.py",
            451,
        ),
        Exception::Eof { line } => (
            "EOFError",
            "EOF when reading a line".into(),
            "supervisor/supervisorctl.py",
            *line,
        ),
        Exception::PasswordEof => ("EOFError", String::new(), "getpass.py", 148),
        Exception::Call(CallError::IntOverflow) => (
            "OverflowError",
            "int exceeds XML-RPC limits".into(),
            "xmlrpc/client.py",
            552,
        ),
        Exception::Call(CallError::Interrupted) => {
            ("KeyboardInterrupt", String::new(), "selectors.py", 468)
        }
        Exception::Value { message, line } => (
            "ValueError",
            message.clone(),
            "supervisor/supervisorctl.py",
            *line,
        ),
    };
    PythonError {
        class,
        value,
        file,
        line,
    }
}

/// The `OSError` subclass Python raises for an errno.
fn os_error_class(errno: i32) -> &'static str {
    match errno {
        nix::libc::ENOENT => "FileNotFoundError",
        nix::libc::ECONNREFUSED => "ConnectionRefusedError",
        nix::libc::ECONNRESET => "ConnectionResetError",
        nix::libc::ECONNABORTED => "ConnectionAbortedError",
        nix::libc::EPIPE | nix::libc::ESHUTDOWN => "BrokenPipeError",
        nix::libc::EACCES | nix::libc::EPERM => "PermissionError",
        nix::libc::ETIMEDOUT => "TimeoutError",
        nix::libc::ENOTDIR => "NotADirectoryError",
        nix::libc::EISDIR => "IsADirectoryError",
        nix::libc::EINTR => "InterruptedError",
        nix::libc::EAGAIN | nix::libc::EALREADY | nix::libc::EINPROGRESS => "BlockingIOError",
        _ => "OSError",
    }
}

/// `os.strerror(errno)`.
fn strerror(errno: i32) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    match text.rsplit_once(" (os error ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

/// How a `tail -f` or `maintail -f` stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowEnd {
    /// Ctrl-C (Python's `KeyboardInterrupt`, caught by `_tailf`).
    Interrupted,
    /// The stream ended or failed; the backend has already reported why on stderr.
    Ended,
}

/// How `fg` ended when the callback did not end it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForegroundEnd {
    Interrupted,
    EndOfInput,
    /// The callback asked to stop.
    Stopped,
}

/// A line read from the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Line(String),
    /// End of input (`EOFError`).
    Eof,
    /// Ctrl-C (`KeyboardInterrupt`).
    Interrupted,
}

/// The terminal: where output goes and where lines come from.
pub trait Console {
    /// Writes to stdout as is.
    fn write_out(&mut self, text: &str);
    fn write_err(&mut self, text: &str);
    /// Python's `input(prompt)`.
    fn read_line(&mut self, prompt: &str) -> Input;
    /// Python's `getpass.getpass(prompt)`.
    fn read_password(&mut self, prompt: &str) -> Input;
}

/// The connection to supervisord. Methods take `&self` so that `fg` can make calls while it streams.
pub trait Backend {
    /// One XML-RPC call on a fresh connection.
    fn call(
        &self,
        server: &ServerSettings,
        method: &str,
        params: &[Value],
    ) -> Result<Value, CallError>;

    /// Streams `serverurl + path` (a `/logtail/...` or `/mainlogtail` URL) to the console until Ctrl-C or the
    /// stream ends. Failures are written to stderr as Supervisor's HTTP client writes them.
    fn follow(&self, server: &ServerSettings, path: &str, console: &mut dyn Console) -> FollowEnd;

    /// `fg`: streams both `paths` to the console while reading lines from stdin and handing each (without its
    /// newline) to `on_line`, until Ctrl-C, end of input, or `on_line` breaks.
    fn foreground(
        &self,
        server: &ServerSettings,
        paths: [&str; 2],
        console: &mut dyn Console,
        on_line: &mut dyn FnMut(&str, &mut dyn Console) -> ControlFlow<()>,
    ) -> ForegroundEnd;
}

/// The command names `onecmd` dispatches to: the controller's `do_help` and `do_EOF`, then the default plugin's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Help,
    Eof,
    Add,
    Avail,
    Clear,
    Exit,
    Fg,
    Maintail,
    Open,
    Pid,
    Quit,
    Reload,
    Remove,
    Reread,
    Restart,
    Shutdown,
    Signal,
    Start,
    Status,
    Stop,
    Tail,
    Update,
    Version,
}

impl Command {
    fn from_name(name: &str) -> Option<Command> {
        Some(match name {
            "help" => Command::Help,
            "EOF" => Command::Eof,
            "add" => Command::Add,
            "avail" => Command::Avail,
            "clear" => Command::Clear,
            "exit" => Command::Exit,
            "fg" => Command::Fg,
            "maintail" => Command::Maintail,
            "open" => Command::Open,
            "pid" => Command::Pid,
            "quit" => Command::Quit,
            "reload" => Command::Reload,
            "remove" => Command::Remove,
            "reread" => Command::Reread,
            "restart" => Command::Restart,
            "shutdown" => Command::Shutdown,
            "signal" => Command::Signal,
            "start" => Command::Start,
            "status" => Command::Status,
            "stop" => Command::Stop,
            "tail" => Command::Tail,
            "update" => Command::Update,
            "version" => Command::Version,
            _ => return None,
        })
    }
}

/// `cmd.Cmd.parseline`: `(command, argument)` with the line stripped; `None` for an empty line; a command of
/// `None` when the line starts with `!` (no `do_shell`), and `""` when it starts with no identifier character.
pub fn parse_line(line: &str) -> Option<(Option<String>, String, String)> {
    let mut line = line.trim().to_string();
    if line.is_empty() {
        return None;
    }
    if let Some(rest) = line.strip_prefix('?') {
        line = format!("help {rest}");
    } else if line.starts_with('!') {
        return Some((None, String::new(), line));
    }
    let end = line
        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
        .unwrap_or(line.len());
    let command = line[..end].to_string();
    let argument = line[end..].trim().to_string();
    Some((Some(command), argument, line))
}

/// Python's `int(text)` for a byte count. A valid int beyond `i64` saturates: Supervisor passes it on and the
/// marshaller refuses it (ints are 32-bit), which saturating keeps.
fn python_int(text: &str) -> Option<i64> {
    match crate::config::datatypes::integer(text) {
        Ok(number) => Some(number),
        Err(message) if message.starts_with("Python int too large") => {
            Some(if text.trim_start().starts_with('-') {
                i64::MIN + 1
            } else {
                i64::MAX
            })
        }
        Err(_) => None,
    }
}

/// Python's `str.split()`.
fn split_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// The scheme `urllib.parse.urlparse` finds (lower-cased), or `""`.
fn url_scheme(url: &str) -> String {
    let url = url.trim_start_matches(|ch: char| ch <= ' ');
    let Some((candidate, _)) = url.split_once(':') else {
        return String::new();
    };
    let valid = candidate
        .chars()
        .next()
        .is_some_and(|ch| ch.is_ascii_alphabetic())
        && candidate
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '+' | '-' | '.'));
    if valid {
        candidate.to_ascii_lowercase()
    } else {
        String::new()
    }
}

/// supervisorctl's state between commands.
pub struct Controller<C: Console> {
    pub server: ServerSettings,
    /// `-i` or no action: confirmation prompts and the 401 credential prompt are active.
    pub interactive: bool,
    pub exitstatus: i32,
    pub console: C,
    backend: Rc<dyn Backend>,
}

type CommandResult = Result<bool, Raised>;

impl<C: Console> Controller<C> {
    pub fn new(
        server: ServerSettings,
        interactive: bool,
        backend: Rc<dyn Backend>,
        console: C,
    ) -> Self {
        Controller {
            server,
            interactive,
            exitstatus: exit::SUCCESS,
            console,
            backend,
        }
    }

    /// `Controller.output`: the message and a newline on stdout.
    fn output(&mut self, message: &str) {
        self.console.write_out(message);
        self.console.write_out("\n");
    }

    fn call(&self, method: &str, params: &[Value]) -> Result<Value, CallError> {
        self.backend.call(&self.server, method, params)
    }

    fn set_exitstatus_from_fault(&mut self, code: i64, ignored: Option<i64>) {
        if Some(code) == ignored || code == faults::SUCCESS {
            return;
        }
        self.exitstatus = if [
            faults::SPAWN_ERROR,
            faults::ABNORMAL_TERMINATION,
            faults::NOT_RUNNING,
        ]
        .contains(&code)
        {
            exit::NOT_RUNNING
        } else {
            exit::GENERIC
        };
    }

    /// `Controller.onecmd`: runs one line. `Ok(true)` asks the shell to stop (`quit`, `exit`, `EOF`);
    /// `Err(Raised::Interrupt)` is Ctrl-C, which `onecmd` does not catch.
    pub fn onecmd(&mut self, line: &str) -> Result<bool, Raised> {
        let Some((command, argument, line)) = parse_line(line) else {
            return Ok(false);
        };
        let Some(command) = command.as_deref().and_then(Command::from_name) else {
            self.output(&format!("*** Unknown syntax: {line}"));
            self.exitstatus = exit::GENERIC;
            return Ok(false);
        };
        let result = match self.run(command, &argument) {
            Err(Raised::Exception(Exception::Call(CallError::Protocol {
                status: 401, ..
            }))) => {
                self.output("Server requires authentication");
                if self.interactive {
                    return match self.ask_credentials() {
                        Ok(()) => self.onecmd(&line),
                        Err(Raised::Exception(exception)) => {
                            self.report(&exception);
                            Ok(false)
                        }
                        Err(Raised::Interrupt) => Err(Raised::Interrupt),
                    };
                }
                self.exitstatus = exit::GENERIC;
                // Supervisor's `onecmd` falls through to a second `do_func(arg)` here, outside the handler that
                // printed the message: the command runs again and its 401 is reported as an error.
                self.run(command, &argument)
            }
            other => other,
        };
        match result {
            Ok(stop) => Ok(stop),
            Err(Raised::Exception(exception)) => {
                self.report(&exception);
                Ok(false)
            }
            Err(Raised::Interrupt) => Err(Raised::Interrupt),
        }
    }

    fn report(&mut self, exception: &Exception) {
        self.output(&render_exception(exception));
        self.exitstatus = exit::GENERIC;
    }

    /// The interactive answer to a 401: ask for a user name and a password and keep them.
    fn ask_credentials(&mut self) -> Result<(), Raised> {
        let username = match self.console.read_line("Username:") {
            Input::Line(line) => line,
            Input::Eof => return Err(Raised::Exception(Exception::Eof { line: 212 })),
            Input::Interrupted => return Err(Raised::Interrupt),
        };
        let password = match self.console.read_password("Password:") {
            Input::Line(line) => line,
            Input::Eof => return Err(Raised::Exception(Exception::PasswordEof)),
            Input::Interrupted => return Err(Raised::Interrupt),
        };
        self.output("");
        self.server.username = Some(username);
        self.server.password = Some(password);
        Ok(())
    }

    fn run(&mut self, command: Command, argument: &str) -> CommandResult {
        match command {
            Command::Help => self.do_help(argument),
            Command::Eof | Command::Quit | Command::Exit => {
                self.output("");
                Ok(true)
            }
            Command::Add => self.do_add(argument),
            Command::Avail => self.do_avail(argument),
            Command::Clear => self.do_clear(argument),
            Command::Fg => self.do_fg(argument),
            Command::Maintail => self.do_maintail(argument),
            Command::Open => self.do_open(argument),
            Command::Pid => self.do_pid(argument),
            Command::Reload => self.do_reload(argument),
            Command::Remove => self.do_remove(argument),
            Command::Reread => self.do_reread(argument),
            Command::Restart => self.do_restart(argument),
            Command::Shutdown => self.do_shutdown(argument),
            Command::Signal => self.do_signal(argument),
            Command::Start => self.do_start(argument),
            Command::Status => self.do_status(argument),
            Command::Stop => self.do_stop(argument),
            Command::Tail => self.do_tail(argument),
            Command::Update => self.do_update(argument),
            Command::Version => self.do_version(argument),
        }
    }

    fn help(&mut self, topic: &str) {
        let text = help_text(topic).expect("every command with a usage error has help");
        self.console.write_out(text);
    }

    /// `upcheck`: `supervisor.getVersion()` must answer `"3.0"`. `Ok(false)` after printing why not.
    fn upcheck(&mut self) -> Result<bool, Raised> {
        match self.call("supervisor.getVersion", &[]) {
            Ok(Value::String(version)) if version == API_VERSION => Ok(true),
            Ok(other) => {
                self.output(&format!(
                    "Sorry, this version of supervisorctl expects to talk to a server with API version \
                     {API_VERSION}, but the remote version is {}.",
                    py_str(&other)
                ));
                self.exitstatus = exit::NOT_INSTALLED;
                Ok(false)
            }
            Err(CallError::Fault(fault)) if fault.code == faults::UNKNOWN_METHOD => {
                self.output(
                    "Sorry, supervisord responded but did not recognize the supervisor namespace commands that \
                     supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section \
                     is enabled in the configuration file (see sample.conf).",
                );
                self.exitstatus = exit::UNIMPLEMENTED_FEATURE;
                Ok(false)
            }
            Err(error) => match error.errno() {
                Some(nix::libc::ECONNREFUSED) => {
                    self.output(&format!("{} refused connection", self.server.serverurl));
                    self.exitstatus = exit::INSUFFICIENT_PRIVILEGES;
                    Ok(false)
                }
                Some(nix::libc::ENOENT) => {
                    self.output(&format!("{} no such file", self.server.serverurl));
                    self.exitstatus = exit::NOT_RUNNING;
                    Ok(false)
                }
                // Anything else escapes to `onecmd`, which reports it and sets status 1.
                _ => Err(error.into()),
            },
        }
    }

    fn do_help(&mut self, argument: &str) -> CommandResult {
        if argument.trim() == "help" {
            self.console.write_out(format::HELP_HELP);
        } else if argument.is_empty() {
            self.console.write_out(format::HELP_TOPICS);
        } else if let Some(text) = help_text(argument) {
            self.console.write_out(text);
        } else {
            self.output(&format!("*** No help on {argument}"));
        }
        Ok(false)
    }

    fn do_tail(&mut self, argument: &str) -> CommandResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let mut args = split_words(argument);
        if args.is_empty() || args.len() > 3 {
            let message = if args.is_empty() {
                "Error: too few arguments"
            } else {
                "Error: too many arguments"
            };
            self.output(message);
            self.exitstatus = exit::GENERIC;
            self.help("tail");
            return Ok(false);
        }
        let modifier = if args[0].starts_with('-') {
            Some(args.remove(0))
        } else {
            None
        };
        let (name, channel) = match args.len() {
            1 => (args[0].clone(), "stdout".to_string()),
            0 => {
                self.output("Error: tail requires process name");
                self.exitstatus = exit::GENERIC;
                return Ok(false);
            }
            _ => {
                let channel = args[args.len() - 1].to_lowercase();
                if channel != "stderr" && channel != "stdout" {
                    self.output(&format!("Error: bad channel {}", py_repr(&channel)));
                    self.exitstatus = exit::GENERIC;
                    return Ok(false);
                }
                (args[0].clone(), channel)
            }
        };
        let mut n_bytes: Option<i64> = Some(1600);
        if let Some(modifier) = &modifier {
            let what = &modifier[1..];
            if what == "f" {
                n_bytes = None;
            } else {
                match python_int(what) {
                    Some(number) => n_bytes = Some(number),
                    None => {
                        self.output(&format!("Error: bad argument {modifier}"));
                        self.exitstatus = exit::GENERIC;
                        return Ok(false);
                    }
                }
            }
        }
        let Some(n_bytes) = n_bytes else {
            return self.follow(&format!("/logtail/{name}/{channel}"));
        };
        let method = if channel == "stdout" {
            "supervisor.readProcessStdoutLog"
        } else {
            "supervisor.readProcessStderrLog"
        };
        match self.call(
            method,
            &[
                Value::String(name.clone()),
                Value::Int(-n_bytes),
                Value::Int(0),
            ],
        ) {
            Ok(output) => self.output(&py_str(&output)),
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                let reason = match fault.code {
                    faults::NO_FILE => "no log file",
                    faults::FAILED => "unknown error reading log",
                    faults::BAD_NAME => "no such process name",
                    _ => return Err(CallError::Fault(fault).into()),
                };
                self.output(&format!("{name}: ERROR ({reason})"));
            }
            Err(error) => return Err(error.into()),
        }
        Ok(false)
    }

    /// `_tailf`.
    fn follow(&mut self, path: &str) -> CommandResult {
        self.output("==> Press Ctrl-C to exit <==");
        let backend = Rc::clone(&self.backend);
        if backend.follow(&self.server, path, &mut self.console) == FollowEnd::Interrupted {
            self.output("");
        }
        Ok(false)
    }

    fn do_maintail(&mut self, argument: &str) -> CommandResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let args = split_words(argument);
        let mut n_bytes = 1600;
        if args.len() > 1 {
            self.output("Error: too many arguments");
            self.exitstatus = exit::GENERIC;
            self.help("maintail");
            return Ok(false);
        } else if let Some(modifier) = args.first() {
            let Some(what) = modifier.strip_prefix('-') else {
                self.output(&format!("Error: bad argument {modifier}"));
                self.exitstatus = exit::GENERIC;
                return Ok(false);
            };
            if what == "f" {
                return self.follow("/mainlogtail");
            }
            match python_int(what) {
                Some(number) => n_bytes = number,
                None => {
                    self.output(&format!("Error: bad argument {modifier}"));
                    self.exitstatus = exit::GENERIC;
                    return Ok(false);
                }
            }
        }
        match self.call("supervisor.readLog", &[Value::Int(-n_bytes), Value::Int(0)]) {
            Ok(output) => self.output(&py_str(&output)),
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                let reason = match fault.code {
                    faults::NO_FILE => "no log file",
                    faults::FAILED => "unknown error reading log",
                    _ => return Err(CallError::Fault(fault).into()),
                };
                self.output(&format!("supervisord: ERROR ({reason})"));
            }
            Err(error) => return Err(error.into()),
        }
        Ok(false)
    }

    fn all_process_rows(&self) -> Result<Vec<ProcessRow>, CallError> {
        let infos = self.call("supervisor.getAllProcessInfo", &[])?;
        Ok(infos
            .as_array()
            .unwrap_or_default()
            .iter()
            .map(ProcessRow::from_value)
            .collect())
    }

    fn do_status(&mut self, argument: &str) -> CommandResult {
        if !self.upcheck()? {
            // Supervisor overrides whatever the upcheck set: status reports 4 for an unreachable server.
            self.exitstatus = exit::STATUS_UNKNOWN;
            return Ok(false);
        }
        let all_rows = self.all_process_rows()?;
        let names = split_words(argument);
        let matching: Vec<ProcessRow> =
            if names.is_empty() || names.iter().any(|name| name == "all") {
                all_rows
            } else {
                let mut matching = Vec::new();
                for name in &names {
                    let (group, process) = split_namespec(name);
                    let found: Vec<&ProcessRow> = all_rows
                        .iter()
                        .filter(|row| {
                            row.group == group
                                && process.as_ref().is_none_or(|process| &row.name == process)
                        })
                        .collect();
                    if found.is_empty() {
                        let message = match process {
                            None => format!("{group}: ERROR (no such group)"),
                            Some(_) => format!("{name}: ERROR (no such process)"),
                        };
                        self.output(&message);
                        self.exitstatus = exit::STATUS_UNKNOWN;
                    }
                    matching.extend(found.into_iter().cloned());
                }
                matching
            };
        self.console.write_out(&render_statuses(&matching));
        if matching
            .iter()
            .any(|row| states::STOPPED_STATES.contains(&row.state))
        {
            self.exitstatus = exit::STATUS_NOT_RUNNING;
        }
        Ok(false)
    }

    fn do_pid(&mut self, argument: &str) -> CommandResult {
        // Supervisor builds its proxy (which checks the URL) before the upcheck; the outcome is the same.
        if !self.upcheck()? {
            return Ok(false);
        }
        let names = split_words(argument);
        if names.is_empty() {
            let pid = self.call("supervisor.getPID", &[])?;
            self.output(&py_str(&pid));
        } else if names.iter().any(|name| name == "all") {
            for row in self.all_process_rows()? {
                self.output(&py_str(&row.pid));
            }
        } else {
            for name in names {
                match self.call("supervisor.getProcessInfo", &[Value::String(name.clone())]) {
                    Ok(info) => {
                        let pid = info.member("pid").cloned().unwrap_or(Value::Int(0));
                        self.output(&py_str(&pid));
                        if pid.as_int() == Some(0) {
                            self.exitstatus = exit::NOT_RUNNING;
                        }
                    }
                    Err(CallError::Fault(fault)) => {
                        self.exitstatus = exit::GENERIC;
                        if fault.code != faults::BAD_NAME {
                            return Err(CallError::Fault(fault).into());
                        }
                        self.output(&format!("No such process {name}"));
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        }
        Ok(false)
    }

    /// Prints the results of a group or all operation.
    fn show_results(
        &mut self,
        kind: ResultKind,
        results: &Value,
        ignored: Option<i64>,
    ) -> Result<(), Raised> {
        for result in results.as_array().unwrap_or_default() {
            let row = ResultRow::from_value(result);
            self.show_result(kind, &row)?;
            self.set_exitstatus_from_fault(row.status, ignored);
        }
        Ok(())
    }

    fn show_result(&mut self, kind: ResultKind, row: &ResultRow) -> Result<(), Raised> {
        match render_result(kind, row) {
            Ok(line) => {
                self.output(&line);
                Ok(())
            }
            Err(message) => Err(Raised::Exception(Exception::Value {
                message,
                line: result_error_line(kind),
            })),
        }
    }

    /// A fault on a single-process call, shown as the result it stands for.
    fn fault_row(fault: &Fault, group: &str, process: &str) -> ResultRow {
        ResultRow {
            group: group.to_string(),
            name: process.to_string(),
            status: fault.code,
            description: fault.string.clone(),
        }
    }

    fn do_start(&mut self, argument: &str) -> CommandResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let names = split_words(argument);
        if names.is_empty() {
            self.output("Error: start requires a process name");
            self.exitstatus = exit::INVALID_ARGS;
            self.help("start");
            return Ok(false);
        }
        let ignored = Some(faults::ALREADY_STARTED);
        if names.iter().any(|name| name == "all") {
            let results = self.call("supervisor.startAllProcesses", &[])?;
            self.show_results(ResultKind::Start, &results, ignored)?;
            return Ok(false);
        }
        for name in names {
            let (group, process) = split_namespec(&name);
            match process {
                None => match self.call(
                    "supervisor.startProcessGroup",
                    &[Value::String(group.clone())],
                ) {
                    Ok(results) => self.show_results(ResultKind::Start, &results, ignored)?,
                    Err(CallError::Fault(fault)) if fault.code == faults::BAD_NAME => {
                        self.output(&format!("{group}: ERROR (no such group)"));
                        self.exitstatus = exit::INVALID_ARGS;
                    }
                    Err(error) => {
                        self.exitstatus = exit::GENERIC;
                        return Err(error.into());
                    }
                },
                Some(process) => match self
                    .call("supervisor.startProcess", &[Value::String(name.clone())])
                {
                    Ok(_) => self.output(&format!("{}: started", make_namespec(&group, &process))),
                    Err(CallError::Fault(fault)) => {
                        let row = Self::fault_row(&fault, &group, &process);
                        self.show_result(ResultKind::Start, &row)?;
                        self.set_exitstatus_from_fault(fault.code, ignored);
                    }
                    Err(error) => return Err(error.into()),
                },
            }
        }
        Ok(false)
    }

    fn do_stop(&mut self, argument: &str) -> CommandResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let names = split_words(argument);
        if names.is_empty() {
            self.output("Error: stop requires a process name");
            self.exitstatus = exit::GENERIC;
            self.help("stop");
            return Ok(false);
        }
        let ignored = Some(faults::NOT_RUNNING);
        if names.iter().any(|name| name == "all") {
            let results = self.call("supervisor.stopAllProcesses", &[])?;
            self.show_results(ResultKind::Stop, &results, ignored)?;
            return Ok(false);
        }
        for name in names {
            let (group, process) = split_namespec(&name);
            match process {
                None => match self.call(
                    "supervisor.stopProcessGroup",
                    &[Value::String(group.clone())],
                ) {
                    Ok(results) => self.show_results(ResultKind::Stop, &results, ignored)?,
                    Err(CallError::Fault(fault)) => {
                        self.exitstatus = exit::GENERIC;
                        if fault.code != faults::BAD_NAME {
                            return Err(CallError::Fault(fault).into());
                        }
                        self.output(&format!("{group}: ERROR (no such group)"));
                    }
                    Err(error) => return Err(error.into()),
                },
                Some(process) => match self
                    .call("supervisor.stopProcess", &[Value::String(name.clone())])
                {
                    Ok(_) => self.output(&format!("{}: stopped", make_namespec(&group, &process))),
                    Err(CallError::Fault(fault)) => {
                        let row = Self::fault_row(&fault, &group, &process);
                        self.show_result(ResultKind::Stop, &row)?;
                        self.set_exitstatus_from_fault(fault.code, ignored);
                    }
                    Err(error) => return Err(error.into()),
                },
            }
        }
        Ok(false)
    }

    fn do_signal(&mut self, argument: &str) -> CommandResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let args = split_words(argument);
        if args.len() < 2 {
            self.output("Error: signal requires a signal name and a process name");
            self.help("signal");
            self.exitstatus = exit::GENERIC;
            return Ok(false);
        }
        let signal = Value::String(args[0].clone());
        let names = &args[1..];
        if names.iter().any(|name| name == "all") {
            let results = self.call("supervisor.signalAllProcesses", &[signal])?;
            self.show_results(ResultKind::Signal, &results, None)?;
            return Ok(false);
        }
        for name in names {
            let (group, process) = split_namespec(name);
            match process {
                None => match self.call(
                    "supervisor.signalProcessGroup",
                    &[Value::String(group.clone()), signal.clone()],
                ) {
                    Ok(results) => self.show_results(ResultKind::Signal, &results, None)?,
                    Err(CallError::Fault(fault)) if fault.code == faults::BAD_NAME => {
                        self.output(&format!("{group}: ERROR (no such group)"));
                        self.exitstatus = exit::GENERIC;
                    }
                    Err(error) => return Err(error.into()),
                },
                Some(process) => {
                    match self.call(
                        "supervisor.signalProcess",
                        &[Value::String(name.clone()), signal.clone()],
                    ) {
                        Ok(_) => {
                            self.output(&format!("{}: signalled", make_namespec(&group, &process)))
                        }
                        Err(CallError::Fault(fault)) => {
                            let row = Self::fault_row(&fault, &group, &process);
                            self.show_result(ResultKind::Signal, &row)?;
                            self.set_exitstatus_from_fault(fault.code, None);
                        }
                        Err(error) => return Err(error.into()),
                    }
                }
            }
        }
        Ok(false)
    }

    fn do_restart(&mut self, argument: &str) -> CommandResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        if split_words(argument).is_empty() {
            self.output("Error: restart requires a process name");
            self.exitstatus = exit::GENERIC;
            self.help("restart");
            return Ok(false);
        }
        self.do_stop(argument)?;
        self.do_start(argument)
    }

    /// Python's `raw_input(prompt)` inside a command: an EOF is an `EOFError` raised at `line`.
    fn confirm(&mut self, prompt: &str, line: u32) -> Result<bool, Raised> {
        match self.console.read_line(prompt) {
            Input::Line(answer) => Ok(answer.to_lowercase().starts_with('y')),
            Input::Eof => Err(Raised::Exception(Exception::Eof { line })),
            Input::Interrupted => Err(Raised::Interrupt),
        }
    }

    fn do_shutdown(&mut self, argument: &str) -> CommandResult {
        if !argument.is_empty() {
            self.output("Error: shutdown accepts no arguments");
            self.exitstatus = exit::GENERIC;
            self.help("shutdown");
            return Ok(false);
        }
        if self.interactive
            && !self.confirm("Really shut the remote supervisord process down y/N? ", 987)?
        {
            return Ok(false);
        }
        match self.call("supervisor.shutdown", &[]) {
            Ok(_) => self.output("Shut down"),
            // Exit status unchanged, as in Supervisor: the server is going down, which is what was asked.
            Err(CallError::Fault(fault)) if fault.code == faults::SHUTDOWN_STATE => {
                self.output("ERROR: already shutting down")
            }
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                return Err(CallError::Fault(fault).into());
            }
            Err(
                error @ (CallError::Socket { .. }
                | CallError::Disconnected
                | CallError::Resolve { .. }),
            ) => {
                self.exitstatus = exit::GENERIC;
                let serverurl = self.server.serverurl.clone();
                match error.errno() {
                    Some(nix::libc::ECONNREFUSED) => self.output(&format!(
                        "ERROR: {serverurl} refused connection (already shut down?)"
                    )),
                    Some(nix::libc::ENOENT) => self.output(&format!(
                        "ERROR: {serverurl} no such file (already shut down?)"
                    )),
                    _ => return Err(error.into()),
                }
            }
            Err(error) => return Err(error.into()),
        }
        Ok(false)
    }

    fn do_reload(&mut self, argument: &str) -> CommandResult {
        if !argument.is_empty() {
            self.output("Error: reload accepts no arguments");
            self.exitstatus = exit::GENERIC;
            self.help("reload");
            return Ok(false);
        }
        if self.interactive
            && !self.confirm("Really restart the remote supervisord process y/N? ", 1027)?
        {
            return Ok(false);
        }
        match self.call("supervisor.restart", &[]) {
            Ok(_) => self.output("Restarted supervisord"),
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                if fault.code != faults::SHUTDOWN_STATE {
                    return Err(CallError::Fault(fault).into());
                }
                self.output("ERROR: already shutting down");
            }
            Err(error) => return Err(error.into()),
        }
        Ok(false)
    }

    fn do_avail(&mut self, argument: &str) -> CommandResult {
        if !argument.is_empty() {
            self.output("Error: avail accepts no arguments");
            self.exitstatus = exit::GENERIC;
            self.help("avail");
            return Ok(false);
        }
        match self.call("supervisor.getAllConfigInfo", &[]) {
            Ok(infos) => {
                for info in infos.as_array().unwrap_or_default() {
                    self.output(&render_avail_line(info));
                }
            }
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                if fault.code != faults::SHUTDOWN_STATE {
                    return Err(CallError::Fault(fault).into());
                }
                self.output("ERROR: supervisor shutting down");
            }
            Err(error) => return Err(error.into()),
        }
        Ok(false)
    }

    /// The three group-name lists of a `reloadConfig` answer (`result[0]`).
    fn changes(result: &Value) -> [Vec<String>; 3] {
        let lists = result
            .as_array()
            .and_then(|outer| outer.first())
            .and_then(Value::as_array);
        let list = |index: usize| -> Vec<String> {
            lists
                .and_then(|lists| lists.get(index))
                .and_then(Value::as_array)
                .unwrap_or_default()
                .iter()
                .map(py_str)
                .collect()
        };
        [list(0), list(1), list(2)]
    }

    fn do_reread(&mut self, argument: &str) -> CommandResult {
        if !argument.is_empty() {
            self.output("Error: reread accepts no arguments");
            self.exitstatus = exit::GENERIC;
            self.help("reread");
            return Ok(false);
        }
        match self.call("supervisor.reloadConfig", &[]) {
            Ok(result) => {
                let [added, changed, removed] = Self::changes(&result);
                self.console
                    .write_out(&render_changes(&added, &changed, &removed));
            }
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                match fault.code {
                    faults::SHUTDOWN_STATE => self.output("ERROR: supervisor shutting down"),
                    faults::CANT_REREAD => self.output(&format!("ERROR: {}", fault.string)),
                    _ => return Err(CallError::Fault(fault).into()),
                }
            }
            Err(error) => return Err(error.into()),
        }
        Ok(false)
    }

    fn do_add(&mut self, argument: &str) -> CommandResult {
        for name in split_words(argument) {
            match self.call("supervisor.addProcessGroup", &[Value::String(name.clone())]) {
                Ok(_) => self.output(&format!("{name}: added process group")),
                Err(CallError::Fault(fault)) => match fault.code {
                    faults::SHUTDOWN_STATE => {
                        self.output("ERROR: shutting down");
                        self.exitstatus = exit::GENERIC;
                    }
                    faults::ALREADY_ADDED => self.output("ERROR: process group already active"),
                    faults::BAD_NAME => {
                        self.output(&format!("ERROR: no such process/group: {name}"));
                        self.exitstatus = exit::GENERIC;
                    }
                    _ => {
                        self.exitstatus = exit::GENERIC;
                        return Err(CallError::Fault(fault).into());
                    }
                },
                Err(error) => return Err(error.into()),
            }
        }
        Ok(false)
    }

    fn do_remove(&mut self, argument: &str) -> CommandResult {
        for name in split_words(argument) {
            match self.call(
                "supervisor.removeProcessGroup",
                &[Value::String(name.clone())],
            ) {
                Ok(_) => self.output(&format!("{name}: removed process group")),
                Err(CallError::Fault(fault)) => {
                    self.exitstatus = exit::GENERIC;
                    match fault.code {
                        faults::STILL_RUNNING => {
                            self.output(&format!("ERROR: process/group still running: {name}"))
                        }
                        faults::BAD_NAME => {
                            self.output(&format!("ERROR: no such process/group: {name}"))
                        }
                        _ => return Err(CallError::Fault(fault).into()),
                    }
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(false)
    }

    /// `update [--dry-run] [--json] [all | gname ...]`. Against supervisor-rs the server plans and applies the
    /// minimal update itself (`supervisor_rs.planUpdate` / `applyUpdate`): only what changed is touched, and
    /// `--dry-run` prints the plan with unified diffs. Against Python supervisord (no such methods) it drives
    /// Supervisor's group-level sequence, as Supervisor's own client does.
    fn do_update(&mut self, argument: &str) -> CommandResult {
        let words = split_words(argument);
        let dry_run = words.iter().any(|word| word == "--dry-run");
        let json = words.iter().any(|word| word == "--json");
        let names: Vec<String> = words
            .into_iter()
            .filter(|word| word != "--dry-run" && word != "--json" && word != "all")
            .collect();
        let method = if dry_run {
            "supervisor_rs.planUpdate"
        } else {
            "supervisor_rs.applyUpdate"
        };
        let params = [Value::Array(
            names.iter().cloned().map(Value::String).collect(),
        )];
        match self.call(method, &params) {
            Ok(plan) => {
                self.show_plan(&plan, dry_run, json);
                Ok(false)
            }
            Err(CallError::Fault(fault)) if fault.code == faults::UNKNOWN_METHOD => {
                if dry_run || json {
                    self.output("ERROR: this supervisord cannot plan updates (--dry-run and --json need supervisor-rs)");
                    self.exitstatus = exit::GENERIC;
                    return Ok(false);
                }
                self.do_supervisor_update(argument)
            }
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                match fault.code {
                    faults::SHUTDOWN_STATE => self.output("ERROR: already shutting down"),
                    faults::BAD_NAME => self.output(&format!(
                        "ERROR: no such group: {}",
                        fault
                            .string
                            .strip_prefix("BAD_NAME: ")
                            .unwrap_or(&fault.string)
                    )),
                    _ => self.output(&format!("ERROR: {}", fault.string)),
                }
                Ok(false)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Prints an update plan: the plan text (dry run), the JSON, or Supervisor's lines for what was applied
    /// (`NAME: added process group`, `NAME: removed process group`, `NAME: updated process group`) followed by a
    /// line for each process that was restarted, updated in place, added or removed.
    fn show_plan(&mut self, plan: &Value, dry_run: bool, json: bool) {
        let text_member = |name: &str| {
            plan.member(name)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        if json {
            self.output(&text_member("json"));
            return;
        }
        if dry_run {
            let text = text_member("text");
            self.output(text.trim_end_matches('\n'));
            return;
        }
        let changes = plan
            .member("changes")
            .and_then(Value::as_array)
            .unwrap_or_default()
            .to_vec();
        let field = |change: &Value, name: &str| {
            change
                .member(name)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let mut updated_groups: Vec<String> = Vec::new();
        let mut process_lines: Vec<(String, String)> = Vec::new();
        for change in &changes {
            let group = field(change, "group");
            match field(change, "action").as_str() {
                "add group" => self.output(&format!("{group}: added process group")),
                "remove group" => self.output(&format!("{group}: removed process group")),
                action => {
                    let group_is_new_or_gone = changes.iter().any(|other| {
                        field(other, "group") == group
                            && matches!(
                                field(other, "action").as_str(),
                                "add group" | "remove group"
                            )
                    });
                    if !group_is_new_or_gone && !updated_groups.contains(&group) {
                        updated_groups.push(group.clone());
                    }
                    if action != "update group in place" || !group_is_new_or_gone {
                        let fields: Vec<String> = change
                            .member("fields")
                            .and_then(Value::as_array)
                            .unwrap_or_default()
                            .iter()
                            .filter_map(|value| value.as_str().map(str::to_string))
                            .collect();
                        let detail = if fields.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", fields.join(", "))
                        };
                        process_lines.push((
                            group,
                            format!("{}: {action}{detail}", field(change, "name")),
                        ));
                    }
                }
            }
        }
        for group in updated_groups {
            self.output(&format!("{group}: updated process group"));
            for (_, line) in process_lines.iter().filter(|(owner, _)| *owner == group) {
                self.output(line);
            }
        }
    }

    /// Supervisor's own `update`: reread, then stop/remove/add whole groups through the standard methods.
    fn do_supervisor_update(&mut self, argument: &str) -> CommandResult {
        let result = match self.call("supervisor.reloadConfig", &[]) {
            Ok(result) => result,
            Err(CallError::Fault(fault)) => {
                self.exitstatus = exit::GENERIC;
                if fault.code == faults::SHUTDOWN_STATE {
                    self.output("ERROR: already shutting down");
                    return Ok(false);
                }
                return Err(CallError::Fault(fault).into());
            }
            Err(error) => return Err(error.into()),
        };
        let [added, changed, removed] = Self::changes(&result);
        // Supervisor keeps the names in a set; its iteration order (which only matters for the order of several
        // "no such group" lines) is Python's hash order, so the order typed is as good as any.
        let mut valid_gnames: Vec<String> = Vec::new();
        for name in split_words(argument) {
            if !valid_gnames.contains(&name) {
                valid_gnames.push(name);
            }
        }
        if valid_gnames.iter().any(|name| name == "all") {
            valid_gnames.clear();
        }
        if !valid_gnames.is_empty() {
            let mut groups: Vec<String> = self
                .all_process_rows()?
                .into_iter()
                .map(|row| row.group)
                .collect();
            groups.extend(added.iter().cloned());
            for gname in &valid_gnames {
                if !groups.contains(gname) {
                    self.output(&format!("ERROR: no such group: {gname}"));
                    self.exitstatus = exit::GENERIC;
                }
            }
        }
        let wanted = |gname: &String| valid_gnames.is_empty() || valid_gnames.contains(gname);
        let group_param = |gname: &String| [Value::String(gname.clone())];
        for gname in removed.iter().filter(|gname| wanted(gname)) {
            let results = self.call("supervisor.stopProcessGroup", &group_param(gname))?;
            self.output(&format!("{gname}: stopped"));
            let failed = results
                .as_array()
                .unwrap_or_default()
                .iter()
                .any(|result| ResultRow::from_value(result).status == faults::FAILED);
            if failed {
                self.output(&format!("{gname}: has problems; not removing"));
                self.exitstatus = exit::GENERIC;
                continue;
            }
            self.call("supervisor.removeProcessGroup", &group_param(gname))?;
            self.output(&format!("{gname}: removed process group"));
        }
        for gname in changed.iter().filter(|gname| wanted(gname)) {
            self.call("supervisor.stopProcessGroup", &group_param(gname))?;
            self.output(&format!("{gname}: stopped"));
            self.call("supervisor.removeProcessGroup", &group_param(gname))?;
            self.call("supervisor.addProcessGroup", &group_param(gname))?;
            self.output(&format!("{gname}: updated process group"));
        }
        for gname in added.iter().filter(|gname| wanted(gname)) {
            self.call("supervisor.addProcessGroup", &group_param(gname))?;
            self.output(&format!("{gname}: added process group"));
        }
        Ok(false)
    }

    fn do_clear(&mut self, argument: &str) -> CommandResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let names = split_words(argument);
        if names.is_empty() {
            self.output("Error: clear requires a process name");
            self.exitstatus = exit::GENERIC;
            self.help("clear");
            return Ok(false);
        }
        if names.iter().any(|name| name == "all") {
            let results = self.call("supervisor.clearAllProcessLogs", &[])?;
            self.show_results(ResultKind::Clear, &results, None)?;
            return Ok(false);
        }
        for name in names {
            let (group, process) = split_namespec(&name);
            // `split_namespec` gives no process for `grp:*`; Supervisor then formats the name with None.
            let process = process.unwrap_or_else(|| "None".to_string());
            match self.call(
                "supervisor.clearProcessLogs",
                &[Value::String(name.clone())],
            ) {
                Ok(_) => self.output(&format!("{}: cleared", make_namespec(&group, &process))),
                Err(CallError::Fault(fault)) => {
                    let row = Self::fault_row(&fault, &group, &process);
                    self.show_result(ResultKind::Clear, &row)?;
                    self.set_exitstatus_from_fault(fault.code, None);
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(false)
    }

    fn do_open(&mut self, argument: &str) -> CommandResult {
        let url = argument.trim().to_string();
        let scheme = url_scheme(&url);
        if scheme != "unix" && scheme != "http" {
            self.output("ERROR: url must be http:// or unix://");
            self.exitstatus = exit::GENERIC;
            return Ok(false);
        }
        self.server.serverurl = url;
        let old_exitstatus = self.exitstatus;
        self.do_status("")?;
        self.exitstatus = old_exitstatus;
        Ok(false)
    }

    fn do_version(&mut self, argument: &str) -> CommandResult {
        if !argument.is_empty() {
            self.output("Error: version accepts no arguments");
            self.exitstatus = exit::GENERIC;
            self.help("version");
            return Ok(false);
        }
        if !self.upcheck()? {
            return Ok(false);
        }
        let version = self.call("supervisor.getSupervisorVersion", &[])?;
        self.output(&py_str(&version));
        Ok(false)
    }

    fn do_fg(&mut self, argument: &str) -> CommandResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let names = split_words(argument);
        if names.is_empty() {
            self.output("ERROR: no process name supplied");
            self.exitstatus = exit::GENERIC;
            self.help("fg");
            return Ok(false);
        }
        if names.len() > 1 {
            self.output("ERROR: too many process names supplied");
            self.exitstatus = exit::GENERIC;
            return Ok(false);
        }
        let name = names[0].clone();
        let info = match self.call("supervisor.getProcessInfo", &[Value::String(name.clone())]) {
            Ok(info) => info,
            Err(CallError::Fault(fault)) => {
                if fault.code == faults::BAD_NAME {
                    self.output("ERROR: bad process name supplied");
                    self.exitstatus = exit::GENERIC;
                } else {
                    self.output(&format!("ERROR: {fault}"));
                }
                return Ok(false);
            }
            Err(error) => return Err(error.into()),
        };
        if info.member("state").and_then(Value::as_int) != Some(states::RUNNING) {
            self.output("ERROR: process not running");
            self.exitstatus = exit::GENERIC;
            return Ok(false);
        }
        self.output("==> Press Ctrl-C to exit <==");
        let stdout_path = format!("/logtail/{name}/stdout");
        let stderr_path = format!("/logtail/{name}/stderr");
        let backend = Rc::clone(&self.backend);
        let server = self.server.clone();
        let mut escaped: Option<CallError> = None;
        let mut on_line = |line: &str, console: &mut dyn Console| -> ControlFlow<()> {
            let mut say = |text: &str| {
                console.write_out(text);
                console.write_out("\n");
            };
            let params = [
                Value::String(name.clone()),
                Value::String(format!("{line}\n")),
            ];
            match backend.call(&server, "supervisor.sendProcessStdin", &params) {
                Ok(_) => {}
                Err(CallError::Fault(fault)) => {
                    if fault.code == faults::NOT_RUNNING {
                        say("Process got killed");
                    } else {
                        say(&format!("ERROR: {fault}"));
                    }
                    say("Exiting foreground");
                    return ControlFlow::Break(());
                }
                Err(error) => {
                    escaped = Some(error);
                    return ControlFlow::Break(());
                }
            }
            match backend.call(
                &server,
                "supervisor.getProcessInfo",
                &[Value::String(name.clone())],
            ) {
                Ok(info)
                    if info.member("state").and_then(Value::as_int) == Some(states::RUNNING) =>
                {
                    ControlFlow::Continue(())
                }
                Ok(_) => {
                    say("Process got killed");
                    say("Exiting foreground");
                    ControlFlow::Break(())
                }
                Err(error) => {
                    escaped = Some(error);
                    ControlFlow::Break(())
                }
            }
        };
        let end = self.backend.foreground(
            &self.server,
            [&stdout_path, &stderr_path],
            &mut self.console,
            &mut on_line,
        );
        if let Some(error) = escaped {
            return Err(error.into());
        }
        if end != ForegroundEnd::Stopped {
            self.output("Exiting foreground");
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::VecDeque;

    /// A console that records output and answers reads from a script.
    #[derive(Default)]
    struct ScriptConsole {
        transcript: String,
        inputs: VecDeque<Input>,
    }

    impl Console for ScriptConsole {
        fn write_out(&mut self, text: &str) {
            self.transcript.push_str(text);
        }
        fn write_err(&mut self, text: &str) {
            self.transcript.push_str(&format!("[stderr]{text}"));
        }
        fn read_line(&mut self, prompt: &str) -> Input {
            self.transcript.push_str(prompt);
            self.inputs.pop_front().unwrap_or(Input::Eof)
        }
        fn read_password(&mut self, prompt: &str) -> Input {
            self.transcript.push_str(&format!("[password]{prompt}"));
            self.inputs.pop_front().unwrap_or(Input::Eof)
        }
    }

    type Answer = Result<Value, CallError>;

    /// A server that answers each method from a table (the last answer for a method repeats) and records calls.
    #[derive(Default)]
    struct ScriptBackend {
        answers: RefCell<Vec<(String, VecDeque<Answer>)>>,
        calls: RefCell<Vec<String>>,
        stdin_lines: Vec<String>,
    }

    impl ScriptBackend {
        fn answer(self, method: &str, answer: Answer) -> Self {
            {
                let mut answers = self.answers.borrow_mut();
                match answers.iter_mut().find(|(name, _)| name == method) {
                    Some((_, queue)) => queue.push_back(answer),
                    None => answers.push((method.to_string(), VecDeque::from([answer]))),
                }
            }
            self
        }

        fn up(self) -> Self {
            self.answer("supervisor.getVersion", Ok(string("3.0")))
        }
    }

    impl Backend for ScriptBackend {
        fn call(
            &self,
            _server: &ServerSettings,
            method: &str,
            params: &[Value],
        ) -> Result<Value, CallError> {
            let shown: Vec<String> = params.iter().map(py_str).collect();
            self.calls
                .borrow_mut()
                .push(format!("{method}({})", shown.join(", ")));
            let mut answers = self.answers.borrow_mut();
            // Unscripted supervisor-rs methods are unknown, as on Python supervisord.
            if method.starts_with("supervisor_rs.")
                && !answers.iter().any(|(name, _)| name == method)
            {
                return fault(1, "UNKNOWN_METHOD");
            }
            let (_, queue) = answers
                .iter_mut()
                .find(|(name, _)| name == method)
                .unwrap_or_else(|| panic!("unexpected call {method}"));
            if queue.len() > 1 {
                queue.pop_front().expect("non-empty")
            } else {
                queue.front().cloned().expect("non-empty")
            }
        }

        fn follow(
            &self,
            server: &ServerSettings,
            path: &str,
            console: &mut dyn Console,
        ) -> FollowEnd {
            console.write_out(&format!("<stream {}{path}>", server.serverurl));
            FollowEnd::Interrupted
        }

        fn foreground(
            &self,
            _server: &ServerSettings,
            paths: [&str; 2],
            console: &mut dyn Console,
            on_line: &mut dyn FnMut(&str, &mut dyn Console) -> ControlFlow<()>,
        ) -> ForegroundEnd {
            console.write_out(&format!("<streams {} {}>", paths[0], paths[1]));
            for line in &self.stdin_lines {
                if on_line(line, console).is_break() {
                    return ForegroundEnd::Stopped;
                }
            }
            ForegroundEnd::EndOfInput
        }
    }

    fn string(text: &str) -> Value {
        Value::String(text.to_string())
    }

    fn fault(code: i64, text: &str) -> Answer {
        Err(CallError::Fault(Fault {
            code,
            string: text.to_string(),
        }))
    }

    fn info(group: &str, name: &str, state: i64, statename: &str, pid: i64) -> Value {
        Value::Struct(vec![
            ("name".into(), string(name)),
            ("group".into(), string(group)),
            ("state".into(), Value::Int(state)),
            ("statename".into(), string(statename)),
            ("pid".into(), Value::Int(pid)),
            (
                "description".into(),
                string(if pid > 0 {
                    "pid 1, uptime 0:00:01"
                } else {
                    "Not started"
                }),
            ),
        ])
    }

    fn result(group: &str, name: &str, status: i64) -> Value {
        Value::Struct(vec![
            ("name".into(), string(name)),
            ("group".into(), string(group)),
            ("status".into(), Value::Int(status)),
            ("description".into(), string("OK")),
        ])
    }

    fn all_infos() -> Answer {
        Ok(Value::Array(vec![
            info("cat", "cat", 20, "RUNNING", 42),
            info("grp", "ga", 0, "STOPPED", 0),
        ]))
    }

    fn settings() -> ServerSettings {
        ServerSettings {
            serverurl: "unix:///tmp/s.sock".into(),
            username: None,
            password: None,
        }
    }

    /// Runs `lines` one-shot style (or interactively) and compares the transcript and exit status.
    fn check(
        backend: ScriptBackend,
        interactive: bool,
        inputs: Vec<Input>,
        lines: &[&str],
        expected: &str,
        status: i32,
    ) {
        let console = ScriptConsole {
            transcript: String::new(),
            inputs: inputs.into(),
        };
        let backend = Rc::new(backend);
        let mut controller = Controller::new(settings(), interactive, backend.clone(), console);
        for line in lines {
            let _ = controller.onecmd(line);
        }
        assert_eq!(controller.console.transcript, expected, "lines {lines:?}");
        assert_eq!(controller.exitstatus, status, "exit status of {lines:?}");
    }

    fn oneshot(backend: ScriptBackend, line: &str, expected: &str, status: i32) {
        check(backend, false, vec![], &[line], expected, status);
    }

    #[test]
    fn parse_line_like_cmd() {
        type Parsed<'a> = Option<(Option<&'a str>, &'a str, &'a str)>;
        let cases: &[(&str, Parsed)] = &[
            ("", None),
            ("   ", None),
            ("status", Some((Some("status"), "", "status"))),
            ("  start  a b  ", Some((Some("start"), "a b", "start  a b"))),
            ("?start", Some((Some("help"), "start", "help start"))),
            ("?", Some((Some("help"), "", "help "))),
            ("!ls", Some((None, "", "!ls"))),
            ("status-x", Some((Some("status"), "-x", "status-x"))),
            ("-x", Some((Some(""), "-x", "-x"))),
        ];
        for (line, expected) in cases {
            let expected = expected.map(|(command, argument, line)| {
                (
                    command.map(str::to_string),
                    argument.to_string(),
                    line.to_string(),
                )
            });
            assert_eq!(parse_line(line), expected, "{line:?}");
        }
    }

    #[test]
    fn dispatch_and_help() {
        let backend = || ScriptBackend::default();
        oneshot(backend(), "foo", "*** Unknown syntax: foo\n", 1);
        oneshot(backend(), "STATUS", "*** Unknown syntax: STATUS\n", 1);
        oneshot(backend(), "!x", "*** Unknown syntax: !x\n", 1);
        oneshot(backend(), "EOF", "\n", 0);
        oneshot(backend(), "quit", "\n", 0);
        oneshot(backend(), "exit now", "\n", 0);
        oneshot(backend(), "help", format::HELP_TOPICS, 0);
        oneshot(backend(), "?", format::HELP_TOPICS, 0);
        oneshot(backend(), "help help", format::HELP_HELP, 0);
        oneshot(backend(), "help EOF", "*** No help on EOF\n", 0);
        oneshot(backend(), "help foo bar", "*** No help on foo bar\n", 0);
        oneshot(
            backend(),
            "help exit",
            "exit\tExit the supervisor shell.\n",
            0,
        );
    }

    #[test]
    fn upcheck_failures() {
        let down = |errno| {
            ScriptBackend::default().answer(
                "supervisor.getVersion",
                Err(CallError::Socket { errno, unix: true }),
            )
        };
        oneshot(
            down(nix::libc::ENOENT),
            "version",
            "unix:///tmp/s.sock no such file\n",
            7,
        );
        oneshot(
            down(nix::libc::ENOENT),
            "status",
            "unix:///tmp/s.sock no such file\n",
            4,
        );
        oneshot(
            down(nix::libc::ECONNREFUSED),
            "start x",
            "unix:///tmp/s.sock refused connection\n",
            4,
        );
        oneshot(
            down(nix::libc::EACCES),
            "pid",
            "error: <class 'PermissionError'>, [Errno 13] Permission denied: file: supervisor/xmlrpc.py line: 557\n",
            1,
        );
        oneshot(
            ScriptBackend::default().answer("supervisor.getVersion", Ok(string("2.0"))),
            "version",
            "Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote \
             version is 2.0.\n",
            5,
        );
        oneshot(
            ScriptBackend::default().answer("supervisor.getVersion", fault(1, "UNKNOWN_METHOD")),
            "version",
            "Sorry, supervisord responded but did not recognize the supervisor namespace commands that \
             supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled \
             in the configuration file (see sample.conf).\n",
            3,
        );
        oneshot(
            ScriptBackend::default().answer("supervisor.getVersion", fault(6, "SHUTDOWN_STATE")),
            "clear all",
            "error: <class 'xmlrpc.client.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>: file: xmlrpc/client.py line: 668\n",
            1,
        );
        oneshot(
            ScriptBackend::default().answer(
                "supervisor.getVersion",
                Err(CallError::UnknownProtocol("ftp://x".into())),
            ),
            "status",
            "error: <class 'ValueError'>, Unknown protocol for serverurl ftp://x: file: supervisor/xmlrpc.py line: \
             505\n",
            1,
        );
    }

    #[test]
    fn unauthorized() {
        let unauthorized = || {
            ScriptBackend::default().answer(
                "supervisor.getVersion",
                Err(CallError::Protocol {
                    status: 401,
                    reason: "Unauthorized".into(),
                }),
            )
        };
        // One-shot: the message, then the command runs again and its 401 is reported.
        oneshot(
            unauthorized(),
            "status",
            "Server requires authentication\nerror: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for \
             127.0.0.1/RPC2: 401 Unauthorized>: file: supervisor/xmlrpc.py line: 539\n",
            1,
        );
        // Interactive: credentials are asked for and the command is retried.
        let backend = unauthorized()
            .up()
            .answer("supervisor.getSupervisorVersion", Ok(string("4.3.0")));
        check(
            backend,
            true,
            vec![Input::Line("bob".into()), Input::Line("pw".into())],
            &["version"],
            "Server requires authentication\nUsername:[password]Password:\n4.3.0\n",
            0,
        );
        check(
            unauthorized(),
            true,
            vec![],
            &["version"],
            "Server requires authentication\nUsername:error: <class 'EOFError'>, EOF when reading a line: file: \
             supervisor/supervisorctl.py line: 212\n",
            1,
        );
    }

    #[test]
    fn status_filters_and_exit_codes() {
        let backend = || {
            ScriptBackend::default()
                .up()
                .answer("supervisor.getAllProcessInfo", all_infos())
        };
        let cat = "cat                              RUNNING   pid 1, uptime 0:00:01\n";
        let ga = "grp:ga                           STOPPED   Not started\n";
        oneshot(backend(), "status", &format!("{cat}{ga}"), 3);
        oneshot(backend(), "status cat", cat, 0);
        oneshot(backend(), "status grp:*", ga, 3);
        oneshot(backend(), "status grp:", ga, 3);
        oneshot(
            backend(),
            "status nosuch cat",
            &format!("nosuch: ERROR (no such process)\n{cat}"),
            4,
        );
        oneshot(
            backend(),
            "status nosuch:*",
            "nosuch: ERROR (no such group)\n",
            4,
        );
        oneshot(
            backend(),
            "status grp:nosuch",
            "grp:nosuch: ERROR (no such process)\n",
            4,
        );
        oneshot(backend(), "status nosuch all", &format!("{cat}{ga}"), 3);
        oneshot(
            backend(),
            "status nosuch grp:ga",
            &format!("nosuch: ERROR (no such process)\n{ga}"),
            3,
        );
    }

    #[test]
    fn start_stop_signal() {
        let up = || ScriptBackend::default().up();
        oneshot(
            up(),
            "start",
            &format!(
                "Error: start requires a process name\n{}",
                help_text("start").unwrap()
            ),
            2,
        );
        oneshot(
            up().answer("supervisor.startProcess", Ok(Value::Bool(true))),
            "start cat",
            "cat: started\n",
            0,
        );
        oneshot(
            up().answer("supervisor.startProcess", fault(60, "ALREADY_STARTED: cat")),
            "start cat",
            "cat: ERROR (already started)\n",
            0,
        );
        oneshot(
            up().answer("supervisor.startProcess", fault(50, "SPAWN_ERROR: x"))
                .answer("supervisor.startProcess", fault(20, "NO_FILE: y")),
            "start x y",
            "x: ERROR (spawn error)\ny: ERROR (no such file)\n",
            1,
        );
        oneshot(
            up().answer(
                "supervisor.startProcessGroup",
                fault(10, "BAD_NAME: nosuch"),
            ),
            "start nosuch:*",
            "nosuch: ERROR (no such group)\n",
            2,
        );
        oneshot(
            up().answer(
                "supervisor.startAllProcesses",
                Ok(Value::Array(vec![
                    result("grp", "ga", 80),
                    result("f", "f", 50),
                ])),
            ),
            "start all",
            "grp:ga: started\nf: ERROR (spawn error)\n",
            7,
        );
        oneshot(
            up().answer("supervisor.startAllProcesses", Ok(Value::Array(vec![result("grp", "ga", 30)]))),
            "start all",
            "error: <class 'ValueError'>, Unknown result code 30 for grp:ga: file: supervisor/supervisorctl.py \
             line: 761\n",
            1,
        );
        oneshot(
            up().answer("supervisor.stopProcess", fault(70, "NOT_RUNNING: x")),
            "stop x",
            "x: ERROR (not running)\n",
            0,
        );
        oneshot(
            up().answer("supervisor.stopProcessGroup", fault(10, "BAD_NAME: g")),
            "stop g:*",
            "g: ERROR (no such group)\n",
            1,
        );
        oneshot(
            up().answer("supervisor.signalProcess", fault(70, "NOT_RUNNING: x")),
            "signal HUP x",
            "x: ERROR (not running)\n",
            7,
        );
        oneshot(
            up().answer(
                "supervisor.signalProcessGroup",
                Ok(Value::Array(vec![result("grp", "ga", 11)])),
            ),
            "signal BOGUS grp:*",
            "grp:ga: ERROR (bad signal name)\n",
            1,
        );
        oneshot(
            up().answer("supervisor.stopProcess", Ok(Value::Bool(true)))
                .answer("supervisor.startProcess", Ok(Value::Bool(true))),
            "restart cat",
            "cat: stopped\ncat: started\n",
            0,
        );
    }

    #[test]
    fn tail_arguments() {
        let up = || ScriptBackend::default().up();
        let tail_help = help_text("tail").unwrap();
        oneshot(
            up(),
            "tail",
            &format!("Error: too few arguments\n{tail_help}"),
            1,
        );
        oneshot(
            up(),
            "tail a b c d",
            &format!("Error: too many arguments\n{tail_help}"),
            1,
        );
        oneshot(up(), "tail -5", "Error: tail requires process name\n", 1);
        oneshot(up(), "tail -x cat", "Error: bad argument -x\n", 1);
        oneshot(up(), "tail cat Bogus", "Error: bad channel 'bogus'\n", 1);
        oneshot(
            up(),
            "tail -f cat STDERR",
            "==> Press Ctrl-C to exit <==\n<stream unix:///tmp/s.sock/logtail/cat/stderr>\n",
            0,
        );
        let backend = up().answer("supervisor.readProcessStderrLog", Ok(string("err\n")));
        check(
            backend,
            false,
            vec![],
            &["tail -5 cat stderr"],
            "err\n\n",
            0,
        );
        oneshot(
            up().answer("supervisor.readProcessStdoutLog", fault(10, "BAD_NAME: x")),
            "tail x",
            "x: ERROR (no such process name)\n",
            1,
        );
        oneshot(
            up(),
            "maintail a b",
            &format!(
                "Error: too many arguments\n{}",
                help_text("maintail").unwrap()
            ),
            1,
        );
        oneshot(up(), "maintail x", "Error: bad argument x\n", 1);
        oneshot(
            up().answer("supervisor.readLog", fault(20, "NO_FILE")),
            "maintail -10",
            "supervisord: ERROR (no log file)\n",
            1,
        );
    }

    #[test]
    fn shutdown_and_reload() {
        let backend =
            || ScriptBackend::default().answer("supervisor.shutdown", Ok(Value::Bool(true)));
        oneshot(backend(), "shutdown", "Shut down\n", 0);
        check(
            backend(),
            true,
            vec![Input::Line("n".into())],
            &["shutdown"],
            "Really shut the remote supervisord process down y/N? ",
            0,
        );
        check(
            backend(),
            true,
            vec![Input::Line("Yes".into())],
            &["shutdown"],
            "Really shut the remote supervisord process down y/N? Shut down\n",
            0,
        );
        oneshot(
            ScriptBackend::default().answer("supervisor.shutdown", fault(6, "SHUTDOWN_STATE")),
            "shutdown",
            "ERROR: already shutting down\n",
            0,
        );
        oneshot(
            ScriptBackend::default().answer(
                "supervisor.shutdown",
                Err(CallError::Socket {
                    errno: nix::libc::ENOENT,
                    unix: true,
                }),
            ),
            "shutdown",
            "ERROR: unix:///tmp/s.sock no such file (already shut down?)\n",
            1,
        );
        oneshot(
            ScriptBackend::default().answer("supervisor.restart", fault(6, "SHUTDOWN_STATE")),
            "reload",
            "ERROR: already shutting down\n",
            1,
        );
        check(
            ScriptBackend::default(),
            true,
            vec![],
            &["reload"],
            "Really restart the remote supervisord process y/N? error: <class 'EOFError'>, EOF when reading a \
             line: file: supervisor/supervisorctl.py line: 1027\n",
            1,
        );
    }

    #[test]
    fn groups_reread_update() {
        let changes = |added: &[&str], changed: &[&str], removed: &[&str]| {
            let list =
                |names: &[&str]| Value::Array(names.iter().map(|name| string(name)).collect());
            Ok(Value::Array(vec![Value::Array(vec![
                list(added),
                list(changed),
                list(removed),
            ])]))
        };
        oneshot(
            ScriptBackend::default()
                .answer("supervisor.reloadConfig", changes(&["new"], &["b"], &["a"])),
            "reread",
            "a: disappeared\nb: changed\nnew: available\n",
            0,
        );
        oneshot(
            ScriptBackend::default()
                .answer("supervisor.reloadConfig", fault(92, "CANT_REREAD: bad")),
            "reread",
            "ERROR: CANT_REREAD: bad\n",
            1,
        );
        let backend = ScriptBackend::default()
            .answer("supervisor.reloadConfig", changes(&["new"], &["b"], &["a"]))
            .answer("supervisor.stopProcessGroup", Ok(Value::Array(vec![])))
            .answer("supervisor.removeProcessGroup", Ok(Value::Bool(true)))
            .answer("supervisor.addProcessGroup", Ok(Value::Bool(true)));
        oneshot(
            backend,
            "update",
            "a: stopped\na: removed process group\nb: stopped\nb: updated process group\nnew: added process group\n",
            0,
        );
        let backend = ScriptBackend::default()
            .answer("supervisor.reloadConfig", changes(&["new"], &[], &[]))
            .answer("supervisor.getAllProcessInfo", all_infos())
            .answer("supervisor.addProcessGroup", Ok(Value::Bool(true)));
        oneshot(
            backend,
            "update nosuch new",
            "ERROR: no such group: nosuch\nnew: added process group\n",
            1,
        );
        let backend = ScriptBackend::default()
            .answer(
                "supervisor.addProcessGroup",
                fault(90, "ALREADY_ADDED: cat"),
            )
            .answer("supervisor.addProcessGroup", fault(10, "BAD_NAME: x"));
        oneshot(
            backend,
            "add cat x",
            "ERROR: process group already active\nERROR: no such process/group: x\n",
            1,
        );
        oneshot(
            ScriptBackend::default().answer(
                "supervisor.removeProcessGroup",
                fault(91, "STILL_RUNNING: cat"),
            ),
            "remove cat",
            "ERROR: process/group still running: cat\n",
            1,
        );
    }

    #[test]
    fn pid_clear_open_version() {
        let up = || ScriptBackend::default().up();
        oneshot(
            up().answer("supervisor.getPID", Ok(Value::Int(99))),
            "pid",
            "99\n",
            0,
        );
        oneshot(
            up().answer("supervisor.getAllProcessInfo", all_infos()),
            "pid all",
            "42\n0\n",
            0,
        );
        oneshot(
            up().answer(
                "supervisor.getProcessInfo",
                Ok(info("grp", "ga", 0, "STOPPED", 0)),
            ),
            "pid grp:ga",
            "0\n",
            7,
        );
        oneshot(
            up().answer("supervisor.getProcessInfo", fault(10, "BAD_NAME: x")),
            "pid x",
            "No such process x\n",
            1,
        );
        oneshot(
            up().answer("supervisor.clearProcessLogs", fault(10, "BAD_NAME: g:*")),
            "clear g:*",
            "g:None: ERROR (no such process)\n",
            1,
        );
        oneshot(
            up(),
            "open ftp://x",
            "ERROR: url must be http:// or unix://\n",
            1,
        );
        oneshot(
            up(),
            "version x",
            &format!(
                "Error: version accepts no arguments\n{}",
                help_text("version").unwrap()
            ),
            1,
        );
        oneshot(
            up().answer("supervisor.getAllProcessInfo", all_infos()),
            "open unix:///other.sock",
            "cat                              RUNNING   pid 1, uptime 0:00:01\n\
             grp:ga                           STOPPED   Not started\n",
            0,
        );
    }

    #[test]
    fn foreground() {
        let running = Ok(info("cat", "cat", 20, "RUNNING", 42));
        let mut backend = ScriptBackend::default()
            .up()
            .answer("supervisor.getProcessInfo", running.clone())
            .answer("supervisor.getProcessInfo", running)
            .answer(
                "supervisor.getProcessInfo",
                Ok(info("cat", "cat", 100, "EXITED", 0)),
            )
            .answer("supervisor.sendProcessStdin", Ok(Value::Bool(true)));
        backend.stdin_lines = vec!["one".into(), "two".into(), "three".into()];
        let calls_seen = Rc::new(backend);
        let mut controller = Controller::new(
            settings(),
            false,
            calls_seen.clone(),
            ScriptConsole::default(),
        );
        controller.onecmd("fg cat").expect("no interrupt");
        assert_eq!(
            controller.console.transcript,
            "==> Press Ctrl-C to exit <==\n<streams /logtail/cat/stdout /logtail/cat/stderr>Process got killed\n\
             Exiting foreground\n"
        );
        assert_eq!(
            calls_seen.calls.borrow().as_slice(),
            [
                "supervisor.getVersion()",
                "supervisor.getProcessInfo(cat)",
                "supervisor.sendProcessStdin(cat, one\n)",
                "supervisor.getProcessInfo(cat)",
                "supervisor.sendProcessStdin(cat, two\n)",
                "supervisor.getProcessInfo(cat)",
            ]
        );
        let up = || ScriptBackend::default().up();
        oneshot(
            up(),
            "fg",
            &format!(
                "ERROR: no process name supplied\n{}",
                help_text("fg").unwrap()
            ),
            1,
        );
        oneshot(
            up(),
            "fg a b",
            "ERROR: too many process names supplied\n",
            1,
        );
        oneshot(
            up().answer("supervisor.getProcessInfo", fault(10, "BAD_NAME: x")),
            "fg x",
            "ERROR: bad process name supplied\n",
            1,
        );
        oneshot(
            up().answer(
                "supervisor.getProcessInfo",
                Ok(info("x", "x", 0, "STOPPED", 0)),
            ),
            "fg x",
            "ERROR: process not running\n",
            1,
        );
    }
}
