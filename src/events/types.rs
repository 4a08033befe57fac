//! Event types, their payloads and the envelope (`supervisor/events.py`, `EventListenerPool._eventEnvelope`).
//!
//! It owns the names of the 27 event types (7 abstract, 20 concrete) and Supervisor's class hierarchy between them,
//! which is what a pool's `events=` subscription matches against (`isinstance`); each concrete event as plain data
//! (names, states, pid, bytes) and its `payload()` text, byte for byte; the envelope header with its `len`; and the
//! serial counters' wrap rule. It does not decide when an event happens (the process reducer, the output path and the
//! RPC layer do) and it does not buffer or deliver events (the pool does).

use std::fmt;

use crate::process::state::{ProcessState, StateChange};

/// Every name `[eventlistener:x] events=` accepts, abstract or concrete (`supervisor.events.EventTypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// Abstract: every event.
    Event,
    /// Abstract.
    ProcessState,
    ProcessStateStopped,
    ProcessStateExited,
    ProcessStateStarting,
    ProcessStateStopping,
    ProcessStateBackoff,
    ProcessStateFatal,
    ProcessStateRunning,
    ProcessStateUnknown,
    /// Abstract.
    ProcessCommunication,
    ProcessCommunicationStdout,
    ProcessCommunicationStderr,
    /// Abstract.
    ProcessLog,
    ProcessLogStdout,
    ProcessLogStderr,
    RemoteCommunication,
    /// Abstract.
    SupervisorStateChange,
    SupervisorStateChangeRunning,
    SupervisorStateChangeStopping,
    /// Abstract.
    Tick,
    Tick5,
    Tick60,
    Tick3600,
    /// Abstract.
    ProcessGroup,
    ProcessGroupAdded,
    ProcessGroupRemoved,
}

impl EventType {
    /// In the order of `EventTypes` (the same order as the config parser's list of names).
    pub const ALL: [EventType; 27] = [
        EventType::Event,
        EventType::ProcessState,
        EventType::ProcessStateStopped,
        EventType::ProcessStateExited,
        EventType::ProcessStateStarting,
        EventType::ProcessStateStopping,
        EventType::ProcessStateBackoff,
        EventType::ProcessStateFatal,
        EventType::ProcessStateRunning,
        EventType::ProcessStateUnknown,
        EventType::ProcessCommunication,
        EventType::ProcessCommunicationStdout,
        EventType::ProcessCommunicationStderr,
        EventType::ProcessLog,
        EventType::ProcessLogStdout,
        EventType::ProcessLogStderr,
        EventType::RemoteCommunication,
        EventType::SupervisorStateChange,
        EventType::SupervisorStateChangeRunning,
        EventType::SupervisorStateChangeStopping,
        EventType::Tick,
        EventType::Tick5,
        EventType::Tick60,
        EventType::Tick3600,
        EventType::ProcessGroup,
        EventType::ProcessGroupAdded,
        EventType::ProcessGroupRemoved,
    ];

