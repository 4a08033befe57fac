//! The engine's answers to front ends: name resolution (spec B.4), start/stop/signal/clear for a process, a
//! group or all (with Supervisor's filters and result order), process and config info, stdin, groups added and
//! removed, reread. Requests that wait are parked until the process's reducer answers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::SystemTime;

use tokio::sync::oneshot;

use super::{Child, Engine, ProcessKey};
use crate::config::{datatypes, DesiredState, LogFile};
use crate::process::describe::{capped_int, render_description, DescriptionFields};
use crate::process::spawn::{resolve_command, search_path};
use crate::process::state::{Input, Mood, ProcessState, RequestFault, RequestId};
use crate::reconcile::compat::reread_diff;
use crate::rpc::backend::{
    codes, Channel, ConfigEntry, Fault, Outcomes, ProcessInfo, ProcessRef, SupervisorState, Target,
};

/// A request from a front end, with the channel its answer goes back on.
#[derive(Debug)]
pub enum Command {
    State(oneshot::Sender<SupervisorState>),
    ProcessInfo(String, oneshot::Sender<Result<ProcessInfo, Fault>>),
    AllProcessInfo(oneshot::Sender<Vec<ProcessInfo>>),
    Start(Target, bool, oneshot::Sender<Result<Outcomes, Fault>>),
    Stop(Target, bool, oneshot::Sender<Result<Outcomes, Fault>>),
    Signal(Target, String, oneshot::Sender<Result<Outcomes, Fault>>),
    ClearLogs(Target, oneshot::Sender<Result<Outcomes, Fault>>),
    LogPath(
        String,
        Channel,
        oneshot::Sender<Result<Option<PathBuf>, Fault>>,
    ),
    SendStdin(String, Vec<u8>, oneshot::Sender<Result<(), Fault>>),
    /// A freshly read config: remember it for addProcessGroup and answer (added, changed, removed).
    Reread(
        Box<DesiredState>,
        oneshot::Sender<(Vec<String>, Vec<String>, Vec<String>)>,
    ),
    AddGroup(String, oneshot::Sender<Result<(), Fault>>),
    RemoveGroup(String, oneshot::Sender<Result<(), Fault>>),
    AllConfigInfo(oneshot::Sender<Vec<ConfigEntry>>),
    Shutdown(oneshot::Sender<()>),
    Restart(oneshot::Sender<()>),
    /// sendRemoteCommEvent: publish REMOTE_COMMUNICATION.
    RemoteComm(String, String, oneshot::Sender<()>),
    /// Restarts per process (spawns after the first), for `/metrics`.
    RestartCounts(oneshot::Sender<std::collections::BTreeMap<ProcessKey, u64>>),
    /// Plan (and unless a dry run, apply) the move to a newly read config.
    Update(Box<super::apply::UpdateRequest>),
}

/// A request over several processes whose answer is sent when every one has answered.
pub(super) struct Aggregate {
    outcomes: Outcomes,
    remaining: usize,
    /// No more processes will be added; the answer goes out when `remaining` reaches 0.
    sealed: bool,
    reply: Option<oneshot::Sender<Result<Outcomes, Fault>>>,
}

/// Which aggregate a reducer request belongs to, and the name its fault texts use.
pub(super) struct Owner {
    aggregate: u64,
    process: ProcessRef,
    name_for_faults: String,
}

/// Bookkeeping of parked requests.
#[derive(Default)]
pub(super) struct Requests {
    next_id: u64,
    aggregates: HashMap<u64, Aggregate>,
    owners: HashMap<RequestId, Owner>,
}

/// What a name given by a client means.
enum Resolved {
    Process(ProcessKey),
    Group(String),
}

fn bad_name(name: &str) -> Fault {
    Fault::new(codes::BAD_NAME, name)
}

