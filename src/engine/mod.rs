//! The engine: the one task that owns every process, its timers and its pipes.
//!
//! It selects over one channel of [`Event`]s (signals forwarded by the binary, commands from front ends) and
//! the earliest process deadline. Each input goes through the pure reducer of the process it concerns
//! ([`crate::process::state::Process::handle`]); the engine performs the actions that come back (spawn, signal,
//! log) and answers spawns and signals at once, as the reducer's contract asks. Deadlines are kept ordered, so a
//! wakeup touches only the processes whose time came. It knows no HTTP and no XML.

pub mod apply;
pub mod commands;
pub mod handle;
pub mod notify;
pub mod output;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{mpsc, watch};

use crate::config::{DesiredState, GroupSpec, LogFile, LogLevel, ProcessSpec};
use crate::logs::auto::create_auto_log;
use crate::logs::capture::CaptureScanner;
use crate::logs::mainlog;
use crate::logs::rotate::RotatingFile;
use crate::process::spawn::{spawn, SpawnRequest, Spawned};
use crate::process::state::{Action, Input, Mood, Now, Process, SyscallError, Termination};

pub use commands::Command;
use commands::Requests;
use output::{pump, write_stdin, ChannelSink, Control};

/// A process's identity: (group name, process name).
pub type ProcessKey = (String, String);

/// The signals the engine reacts to; the binary installs the handlers and forwards them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalEvent {
    /// SIGTERM, SIGINT or SIGQUIT: shut down. Carries the name for the log line.
    Terminate(&'static str),
    /// SIGUSR2: reopen every log.
    ReopenLogs,
    /// SIGCHLD: reap.
    Child,
}

/// Everything that can wake the engine besides a deadline.
#[derive(Debug)]
pub enum Event {
    Signal(SignalEvent),
    Command(Command),
    /// From a process's output or stdin task: event material (log chunks, listener protocol, EPIPE).
    Output(notify::OutputEvent),
}

/// How the engine run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every process stopped after a shutdown request.
    Shutdown,
    /// A SIGHUP asked for a restart of everything (the caller rereads the config and runs a new engine).
    Restart,
}

/// One running (or stopped) process and what the engine keeps beside its state machine.
struct Child {
    spec: ProcessSpec,
    process: Process,
    /// The deadline currently in the timer set, to find and remove it.
    deadline: Option<Duration>,
    /// The child's stdin; the pipe stays open while the child runs (its reads never see EOF, as in Supervisor).
    stdin: Option<StdinPipe>,
    /// Control queues to the tasks reading this child's output (one per pipe).
    output_controls: Vec<mpsc::UnboundedSender<Control>>,
    /// Successful spawns so far (restarts are the ones after the first).
    spawns: u64,
    /// AUTO log paths, made when the group is created.
    stdout_auto: Option<PathBuf>,
    stderr_auto: Option<PathBuf>,
}

/// A child's stdin: the pipe alone until something is written, then the queue of a task that writes it (most
/// children never get stdin, and a task per child would cost memory for nothing).
enum StdinPipe {
    Idle(std::os::fd::OwnedFd),
    Writing(mpsc::UnboundedSender<Vec<u8>>),
}

/// The engine's state. Built with [`Engine::new`], run with [`Engine::run`].
pub struct Engine {
    desired: DesiredState,
    /// The most recently read config (start-up's until a reread): what addProcessGroup adds from.
    pending: DesiredState,
    /// supervisord's own environment at start-up, the base of every child's.
    base_environment: BTreeMap<String, String>,
    /// `SUPERVISOR_SERVER_URL` for children.
    server_url: Option<String>,
    /// Group names in the order they were added (priority order at start-up).
    group_order: Vec<String>,
    children: BTreeMap<ProcessKey, Child>,
    by_pid: HashMap<u32, ProcessKey>,
    timers: BTreeSet<(Duration, ProcessKey)>,
    mood: Mood,
    clock_origin: Instant,
    /// Groups still to stop, in stop order (highest priority number first), during shutdown or restart.
    stopping_groups: Vec<String>,
    outcome: Option<Outcome>,
    /// Bumped on SIGUSR2; every output task reopens its file when it changes.
    reopen_generation: watch::Sender<u64>,
    /// When `waiting for ... to die` was last logged during shutdown.
    last_wait_report: Option<Instant>,
    /// Requests parked until their processes answer.
    requests: Requests,
    /// The update being applied, if any.
    apply_job: Option<apply::ApplyJob>,
    /// Event listener pools and the global event serial (handed over across restarts).
    bus: crate::events::EventBus,
    tick_clock: crate::events::TickClock,
    /// Where output tasks report event material; the engine's own channel.
    reports: mpsc::UnboundedSender<Event>,
}

