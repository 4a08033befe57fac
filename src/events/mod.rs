//! Supervisor's event system, pure: event types and payloads, the listener protocol, pools, TICK timing.
//!
//! It owns everything between "something happened" and "these bytes go to that listener's stdin": the 27 event
//! types and their hierarchy ([`types`]), payloads and the envelope byte for byte, the per-spawn stdout protocol of
//! a listener ([`listener`]), the pools with their buffers, serials and dispatch order, and the bus that publishes to
//! them ([`pool`]), and when TICK events are due ([`tick`]). It does no IO and reads no clock: it does not spawn
//! listeners, read their pipes, write their stdin, write the main log or decide when process events happen.
//!
//! # Driving it
//!
//! The shape is sans-IO, like [`crate::process::state`]: inputs in, [`PoolAction`]s out, in order. The engine keeps
//! one [`EventBus`] for the life of supervisord and:
//!
//! - for every `[eventlistener:x]` group it creates, calls [`EventBus::add_pool`] with [`EventPool::from_group`]
//!   (then publishes that group's PROCESS_GROUP_ADDED, so the pool sees its own addition, as in Supervisor); before a
//!   group is removed, [`EventBus::remove_pool`] (then publishes PROCESS_GROUP_REMOVED); on a restart,
//!   [`EventBus::clear_pools`] (the global serial carries on, as Supervisor's does);
//! - publishes every event with [`EventBus::publish`]: process state changes (build them with
//!   [`Event::from_state_change`], from the process reducer's `Action::StateChanged`), PROCESS_LOG / PROCESS_COMMUNICATION
//!   chunks from the output path, REMOTE_COMMUNICATION from the RPC, SUPERVISOR_STATE_CHANGE_*, PROCESS_GROUP_*, and
//!   the TICKs a [`TickClock`] says are due (call [`TickClock::due`] with the wall clock whenever the loop wakes, and
//!   wake at [`TickClock::next_due_at`]; a fresh clock per run, so no tick at start-up);
//! - for each listener process of a pool, feeds [`EventBus::handle`] with the pool's name and:
//!   - [`PoolInput::ListenerProcessState`] with every state the process enters, *after* publishing that state's
//!     PROCESS_STATE event (Supervisor notifies the event in `change_state` and rebuffers the in-flight event at the
//!     end of `finish`);
//!   - [`PoolInput::ListenerOutput`] with every chunk read from its stdout, in order, between its spawn (STARTING)
//!     and its exit; output fed after the exit is dropped, as Supervisor closes the pipes in `finish`, so feed a
//!     spawn's remaining output before its exit state when the engine has it. The chunks still go to the stdout log
//!     and the debug echo as for any process; the pool only interprets them;
//!   - [`PoolInput::ListenerStdinClosed`] when writing an envelope fails with EPIPE;
//! - performs the actions in order: [`PoolAction::Write`] the bytes to that listener's stdin (all of them, in order
//!   with earlier writes), [`PoolAction::Log`] to the main log; [`PoolAction::ListenerStateChanged`] is informational.
//!
//! Every input ends with the pool's dispatch pass (Supervisor's `EventListenerPool.transition`), so an event goes out
//! as soon as a listener is RUNNING and READY; Supervisor does the same on its next loop pass, up to a second later.
//! Nothing here has a deadline: a pool only changes when an input comes.

pub mod listener;
pub mod pool;
pub mod tick;
pub mod types;

pub use listener::{ListenerProtocol, ListenerState, ProtocolStep};
pub use pool::{BusAction, EventBus, EventPool, PoolAction, PoolInput, PublishedEvent};
pub use tick::{timeslice, TickClock};
pub use types::{render_envelope, Channel, Event, EventType, SerialCounter, TickPeriod};