/// The reducer's refusal as Supervisor's fault, naming the process as the client (or the group loop) named it.
fn fault_of(fault: RequestFault, name: &str) -> Fault {
    match fault {
        RequestFault::AlreadyStarted => Fault::new(codes::ALREADY_STARTED, name),
        RequestFault::UnknownState => Fault::new(
            codes::FAILED,
            format!("{name} is in an unknown process state"),
        ),
        RequestFault::NotRunning => Fault::new(codes::NOT_RUNNING, name),
        RequestFault::Failed(text) => Fault::new(codes::FAILED, text),
        RequestFault::SpawnError => Fault::new(codes::SPAWN_ERROR, name),
        RequestFault::AbnormalTermination => Fault::new(codes::ABNORMAL_TERMINATION, name),
    }
}

/// `make_namespec`.
fn namespec(key: &ProcessKey) -> String {
    if key.0 == key.1 {
        key.1.clone()
    } else {
        format!("{}:{}", key.0, key.1)
    }
}

fn process_ref(key: &ProcessKey) -> ProcessRef {
    ProcessRef {
        name: key.1.clone(),
        group: key.0.clone(),
    }
}

/// The local UTC offset in effect at `unix_seconds`.
fn utc_offset_at(unix_seconds: i64) -> i64 {
    match jiff::Timestamp::from_second(unix_seconds) {
        Ok(timestamp) => i64::from(jiff::tz::TimeZone::system().to_offset(timestamp).seconds()),
        Err(_) => 0,
    }
}

impl Engine {
    pub(super) fn handle_command(&mut self, command: Command) {
        match command {
            Command::State(reply) => {
                let state = match self.mood {
                    Mood::Fatal => SupervisorState {
                        code: 2,
                        name: "FATAL",
                    },
                    Mood::Running => SupervisorState {
                        code: 1,
                        name: "RUNNING",
                    },
                    Mood::Restarting => SupervisorState {
                        code: 0,
                        name: "RESTARTING",
                    },
                    Mood::Shutdown => SupervisorState {
                        code: -1,
                        name: "SHUTDOWN",
                    },
                };
                let _ = reply.send(state);
            }
            Command::ProcessInfo(name, reply) => {
                let answer = match self.resolve(&name) {
                    Ok(Resolved::Process(key)) => Ok(self.process_info(&key)),
                    _ => Err(bad_name(&name)),
                };
                let _ = reply.send(answer);
            }
            Command::AllProcessInfo(reply) => {
                let infos = self
                    .children
                    .keys()
                    .map(|key| self.process_info(key))
                    .collect();
                let _ = reply.send(infos);
            }
            Command::Start(target, wait, reply) => self.start(target, wait, reply),
            Command::Stop(target, wait, reply) => self.stop(target, wait, reply),
            Command::Signal(target, signal, reply) => self.signal(target, signal, reply),
            Command::ClearLogs(target, reply) => self.clear_logs(target, reply),
            Command::LogPath(name, channel, reply) => {
                let answer = match self.resolve(&name) {
                    Ok(Resolved::Process(key)) => Ok(self
                        .children
                        .get(&key)
                        .and_then(|child| log_path(child, channel))),
                    _ => Err(bad_name(&name)),
                };
                let _ = reply.send(answer);
            }
            Command::SendStdin(name, data, reply) => {
                let _ = reply.send(self.send_stdin(&name, data));
            }
            Command::Reread(next, reply) => {
                let diff = reread_diff(&self.desired, &next);
                self.pending = *next;
                let _ = reply.send(diff);
            }
            Command::AddGroup(name, reply) => {
                let _ = reply.send(self.add_pending_group(&name));
            }
            Command::RemoveGroup(name, reply) => {
                let _ = reply.send(self.remove_group(&name));
            }
            Command::AllConfigInfo(reply) => {
                let _ = reply.send(self.all_config_info());
            }
            Command::Shutdown(reply) => {
                let _ = reply.send(());
                self.begin_stop(Mood::Shutdown);
            }
            Command::Restart(reply) => {
                let _ = reply.send(());
                self.begin_stop(Mood::Restarting);
            }
            Command::RemoteComm(event_type, data, reply) => {
                self.publish(&crate::events::Event::RemoteCommunication {
                    r#type: event_type,
                    data,
                });
                let _ = reply.send(());
            }
            Command::RestartCounts(reply) => {
                let counts = self
                    .children
                    .iter()
                    .map(|(key, child)| (key.clone(), child.spawns.saturating_sub(1)))
                    .collect();
                let _ = reply.send(counts);
            }
            Command::Update(request) => {
                if self.mood != Mood::Running {
                    if request.source == super::apply::UpdateSource::Hangup {
                        crate::logs::mainlog::log(
                            crate::config::LogLevel::Warn,
                            "ignored SIGHUP indicating restart request (shutdown in progress)",
                        );
                    }
                    if let Some(reply) = request.reply {
                        let _ = reply.send(Err("supervisord is shutting down".into()));
                    }
                    return;
                }
                self.update(*request);
            }
        }
    }

