//! The event listener protocol as supervisord reads it from one listener's stdout (`PEventListenerDispatcher` in
//! `supervisor/dispatchers.py`, with `default_handler`).
//!
//! It owns the listener state (ACKNOWLEDGED, READY, BUSY, UNKNOWN), the bytes read but not yet understood, the
//! `RESULT <len>\n<body>` parsing across reads, the result handler's verdict and the main-log lines of all that. One
//! value lives for one spawn of the listener process (Supervisor makes a new dispatcher, in ACKNOWLEDGED, at every
//! spawn). It does not hold the event being processed, buffer events or write to the listener: the pool does, and
//! reads the [`ProtocolStep`]s this returns to learn when the event is done or must be sent again.

use std::fmt;

use crate::config::spec::LogLevel;

use super::types::py_bytes_repr;

/// `READY_FOR_EVENTS_TOKEN`.
pub const READY_TOKEN: &[u8] = b"READY\n";
/// `RESULT_TOKEN_START`: only its length matters, the bytes are never checked.
pub const RESULT_TOKEN_START: &[u8] = b"RESULT ";

/// What `int()` accepts before it refuses a decimal string (`sys.get_int_max_str_digits()` on Python 3.11).
const PYTHON_INT_MAX_STR_DIGITS: usize = 4300;

/// A listener's protocol state, with Supervisor's codes (`supervisor.states.EventListenerStates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListenerState {
    Ready,
    Busy,
    Acknowledged,
    Unknown,
}

impl ListenerState {
    pub const ALL: [ListenerState; 4] = [
        ListenerState::Ready,
        ListenerState::Busy,
        ListenerState::Acknowledged,
        ListenerState::Unknown,
    ];

    pub fn code(self) -> i64 {
        match self {
            ListenerState::Ready => 10,
            ListenerState::Busy => 20,
            ListenerState::Acknowledged => 30,
            ListenerState::Unknown => 40,
        }
    }

    pub fn from_code(code: i64) -> Option<ListenerState> {
        ListenerState::ALL
            .into_iter()
            .find(|state| state.code() == code)
    }

    /// `getEventListenerStateDescription`.
    pub fn name(self) -> &'static str {
        match self {
            ListenerState::Ready => "READY",
            ListenerState::Busy => "BUSY",
            ListenerState::Acknowledged => "ACKNOWLEDGED",
            ListenerState::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for ListenerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What reading some output did, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolStep {
    /// A main-log line.
    Log { level: LogLevel, message: String },
    /// The listener state changed.
    StateChanged {
        from: ListenerState,
        to: ListenerState,
    },
    /// The result handler accepted the event in flight: it is done.
    Processed,
    /// The event in flight came back (`EventRejectedEvent`): the pool puts it back at the head of its buffer.
    Rejected,
}

/// The length announced on a `RESULT` line, as Python's `int()` read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResultLength {
    /// Saturated: a length past `u64::MAX` never completes either way.
    Bytes(u64),
    /// A negative length. Supervisor's dispatcher then recurses without end on the next byte it reads and its main
    /// loop closes the stdout channel (`handle_error`); see [`ListenerProtocol::feed`].
    Negative,
}

/// One listener's stdout protocol for one spawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerProtocol {
    /// `process.config.name`, for the log lines.
    processname: String,
    state: ListenerState,
    /// `state_buffer`: bytes read and not yet consumed.
    pending: Vec<u8>,
    /// The result body gathered so far.
    result: Vec<u8>,
    /// `resultlen`: set once the `RESULT` line has been read.
    result_length: Option<ResultLength>,
    /// Supervisor's dispatcher failed and closed the channel: nothing read from now on is interpreted.
    channel_closed: bool,
}

impl ListenerProtocol {
    /// A freshly spawned listener: ACKNOWLEDGED, waiting for `READY\n`.
    pub fn new(processname: &str) -> ListenerProtocol {
        ListenerProtocol {
            processname: processname.to_string(),
            state: ListenerState::Acknowledged,
            pending: Vec::new(),
            result: Vec::new(),
            result_length: None,
            channel_closed: false,
        }
    }

    pub fn state(&self) -> ListenerState {
        self.state
    }

    pub fn processname(&self) -> &str {
        &self.processname
    }