    /// The name in `events=` and in the envelope's `eventname:` (`getEventNameByType`).
    pub fn name(self) -> &'static str {
        match self {
            EventType::Event => "EVENT",
            EventType::ProcessState => "PROCESS_STATE",
            EventType::ProcessStateStopped => "PROCESS_STATE_STOPPED",
            EventType::ProcessStateExited => "PROCESS_STATE_EXITED",
            EventType::ProcessStateStarting => "PROCESS_STATE_STARTING",
            EventType::ProcessStateStopping => "PROCESS_STATE_STOPPING",
            EventType::ProcessStateBackoff => "PROCESS_STATE_BACKOFF",
            EventType::ProcessStateFatal => "PROCESS_STATE_FATAL",
            EventType::ProcessStateRunning => "PROCESS_STATE_RUNNING",
            EventType::ProcessStateUnknown => "PROCESS_STATE_UNKNOWN",
            EventType::ProcessCommunication => "PROCESS_COMMUNICATION",
            EventType::ProcessCommunicationStdout => "PROCESS_COMMUNICATION_STDOUT",
            EventType::ProcessCommunicationStderr => "PROCESS_COMMUNICATION_STDERR",
            EventType::ProcessLog => "PROCESS_LOG",
            EventType::ProcessLogStdout => "PROCESS_LOG_STDOUT",
            EventType::ProcessLogStderr => "PROCESS_LOG_STDERR",
            EventType::RemoteCommunication => "REMOTE_COMMUNICATION",
            EventType::SupervisorStateChange => "SUPERVISOR_STATE_CHANGE",
            EventType::SupervisorStateChangeRunning => "SUPERVISOR_STATE_CHANGE_RUNNING",
            EventType::SupervisorStateChangeStopping => "SUPERVISOR_STATE_CHANGE_STOPPING",
            EventType::Tick => "TICK",
            EventType::Tick5 => "TICK_5",
            EventType::Tick60 => "TICK_60",
            EventType::Tick3600 => "TICK_3600",
            EventType::ProcessGroup => "PROCESS_GROUP",
            EventType::ProcessGroupAdded => "PROCESS_GROUP_ADDED",
            EventType::ProcessGroupRemoved => "PROCESS_GROUP_REMOVED",
        }
    }

    /// The type with this exact name. The config parser has already upper-cased `events=`.
    pub fn from_name(name: &str) -> Option<EventType> {
        EventType::ALL
            .into_iter()
            .find(|event_type| event_type.name() == name)
    }

    /// The base class in Supervisor's hierarchy; `None` for `EVENT` only. `ProcessStateStartingOrBackoffEvent`, an
    /// intermediate class with no name in `EventTypes`, is skipped: nothing can subscribe to it.
    pub fn parent(self) -> Option<EventType> {
        use EventType::*;
        match self {
            Event => None,
            ProcessState
            | ProcessCommunication
            | ProcessLog
            | RemoteCommunication
            | SupervisorStateChange
            | Tick
            | ProcessGroup => Some(Event),
            ProcessStateStopped | ProcessStateExited | ProcessStateStarting
            | ProcessStateStopping | ProcessStateBackoff | ProcessStateFatal
            | ProcessStateRunning | ProcessStateUnknown => Some(ProcessState),
            ProcessCommunicationStdout | ProcessCommunicationStderr => Some(ProcessCommunication),
            ProcessLogStdout | ProcessLogStderr => Some(ProcessLog),
            SupervisorStateChangeRunning | SupervisorStateChangeStopping => {
                Some(SupervisorStateChange)
            }
            Tick5 | Tick60 | Tick3600 => Some(Tick),
            ProcessGroupAdded | ProcessGroupRemoved => Some(ProcessGroup),
        }
    }

    /// Whether Supervisor documents the class as abstract: never raised, only subscribed to.
    pub fn is_abstract(self) -> bool {
        matches!(
            self,
            EventType::Event
                | EventType::ProcessState
                | EventType::ProcessCommunication
                | EventType::ProcessLog
                | EventType::SupervisorStateChange
                | EventType::Tick
                | EventType::ProcessGroup
        )
    }

    /// `isinstance(event_of_type_self, subscribed)`: what `events.notify` tests for each subscription.
    pub fn is_a(self, subscribed: EventType) -> bool {
        let mut current = Some(self);
        while let Some(event_type) = current {
            if event_type == subscribed {
                return true;
            }
            current = event_type.parent();
        }
        false
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A child output channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Stdout,
    Stderr,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
        }
    }
}

/// Which TICK event: the period in seconds is its `period` class attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TickPeriod {
    Seconds5,
    Seconds60,
    Seconds3600,
}

impl TickPeriod {
    /// In the order of `TICK_EVENTS`, which is the order Supervisor notifies them in one pass.
    pub const ALL: [TickPeriod; 3] = [
        TickPeriod::Seconds5,
        TickPeriod::Seconds60,
        TickPeriod::Seconds3600,
    ];

    pub fn seconds(self) -> i64 {
        match self {
            TickPeriod::Seconds5 => 5,
            TickPeriod::Seconds60 => 60,
            TickPeriod::Seconds3600 => 3600,
        }
    }

    pub fn event_type(self) -> EventType {
        match self {
            TickPeriod::Seconds5 => EventType::Tick5,
            TickPeriod::Seconds60 => EventType::Tick60,
            TickPeriod::Seconds3600 => EventType::Tick3600,
        }
    }
}