    /// Spec B.4: `name` is process `name` of group `name`; `g:p` that process; `g:*` and `g:` the group.
    fn resolve(&self, name: &str) -> Result<Resolved, Fault> {
        let (group, process) = match name.split_once(':') {
            Some((group, process)) => (group, Some(process)),
            None => (name, None),
        };
        if !self.desired.groups.contains_key(group) {
            return Err(bad_name(name));
        }
        match process {
            Some("*") | Some("") => Ok(Resolved::Group(group.to_string())),
            Some(process) => {
                let key = (group.to_string(), process.to_string());
                if self.children.contains_key(&key) {
                    Ok(Resolved::Process(key))
                } else {
                    Err(bad_name(name))
                }
            }
            None => {
                let key = (group.to_string(), group.to_string());
                if self.children.contains_key(&key) {
                    Ok(Resolved::Process(key))
                } else {
                    Err(bad_name(name))
                }
            }
        }
    }

    /// The processes of a group in "priority order": ascending process priority, config order for ties.
    fn group_keys(&self, group: &str) -> Vec<ProcessKey> {
        let Some(spec) = self.desired.groups.get(group) else {
            return Vec::new();
        };
        let mut processes: Vec<&crate::config::ProcessSpec> = spec.processes.iter().collect();
        processes.sort_by_key(|process| process.priority);
        processes
            .into_iter()
            .map(|process| (group.to_string(), process.name.clone()))
            .collect()
    }

    /// Every process in priority order: groups by priority (ties in the order they were added), then members.
    fn all_keys(&self) -> Vec<ProcessKey> {
        self.groups_by_priority()
            .into_iter()
            .flat_map(|name| self.group_keys(&name))
            .collect()
    }

    /// The processes a request acts on; `Err` is BAD_NAME. For a single process, the name its faults use.
    fn targets(&self, target: &Target) -> Result<(Vec<ProcessKey>, Option<String>), Fault> {
        match target {
            Target::All => Ok((self.all_keys(), None)),
            Target::Group(name) => {
                if self.desired.groups.contains_key(name) {
                    Ok((self.group_keys(name), None))
                } else {
                    Err(bad_name(name))
                }
            }
            Target::Process(name) => match self.resolve(name)? {
                Resolved::Process(key) => Ok((vec![key], Some(name.clone()))),
                Resolved::Group(group) => Ok((self.group_keys(&group), None)),
            },
        }
    }

    fn new_aggregate(&mut self, reply: oneshot::Sender<Result<Outcomes, Fault>>) -> u64 {
        self.requests.next_id += 1;
        let id = self.requests.next_id;
        self.requests.aggregates.insert(
            id,
            Aggregate {
                outcomes: Vec::new(),
                remaining: 0,
                sealed: false,
                reply: Some(reply),
            },
        );
        id
    }

    fn next_request(&mut self) -> RequestId {
        self.requests.next_id += 1;
        RequestId(self.requests.next_id)
    }

    /// Records an outcome known without asking the reducer.
    fn push_outcome(&mut self, aggregate: u64, key: &ProcessKey, outcome: Result<(), Fault>) {
        if let Some(entry) = self.requests.aggregates.get_mut(&aggregate) {
            entry.outcomes.push((process_ref(key), outcome));
        }
    }