impl Engine {
    /// Creates the groups of `desired` (making AUTO log files) without starting anything.
    pub fn new(
        desired: DesiredState,
        base_environment: BTreeMap<String, String>,
        reports: mpsc::UnboundedSender<Event>,
        bus: crate::events::EventBus,
    ) -> Engine {
        let server_url = server_url(&desired);
        let (reopen_generation, _) = watch::channel(0);
        let mut engine = Engine {
            desired: DesiredState {
                server: desired.server.clone(),
                groups: BTreeMap::new(),
            },
            pending: desired.clone(),
            base_environment,
            server_url,
            group_order: Vec::new(),
            children: BTreeMap::new(),
            by_pid: HashMap::new(),
            timers: BTreeSet::new(),
            mood: Mood::Running,
            clock_origin: Instant::now(),
            stopping_groups: Vec::new(),
            outcome: None,
            reopen_generation,
            last_wait_report: None,
            requests: Requests::default(),
            apply_job: None,
            bus,
            tick_clock: crate::events::TickClock::new(),
            reports,
        };
        for group in desired.groups_in_order() {
            engine.add_group(group.clone());
        }
        engine
    }

    fn now(&self) -> Now {
        let wall_unix = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Now {
            monotonic: self.clock_origin.elapsed(),
            wall_unix,
        }
    }

    /// Adds a group: its processes exist (STOPPED, `Not started`) and have their AUTO log files.
    fn add_group(&mut self, group: GroupSpec) {
        for spec in &group.processes {
            let child = self.new_child(spec);
            self.children
                .insert((group.name.clone(), spec.name.clone()), child);
        }
        let name = group.name.clone();
        self.group_order.push(name.clone());
        self.desired.groups.insert(name.clone(), group);
        self.on_group_added(&name);
    }

    /// A process that has never run, with its AUTO log files created (as Supervisor does at group creation).
    fn new_child(&self, spec: &ProcessSpec) -> Child {
        let (stdout_auto, stderr_auto) = self.auto_logs(spec, None, None);
        Child {
            spec: spec.clone(),
            process: Process::new(),
            deadline: None,
            stdin: None,
            output_controls: Vec::new(),
            spawns: 0,
            stdout_auto,
            stderr_auto,
        }
    }

    /// The AUTO log paths `spec` needs, keeping the ones it already has.
    fn auto_logs(
        &self,
        spec: &ProcessSpec,
        stdout_auto: Option<PathBuf>,
        stderr_auto: Option<PathBuf>,
    ) -> (Option<PathBuf>, Option<PathBuf>) {
        let childlogdir = PathBuf::from(&self.desired.server.supervisord.childlogdir);
        let identifier = &self.desired.server.supervisord.identifier;
        let auto =
            |channel: &str, logfile: &LogFile, existing: Option<PathBuf>| -> Option<PathBuf> {
                if *logfile != LogFile::Auto {
                    return None;
                }
                if existing.is_some() {
                    return existing;
                }
                match create_auto_log(&childlogdir, &spec.name, channel, identifier) {
                    Ok(path) => Some(path),
                    Err(error) => {
                        let message = format!(
                            "cannot create AUTO {channel} log for {}: {error}",
                            spec.name
                        );
                        mainlog::log(LogLevel::Error, &message);
                        None
                    }
                }
            };
        let stdout = auto("stdout", &spec.stdout.logfile, stdout_auto);
        let stderr = if spec.redirect_stderr {
            None
        } else {
            auto("stderr", &spec.stderr.logfile, stderr_auto)
        };
        (stdout, stderr)
    }

