//! Event listener pools and the bus that feeds them (`EventListenerPool`, `GlobalSerial` and `events.notify` in
//! `supervisor/process.py` and `supervisor/events.py`), as pure reducers.
//!
//! A pool owns its subscriptions (`events=`), its FIFO of at most `buffer_size` events with Supervisor's overflow
//! rule, its pool serial, and per listener process: the process state it was told, the stdout protocol of the
//! current spawn ([`ListenerProtocol`]) and the event in flight. It decides which READY listener gets the next event
//! and when an event goes back to the head of the buffer (rejected, bad result line, listener died while BUSY). The
//! bus owns the pools in subscription order and the global serial. Neither spawns, reads pipes, writes to stdin or
//! logs: they return [`PoolAction`]s. They do not know when events happen (the engine publishes them) nor the
//! listener processes' lifecycle rules (the process reducer has those; the pool is told the resulting states).

use std::collections::VecDeque;
use std::sync::Arc;

use crate::config::spec::{EventListenerPoolSpec, GroupKind, GroupSpec, LogLevel};
use crate::process::state::ProcessState;

use super::listener::{ListenerProtocol, ListenerState, ProtocolStep};
use super::types::{render_envelope, Event, EventType, SerialCounter};

/// An event with its global serial and rendered payload, shared by every pool that accepted it (Supervisor shares
/// the one event object and stashes `serial` on it at the first pool that accepts it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedEvent {
    pub serial: u64,
    pub event_type: EventType,
    pub payload: String,
}

impl PublishedEvent {
    pub fn new(serial: u64, event: &Event) -> PublishedEvent {
        PublishedEvent {
            serial,
            event_type: event.event_type(),
            payload: event.payload(),
        }
    }
}

/// Everything that can happen to a pool.
#[derive(Debug, Clone, PartialEq)]
pub enum PoolInput {
    /// `events.notify(event)`: accepted once per matching subscription (see [`EventPool::subscription_count`]).
    Publish(Arc<PublishedEvent>),
    /// Bytes one listener wrote to its stdout, in the order read.
    ListenerOutput { process: String, bytes: Vec<u8> },
    /// A listener process entered `state` (the `to` of the process reducer's state change). STARTING is a spawn:
    /// the stdout protocol starts over in ACKNOWLEDGED. RUNNING makes it eligible for events. BACKOFF, EXITED,
    /// STOPPED and FATAL are an exit (Supervisor's `finish`): an event in flight goes back to the head of the buffer
    /// and output fed from then until the next STARTING is ignored (Supervisor closes the pipes).
    ListenerProcessState {
        process: String,
        state: ProcessState,
    },
    /// Writing an envelope to this listener's stdin failed because the pipe is closed (EPIPE). Supervisor catches
    /// EPIPE before it marks the listener BUSY, so the event goes back and the listener stays READY; it is skipped
    /// from then until its next spawn.
    ListenerStdinClosed { process: String },
}

/// What the engine must do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolAction {
    /// Write these bytes (one envelope) to the listener's stdin. If the pipe is closed, feed
    /// [`PoolInput::ListenerStdinClosed`].
    Write { process: String, bytes: Vec<u8> },
    /// A main-log line.
    Log { level: LogLevel, message: String },
    /// A listener's protocol state changed (informational; Supervisor exposes it nowhere).
    ListenerStateChanged {
        process: String,
        from: ListenerState,
        to: ListenerState,
    },
}

/// A buffered event: the shared event and this pool's serial for it (`event.pool_serials[pool]`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PoolEvent {
    published: Arc<PublishedEvent>,
    pool_serial: u64,
}

/// One listener process of the pool.
#[derive(Debug, Clone)]
struct Listener {
    name: String,
    process_state: ProcessState,
    /// Between a spawn and the exit that follows: the pipes are open and output is interpreted.
    spawned: bool,
    protocol: ListenerProtocol,
    /// `process.event`: the event written to it and not yet answered.
    in_flight: Option<PoolEvent>,
    stdin_closed: bool,
}

