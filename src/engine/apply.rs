//! Applying a [`Plan`]: stop what must stop and wait until it is down, then remove, add and replace, then start.
//! One update runs at a time; one asked for meanwhile (a second SIGHUP, a client's applyUpdate, the watcher) waits
//! its turn and is planned when the running one is done, against the state it left. The plan itself is computed
//! here from the live state (the engine is the only one that knows what runs), so `update`, SIGHUP and the config
//! watcher all take the same path.

use std::collections::BTreeSet;

use tokio::sync::oneshot;

use super::output::Control;
use super::{open_log, Engine, ProcessKey};
use crate::config::{DesiredState, LogLevel};
use crate::events::EventPool;
use crate::logs::mainlog;
use crate::process::state::{Input, Mood, ProcessState, RequestId};
use crate::reconcile::plan::{plan, render_plan, Change, LiveView, Plan, Step};

/// Where an update came from: decides how the plan is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateSource {
    /// `supervisorctl update` (through our RPC method).
    Client,
    /// SIGHUP.
    Hangup,
    /// The config watcher.
    Watcher,
}

/// An update request: the newly read config, optionally limited to some groups.
#[derive(Debug)]
pub struct UpdateRequest {
    pub next: DesiredState,
    /// Only these groups are considered (added, changed or removed); `None` means all.
    pub groups: Option<Vec<String>>,
    pub dry_run: bool,
    pub source: UpdateSource,
    /// Answered with the plan once it is applied (or at once for a dry run). `Err` for an unknown group name.
    pub reply: Option<oneshot::Sender<Result<Plan, String>>>,
}

/// An update being applied: waiting for its stops.
pub(super) struct ApplyJob {
    plan: Plan,
    next: DesiredState,
    waiting: BTreeSet<ProcessKey>,
    reply: Option<oneshot::Sender<Result<Plan, String>>>,
    /// Updates asked for while this one waits, in arrival order. Each is planned only when its turn comes: a plan
    /// made now would be against a state that is about to change.
    queued: Vec<UpdateRequest>,
}

impl UpdateSource {
    /// How the main log names where an update came from.
    fn origin(self) -> &'static str {
        match self {
            UpdateSource::Client => "update requested",
            UpdateSource::Hangup => "SIGHUP: config reread",
            UpdateSource::Watcher => "config files changed",
        }
    }
}

impl Engine {
    /// What runs now (and what gave up), for the planner.
    pub(super) fn live_view(&self) -> LiveView {
        let running = self
            .children
            .iter()
            .filter(|(_, child)| !child.process.state().is_stopped() || child.process.pid() != 0)
            .map(|(key, _)| key.clone())
            .collect();
        let fatal = self
            .children
            .iter()
            .filter(|(_, child)| child.process.state() == ProcessState::Fatal)
            .map(|(key, _)| key.clone())
            .collect();
        LiveView { running, fatal }
    }

    /// The config to move to: `next`, or for a group-limited update the live config with only those groups taken
    /// from `next`. `Err` names a group that is in neither.
    fn target_state(
        &self,
        next: &DesiredState,
        groups: &Option<Vec<String>>,
    ) -> Result<DesiredState, String> {
        let Some(names) = groups else {
            return Ok(next.clone());
        };
        let mut target = DesiredState {
            server: self.desired.server.clone(),
            groups: self.desired.groups.clone(),
        };
        for name in names {
            match (
                next.groups.get(name),
                self.desired.groups.contains_key(name),
            ) {
                (Some(group), _) => {
                    target.groups.insert(name.clone(), group.clone());
                }
                (None, true) => {
                    target.groups.remove(name);
                }
                (None, false) => return Err(format!("no such group: {name}")),
            }
        }
        Ok(target)
    }

