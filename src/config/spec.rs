//! The desired state: what a set of config files asks for, as plain data.
//!
//! Everything here is `Clone + Eq`, so "did this change" is a comparison. Field names are Supervisor's option
//! names verbatim, with the default in the doc comment. Values are fully resolved: `%` expansions applied,
//! `numprocs` expanded into one [`ProcessSpec`] per process, users resolved to uids. Paths that Supervisor
//! resolves at spawn time (relative `stdout_logfile`, `directory`) are kept as written.
//!
//! This module owns no parsing and no IO; `parse.rs` builds these values, `render.rs` prints them.

use std::collections::BTreeMap;

/// Where a value came from: the file (as Supervisor names it in messages) and the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// The whole desired state of one supervisord: its own settings and every process group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DesiredState {
    pub server: ServerSpec,
    /// Keyed by group name. Runtime order is [`DesiredState::groups_in_order`].
    pub groups: BTreeMap<String, GroupSpec>,
}

impl DesiredState {
    /// Groups sorted by (priority, name), the order Supervisor creates and autostarts them in.
    pub fn groups_in_order(&self) -> Vec<&GroupSpec> {
        let mut groups: Vec<&GroupSpec> = self.groups.values().collect();
        groups.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        groups
    }

    pub fn n_processes(&self) -> usize {
        self.groups
            .values()
            .map(|group| group.processes.len())
            .sum()
    }
}

/// Everything outside the process groups: `[supervisord]`, the HTTP servers, plugins, `[supervisorctl]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerSpec {
    pub supervisord: SupervisordSpec,
    pub unix_http_servers: Vec<UnixHttpServerSpec>,
    pub inet_http_servers: Vec<InetHttpServerSpec>,
    /// `[rpcinterface:x]` sections, in file order.
    pub rpcinterfaces: Vec<PluginSpec>,
    /// `[ctlplugin:x]` sections, in file order.
    pub ctlplugins: Vec<PluginSpec>,
    /// `[supervisorctl]`, if present (only supervisorctl acts on it).
    pub supervisorctl: Option<CtlSpec>,
    /// Files read to build this state: the main file first, then includes in the order read.
    pub files_read: Vec<String>,
    /// The main file's absolute path and the `[include]` patterns joined to its directory: what the config
    /// watcher watches.
    pub watched_paths: Vec<String>,
}

/// A log level, with Supervisor's numbers (higher is more severe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Blather = 3,
    Trace = 5,
    Debug = 10,
    Info = 20,
    Warn = 30,
    Error = 40,
    Critical = 50,
}

impl LogLevel {
    /// The four-letter tag Supervisor writes in its main log.
    pub fn tag(self) -> &'static str {
        match self {
            LogLevel::Blather => "BLAT",
            LogLevel::Trace => "TRAC",
            LogLevel::Debug => "DEBG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERRO",
            LogLevel::Critical => "CRIT",
        }
    }

    /// The canonical config spelling (`blather`, `trace`, `debug`, `info`, `warn`, `error`, `critical`).
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Blather => "blather",
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
        }
    }
}

/// A user resolved from the password database at parse time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserSpec {
    /// What the config said (a name or a numeric uid).
    pub written: String,
    pub name: String,
    pub uid: u32,
    /// The primary group.
    pub gid: u32,
}

/// `[supervisord] config_watch`: what to do when the config files change on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConfigWatch {
    Off,
    /// Log the pending plan (the default).
    #[default]
    Report,
    /// Apply the plan as SIGHUP does.
    Apply,
}

/// `[supervisord] logfile`: a path, or the exact lower-case value `syslog`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MainLogTarget {
    File(String),
    Syslog,
}