impl Listener {
    /// What `_dispatchEvent` looks for, and what makes `transition` call `dispatch` at all. `spawned` stands for
    /// Supervisor's write failing with EPIPE on a process without a pid; it only matters if the engine reports
    /// RUNNING without a STARTING before it (the protocol state of the last spawn lingers until the next one).
    fn can_take_event(&self) -> bool {
        self.spawned
            && self.process_state == ProcessState::Running
            && self.protocol.state() == ListenerState::Ready
            && !self.stdin_closed
    }
}

/// One `[eventlistener:x]` pool.
#[derive(Debug, Clone)]
pub struct EventPool {
    name: String,
    /// `[supervisord] identifier`, the envelope's `server:`.
    identifier: String,
    /// `pool_events`, one entry per name in `events=`.
    subscriptions: Vec<EventType>,
    buffer_size: usize,
    buffer: VecDeque<PoolEvent>,
    serial: SerialCounter,
    /// In the group's process order, which is the order a READY listener is looked for.
    listeners: Vec<Listener>,
}

impl EventPool {
    /// A pool named `name` with the listener processes `process_names`, in the group's order. Names in `events=`
    /// that are not event types are ignored (the config parser has rejected them already).
    pub fn new(
        name: &str,
        spec: &EventListenerPoolSpec,
        process_names: impl IntoIterator<Item = String>,
        identifier: &str,
    ) -> EventPool {
        EventPool {
            name: name.to_string(),
            identifier: identifier.to_string(),
            subscriptions: spec
                .events
                .iter()
                .filter_map(|name| EventType::from_name(name))
                .collect(),
            // The parser refuses buffer_size < 1; keep the pool usable regardless.
            buffer_size: usize::try_from(spec.buffer_size).unwrap_or(0).max(1),
            buffer: VecDeque::new(),
            serial: SerialCounter::new(),
            listeners: process_names
                .into_iter()
                .map(|name| Listener {
                    protocol: ListenerProtocol::new(&name),
                    name,
                    process_state: ProcessState::Stopped,
                    spawned: false,
                    in_flight: None,
                    stdin_closed: false,
                })
                .collect(),
        }
    }