/// One concrete event, as plain data captured when it happened (Supervisor stashes the pid and tries at creation
/// too, so a later change of the process does not alter a buffered event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `PROCESS_STATE_<to>`. Which of `tries`, `expected` and `pid` the payload shows depends on `to`.
    ProcessState {
        processname: String,
        /// The group's name (Supervisor prints an empty one for a process without a group).
        groupname: String,
        from_state: ProcessState,
        to: ProcessState,
        /// The backoff counter; shown for STARTING and BACKOFF.
        tries: u32,
        /// Shown (as 1 or 0) for EXITED.
        expected: bool,
        /// Shown for RUNNING, STOPPING, STOPPED and EXITED; 0 when the process has none.
        pid: u32,
    },
    /// `PROCESS_LOG_STDOUT` / `_STDERR`: one chunk of output as read from the pipe.
    ProcessLog {
        channel: Channel,
        processname: String,
        groupname: String,
        pid: u32,
        data: Vec<u8>,
    },
    /// `PROCESS_COMMUNICATION_STDOUT` / `_STDERR`: the text between the capture tokens.
    ProcessCommunication {
        channel: Channel,
        processname: String,
        groupname: String,
        pid: u32,
        data: Vec<u8>,
    },
    /// `REMOTE_COMMUNICATION`, from `sendRemoteCommEvent(type, data)`.
    RemoteCommunication {
        r#type: String,
        data: String,
    },
    SupervisorStateChangeRunning,
    SupervisorStateChangeStopping,
    /// `TICK_<period>`; `when` is the start of the time slice, in epoch seconds.
    Tick {
        period: TickPeriod,
        when: i64,
    },
    ProcessGroupAdded {
        groupname: String,
    },
    ProcessGroupRemoved {
        groupname: String,
    },
}

impl Event {
    /// The PROCESS_STATE event of a state change the process reducer reported.
    pub fn from_state_change(processname: &str, groupname: &str, change: &StateChange) -> Event {
        Event::ProcessState {
            processname: processname.to_string(),
            groupname: groupname.to_string(),
            from_state: change.from,
            to: change.to,
            tries: change.tries,
            expected: change.expected,
            pid: change.pid,
        }
    }

    /// The concrete type, never an abstract one.
    pub fn event_type(&self) -> EventType {
        match self {
            Event::ProcessState { to, .. } => match to {
                ProcessState::Stopped => EventType::ProcessStateStopped,
                ProcessState::Starting => EventType::ProcessStateStarting,
                ProcessState::Running => EventType::ProcessStateRunning,
                ProcessState::Backoff => EventType::ProcessStateBackoff,
                ProcessState::Stopping => EventType::ProcessStateStopping,
                ProcessState::Exited => EventType::ProcessStateExited,
                ProcessState::Fatal => EventType::ProcessStateFatal,
                ProcessState::Unknown => EventType::ProcessStateUnknown,
            },
            Event::ProcessLog { channel, .. } => match channel {
                Channel::Stdout => EventType::ProcessLogStdout,
                Channel::Stderr => EventType::ProcessLogStderr,
            },
            Event::ProcessCommunication { channel, .. } => match channel {
                Channel::Stdout => EventType::ProcessCommunicationStdout,
                Channel::Stderr => EventType::ProcessCommunicationStderr,
            },
            Event::RemoteCommunication { .. } => EventType::RemoteCommunication,
            Event::SupervisorStateChangeRunning => EventType::SupervisorStateChangeRunning,
            Event::SupervisorStateChangeStopping => EventType::SupervisorStateChangeStopping,
            Event::Tick { period, .. } => period.event_type(),
            Event::ProcessGroupAdded { .. } => EventType::ProcessGroupAdded,
            Event::ProcessGroupRemoved { .. } => EventType::ProcessGroupRemoved,
        }
    }