    /// Group names by (priority, order added): the order Supervisor visits groups.
    fn groups_by_priority(&self) -> Vec<String> {
        let mut groups: Vec<(i64, usize, &String)> = self
            .group_order
            .iter()
            .enumerate()
            .filter_map(|(index, name)| {
                self.desired
                    .groups
                    .get(name)
                    .map(|group| (group.priority, index, name))
            })
            .collect();
        groups.sort();
        groups
            .into_iter()
            .map(|(_, _, name)| name.clone())
            .collect()
    }

    /// Processes of the groups in runtime order: groups by (priority, then insertion), members in config order.
    fn keys_in_order(&self) -> Vec<ProcessKey> {
        self.groups_by_priority()
            .into_iter()
            .flat_map(|name| {
                let group = &self.desired.groups[&name];
                group
                    .processes
                    .iter()
                    .map(move |spec| (group.name.clone(), spec.name.clone()))
            })
            .collect()
    }

    /// Runs until shutdown (or a restart request) completes; hands the event bus back for the next run.
    pub async fn run(
        mut self,
        events: &mut mpsc::UnboundedReceiver<Event>,
    ) -> (Outcome, crate::events::EventBus) {
        self.publish(&crate::events::Event::SupervisorStateChangeRunning);
        // Start-up is the first pass: every autostart process is spawned now, in priority order.
        for key in self.keys_in_order() {
            self.feed(&key, Input::Tick);
        }
        loop {
            if let Some(outcome) = self.outcome {
                self.bus.clear_pools();
                return (outcome, self.bus);
            }
            let next_timer = self
                .timers
                .first()
                .map(|(deadline, _)| self.clock_origin + *deadline);
            let next_wake = [next_timer, self.wait_report_deadline(), self.next_tick()]
                .into_iter()
                .flatten()
                .min();
            tokio::select! {
                event = events.recv() => match event {
                    Some(Event::Signal(signal)) => self.handle_signal(signal),
                    Some(Event::Command(command)) => self.handle_command(command),
                    Some(Event::Output(output)) => self.on_output(output),
                    None => self.begin_stop(Mood::Shutdown),
                },
                _ = sleep_until(next_wake), if next_wake.is_some() => self.fire_timers(),
            }
            self.advance_apply();
            self.advance_stopping();
        }
    }

    fn handle_signal(&mut self, signal: SignalEvent) {
        match signal {
            SignalEvent::Terminate(name) => {
                mainlog::log(
                    LogLevel::Warn,
                    &format!("received {name} indicating exit request"),
                );
                self.begin_stop(Mood::Shutdown);
            }
            SignalEvent::ReopenLogs => {
                mainlog::log(
                    LogLevel::Info,
                    "received SIGUSR2 indicating log reopen request",
                );
                mainlog::log(LogLevel::Info, "supervisord logreopen");
                mainlog::reopen();
                self.reopen_generation
                    .send_modify(|generation| *generation += 1);
            }
            SignalEvent::Child => {
                mainlog::log(LogLevel::Debug, "received SIGCHLD indicating a child quit");
                self.reap();
            }
        }
    }

    /// `waitpid(-1, WNOHANG)` until nothing is left to reap.
    fn reap(&mut self) {
        loop {
            let mut status: nix::libc::c_int = 0;
            // SAFETY: waitpid with a valid pointer to a c_int; no other invariant.
            let pid = unsafe { nix::libc::waitpid(-1, &mut status, nix::libc::WNOHANG) };
            if pid <= 0 {
                return;
            }
            let pid = pid as u32;
            match self.by_pid.remove(&pid) {
                Some(key) => {
                    if let Some(child) = self.children.get_mut(&key) {
                        child.stdin = None;
                        child.output_controls.clear();
                    }
                    self.feed(
                        &key,
                        Input::Exited {
                            pid,
                            wait_status: status,
                        },
                    );
                }
                None => {
                    let how = Termination::from_wait_status(status).render();
                    mainlog::log(LogLevel::Info, &format!("reaped unknown pid {pid} ({how})"));
                }
            }
        }
    }

