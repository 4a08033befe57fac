//! supervisord's start-up and shut-down around the engine (spec 9.1): dropping privileges, raising rlimits,
//! daemonizing, the pidfile, the main log and its queued messages, AUTO log cleanup. Each step is an OS adapter;
//! the binary calls them in Supervisor's order and installs the signal handlers.

use std::collections::BTreeMap;
use std::ffi::CString;

use nix::sys::resource::{getrlimit, setrlimit, Resource, RLIM_INFINITY};

use crate::config::{LogLevel, MainLogTarget, SupervisordSpec, UserSpec};
use crate::logs::mainlog::{MainLog, MainLogLayer};
use crate::logs::rotate::RotatingFile;

/// Messages queued before the main log opens, flushed in Supervisor's order (criticals, warnings, infos).
#[derive(Debug, Default)]
pub struct Queued {
    pub criticals: Vec<String>,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
}

impl Queued {
    pub fn push(&mut self, level: LogLevel, message: String) {
        match level {
            LogLevel::Critical | LogLevel::Error => self.criticals.push(message),
            LogLevel::Warn => self.warnings.push(message),
            _ => self.infos.push(message),
        }
    }

    /// Logs everything queued, in order.
    pub fn flush(self) {
        let levels = [
            (LogLevel::Critical, self.criticals),
            (LogLevel::Warn, self.warnings),
            (LogLevel::Info, self.infos),
        ];
        for (level, messages) in levels {
            for message in messages {
                crate::logs::mainlog::log(level, &message);
            }
        }
    }
}

/// `set_uid_or_exit`: drop to `[supervisord] user`, or queue the running-as-root warning. `Err` is the usage error.
pub fn set_uid(user: Option<&UserSpec>, queued: &mut Queued) -> Result<(), String> {
    let current = nix::unistd::getuid();
    let Some(user) = user else {
        if current.is_root() {
            queued.criticals.push(
                "Supervisor is running as root.  Privileges were not dropped because no user is specified in the \
                 config file.  If you intend to run as root, you can set user=root in the config file to avoid this \
                 message."
                    .into(),
            );
        }
        return Ok(());
    };
    if current.as_raw() != user.uid {
        if !current.is_root() {
            return Err("Can't drop privilege as nonroot user".into());
        }
        let gid = nix::unistd::Gid::from_raw(user.gid);
        let name =
            CString::new(user.name.clone()).map_err(|_| "Can't find username".to_string())?;
        let groups = nix::unistd::getgrouplist(&name, gid).unwrap_or_else(|_| vec![gid]);
        nix::unistd::setgroups(&groups)
            .map_err(|_| "Could not set groups of effective user".to_string())?;
        nix::unistd::setgid(gid)
            .map_err(|_| "Could not set group id of effective user".to_string())?;
        nix::unistd::setuid(nix::unistd::Uid::from_raw(user.uid))
            .map_err(|errno| format!("Could not set user id: {errno}"))?;
    }
    queued
        .infos
        .push(format!("Set uid to user {} succeeded", user.uid));
    Ok(())
}