    /// Whether the stdout channel was closed after a protocol failure Supervisor does not survive (a negative
    /// result length); the listener then keeps its state until it exits.
    pub fn is_channel_closed(&self) -> bool {
        self.channel_closed
    }

    /// Bytes read and not yet consumed, plus the partial result body: what the protocol is holding.
    pub fn held_bytes(&self) -> usize {
        self.pending.len() + self.result.len()
    }

    /// The pool wrote an event to the listener: READY becomes BUSY. Supervisor sets the state directly here, with
    /// no log line. Returns the change, or `None` when the listener was not READY (then nothing changes).
    pub fn event_sent(&mut self) -> Option<ProtocolStep> {
        if self.state != ListenerState::Ready {
            return None;
        }
        self.state = ListenerState::Busy;
        Some(ProtocolStep::StateChanged {
            from: ListenerState::Ready,
            to: ListenerState::Busy,
        })
    }

    /// The write of the event failed because the listener's stdin is closed: Supervisor never left READY in that
    /// case (it catches EPIPE before setting BUSY), so undo [`ListenerProtocol::event_sent`]. Nothing was answered
    /// yet, so any partial result is dropped with it.
    pub fn event_not_sent(&mut self) -> Option<ProtocolStep> {
        if self.state != ListenerState::Busy {
            return None;
        }
        self.state = ListenerState::Ready;
        self.result.clear();
        self.result_length = None;
        Some(ProtocolStep::StateChanged {
            from: ListenerState::Busy,
            to: ListenerState::Ready,
        })
    }

    /// Bytes the listener wrote to its stdout (`handle_listener_state_change` after one read). Chunks may split or
    /// join tokens anywhere; what cannot be decided yet is kept for the next call.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<ProtocolStep> {
        let mut steps = Vec::new();
        if self.channel_closed {
            return steps;
        }
        self.pending.extend_from_slice(bytes);
        // Supervisor recurses "til it's too short"; each turn of this loop is one of its calls.
        while !self.pending.is_empty() {
            match self.state {
                ListenerState::Unknown => {
                    // A fatal state: everything is discarded.
                    self.pending.clear();
                }
                ListenerState::Acknowledged => {
                    if self.pending.len() < READY_TOKEN.len() {
                        // Not enough to make a decision.
                        break;
                    }
                    if self.pending.starts_with(READY_TOKEN) {
                        self.change_state(ListenerState::Ready, &mut steps);
                        self.pending.drain(..READY_TOKEN.len());
                    } else {
                        self.change_state(ListenerState::Unknown, &mut steps);
                        self.pending.clear();
                    }
                }
                ListenerState::Ready => {
                    // The listener sent spurious data; Supervisor is strict about it.
                    self.change_state(ListenerState::Unknown, &mut steps);
                    self.pending.clear();
                }
                ListenerState::Busy => match self.result_length {
                    None => {
                        let Some(newline) = self.pending.iter().position(|&byte| byte == b'\n')
                        else {
                            // No full result line yet.
                            break;
                        };
                        let line: Vec<u8> = self.pending.drain(..=newline).take(newline).collect();
                        let length_text = line.get(RESULT_TOKEN_START.len()..).unwrap_or(&[]);
                        match parse_python_int(length_text) {
                            Some(length) => self.result_length = Some(length),
                            None => {
                                let shown = match std::str::from_utf8(&line) {
                                    Ok(text) => text.to_string(),
                                    Err(_) => format!("Undecodable: {}", py_bytes_repr(&line)),
                                };
                                steps.push(ProtocolStep::Log {
                                    level: LogLevel::Warn,
                                    message: format!(
                                        "{}: bad result line: '{shown}'",
                                        self.processname
                                    ),
                                });
                                self.change_state(ListenerState::Unknown, &mut steps);
                                self.pending.clear();
                                steps.push(ProtocolStep::Rejected);
                                // Supervisor returns here without looking at the rest.
                                break;
                            }
                        }
                    }
                    Some(ResultLength::Negative) => {
                        // Supervisor's `needed` is negative and never reaches 0: it slices the buffer and recurses
                        // until Python raises RecursionError, and its main loop then closes the stdout channel. The
                        // listener stays BUSY with its event until the process exits (then the event is resent).
                        steps.push(ProtocolStep::Log {
                            level: LogLevel::Critical,
                            message: format!(
                                "{}: negative length on a RESULT line, closing its stdout channel; the event it holds \
                                 is sent again when it exits",
                                self.processname
                            ),
                        });
                        self.pending.clear();
                        self.channel_closed = true;
                        break;
                    }
                    Some(ResultLength::Bytes(length)) => {
                        let needed = length.saturating_sub(self.result.len() as u64);
                        let take = usize::try_from(needed)
                            .unwrap_or(usize::MAX)
                            .min(self.pending.len());
                        self.result.extend(self.pending.drain(..take));
                        if self.result.len() as u64 == length {
                            let result = std::mem::take(&mut self.result);
                            self.result_length = None;
                            self.handle_result(&result, &mut steps);
                        }
                    }
                },
            }
        }
        steps
    }

    /// `handle_result` with `default_handler`: exactly `OK` accepts the event, anything else rejects it
    /// (`RejectEvent`). Either way the listener is ACKNOWLEDGED and must say `READY` again.
    fn handle_result(&mut self, result: &[u8], steps: &mut Vec<ProtocolStep>) {
        if result == b"OK" {
            steps.push(ProtocolStep::Log {
                level: LogLevel::Debug,
                message: format!("{}: event was processed", self.processname),
            });
            self.change_state(ListenerState::Acknowledged, steps);
            steps.push(ProtocolStep::Processed);
        } else {
            steps.push(ProtocolStep::Log {
                level: LogLevel::Warn,
                message: format!("{}: event was rejected", self.processname),
            });
            self.change_state(ListenerState::Acknowledged, steps);
            steps.push(ProtocolStep::Rejected);
        }
    }

    /// `_change_listener_state`: a debug line for every change, a warning on entering UNKNOWN.
    fn change_state(&mut self, new_state: ListenerState, steps: &mut Vec<ProtocolStep>) {
        let old_state = self.state;
        steps.push(ProtocolStep::Log {
            level: LogLevel::Debug,
            message: format!("{}: {old_state} -> {new_state}", self.processname),
        });
        self.state = new_state;
        steps.push(ProtocolStep::StateChanged {
            from: old_state,
            to: new_state,
        });
        if new_state == ListenerState::Unknown {
            steps.push(ProtocolStep::Log {
                level: LogLevel::Warn,
                message: format!(
                    "{}: has entered the UNKNOWN state and will no longer receive events, this usually indicates \
                     the process violated the eventlistener protocol",
                    self.processname
                ),
            });
        }
    }
}

