//! Running a supervisord (ours or the reference) in a temporary directory: write a config, start it in the
//! foreground (or let it daemonize), poll its main log and files with a deadline, and, when dropped, stop it and
//! kill whatever of its children it left behind.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::reference::reference_bin;

/// How long any single wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// How often the polls look again.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// Which implementation to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Ours,
    Reference,
}

impl Flavor {
    pub fn binary(self) -> PathBuf {
        match self {
            Flavor::Ours => PathBuf::from(env!("CARGO_BIN_EXE_supervisord")),
            Flavor::Reference => reference_bin("supervisord"),
        }
    }
}

/// A supervisord in its own temporary directory: in the foreground (`-n`, our child), or daemonized (the pid
/// from its pidfile, not our child).
pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub child: Option<Child>,
    pub flavor: Flavor,
    /// The pid of a daemonized supervisord, read from its pidfile.
    pub detached: Option<i32>,
    /// Processes a test saw outside supervisord's control (a grandchild left running), killed on drop.
    pub strays: Vec<i32>,
}

/// The `[supervisord]` section every test config starts with: logs and pidfile in the temp dir, debug level so
/// that every lifecycle line is there.
pub fn supervisord_section(dir: &Path, nodaemon: bool) -> String {
    format!(
        "[supervisord]\nlogfile={dir}/supervisord.log\npidfile={dir}/supervisord.pid\nchildlogdir={dir}\n\
         loglevel=debug\nnodaemon={nodaemon}\n",
        dir = dir.display()
    )
}

impl Daemon {
    /// Writes `supervisord.conf` (the standard `[supervisord]` section, then `body`, where `{dir}` stands for the
    /// temp dir) and starts the daemon on it in the foreground.
    pub fn start(flavor: Flavor, body: &str) -> Daemon {
        let mut daemon = Daemon::prepare(flavor, "", body);
        daemon.spawn(&[], &[]);
        daemon
    }

    /// Writes `supervisord.conf` for a foreground run without starting anything, so that a test can set up files
    /// first. `extra` is appended to the `[supervisord]` section. `{dir}` in `extra` and `body` stands for the temp
    /// dir.
    pub fn prepare(flavor: Flavor, extra: &str, body: &str) -> Daemon {
        Daemon::prepare_with(flavor, true, extra, body)
    }

    /// As [`Daemon::prepare`], with `nodaemon=false`, for [`Daemon::launch_daemonized`].
    pub fn prepare_daemonized(flavor: Flavor, extra: &str, body: &str) -> Daemon {
        Daemon::prepare_with(flavor, false, extra, body)
    }

    fn prepare_with(flavor: Flavor, nodaemon: bool, extra: &str, body: &str) -> Daemon {
        let dir = tempfile::tempdir().expect("tempdir");
        let dir_text = dir.path().to_string_lossy().into_owned();
        let config = format!(
            "{}{}\n{}",
            supervisord_section(dir.path(), nodaemon),
            extra.replace("{dir}", &dir_text),
            body.replace("{dir}", &dir_text)
        );
        std::fs::write(dir.path().join("supervisord.conf"), config).expect("write config");
        Daemon {
            dir,
            child: None,
            flavor,
            detached: None,
            strays: Vec::new(),
        }
    }

