//! The per-process state machine of Supervisor 4.3.0 (`Subprocess` in `supervisor/process.py`), as a pure reducer.
//!
//! It owns the lifecycle rules: the eight states, the fields getProcessInfo reports (pid, laststart, laststop,
//! spawnerr, exitstatus, ...), autostart and autorestart, the backoff counter, stop and SIGKILL escalation, the
//! main-log lines of the lifecycle, the state-change events, and the answers to start/stop/signal requests. It does
//! no IO and reads no clock: it does not fork, send signals, write logs or keep timers. It does not resolve the
//! command (the `get_execv_args` checks that the RPC layer turns into NO_FILE / NOT_EXECUTABLE and that a spawn
//! reports as a spawn error), and it does not know about groups, priorities or the shutdown order.
//!
//! # Driving it
//!
//! The shape is sans-IO (quinn-proto): [`Process::handle`] takes one [`Input`] with the time it happened ([`Now`])
//! and the process's current [`ProcessSpec`], and returns the [`Action`]s to perform, in order.
//! [`Process::next_deadline`] says when the process wants a [`Input::Tick`]. An engine does:
//!
//! - create a [`Process`] and feed it a `Tick` (that is when autostart happens);
//! - feed every request, child exit and deadline as an input, then perform the actions in order:
//!   - [`Action::Spawn`]: fork/exec the command, then feed [`Input::Spawned`] with the pid or the spawn error text;
//!   - [`Action::Signal`]: `kill(pid)` (or `kill(-pid)` when `to_group`), then feed [`Input::Signalled`] with the
//!     outcome, success included;
//!   - [`Action::Log`]: write the main-log line; [`Action::StateChanged`]: publish the PROCESS_STATE event;
//!   - [`Action::Reply`]: answer the request with that id (an RPC call, possibly parked until now);
//! - answer each `Spawn` and `Signal` before feeding this process anything else (Supervisor forks and signals
//!   synchronously; inputs that break this contract are tolerated but may be ignored);
//! - wake at [`Process::next_deadline`] (on the same monotonic clock as [`Now::monotonic`]) and feed a `Tick`;
//!   after replacing the spec in place (a live option changed), feed a `Tick` so the deadline is recomputed;
//! - tell the process when the supervisord mood changes ([`Input::MoodChanged`]), and during shutdown or reload
//!   feed [`Input::ShutdownStop`] (Supervisor's `ProcessGroup.stop_all`) in the order the groups are stopped.
//!
//! After every input the reducer runs Supervisor's `transition()` pass, so anything already due happens in the
//! same call: an autorestart right after an exit, giving up right after the last failed attempt.
//!
//! # Time
//!
//! Deadlines and durations (startsecs, backoff, stopwaitsecs) use the monotonic clock, so a wall-clock step
//! neither lengthens nor shortens a wait; that is also why Supervisor's clock-rollback clamping has no counterpart
//! here. `laststart` and `laststop` are wall-clock seconds, because users see them. Supervisor checks its timers on
//! a 1 s loop; we wake exactly at the deadline. Supervisor's comparisons are kept, and each deadline is the first
//! instant at which its comparison holds, so a `Tick` at `next_deadline()` always acts:
//!
//! - STARTING to RUNNING needs `now - laststart > startsecs` (strict): deadline `laststart + startsecs + 1 ns`;
//! - a BACKOFF retry needs `now > delay` (strict), `delay = entry + backoff` seconds: deadline `delay + 1 ns`;
//! - SIGKILL needs `delay - now <= 0`, `delay = last signal + stopwaitsecs`: deadline `delay`;
//! - `waiting for <name> to stop` needs `now > last report + 2`: deadline `last report + 2 s + 1 ns`.
//!
//! After `handle` returns, `next_deadline()` is always later than the `now` it was given.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use crate::config::spec::{AutoRestart, LogLevel, ProcessSpec};

/// SIGKILL on every Unix: what the stop escalation sends.
pub const SIGKILL: i32 = 9;

/// The errno `kill(2)` reports when the process is already gone; Supervisor ignores it and waits for the reap.
pub const ESRCH: i32 = 3;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// The state of a process, with Supervisor's codes (`supervisor.states.ProcessStates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessState {
    Stopped,
    Starting,
    Running,
    Backoff,
    Stopping,
    Exited,
    Fatal,
    Unknown,
}

impl ProcessState {
    pub const ALL: [ProcessState; 8] = [
        ProcessState::Stopped,
        ProcessState::Starting,
        ProcessState::Running,
        ProcessState::Backoff,
        ProcessState::Stopping,
        ProcessState::Exited,
        ProcessState::Fatal,
        ProcessState::Unknown,
    ];

    /// The number getProcessInfo reports as `state`.
    pub fn code(self) -> i64 {
        match self {
            ProcessState::Stopped => 0,
            ProcessState::Starting => 10,
            ProcessState::Running => 20,
            ProcessState::Backoff => 30,
            ProcessState::Stopping => 40,
            ProcessState::Exited => 100,
            ProcessState::Fatal => 200,
            ProcessState::Unknown => 1000,
        }
    }

    pub fn from_code(code: i64) -> Option<ProcessState> {
        ProcessState::ALL
            .into_iter()
            .find(|state| state.code() == code)
    }

    /// The name Supervisor prints (`statename`).
    pub fn name(self) -> &'static str {
        match self {
            ProcessState::Stopped => "STOPPED",
            ProcessState::Starting => "STARTING",
            ProcessState::Running => "RUNNING",
            ProcessState::Backoff => "BACKOFF",
            ProcessState::Stopping => "STOPPING",
            ProcessState::Exited => "EXITED",
            ProcessState::Fatal => "FATAL",
            ProcessState::Unknown => "UNKNOWN",
        }
    }

    /// `RUNNING_STATES`: what "already started" and "can be stopped" mean.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            ProcessState::Running | ProcessState::Backoff | ProcessState::Starting
        )
    }

    /// `STOPPED_STATES`: what shutdown, remove and a waiting stop wait for.
    pub fn is_stopped(self) -> bool {
        matches!(
            self,
            ProcessState::Stopped
                | ProcessState::Exited
                | ProcessState::Fatal
                | ProcessState::Unknown
        )
    }

    /// `SIGNALLABLE_STATES`: where signalProcess is allowed.
    pub fn is_signallable(self) -> bool {
        matches!(
            self,
            ProcessState::Running | ProcessState::Starting | ProcessState::Stopping
        )
    }

    /// Whether Supervisor can move a process from `self` to `next` in one step.
    pub fn can_become(self, next: ProcessState) -> bool {
        use ProcessState::*;
        match self {
            Stopped | Exited | Fatal => next == Starting,
            Backoff => matches!(next, Starting | Fatal | Stopped),
            Starting => matches!(next, Running | Backoff | Stopping | Unknown),
            Running => matches!(next, Exited | Stopping | Unknown),
            Stopping => matches!(next, Stopped | Unknown),
            Unknown => false,
        }
    }
}

impl fmt::Display for ProcessState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// supervisord's mood (`SupervisorStates`). Processes are spawned by the pass only when the mood is above
/// RESTARTING; a start request still spawns in any mood, as in Supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mood {
    Fatal,
    #[default]
    Running,
    Restarting,
    Shutdown,
}

impl Mood {
    pub fn code(self) -> i64 {
        match self {
            Mood::Fatal => 2,
            Mood::Running => 1,
            Mood::Restarting => 0,
            Mood::Shutdown => -1,
        }
    }

    /// `mood > SupervisorStates.RESTARTING`: autostart, autorestart and backoff retries may spawn.
    pub fn allows_spawning(self) -> bool {
        self.code() > Mood::Restarting.code()
    }
}

/// The time of an input, read by the engine from two clocks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Now {
    /// Since an arbitrary origin; deadlines are on this axis.
    pub monotonic: Duration,
    /// Seconds since the Unix epoch; used only for `laststart` and `laststop`, which users see.
    pub wall_unix: f64,
}

/// Names a request so its [`Action::Reply`] can be routed; chosen by the engine, opaque here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// A failed `kill(2)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyscallError {
    pub errno: i32,
    /// How Python prints the OSError, e.g. `[Errno 1] Operation not permitted`; it ends up in log lines and faults.
    pub text: String,
}

/// Everything that can happen to a process.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// startProcess, after the RPC layer's command check. `wait`: answer when RUNNING (or failed) rather than right
    /// after the spawn.
    Start {
        request: RequestId,
        wait: bool,
    },
    /// stopProcess (`Subprocess.stop`). `wait`: answer when stopped, logging `waiting for <name> to stop`.
    Stop {
        request: RequestId,
        wait: bool,
    },
    /// signalProcess with a signal number the RPC layer already validated.
    Signal {
        request: RequestId,
        signal: i32,
    },
    /// `ProcessGroup.stop_all` during shutdown or reload: stop STARTING/RUNNING, give up BACKOFF.
    ShutdownStop,
    /// The answer to [`Action::Spawn`]: the child's pid, or the spawnerr text (the command checks of the spec's
    /// spawn procedure, pipe, log file or fork errors, worded as Supervisor words them).
    Spawned(Result<u32, String>),
    /// The answer to [`Action::Signal`].
    Signalled(Result<(), SyscallError>),
    /// The child was reaped, with the raw status from `waitpid`.
    Exited {
        pid: u32,
        wait_status: i32,
    },
    /// A deadline came (or the engine wants the process looked at again).
    Tick,
    MoodChanged(Mood),
}

/// Why a request failed; the RPC layer maps these to Supervisor's faults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestFault {
    /// ALREADY_STARTED.
    AlreadyStarted,
    /// FAILED with `<name> is in an unknown process state` (the name as the caller wrote it).
    UnknownState,
    /// NOT_RUNNING.
    NotRunning,
    /// FAILED with this text.
    Failed(String),
    /// SPAWN_ERROR.
    SpawnError,
    /// ABNORMAL_TERMINATION.
    AbnormalTermination,
}

impl RequestFault {
    /// The name of Supervisor's fault (`supervisor.xmlrpc.Faults`).
    pub fn fault_name(&self) -> &'static str {
        match self {
            RequestFault::AlreadyStarted => "ALREADY_STARTED",
            RequestFault::UnknownState | RequestFault::Failed(_) => "FAILED",
            RequestFault::NotRunning => "NOT_RUNNING",
            RequestFault::SpawnError => "SPAWN_ERROR",
            RequestFault::AbnormalTermination => "ABNORMAL_TERMINATION",
        }
    }
}

/// A state change, with the values the PROCESS_STATE event carries taken at the moment of the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    pub from: ProcessState,
    pub to: ProcessState,
    /// False only for an EXITED with an exit code not in `exitcodes`.
    pub expected: bool,
    pub pid: u32,
    /// The backoff counter (the event's `tries`).
    pub tries: u32,
}

/// What the engine must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Fork and exec the command; answer with [`Input::Spawned`].
    Spawn,
    /// `kill(pid, signal)`, or `kill(-pid, signal)` when `to_group`; answer with [`Input::Signalled`].
    Signal {
        pid: u32,
        signal: i32,
        to_group: bool,
    },
    /// A main-log line.
    Log { level: LogLevel, message: String },
    /// Publish the PROCESS_STATE_<to> event.
    StateChanged(StateChange),
    /// Answer a request.
    Reply {
        request: RequestId,
        result: Result<(), RequestFault>,
    },
}

/// How a child ended, decoded from a raw wait status (`supervisor.options.decode_wait_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    Exited(i32),
    Signaled {
        signal: i32,
        core_dumped: bool,
    },
    /// Neither exited nor signalled (e.g. a stop status); carries the raw status.
    Unknown(i32),
}