/// Python's `int(bytes)` in base 10: ASCII whitespace around, an optional sign, digits with single underscores
/// between them, at most 4300 digits. `None` where Python raises ValueError.
fn parse_python_int(text: &[u8]) -> Option<ResultLength> {
    let is_space = |byte: &u8| matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let start = text.iter().position(|byte| !is_space(byte))?;
    let end = text.iter().rposition(|byte| !is_space(byte))? + 1;
    let mut body = &text[start..end];
    let negative = match body.first() {
        Some(b'-') => {
            body = &body[1..];
            true
        }
        Some(b'+') => {
            body = &body[1..];
            false
        }
        _ => false,
    };
    if body.is_empty() || body[0] == b'_' || body[body.len() - 1] == b'_' {
        return None;
    }
    let mut value: u64 = 0;
    let mut n_digits = 0usize;
    let mut previous_was_underscore = false;
    for &byte in body {
        match byte {
            b'0'..=b'9' => {
                n_digits += 1;
                value = value
                    .saturating_mul(10)
                    .saturating_add(u64::from(byte - b'0'));
                previous_was_underscore = false;
            }
            b'_' if !previous_was_underscore => previous_was_underscore = true,
            _ => return None,
        }
    }
    if n_digits > PYTHON_INT_MAX_STR_DIGITS {
        return None;
    }
    if negative && value != 0 {
        Some(ResultLength::Negative)
    } else {
        Some(ResultLength::Bytes(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders steps as lines: `log DEBG message`, `state A -> B`, `processed`, `rejected`.
    fn render(steps: &[ProtocolStep]) -> Vec<String> {
        steps
            .iter()
            .map(|step| match step {
                ProtocolStep::Log { level, message } => format!("log {} {message}", level.tag()),
                ProtocolStep::StateChanged { from, to } => format!("state {from} -> {to}"),
                ProtocolStep::Processed => "processed".to_string(),
                ProtocolStep::Rejected => "rejected".to_string(),
            })
            .collect()
    }

    /// Drives one spawn of listener `l` through a transcript: `>` lines are chunks it writes (Rust escapes), `send`
    /// marks an event written to it; every other non-blank line is an expected step of the input before it. The
    /// final state is checked against `final_state`.
    fn check(transcript: &str, final_state: ListenerState) {
        let mut protocol = ListenerProtocol::new("l");
        let mut actual = Vec::new();
        for line in transcript
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
        {
            if let Some(chunk) = line.strip_prefix("> ") {
                actual.push(line.to_string());
                let bytes = unescape(chunk);
                actual.extend(render(&protocol.feed(&bytes)));
            } else if line == "send" {
                actual.push(line.to_string());
                actual.extend(render(
                    &protocol.event_sent().into_iter().collect::<Vec<_>>(),
                ));
            }
        }
        let expected: Vec<String> = transcript
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_string)
            .collect();
        assert_eq!(actual, expected, "\n{transcript}");
        assert_eq!(protocol.state(), final_state, "\n{transcript}");
    }

    /// `\n`, `\r`, `\t`, `\\`, `\xNN`, `\s` (a space, so chunks can end in one).
    fn unescape(text: &str) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                let mut buffer = [0; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                continue;
            }
            match chars.next() {
                Some('n') => bytes.push(b'\n'),
                Some('r') => bytes.push(b'\r'),
                Some('t') => bytes.push(b'\t'),
                Some('s') => bytes.push(b' '),
                Some('\\') => bytes.push(b'\\'),
                Some('x') => {
                    let hex: String = chars.by_ref().take(2).collect();
                    bytes.push(u8::from_str_radix(&hex, 16).expect("two hex digits"));
                }
                other => panic!("bad escape {other:?}"),
            }
        }
        bytes
    }

    const READY: &str = "log DEBG l: ACKNOWLEDGED -> READY\nstate ACKNOWLEDGED -> READY";
    const UNKNOWN_WARNING: &str = "log WARN l: has entered the UNKNOWN state and will no longer receive events, this \
                                   usually indicates the process violated the eventlistener protocol";

    fn transcript(parts: &[&str]) -> String {
        parts.join("\n")
    }

    #[test]
    fn ready_then_ok() {
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT 2\\nOK",
                "log DEBG l: event was processed",
                "log DEBG l: BUSY -> ACKNOWLEDGED",
                "state BUSY -> ACKNOWLEDGED",
                "processed",
            ]),
            ListenerState::Acknowledged,
        );
    }

    #[test]
    fn fail_rejects_the_event() {
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT 4\\nFAIL",
                "log WARN l: event was rejected",
                "log DEBG l: BUSY -> ACKNOWLEDGED",
                "state BUSY -> ACKNOWLEDGED",
                "rejected",
            ]),
            ListenerState::Acknowledged,
        );
    }

    #[test]
    fn result_and_ready_in_one_write() {
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT 2\\nOKREADY\\n",
                "log DEBG l: event was processed",
                "log DEBG l: BUSY -> ACKNOWLEDGED",
                "state BUSY -> ACKNOWLEDGED",
                "processed",
                READY,
            ]),
            ListenerState::Ready,
        );
    }

    #[test]
    fn every_token_split_byte_by_byte() {
        let mut lines = Vec::new();
        for byte in ["R", "E", "A", "D", "Y"] {
            lines.push(format!("> {byte}"));
        }
        lines.push("> \\n".to_string());
        lines.push(READY.to_string());
        lines.push("send".to_string());
        lines.push("state READY -> BUSY".to_string());
        for byte in ["R", "E", "S", "U", "L", "T", "\\s", "2", "\\n", "O"] {
            lines.push(format!("> {byte}"));
        }
        lines.push("> K".to_string());
        lines.push("log DEBG l: event was processed".to_string());
        lines.push("log DEBG l: BUSY -> ACKNOWLEDGED".to_string());
        lines.push("state BUSY -> ACKNOWLEDGED".to_string());
        lines.push("processed".to_string());
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        check(&transcript(&lines), ListenerState::Acknowledged);
    }

    #[test]
    fn a_result_body_may_hold_newlines_and_arrive_in_pieces() {
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT 5\\nFA",
                "> I\\nL",
                "log WARN l: event was rejected",
                "log DEBG l: BUSY -> ACKNOWLEDGED",
                "state BUSY -> ACKNOWLEDGED",
                "rejected",
            ]),
            ListenerState::Acknowledged,
        );
    }

    #[test]
    fn the_result_keyword_is_not_checked() {
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> xxxxxxx2\\nOK",
                "log DEBG l: event was processed",
                "log DEBG l: BUSY -> ACKNOWLEDGED",
                "state BUSY -> ACKNOWLEDGED",
                "processed",
            ]),
            ListenerState::Acknowledged,
        );
    }

    // Python's int() strips whitespace, so a CRLF line still parses.
    #[test]
    fn python_int_rules_for_the_length() {
        let processed = [
            "log DEBG l: event was processed",
            "log DEBG l: BUSY -> ACKNOWLEDGED",
            "state BUSY -> ACKNOWLEDGED",
            "processed",
        ];
        for line in [
            "RESULT 2\\r\\n",
            "RESULT\\s\\s+2\\s\\n",
            "RESULT 0_2\\n",
            "RESULT 002\\n",
            "RESULT \\x0b2\\x0c\\n",
        ] {
            let mut parts = vec!["> READY\\n", READY, "send", "state READY -> BUSY"];
            let chunk = format!("> {line}OK");
            parts.push(&chunk);
            parts.extend(processed);
            check(&transcript(&parts), ListenerState::Acknowledged);
        }
    }

    #[test]
    fn a_bad_result_line_makes_the_listener_unknown_and_rejects() {
        let cases = [
            ("RESULT x\\n", "RESULT x"),
            ("RESULT \\n", "RESULT "),
            ("OK\\n", "OK"),
            ("RESULT 1__0\\n", "RESULT 1__0"),
            ("RESULT _1\\n", "RESULT _1"),
            ("RESULT 0x10\\n", "RESULT 0x10"),
            ("RESULT - 1\\n", "RESULT - 1"),
            ("RESULT 2\\x00\\n", "RESULT 2\u{0}"),
            ("RESULT é\\n", "RESULT é"),
            ("RESULT \\xff\\n", "Undecodable: b'RESULT \\xff'"),
        ];
        for (chunk, shown) in cases {
            let chunk_line = format!("> {chunk}READY\\n");
            let warning = format!("log WARN l: bad result line: '{shown}'");
            check(
                &transcript(&[
                    "> READY\\n",
                    READY,
                    "send",
                    "state READY -> BUSY",
                    &chunk_line,
                    &warning,
                    "log DEBG l: BUSY -> UNKNOWN",
                    "state BUSY -> UNKNOWN",
                    UNKNOWN_WARNING,
                    "rejected",
                    "> READY\\n",
                ]),
                ListenerState::Unknown,
            );
        }
    }

    #[test]
    fn more_than_4300_digits_is_a_bad_result_line() {
        let mut protocol = ListenerProtocol::new("l");
        protocol.feed(b"READY\n");
        protocol.event_sent();
        let mut line = b"RESULT ".to_vec();
        line.extend(std::iter::repeat_n(b'0', 4300));
        line.push(b'\n');
        let steps = protocol.feed(&line);
        assert_eq!(protocol.state(), ListenerState::Busy, "{steps:?}");
        let mut line = b"RESULT ".to_vec();
        line.extend(std::iter::repeat_n(b'0', 4301));
        line.push(b'\n');
        let mut protocol = ListenerProtocol::new("l");
        protocol.feed(b"READY\n");
        protocol.event_sent();
        let steps = protocol.feed(&line);
        assert_eq!(protocol.state(), ListenerState::Unknown);
        assert_eq!(steps.last(), Some(&ProtocolStep::Rejected));
    }

    #[test]
    fn garbage_instead_of_ready_makes_the_listener_unknown() {
        check(
            &transcript(&[
                "> READ",
                "> X\\nmore",
                "log DEBG l: ACKNOWLEDGED -> UNKNOWN",
                "state ACKNOWLEDGED -> UNKNOWN",
                UNKNOWN_WARNING,
                "> READY\\n",
            ]),
            ListenerState::Unknown,
        );
        check(
            &transcript(&[
                "> ready\\n",
                "log DEBG l: ACKNOWLEDGED -> UNKNOWN",
                "state ACKNOWLEDGED -> UNKNOWN",
                UNKNOWN_WARNING,
            ]),
            ListenerState::Unknown,
        );
    }

    #[test]
    fn anything_while_ready_is_spurious() {
        check(
            &transcript(&[
                "> READY\\nREADY\\n",
                READY,
                "log DEBG l: READY -> UNKNOWN",
                "state READY -> UNKNOWN",
                UNKNOWN_WARNING,
            ]),
            ListenerState::Unknown,
        );
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "> \\n",
                "log DEBG l: READY -> UNKNOWN",
                "state READY -> UNKNOWN",
                UNKNOWN_WARNING,
            ]),
            ListenerState::Unknown,
        );
    }

    #[test]
    fn short_input_waits() {
        check("> READY", ListenerState::Acknowledged);
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT 2",
            ]),
            ListenerState::Busy,
        );
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT 3\\nOK",
            ]),
            ListenerState::Busy,
        );
    }

    // Supervisor decides a zero-length result only when more output comes after the RESULT line: it leaves the call
    // that read the line without looking at the result.
    #[test]
    fn a_zero_length_result_waits_for_more_output() {
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT 0\\n",
                "> READY\\n",
                "log WARN l: event was rejected",
                "log DEBG l: BUSY -> ACKNOWLEDGED",
                "state BUSY -> ACKNOWLEDGED",
                "rejected",
                READY,
            ]),
            ListenerState::Ready,
        );
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT -0\\nREA",
                "log WARN l: event was rejected",
                "log DEBG l: BUSY -> ACKNOWLEDGED",
                "state BUSY -> ACKNOWLEDGED",
                "rejected",
                "> DY\\n",
                READY,
            ]),
            ListenerState::Ready,
        );
    }

    #[test]
    fn a_negative_length_closes_the_channel_at_the_next_byte() {
        let closing = "log CRIT l: negative length on a RESULT line, closing its stdout channel; the event it holds is \
                       sent again when it exits";
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT -2\\n",
                "> OK",
                closing,
                "> RESULT 2\\nOK",
            ]),
            ListenerState::Busy,
        );
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT -1\\nOK",
                closing,
            ]),
            ListenerState::Busy,
        );
    }

    #[test]
    fn output_before_an_event_was_sent_is_not_a_result() {
        // Still ACKNOWLEDGED after a result: a RESULT line there is not READY.
        check(
            &transcript(&[
                "> READY\\n",
                READY,
                "send",
                "state READY -> BUSY",
                "> RESULT 2\\nOKRESULT 2\\nOK",
                "log DEBG l: event was processed",
                "log DEBG l: BUSY -> ACKNOWLEDGED",
                "state BUSY -> ACKNOWLEDGED",
                "processed",
                "log DEBG l: ACKNOWLEDGED -> UNKNOWN",
                "state ACKNOWLEDGED -> UNKNOWN",
                UNKNOWN_WARNING,
            ]),
            ListenerState::Unknown,
        );
    }

    #[test]
    fn event_sent_only_from_ready() {
        let mut protocol = ListenerProtocol::new("l");
        assert_eq!(protocol.event_sent(), None);
        protocol.feed(b"READY\n");
        assert!(protocol.event_sent().is_some());
        assert_eq!(protocol.event_sent(), None);
        assert_eq!(protocol.state(), ListenerState::Busy);
        protocol.feed(b"RESULT 2\nO");
        assert!(protocol.event_not_sent().is_some());
        assert_eq!(protocol.state(), ListenerState::Ready);
        assert_eq!(protocol.held_bytes(), 0);
    }

    #[test]
    fn codes_are_supervisors() {
        let codes: Vec<(i64, &str)> = ListenerState::ALL
            .iter()
            .map(|state| (state.code(), state.name()))
            .collect();
        assert_eq!(
            codes,
            [
                (10, "READY"),
                (20, "BUSY"),
                (30, "ACKNOWLEDGED"),
                (40, "UNKNOWN")
            ]
        );
        for state in ListenerState::ALL {
            assert_eq!(ListenerState::from_code(state.code()), Some(state));
        }
        assert_eq!(ListenerState::from_code(0), None);
    }
}