    pub(super) fn update(&mut self, request: UpdateRequest) {
        let UpdateRequest {
            next,
            groups,
            dry_run,
            source,
            reply,
        } = request;
        let target = match self.target_state(&next, &groups) {
            Ok(target) => target,
            Err(message) => {
                if let Some(reply) = reply {
                    let _ = reply.send(Err(message));
                }
                return;
            }
        };
        let plan = plan(&self.desired, &target, &self.live_view());
        if dry_run {
            if let Some(reply) = reply {
                let _ = reply.send(Ok(plan));
            }
            return;
        }
        if let Some(job) = &mut self.apply_job {
            // Dropping it would lose the edit it carries (a second SIGHUP used to vanish without a word).
            mainlog::log(
                LogLevel::Info,
                &format!(
                    "{}: an update is being applied; this one follows it",
                    source.origin()
                ),
            );
            job.queued.push(UpdateRequest {
                next,
                groups,
                dry_run,
                source,
                reply,
            });
            return;
        }
        // An empty plan is worth a line only after SIGHUP, which someone sent on purpose and waits to see answered.
        // The watcher rereads on any change in the config's directories, the main log's own lines included when it
        // lives there: logging "nothing to do" would be such a change, and the reread would come round forever.
        if source == UpdateSource::Hangup || !plan.is_empty() {
            mainlog::log(
                LogLevel::Info,
                &format!(
                    "{}; plan:\n{}",
                    source.origin(),
                    render_plan(&plan, false).trim_end()
                ),
            );
        }
        // Later rereads and addProcessGroup see the config we are moving to.
        self.pending = next;
        let waiting: BTreeSet<ProcessKey> = plan
            .steps
            .iter()
            .filter_map(|step| match step {
                Step::Stop(key) => Some(key.clone()),
                _ => None,
            })
            .collect();
        for step in &plan.steps {
            if let Step::Stop(key) = step {
                self.feed(
                    key,
                    Input::Stop {
                        request: RequestId(0),
                        wait: false,
                    },
                );
            }
        }
        self.apply_job = Some(ApplyJob {
            plan,
            next: target,
            waiting,
            reply,
            queued: Vec::new(),
        });
        self.advance_apply();
    }

    /// Carries the update on once every process it stopped is down.
    pub(super) fn advance_apply(&mut self) {
        let Some(job) = &self.apply_job else { return };
        let all_down = job.waiting.iter().all(|key| {
            self.children
                .get(key)
                .is_none_or(|child| child.process.state().is_stopped() && child.process.pid() == 0)
        });
        if !all_down {
            return;
        }
        let Some(job) = self.apply_job.take() else {
            return;
        };
        let ApplyJob {
            plan,
            next,
            reply,
            queued,
            ..
        } = job;
        self.apply_steps(&plan, next);
        for change in &plan.changes {
            log_change(change);
        }
        if let Some(reply) = reply {
            let answer = if self.mood == Mood::Running {
                Ok(plan)
            } else {
                Err("supervisord is shutting down".to_string())
            };
            let _ = reply.send(answer);
        }
        self.run_queued(queued);
    }

    /// Plans and applies the updates that waited, in order, until one has to wait for its stops in turn; that one
    /// takes the rest along.
    fn run_queued(&mut self, queued: Vec<UpdateRequest>) {
        let mut queued = queued.into_iter();
        while let Some(request) = queued.next() {
            if self.mood != Mood::Running {
                // A shutdown or restart began meanwhile: what waited is moot, as it would be if it came now.
                if let Some(reply) = request.reply {
                    let _ = reply.send(Err("supervisord is shutting down".into()));
                }
                continue;
            }
            self.update(request);
            if let Some(job) = &mut self.apply_job {
                job.queued.extend(queued);
                return;
            }
        }
    }