impl Termination {
    /// The Linux `W*` macros, applied to the raw status.
    pub fn from_wait_status(status: i32) -> Termination {
        let low_bits = status & 0x7f;
        if low_bits == 0 {
            Termination::Exited((status >> 8) & 0xff)
        } else if low_bits != 0x7f {
            Termination::Signaled {
                signal: low_bits,
                core_dumped: status & 0x80 != 0,
            }
        } else {
            Termination::Unknown(status)
        }
    }

    /// Supervisor's `exitstatus`: the exit code, or -1 when the process did not exit by itself.
    pub fn exitstatus(self) -> i32 {
        match self {
            Termination::Exited(code) => code,
            Termination::Signaled { .. } | Termination::Unknown(_) => -1,
        }
    }

    /// The `<how>` of the log lines: `exit status 3`, `terminated by SIGKILL (core dumped)`.
    pub fn render(self) -> String {
        match self {
            Termination::Exited(code) => format!("exit status {code}"),
            Termination::Signaled {
                signal,
                core_dumped,
            } => {
                let core = if core_dumped { " (core dumped)" } else { "" };
                format!("terminated by {}{core}", signame(signal))
            }
            Termination::Unknown(status) => format!("unknown termination cause 0x{status:04x}"),
        }
    }
}

/// A signal's name as Supervisor's `signame` prints it (`SIGTERM`, `signal 35`).
pub use crate::config::datatypes::signame;

/// Which of Supervisor's two senders a signal came from; their failure messages differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignalSender {
    /// `Subprocess.kill`: the stop signal or SIGKILL.
    Kill,
    /// `Subprocess.signal`: signalProcess.
    Signal,
}

/// A [`Action::Signal`] whose [`Input::Signalled`] has not come back yet.
#[derive(Debug, Clone, PartialEq)]
struct PendingSignal {
    sender: SignalSender,
    pid: u32,
    /// The stop or signal request to answer once the outcome is known, and whether it waits.
    request: Option<(RequestId, bool)>,
}

/// A start request waiting for its answer (rpcinterface.startProcess's `onwait`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StartWaiter {
    request: RequestId,
    wait: bool,
}

/// One process: Supervisor's `Subprocess` fields plus what the sans-IO shape needs (pending syscalls, waiters,
/// the next deadline).
#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    state: ProcessState,
    pid: u32,
    /// Wall-clock seconds of the last spawn attempt; 0 means never.
    laststart: f64,
    /// The same instant on the monotonic axis; `None` means never.
    laststart_monotonic: Option<Duration>,
    /// Wall-clock seconds of the last reap; 0 means never.
    laststop: f64,
    /// Supervisor's `delay` on the monotonic axis (`None` for its 0): end of startsecs, of the backoff wait, or of
    /// stopwaitsecs.
    delay: Option<Duration>,
    backoff: u32,
    killing: bool,
    exitstatus: Option<i32>,
    spawnerr: Option<String>,
    administrative_stop: bool,
    system_stop: bool,
    mood: Mood,
    /// An [`Action::Spawn`] is out and its [`Input::Spawned`] has not come back.
    spawn_pending: bool,
    pending_signals: VecDeque<PendingSignal>,
    start_waiters: Vec<StartWaiter>,
    /// Stop requests with `wait`, answered when the process is in a stopped state.
    stop_waiters: Vec<RequestId>,
    /// When `waiting for <name> to stop` was last logged (`laststopreport`); `None` for its 0.
    laststopreport: Option<Duration>,
    deadline: Option<Duration>,
}

impl Default for Process {
    fn default() -> Self {
        Process::new()
    }
}

impl Process {
    /// A process that was never started, in the RUNNING mood. Feed it a `Tick` to let autostart happen.
    pub fn new() -> Process {
        Process {
            state: ProcessState::Stopped,
            pid: 0,
            laststart: 0.0,
            laststart_monotonic: None,
            laststop: 0.0,
            delay: None,
            backoff: 0,
            killing: false,
            exitstatus: None,
            spawnerr: None,
            administrative_stop: false,
            system_stop: false,
            mood: Mood::Running,
            spawn_pending: false,
            pending_signals: VecDeque::new(),
            start_waiters: Vec::new(),
            stop_waiters: Vec::new(),
            laststopreport: None,
            deadline: None,
        }
    }

    pub fn state(&self) -> ProcessState {
        self.state
    }

    /// 0 when no child is running.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Wall-clock seconds of the last spawn attempt; 0 means never.
    pub fn laststart(&self) -> f64 {
        self.laststart
    }

    /// Wall-clock seconds of the last reap; 0 means never.
    pub fn laststop(&self) -> f64 {
        self.laststop
    }

    /// Supervisor's `delay`, on the monotonic axis.
    pub fn delay(&self) -> Option<Duration> {
        self.delay
    }

    /// The backoff counter.
    pub fn backoff(&self) -> u32 {
        self.backoff
    }

    /// True while a stop is in progress.
    pub fn killing(&self) -> bool {
        self.killing
    }

    /// The last exit status (-1 for a signal death); getProcessInfo shows `None` as 0.
    pub fn exitstatus(&self) -> Option<i32> {
        self.exitstatus
    }

    /// The last spawn error; getProcessInfo shows `None` as the empty string.
    pub fn spawnerr(&self) -> Option<&str> {
        self.spawnerr.as_deref()
    }

    pub fn administrative_stop(&self) -> bool {
        self.administrative_stop
    }

    pub fn system_stop(&self) -> bool {
        self.system_stop
    }

    pub fn mood(&self) -> Mood {
        self.mood
    }