    /// The pool of an `[eventlistener:x]` group; `None` for other kinds of group.
    pub fn from_group(group: &GroupSpec, identifier: &str) -> Option<EventPool> {
        match &group.kind {
            GroupKind::EventListenerPool(spec) => Some(EventPool::new(
                &group.name,
                spec,
                group.processes.iter().map(|process| process.name.clone()),
                identifier,
            )),
            _ => None,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn buffer_size(&self) -> usize {
        self.buffer_size
    }

    /// How many of the pool's subscriptions an event of this (concrete) type matches. Supervisor calls the pool's
    /// `_acceptEvent` once per matching subscription, so `events=PROCESS_STATE,PROCESS_STATE_RUNNING` buffers a
    /// RUNNING event twice (the second time logged as a rebuffering, with the same serials) and the listener gets it
    /// twice. We keep that.
    pub fn subscription_count(&self, event_type: EventType) -> usize {
        self.subscriptions
            .iter()
            .filter(|subscribed| event_type.is_a(**subscribed))
            .count()
    }

    /// The global serials of the buffered events, oldest first.
    pub fn buffered_serials(&self) -> Vec<u64> {
        self.buffer
            .iter()
            .map(|event| event.published.serial)
            .collect()
    }

    /// The names of the listener processes, in dispatch order.
    pub fn listener_names(&self) -> impl Iterator<Item = &str> {
        self.listeners.iter().map(|listener| listener.name.as_str())
    }

    /// A listener's protocol state; `None` for a process not in the pool.
    pub fn listener_state(&self, process: &str) -> Option<ListenerState> {
        self.listener(process)
            .map(|listener| listener.protocol.state())
    }

    /// The global serial of the event a listener is processing.
    pub fn in_flight_serial(&self, process: &str) -> Option<u64> {
        self.listener(process)
            .and_then(|listener| listener.in_flight.as_ref())
            .map(|event| event.published.serial)
    }

    /// Feeds one input and returns what to do. Every input is followed by Supervisor's dispatch pass
    /// (`EventListenerPool.transition`), so an event goes out as soon as a listener can take it.
    pub fn handle(&mut self, input: PoolInput) -> Vec<PoolAction> {
        let mut actions = Vec::new();
        match input {
            PoolInput::Publish(published) => self.accept_published(published, &mut actions),
            PoolInput::ListenerOutput { process, bytes } => {
                self.listener_output(&process, &bytes, &mut actions);
            }
            PoolInput::ListenerProcessState { process, state } => {
                self.listener_process_state(&process, state, &mut actions);
            }
            PoolInput::ListenerStdinClosed { process } => {
                self.listener_stdin_closed(&process, &mut actions);
            }
        }
        self.transition(&mut actions);
        actions
    }

    /// The `_acceptEvent` calls of one `notify`: one per matching subscription, the first taking a pool serial.
    fn accept_published(&mut self, published: Arc<PublishedEvent>, actions: &mut Vec<PoolAction>) {
        let n_accepts = self.subscription_count(published.event_type);
        if n_accepts == 0 {
            return;
        }
        let event = PoolEvent {
            pool_serial: self.serial.next_serial(),
            published,
        };
        for accept in 0..n_accepts {
            self.buffer_event(event.clone(), false, accept > 0, actions);
        }
    }

    fn listener(&self, process: &str) -> Option<&Listener> {
        self.listeners
            .iter()
            .find(|listener| listener.name == process)
    }

    fn listener_index(&self, process: &str) -> Option<usize> {
        self.listeners
            .iter()
            .position(|listener| listener.name == process)
    }

    fn listener_output(&mut self, process: &str, bytes: &[u8], actions: &mut Vec<PoolAction>) {
        let Some(index) = self.listener_index(process) else {
            return;
        };
        let listener = &mut self.listeners[index];
        if !listener.spawned {
            return;
        }
        let steps = listener.protocol.feed(bytes);
        for step in steps {
            match step {
                ProtocolStep::Log { level, message } => {
                    actions.push(PoolAction::Log { level, message })
                }
                ProtocolStep::StateChanged { from, to } => {
                    actions.push(PoolAction::ListenerStateChanged {
                        process: process.to_string(),
                        from,
                        to,
                    })
                }
                ProtocolStep::Processed => self.listeners[index].in_flight = None,
                ProtocolStep::Rejected => self.reject_in_flight(index, actions),
            }
        }
    }

    fn listener_process_state(
        &mut self,
        process: &str,
        state: ProcessState,
        actions: &mut Vec<PoolAction>,
    ) {
        let Some(index) = self.listener_index(process) else {
            return;
        };
        match state {
            ProcessState::Starting => {
                // An exit that was never reported: treat it as one before the new spawn.
                if self.listeners[index].in_flight.is_some() {
                    self.reject_in_flight(index, actions);
                }
                let listener = &mut self.listeners[index];
                let old_state = listener.protocol.state();
                // A new PEventListenerDispatcher: ACKNOWLEDGED, set silently.
                listener.protocol = ListenerProtocol::new(&listener.name);
                listener.spawned = true;
                listener.stdin_closed = false;
                if old_state != ListenerState::Acknowledged {
                    actions.push(PoolAction::ListenerStateChanged {
                        process: process.to_string(),
                        from: old_state,
                        to: ListenerState::Acknowledged,
                    });
                }
            }
            ProcessState::Backoff
            | ProcessState::Exited
            | ProcessState::Stopped
            | ProcessState::Fatal => {
                // `finish()`: if we died before we processed the current event, it is rejected and rebuffered.
                self.listeners[index].spawned = false;
                if self.listeners[index].in_flight.is_some() {
                    self.reject_in_flight(index, actions);
                }
            }
            ProcessState::Running | ProcessState::Stopping | ProcessState::Unknown => {}
        }
        self.listeners[index].process_state = state;
    }

    fn listener_stdin_closed(&mut self, process: &str, actions: &mut Vec<PoolAction>) {
        let Some(index) = self.listener_index(process) else {
            return;
        };
        let listener = &mut self.listeners[index];
        listener.stdin_closed = true;
        let Some(event) = listener.in_flight.take() else {
            return;
        };
        actions.push(PoolAction::Log {
            level: LogLevel::Debug,
            message: format!(
                "epipe occurred while sending event {} to listener {}, listener state unchanged",
                event.published.serial, listener.name
            ),
        });
        if let Some(ProtocolStep::StateChanged { from, to }) = listener.protocol.event_not_sent() {
            actions.push(PoolAction::ListenerStateChanged {
                process: process.to_string(),
                from,
                to,
            });
        }
        self.buffer_event(event, true, true, actions);
    }

    /// `handle_rejected`: the event in flight goes back to the head of the buffer.
    fn reject_in_flight(&mut self, index: usize, actions: &mut Vec<PoolAction>) {
        if let Some(event) = self.listeners[index].in_flight.take() {
            self.buffer_event(event, true, true, actions);
        }
    }

    /// `_acceptEvent`. `rebuffering`: the pool has seen this event before (Supervisor's test is whether the event
    /// already carries a serial for this pool).
    fn buffer_event(
        &mut self,
        event: PoolEvent,
        head: bool,
        rebuffering: bool,
        actions: &mut Vec<PoolAction>,
    ) {
        if rebuffering {
            actions.push(PoolAction::Log {
                level: LogLevel::Debug,
                message: format!(
                    "rebuffering event {} for pool {} (buf size={}, max={})",
                    event.published.serial,
                    self.name,
                    self.buffer.len(),
                    self.buffer_size
                ),
            });
        }
        if self.buffer.len() >= self.buffer_size {
            // Discard the oldest event, even when the one coming in goes to the head.
            if let Some(discarded) = self.buffer.pop_front() {
                actions.push(PoolAction::Log {
                    level: LogLevel::Error,
                    message: format!(
                        "pool {} event buffer overflowed, discarding event {}",
                        self.name, discarded.published.serial
                    ),
                });
            }
        }
        if head {
            self.buffer.push_front(event);
        } else {
            self.buffer.push_back(event);
        }
    }

    /// `transition` then `dispatch`: send buffered events, oldest first, one per listener that can take one; the
    /// first event no listener can take goes back to the head and the pass stops.
    fn transition(&mut self, actions: &mut Vec<PoolAction>) {
        if !self.listeners.iter().any(Listener::can_take_event) {
            return;
        }
        while let Some(event) = self.buffer.pop_front() {
            if let Err(event) = self.dispatch_event(event, actions) {
                self.buffer_event(event, true, true, actions);
                break;
            }
        }
    }

    /// `_dispatchEvent`: the first RUNNING and READY listener, in the group's order, gets the event.
    fn dispatch_event(
        &mut self,
        event: PoolEvent,
        actions: &mut Vec<PoolAction>,
    ) -> Result<(), PoolEvent> {
        let Some(listener) = self
            .listeners
            .iter_mut()
            .find(|listener| listener.can_take_event())
        else {
            return Err(event);
        };
        let envelope = render_envelope(
            &self.identifier,
            event.published.serial,
            &self.name,
            event.pool_serial,
            event.published.event_type,
            &event.published.payload,
        );
        actions.push(PoolAction::Write {
            process: listener.name.clone(),
            bytes: envelope.into_bytes(),
        });
        if let Some(ProtocolStep::StateChanged { from, to }) = listener.protocol.event_sent() {
            actions.push(PoolAction::ListenerStateChanged {
                process: listener.name.clone(),
                from,
                to,
            });
        }
        actions.push(PoolAction::Log {
            level: LogLevel::Debug,
            message: format!(
                "event {} sent to listener {}",
                event.published.serial, listener.name
            ),
        });
        listener.in_flight = Some(event);
        Ok(())
    }

    /// Checks the pool's invariants; for tests (the property test drives random inputs through it).
    #[cfg(test)]
    fn assert_invariants(&self) {
        assert!(
            self.buffer.len() <= self.buffer_size,
            "buffer over its size"
        );
        for listener in &self.listeners {
            if listener.in_flight.is_some() {
                assert_eq!(
                    listener.protocol.state(),
                    ListenerState::Busy,
                    "{}",
                    listener.name
                );
                assert!(listener.spawned, "{}", listener.name);
            }
            if listener.spawned && listener.protocol.state() == ListenerState::Busy {
                assert!(
                    listener.in_flight.is_some(),
                    "{} BUSY with nothing",
                    listener.name
                );
            }
        }
        // Settled: nothing buffered while a listener could take it.
        if self.listeners.iter().any(Listener::can_take_event) {
            assert!(
                self.buffer.is_empty(),
                "an event waits while a listener is READY"
            );
        }
    }
}

/// A pool's action, with the pool it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusAction {
    pub pool: String,
    pub action: PoolAction,
}

/// All pools of a supervisord, in subscription order, and the global serial (`events.callbacks` plus
/// `GlobalSerial`).
#[derive(Debug, Clone, Default)]
pub struct EventBus {
    serial: SerialCounter,
    /// In the order they were added: the order Supervisor calls their `_acceptEvent`, which decides which pool's
    /// log lines come first. Serials do not depend on it.
    pools: Vec<EventPool>,
}

impl EventBus {
    pub fn new() -> EventBus {
        EventBus::default()
    }