    /// The body after the envelope header, exactly as the event class's `payload()` renders it.
    pub fn payload(&self) -> String {
        match self {
            Event::ProcessState {
                processname,
                groupname,
                from_state,
                to,
                tries,
                expected,
                pid,
            } => {
                let mut payload = format!(
                    "processname:{processname} groupname:{groupname} from_state:{}",
                    from_state.name()
                );
                // get_extra_values() of each class.
                match to {
                    ProcessState::Starting | ProcessState::Backoff => {
                        payload.push_str(&format!(" tries:{tries}"));
                    }
                    ProcessState::Exited => {
                        payload.push_str(&format!(" expected:{} pid:{pid}", u8::from(*expected)));
                    }
                    ProcessState::Running | ProcessState::Stopping | ProcessState::Stopped => {
                        payload.push_str(&format!(" pid:{pid}"));
                    }
                    ProcessState::Fatal | ProcessState::Unknown => {}
                }
                payload
            }
            Event::ProcessLog {
                channel,
                processname,
                groupname,
                pid,
                data,
            } => format!(
                "processname:{processname} groupname:{groupname} pid:{pid} channel:{}\n{}",
                channel.name(),
                decode_output(data)
            ),
            Event::ProcessCommunication {
                processname,
                groupname,
                pid,
                data,
                ..
            } => format!(
                "processname:{processname} groupname:{groupname} pid:{pid}\n{}",
                decode_output(data)
            ),
            Event::RemoteCommunication { r#type, data } => format!("type:{type}\n{data}"),
            Event::SupervisorStateChangeRunning | Event::SupervisorStateChangeStopping => {
                String::new()
            }
            Event::Tick { when, .. } => format!("when:{when}"),
            Event::ProcessGroupAdded { groupname } | Event::ProcessGroupRemoved { groupname } => {
                format!("groupname:{groupname}\n")
            }
        }
    }
}

/// `as_string(data)`, or `'Undecodable: %r' % data` when the bytes are not UTF-8 (Python's strict decoder and
/// Rust's agree on what is valid, surrogates included).
fn decode_output(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(text) => text.to_string(),
        Err(_) => format!("Undecodable: {}", py_bytes_repr(data)),
    }
}

pub use crate::config::pyrepr::py_bytes_repr;

/// `ver:3.0 server:<identifier> serial:<n> pool:<pool> poolserial:<n> eventname:<TYPE> len:<L>\n<payload>`, what a
/// listener reads from its stdin. `len` counts the payload's characters (code points), not its bytes: Supervisor
/// takes `len()` of the Python `str` before encoding the envelope to UTF-8, and listeners that read stdin in text
/// mode (childutils, superlance) depend on that.
pub fn render_envelope(
    identifier: &str,
    serial: u64,
    pool: &str,
    pool_serial: u64,
    event_type: EventType,
    payload: &str,
) -> String {
    format!(
        "ver:3.0 server:{identifier} serial:{serial} pool:{pool} poolserial:{pool_serial} eventname:{} len:{}\n{payload}",
        event_type.name(),
        payload.chars().count()
    )
}

/// `sys.maxsize` on a 64-bit build: where `new_serial` wraps.
pub const MAX_SERIAL: u64 = i64::MAX as u64;

/// A serial counter as `new_serial` keeps one (`GlobalSerial` and each pool's `serial`): it starts at -1, the first
/// serial handed out is 0, and after `sys.maxsize` the next is 0 again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SerialCounter {
    /// The last serial handed out; `None` before the first (Supervisor's -1).
    last: Option<u64>,
}

impl SerialCounter {
    pub fn new() -> SerialCounter {
        SerialCounter { last: None }
    }

    /// A counter whose last serial was `last` (for tests of the wrap, and to carry a count across a restart).
    pub fn starting_after(last: u64) -> SerialCounter {
        SerialCounter { last: Some(last) }
    }

    pub fn last(&self) -> Option<u64> {
        self.last
    }

