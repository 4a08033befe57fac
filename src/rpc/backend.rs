//! The boundary between the XML-RPC layer and whatever runs the processes: the [`Backend`] trait, in domain
//! terms (names, results, faults), with no XML and no HTTP. The engine implements it through its handle; tests
//! implement it with fakes.
//!
//! Every method returns a future; a request is sent to the engine when the method is called (not when the future
//! is first polled), so calls made one after another reach the engine in that order.

use std::future::Future;
use std::path::PathBuf;

use crate::config::ProcessSpec;

/// Supervisor's fault codes (`supervisor.xmlrpc.Faults`).
pub mod codes {
    pub const UNKNOWN_METHOD: i32 = 1;
    pub const INCORRECT_PARAMETERS: i32 = 2;
    pub const BAD_ARGUMENTS: i32 = 3;
    pub const SIGNATURE_UNSUPPORTED: i32 = 4;
    pub const SHUTDOWN_STATE: i32 = 6;
    pub const BAD_NAME: i32 = 10;
    pub const BAD_SIGNAL: i32 = 11;
    pub const NO_FILE: i32 = 20;
    pub const NOT_EXECUTABLE: i32 = 21;
    pub const FAILED: i32 = 30;
    pub const ABNORMAL_TERMINATION: i32 = 40;
    pub const SPAWN_ERROR: i32 = 50;
    pub const ALREADY_STARTED: i32 = 60;
    pub const NOT_RUNNING: i32 = 70;
    pub const SUCCESS: i32 = 80;
    pub const ALREADY_ADDED: i32 = 90;
    pub const STILL_RUNNING: i32 = 91;
    pub const CANT_REREAD: i32 = 92;
}

/// The name of a fault code, as Supervisor's `getFaultDescription` gives it.
pub fn fault_name(code: i32) -> &'static str {
    match code {
        codes::UNKNOWN_METHOD => "UNKNOWN_METHOD",
        codes::INCORRECT_PARAMETERS => "INCORRECT_PARAMETERS",
        codes::BAD_ARGUMENTS => "BAD_ARGUMENTS",
        codes::SIGNATURE_UNSUPPORTED => "SIGNATURE_UNSUPPORTED",
        codes::SHUTDOWN_STATE => "SHUTDOWN_STATE",
        codes::BAD_NAME => "BAD_NAME",
        codes::BAD_SIGNAL => "BAD_SIGNAL",
        codes::NO_FILE => "NO_FILE",
        codes::NOT_EXECUTABLE => "NOT_EXECUTABLE",
        codes::FAILED => "FAILED",
        codes::ABNORMAL_TERMINATION => "ABNORMAL_TERMINATION",
        codes::SPAWN_ERROR => "SPAWN_ERROR",
        codes::ALREADY_STARTED => "ALREADY_STARTED",
        codes::NOT_RUNNING => "NOT_RUNNING",
        codes::SUCCESS => "SUCCESS",
        codes::ALREADY_ADDED => "ALREADY_ADDED",
        codes::STILL_RUNNING => "STILL_RUNNING",
        codes::CANT_REREAD => "CANT_REREAD",
        _ => "UNKNOWN",
    }
}

/// An RPC fault: Supervisor's `RPCError(code, extra)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: i32,
    pub detail: Option<String>,
}

impl Fault {
    pub fn new(code: i32, detail: impl Into<String>) -> Fault {
        Fault {
            code,
            detail: Some(detail.into()),
        }
    }

    pub fn bare(code: i32) -> Fault {
        Fault { code, detail: None }
    }

    /// The `faultString`: `NAME` or `NAME: detail`.
    pub fn text(&self) -> String {
        match &self.detail {
            Some(detail) => format!("{}: {detail}", fault_name(self.code)),
            None => fault_name(self.code).to_string(),
        }
    }
}

/// What a start, stop, signal or clear acts on. Names are as the client sent them; the backend resolves them
/// (spec B.4) and answers `BAD_NAME: <name as given>` for unknown ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `name` or `group:name` (never `group:*`: the RPC layer turns that into [`Target::Group`]).
    Process(String),
    Group(String),
    All,
}

/// A process named in a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessRef {
    pub name: String,
    pub group: String,
}

/// The outcome for each process a request touched, in Supervisor's result order. For [`Target::Process`] it
/// holds exactly one entry; for a group or all it may be empty (nothing needed doing).
pub type Outcomes = Vec<(ProcessRef, Result<(), Fault>)>;

/// The fields of getProcessInfo (spec B.6), computed by the backend; times are epoch seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub name: String,
    pub group: String,
    pub start: i64,
    pub stop: i64,
    pub now: i64,
    pub state: i64,
    pub statename: String,
    pub spawnerr: String,
    pub exitstatus: i64,
    /// Resolved path (AUTO resolved); empty for NONE.
    pub stdout_logfile: String,
    pub stderr_logfile: String,
    pub pid: i64,
    pub description: String,
}