    /// The last global serial handed out.
    pub fn last_serial(&self) -> Option<u64> {
        self.serial.last()
    }

    /// Subscribes a pool (`make_group` for an `[eventlistener:x]`). Returns false, and changes nothing, when a pool
    /// of that name is already there (`add_process_group`). Add a pool before publishing its own
    /// PROCESS_GROUP_ADDED: Supervisor makes the group first, so a pool sees its own addition.
    pub fn add_pool(&mut self, pool: EventPool) -> bool {
        if self.pools.iter().any(|existing| existing.name == pool.name) {
            return false;
        }
        self.pools.push(pool);
        true
    }

    /// Unsubscribes a pool (`before_remove`), dropping its buffered events. Remove it before publishing its
    /// PROCESS_GROUP_REMOVED: Supervisor does, so a pool never sees its own removal.
    pub fn remove_pool(&mut self, name: &str) -> Option<EventPool> {
        let index = self.pools.iter().position(|pool| pool.name == name)?;
        Some(self.pools.remove(index))
    }

    /// A supervisord restart (`events.clear()`): every pool goes. The global serial carries on: Supervisor's
    /// `GlobalSerial` lives for the whole process, across restarts.
    pub fn clear_pools(&mut self) {
        self.pools.clear();
    }

    pub fn pool(&self, name: &str) -> Option<&EventPool> {
        self.pools.iter().find(|pool| pool.name == name)
    }