    /// Starts the daemon in the foreground with extra command-line arguments (the config is always
    /// `-c supervisord.conf`) and extra environment variables.
    pub fn spawn(&mut self, extra: &[&str], environment: &[(&str, &str)]) {
        let child = self
            .command(true)
            .args(extra)
            .envs(environment.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start supervisord");
        self.child = Some(child);
    }

    /// Starts the daemon in the foreground with `/dev/null` open on descriptor `fd` without close-on-exec, as a
    /// careless parent (a shell, a service manager) might leave it.
    pub fn spawn_inheriting_descriptor(&mut self, fd: i32) {
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;
        let devnull = std::fs::File::open("/dev/null").expect("open /dev/null");
        let source = devnull.as_raw_fd();
        let mut command = self.command(true);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // SAFETY: dup2 is async-signal-safe; dup2 clears close-on-exec on the new descriptor.
        unsafe {
            command.pre_exec(move || {
                if nix::libc::dup2(source, fd) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        self.child = Some(command.spawn().expect("start supervisord"));
        drop(devnull);
    }

    fn command(&self, foreground: bool) -> Command {
        let mut command = Command::new(self.flavor.binary());
        if foreground {
            command.arg("-n");
        }
        command
            .arg("-c")
            .arg(self.path("supervisord.conf"))
            .current_dir(self.dir.path());
        command
    }

    /// Runs supervisord without `-n` on a config from [`Daemon::prepare_daemonized`]. The launching process must
    /// exit 0; the daemon's pid is read from the pidfile. Returns how long the launcher took to exit.
    pub fn launch_daemonized(&mut self) -> Duration {
        let started = Instant::now();
        let mut launcher = self
            .command(false)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start supervisord");
        let launcher_pid = launcher.id() as i32;
        let status = wait_until("the launching supervisord to exit", || {
            launcher.try_wait().expect("try_wait")
        });
        let launch_time = started.elapsed();
        assert_eq!(status.code(), Some(0), "the launching process failed");
        let pidfile = self.path("supervisord.pid");
        let pid = wait_until("the pidfile", || {
            std::fs::read_to_string(&pidfile)
                .ok()
                .filter(|text| text.ends_with('\n'))
                .and_then(|text| text.trim().parse::<i32>().ok())
        });
        assert_ne!(
            pid, launcher_pid,
            "the pidfile holds the launcher's pid, not the daemon's"
        );
        self.detached = Some(pid);
        launch_time
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn pid(&self) -> i32 {
        if let Some(pid) = self.detached {
            return pid;
        }
        self.child
            .as_ref()
            .map(|child| child.id() as i32)
            .expect("daemon running")
    }

    /// The main log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("supervisord.log")).unwrap_or_default()
    }

    /// The main log's lines that start with a timestamp, each parsed; continuation lines are dropped.
    pub fn log_entries(&self) -> Vec<LogEntry> {
        self.log().lines().filter_map(LogEntry::parse).collect()
    }

    /// The main log's messages (each line without its timestamp and level), continuation lines dropped.
    pub fn log_messages(&self) -> Vec<String> {
        self.log_entries()
            .into_iter()
            .map(|entry| entry.message)
            .collect()
    }

    /// Waits until `predicate` holds for the main log's messages; panics with the log after [`DEADLINE`].
    pub fn wait_for(&self, what: &str, predicate: impl Fn(&[String]) -> bool) -> Vec<String> {
        let start = Instant::now();
        loop {
            let messages = self.log_messages();
            if predicate(&messages) {
                return messages;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for {what}; main log:\n{}", self.log());
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// Waits until some message contains `needle` at least `count` times.
    pub fn wait_for_line(&self, needle: &str, count: usize) -> Vec<String> {
        self.wait_for(&format!("{count} x {needle:?}"), |messages| {
            count_containing(messages, needle) >= count
        })
    }

    /// Waits until the file `name` in the temp dir exists and `predicate` holds for its bytes; returns them.
    pub fn wait_for_file(&self, name: &str, predicate: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        let path = self.path(name);
        let start = Instant::now();
        loop {
            if let Ok(bytes) = std::fs::read(&path) {
                if predicate(&bytes) {
                    return bytes;
                }
            }
            if start.elapsed() > DEADLINE {
                panic!(
                    "timed out waiting for {}: {:?}; main log:\n{}",
                    path.display(),
                    std::fs::read(&path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
                    self.log()
                );
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// Waits until the file `name` in the daemon's directory exists (a socket, a pidfile); panics after [`DEADLINE`].
    pub fn wait_for_path(&self, name: &str) -> PathBuf {
        let path = self.path(name);
        let start = Instant::now();
        while !path.exists() {
            if start.elapsed() > DEADLINE {
                panic!(
                    "timed out waiting for {}; main log:\n{}",
                    path.display(),
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        path
    }

    /// Sends `signal` to the daemon.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe { nix::libc::kill(self.pid(), signal) };
    }

    /// Sends SIGTERM and waits for the daemon to exit; returns its exit code (`None` for a daemonized one, which
    /// is not our child).
    pub fn terminate(&mut self) -> Option<i32> {
        self.signal(nix::libc::SIGTERM);
        self.wait_exit()
    }

    /// Waits (with the deadline) for the daemon to exit.
    pub fn wait_exit(&mut self) -> Option<i32> {
        if let Some(pid) = self.detached {
            let start = Instant::now();
            while alive(pid) {
                if start.elapsed() > DEADLINE {
                    panic!("supervisord did not exit; main log:\n{}", self.log());
                }
                std::thread::sleep(POLL_INTERVAL);
            }
            self.detached = None;
            return None;
        }
        let start = Instant::now();
        let child = self.child.as_mut().expect("daemon running");
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return status.code();
            }
            if start.elapsed() > DEADLINE {
                panic!("supervisord did not exit; main log:\n{}", self.log());
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// SIGKILLs the daemon and the process groups of its children at once, for a daemon whose orderly shutdown
    /// is not under test (the reference spends a second per group).
    pub fn kill(&mut self) {
        let pid = self.pid();
        let children = children_of(pid);
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe { nix::libc::kill(pid, nix::libc::SIGKILL) };
        for child in children {
            // SAFETY: as above.
            unsafe { nix::libc::kill(-child, nix::libc::SIGKILL) };
        }
        if let Some(child) = &mut self.child {
            let _ = child.wait();
        }
        self.child = None;
        self.detached = None;
    }

    /// Sends SIGTERM, waits up to 5 s, then SIGKILL; then kills the process groups of the children it had,
    /// which only matters when a test failed half-way.
    fn stop_for_drop(&mut self) {
        let pid = match (&mut self.child, self.detached) {
            (_, Some(pid)) if alive(pid) => pid,
            (Some(child), None) => match child.try_wait() {
                Ok(None) => child.id() as i32,
                _ => return,
            },
            _ => return,
        };
        // Our children are process group leaders (setpgrp), so killing their groups takes grandchildren too.
        let children = children_of(pid);
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe { nix::libc::kill(pid, nix::libc::SIGTERM) };
        let start = Instant::now();
        let exited = |daemon: &mut Daemon| match &mut daemon.child {
            Some(child) if daemon.detached.is_none() => child.try_wait().ok().flatten().is_some(),
            _ => !alive(pid),
        };
        while !exited(self) && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(POLL_INTERVAL);
        }
        // SAFETY: as above.
        unsafe { nix::libc::kill(pid, nix::libc::SIGKILL) };
        if let (Some(child), None) = (&mut self.child, self.detached) {
            let _ = child.wait();
        }
        for child in children {
            // SAFETY: as above.
            unsafe { nix::libc::kill(-child, nix::libc::SIGKILL) };
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop_for_drop();
        for &pid in &self.strays {
            if alive(pid) {
                // SAFETY: kill(2) has no memory-safety preconditions.
                unsafe { nix::libc::kill(pid, nix::libc::SIGKILL) };
            }
        }
    }
}

/// One line of the main log: `YYYY-MM-DD HH:MM:SS,mmm LEVL message`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Seconds since the epoch of the local calendar (only differences mean anything).
    pub seconds: f64,
    pub level: String,
    pub message: String,
}

impl LogEntry {
    pub fn parse(line: &str) -> Option<LogEntry> {
        let bytes = line.as_bytes();
        if line.len() < 29 || bytes[4] != b'-' || bytes[19] != b',' || bytes[23] != b' ' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| line.get(range)?.parse::<i64>().ok();
        let days = days_from_civil(number(0..4)?, number(5..7)?, number(8..10)?);
        let seconds =
            days * 86_400 + number(11..13)? * 3600 + number(14..16)? * 60 + number(17..19)?;
        Some(LogEntry {
            seconds: seconds as f64 + number(20..23)? as f64 / 1000.0,
            level: line[24..28].to_string(),
            message: line[29..].to_string(),
        })
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Polls `probe` until it returns `Some`, panicking after [`DEADLINE`].
pub fn wait_until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        if start.elapsed() > DEADLINE {
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// How many messages contain `needle`.
pub fn count_containing(messages: &[String], needle: &str) -> usize {
    messages
        .iter()
        .filter(|message| message.contains(needle))
        .count()
}

/// The pid in the last `spawned: 'name' with pid N` message.
pub fn spawned_pid(messages: &[String], name: &str) -> Option<i32> {
    spawned_pids(messages, name).last().copied()
}

/// The pids of every `spawned: 'name' with pid N` message, in order.
pub fn spawned_pids(messages: &[String], name: &str) -> Vec<i32> {
    let prefix = format!("spawned: '{name}' with pid ");
    messages
        .iter()
        .filter_map(|message| message.strip_prefix(&prefix)?.trim().parse().ok())
        .collect()
}

/// The fields of `/proc/<pid>/stat` after the command name: state, ppid, pgrp, session, ...
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    Some(after_name.split_whitespace().map(str::to_string).collect())
}

/// Whether a process with this pid exists (and is not a zombie).
pub fn alive(pid: i32) -> bool {
    stat_fields(pid).is_some_and(|fields| fields.first().is_some_and(|state| state != "Z"))
}

/// Whether this pid is a zombie (exited, not yet reaped by its parent).
pub fn zombie(pid: i32) -> bool {
    stat_fields(pid).is_some_and(|fields| fields.first().is_some_and(|state| state == "Z"))
}

/// The parent pid of a process, if it exists.
pub fn parent_of(pid: i32) -> Option<i32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// The process group of a process, if it exists.
pub fn process_group_of(pid: i32) -> Option<i32> {
    stat_fields(pid)?.get(2)?.parse().ok()
}

/// The session id of a process, if it exists.
pub fn session_of(pid: i32) -> Option<i32> {
    stat_fields(pid)?.get(3)?.parse().ok()
}

/// The pids whose parent is `parent`, zombies included.
pub fn children_of(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| parent_of(pid) == Some(parent))
        .collect()
}
