//! Command-line values that override `[supervisord]`: checked with Supervisor's datatypes (before the config
//! file is read, as Supervisor's getopt handlers do), then laid over the parsed section. Flags only turn on.

use super::cmdline::CommandLine;
use super::datatypes;
use super::host::Host;
use super::parse::normalize_path;
use super::spec::{LogLevel, MainLogTarget, SupervisordSpec, UserSpec};

/// The command-line values, converted. `None` means "not given: keep the file's value".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overrides {
    pub nodaemon: bool,
    pub silent: bool,
    pub nocleanup: bool,
    pub strip_ansi: bool,
    pub user: Option<UserSpec>,
    pub umask: Option<u32>,
    pub directory: Option<String>,
    pub logfile: Option<String>,
    pub logfile_maxbytes: Option<i64>,
    pub logfile_backups: Option<i64>,
    pub loglevel: Option<LogLevel>,
    pub pidfile: Option<String>,
    pub identifier: Option<String>,
    pub childlogdir: Option<String>,
    pub minfds: Option<i64>,
    pub minprocs: Option<i64>,
}

/// Supervisor's getopt-time check of one valued option (`name` as in [`super::cmdline::OPTIONS`]); the error is
/// the datatype's message, which the command-line parser wraps in `invalid value for -X 'v': ...`.
pub fn check_value(name: &str, value: &str, host: &dyn Host) -> Result<(), String> {
    match name {
        "umask" => datatypes::octal(value).map(drop),
        "directory" | "childlogdir" => datatypes::existing_directory(value, host).map(drop),
        "logfile" | "pidfile" => datatypes::existing_dirpath(value, host).map(drop),
        "logfile_maxbytes" => datatypes::byte_size(value).map(drop),
        "logfile_backups" | "minfds" | "minprocs" => datatypes::integer(value).map(drop),
        "loglevel" => datatypes::log_level(value).map(drop),
        _ => Ok(()),
    }
}

/// Converts one value already accepted by [`check_value`].
fn convert<T>(
    value: &Option<String>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    value.as_deref().map(parse).transpose()
}

/// Converts the command line's values (after [`check_value`] accepted them) and resolves `-u`, which Supervisor
/// checks only after reading the config. The error is the message Supervisor prints after `Error: `.
pub fn check_command_line(cmdline: &CommandLine, host: &dyn Host) -> Result<Overrides, String> {
    let umask = convert(&cmdline.umask, datatypes::octal)?;
    let directory = convert(&cmdline.directory, |v| {
        datatypes::existing_directory(v, host)
    })?;
    let logfile = convert(&cmdline.logfile, |v| datatypes::existing_dirpath(v, host))?;
    let logfile_maxbytes = convert(&cmdline.logfile_maxbytes, datatypes::byte_size)?;
    let logfile_backups = convert(&cmdline.logfile_backups, datatypes::integer)?;
    let loglevel = convert(&cmdline.loglevel, datatypes::log_level)?;
    let pidfile = convert(&cmdline.pidfile, |v| datatypes::existing_dirpath(v, host))?;
    let childlogdir = convert(&cmdline.childlogdir, |v| {
        datatypes::existing_directory(v, host)
    })?;
    let minfds = convert(&cmdline.minfds, datatypes::integer)?;
    let minprocs = convert(&cmdline.minprocs, datatypes::integer)?;
    let user = convert(&cmdline.user, |v| datatypes::user(v, host))?;
    Ok(Overrides {
        nodaemon: cmdline.nodaemon,
        silent: cmdline.silent,
        nocleanup: cmdline.nocleanup,
        strip_ansi: cmdline.strip_ansi,
        user,
        umask,
        directory,
        logfile,
        logfile_maxbytes,
        logfile_backups,
        loglevel,
        pidfile,
        identifier: cmdline.identifier.clone(),
        childlogdir,
        minfds,
        minprocs,
    })
}

/// Lays the command line over the file's `[supervisord]` (the command line wins).
pub fn apply_overrides(overrides: &Overrides, section: &mut SupervisordSpec, host: &dyn Host) {
    let cwd = host.cwd();
    section.nodaemon |= overrides.nodaemon;
    section.silent |= overrides.silent;
    section.nocleanup |= overrides.nocleanup;
    section.strip_ansi |= overrides.strip_ansi;
    if let Some(user) = &overrides.user {
        section.user = Some(user.clone());
    }
    if let Some(umask) = overrides.umask {
        section.umask = umask;
    }
    if let Some(directory) = &overrides.directory {
        section.directory = Some(directory.clone());
    }
    if let Some(logfile) = &overrides.logfile {
        section.logfile = if logfile == "syslog" {
            MainLogTarget::Syslog
        } else {
            MainLogTarget::File(normalize_path(logfile, &cwd, host))
        };
    }
    if let Some(maxbytes) = overrides.logfile_maxbytes {
        section.logfile_maxbytes = maxbytes;
    }
    if let Some(backups) = overrides.logfile_backups {
        section.logfile_backups = backups;
    }
    if let Some(level) = overrides.loglevel {
        section.loglevel = level;
    }
    if let Some(pidfile) = &overrides.pidfile {
        section.pidfile = normalize_path(pidfile, &cwd, host);
    }
    if let Some(identifier) = &overrides.identifier {
        section.identifier = identifier.clone();
    }
    if let Some(childlogdir) = &overrides.childlogdir {
        section.childlogdir = childlogdir.clone();
    }
    if let Some(minfds) = overrides.minfds {
        section.minfds = minfds;
    }
    if let Some(minprocs) = overrides.minprocs {
        section.minprocs = minprocs;
    }
}