    /// When the engine should feed the next [`Input::Tick`], on the monotonic axis of [`Now::monotonic`].
    pub fn next_deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// Feed one input; returns what to do, in order.
    pub fn handle(&mut self, input: Input, now: Now, spec: &ProcessSpec) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Start { request, wait } => self.on_start(request, wait, now, spec, &mut out),
            Input::Stop { request, wait } => self.on_stop(request, wait, now, spec, &mut out),
            Input::Signal { request, signal } => self.on_signal(request, signal, spec, &mut out),
            Input::ShutdownStop => self.on_shutdown_stop(now, spec, &mut out),
            Input::Spawned(result) => self.on_spawned(result, now, spec, &mut out),
            Input::Signalled(result) => self.on_signalled(result, now, spec, &mut out),
            Input::Exited { pid, wait_status } => {
                self.on_exited(pid, wait_status, now, spec, &mut out)
            }
            Input::Tick => {}
            Input::MoodChanged(mood) => self.mood = mood,
        }
        // Supervisor polls a waiting request between loop passes, so a request sees the state an input left
        // before the pass changes it again (an exit before an autorestart).
        self.settle_waiters(&mut out);
        self.transition(now, spec, &mut out);
        self.settle_waiters(&mut out);
        self.report_stop_wait(now, spec, &mut out);
        self.deadline = self.compute_deadline(spec);
        out
    }

    fn on_start(
        &mut self,
        request: RequestId,
        wait: bool,
        now: Now,
        spec: &ProcessSpec,
        out: &mut Vec<Action>,
    ) {
        if self.state.is_running() {
            reply(out, request, Err(RequestFault::AlreadyStarted));
            return;
        }
        if self.state == ProcessState::Unknown {
            reply(out, request, Err(RequestFault::UnknownState));
            return;
        }
        // STOPPED, EXITED, FATAL, or STOPPING (where spawn() only warns that the process is running).
        self.spawn(now, spec, out);
        self.start_waiters.push(StartWaiter { request, wait });
    }

    fn on_stop(
        &mut self,
        request: RequestId,
        wait: bool,
        now: Now,
        spec: &ProcessSpec,
        out: &mut Vec<Action>,
    ) {
        if !self.state.is_running() {
            reply(out, request, Err(RequestFault::NotRunning));
            return;
        }
        self.administrative_stop = true;
        self.laststopreport = None;
        match self.kill(
            spec.stopsignal.number,
            now,
            spec,
            out,
            Some((request, wait)),
        ) {
            KillOutcome::Sent => {}
            KillOutcome::Done => {
                if wait {
                    self.stop_waiters.push(request);
                } else {
                    reply(out, request, Ok(()));
                }
            }
            KillOutcome::NotRunning(message) => {
                reply(out, request, Err(RequestFault::Failed(message)))
            }
        }
    }

    fn on_signal(
        &mut self,
        request: RequestId,
        signal: i32,
        spec: &ProcessSpec,
        out: &mut Vec<Action>,
    ) {
        if !self.state.is_signallable() {
            reply(out, request, Err(RequestFault::NotRunning));
            return;
        }
        let name = &spec.name;
        if self.pid == 0 {
            let message = format!(
                "attempted to send {name} sig {} but it wasn't running",
                signame(signal)
            );
            log(out, LogLevel::Debug, message.clone());
            reply(out, request, Err(RequestFault::Failed(message)));
            return;
        }
        log(
            out,
            LogLevel::Debug,
            format!("sending {name} (pid {}) sig {}", self.pid, signame(signal)),
        );
        out.push(Action::Signal {
            pid: self.pid,
            signal,
            to_group: false,
        });
        self.pending_signals.push_back(PendingSignal {
            sender: SignalSender::Signal,
            pid: self.pid,
            request: Some((request, false)),
        });
    }

    fn on_shutdown_stop(&mut self, now: Now, spec: &ProcessSpec, out: &mut Vec<Action>) {
        match self.state {
            ProcessState::Running | ProcessState::Starting => {
                // stop_all calls stop(), so this is an administrative stop too.
                self.administrative_stop = true;
                self.laststopreport = None;
                self.kill(spec.stopsignal.number, now, spec, out, None);
            }
            ProcessState::Backoff => self.give_up(now, out),
            _ => {}
        }
    }

    fn on_spawned(
        &mut self,
        result: Result<u32, String>,
        now: Now,
        spec: &ProcessSpec,
        out: &mut Vec<Action>,
    ) {
        if !self.spawn_pending {
            return;
        }
        self.spawn_pending = false;
        match result {
            Ok(pid) => {
                self.pid = pid;
                log(
                    out,
                    LogLevel::Info,
                    format!("spawned: '{}' with pid {pid}", spec.name),
                );
                self.spawnerr = None;
                self.delay = Some(offset_seconds(now.monotonic, spec.startsecs));
            }
            Err(message) => {
                log(out, LogLevel::Info, format!("spawnerr: {message}"));
                self.spawnerr = Some(message);
                self.change_state(ProcessState::Backoff, true, now, out);
            }
        }
    }

    fn on_signalled(
        &mut self,
        result: Result<(), SyscallError>,
        now: Now,
        spec: &ProcessSpec,
        out: &mut Vec<Action>,
    ) {
        let Some(pending) = self.pending_signals.pop_front() else {
            return;
        };
        let name = &spec.name;
        match result {
            Ok(()) => self.signal_delivered(&pending, out),
            Err(error) if error.errno == ESRCH => {
                // The child exited on its own; the reap will change the state.
                let just = match pending.sender {
                    SignalSender::Kill => "just",
                    SignalSender::Signal => "just now",
                };
                log(
                    out,
                    LogLevel::Debug,
                    format!(
                        "unable to signal {name} (pid {}), it probably {just} exited on its own: {}",
                        pending.pid, error.text
                    ),
                );
                self.signal_delivered(&pending, out);
            }
            Err(error) => {
                // Supervisor appends a Python traceback here; we have only the error.
                let message = match pending.sender {
                    SignalSender::Kill => {
                        format!(
                            "unknown problem killing {name} ({}):{}",
                            pending.pid, error.text
                        )
                    }
                    SignalSender::Signal => format!(
                        "unknown problem sending sig {name} ({}):{}",
                        pending.pid, error.text
                    ),
                };
                log(out, LogLevel::Critical, message.clone());
                // Supervisor signals synchronously, so the process is still the one signalled; guard against an
                // outcome that arrives after the child was reaped.
                if self.pid != 0 && self.pid == pending.pid && self.state.is_signallable() {
                    self.change_state(ProcessState::Unknown, true, now, out);
                    if pending.sender == SignalSender::Kill {
                        self.killing = false;
                        self.delay = None;
                    }
                }
                if let Some((request, _wait)) = pending.request {
                    reply(out, request, Err(RequestFault::Failed(message)));
                }
            }
        }
    }

    fn signal_delivered(&mut self, pending: &PendingSignal, out: &mut Vec<Action>) {
        match pending.request {
            Some((request, true)) => self.stop_waiters.push(request),
            Some((request, false)) => reply(out, request, Ok(())),
            None => {}
        }
    }

    /// `Subprocess.finish`.
    fn on_exited(
        &mut self,
        pid: u32,
        wait_status: i32,
        now: Now,
        spec: &ProcessSpec,
        out: &mut Vec<Action>,
    ) {
        if pid == 0 || pid != self.pid {
            return;
        }
        let termination = Termination::from_wait_status(wait_status);
        let exitstatus = termination.exitstatus();
        let how = termination.render();
        let name = &spec.name;
        self.laststop = now.wall_unix;

        if self.state == ProcessState::Unknown {
            // Supervisor's finish() fails an assertion here and the state stays UNKNOWN; we keep the state and
            // do the bookkeeping so the pid is not reported as alive.
            self.exitstatus = Some(exitstatus);
            self.killing = false;
            self.delay = None;
            self.pid = 0;
            return;
        }

        // Only a STARTING process can exit too quickly: a RUNNING one already outlived startsecs, even if
        // startsecs was raised in place since (where Supervisor would fail an assertion).
        let too_quickly = self.state == ProcessState::Starting
            && self.laststart_monotonic.is_some_and(|laststart| {
                elapsed_nanos(now.monotonic, laststart) < seconds_to_nanos(spec.startsecs)
            });
        let exit_expected = spec.exitcodes.contains(&exitstatus);

        if self.killing {
            self.killing = false;
            self.delay = None;
            self.exitstatus = Some(exitstatus);
            self.change_state(ProcessState::Stopped, true, now, out);
            let level = if exit_expected {
                LogLevel::Info
            } else {
                LogLevel::Warn
            };
            log(out, level, format!("stopped: {name} ({how})"));
        } else if too_quickly {
            self.exitstatus = None;
            self.spawnerr = Some("Exited too quickly (process log may have details)".to_string());
            self.change_state(ProcessState::Backoff, true, now, out);
            log(
                out,
                LogLevel::Warn,
                format!("exited: {name} ({how}; not expected)"),
            );
        } else {
            self.delay = None;
            self.backoff = 0;
            self.exitstatus = Some(exitstatus);
            // Exited after startsecs but before a pass promoted it: both changes happen here, with no
            // `success:` line.
            if self.state == ProcessState::Starting {
                self.change_state(ProcessState::Running, true, now, out);
            }
            if exit_expected {
                self.change_state(ProcessState::Exited, true, now, out);
                log(
                    out,
                    LogLevel::Info,
                    format!("exited: {name} ({how}; expected)"),
                );
            } else {
                self.spawnerr = Some(format!("Bad exit code {exitstatus}"));
                self.change_state(ProcessState::Exited, false, now, out);
                log(
                    out,
                    LogLevel::Warn,
                    format!("exited: {name} ({how}; not expected)"),
                );
            }
        }
        self.pid = 0;
    }

    /// `Subprocess.transition`: what is due at `now`.
    fn transition(&mut self, now: Now, spec: &ProcessSpec, out: &mut Vec<Action>) {
        if self.mood.allows_spawning() && !self.spawn_pending {
            let due = match self.state {
                ProcessState::Exited => match spec.autorestart {
                    AutoRestart::Always => true,
                    AutoRestart::Unexpected => !self
                        .exitstatus
                        .is_some_and(|status| spec.exitcodes.contains(&status)),
                    AutoRestart::Never => false,
                },
                // Autostart happens once: only a process that was never started.
                ProcessState::Stopped => self.laststart_monotonic.is_none() && spec.autostart,
                ProcessState::Backoff => {
                    i64::from(self.backoff) <= spec.startretries
                        && self.delay.is_none_or(|delay| now.monotonic > delay)
                }
                _ => false,
            };
            if due {
                self.spawn(now, spec, out);
            }
        }

        match self.state {
            ProcessState::Starting if !self.spawn_pending && self.pid != 0 => {
                let up_long_enough = self.laststart_monotonic.is_some_and(|laststart| {
                    elapsed_nanos(now.monotonic, laststart) > seconds_to_nanos(spec.startsecs)
                });
                if up_long_enough {
                    self.delay = None;
                    self.backoff = 0;
                    self.change_state(ProcessState::Running, true, now, out);
                    log(
                        out,
                        LogLevel::Info,
                        format!(
                            "success: {} entered RUNNING state, process has stayed up for > than {} seconds (startsecs)",
                            spec.name, spec.startsecs
                        ),
                    );
                }
            }
            // A negative startretries therefore behaves like 0.
            ProcessState::Backoff if i64::from(self.backoff) > spec.startretries => {
                self.give_up(now, out);
                log(
                    out,
                    LogLevel::Info,
                    format!(
                        "gave up: {} entered FATAL state, too many start retries too quickly",
                        spec.name
                    ),
                );
            }
            ProcessState::Stopping if self.delay.is_some_and(|delay| now.monotonic >= delay) => {
                log(
                    out,
                    LogLevel::Warn,
                    format!("killing '{}' ({}) with SIGKILL", spec.name, self.pid),
                );
                self.kill(SIGKILL, now, spec, out, None);
            }
            _ => {}
        }
    }

    /// `Subprocess.spawn` up to the fork, which is the engine's.
    fn spawn(&mut self, now: Now, spec: &ProcessSpec, out: &mut Vec<Action>) {
        if self.pid != 0 {
            log(
                out,
                LogLevel::Warn,
                format!("process '{}' already running", spec.name),
            );
            return;
        }
        self.killing = false;
        self.spawnerr = None;
        self.exitstatus = None;
        self.system_stop = false;
        self.administrative_stop = false;
        self.laststart = now.wall_unix;
        self.laststart_monotonic = Some(now.monotonic);
        self.change_state(ProcessState::Starting, true, now, out);
        self.spawn_pending = true;
        out.push(Action::Spawn);
    }

    /// `Subprocess.kill`: send `signal` intending the process to exit.
    fn kill(
        &mut self,
        signal: i32,
        now: Now,
        spec: &ProcessSpec,
        out: &mut Vec<Action>,
        request: Option<(RequestId, bool)>,
    ) -> KillOutcome {
        let name = &spec.name;
        // Stopping a BACKOFF process does not wait for the retries; the backoff counter is kept.
        if self.state == ProcessState::Backoff {
            log(
                out,
                LogLevel::Debug,
                format!("Attempted to kill {name}, which is in BACKOFF state."),
            );
            self.change_state(ProcessState::Stopped, true, now, out);
            return KillOutcome::Done;
        }
        if self.pid == 0 {
            let message = format!(
                "attempted to kill {name} with sig {} but it wasn't running",
                signame(signal)
            );
            log(out, LogLevel::Debug, message.clone());
            return KillOutcome::NotRunning(message);
        }
        // The stop signal goes by stopasgroup; once STOPPING, the SIGKILL goes by killasgroup.
        let escalating = self.state == ProcessState::Stopping;
        let to_group = if escalating {
            spec.killasgroup
        } else {
            spec.stopasgroup
        };
        let as_group = if to_group { "process group " } else { "" };
        log(
            out,
            LogLevel::Debug,
            format!(
                "killing {name} (pid {}) {as_group}with signal {}",
                self.pid,
                signame(signal)
            ),
        );
        self.killing = true;
        // Supervisor re-sends SIGKILL on each 1 s pass when stopwaitsecs <= 0; waking exactly at the deadline, we
        // keep that cadence instead of re-sending at the same instant forever.
        let wait_seconds = if escalating {
            spec.stopwaitsecs.max(1)
        } else {
            spec.stopwaitsecs
        };
        self.delay = Some(offset_seconds(now.monotonic, wait_seconds));
        self.change_state(ProcessState::Stopping, true, now, out);
        out.push(Action::Signal {
            pid: self.pid,
            signal,
            to_group,
        });
        self.pending_signals.push_back(PendingSignal {
            sender: SignalSender::Kill,
            pid: self.pid,
            request,
        });
        KillOutcome::Sent
    }

    /// `Subprocess.give_up`: BACKOFF to FATAL.
    fn give_up(&mut self, now: Now, out: &mut Vec<Action>) {
        self.delay = None;
        self.backoff = 0;
        self.system_stop = true;
        self.change_state(ProcessState::Fatal, true, now, out);
    }

    /// `Subprocess.change_state`: entering BACKOFF counts an attempt and schedules the retry.
    fn change_state(&mut self, to: ProcessState, expected: bool, now: Now, out: &mut Vec<Action>) {
        let from = self.state;
        if from == to {
            return;
        }
        self.state = to;
        if to == ProcessState::Backoff {
            self.backoff = self.backoff.saturating_add(1);
            self.delay = Some(offset_seconds(now.monotonic, i64::from(self.backoff)));
        }
        out.push(Action::StateChanged(StateChange {
            from,
            to,
            expected,
            pid: self.pid,
            tries: self.backoff,
        }));
    }

    /// Answer the waiting start and stop requests whose outcome is known (rpcinterface's `onwait` callbacks).
    fn settle_waiters(&mut self, out: &mut Vec<Action>) {
        if !self.spawn_pending && !self.start_waiters.is_empty() {
            let state = self.state;
            let spawn_failed = self.spawnerr.is_some();
            self.start_waiters.retain(|waiter| {
                let result = if spawn_failed {
                    Err(RequestFault::SpawnError)
                } else if !waiter.wait || state == ProcessState::Running {
                    Ok(())
                } else if state == ProcessState::Starting {
                    return true;
                } else {
                    Err(RequestFault::AbnormalTermination)
                };
                reply(out, waiter.request, result);
                false
            });
        }
        if self.state.is_stopped() {
            for request in self.stop_waiters.drain(..) {
                reply(out, request, Ok(()));
            }
        }
    }

    /// `Subprocess.stop_report`, as polled by a waiting stopProcess: at most every 2 s.
    fn report_stop_wait(&mut self, now: Now, spec: &ProcessSpec, out: &mut Vec<Action>) {
        if self.stop_waiters.is_empty() || self.state != ProcessState::Stopping {
            return;
        }
        let due = self
            .laststopreport
            .is_none_or(|last| elapsed_nanos(now.monotonic, last) > 2 * NANOS_PER_SECOND);
        if due {
            log(
                out,
                LogLevel::Info,
                format!("waiting for {} to stop", spec.name),
            );
            self.laststopreport = Some(now.monotonic);
        }
    }

    fn compute_deadline(&self, spec: &ProcessSpec) -> Option<Duration> {
        if self.spawn_pending {
            return None;
        }
        match self.state {
            ProcessState::Starting if self.pid != 0 => {
                let laststart = self.laststart_monotonic?;
                // The first instant with now - laststart > startsecs.
                let startsecs = seconds_to_nanos(spec.startsecs);
                let first = if startsecs < 0 { 0 } else { startsecs + 1 };
                Some(from_nanos(duration_nanos(laststart) + first))
            }
            ProcessState::Backoff
                if self.mood.allows_spawning() && i64::from(self.backoff) <= spec.startretries =>
            {
                self.delay
                    .map(|delay| from_nanos(duration_nanos(delay) + 1))
            }
            ProcessState::Stopping => {
                let report = if self.stop_waiters.is_empty() {
                    None
                } else {
                    self.laststopreport
                        .map(|last| from_nanos(duration_nanos(last) + 2 * NANOS_PER_SECOND + 1))
                };
                [self.delay, report].into_iter().flatten().min()
            }
            _ => None,
        }
    }
}