/// One element of getAllConfigInfo before rendering (spec B.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub spec: ProcessSpec,
    pub group_priority: i64,
    /// The group is active (not only in the last reread config).
    pub inuse: bool,
    /// Log paths with AUTO resolved; `None` for NONE.
    pub stdout_logfile: Option<String>,
    pub stderr_logfile: Option<String>,
}

/// Which output channel of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Stdout,
    Stderr,
}

/// reloadConfig's answer: (added, changed, removed) group names.
pub type RereadDiff = (Vec<String>, Vec<String>, Vec<String>);

/// Supervisor's own state (getState): code and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisorState {
    pub code: i64,
    pub name: &'static str,
}

/// What the XML-RPC methods need from the process engine.
pub trait Backend: Send + Sync + 'static {
    /// getState; also the SHUTDOWN_STATE guard (RESTARTING and SHUTDOWN trip it).
    fn state(&self) -> impl Future<Output = SupervisorState> + Send;
    /// `[supervisord] identifier`.
    fn identification(&self) -> impl Future<Output = String> + Send;
    /// The main log file, if it is a file.
    fn main_log_path(&self) -> impl Future<Output = Option<PathBuf>> + Send;
    /// Reopens the main log after clearLog unlinked it.
    fn reopen_main_log(&self) -> impl Future<Output = ()> + Send;
    /// getProcessInfo for `name` or `group:name`.
    fn process_info(&self, name: String)
        -> impl Future<Output = Result<ProcessInfo, Fault>> + Send;
    /// getAllProcessInfo, sorted by (group, name).
    fn all_process_info(&self) -> impl Future<Output = Vec<ProcessInfo>> + Send;
    /// startProcess / startProcessGroup / startAllProcesses (including the command pre-flight of spec B.9).
    fn start(
        &self,
        target: Target,
        wait: bool,
    ) -> impl Future<Output = Result<Outcomes, Fault>> + Send;
    /// stopProcess / stopProcessGroup / stopAllProcesses.
    fn stop(
        &self,
        target: Target,
        wait: bool,
    ) -> impl Future<Output = Result<Outcomes, Fault>> + Send;
    /// signalProcess / signalProcessGroup / signalAllProcesses; `signal` as the client sent it (name or number).
    fn signal(
        &self,
        target: Target,
        signal: String,
    ) -> impl Future<Output = Result<Outcomes, Fault>> + Send;
    /// clearProcessLogs / clearAllProcessLogs.
    fn clear_logs(&self, target: Target) -> impl Future<Output = Result<Outcomes, Fault>> + Send;
    /// The log file of one channel of a process (`None` when it has none); BAD_NAME for unknown names.
    fn log_path(
        &self,
        name: String,
        channel: Channel,
    ) -> impl Future<Output = Result<Option<PathBuf>, Fault>> + Send;
    /// sendProcessStdin.
    fn send_stdin(
        &self,
        name: String,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<(), Fault>> + Send;
    /// reloadConfig: reread the files; (added, changed, removed) group names. Applies nothing.
    fn reload_config(&self) -> impl Future<Output = Result<RereadDiff, Fault>> + Send;
    /// addProcessGroup from the last reread config.
    fn add_group(&self, name: String) -> impl Future<Output = Result<(), Fault>> + Send;
    /// removeProcessGroup.
    fn remove_group(&self, name: String) -> impl Future<Output = Result<(), Fault>> + Send;
    /// getAllConfigInfo, sorted by process name.
    fn all_config_info(&self) -> impl Future<Output = Vec<ConfigEntry>> + Send;
    /// shutdown: the reply goes out, then everything stops and the daemon exits.
    fn shutdown(&self) -> impl Future<Output = Result<(), Fault>> + Send;
    /// restart: stop everything, reread, start again in the same pid.
    fn restart(&self) -> impl Future<Output = Result<(), Fault>> + Send;
    /// Our `supervisor_rs.planUpdate` / `applyUpdate`: reread the config, plan the move to it (limited to
    /// `groups` when given) and, unless `dry_run`, apply it; the plan is answered once applied.
    fn update(
        &self,
        groups: Option<Vec<String>>,
        dry_run: bool,
    ) -> impl Future<Output = Result<crate::reconcile::plan::Plan, Fault>> + Send;
    /// How many times each process was started again after its first start (for `/metrics`).
    fn restart_counts(
        &self,
    ) -> impl Future<Output = std::collections::BTreeMap<(String, String), u64>> + Send;
    /// sendRemoteCommEvent.
    fn send_remote_comm_event(
        &self,
        event_type: String,
        data: String,
    ) -> impl Future<Output = Result<(), Fault>> + Send;
}