    /// Sends a request to a process's reducer on behalf of an aggregate.
    fn push_request(
        &mut self,
        aggregate: u64,
        key: &ProcessKey,
        name_for_faults: String,
        make: impl FnOnce(RequestId) -> Input,
    ) {
        let request = self.next_request();
        if let Some(entry) = self.requests.aggregates.get_mut(&aggregate) {
            entry.remaining += 1;
        }
        self.requests.owners.insert(
            request,
            Owner {
                aggregate,
                process: process_ref(key),
                name_for_faults,
            },
        );
        self.feed(key, make(request));
    }

    /// No more members: answer now if nothing is pending.
    fn seal(&mut self, aggregate: u64) {
        if let Some(entry) = self.requests.aggregates.get_mut(&aggregate) {
            entry.sealed = true;
        }
        self.finish_if_done(aggregate);
    }

    fn finish_if_done(&mut self, aggregate: u64) {
        let done = self
            .requests
            .aggregates
            .get(&aggregate)
            .is_some_and(|entry| entry.sealed && entry.remaining == 0);
        if done {
            if let Some(mut entry) = self.requests.aggregates.remove(&aggregate) {
                if let Some(reply) = entry.reply.take() {
                    let _ = reply.send(Ok(entry.outcomes));
                }
            }
        }
    }

    /// The reducer answered a request (from `Action::Reply`).
    pub(super) fn on_reply(&mut self, request: RequestId, result: Result<(), RequestFault>) {
        let Some(owner) = self.requests.owners.remove(&request) else {
            return;
        };
        if let Some(entry) = self.requests.aggregates.get_mut(&owner.aggregate) {
            entry.outcomes.push((
                owner.process,
                result.map_err(|fault| fault_of(fault, &owner.name_for_faults)),
            ));
            entry.remaining = entry.remaining.saturating_sub(1);
        }
        self.finish_if_done(owner.aggregate);
    }

    /// Resolves a request's target and opens its aggregate: the processes to act on, each with the name its fault
    /// texts use. A group or all acts only on the processes `attempted` accepts (Supervisor's filters); a single
    /// process is always acted on. `None` when the target was refused (the answer has been sent).
    fn begin_request(
        &mut self,
        target: &Target,
        reply: oneshot::Sender<Result<Outcomes, Fault>>,
        attempted: fn(ProcessState) -> bool,
    ) -> Option<(u64, Vec<(ProcessKey, String)>)> {
        let (keys, single_name) = match self.targets(target) {
            Ok(found) => found,
            Err(fault) => {
                let _ = reply.send(Err(fault));
                return None;
            }
        };
        let members = keys
            .into_iter()
            .filter(|key| {
                self.children
                    .get(key)
                    .is_some_and(|child| single_name.is_some() || attempted(child.process.state()))
            })
            .map(|key| {
                let name = single_name.clone().unwrap_or_else(|| namespec(&key));
                (key, name)
            })
            .collect();
        Some((self.new_aggregate(reply), members))
    }

    fn start(
        &mut self,
        target: Target,
        wait: bool,
        reply: oneshot::Sender<Result<Outcomes, Fault>>,
    ) {
        // Group and all starts only attempt what is not already running.
        let Some((aggregate, members)) =
            self.begin_request(&target, reply, |state| !state.is_running())
        else {
            return;
        };
        for (key, name) in members {
            let Some(child) = self.children.get(&key) else {
                continue;
            };
            // The command is checked before anything else, as Supervisor's startProcess does.
            let path = search_path(&child.spec, &self.base_environment);
            if let Err(message) = resolve_command(&child.spec.command, &path) {
                let code = if message.starts_with("can't find command") {
                    codes::NO_FILE
                } else {
                    codes::NOT_EXECUTABLE
                };
                self.push_outcome(aggregate, &key, Err(Fault::new(code, message)));
                continue;
            }
            self.push_request(aggregate, &key, name, |request| Input::Start {
                request,
                wait,
            });
        }
        self.seal(aggregate);
    }