/// `[supervisord]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisordSpec {
    /// Default `supervisord.log`, made absolute against the startup directory.
    pub logfile: MainLogTarget,
    /// Default 50MB; 0 or less means never rotate.
    pub logfile_maxbytes: i64,
    /// Default 10.
    pub logfile_backups: i64,
    /// Default info.
    pub loglevel: LogLevel,
    /// Default `supervisord.pid`, made absolute against the startup directory.
    pub pidfile: String,
    /// Default 022. Applied only when daemonizing.
    pub umask: u32,
    /// Default false.
    pub nodaemon: bool,
    /// Default false.
    pub silent: bool,
    /// Default 1024.
    pub minfds: i64,
    /// Default 200.
    pub minprocs: i64,
    /// Default false.
    pub nocleanup: bool,
    /// Default: the temporary directory (`$TMPDIR`, else `/tmp`).
    pub childlogdir: String,
    /// Default none: stay the user supervisord was started as.
    pub user: Option<UserSpec>,
    /// Default none. Used only when daemonizing.
    pub directory: Option<String>,
    /// Default false.
    pub strip_ansi: bool,
    /// Default empty. Merged under every program's environment.
    pub environment: BTreeMap<String, String>,
    /// Default `supervisor`.
    pub identifier: String,
    /// Default `report` (a supervisor-rs option; Supervisor ignores unknown keys).
    pub config_watch: ConfigWatch,
}

impl Default for SupervisordSpec {
    fn default() -> Self {
        SupervisordSpec {
            logfile: MainLogTarget::File("supervisord.log".into()),
            logfile_maxbytes: 50 * 1024 * 1024,
            logfile_backups: 10,
            loglevel: LogLevel::Info,
            pidfile: "supervisord.pid".into(),
            umask: 0o022,
            nodaemon: false,
            silent: false,
            minfds: 1024,
            minprocs: 200,
            nocleanup: false,
            childlogdir: "/tmp".into(),
            user: None,
            directory: None,
            strip_ansi: false,
            environment: BTreeMap::new(),
            identifier: "supervisor".into(),
            config_watch: ConfigWatch::Report,
        }
    }
}

/// Basic-auth credentials of an HTTP server section. `password` may be `{SHA}<hex sha1>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// `[unix_http_server]` (any section whose name starts with `unix_http_server`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixHttpServerSpec {
    pub section: String,
    /// Required; made absolute.
    pub file: String,
    /// Default 0700.
    pub chmod: u32,
    /// Default no change. (uid, gid) with gid -1 when only a user was given.
    pub chown: Option<(u32, i64)>,
    pub auth: Option<Credentials>,
}

/// `[inet_http_server]` (any section whose name starts with `inet_http_server`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetHttpServerSpec {
    pub section: String,
    /// Lower-cased; empty means every interface.
    pub host: String,
    pub port: u16,
    pub auth: Option<Credentials>,
}

/// `[rpcinterface:x]` or `[ctlplugin:x]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginSpec {
    /// The name after the colon.
    pub name: String,
    /// `supervisor.rpcinterface_factory` or `supervisor.ctl_factory`.
    pub factory: String,
    /// Every other key, expanded.
    pub options: BTreeMap<String, String>,
    /// True for the stock factory, which means our built-in implementation.
    pub builtin: bool,
}

/// `[supervisorctl]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtlSpec {
    /// Default `http://localhost:9001`; `unix://` paths made absolute.
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Default `supervisor`.
    pub prompt: String,
    pub history_file: Option<String>,
}

impl Default for CtlSpec {
    fn default() -> Self {
        CtlSpec {
            serverurl: "http://localhost:9001".into(),
            username: None,
            password: None,
            prompt: "supervisor".into(),
            history_file: None,
        }
    }
}

/// What kind of section made a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupKind {
    /// `[program:x]` alone: a homogeneous group named after the program.
    Program,
    /// `[group:x]` listing programs.
    Heterogeneous { programs: Vec<String> },
    /// `[eventlistener:x]`.
    EventListenerPool(EventListenerPoolSpec),
    /// `[fcgi-program:x]` not listed in a `[group:]`.
    FastCgi(FcgiSocketSpec),
}

/// The pool-level settings of an `[eventlistener:x]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventListenerPoolSpec {
    /// Required. Upper-cased, de-duplicated, in first-seen order.
    pub events: Vec<String>,
    /// Default 10.
    pub buffer_size: i64,
    /// Default `supervisor.dispatchers:default_handler`.
    pub result_handler: String,
}

/// The socket of an `[fcgi-program:x]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FcgiSocketSpec {
    /// Required: `unix:///abs/path` or `tcp://host:port`.
    pub socket: String,
    /// Default none (listen with SOMAXCONN).
    pub socket_backlog: Option<i64>,
    /// Default: the program's user when it differs from ours, else unchanged.
    pub socket_owner: Option<(u32, i64)>,
    /// Default 0700.
    pub socket_mode: u32,
}