enum KillOutcome {
    /// A signal action is out; the request is answered when its outcome comes back.
    Sent,
    /// Nothing to signal and the process is stopped (it was in BACKOFF).
    Done,
    /// No pid: Supervisor's "wasn't running" message.
    NotRunning(String),
}

fn reply(out: &mut Vec<Action>, request: RequestId, result: Result<(), RequestFault>) {
    out.push(Action::Reply { request, result });
}

fn log(out: &mut Vec<Action>, level: LogLevel, message: String) {
    out.push(Action::Log { level, message });
}

fn duration_nanos(duration: Duration) -> i128 {
    duration.as_nanos() as i128
}

fn seconds_to_nanos(seconds: i64) -> i128 {
    i128::from(seconds) * NANOS_PER_SECOND
}

fn elapsed_nanos(now: Duration, since: Duration) -> i128 {
    duration_nanos(now) - duration_nanos(since)
}

/// A point on the monotonic axis from nanoseconds, clamped to the axis (never before its origin, never past the
/// largest `Duration`).
fn from_nanos(nanos: i128) -> Duration {
    if nanos <= 0 {
        return Duration::ZERO;
    }
    let seconds = nanos / NANOS_PER_SECOND;
    let subsec = (nanos % NANOS_PER_SECOND) as u32;
    match u64::try_from(seconds) {
        Ok(seconds) => Duration::new(seconds, subsec),
        Err(_) => Duration::MAX,
    }
}