    /// Everything after the stops, in one go.
    fn apply_steps(&mut self, plan: &Plan, next: DesiredState) {
        let mut starts = Vec::new();
        let mut added_groups = Vec::new();
        let mut replaced_pools = Vec::new();
        for step in &plan.steps {
            match step {
                Step::Stop(_) => {}
                Step::RemoveProcess(key) => {
                    if let Some(child) = self.children.remove(key) {
                        if let Some(deadline) = child.deadline {
                            self.timers.remove(&(deadline, key.clone()));
                        }
                    }
                }
                Step::RemoveGroup(name) => {
                    self.desired.groups.remove(name);
                    self.group_order.retain(|group| group != name);
                    self.on_group_removed(name);
                }
                Step::PutGroup(group) => {
                    if !self.group_order.contains(&group.name) {
                        self.group_order.push(group.name.clone());
                        added_groups.push(group.name.clone());
                    } else if self.bus.pool(&group.name).is_some() {
                        // A pool's settings changed: it subscribes again with the new ones (its buffer goes).
                        replaced_pools.push(group.name.clone());
                    }
                }
                Step::AddProcess(spec) => {
                    let child = self.new_child(spec);
                    self.children
                        .insert((spec.group.clone(), spec.name.clone()), child);
                }
                Step::Replace(spec) => self.replace_spec(spec, false),
                Step::ReopenLogs(spec) => self.replace_spec(spec, true),
                Step::Start(key) => starts.push(key.clone()),
            }
        }
        // Group membership and order now follow the new config.
        self.desired.groups = next.groups;
        let identifier = self.desired.server.supervisord.identifier.clone();
        for name in replaced_pools {
            self.bus.remove_pool(&name);
            if let Some(pool) = self
                .desired
                .groups
                .get(&name)
                .and_then(|group| EventPool::from_group(group, &identifier))
            {
                self.bus.add_pool(pool);
            }
        }
        for name in added_groups {
            self.on_group_added(&name);
        }
        if self.mood != Mood::Running {
            // A shutdown or restart began while the stops were awaited: a process started now would be one the
            // shutdown has already passed over, and supervisord would wait for it forever.
            return;
        }
        for key in starts {
            self.feed(
                &key,
                Input::Start {
                    request: RequestId(0),
                    wait: false,
                },
            );
        }
    }

    /// Puts new settings on a process; a running one gets its log limits, and with `reopen` its new log files.
    fn replace_spec(&mut self, spec: &crate::config::ProcessSpec, reopen: bool) {
        let key = (spec.group.clone(), spec.name.clone());
        let Some(child) = self.children.get(&key) else {
            return;
        };
        let (stdout_auto, stderr_auto) =
            self.auto_logs(spec, child.stdout_auto.clone(), child.stderr_auto.clone());
        let Some(child) = self.children.get_mut(&key) else {
            return;
        };
        child.spec = spec.clone();
        child.stdout_auto = stdout_auto;
        child.stderr_auto = stderr_auto;
        let channels = [
            ("stdout", &spec.stdout, child.stdout_auto.clone()),
            ("stderr", &spec.stderr, child.stderr_auto.clone()),
        ];
        for (index, (channel, channel_spec, auto)) in channels.into_iter().enumerate() {
            let Some(control) = child.output_controls.get(index) else {
                continue;
            };
            if reopen {
                match open_log(spec, channel, &auto) {
                    Ok(file) => {
                        let _ = control.send(Control::SetFile {
                            file,
                            syslog: channel_spec.syslog,
                        });
                    }
                    Err(message) => mainlog::log(LogLevel::Error, &message),
                }
            } else {
                let _ = control.send(Control::SetLimits {
                    maxbytes: channel_spec.logfile_maxbytes,
                    backups: channel_spec.logfile_backups,
                });
            }
        }
        // Deadlines may depend on the new settings (startsecs, stopwaitsecs).
        self.feed(&key, Input::Tick);
    }
}

fn log_change(change: &Change) {
    let fields = if change.fields.is_empty() {
        String::new()
    } else {
        format!(" ({})", change.fields.join(", "))
    };
    mainlog::log(
        LogLevel::Info,
        &format!(
            "update: {}: {}{fields}",
            change.namespec(),
            change.kind.describe()
        ),
    );
}
