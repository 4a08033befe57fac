//! The engine's side of events: publishing to the [`EventBus`] (state changes, output chunks, group changes,
//! supervisor state, remote communication, ticks), feeding listener processes' stdout and stdin troubles to their
//! pool, and carrying out what the pools ask (envelopes to a listener's stdin, log lines).

use std::time::{Duration, Instant, SystemTime};

use super::{Engine, ProcessKey};
use crate::config::GroupKind;
use crate::events::{BusAction, Channel, Event, EventPool, EventType, PoolAction, PoolInput};
use crate::logs::mainlog;
use crate::process::state::StateChange;

/// What an output task tells the engine about a chunk it handled.
#[derive(Debug)]
pub enum OutputKind {
    /// A logged chunk of a channel with `*_events_enabled` (PROCESS_LOG_*).
    Log(Vec<u8>),
    /// The text between capture tokens (PROCESS_COMMUNICATION_*).
    Communication(Vec<u8>),
    /// A chunk of an event listener's stdout: its protocol with the pool.
    ListenerData(Vec<u8>),
    /// Writing to the process's stdin failed: its end of the pipe is closed.
    StdinClosed,
}

/// One report from a process's output or stdin task.
#[derive(Debug)]
pub struct OutputEvent {
    pub key: ProcessKey,
    pub channel: Channel,
    pub kind: OutputKind,
}

fn wall_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Engine {
    /// `events.notify(event)`.
    pub(super) fn publish(&mut self, event: &Event) {
        let actions = self.bus.publish(event);
        self.perform_bus(actions);
    }

    fn perform_bus(&mut self, actions: Vec<BusAction>) {
        for BusAction { pool, action } in actions {
            match action {
                PoolAction::Write { process, bytes } => {
                    let key = (pool.clone(), process.clone());
                    let sent = self.write_to_stdin(&key, bytes);
                    if !sent {
                        let more = self
                            .bus
                            .handle(&pool, PoolInput::ListenerStdinClosed { process });
                        self.perform_bus(more);
                    }
                }
                PoolAction::Log { level, message } => mainlog::log(level, &message),
                PoolAction::ListenerStateChanged { .. } => {}
            }
        }
    }

    fn is_listener(&self, key: &ProcessKey) -> bool {
        self.desired
            .groups
            .get(&key.0)
            .is_some_and(|group| matches!(group.kind, GroupKind::EventListenerPool(_)))
    }

    /// A process changed state (from the reducer): the PROCESS_STATE event, then, for a listener, its pool.
    pub(super) fn on_state_change(&mut self, key: &ProcessKey, change: &StateChange) {
        self.publish(&Event::from_state_change(&key.1, &key.0, change));
        if self.is_listener(key) {
            let actions = self.bus.handle(
                &key.0,
                PoolInput::ListenerProcessState {
                    process: key.1.clone(),
                    state: change.to,
                },
            );
            self.perform_bus(actions);
        }
    }

    /// A report from an output or stdin task.
    pub(super) fn on_output(&mut self, output: OutputEvent) {
        let OutputEvent { key, channel, kind } = output;
        let pid = self
            .children
            .get(&key)
            .map_or(0, |child| child.process.pid());
        match kind {
            OutputKind::Log(data) => self.publish(&Event::ProcessLog {
                channel,
                processname: key.1.clone(),
                groupname: key.0.clone(),
                pid,
                data,
            }),
            OutputKind::Communication(data) => self.publish(&Event::ProcessCommunication {
                channel,
                processname: key.1.clone(),
                groupname: key.0.clone(),
                pid,
                data,
            }),
            OutputKind::ListenerData(bytes) => {
                let actions = self.bus.handle(
                    &key.0,
                    PoolInput::ListenerOutput {
                        process: key.1.clone(),
                        bytes,
                    },
                );
                self.perform_bus(actions);
            }
            OutputKind::StdinClosed => {
                let actions = self.bus.handle(
                    &key.0,
                    PoolInput::ListenerStdinClosed {
                        process: key.1.clone(),
                    },
                );
                self.perform_bus(actions);
            }
        }
    }

    /// A group was created: its pool subscribes first (so it sees its own addition), then PROCESS_GROUP_ADDED.
    pub(super) fn on_group_added(&mut self, name: &str) {
        let identifier = self.desired.server.supervisord.identifier.clone();
        if let Some(pool) = self
            .desired
            .groups
            .get(name)
            .and_then(|group| EventPool::from_group(group, &identifier))
        {
            self.bus.add_pool(pool);
        }
        self.publish(&Event::ProcessGroupAdded {
            groupname: name.to_string(),
        });
    }

    /// A group went away: its pool unsubscribes first (it never sees its own removal), then PROCESS_GROUP_REMOVED.
    pub(super) fn on_group_removed(&mut self, name: &str) {
        self.bus.remove_pool(name);
        self.publish(&Event::ProcessGroupRemoved {
            groupname: name.to_string(),
        });
    }

    /// Whether any pool listens to TICK events; without one the engine never wakes for ticks.
    fn wants_ticks(&self) -> bool {
        self.bus.pools().any(|pool| {
            pool.subscription_count(EventType::Tick5) > 0
                || pool.subscription_count(EventType::Tick60) > 0
                || pool.subscription_count(EventType::Tick3600) > 0
        })
    }

    /// When the next TICK is due, on the monotonic clock; `None` when nobody listens.
    pub(super) fn next_tick(&mut self) -> Option<Instant> {
        if !self.wants_ticks() {
            return None;
        }
        let now = wall_now();
        let due = match self.tick_clock.next_due_at() {
            Some(due) => due as f64,
            None => {
                // The first call only sets the clock (Supervisor sends no tick at start-up).
                let _ = self.tick_clock.due(now);
                self.tick_clock.next_due_at()? as f64
            }
        };
        Some(Instant::now() + Duration::from_secs_f64((due - now).max(0.0)))
    }

    /// Publishes the TICK events that are due.
    pub(super) fn fire_ticks(&mut self) {
        if !self.wants_ticks() {
            return;
        }
        for event in self.tick_clock.due(wall_now()) {
            self.publish(&event);
        }
    }
}