/// `now + seconds`, for a possibly negative or huge count of seconds from the config.
fn offset_seconds(now: Duration, seconds: i64) -> Duration {
    from_nanos(duration_nanos(now) + seconds_to_nanos(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::spec::{ChannelSpec, Origin, SignalSpec};
    use std::collections::BTreeMap;
    use std::fmt::Write as _;

    const WALL_ORIGIN: f64 = 1_764_000_000.0;

    fn spec() -> ProcessSpec {
        ProcessSpec {
            name: "web".into(),
            group: "web".into(),
            section: "program:web".into(),
            origin: Origin::default(),
            program_name: "web".into(),
            process_num: 0,
            numprocs: 1,
            numprocs_start: 0,
            command: "/bin/web".into(),
            priority: 999,
            autostart: true,
            autorestart: AutoRestart::Unexpected,
            startsecs: 1,
            startretries: 3,
            exitcodes: vec![0],
            stopsignal: SignalSpec { number: 15 },
            stopwaitsecs: 10,
            stopasgroup: false,
            killasgroup: false,
            user: None,
            umask: None,
            directory: None,
            redirect_stderr: false,
            stdout: ChannelSpec::default(),
            stderr: ChannelSpec::default(),
            environment: BTreeMap::new(),
            serverurl: None,
        }
    }

    fn now_at(monotonic: Duration) -> Now {
        Now {
            monotonic,
            wall_unix: WALL_ORIGIN + monotonic.as_secs_f64(),
        }
    }

    fn parse_time(text: &str) -> Duration {
        let (seconds, fraction) = text.split_once('.').unwrap_or((text, ""));
        assert!(
            fraction.len() <= 9,
            "time {text} is finer than a nanosecond"
        );
        let nanos = format!("{fraction:0<9}");
        Duration::new(seconds.parse().unwrap(), nanos.parse().unwrap())
    }

    fn render_time(time: Duration) -> String {
        let nanos = time.subsec_nanos();
        if nanos == 0 {
            time.as_secs().to_string()
        } else {
            let fraction = format!("{nanos:09}");
            format!("{}.{}", time.as_secs(), fraction.trim_end_matches('0'))
        }
    }

    fn render_input(input: &Input) -> String {
        match input {
            Input::Start { request, wait } => {
                format!("start #{}{}", request.0, if *wait { "" } else { " nowait" })
            }
            Input::Stop { request, wait } => {
                format!("stop #{}{}", request.0, if *wait { "" } else { " nowait" })
            }
            Input::Signal { request, signal } => {
                format!("signal #{} {}", request.0, signame(*signal))
            }
            Input::ShutdownStop => "shutdown-stop".into(),
            Input::Spawned(Ok(pid)) => format!("spawned {pid}"),
            Input::Spawned(Err(message)) => format!("spawn failed: {message}"),
            Input::Signalled(Ok(())) => "signalled ok".into(),
            Input::Signalled(Err(error)) => format!("signal failed: {}", error.text),
            Input::Exited { pid, wait_status } => format!("exited {pid} 0x{wait_status:04x}"),
            Input::Tick => "tick".into(),
            Input::MoodChanged(mood) => format!("mood {mood:?}"),
        }
    }

    /// Renders an action the way the engine will publish it: state changes with the event's extra values.
    fn render_action(action: &Action) -> String {
        match action {
            Action::Spawn => "spawn".into(),
            Action::Signal {
                pid,
                signal,
                to_group,
            } => format!(
                "signal {}{pid} {}",
                if *to_group { "-" } else { "" },
                signame(*signal)
            ),
            Action::Log { level, message } => format!("{} {message}", level.tag()),
            Action::StateChanged(change) => {
                let extra = match change.to {
                    ProcessState::Starting | ProcessState::Backoff => {
                        format!(" tries:{}", change.tries)
                    }
                    ProcessState::Exited => {
                        format!(" expected:{} pid:{}", u8::from(change.expected), change.pid)
                    }
                    ProcessState::Running | ProcessState::Stopping | ProcessState::Stopped => {
                        format!(" pid:{}", change.pid)
                    }
                    ProcessState::Fatal | ProcessState::Unknown => String::new(),
                };
                format!("state {} -> {}{extra}", change.from, change.to)
            }
            Action::Reply { request, result } => match result {
                Ok(()) => format!("reply #{} ok", request.0),
                Err(RequestFault::Failed(message)) => {
                    format!("reply #{} FAILED: {message}", request.0)
                }
                Err(fault) => format!("reply #{} {fault:?}", request.0),
            },
        }
    }

    /// What must hold after every `handle`, whatever the input: each state change starts where the last one ended
    /// and is one Supervisor can make, the process ends in the last state announced, and the next deadline is in
    /// the future.
    fn assert_consistent(
        before: ProcessState,
        actions: &[Action],
        process: &Process,
        now: Duration,
    ) {
        let mut state = before;
        for action in actions {
            if let Action::StateChanged(change) = action {
                assert_eq!(
                    change.from, state,
                    "state change from the wrong state in {actions:?}"
                );
                assert!(
                    change.from.can_become(change.to),
                    "illegal transition {} -> {}",
                    change.from,
                    change.to
                );
                state = change.to;
            }
        }
        assert_eq!(
            process.state(),
            state,
            "state differs from the last change in {actions:?}"
        );
        if let Some(deadline) = process.next_deadline() {
            assert!(
                deadline > now,
                "deadline {deadline:?} is not after now {now:?}"
            );
        }
    }

    /// A virtual engine: answers every Spawn and Signal at once (successfully unless the script said otherwise),
    /// fires Ticks exactly at the deadlines, and writes everything down.
    struct Harness {
        process: Process,
        spec: ProcessSpec,
        now: Duration,
        next_pid: u32,
        next_request: u64,
        spawn_failure: Option<String>,
        hold_spawn: bool,
        signal_failure: Option<i32>,
        last_deadline: Option<Duration>,
        transcript: String,
    }

    impl Harness {
        fn new(spec: ProcessSpec) -> Harness {
            Harness {
                process: Process::new(),
                spec,
                now: Duration::ZERO,
                next_pid: 100,
                next_request: 1,
                spawn_failure: None,
                hold_spawn: false,
                signal_failure: None,
                last_deadline: None,
                transcript: String::new(),
            }
        }

        fn feed(&mut self, input: Input) {
            let mut queue = VecDeque::from([input]);
            while let Some(input) = queue.pop_front() {
                writeln!(
                    self.transcript,
                    "{} {}",
                    render_time(self.now),
                    render_input(&input)
                )
                .unwrap();
                let before = self.process.state();
                let actions = self.process.handle(input, now_at(self.now), &self.spec);
                assert_consistent(before, &actions, &self.process, self.now);
                for action in &actions {
                    writeln!(self.transcript, "  {}", render_action(action)).unwrap();
                    match action {
                        Action::Spawn if !self.hold_spawn => match self.spawn_failure.clone() {
                            Some(message) => queue.push_back(Input::Spawned(Err(message))),
                            None => {
                                queue.push_back(Input::Spawned(Ok(self.next_pid)));
                                self.next_pid += 1;
                            }
                        },
                        Action::Signal { .. } => match self.signal_failure.take() {
                            Some(errno) => {
                                let text = match errno {
                                    ESRCH => "[Errno 3] No such process".to_string(),
                                    1 => "[Errno 1] Operation not permitted".to_string(),
                                    _ => format!("[Errno {errno}] Unknown error"),
                                };
                                queue
                                    .push_back(Input::Signalled(Err(SyscallError { errno, text })));
                            }
                            None => queue.push_back(Input::Signalled(Ok(()))),
                        },
                        _ => {}
                    }
                }
                let deadline = self.process.next_deadline();
                if deadline != self.last_deadline {
                    let shown = deadline.map_or("none".to_string(), render_time);
                    writeln!(self.transcript, "  next {shown}").unwrap();
                    self.last_deadline = deadline;
                }
            }
        }

        /// Fire every deadline before `until` (or at it, when `inclusive`), each at its own instant.
        fn advance(&mut self, until: Duration, inclusive: bool) {
            assert!(until >= self.now, "the script goes back in time");
            while let Some(deadline) = self.process.next_deadline() {
                let due = if inclusive {
                    deadline <= until
                } else {
                    deadline < until
                };
                if !due {
                    break;
                }
                self.now = deadline;
                self.feed(Input::Tick);
            }
            self.now = until;
        }

        fn request(&mut self) -> RequestId {
            let request = RequestId(self.next_request);
            self.next_request += 1;
            request
        }

        fn run_line(&mut self, line: &str) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let time = parse_time(words[0]);
            let command = &words[1..];
            if command == ["run"] {
                self.advance(time, true);
                return;
            }
            self.advance(time, false);
            let input = match command {
                ["tick"] => Input::Tick,
                ["start"] => Input::Start {
                    request: self.request(),
                    wait: true,
                },
                ["start", "nowait"] => Input::Start {
                    request: self.request(),
                    wait: false,
                },
                ["stop"] => Input::Stop {
                    request: self.request(),
                    wait: true,
                },
                ["stop", "nowait"] => Input::Stop {
                    request: self.request(),
                    wait: false,
                },
                ["signal", number] => Input::Signal {
                    request: self.request(),
                    signal: number.parse().unwrap(),
                },
                ["shutdown-stop"] => Input::ShutdownStop,
                ["mood", "running"] => Input::MoodChanged(Mood::Running),
                ["mood", "restarting"] => Input::MoodChanged(Mood::Restarting),
                ["mood", "shutdown"] => Input::MoodChanged(Mood::Shutdown),
                ["exit", rest @ ..] => {
                    let (pid, rest) = match rest {
                        ["pid", pid, rest @ ..] => (pid.parse().unwrap(), rest),
                        _ => (self.process.pid(), rest),
                    };
                    let wait_status = match rest {
                        ["status", code] => code.parse::<i32>().unwrap() << 8,
                        ["signal", signal] => signal.parse().unwrap(),
                        ["signal", signal, "core"] => signal.parse::<i32>().unwrap() | 0x80,
                        _ => panic!("bad exit line: {line}"),
                    };
                    Input::Exited { pid, wait_status }
                }
                ["spawned", pid] => {
                    self.hold_spawn = false;
                    Input::Spawned(Ok(pid.parse().unwrap()))
                }
                // Engine settings: how the next Spawn or Signal will be answered.
                ["spawns-fail", message @ ..] => {
                    self.spawn_failure = Some(message.join(" "));
                    return;
                }
                ["spawns-succeed"] => {
                    self.spawn_failure = None;
                    return;
                }
                ["hold-spawn"] => {
                    self.hold_spawn = true;
                    return;
                }
                ["next-signal-fails", errno] => {
                    self.signal_failure = Some(errno.parse().unwrap());
                    return;
                }
                _ => panic!("unknown script line: {line}"),
            };
            self.feed(input);
        }
    }

    fn dedent(text: &str) -> String {
        let lines: Vec<&str> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        let indent = lines
            .iter()
            .map(|line| line.len() - line.trim_start().len())
            .min()
            .unwrap_or(0);
        lines
            .iter()
            .map(|line| format!("{}\n", &line[indent..]))
            .collect()
    }

    /// Runs a script (one `<time> <command>` per line) against a process with `spec` changed by `configure`, and
    /// compares the transcript of inputs, actions and deadlines with `expected`.
    fn check(configure: impl FnOnce(&mut ProcessSpec), script: &str, expected: &str) -> Harness {
        let mut process_spec = spec();
        configure(&mut process_spec);
        let mut harness = Harness::new(process_spec);
        for line in script
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
        {
            harness.run_line(line);
        }
        let expected = dedent(expected);
        if harness.transcript != expected {
            let diff = similar::TextDiff::from_lines(&expected, &harness.transcript)
                .unified_diff()
                .header("expected", "actual")
                .to_string();
            panic!(
                "transcript differs:\n{diff}\nactual:\n{}",
                harness.transcript
            );
        }
        harness
    }

    fn defaults(_: &mut ProcessSpec) {}

    #[test]
    fn autostart_reaches_running_just_after_startsecs() {
        check(
            defaults,
            "
            0 tick
            1 run
            2 run
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            1.000000001 tick
              state STARTING -> RUNNING pid:100
              INFO success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)
              next none
            ",
        );
    }

    /// The transcript of `0 tick` then `2 run` with the default spec: autostart, RUNNING at 1.000000001.
    const TO_RUNNING: &str = "
        0 tick
          state STOPPED -> STARTING tries:0
          spawn
        0 spawned 100
          INFO spawned: 'web' with pid 100
          next 1.000000001
        1.000000001 tick
          state STARTING -> RUNNING pid:100
          INFO success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)
          next none
        ";

    fn after_running(rest: &str) -> String {
        dedent(TO_RUNNING) + &dedent(rest)
    }

    #[test]
    fn without_autostart_a_start_request_spawns_and_is_answered_at_running() {
        check(
            |spec| spec.autostart = false,
            "
            0 tick
            5 start
            7 run
            ",
            "
            0 tick
            5 start #1
              state STOPPED -> STARTING tries:0
              spawn
            5 spawned 100
              INFO spawned: 'web' with pid 100
              next 6.000000001
            6.000000001 tick
              state STARTING -> RUNNING pid:100
              INFO success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)
              reply #1 ok
              next none
            ",
        );
    }

    #[test]
    fn autostart_happens_only_once() {
        check(
            defaults,
            "
            0 tick
            2 run
            3 stop nowait
            3 exit signal 15
            9 tick
            ",
            &after_running(
                "
                3 stop #1 nowait
                  DEBG killing web (pid 100) with signal SIGTERM
                  state RUNNING -> STOPPING pid:100
                  signal 100 SIGTERM
                  next 13
                3 signalled ok
                  reply #1 ok
                3 exited 100 0x000f
                  state STOPPING -> STOPPED pid:100
                  WARN stopped: web (terminated by SIGTERM)
                  next none
                9 tick
                ",
            ),
        );
    }

    #[test]
    fn autorestart_unexpected_restarts_on_a_code_not_in_exitcodes_at_once() {
        check(
            defaults,
            "
            0 tick
            2 run
            5 exit status 3
            6 run
            ",
            &after_running(
                "
                5 exited 100 0x0300
                  state RUNNING -> EXITED expected:0 pid:100
                  WARN exited: web (exit status 3; not expected)
                  state EXITED -> STARTING tries:0
                  spawn
                5 spawned 101
                  INFO spawned: 'web' with pid 101
                  next 6.000000001
                ",
            ),
        );
    }

    #[test]
    fn autorestart_unexpected_leaves_an_expected_exit_alone() {
        let harness = check(
            |spec| spec.exitcodes = vec![0, 3],
            "
            0 tick
            2 run
            5 exit status 3
            9 run
            ",
            &after_running(
                "
                5 exited 100 0x0300
                  state RUNNING -> EXITED expected:1 pid:100
                  INFO exited: web (exit status 3; expected)
                ",
            ),
        );
        assert_eq!(harness.process.exitstatus(), Some(3));
        assert_eq!(harness.process.spawnerr(), None);
    }

    #[test]
    fn autorestart_unexpected_restarts_after_a_signal_death() {
        check(
            defaults,
            "
            0 tick
            2 run
            5 exit signal 11 core
            ",
            &after_running(
                "
                5 exited 100 0x008b
                  state RUNNING -> EXITED expected:0 pid:100
                  WARN exited: web (terminated by SIGSEGV (core dumped); not expected)
                  state EXITED -> STARTING tries:0
                  spawn
                5 spawned 101
                  INFO spawned: 'web' with pid 101
                  next 6.000000001
                ",
            ),
        );
    }

    #[test]
    fn autorestart_true_restarts_even_an_expected_exit() {
        check(
            |spec| spec.autorestart = AutoRestart::Always,
            "
            0 tick
            2 run
            5 exit status 0
            ",
            &after_running(
                "
                5 exited 100 0x0000
                  state RUNNING -> EXITED expected:1 pid:100
                  INFO exited: web (exit status 0; expected)
                  state EXITED -> STARTING tries:0
                  spawn
                5 spawned 101
                  INFO spawned: 'web' with pid 101
                  next 6.000000001
                ",
            ),
        );
    }

    #[test]
    fn autorestart_false_never_restarts_and_records_the_bad_exit_code() {
        let harness = check(
            |spec| spec.autorestart = AutoRestart::Never,
            "
            0 tick
            2 run
            5 exit status 3
            9 tick
            ",
            &after_running(
                "
                5 exited 100 0x0300
                  state RUNNING -> EXITED expected:0 pid:100
                  WARN exited: web (exit status 3; not expected)
                9 tick
                ",
            ),
        );
        assert_eq!(harness.process.spawnerr(), Some("Bad exit code 3"));
        assert_eq!(harness.process.exitstatus(), Some(3));
        assert_eq!(harness.process.laststop(), WALL_ORIGIN + 5.0);
    }

    #[test]
    fn fatal_leaves_only_on_a_start_request() {
        check(
            |spec| spec.startretries = 0,
            "
            0 tick
            0.5 exit status 0
            9 tick
            10 start nowait
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            0.5 exited 100 0x0000
              state STARTING -> BACKOFF tries:1
              WARN exited: web (exit status 0; not expected)
              state BACKOFF -> FATAL
              INFO gave up: web entered FATAL state, too many start retries too quickly
              next none
            9 tick
            10 start #1 nowait
              state FATAL -> STARTING tries:0
              spawn
            10 spawned 101
              INFO spawned: 'web' with pid 101
              reply #1 ok
              next 11.000000001
            ",
        );
    }

    #[test]
    fn backoff_waits_1_2_3_seconds_and_gives_up_after_startretries_plus_one_attempts() {
        let harness = check(
            defaults,
            "
            0 tick
            0.5 exit status 0
            2 exit status 0
            4.5 exit status 0
            8 exit status 0
            20 run
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            0.5 exited 100 0x0000
              state STARTING -> BACKOFF tries:1
              WARN exited: web (exit status 0; not expected)
              next 1.500000001
            1.500000001 tick
              state BACKOFF -> STARTING tries:1
              spawn
              next none
            1.500000001 spawned 101
              INFO spawned: 'web' with pid 101
              next 2.500000002
            2 exited 101 0x0000
              state STARTING -> BACKOFF tries:2
              WARN exited: web (exit status 0; not expected)
              next 4.000000001
            4.000000001 tick
              state BACKOFF -> STARTING tries:2
              spawn
              next none
            4.000000001 spawned 102
              INFO spawned: 'web' with pid 102
              next 5.000000002
            4.5 exited 102 0x0000
              state STARTING -> BACKOFF tries:3
              WARN exited: web (exit status 0; not expected)
              next 7.500000001
            7.500000001 tick
              state BACKOFF -> STARTING tries:3
              spawn
              next none
            7.500000001 spawned 103
              INFO spawned: 'web' with pid 103
              next 8.500000002
            8 exited 103 0x0000
              state STARTING -> BACKOFF tries:4
              WARN exited: web (exit status 0; not expected)
              state BACKOFF -> FATAL
              INFO gave up: web entered FATAL state, too many start retries too quickly
              next none
            ",
        );
        assert_eq!(harness.process.backoff(), 0);
        assert!(harness.process.system_stop());
        assert_eq!(
            harness.process.spawnerr(),
            Some("Exited too quickly (process log may have details)")
        );
        assert_eq!(harness.process.exitstatus(), None);
    }

    #[test]
    fn spawn_errors_back_off_then_give_up() {
        check(
            |spec| spec.startretries = 2,
            "
            0 spawns-fail can't find command '/x'
            0 tick
            9 run
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawn failed: can't find command '/x'
              INFO spawnerr: can't find command '/x'
              state STARTING -> BACKOFF tries:1
              next 1.000000001
            1.000000001 tick
              state BACKOFF -> STARTING tries:1
              spawn
              next none
            1.000000001 spawn failed: can't find command '/x'
              INFO spawnerr: can't find command '/x'
              state STARTING -> BACKOFF tries:2
              next 3.000000002
            3.000000002 tick
              state BACKOFF -> STARTING tries:2
              spawn
              next none
            3.000000002 spawn failed: can't find command '/x'
              INFO spawnerr: can't find command '/x'
              state STARTING -> BACKOFF tries:3
              state BACKOFF -> FATAL
              INFO gave up: web entered FATAL state, too many start retries too quickly
            ",
        );
    }

    #[test]
    fn startretries_zero_or_negative_gives_up_on_the_first_failure() {
        for startretries in [0, -1, -5] {
            check(
                |spec| spec.startretries = startretries,
                "
                0 spawns-fail command is empty
                0 tick
                ",
                "
                0 tick
                  state STOPPED -> STARTING tries:0
                  spawn
                0 spawn failed: command is empty
                  INFO spawnerr: command is empty
                  state STARTING -> BACKOFF tries:1
                  state BACKOFF -> FATAL
                  INFO gave up: web entered FATAL state, too many start retries too quickly
                ",
            );
        }
    }

    #[test]
    fn startsecs_zero_reaches_running_at_the_next_instant() {
        check(
            |spec| spec.startsecs = 0,
            "
            0 tick
            1 run
            5 exit status 0
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 0.000000001
            0.000000001 tick
              state STARTING -> RUNNING pid:100
              INFO success: web entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)
              next none
            5 exited 100 0x0000
              state RUNNING -> EXITED expected:1 pid:100
              INFO exited: web (exit status 0; expected)
            ",
        );
    }

    #[test]
    fn startsecs_zero_and_an_instant_exit_still_passes_through_running() {
        check(
            |spec| spec.startsecs = 0,
            "
            0 tick
            0 exit status 1
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 0.000000001
            0 exited 100 0x0100
              state STARTING -> RUNNING pid:100
              state RUNNING -> EXITED expected:0 pid:100
              WARN exited: web (exit status 1; not expected)
              state EXITED -> STARTING tries:0
              spawn
              next none
            0 spawned 101
              INFO spawned: 'web' with pid 101
              next 0.000000001
            ",
        );
    }

    #[test]
    fn an_exit_at_exactly_startsecs_is_not_too_quick_and_fails_a_waiting_start() {
        // Expected code: EXITED, no spawnerr, so the waiting start gets ABNORMAL_TERMINATION.
        check(
            |spec| spec.autostart = false,
            "
            0 start
            1 exit status 0
            ",
            "
            0 start #1
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            1 exited 100 0x0000
              state STARTING -> RUNNING pid:100
              state RUNNING -> EXITED expected:1 pid:100
              INFO exited: web (exit status 0; expected)
              reply #1 AbnormalTermination
              next none
            ",
        );
        // Unexpected code: spawnerr is `Bad exit code 3` when the waiter looks, before the autorestart.
        check(
            |spec| spec.autostart = false,
            "
            0 start
            1 exit status 3
            ",
            "
            0 start #1
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            1 exited 100 0x0300
              state STARTING -> RUNNING pid:100
              state RUNNING -> EXITED expected:0 pid:100
              WARN exited: web (exit status 3; not expected)
              reply #1 SpawnError
              state EXITED -> STARTING tries:0
              spawn
              next none
            1 spawned 101
              INFO spawned: 'web' with pid 101
              next 2.000000001
            ",
        );
    }

    #[test]
    fn a_waiting_start_fails_with_spawn_error_on_a_quick_exit_or_a_spawn_error() {
        check(
            |spec| spec.autostart = false,
            "
            0 start
            0.5 exit status 0
            ",
            "
            0 start #1
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            0.5 exited 100 0x0000
              state STARTING -> BACKOFF tries:1
              WARN exited: web (exit status 0; not expected)
              reply #1 SpawnError
              next 1.500000001
            ",
        );
        check(
            |spec| spec.autostart = false,
            "
            0 spawns-fail command at '/bin/web' is not executable
            0 start nowait
            ",
            "
            0 start #1 nowait
              state STOPPED -> STARTING tries:0
              spawn
            0 spawn failed: command at '/bin/web' is not executable
              INFO spawnerr: command at '/bin/web' is not executable
              state STARTING -> BACKOFF tries:1
              reply #1 SpawnError
              next 1.000000001
            ",
        );
    }

    #[test]
    fn a_waiting_start_fails_with_abnormal_termination_when_stopped_while_starting() {
        check(
            |spec| spec.autostart = false,
            "
            0 start
            0.5 stop nowait
            0.5 exit status 0
            ",
            "
            0 start #1
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            0.5 stop #2 nowait
              DEBG killing web (pid 100) with signal SIGTERM
              state STARTING -> STOPPING pid:100
              signal 100 SIGTERM
              reply #1 AbnormalTermination
              next 10.5
            0.5 signalled ok
              reply #2 ok
            0.5 exited 100 0x0000
              state STOPPING -> STOPPED pid:100
              INFO stopped: web (exit status 0)
              next none
            ",
        );
    }

    #[test]
    fn start_is_refused_while_running_states_and_only_warns_while_stopping() {
        check(
            defaults,
            "
            0 tick
            0.5 start
            2 run
            3 start nowait
            4 stop nowait
            4 start
            4 start nowait
            4 stop
            5 exit signal 15
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            0.5 start #1
              reply #1 AlreadyStarted
            1.000000001 tick
              state STARTING -> RUNNING pid:100
              INFO success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)
              next none
            3 start #2 nowait
              reply #2 AlreadyStarted
            4 stop #3 nowait
              DEBG killing web (pid 100) with signal SIGTERM
              state RUNNING -> STOPPING pid:100
              signal 100 SIGTERM
              next 14
            4 signalled ok
              reply #3 ok
            4 start #4
              WARN process 'web' already running
              reply #4 AbnormalTermination
            4 start #5 nowait
              WARN process 'web' already running
              reply #5 ok
            4 stop #6
              reply #6 NotRunning
            5 exited 100 0x000f
              state STOPPING -> STOPPED pid:100
              WARN stopped: web (terminated by SIGTERM)
              next none
            ",
        );
    }

    #[test]
    fn stop_from_running_with_an_expected_code_logs_at_info() {
        let harness = check(
            defaults,
            "
            0 tick
            2 run
            3 stop nowait
            3.5 exit status 0
            ",
            &after_running(
                "
                3 stop #1 nowait
                  DEBG killing web (pid 100) with signal SIGTERM
                  state RUNNING -> STOPPING pid:100
                  signal 100 SIGTERM
                  next 13
                3 signalled ok
                  reply #1 ok
                3.5 exited 100 0x0000
                  state STOPPING -> STOPPED pid:100
                  INFO stopped: web (exit status 0)
                  next none
                ",
            ),
        );
        assert!(harness.process.administrative_stop());
        assert!(!harness.process.killing());
        assert_eq!(harness.process.exitstatus(), Some(0));
        assert_eq!(harness.process.pid(), 0);
    }

    #[test]
    fn stop_from_backoff_signals_nothing_and_keeps_the_backoff_counter() {
        check(
            defaults,
            "
            0 tick
            0.5 exit status 0
            0.7 start
            1 stop
            2 start
            2.5 exit status 0
            5 run
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            0.5 exited 100 0x0000
              state STARTING -> BACKOFF tries:1
              WARN exited: web (exit status 0; not expected)
              next 1.500000001
            0.7 start #1
              reply #1 AlreadyStarted
            1 stop #2
              DEBG Attempted to kill web, which is in BACKOFF state.
              state BACKOFF -> STOPPED pid:0
              reply #2 ok
              next none
            2 start #3
              state STOPPED -> STARTING tries:1
              spawn
            2 spawned 101
              INFO spawned: 'web' with pid 101
              next 3.000000001
            2.5 exited 101 0x0000
              state STARTING -> BACKOFF tries:2
              WARN exited: web (exit status 0; not expected)
              reply #3 SpawnError
              next 4.500000001
            4.500000001 tick
              state BACKOFF -> STARTING tries:2
              spawn
              next none
            4.500000001 spawned 102
              INFO spawned: 'web' with pid 102
              next 5.500000002
            ",
        );
    }

    #[test]
    fn stopped_from_backoff_after_spawn_errors_shows_the_epoch() {
        let harness = check(
            defaults,
            "
            0 spawns-fail can't find command '/x'
            0 tick
            0.5 stop nowait
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawn failed: can't find command '/x'
              INFO spawnerr: can't find command '/x'
              state STARTING -> BACKOFF tries:1
              next 1.000000001
            0.5 stop #1 nowait
              DEBG Attempted to kill web, which is in BACKOFF state.
              state BACKOFF -> STOPPED pid:0
              reply #1 ok
              next none
            ",
        );
        let fields = super::super::describe::DescriptionFields::of(&harness.process, "web");
        assert_eq!(fields.stop, 0);
        assert_eq!(
            super::super::describe::render_description(&fields, 1_764_000_001, 0),
            "Jan 01 12:00 AM"
        );
    }

    #[test]
    fn sigkill_is_sent_after_stopwaitsecs_and_again_every_stopwaitsecs() {
        check(
            defaults,
            "
            0 tick
            2 run
            5 stop nowait
            30 run
            31 exit signal 9
            ",
            &after_running(
                "
                5 stop #1 nowait
                  DEBG killing web (pid 100) with signal SIGTERM
                  state RUNNING -> STOPPING pid:100
                  signal 100 SIGTERM
                  next 15
                5 signalled ok
                  reply #1 ok
                15 tick
                  WARN killing 'web' (100) with SIGKILL
                  DEBG killing web (pid 100) with signal SIGKILL
                  signal 100 SIGKILL
                  next 25
                15 signalled ok
                25 tick
                  WARN killing 'web' (100) with SIGKILL
                  DEBG killing web (pid 100) with signal SIGKILL
                  signal 100 SIGKILL
                  next 35
                25 signalled ok
                31 exited 100 0x0009
                  state STOPPING -> STOPPED pid:100
                  WARN stopped: web (terminated by SIGKILL)
                  next none
                ",
            ),
        );
    }

    #[test]
    fn stopwaitsecs_zero_kills_at_once_and_repeats_every_second() {
        check(
            |spec| spec.stopwaitsecs = 0,
            "
            0 tick
            2 run
            3 stop nowait
            5 run
            5 exit signal 9
            ",
            &after_running(
                "
                3 stop #1 nowait
                  DEBG killing web (pid 100) with signal SIGTERM
                  state RUNNING -> STOPPING pid:100
                  signal 100 SIGTERM
                  WARN killing 'web' (100) with SIGKILL
                  DEBG killing web (pid 100) with signal SIGKILL
                  signal 100 SIGKILL
                  next 4
                3 signalled ok
                  reply #1 ok
                3 signalled ok
                4 tick
                  WARN killing 'web' (100) with SIGKILL
                  DEBG killing web (pid 100) with signal SIGKILL
                  signal 100 SIGKILL
                  next 5
                4 signalled ok
                5 tick
                  WARN killing 'web' (100) with SIGKILL
                  DEBG killing web (pid 100) with signal SIGKILL
                  signal 100 SIGKILL
                  next 6
                5 signalled ok
                5 exited 100 0x0009
                  state STOPPING -> STOPPED pid:100
                  WARN stopped: web (terminated by SIGKILL)
                  next none
                ",
            ),
        );
    }

    #[test]
    fn stopasgroup_and_killasgroup_choose_the_targets() {
        let script = "
            0 tick
            2 run
            3 stop nowait
            5 run
            ";
        let expected =
            |term_target: &str, as_group_term: &str, kill_target: &str, as_group_kill: &str| {
                after_running(&format!(
                    "
                3 stop #1 nowait
                  DEBG killing web (pid 100) {as_group_term}with signal SIGTERM
                  state RUNNING -> STOPPING pid:100
                  signal {term_target} SIGTERM
                  next 5
                3 signalled ok
                  reply #1 ok
                5 tick
                  WARN killing 'web' (100) with SIGKILL
                  DEBG killing web (pid 100) {as_group_kill}with signal SIGKILL
                  signal {kill_target} SIGKILL
                  next 7
                5 signalled ok
                "
                ))
            };
        check(
            |spec| {
                spec.stopwaitsecs = 2;
                spec.stopasgroup = true;
                spec.killasgroup = true;
            },
            script,
            &expected("-100", "process group ", "-100", "process group "),
        );
        check(
            |spec| {
                spec.stopwaitsecs = 2;
                spec.killasgroup = true;
            },
            script,
            &expected("100", "", "-100", "process group "),
        );
        check(
            |spec| {
                spec.stopwaitsecs = 2;
                spec.stopasgroup = true;
            },
            script,
            &expected("-100", "process group ", "100", ""),
        );
    }

    #[test]
    fn a_waiting_stop_reports_every_two_seconds_and_is_answered_when_stopped() {
        check(
            |spec| spec.stopwaitsecs = 5,
            "
            0 tick
            2 run
            3 stop
            8.5 exit signal 9
            ",
            &after_running(
                "
                3 stop #1
                  DEBG killing web (pid 100) with signal SIGTERM
                  state RUNNING -> STOPPING pid:100
                  signal 100 SIGTERM
                  next 8
                3 signalled ok
                  INFO waiting for web to stop
                  next 5.000000001
                5.000000001 tick
                  INFO waiting for web to stop
                  next 7.000000002
                7.000000002 tick
                  INFO waiting for web to stop
                  next 8
                8 tick
                  WARN killing 'web' (100) with SIGKILL
                  DEBG killing web (pid 100) with signal SIGKILL
                  signal 100 SIGKILL
                  next 9.000000003
                8 signalled ok
                8.5 exited 100 0x0009
                  state STOPPING -> STOPPED pid:100
                  WARN stopped: web (terminated by SIGKILL)
                  reply #1 ok
                  next none
                ",
            ),
        );
    }

    #[test]
    fn stop_and_signal_are_refused_when_not_running() {
        check(
            |spec| spec.autostart = false,
            "
            0 tick
            1 stop
            1 stop nowait
            1 signal 1
            ",
            "
            0 tick
            1 stop #1
              reply #1 NotRunning
            1 stop #2 nowait
              reply #2 NotRunning
            1 signal #3 SIGHUP
              reply #3 NotRunning
            ",
        );
    }

    #[test]
    fn esrch_on_stop_is_ignored_and_the_reap_finishes_the_stop() {
        check(
            defaults,
            "
            0 tick
            2 run
            5 next-signal-fails 3
            5 stop nowait
            5.1 exit status 0
            ",
            &after_running(
                "
                5 stop #1 nowait
                  DEBG killing web (pid 100) with signal SIGTERM
                  state RUNNING -> STOPPING pid:100
                  signal 100 SIGTERM
                  next 15
                5 signal failed: [Errno 3] No such process
                  DEBG unable to signal web (pid 100), it probably just exited on its own: [Errno 3] No such process
                  reply #1 ok
                5.1 exited 100 0x0000
                  state STOPPING -> STOPPED pid:100
                  INFO stopped: web (exit status 0)
                  next none
                ",
            ),
        );
    }

    #[test]
    fn another_kill_error_makes_the_process_unknown_and_unstartable() {
        let harness = check(
            defaults,
            "
            0 tick
            2 run
            5 next-signal-fails 1
            5 stop
            6 start
            6 stop
            6 signal 1
            7 exit status 0
            8 tick
            ",
            &after_running(
                "
                5 stop #1
                  DEBG killing web (pid 100) with signal SIGTERM
                  state RUNNING -> STOPPING pid:100
                  signal 100 SIGTERM
                  next 15
                5 signal failed: [Errno 1] Operation not permitted
                  CRIT unknown problem killing web (100):[Errno 1] Operation not permitted
                  state STOPPING -> UNKNOWN
                  reply #1 FAILED: unknown problem killing web (100):[Errno 1] Operation not permitted
                  next none
                6 start #2
                  reply #2 UnknownState
                6 stop #3
                  reply #3 NotRunning
                6 signal #4 SIGHUP
                  reply #4 NotRunning
                7 exited 100 0x0000
                8 tick
                ",
            ),
        );
        assert_eq!(harness.process.state(), ProcessState::Unknown);
        assert_eq!(harness.process.pid(), 0);
        assert!(!harness.process.killing());
    }

    #[test]
    fn signal_requests_go_to_the_pid_and_a_failure_makes_the_process_unknown() {
        check(
            defaults,
            "
            0 tick
            2 run
            3 signal 1
            4 next-signal-fails 3
            4 signal 10
            5 next-signal-fails 1
            5 signal 12
            ",
            &after_running(
                "
                3 signal #1 SIGHUP
                  DEBG sending web (pid 100) sig SIGHUP
                  signal 100 SIGHUP
                3 signalled ok
                  reply #1 ok
                4 signal #2 SIGUSR1
                  DEBG sending web (pid 100) sig SIGUSR1
                  signal 100 SIGUSR1
                4 signal failed: [Errno 3] No such process
                  DEBG unable to signal web (pid 100), it probably just now exited on its own: [Errno 3] No such process
                  reply #2 ok
                5 signal #3 SIGUSR2
                  DEBG sending web (pid 100) sig SIGUSR2
                  signal 100 SIGUSR2
                5 signal failed: [Errno 1] Operation not permitted
                  CRIT unknown problem sending sig web (100):[Errno 1] Operation not permitted
                  state RUNNING -> UNKNOWN
                  reply #3 FAILED: unknown problem sending sig web (100):[Errno 1] Operation not permitted
                ",
            ),
        );
    }

    #[test]
    fn signals_go_to_the_pid_even_with_stopasgroup() {
        check(
            |spec| spec.stopasgroup = true,
            "
            0 tick
            0.5 signal 1
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            0.5 signal #1 SIGHUP
              DEBG sending web (pid 100) sig SIGHUP
              signal 100 SIGHUP
            0.5 signalled ok
              reply #1 ok
            ",
        );
    }

    #[test]
    fn shutdown_mood_stops_autorestart_until_running_again() {
        check(
            |spec| spec.autorestart = AutoRestart::Always,
            "
            0 tick
            2 run
            3 mood shutdown
            4 exit status 0
            5 mood running
            ",
            &after_running(
                "
                3 mood Shutdown
                4 exited 100 0x0000
                  state RUNNING -> EXITED expected:1 pid:100
                  INFO exited: web (exit status 0; expected)
                5 mood Running
                  state EXITED -> STARTING tries:0
                  spawn
                5 spawned 101
                  INFO spawned: 'web' with pid 101
                  next 6.000000001
                ",
            ),
        );
    }

    #[test]
    fn shutdown_mood_blocks_autostart_and_backoff_retries_and_shutdown_stop_gives_up() {
        check(
            |spec| spec.autostart = false,
            "
            0 mood restarting
            1 tick
            2 start
            2.5 exit status 1
            3 mood shutdown
            9 tick
            9 shutdown-stop
            9 shutdown-stop
            ",
            "
            0 mood Restarting
            1 tick
            2 start #1
              state STOPPED -> STARTING tries:0
              spawn
            2 spawned 100
              INFO spawned: 'web' with pid 100
              next 3.000000001
            2.5 exited 100 0x0100
              state STARTING -> BACKOFF tries:1
              WARN exited: web (exit status 1; not expected)
              reply #1 SpawnError
              next none
            3 mood Shutdown
            9 tick
            9 shutdown-stop
              state BACKOFF -> FATAL
            9 shutdown-stop
            ",
        );
        check(
            defaults,
            "
            0 mood shutdown
            5 tick
            ",
            "
            0 mood Shutdown
            5 tick
            ",
        );
    }

    #[test]
    fn shutdown_still_promotes_and_escalates_and_shutdown_stop_is_idempotent() {
        let harness = check(
            defaults,
            "
            0 tick
            0.5 mood shutdown
            2 run
            3 shutdown-stop
            3 shutdown-stop
            13 run
            14 exit signal 9
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 spawned 100
              INFO spawned: 'web' with pid 100
              next 1.000000001
            0.5 mood Shutdown
            1.000000001 tick
              state STARTING -> RUNNING pid:100
              INFO success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)
              next none
            3 shutdown-stop
              DEBG killing web (pid 100) with signal SIGTERM
              state RUNNING -> STOPPING pid:100
              signal 100 SIGTERM
              next 13
            3 signalled ok
            3 shutdown-stop
            13 tick
              WARN killing 'web' (100) with SIGKILL
              DEBG killing web (pid 100) with signal SIGKILL
              signal 100 SIGKILL
              next 23
            13 signalled ok
            14 exited 100 0x0009
              state STOPPING -> STOPPED pid:100
              WARN stopped: web (terminated by SIGKILL)
              next none
            ",
        );
        assert!(harness.process.administrative_stop());
    }

    #[test]
    fn an_exit_with_another_pid_is_ignored() {
        check(
            defaults,
            "
            0 tick
            2 run
            5 exit pid 999 status 0
            ",
            &after_running(
                "
                5 exited 999 0x0000
                ",
            ),
        );
    }

    #[test]
    fn while_a_spawn_is_out_nothing_is_promoted_or_signalled() {
        check(
            defaults,
            "
            0 hold-spawn
            0 tick
            0 tick
            0 stop nowait
            0 signal 1
            0 spawned 555
            ",
            "
            0 tick
              state STOPPED -> STARTING tries:0
              spawn
            0 tick
            0 stop #1 nowait
              DEBG attempted to kill web with sig SIGTERM but it wasn't running
              reply #1 FAILED: attempted to kill web with sig SIGTERM but it wasn't running
            0 signal #2 SIGHUP
              DEBG attempted to send web sig SIGHUP but it wasn't running
              reply #2 FAILED: attempted to send web sig SIGHUP but it wasn't running
            0 spawned 555
              INFO spawned: 'web' with pid 555
              next 1.000000001
            ",
        );
    }

    #[test]
    fn a_running_process_never_exits_too_quickly_even_if_startsecs_grew() {
        let mut harness = check(defaults, "0 tick\n2 run", TO_RUNNING);
        harness.spec.startsecs = 100;
        harness.run_line("5 exit status 0");
        assert_eq!(harness.process.state(), ProcessState::Exited);
        assert_eq!(harness.process.exitstatus(), Some(0));
    }

    #[test]
    fn laststart_and_laststop_are_wall_clock_times() {
        let harness = check(
            |spec| spec.autorestart = AutoRestart::Never,
            "
            0 tick
            2 run
            7.25 exit status 0
            ",
            &after_running(
                "
                7.25 exited 100 0x0000
                  state RUNNING -> EXITED expected:1 pid:100
                  INFO exited: web (exit status 0; expected)
                ",
            ),
        );
        assert_eq!(harness.process.laststart(), WALL_ORIGIN);
        assert_eq!(harness.process.laststop(), WALL_ORIGIN + 7.25);
        let fields = super::super::describe::DescriptionFields::of(&harness.process, "web");
        assert_eq!(
            super::super::describe::render_description(&fields, 1_764_000_100, 0),
            "Nov 24 04:00 PM"
        );
    }

    /// (raw wait status, exitstatus, how): the reference's `decode_wait_status` on the same values.
    #[test]
    fn wait_statuses_decode_like_supervisor() {
        let rows: &[(i32, i32, &str)] = &[
            (0, 0, "exit status 0"),
            (0x300, 3, "exit status 3"),
            (0xff00, 255, "exit status 255"),
            (0xf, -1, "terminated by SIGTERM"),
            (0x8f, -1, "terminated by SIGTERM (core dumped)"),
            (0x9, -1, "terminated by SIGKILL"),
            (0x86, -1, "terminated by SIGABRT (core dumped)"),
            (0x28, -1, "terminated by signal 40"),
            (0x137f, -1, "unknown termination cause 0x137f"),
            (0xffff, -1, "unknown termination cause 0xffff"),
            (0x7f, -1, "unknown termination cause 0x007f"),
        ];
        for &(status, exitstatus, how) in rows {
            let termination = Termination::from_wait_status(status);
            assert_eq!(
                (termination.exitstatus(), termination.render().as_str()),
                (exitstatus, how),
                "status 0x{status:x}"
            );
        }
    }

    #[test]
    fn signal_names_match_pythons_signal_module() {
        let rows: &[(i32, &str)] = &[
            (0, "signal 0"),
            (1, "SIGHUP"),
            (6, "SIGABRT"),
            (9, "SIGKILL"),
            (15, "SIGTERM"),
            (16, "SIGSTKFLT"),
            (17, "SIGCHLD"),
            (29, "SIGPOLL"),
            (30, "SIGPWR"),
            (31, "SIGSYS"),
            (32, "signal 32"),
            (34, "SIGRTMIN"),
            (35, "signal 35"),
            (64, "SIGRTMAX"),
            (65, "signal 65"),
            (-3, "signal -3"),
        ];
        for &(number, name) in rows {
            assert_eq!(signame(number), name, "signal {number}");
        }
    }

    #[test]
    fn states_have_supervisors_codes_names_and_groups() {
        let rows: &[(ProcessState, i64, &str, bool, bool, bool)] = &[
            // state, code, name, running, stopped, signallable
            (ProcessState::Stopped, 0, "STOPPED", false, true, false),
            (ProcessState::Starting, 10, "STARTING", true, false, true),
            (ProcessState::Running, 20, "RUNNING", true, false, true),
            (ProcessState::Backoff, 30, "BACKOFF", true, false, false),
            (ProcessState::Stopping, 40, "STOPPING", false, false, true),
            (ProcessState::Exited, 100, "EXITED", false, true, false),
            (ProcessState::Fatal, 200, "FATAL", false, true, false),
            (ProcessState::Unknown, 1000, "UNKNOWN", false, true, false),
        ];
        for &(state, code, name, running, stopped, signallable) in rows {
            assert_eq!(
                (
                    state.code(),
                    state.name(),
                    state.is_running(),
                    state.is_stopped(),
                    state.is_signallable()
                ),
                (code, name, running, stopped, signallable)
            );
            assert_eq!(ProcessState::from_code(code), Some(state));
        }
        assert_eq!(ProcessState::from_code(5), None);
        let moods = [Mood::Fatal, Mood::Running, Mood::Restarting, Mood::Shutdown];
        let spawning: Vec<bool> = moods.iter().map(|mood| mood.allows_spawning()).collect();
        assert_eq!(spawning, [true, true, false, false]);
        let faults = [
            RequestFault::AlreadyStarted,
            RequestFault::UnknownState,
            RequestFault::NotRunning,
            RequestFault::Failed("x".into()),
            RequestFault::SpawnError,
            RequestFault::AbnormalTermination,
        ];
        let names: Vec<&str> = faults.iter().map(RequestFault::fault_name).collect();
        assert_eq!(
            names,
            [
                "ALREADY_STARTED",
                "FAILED",
                "NOT_RUNNING",
                "FAILED",
                "SPAWN_ERROR",
                "ABNORMAL_TERMINATION"
            ]
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeSet;

        /// An input to generate; pids and request ids are filled in from the run.
        #[derive(Debug, Clone)]
        enum Choice {
            Start(bool),
            Stop(bool),
            Signal(i32),
            ShutdownStop,
            SpawnedOk,
            SpawnedErr,
            SignalledOk,
            SignalledErr(i32),
            ExitCurrent(i32),
            ExitOther(u32, i32),
            Tick,
            MoodChanged(Mood),
        }

        #[derive(Debug, Clone)]
        enum Advance {
            None,
            Nanos(u64),
            Millis(u64),
            ToDeadline,
        }

        fn wait_status() -> impl Strategy<Value = i32> {
            prop_oneof![
                (0..4i32).prop_map(|code| code << 8),
                prop_oneof![Just(9), Just(15), Just(0x8b)],
                Just(0x137f),
            ]
        }

        fn mood() -> impl Strategy<Value = Mood> {
            prop_oneof![
                Just(Mood::Running),
                Just(Mood::Shutdown),
                Just(Mood::Restarting),
                Just(Mood::Fatal)
            ]
        }

        fn choice() -> impl Strategy<Value = Choice> {
            prop_oneof![
                any::<bool>().prop_map(Choice::Start),
                any::<bool>().prop_map(Choice::Stop),
                prop_oneof![Just(1), Just(15)].prop_map(Choice::Signal),
                Just(Choice::ShutdownStop),
                Just(Choice::SpawnedOk),
                Just(Choice::SpawnedErr),
                Just(Choice::SignalledOk),
                prop_oneof![Just(ESRCH), Just(1)].prop_map(Choice::SignalledErr),
                wait_status().prop_map(Choice::ExitCurrent),
                (0..3u32, wait_status()).prop_map(|(pid, status)| Choice::ExitOther(pid, status)),
                Just(Choice::Tick),
                mood().prop_map(Choice::MoodChanged),
            ]
        }

        fn advance() -> impl Strategy<Value = Advance> {
            prop_oneof![
                Just(Advance::None),
                (1..2_000u64).prop_map(Advance::Nanos),
                (0..12_000u64).prop_map(Advance::Millis),
                Just(Advance::ToDeadline),
            ]
        }

        fn process_spec() -> impl Strategy<Value = ProcessSpec> {
            (
                any::<bool>(),
                prop_oneof![
                    Just(AutoRestart::Always),
                    Just(AutoRestart::Never),
                    Just(AutoRestart::Unexpected)
                ],
                -1..3i64,
                -1..4i64,
                prop_oneof![Just(vec![0]), Just(vec![0, 2]), Just(vec![1])],
                -1..4i64,
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(
                    |(
                        autostart,
                        autorestart,
                        startsecs,
                        startretries,
                        exitcodes,
                        stopwaitsecs,
                        stopasgroup,
                        killasgroup,
                    )| {
                        let mut process_spec = spec();
                        process_spec.autostart = autostart;
                        process_spec.autorestart = autorestart;
                        process_spec.startsecs = startsecs;
                        process_spec.startretries = startretries;
                        process_spec.exitcodes = exitcodes;
                        process_spec.stopwaitsecs = stopwaitsecs;
                        process_spec.stopasgroup = stopasgroup;
                        process_spec.killasgroup = killasgroup;
                        process_spec
                    },
                )
        }

        fn step_time(process: &Process, now: Duration, advance: &Advance) -> Duration {
            match advance {
                Advance::None => now,
                Advance::Nanos(nanos) => now + Duration::from_nanos(*nanos),
                Advance::Millis(millis) => now + Duration::from_millis(*millis),
                Advance::ToDeadline => process.next_deadline().unwrap_or(now).max(now),
            }
        }

        /// Feeds one input, checks the invariants, and records the replies (each request at most once).
        fn feed(
            process: &mut Process,
            spec: &ProcessSpec,
            input: Input,
            now: Duration,
            replied: &mut BTreeSet<RequestId>,
        ) -> Vec<Action> {
            let before = process.state();
            let actions = process.handle(input, now_at(now), spec);
            assert_consistent(before, &actions, process, now);
            for action in &actions {
                if let Action::Reply { request, .. } = action {
                    assert!(
                        replied.insert(*request),
                        "request {request:?} answered twice"
                    );
                }
            }
            actions
        }

        proptest! {
            /// Whatever arrives, in whatever order (even breaking the engine contract), the reducer does not
            /// panic, every state change is a legal one from the state before it, and the deadline is ahead.
            #[test]
            fn any_input_sequence_keeps_the_machine_legal(
                process_spec in process_spec(),
                steps in proptest::collection::vec((advance(), choice()), 1..80),
            ) {
                let mut process = Process::new();
                let mut now = Duration::from_secs(1);
                let mut next_request = 0;
                let mut next_pid = 100;
                let mut replied = BTreeSet::new();
                for (advance, choice) in steps {
                    now = step_time(&process, now, &advance);
                    next_request += 1;
                    let request = RequestId(next_request);
                    let input = match choice {
                        Choice::Start(wait) => Input::Start { request, wait },
                        Choice::Stop(wait) => Input::Stop { request, wait },
                        Choice::Signal(signal) => Input::Signal { request, signal },
                        Choice::ShutdownStop => Input::ShutdownStop,
                        Choice::SpawnedOk => {
                            next_pid += 1;
                            Input::Spawned(Ok(next_pid))
                        }
                        Choice::SpawnedErr => Input::Spawned(Err("command is empty".into())),
                        Choice::SignalledOk => Input::Signalled(Ok(())),
                        Choice::SignalledErr(errno) => Input::Signalled(Err(SyscallError {
                            errno,
                            text: format!("[Errno {errno}] error"),
                        })),
                        Choice::ExitCurrent(wait_status) => Input::Exited { pid: process.pid(), wait_status },
                        Choice::ExitOther(pid, wait_status) => Input::Exited { pid, wait_status },
                        Choice::Tick => Input::Tick,
                        Choice::MoodChanged(mood) => Input::MoodChanged(mood),
                    };
                    feed(&mut process, &process_spec, input, now, &mut replied);
                }
            }

            /// With an engine that keeps the contract (every Spawn and Signal answered at once), a request that
            /// does not wait is answered within its own cascade, a waiting start is pending only while STARTING,
            /// and a waiting stop only while STOPPING.
            #[test]
            fn under_the_contract_requests_are_answered_when_supervisor_would(
                process_spec in process_spec(),
                steps in proptest::collection::vec(
                    (advance(), choice(), any::<bool>(), prop_oneof![Just(None), Just(Some(ESRCH)), Just(Some(1))]),
                    1..80,
                ),
            ) {
                let mut process = Process::new();
                let mut now = Duration::from_secs(1);
                let mut next_request = 0;
                let mut next_pid = 100;
                let mut replied = BTreeSet::new();
                let mut waiting_starts = BTreeSet::new();
                let mut waiting_stops = BTreeSet::new();
                for (advance, choice, spawn_fails, signal_errno) in steps {
                    now = step_time(&process, now, &advance);
                    next_request += 1;
                    let request = RequestId(next_request);
                    let (input, answered_now) = match choice {
                        Choice::Start(wait) => {
                            if wait { waiting_starts.insert(request); }
                            (Input::Start { request, wait }, !wait)
                        }
                        Choice::Stop(wait) => {
                            if wait { waiting_stops.insert(request); }
                            (Input::Stop { request, wait }, !wait)
                        }
                        Choice::Signal(signal) => (Input::Signal { request, signal }, true),
                        Choice::ShutdownStop => (Input::ShutdownStop, false),
                        Choice::ExitCurrent(wait_status) if process.pid() != 0 => {
                            (Input::Exited { pid: process.pid(), wait_status }, false)
                        }
                        Choice::MoodChanged(mood) => (Input::MoodChanged(mood), false),
                        _ => (Input::Tick, false),
                    };
                    let mut queue = VecDeque::from([input]);
                    while let Some(input) = queue.pop_front() {
                        for action in feed(&mut process, &process_spec, input, now, &mut replied) {
                            match action {
                                Action::Spawn if spawn_fails => {
                                    queue.push_back(Input::Spawned(Err("can't find command 'x'".into())))
                                }
                                Action::Spawn => {
                                    next_pid += 1;
                                    queue.push_back(Input::Spawned(Ok(next_pid)));
                                }
                                Action::Signal { .. } => queue.push_back(Input::Signalled(match signal_errno {
                                    None => Ok(()),
                                    Some(errno) => Err(SyscallError { errno, text: "error".into() }),
                                })),
                                _ => {}
                            }
                        }
                    }
                    if answered_now {
                        prop_assert!(replied.contains(&request), "{request:?} not answered in its cascade");
                    }
                    waiting_starts.retain(|request| !replied.contains(request));
                    waiting_stops.retain(|request| !replied.contains(request));
                    if !waiting_starts.is_empty() {
                        prop_assert_eq!(process.state(), ProcessState::Starting);
                    }
                    if !waiting_stops.is_empty() {
                        prop_assert_eq!(process.state(), ProcessState::Stopping);
                    }
                }
            }
        }
    }
}