    fn fire_timers(&mut self) {
        let now = self.clock_origin.elapsed();
        while let Some((deadline, key)) = self.timers.first().cloned() {
            if deadline > now {
                break;
            }
            self.timers.remove(&(deadline, key.clone()));
            if let Some(child) = self.children.get_mut(&key) {
                child.deadline = None;
            }
            self.feed(&key, Input::Tick);
        }
        self.report_waiting();
        self.fire_ticks();
    }

    /// Feeds one input to one process and performs the actions that come back.
    fn feed(&mut self, key: &ProcessKey, input: Input) {
        let now = self.now();
        let Some(child) = self.children.get_mut(key) else {
            return;
        };
        let actions = child.process.handle(input, now, &child.spec);
        self.reschedule(key);
        for action in actions {
            self.perform(key, action);
        }
    }

    fn reschedule(&mut self, key: &ProcessKey) {
        let Some(child) = self.children.get_mut(key) else {
            return;
        };
        let next = child.process.next_deadline();
        if child.deadline == next {
            return;
        }
        if let Some(old) = child.deadline.take() {
            self.timers.remove(&(old, key.clone()));
        }
        if let Some(new) = next {
            self.timers.insert((new, key.clone()));
        }
        child.deadline = next;
    }

    fn perform(&mut self, key: &ProcessKey, action: Action) {
        match action {
            Action::Spawn => {
                let result = self.spawn_child(key);
                self.feed(key, Input::Spawned(result));
            }
            Action::Signal {
                pid,
                signal,
                to_group,
            } => {
                let target = if to_group { -(pid as i32) } else { pid as i32 };
                // SAFETY: kill(2) has no memory-safety preconditions.
                let result = unsafe { nix::libc::kill(target, signal) };
                let outcome = if result == 0 {
                    Ok(())
                } else {
                    let errno = nix::errno::Errno::last();
                    Err(SyscallError {
                        errno: errno as i32,
                        text: format!("[Errno {}] {}", errno as i32, errno.desc()),
                    })
                };
                self.feed(key, Input::Signalled(outcome));
            }
            Action::Log { level, message } => mainlog::log(level, &message),
            Action::StateChanged(change) => self.on_state_change(key, &change),
            Action::Reply { request, result } => self.on_reply(request, result),
        }
    }

    /// Queues `data` for a child's stdin (starting its writer on first use). False when it has no stdin (not
    /// running, or the pipe is already known to be closed).
    fn write_to_stdin(&mut self, key: &ProcessKey, data: Vec<u8>) -> bool {
        let reports = self.reports.clone();
        let Some(child) = self.children.get_mut(key) else {
            return false;
        };
        if let Some(StdinPipe::Idle(_)) = child.stdin {
            if let Some(StdinPipe::Idle(fd)) = child.stdin.take() {
                let (queue, receiver) = mpsc::unbounded_channel();
                let reporter = output::Reporter {
                    sender: reports,
                    key: key.clone(),
                    channel: crate::events::Channel::Stdout,
                    log_events: false,
                    listener: false,
                };
                tokio::spawn(write_stdin(fd, receiver, reporter));
                child.stdin = Some(StdinPipe::Writing(queue));
            }
        }
        match &child.stdin {
            Some(StdinPipe::Writing(queue)) => queue.send(data).is_ok(),
            _ => false,
        }
    }