    pub fn pools(&self) -> impl Iterator<Item = &EventPool> {
        self.pools.iter()
    }

    /// `events.notify(event)`: every subscribed pool buffers the event (and sends it if a listener is READY). The
    /// global serial is taken only if some pool subscribes: an event nobody listens to consumes no serial.
    pub fn publish(&mut self, event: &Event) -> Vec<BusAction> {
        let event_type = event.event_type();
        if !self
            .pools
            .iter()
            .any(|pool| pool.subscription_count(event_type) > 0)
        {
            return Vec::new();
        }
        let published = Arc::new(PublishedEvent::new(self.serial.next_serial(), event));
        let mut actions = Vec::new();
        // Every pool accepts during `notify`; the dispatch passes come after, in the main loop's `transition()`.
        for pool in &mut self.pools {
            let mut pool_actions = Vec::new();
            pool.accept_published(Arc::clone(&published), &mut pool_actions);
            actions.extend(pool_actions.into_iter().map(|action| BusAction {
                pool: pool.name.clone(),
                action,
            }));
        }
        for pool in &mut self.pools {
            let mut pool_actions = Vec::new();
            pool.transition(&mut pool_actions);
            actions.extend(pool_actions.into_iter().map(|action| BusAction {
                pool: pool.name.clone(),
                action,
            }));
        }
        actions
    }

    /// Feeds a listener input to the pool named `pool`; nothing happens for an unknown pool. (A `Publish` given
    /// here goes to that pool alone; use [`EventBus::publish`] to publish.)
    pub fn handle(&mut self, pool: &str, input: PoolInput) -> Vec<BusAction> {
        let Some(target) = self
            .pools
            .iter_mut()
            .find(|candidate| candidate.name == pool)
        else {
            return Vec::new();
        };
        target
            .handle(input)
            .into_iter()
            .map(|action| BusAction {
                pool: pool.to_string(),
                action,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