    fn stop(
        &mut self,
        target: Target,
        wait: bool,
        reply: oneshot::Sender<Result<Outcomes, Fault>>,
    ) {
        let Some((aggregate, members)) =
            self.begin_request(&target, reply, ProcessState::is_running)
        else {
            return;
        };
        for (key, name) in members {
            self.push_request(aggregate, &key, name, |request| Input::Stop {
                request,
                wait,
            });
        }
        self.seal(aggregate);
    }

    fn signal(
        &mut self,
        target: Target,
        signal: String,
        reply: oneshot::Sender<Result<Outcomes, Fault>>,
    ) {
        let number = datatypes::signal_number(&signal);
        // signalProcess looks the name up first (BAD_NAME), then refuses a bad signal for a single process; for a
        // group each member's result carries the BAD_SIGNAL.
        if let Target::Process(name) = &target {
            if let (Ok(Resolved::Process(_)), Err(_)) = (self.resolve(name), &number) {
                let _ = reply.send(Err(Fault::new(codes::BAD_SIGNAL, signal)));
                return;
            }
        }
        let Some((aggregate, members)) =
            self.begin_request(&target, reply, ProcessState::is_signallable)
        else {
            return;
        };
        for (key, name) in members {
            match number {
                Ok(number) => self.push_request(aggregate, &key, name, |request| Input::Signal {
                    request,
                    signal: number,
                }),
                Err(_) => self.push_outcome(
                    aggregate,
                    &key,
                    Err(Fault::new(codes::BAD_SIGNAL, signal.clone())),
                ),
            }
        }
        self.seal(aggregate);
    }

