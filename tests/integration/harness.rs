//! Running a supervisord (ours or the reference) in a temporary directory: write a config, start it in the
//! foreground, poll its main log with a deadline, and kill it (and its process group's leftovers) when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::reference::reference_bin;

/// How long any single wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

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

/// A supervisord running in the foreground (`-n`) in its own temporary directory.
pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub child: Option<Child>,
    pub flavor: Flavor,
}

/// The `[supervisord]` section every test config starts with: logs and pidfile in the temp dir, debug level so
/// that every lifecycle line is there.
pub fn supervisord_section(dir: &Path) -> String {
    format!(
        "[supervisord]\nlogfile={dir}/supervisord.log\npidfile={dir}/supervisord.pid\nchildlogdir={dir}\n\
         loglevel=debug\nnodaemon=true\n",
        dir = dir.display()
    )
}

impl Daemon {
    /// Writes `supervisord.conf` (the standard `[supervisord]` section, then `body`, where `{dir}` stands for the
    /// temp dir) and starts the daemon on it.
    pub fn start(flavor: Flavor, body: &str) -> Daemon {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = format!(
            "{}{}",
            supervisord_section(dir.path()),
            body.replace("{dir}", &dir.path().to_string_lossy())
        );
        std::fs::write(dir.path().join("supervisord.conf"), config).expect("write config");
        let mut daemon = Daemon {
            dir,
            child: None,
            flavor,
        };
        daemon.spawn(&[]);
        daemon
    }

    /// Starts the daemon with extra command-line arguments (the config is always `-c supervisord.conf`).
    pub fn spawn(&mut self, extra: &[&str]) {
        let child = Command::new(self.flavor.binary())
            .args(["-n", "-c"])
            .arg(self.dir.path().join("supervisord.conf"))
            .args(extra)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start supervisord");
        self.child = Some(child);
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn pid(&self) -> i32 {
        self.child
            .as_ref()
            .map(|child| child.id() as i32)
            .expect("daemon running")
    }

    /// The main log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("supervisord.log")).unwrap_or_default()
    }

    /// The main log's messages (each line without its timestamp and level), continuation lines dropped.
    pub fn log_messages(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|line| {
                line.len() > 29 && line.as_bytes()[4] == b'-' && line.as_bytes()[23] == b' '
            })
            .map(|line| line[29..].to_string())
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
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until some message contains `needle` at least `count` times.
    pub fn wait_for_line(&self, needle: &str, count: usize) -> Vec<String> {
        self.wait_for(&format!("{count} x {needle:?}"), |messages| {
            messages
                .iter()
                .filter(|message| message.contains(needle))
                .count()
                >= count
        })
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

    /// Sends SIGTERM and waits for the daemon to exit; returns its exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        self.signal(nix::libc::SIGTERM);
        self.wait_exit()
    }

    /// Waits (with the deadline) for the daemon to exit.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let start = Instant::now();
        let child = self.child.as_mut().expect("daemon running");
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return status.code();
            }
            if start.elapsed() > DEADLINE {
                panic!("supervisord did not exit; main log:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if child.try_wait().ok().flatten().is_none() {
                // SAFETY: kill(2) has no memory-safety preconditions.
                unsafe { nix::libc::kill(child.id() as i32, nix::libc::SIGTERM) };
                let start = Instant::now();
                while child.try_wait().ok().flatten().is_none()
                    && start.elapsed() < Duration::from_secs(10)
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// The pid in a `spawned: 'name' with pid N` message.
pub fn spawned_pid(messages: &[String], name: &str) -> Option<i32> {
    let prefix = format!("spawned: '{name}' with pid ");
    messages
        .iter()
        .rev()
        .find_map(|message| message.strip_prefix(&prefix)?.trim().parse().ok())
}

/// Whether a process with this pid exists (and is not a zombie).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}