    /// `new_serial(inst)`.
    pub fn next_serial(&mut self) -> u64 {
        let next = match self.last {
            None => 0,
            Some(last) if last >= MAX_SERIAL => 0,
            Some(last) => last + 1,
        };
        self.last = Some(next);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_payload(event: Event, expected_type: &str, expected_payload: &str) {
        assert_eq!(event.event_type().name(), expected_type, "{event:?}");
        assert!(!event.event_type().is_abstract(), "{event:?}");
        assert_eq!(event.payload(), expected_payload, "{event:?}");
    }

    fn process_state(
        to: ProcessState,
        from_state: ProcessState,
        tries: u32,
        expected: bool,
        pid: u32,
    ) -> Event {
        Event::ProcessState {
            processname: "cat".to_string(),
            groupname: "grp".to_string(),
            from_state,
            to,
            tries,
            expected,
            pid,
        }
    }

    fn log(channel: Channel, data: &[u8]) -> Event {
        Event::ProcessLog {
            channel,
            processname: "chatter".to_string(),
            groupname: "chat".to_string(),
            pid: 8135,
            data: data.to_vec(),
        }
    }

    fn communication(channel: Channel, data: &[u8]) -> Event {
        Event::ProcessCommunication {
            channel,
            processname: "comm".to_string(),
            groupname: "comm".to_string(),
            pid: 8137,
            data: data.to_vec(),
        }
    }

    fn remote(r#type: &str, data: &str) -> Event {
        Event::RemoteCommunication {
            r#type: r#type.to_string(),
            data: data.to_string(),
        }
    }

    // Expected texts were produced by Supervisor 4.3.0's own event classes (`str(event.payload())` with stub process
    // objects carrying these names, pid, backoff and group).
    #[test]
    fn process_state_payloads_match_supervisor() {
        use ProcessState::*;
        let cases = [
            (
                process_state(Starting, Stopped, 0, true, 0),
                "PROCESS_STATE_STARTING",
                "processname:cat groupname:grp from_state:STOPPED tries:0",
            ),
            (
                process_state(Starting, Backoff, 2, true, 0),
                "PROCESS_STATE_STARTING",
                "processname:cat groupname:grp from_state:BACKOFF tries:2",
            ),
            (
                process_state(Running, Starting, 0, true, 8133),
                "PROCESS_STATE_RUNNING",
                "processname:cat groupname:grp from_state:STARTING pid:8133",
            ),
            (
                process_state(Backoff, Starting, 1, true, 0),
                "PROCESS_STATE_BACKOFF",
                "processname:cat groupname:grp from_state:STARTING tries:1",
            ),
            (
                process_state(Stopping, Running, 0, true, 9405),
                "PROCESS_STATE_STOPPING",
                "processname:cat groupname:grp from_state:RUNNING pid:9405",
            ),
            (
                process_state(Stopping, Starting, 0, true, 9405),
                "PROCESS_STATE_STOPPING",
                "processname:cat groupname:grp from_state:STARTING pid:9405",
            ),
            (
                process_state(Stopped, Stopping, 0, true, 9405),
                "PROCESS_STATE_STOPPED",
                "processname:cat groupname:grp from_state:STOPPING pid:9405",
            ),
            (
                process_state(Stopped, Backoff, 3, true, 0),
                "PROCESS_STATE_STOPPED",
                "processname:cat groupname:grp from_state:BACKOFF pid:0",
            ),
            (
                process_state(Exited, Running, 0, true, 9930),
                "PROCESS_STATE_EXITED",
                "processname:cat groupname:grp from_state:RUNNING expected:1 pid:9930",
            ),
            (
                process_state(Exited, Running, 0, false, 9930),
                "PROCESS_STATE_EXITED",
                "processname:cat groupname:grp from_state:RUNNING expected:0 pid:9930",
            ),
            (
                process_state(Fatal, Backoff, 3, true, 0),
                "PROCESS_STATE_FATAL",
                "processname:cat groupname:grp from_state:BACKOFF",
            ),
            (
                process_state(Unknown, Running, 0, true, 12),
                "PROCESS_STATE_UNKNOWN",
                "processname:cat groupname:grp from_state:RUNNING",
            ),
        ];
        for (event, event_type, payload) in cases {
            check_payload(event, event_type, payload);
        }
    }

    #[test]
    fn process_state_payload_with_an_empty_group_name() {
        let event = Event::ProcessState {
            processname: "x".to_string(),
            groupname: String::new(),
            from_state: ProcessState::Starting,
            to: ProcessState::Running,
            tries: 0,
            expected: true,
            pid: 1,
        };
        check_payload(
            event,
            "PROCESS_STATE_RUNNING",
            "processname:x groupname: from_state:STARTING pid:1",
        );
    }

    #[test]
    fn from_state_change_keeps_the_values_of_the_change() {
        let change = StateChange {
            from: ProcessState::Running,
            to: ProcessState::Exited,
            expected: false,
            pid: 44,
            tries: 0,
        };
        check_payload(
            Event::from_state_change("web", "site", &change),
            "PROCESS_STATE_EXITED",
            "processname:web groupname:site from_state:RUNNING expected:0 pid:44",
        );
    }

    #[test]
    fn output_payloads_match_supervisor() {
        let cases: [(Event, &str, &str); 10] = [
            (log(Channel::Stdout, b"hello\n"), "PROCESS_LOG_STDOUT", "processname:chatter groupname:chat pid:8135 channel:stdout\nhello\n"),
            (log(Channel::Stderr, b"a\nb"), "PROCESS_LOG_STDERR", "processname:chatter groupname:chat pid:8135 channel:stderr\na\nb"),
            (log(Channel::Stdout, b""), "PROCESS_LOG_STDOUT", "processname:chatter groupname:chat pid:8135 channel:stdout\n"),
            (log(Channel::Stdout, "café\n".as_bytes()), "PROCESS_LOG_STDOUT", "processname:chatter groupname:chat pid:8135 channel:stdout\ncafé\n"),
            (log(Channel::Stdout, b"bad\xff\n"), "PROCESS_LOG_STDOUT", "processname:chatter groupname:chat pid:8135 channel:stdout\nUndecodable: b'bad\\xff\\n'"),
            (log(Channel::Stderr, b"it's\t\\\x00\x7f\xc3"), "PROCESS_LOG_STDERR", "processname:chatter groupname:chat pid:8135 channel:stderr\nUndecodable: b\"it's\\t\\\\\\x00\\x7f\\xc3\""),
            (log(Channel::Stdout, b"'\"\xed\xa0\x80"), "PROCESS_LOG_STDOUT", "processname:chatter groupname:chat pid:8135 channel:stdout\nUndecodable: b'\\'\"\\xed\\xa0\\x80'"),
            (communication(Channel::Stdout, b"hello comm"), "PROCESS_COMMUNICATION_STDOUT", "processname:comm groupname:comm pid:8137\nhello comm"),
            (communication(Channel::Stderr, b"x\n"), "PROCESS_COMMUNICATION_STDERR", "processname:comm groupname:comm pid:8137\nx\n"),
            (communication(Channel::Stdout, b"\xff\r"), "PROCESS_COMMUNICATION_STDOUT", "processname:comm groupname:comm pid:8137\nUndecodable: b'\\xff\\r'"),
        ];
        for (event, event_type, payload) in cases {
            check_payload(event, event_type, payload);
        }
    }

    #[test]
    fn other_payloads_match_supervisor() {
        let cases = [
            (
                remote("mytype", "my data\nline2"),
                "REMOTE_COMMUNICATION",
                "type:mytype\nmy data\nline2",
            ),
            (remote("", ""), "REMOTE_COMMUNICATION", "type:\n"),
            (
                remote("ü", "naïve"),
                "REMOTE_COMMUNICATION",
                "type:ü\nnaïve",
            ),
            (
                Event::SupervisorStateChangeRunning,
                "SUPERVISOR_STATE_CHANGE_RUNNING",
                "",
            ),
            (
                Event::SupervisorStateChangeStopping,
                "SUPERVISOR_STATE_CHANGE_STOPPING",
                "",
            ),
            (
                Event::Tick {
                    period: TickPeriod::Seconds5,
                    when: 1_700_000_000,
                },
                "TICK_5",
                "when:1700000000",
            ),
            (
                Event::Tick {
                    period: TickPeriod::Seconds60,
                    when: 1_699_999_980,
                },
                "TICK_60",
                "when:1699999980",
            ),
            (
                Event::Tick {
                    period: TickPeriod::Seconds3600,
                    when: 1_699_999_200,
                },
                "TICK_3600",
                "when:1699999200",
            ),
            (
                Event::ProcessGroupAdded {
                    groupname: "listener".to_string(),
                },
                "PROCESS_GROUP_ADDED",
                "groupname:listener\n",
            ),
            (
                Event::ProcessGroupRemoved {
                    groupname: "web".to_string(),
                },
                "PROCESS_GROUP_REMOVED",
                "groupname:web\n",
            ),
        ];
        for (event, event_type, payload) in cases {
            check_payload(event, event_type, payload);
        }
    }

    #[test]
    fn py_bytes_repr_matches_python() {
        let cases: [(&[u8], &str); 8] = [
            (b"", "b''"),
            (b"abc", "b'abc'"),
            (b"'", "b\"'\""),
            (b"\"", "b'\"'"),
            (b"'\"", "b'\\'\"'"),
            (
                b"\x00\x1f\x20\x7e\x7f\x80\xff",
                "b'\\x00\\x1f ~\\x7f\\x80\\xff'",
            ),
            (b"\t\n\r\\", "b'\\t\\n\\r\\\\'"),
            (b"\x0b\x0c", "b'\\x0b\\x0c'"),
        ];
        for (data, expected) in cases {
            assert_eq!(py_bytes_repr(data), expected, "{data:?}");
        }
    }

    fn check_envelope(payload: &str, expected: &str) {
        let envelope = render_envelope(
            "supervisor",
            7,
            "listener",
            3,
            EventType::RemoteCommunication,
            payload,
        );
        assert_eq!(envelope, expected);
    }

    // Supervisor counts `len()` of the Python str: code points, not UTF-8 bytes.
    #[test]
    fn envelope_len_counts_characters() {
        let cases = [
            ("", "ver:3.0 server:supervisor serial:7 pool:listener poolserial:3 eventname:REMOTE_COMMUNICATION len:0\n"),
            ("type:t\nabc", "ver:3.0 server:supervisor serial:7 pool:listener poolserial:3 eventname:REMOTE_COMMUNICATION len:10\ntype:t\nabc"),
            ("type:t\ncafé\n", "ver:3.0 server:supervisor serial:7 pool:listener poolserial:3 eventname:REMOTE_COMMUNICATION len:12\ntype:t\ncafé\n"),
            ("type:t\n日本語", "ver:3.0 server:supervisor serial:7 pool:listener poolserial:3 eventname:REMOTE_COMMUNICATION len:10\ntype:t\n日本語"),
            ("type:t\n🙂", "ver:3.0 server:supervisor serial:7 pool:listener poolserial:3 eventname:REMOTE_COMMUNICATION len:8\ntype:t\n🙂"),
        ];
        for (payload, expected) in cases {
            check_envelope(payload, expected);
        }
    }

    #[test]
    fn envelope_of_supervisors_sample_stream() {
        let envelope = render_envelope(
            "supervisor",
            0,
            "listener",
            0,
            EventType::ProcessGroupAdded,
            &Event::ProcessGroupAdded {
                groupname: "listener".to_string(),
            }
            .payload(),
        );
        assert_eq!(
            envelope,
            "ver:3.0 server:supervisor serial:0 pool:listener poolserial:0 eventname:PROCESS_GROUP_ADDED len:19\ngroupname:listener\n"
        );
        let envelope = render_envelope(
            "héllo",
            112,
            "p",
            5,
            EventType::SupervisorStateChangeRunning,
            "",
        );
        assert_eq!(
            envelope,
            "ver:3.0 server:héllo serial:112 pool:p poolserial:5 eventname:SUPERVISOR_STATE_CHANGE_RUNNING len:0\n"
        );
    }

    #[test]
    fn every_name_round_trips_and_matches_the_config_list() {
        let names: Vec<&str> = EventType::ALL
            .iter()
            .map(|event_type| event_type.name())
            .collect();
        assert_eq!(names, crate::config::parse::EVENT_TYPES);
        for event_type in EventType::ALL {
            assert_eq!(EventType::from_name(event_type.name()), Some(event_type));
        }
        assert_eq!(EventType::from_name("process_state"), None);
        assert_eq!(
            EventType::from_name("PROCESS_STATE_STARTING_OR_BACKOFF"),
            None
        );
        assert_eq!(
            EventType::ALL
                .iter()
                .filter(|event_type| event_type.is_abstract())
                .count(),
            7
        );
    }

    fn check_is_a(concrete: &str, matching: &[&str]) {
        let concrete = EventType::from_name(concrete).expect("a known name");
        let actual: Vec<&str> = EventType::ALL
            .into_iter()
            .filter(|subscribed| concrete.is_a(*subscribed))
            .map(EventType::name)
            .collect();
        assert_eq!(actual, matching, "{concrete}");
    }

    // For each concrete type, the subscriptions that receive it (Python: `isinstance(event, EventTypes.X)` over all X).
    #[test]
    fn subscription_matching_follows_supervisors_class_hierarchy() {
        let cases: [(&str, &[&str]); 20] = [
            (
                "PROCESS_STATE_STOPPED",
                &["EVENT", "PROCESS_STATE", "PROCESS_STATE_STOPPED"],
            ),
            (
                "PROCESS_STATE_EXITED",
                &["EVENT", "PROCESS_STATE", "PROCESS_STATE_EXITED"],
            ),
            (
                "PROCESS_STATE_STARTING",
                &["EVENT", "PROCESS_STATE", "PROCESS_STATE_STARTING"],
            ),
            (
                "PROCESS_STATE_STOPPING",
                &["EVENT", "PROCESS_STATE", "PROCESS_STATE_STOPPING"],
            ),
            (
                "PROCESS_STATE_BACKOFF",
                &["EVENT", "PROCESS_STATE", "PROCESS_STATE_BACKOFF"],
            ),
            (
                "PROCESS_STATE_FATAL",
                &["EVENT", "PROCESS_STATE", "PROCESS_STATE_FATAL"],
            ),
            (
                "PROCESS_STATE_RUNNING",
                &["EVENT", "PROCESS_STATE", "PROCESS_STATE_RUNNING"],
            ),
            (
                "PROCESS_STATE_UNKNOWN",
                &["EVENT", "PROCESS_STATE", "PROCESS_STATE_UNKNOWN"],
            ),
            (
                "PROCESS_COMMUNICATION_STDOUT",
                &[
                    "EVENT",
                    "PROCESS_COMMUNICATION",
                    "PROCESS_COMMUNICATION_STDOUT",
                ],
            ),
            (
                "PROCESS_COMMUNICATION_STDERR",
                &[
                    "EVENT",
                    "PROCESS_COMMUNICATION",
                    "PROCESS_COMMUNICATION_STDERR",
                ],
            ),
            (
                "PROCESS_LOG_STDOUT",
                &["EVENT", "PROCESS_LOG", "PROCESS_LOG_STDOUT"],
            ),
            (
                "PROCESS_LOG_STDERR",
                &["EVENT", "PROCESS_LOG", "PROCESS_LOG_STDERR"],
            ),
            ("REMOTE_COMMUNICATION", &["EVENT", "REMOTE_COMMUNICATION"]),
            (
                "SUPERVISOR_STATE_CHANGE_RUNNING",
                &[
                    "EVENT",
                    "SUPERVISOR_STATE_CHANGE",
                    "SUPERVISOR_STATE_CHANGE_RUNNING",
                ],
            ),
            (
                "SUPERVISOR_STATE_CHANGE_STOPPING",
                &[
                    "EVENT",
                    "SUPERVISOR_STATE_CHANGE",
                    "SUPERVISOR_STATE_CHANGE_STOPPING",
                ],
            ),
            ("TICK_5", &["EVENT", "TICK", "TICK_5"]),
            ("TICK_60", &["EVENT", "TICK", "TICK_60"]),
            ("TICK_3600", &["EVENT", "TICK", "TICK_3600"]),
            (
                "PROCESS_GROUP_ADDED",
                &["EVENT", "PROCESS_GROUP", "PROCESS_GROUP_ADDED"],
            ),
            (
                "PROCESS_GROUP_REMOVED",
                &["EVENT", "PROCESS_GROUP", "PROCESS_GROUP_REMOVED"],
            ),
        ];
        for (concrete, matching) in cases {
            check_is_a(concrete, matching);
        }
    }

    #[test]
    fn abstract_types_are_not_instances_of_their_subtypes() {
        assert!(!EventType::ProcessState.is_a(EventType::ProcessStateRunning));
        assert!(!EventType::Event.is_a(EventType::Tick));
        assert!(EventType::Tick.is_a(EventType::Event));
    }

    #[test]
    fn serials_start_at_zero_and_wrap_after_maxsize() {
        let mut counter = SerialCounter::new();
        assert_eq!(counter.last(), None);
        assert_eq!(
            [
                counter.next_serial(),
                counter.next_serial(),
                counter.next_serial()
            ],
            [0, 1, 2]
        );
        let mut counter = SerialCounter::starting_after(MAX_SERIAL - 1);
        assert_eq!(
            [
                counter.next_serial(),
                counter.next_serial(),
                counter.next_serial()
            ],
            [MAX_SERIAL, 0, 1]
        );
    }
}