/// `set_rlimits_or_exit`: raise RLIMIT_NOFILE to minfds and RLIMIT_NPROC to minprocs. `Err` is the usage error.
pub fn set_rlimits(section: &SupervisordSpec, queued: &mut Queued) -> Result<(), String> {
    let limits = [
        (
            Resource::RLIMIT_NOFILE,
            "RLIMIT_NOFILE",
            section.minfds,
            "The minimum number of file descriptors required to run this process is {min} as per the \"minfds\" \
             command-line argument or config file setting. The current environment will only allow you to open \
             {hard} file descriptors.  Either raise the number of usable file descriptors in your environment (see \
             README.rst) or lower the minfds setting in the config file to allow the process to start.",
        ),
        (
            Resource::RLIMIT_NPROC,
            "RLIMIT_NPROC",
            section.minprocs,
            "The minimum number of available processes required to run this program is {min} as per the \
             \"minprocs\" command-line argument or config file setting. The current environment will only allow \
             you to open {hard} processes.  Either raise the number of usable processes in your environment (see \
             README.rst) or lower the minprocs setting in the config file to allow the program to start.",
        ),
    ];
    for (resource, name, minimum, message) in limits {
        let Ok((soft, hard)) = getrlimit(resource) else {
            continue;
        };
        let minimum = minimum.max(0) as u64;
        if soft == RLIM_INFINITY || soft >= minimum {
            continue;
        }
        let new_hard = if hard != RLIM_INFINITY && hard < minimum {
            minimum
        } else {
            hard
        };
        match setrlimit(resource, minimum, new_hard) {
            Ok(()) => queued
                .infos
                .push(format!("Increased {name} limit to {minimum}")),
            Err(_) => {
                let hard_text = if new_hard == RLIM_INFINITY {
                    "-1".to_string()
                } else {
                    new_hard.to_string()
                };
                return Err(message
                    .replace("{min}", &minimum.to_string())
                    .replace("{hard}", &hard_text));
            }
        }
    }
    Ok(())
}

/// Supervisor's `daemonize`: fork (the parent exits 0 at once), chdir to `directory`, stdio to /dev/null, setsid,
/// umask. Must run before any thread exists. Returns the messages to log once the main log is open.
pub fn daemonize(section: &SupervisordSpec) -> Vec<(LogLevel, String)> {
    // SAFETY: called before the runtime starts, while this process has a single thread.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Parent { .. }) => {
            // SAFETY: _exit in the parent of a fork skips destructors the child still owns.
            unsafe { nix::libc::_exit(0) }
        }
        Ok(nix::unistd::ForkResult::Child) => {}
        Err(errno) => {
            return vec![(
                LogLevel::Critical,
                format!("could not fork to daemonize: {errno}"),
            )]
        }
    }
    let mut messages = vec![(
        LogLevel::Info,
        "daemonizing the supervisord process".to_string(),
    )];
    if let Some(directory) = &section.directory {
        match std::env::set_current_dir(directory) {
            Ok(()) => messages.push((
                LogLevel::Info,
                format!("set current directory: '{directory}'"),
            )),
            Err(error) => messages.push((
                LogLevel::Critical,
                format!("can't chdir into '{directory}': {error}"),
            )),
        }
    }
    if let Ok(devnull) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        use std::os::fd::AsRawFd;
        for fd in 0..3 {
            // SAFETY: dup2 onto the standard descriptors, which this process owns.
            unsafe { nix::libc::dup2(devnull.as_raw_fd(), fd) };
        }
    }
    let _ = nix::unistd::setsid();
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(
        section.umask as nix::libc::mode_t,
    ));
    messages
}

/// Writes `"<pid>\n"` to the pidfile; failure is logged, not fatal.
pub fn write_pidfile(path: &str) {
    let pid = std::process::id();
    if std::fs::write(path, format!("{pid}\n")).is_err() {
        crate::logs::mainlog::log(
            LogLevel::Critical,
            &format!("could not write pidfile {path}"),
        );
    }
}

/// Opens the main log described by `[supervisord]` and installs it as the global tracing subscriber.
pub fn install_main_log(section: &SupervisordSpec) -> Result<(), String> {
    use tracing_subscriber::layer::SubscriberExt;
    let echo = section.nodaemon && !section.silent;
    let log = match &section.logfile {
        MainLogTarget::File(path) => {
            let file = RotatingFile::open(path, section.logfile_maxbytes, section.logfile_backups)
                .map_err(|error| error.to_string())?;
            MainLog::new(Some(file), echo, section.loglevel)
        }
        MainLogTarget::Syslog => MainLog::to_syslog(echo, section.loglevel),
    };
    let layer = MainLogLayer::new(log);
    layer.register_for_reopen();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::set_global_default(subscriber).map_err(|error| error.to_string())
}

/// The environment supervisord was started with (children inherit it).
pub fn environment_snapshot() -> BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?)))
        .collect()
}
