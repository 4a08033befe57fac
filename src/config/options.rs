//! The table of every section and option the reader knows, with type and default.
//!
//! One source of truth for documentation checks (`man/supervisord.conf.5` must mention every option here) and for
//! the sample config. The parser reads options by name; a test checks that each name it reads is listed here.

/// One option: its key, the datatype as the man page names it, and the default as Supervisor documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionInfo {
    pub key: &'static str,
    pub datatype: &'static str,
    pub default: &'static str,
}

const fn opt(key: &'static str, datatype: &'static str, default: &'static str) -> OptionInfo {
    OptionInfo {
        key,
        datatype,
        default,
    }
}

/// One section kind: how its header is written and the options it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionInfo {
    /// The header as the man page shows it, e.g. `[program:x]`.
    pub header: &'static str,
    pub options: &'static [OptionInfo],
}

pub const SUPERVISORD_OPTIONS: &[OptionInfo] = &[
    opt("logfile", "path or syslog", "supervisord.log"),
    opt("logfile_maxbytes", "byte size", "50MB"),
    opt("logfile_backups", "integer", "10"),
    opt("loglevel", "log level", "info"),
    opt("pidfile", "path", "supervisord.pid"),
    opt("umask", "octal", "022"),
    opt("nodaemon", "boolean", "false"),
    opt("silent", "boolean", "false"),
    opt("minfds", "integer", "1024"),
    opt("minprocs", "integer", "200"),
    opt("nocleanup", "boolean", "false"),
    opt(
        "childlogdir",
        "existing directory",
        "the temporary directory ($TMPDIR or /tmp)",
    ),
    opt("user", "user name or uid", "none"),
    opt("directory", "existing directory", "none"),
    opt("strip_ansi", "boolean", "false"),
    opt("environment", "KEY=value list", "none"),
    opt("identifier", "string", "supervisor"),
    opt("config_watch", "off, report or apply", "report"),
];

pub const UNIX_HTTP_SERVER_OPTIONS: &[OptionInfo] = &[
    opt("file", "path", "none (required)"),
    opt("chmod", "octal", "0700"),
    opt(
        "chown",
        "user or user:group",
        "the user and group of supervisord",
    ),
    opt("username", "string", "none"),
    opt("password", "string or {SHA}hex", "none"),
];

pub const INET_HTTP_SERVER_OPTIONS: &[OptionInfo] = &[
    opt(
        "port",
        "host:port, :port, *:port or port",
        "none (required)",
    ),
    opt("username", "string", "none"),
    opt("password", "string or {SHA}hex", "none"),
];

pub const SUPERVISORCTL_OPTIONS: &[OptionInfo] = &[
    opt("serverurl", "URL", "http://localhost:9001"),
    opt("username", "string", "none"),
    opt("password", "string", "none"),
    opt("prompt", "string", "supervisor"),
    opt("history_file", "path", "none"),
];

pub const PROGRAM_OPTIONS: &[OptionInfo] = &[
    opt("command", "command line", "none (required)"),
    opt("process_name", "name template", "%(program_name)s"),
    opt("numprocs", "integer", "1"),
    opt("numprocs_start", "integer", "0"),
    opt("priority", "integer", "999"),
    opt("autostart", "boolean", "true"),
    opt("startsecs", "integer", "1"),
    opt("startretries", "integer", "3"),
    opt("autorestart", "false, unexpected or true", "unexpected"),
    opt("exitcodes", "list of integers", "0"),
    opt("stopsignal", "signal", "TERM"),
    opt("stopwaitsecs", "integer", "10"),
    opt("stopasgroup", "boolean", "false"),
    opt("killasgroup", "boolean", "the value of stopasgroup"),
    opt("user", "user name or uid", "none"),
    opt("redirect_stderr", "boolean", "false"),
    opt("stdout_logfile", "path, AUTO or NONE", "AUTO"),
    opt("stdout_logfile_maxbytes", "byte size", "50MB"),
    opt("stdout_logfile_backups", "integer", "10"),
    opt("stdout_capture_maxbytes", "byte size", "0"),
    opt("stdout_events_enabled", "boolean", "false"),
    opt("stdout_syslog", "boolean", "false"),
    opt("stderr_logfile", "path, AUTO or NONE", "AUTO"),
    opt("stderr_logfile_maxbytes", "byte size", "50MB"),
    opt("stderr_logfile_backups", "integer", "10"),
    opt("stderr_capture_maxbytes", "byte size", "0"),
    opt("stderr_events_enabled", "boolean", "false"),
    opt("stderr_syslog", "boolean", "false"),
    opt("environment", "KEY=value list", "none"),
    opt("directory", "path", "none"),
    opt("umask", "octal", "none"),
    opt("serverurl", "URL or AUTO", "AUTO"),
];

pub const GROUP_OPTIONS: &[OptionInfo] = &[
    opt("programs", "comma-separated names", "none"),
    opt("priority", "integer", "999"),
];

pub const EVENTLISTENER_EXTRA_OPTIONS: &[OptionInfo] = &[
    opt("events", "comma-separated event types", "none (required)"),
    opt("buffer_size", "integer", "10"),
    opt(
        "result_handler",
        "module:function",
        "supervisor.dispatchers:default_handler",
    ),
];

pub const FCGI_EXTRA_OPTIONS: &[OptionInfo] = &[
    opt(
        "socket",
        "unix:///path or tcp://host:port",
        "none (required)",
    ),
    opt("socket_backlog", "integer", "SOMAXCONN"),
    opt("socket_owner", "user or user:group", "the program's user"),
    opt("socket_mode", "octal", "0700"),
];

pub const INCLUDE_OPTIONS: &[OptionInfo] = &[opt(
    "files",
    "space-separated glob patterns",
    "none (required)",
)];

pub const RPCINTERFACE_OPTIONS: &[OptionInfo] = &[opt(
    "supervisor.rpcinterface_factory",
    "module:callable",
    "none (required)",
)];

pub const CTLPLUGIN_OPTIONS: &[OptionInfo] = &[opt(
    "supervisor.ctl_factory",
    "module:callable",
    "none (required)",
)];

/// Every section kind, in the order the man page documents them.
pub const SECTIONS: &[SectionInfo] = &[
    SectionInfo {
        header: "[unix_http_server]",
        options: UNIX_HTTP_SERVER_OPTIONS,
    },
    SectionInfo {
        header: "[inet_http_server]",
        options: INET_HTTP_SERVER_OPTIONS,
    },
    SectionInfo {
        header: "[supervisord]",
        options: SUPERVISORD_OPTIONS,
    },
    SectionInfo {
        header: "[supervisorctl]",
        options: SUPERVISORCTL_OPTIONS,
    },
    SectionInfo {
        header: "[program:x]",
        options: PROGRAM_OPTIONS,
    },
    SectionInfo {
        header: "[include]",
        options: INCLUDE_OPTIONS,
    },
    SectionInfo {
        header: "[group:x]",
        options: GROUP_OPTIONS,
    },
    SectionInfo {
        header: "[fcgi-program:x]",
        options: FCGI_EXTRA_OPTIONS,
    },
    SectionInfo {
        header: "[eventlistener:x]",
        options: EVENTLISTENER_EXTRA_OPTIONS,
    },
    SectionInfo {
        header: "[rpcinterface:x]",
        options: RPCINTERFACE_OPTIONS,
    },
    SectionInfo {
        header: "[ctlplugin:x]",
        options: CTLPLUGIN_OPTIONS,
    },
];