/// One process group: what `[program:x]`, `[group:x]`, `[eventlistener:x]` or `[fcgi-program:x]` makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSpec {
    pub name: String,
    pub kind: GroupKind,
    /// Default 999 (-1 for event listener pools).
    pub priority: i64,
    /// In Supervisor's order: (priority, name) within a program, `programs=` order across a `[group:]`.
    pub processes: Vec<ProcessSpec>,
    /// The section header that made the group.
    pub origin: Origin,
}

/// `autorestart`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AutoRestart {
    Always,
    Never,
    /// Restart when the exit code is not in `exitcodes` (the default).
    Unexpected,
}

/// A `*_logfile` value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LogFile {
    /// A file created in `childlogdir` when the group is created (the default).
    Auto,
    /// `NONE` or `OFF`: no file.
    None,
    /// A path, `~` expanded, not made absolute.
    Path(String),
}

/// The settings of one output channel (stdout or stderr) of a process.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelSpec {
    /// `*_logfile`, default AUTO. The deprecated `syslog` value becomes `None` plus `syslog = true`.
    pub logfile: LogFile,
    /// `*_logfile_maxbytes`, default 50MB.
    pub logfile_maxbytes: i64,
    /// `*_logfile_backups`, default 10.
    pub logfile_backups: i64,
    /// `*_capture_maxbytes`, default 0 (capture mode off).
    pub capture_maxbytes: i64,
    /// `*_events_enabled`, default false.
    pub events_enabled: bool,
    /// `*_syslog`, default false.
    pub syslog: bool,
}

impl Default for ChannelSpec {
    fn default() -> Self {
        ChannelSpec {
            logfile: LogFile::Auto,
            logfile_maxbytes: 50 * 1024 * 1024,
            logfile_backups: 10,
            capture_maxbytes: 0,
            events_enabled: false,
            syslog: false,
        }
    }
}

/// A signal by number, with the name it is shown by (`TERM`, `HUP`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalSpec {
    pub number: i32,
}

/// One process, fully resolved. The unit the reconciler diffs and the engine runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessSpec {
    /// The process name (`process_name` expanded).
    pub name: String,
    /// The group it belongs to.
    pub group: String,
    /// The section it came from, e.g. `program:web`.
    pub section: String,
    /// The file and line of that section's header.
    pub origin: Origin,
    /// The name after `program:` (or `eventlistener:`, `fcgi-program:`).
    pub program_name: String,
    /// `process_num` for this process.
    pub process_num: i64,
    /// `numprocs`, default 1.
    pub numprocs: i64,
    /// `numprocs_start`, default 0.
    pub numprocs_start: i64,
    /// Required; expanded, split at spawn time.
    pub command: String,
    /// Default 999.
    pub priority: i64,
    /// Default true.
    pub autostart: bool,
    /// Default unexpected.
    pub autorestart: AutoRestart,
    /// Default 1.
    pub startsecs: i64,
    /// Default 3.
    pub startretries: i64,
    /// Default `0`.
    pub exitcodes: Vec<i32>,
    /// Default TERM.
    pub stopsignal: SignalSpec,
    /// Default 10.
    pub stopwaitsecs: i64,
    /// Default false.
    pub stopasgroup: bool,
    /// Default: the value of stopasgroup.
    pub killasgroup: bool,
    /// Default none: run as supervisord's user.
    pub user: Option<UserSpec>,
    /// Default none: inherit supervisord's umask.
    pub umask: Option<u32>,
    /// Default none: inherit supervisord's working directory.
    pub directory: Option<String>,
    /// Default false.
    pub redirect_stderr: bool,
    pub stdout: ChannelSpec,
    pub stderr: ChannelSpec,
    /// The effective environment: `[supervisord] environment` overlaid with this program's `environment=`.
    pub environment: BTreeMap<String, String>,
    /// Default AUTO (None): computed from the HTTP servers.
    pub serverurl: Option<String>,
}

impl ProcessSpec {
    /// `group:name`, or just `name` when it equals the group name: how Supervisor shows a process.
    pub fn namespec(&self) -> String {
        if self.name == self.group {
            self.name.clone()
        } else {
            format!("{}:{}", self.group, self.name)
        }
    }
}