    /// Opens the logs and forks the child. `Err` is the spawnerr text.
    fn spawn_child(&mut self, key: &ProcessKey) -> Result<u32, String> {
        let supervisord = &self.desired.server.supervisord;
        let strip_ansi = supervisord.strip_ansi;
        let echo = supervisord.loglevel <= LogLevel::Debug;
        let child = self
            .children
            .get(key)
            .ok_or_else(|| "no such process".to_string())?;
        let spec = &child.spec;
        let is_listener = self.desired.groups.get(&key.0).is_some_and(|group| {
            matches!(group.kind, crate::config::GroupKind::EventListenerPool(_))
        });
        let reporter = |channel: crate::events::Channel, log_events: bool| output::Reporter {
            sender: self.reports.clone(),
            key: key.clone(),
            channel,
            log_events,
            listener: is_listener && channel == crate::events::Channel::Stdout,
        };
        let open = |channel: &'static str, auto: &Option<PathBuf>| -> Result<ChannelSink, String> {
            let (channel_spec, event_channel) = if channel == "stdout" {
                (&spec.stdout, crate::events::Channel::Stdout)
            } else {
                (&spec.stderr, crate::events::Channel::Stderr)
            };
            Ok(ChannelSink {
                process_name: spec.name.clone(),
                channel,
                file: open_log(spec, channel, auto)?,
                syslog: channel_spec.syslog,
                scanner: CaptureScanner::new(channel_spec.capture_maxbytes, strip_ansi),
                echo_to_main_log: echo,
                reporter: reporter(event_channel, channel_spec.events_enabled),
            })
        };
        let stdout_sink = open("stdout", &child.stdout_auto)?;
        let stderr_sink = if spec.redirect_stderr {
            None
        } else {
            Some(open("stderr", &child.stderr_auto)?)
        };
        let request = SpawnRequest {
            spec,
            base_environment: &self.base_environment,
            server_url: self.server_url.as_deref(),
        };
        let Spawned {
            pid,
            stdin,
            stdout,
            stderr,
        } = spawn(&request)?;
        let pid = pid as u32;
        let mut controls = Vec::new();
        let (control, receiver) = mpsc::unbounded_channel();
        controls.push(control);
        tokio::spawn(pump(
            stdout,
            stdout_sink,
            self.reopen_generation.subscribe(),
            receiver,
        ));
        if let (Some(fd), Some(sink)) = (stderr, stderr_sink) {
            let (control, receiver) = mpsc::unbounded_channel();
            controls.push(control);
            tokio::spawn(pump(fd, sink, self.reopen_generation.subscribe(), receiver));
        }
        self.by_pid.insert(pid, key.clone());
        if let Some(child) = self.children.get_mut(key) {
            child.stdin = Some(StdinPipe::Idle(stdin));
            child.output_controls = controls;
            child.spawns += 1;
        }
        Ok(pid)
    }

    /// Shutdown or restart: no more spawning; groups are stopped one at a time, highest priority number first.
    fn begin_stop(&mut self, mood: Mood) {
        if self.mood == Mood::Shutdown || (self.mood == mood && !self.stopping_groups.is_empty()) {
            return;
        }
        let first_stop = self.mood == Mood::Running;
        self.mood = mood;
        if first_stop {
            self.publish(&crate::events::Event::SupervisorStateChangeStopping);
        }
        for key in self.children.keys().cloned().collect::<Vec<_>>() {
            self.feed(&key, Input::MoodChanged(mood));
        }
        let mut groups = self.groups_by_priority();
        groups.reverse();
        self.stopping_groups = groups;
        self.stop_next_group();
        // Supervisor names what it waits for in the same pass that sends the first stop signals.
        self.report_waiting();
    }

    /// Sends the stop to the next group (all its processes at once, in descending priority).
    fn stop_next_group(&mut self) {
        let Some(name) = self.stopping_groups.first().cloned() else {
            return;
        };
        let Some(group) = self.desired.groups.get(&name) else {
            return;
        };
        let mut keys: Vec<(i64, ProcessKey)> = group
            .processes
            .iter()
            .map(|spec| (spec.priority, (group.name.clone(), spec.name.clone())))
            .collect();
        keys.sort_by(|a, b| b.cmp(a));
        for (_, key) in keys {
            self.feed(&key, Input::ShutdownStop);
        }
    }

    fn group_is_stopped(&self, name: &str) -> bool {
        self.desired.groups.get(name).is_none_or(|group| {
            group.processes.iter().all(|spec| {
                self.children
                    .get(&(group.name.clone(), spec.name.clone()))
                    .is_none_or(|child| {
                        child.process.state().is_stopped() && child.process.pid() == 0
                    })
            })
        })
    }

    /// Moves the shutdown on when the group being stopped is down; ends the run when every group is.
    fn advance_stopping(&mut self) {
        if self.mood == Mood::Running {
            return;
        }
        while let Some(name) = self.stopping_groups.first().cloned() {
            if !self.group_is_stopped(&name) {
                return;
            }
            self.stopping_groups.remove(0);
            self.stop_next_group();
        }
        if self
            .children
            .values()
            .all(|child| child.process.state().is_stopped() && child.process.pid() == 0)
        {
            self.outcome = Some(if self.mood == Mood::Shutdown {
                Outcome::Shutdown
            } else {
                Outcome::Restart
            });
        }
    }

    fn wait_report_deadline(&self) -> Option<Instant> {
        if self.mood == Mood::Running || self.stopping_groups.is_empty() {
            return None;
        }
        Some(
            self.last_wait_report
                .map_or_else(Instant::now, |last| last + Duration::from_secs(3)),
        )
    }

    /// During shutdown, `waiting for a, b to die` at most every 3 s.
    fn report_waiting(&mut self) {
        let Some(deadline) = self.wait_report_deadline() else {
            return;
        };
        if Instant::now() < deadline {
            return;
        }
        // Supervisor names them in the order it visits processes: group priority, then config order.
        let waiting: Vec<String> = self
            .keys_in_order()
            .into_iter()
            .filter_map(|key| self.children.get(&key))
            .filter(|child| !child.process.state().is_stopped() || child.process.pid() != 0)
            .map(|child| child.spec.name.clone())
            .collect();
        if waiting.is_empty() {
            return;
        }
        mainlog::log(
            LogLevel::Info,
            &format!("waiting for {} to die", waiting.join(", ")),
        );
        self.last_wait_report = Some(Instant::now());
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

/// Opens the log file of one channel (`stdout` or `stderr`) of a process, if it has one. `Err` is Supervisor's
/// spawn error text for a log that cannot be opened.
fn open_log(
    spec: &ProcessSpec,
    channel: &str,
    auto: &Option<PathBuf>,
) -> Result<Option<RotatingFile>, String> {
    let channel_spec = if channel == "stdout" {
        &spec.stdout
    } else {
        &spec.stderr
    };
    let path = match &channel_spec.logfile {
        LogFile::Auto => auto.clone(),
        LogFile::None => None,
        LogFile::Path(path) => Some(PathBuf::from(path)),
    };
    match path {
        Some(path) => RotatingFile::open(
            &path,
            channel_spec.logfile_maxbytes,
            channel_spec.logfile_backups,
        )
        .map(Some)
        .map_err(|error| dispatcher_error(&spec.name, &error)),
        None => Ok(None),
    }
}

/// Supervisor's message when a log file cannot be opened at spawn.
fn dispatcher_error(name: &str, error: &crate::logs::rotate::LogFileError) -> String {
    let errno = std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<std::io::Error>())
        .and_then(std::io::Error::raw_os_error)
        .map(nix::errno::Errno::from_raw);
    match errno {
        Some(nix::errno::Errno::EMFILE) | Some(nix::errno::Errno::ENFILE) => {
            format!("too many open files to spawn '{name}'")
        }
        Some(errno) => format!(
            "unknown error making dispatchers for '{name}': {}",
            crate::process::spawn::errno_name(errno)
        ),
        None => format!("unknown error making dispatchers for '{name}': {error}"),
    }
}

/// The URL children are told to reach supervisord at: the first unix server, else the last inet one.
pub fn server_url(desired: &DesiredState) -> Option<String> {
    let server = &desired.server;
    if let Some(unix) = server.unix_http_servers.first() {
        return Some(format!("unix://{}", unix.file));
    }
    server.inet_http_servers.last().map(|inet| {
        let host = if inet.host.is_empty() {
            "localhost"
        } else {
            inet.host.as_str()
        };
        format!("http://{host}:{}", inet.port)
    })
}