    fn clear_logs(&mut self, target: Target, reply: oneshot::Sender<Result<Outcomes, Fault>>) {
        let keys = match &target {
            // clearProcessLogs takes a process only: `g:*` is a bad name there.
            Target::Process(name) => match self.resolve(name) {
                Ok(Resolved::Process(key)) => vec![key],
                _ => {
                    let _ = reply.send(Err(bad_name(name)));
                    return;
                }
            },
            other => match self.targets(other) {
                Ok((keys, _)) => keys,
                Err(fault) => {
                    let _ = reply.send(Err(fault));
                    return;
                }
            },
        };
        let mut waits = Vec::new();
        for key in keys {
            let mut acknowledgements = Vec::new();
            if let Some(child) = self.children.get(&key) {
                for control in &child.output_controls {
                    let (done, acknowledged) = oneshot::channel();
                    if control.send(super::output::Control::Clear(done)).is_ok() {
                        acknowledgements.push(acknowledged);
                    }
                }
            }
            waits.push((key, acknowledgements));
        }
        // The output tasks own the files; answer once each has cleared its own (FAILED: name if one could not).
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for (key, acknowledgements) in waits {
                let mut cleared = true;
                for acknowledged in acknowledgements {
                    cleared &= acknowledged.await.unwrap_or(true);
                }
                let outcome = if cleared {
                    Ok(())
                } else {
                    Err(Fault::new(codes::FAILED, namespec(&key)))
                };
                outcomes.push((process_ref(&key), outcome));
            }
            let _ = reply.send(Ok(outcomes));
        });
    }

    fn send_stdin(&mut self, name: &str, data: Vec<u8>) -> Result<(), Fault> {
        let key = match self.resolve(name) {
            Ok(Resolved::Process(key)) => key,
            _ => return Err(bad_name(name)),
        };
        let child = self.children.get(&key).ok_or_else(|| bad_name(name))?;
        if child.process.pid() == 0 || child.process.killing() {
            return Err(Fault::new(codes::NOT_RUNNING, name));
        }
        if self.write_to_stdin(&key, data) {
            Ok(())
        } else {
            Err(Fault::new(codes::NO_FILE, name))
        }
    }

    fn process_info(&self, key: &ProcessKey) -> ProcessInfo {
        let child = &self.children[key];
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let now = capped_int(now);
        let fields = DescriptionFields::of(&child.process, &child.spec.name);
        let description = render_description(&fields, now, utc_offset_at(fields.stop));
        let state = child.process.state();
        let path_text = |channel| {
            log_path(child, channel)
                .map(|path| path.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        ProcessInfo {
            name: child.spec.name.clone(),
            group: key.0.clone(),
            start: fields.start,
            stop: fields.stop,
            now,
            state: state.code(),
            statename: state.name().to_string(),
            spawnerr: child.process.spawnerr().unwrap_or("").to_string(),
            exitstatus: i64::from(child.process.exitstatus().unwrap_or(0)),
            stdout_logfile: path_text(Channel::Stdout),
            stderr_logfile: path_text(Channel::Stderr),
            pid: i64::from(child.process.pid()),
            description,
        }
    }

    fn add_pending_group(&mut self, name: &str) -> Result<(), Fault> {
        let Some(group) = self.pending.groups.get(name).cloned() else {
            return Err(bad_name(name));
        };
        if self.desired.groups.contains_key(name) {
            return Err(Fault::new(codes::ALREADY_ADDED, name));
        }
        let keys: Vec<ProcessKey> = group
            .processes
            .iter()
            .map(|spec| (group.name.clone(), spec.name.clone()))
            .collect();
        self.add_group(group);
        // Autostart applies to a newly added group, as it does at start-up.
        for key in keys {
            self.feed(&key, Input::Tick);
        }
        Ok(())
    }

    fn remove_group(&mut self, name: &str) -> Result<(), Fault> {
        let Some(group) = self.desired.groups.get(name) else {
            return Err(bad_name(name));
        };
        let keys: Vec<ProcessKey> = group
            .processes
            .iter()
            .map(|spec| (group.name.clone(), spec.name.clone()))
            .collect();
        let unstopped = keys.iter().any(|key| {
            self.children.get(key).is_some_and(|child| {
                !child.process.state().is_stopped() || child.process.pid() != 0
            })
        });
        if unstopped {
            return Err(Fault::new(codes::STILL_RUNNING, name));
        }
        for key in &keys {
            if let Some(child) = self.children.remove(key) {
                if let Some(deadline) = child.deadline {
                    self.timers.remove(&(deadline, key.clone()));
                }
            }
        }
        self.desired.groups.remove(name);
        self.group_order.retain(|group| group != name);
        self.on_group_removed(name);
        Ok(())
    }

    fn all_config_info(&self) -> Vec<ConfigEntry> {
        let mut entries: Vec<ConfigEntry> = Vec::new();
        for group in self.pending.groups_in_order() {
            let inuse = self.desired.groups.contains_key(&group.name);
            for spec in &group.processes {
                let live = self.children.get(&(group.name.clone(), spec.name.clone()));
                let resolve = |channel: Channel, logfile: &LogFile| -> Option<String> {
                    match (logfile, live) {
                        (LogFile::Auto, Some(child)) => {
                            log_path(child, channel).map(|p| p.to_string_lossy().into_owned())
                        }
                        (LogFile::Auto, None) => Some("auto".into()),
                        (LogFile::None, _) => None,
                        (LogFile::Path(path), _) => Some(path.clone()),
                    }
                };
                let stderr = if spec.redirect_stderr {
                    None
                } else {
                    resolve(Channel::Stderr, &spec.stderr.logfile)
                };
                entries.push(ConfigEntry {
                    spec: spec.clone(),
                    group_priority: group.priority,
                    inuse,
                    stdout_logfile: resolve(Channel::Stdout, &spec.stdout.logfile),
                    stderr_logfile: stderr,
                });
            }
        }
        entries.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
        entries
    }
}

/// The file one channel of a process writes to, if any.
fn log_path(child: &Child, channel: Channel) -> Option<PathBuf> {
    let (logfile, auto) = match channel {
        Channel::Stdout => (&child.spec.stdout.logfile, &child.stdout_auto),
        Channel::Stderr if child.spec.redirect_stderr => return None,
        Channel::Stderr => (&child.spec.stderr.logfile, &child.stderr_auto),
    };
    match logfile {
        LogFile::Auto => auto.clone(),
        LogFile::None => None,
        LogFile::Path(path) => Some(PathBuf::from(path)),
    }
}
