//! Capture mode: the scanner that splits one channel's output between the normal log and the capture buffer.
//!
//! A port of `POutputDispatcher.record_output` and `toggle_capturemode` (Supervisor 4.3.0, `dispatchers.py`) with
//! the `BoundIO` capture buffer of `loggers.py`. Text between `<!--XSUPERVISOR:BEGIN-->` and
//! `<!--XSUPERVISOR:END-->` goes to a buffer bounded by `*_capture_maxbytes`; at END the buffer becomes a
//! `PROCESS_COMMUNICATION_*` payload. With `capture_maxbytes = 0` the scanner is a passthrough.
//!
//! Pure: it owns the held look-ahead bytes, the mode and the capture buffer, and returns what to do as data. It does
//! not write files, emit events or echo to the main log; the output path does that with each [`CaptureOutput`]:
//! a `Log` piece goes to the log file and syslog, and both `Log` and `Captured` pieces go to the debug main log and
//! to `PROCESS_LOG_*` events (Supervisor emits those for captured text too).

use std::borrow::Cow;

use crate::logs::ansi::strip_ansi;

/// `ProcessCommunicationEvent.BEGIN_TOKEN`.
pub const BEGIN_TOKEN: &[u8] = b"<!--XSUPERVISOR:BEGIN-->";
/// `ProcessCommunicationEvent.END_TOKEN`.
pub const END_TOKEN: &[u8] = b"<!--XSUPERVISOR:END-->";

/// One thing the output path must do with a piece of child output, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureOutput {
    /// Bytes for the normal log (file and syslog). After `strip_ansi` this can be empty when the raw piece was not;
    /// Supervisor still passes it on (an empty write, and a `PROCESS_LOG_*` event with empty data).
    Log(Vec<u8>),
    /// Bytes that went into the capture buffer (already appended by the scanner).
    Captured(Vec<u8>),
    /// END closed a capture: the capture buffer's contents, the payload of `PROCESS_COMMUNICATION_STDOUT`/`_STDERR`.
    CommEvent(Vec<u8>),
}

/// The capture-mode state of one channel (stdout or stderr) of one process, for the life of one spawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureScanner {
    /// `*_capture_maxbytes`, default 0 (off). Any non-zero value turns capture on, as Supervisor's truth test does;
    /// a negative one makes every captured piece replace the buffer.
    capture_maxbytes: i64,
    /// `[supervisord] strip_ansi`, applied to each piece before it is logged or captured.
    strip_ansi: bool,
    /// `output_buffer`: bytes read but not yet logged, kept back because they may start a token.
    held: Vec<u8>,
    /// `capturemode`: between BEGIN and END.
    capturing: bool,
    /// The `BoundIO` buffer of the capture log.
    capture_buffer: Vec<u8>,
}

impl CaptureScanner {
    pub fn new(capture_maxbytes: i64, strip_ansi: bool) -> Self {
        CaptureScanner {
            capture_maxbytes,
            strip_ansi,
            held: Vec::new(),
            capturing: false,
            capture_buffer: Vec::new(),
        }
    }

    /// Takes one chunk read from the child's pipe and returns what to log, capture and emit, in order.
    ///
    /// With capture on, output is held while the held bytes are no longer than the token looked for
    /// (24 bytes in normal mode, 22 in capture mode): `printf short; exit` logs nothing, as in Supervisor. Held
    /// bytes are never flushed at EOF, for the same reason.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<CaptureOutput> {
        let mut outputs = Vec::new();
        if self.capture_maxbytes == 0 {
            // No capture log: Supervisor logs the whole buffer at once, without looking for tokens.
            self.record(chunk, &mut outputs);
            return outputs;
        }
        self.held.extend_from_slice(chunk);
        loop {
            let token = if self.capturing {
                END_TOKEN
            } else {
                BEGIN_TOKEN
            };
            if self.held.len() <= token.len() {
                break;
            }
            let data = std::mem::take(&mut self.held);
            match find(&data, token) {
                Some(token_start) => {
                    self.record(&data[..token_start], &mut outputs);
                    self.toggle_capture_mode(&mut outputs);
                    self.held = data[token_start + token.len()..].to_vec();
                }
                None => {
                    let kept_back = longest_token_prefix_at_end(&data, token);
                    let logged_len = data.len() - kept_back;
                    self.record(&data[..logged_len], &mut outputs);
                    self.held = data[logged_len..].to_vec();
                    break;
                }
            }
        }
        outputs
    }

    /// Whether the channel is between BEGIN and END.
    pub fn is_capturing(&self) -> bool {
        self.capturing
    }

    /// Bytes read but not yet logged.
    pub fn held(&self) -> &[u8] {
        &self.held
    }

    /// The capture buffer as it is now (`capturelog.getvalue()`).
    pub fn capture_buffer(&self) -> &[u8] {
        &self.capture_buffer
    }

    /// `clearProcessLogs` also clears the capture log (`BoundIO.clear`); the mode and held bytes are kept.
    pub fn clear_capture_buffer(&mut self) {
        self.capture_buffer.clear();
    }

    /// `_log`: one piece of output to the current sink. Empty pieces are skipped before stripping, as in Supervisor.
    fn record(&mut self, piece: &[u8], outputs: &mut Vec<CaptureOutput>) {
        if piece.is_empty() {
            return;
        }
        let data = if self.strip_ansi {
            strip_ansi(piece)
        } else {
            Cow::Borrowed(piece)
        };
        if self.capturing {
            self.append_to_capture_buffer(&data);
            outputs.push(CaptureOutput::Captured(data.into_owned()));
        } else {
            outputs.push(CaptureOutput::Log(data.into_owned()));
        }
    }

    /// `BoundIO.write`: when the new piece would overflow the bound, drop as many bytes from the front as the
    /// piece is long (not as many as overflow), then append. One large piece can therefore exceed the bound.
    fn append_to_capture_buffer(&mut self, piece: &[u8]) {
        let new_len = self.capture_buffer.len() as i128 + piece.len() as i128;
        if new_len > i128::from(self.capture_maxbytes) {
            let dropped = piece.len().min(self.capture_buffer.len());
            self.capture_buffer.drain(..dropped);
        }
        self.capture_buffer.extend_from_slice(piece);
    }

    /// `toggle_capturemode`: leaving capture mode emits the buffer as a comm event and clears it.
    fn toggle_capture_mode(&mut self, outputs: &mut Vec<CaptureOutput>) {
        self.capturing = !self.capturing;
        if !self.capturing {
            outputs.push(CaptureOutput::CommEvent(std::mem::take(
                &mut self.capture_buffer,
            )));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// medusa's `find_prefix_at_end`: the length of the longest proper prefix of `token` that `data` ends with.
fn longest_token_prefix_at_end(data: &[u8], token: &[u8]) -> usize {
    (1..token.len())
        .rev()
        .find(|&prefix_len| data.ends_with(&token[..prefix_len]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, PartialEq, Eq)]
    enum Expected {
        Log(&'static [u8]),
        Captured(&'static [u8]),
        CommEvent(&'static [u8]),
    }
    use Expected::{Captured, CommEvent, Log};

    struct Case {
        name: &'static str,
        capture_maxbytes: i64,
        strip_ansi: bool,
        chunks: &'static [&'static [u8]],
        outputs: &'static [Expected],
        held: &'static [u8],
        capturing: bool,
    }

    fn check(case: &Case) {
        let mut scanner = CaptureScanner::new(case.capture_maxbytes, case.strip_ansi);
        let mut outputs = Vec::new();
        for chunk in case.chunks {
            outputs.extend(scanner.feed(chunk));
        }
        let rendered: Vec<String> = outputs.iter().map(render).collect();
        let expected: Vec<String> = case.outputs.iter().map(render_expected).collect();
        assert_eq!(rendered, expected, "{}: outputs", case.name);
        assert_eq!(
            String::from_utf8_lossy(scanner.held()),
            String::from_utf8_lossy(case.held),
            "{}: held",
            case.name
        );
        assert_eq!(
            scanner.is_capturing(),
            case.capturing,
            "{}: capturing",
            case.name
        );
    }

    fn render(output: &CaptureOutput) -> String {
        match output {
            CaptureOutput::Log(bytes) => format!("Log({:?})", String::from_utf8_lossy(bytes)),
            CaptureOutput::Captured(bytes) => {
                format!("Captured({:?})", String::from_utf8_lossy(bytes))
            }
            CaptureOutput::CommEvent(bytes) => {
                format!("CommEvent({:?})", String::from_utf8_lossy(bytes))
            }
        }
    }

    fn render_expected(output: &Expected) -> String {
        render(&match output {
            Log(bytes) => CaptureOutput::Log(bytes.to_vec()),
            Captured(bytes) => CaptureOutput::Captured(bytes.to_vec()),
            CommEvent(bytes) => CaptureOutput::CommEvent(bytes.to_vec()),
        })
    }

    /// Every expectation below is what Supervisor 4.3.0's `POutputDispatcher` did with the same chunks (a real
    /// dispatcher with a real `BoundIO` capture log, recording each `_log` call and each comm event).
    #[test]
    fn matches_supervisor_record_output() {
        let cases = [
        Case {
            name: "passthrough logs every chunk at once",
            capture_maxbytes: 0,
            strip_ansi: false,
            chunks: &[b"hi", b"", b"there\n"],
            outputs: &[Log(b"hi"), Log(b"there\n")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "passthrough logs a token as text",
            capture_maxbytes: 0,
            strip_ansi: false,
            chunks: &[b"<!--XSUPERVISOR:BEGIN-->x<!--XSUPERVISOR:END-->"],
            outputs: &[Log(b"<!--XSUPERVISOR:BEGIN-->x<!--XSUPERVISOR:END-->")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "short output is held",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"short"],
            outputs: &[],
            held: b"short",
            capturing: false,
        },
        Case {
            name: "24 bytes are held",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"abcdefghijklmnopqrstuvwx"],
            outputs: &[],
            held: b"abcdefghijklmnopqrstuvwx",
            capturing: false,
        },
        Case {
            name: "25 bytes are logged",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"abcdefghijklmnopqrstuvwxy"],
            outputs: &[Log(b"abcdefghijklmnopqrstuvwxy")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "held output is logged once enough arrives",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"short ", b"output that", b" grows past 24"],
            outputs: &[Log(b"short output that grows past 24")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "a bare begin token is held",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"<!--XSUPERVISOR:BEGIN-->"],
            outputs: &[],
            held: b"<!--XSUPERVISOR:BEGIN-->",
            capturing: false,
        },
        Case {
            name: "begin token then data",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"<!--XSUPERVISOR:BEGIN-->", b"payload"],
            outputs: &[],
            held: b"payload",
            capturing: true,
        },
        Case {
            name: "begin then captured then end",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"before <!--XSUPERVISOR:BEGIN-->captured<!--XSUPERVISOR:END--> after the end, long enough"],
            outputs: &[Log(b"before "), Captured(b"captured"), CommEvent(b"captured"), Log(b" after the end, long enough")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "tokens split across chunks",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"hello <!--XSUPER", b"VISOR:BEGIN-->captured data<!--XSUPERVISOR:E", b"ND-->after the end, long enough to flush"],
            outputs: &[Log(b"hello "), Captured(b"captured data"), CommEvent(b"captured data"), Log(b"after the end, long enough to flush")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "a token prefix at the end is kept back",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"0123456789012345678901234567<!--XSUP"],
            outputs: &[Log(b"0123456789012345678901234567")],
            held: b"<!--XSUP",
            capturing: false,
        },
        Case {
            name: "a false prefix is released",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"0123456789012345678901234567<!--XSUP", b"ERVISOR:BOGUS and more text here"],
            outputs: &[Log(b"0123456789012345678901234567"), Log(b"<!--XSUPERVISOR:BOGUS and more text here")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "the longest prefix is kept back",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"0123456789012345678901234567<!--<!--<!--X"],
            outputs: &[Log(b"0123456789012345678901234567<!--<!--")],
            held: b"<!--X",
            capturing: false,
        },
        Case {
            name: "a lone < at the end is kept back",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"0123456789012345678901234567<"],
            outputs: &[Log(b"0123456789012345678901234567")],
            held: b"<",
            capturing: false,
        },
        Case {
            name: "empty capture emits an empty comm event",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"aaaaaaaaaaaaaaaaaaaaaaaaaa<!--XSUPERVISOR:BEGIN--><!--XSUPERVISOR:END-->zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"],
            outputs: &[Log(b"aaaaaaaaaaaaaaaaaaaaaaaaaa"), CommEvent(b""), Log(b"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "short text after end is held",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"<!--XSUPERVISOR:BEGIN-->abc<!--XSUPERVISOR:END-->short"],
            outputs: &[Captured(b"abc"), CommEvent(b"abc")],
            held: b"short",
            capturing: false,
        },
        Case {
            name: "two captures in one chunk",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx<!--XSUPERVISOR:BEGIN-->one<!--XSUPERVISOR:END-->middle text<!--XSUPERVISOR:BEGIN-->two<!--XSUPERVISOR:END-->yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"],
            outputs: &[Log(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), Captured(b"one"), CommEvent(b"one"), Log(b"middle text"), Captured(b"two"), CommEvent(b"two"), Log(b"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "end in normal mode is plain text",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"text <!--XSUPERVISOR:END--> more text"],
            outputs: &[Log(b"text <!--XSUPERVISOR:END--> more text")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "begin in capture mode is captured",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"<!--XSUPERVISOR:BEGIN-->a<!--XSUPERVISOR:BEGIN-->b<!--XSUPERVISOR:END-->cccccccccccccccccccccccccccccc"],
            outputs: &[Captured(b"a<!--XSUPERVISOR:BEGIN-->b"), CommEvent(b"a<!--XSUPERVISOR:BEGIN-->b"), Log(b"cccccccccccccccccccccccccccccc")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "capture buffer drops the oldest bytes",
            capture_maxbytes: 10,
            strip_ansi: false,
            chunks: &[b"xxxxxxxxxxxxxxxxxxxxxxxxx<!--XSUPERVISOR:BEGIN-->abcdefghijklmnopqrstuvwxyz0123", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"<!--XSUPERVISOR:END-->yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"],
            outputs: &[Log(b"xxxxxxxxxxxxxxxxxxxxxxxxx"), Captured(b"abcdefghijklmnopqrstuvwxyz0123"), Captured(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"), CommEvent(b"0123ABCDEFGHIJKLMNOPQRSTUVWXYZ"), Log(b"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "capture buffer under the bound keeps all",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"<!--XSUPERVISOR:BEGIN-->abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"<!--XSUPERVISOR:END-->yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"],
            outputs: &[Captured(b"abcdefghijklmnopqrstuvwxyz"), Captured(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"), CommEvent(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), Log(b"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "capture buffer exactly at the bound",
            capture_maxbytes: 50,
            strip_ansi: false,
            chunks: &[b"<!--XSUPERVISOR:BEGIN-->abcdefghijklmnopqrstuvwxy", b"ABCDEFGHIJKLMNOPQRSTUVWXY", b"<!--XSUPERVISOR:END-->yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"],
            outputs: &[Captured(b"abcdefghijklmnopqrstuvwxy"), Captured(b"ABCDEFGHIJKLMNOPQRSTUVWXY"), CommEvent(b"abcdefghijklmnopqrstuvwxyABCDEFGHIJKLMNOPQRSTUVWXY"), Log(b"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "capture buffer one over the bound",
            capture_maxbytes: 50,
            strip_ansi: false,
            chunks: &[b"<!--XSUPERVISOR:BEGIN-->abcdefghijklmnopqrstuvwxy", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"<!--XSUPERVISOR:END-->yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"],
            outputs: &[Captured(b"abcdefghijklmnopqrstuvwxy"), Captured(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"), CommEvent(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"), Log(b"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "a negative capture_maxbytes still captures",
            capture_maxbytes: -1,
            strip_ansi: false,
            chunks: &[b"<!--XSUPERVISOR:BEGIN-->abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"<!--XSUPERVISOR:END-->yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"],
            outputs: &[Captured(b"abcdefghijklmnopqrstuvwxyz"), Captured(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"), CommEvent(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"), Log(b"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "strip_ansi applies to each logged piece",
            capture_maxbytes: 100,
            strip_ansi: true,
            chunks: &[b"\x1b[31mred\x1b[0m and a long enough tail<!--XSUPERVISOR:BEGIN-->\x1b[1mcap\x1b[m<!--XSUPERVISOR:END-->\x1b[32mgreen text, long enough"],
            outputs: &[Log(b"red and a long enough tail"), Captured(b"cap"), CommEvent(b"cap"), Log(b"green text, long enough")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "strip_ansi passthrough",
            capture_maxbytes: 0,
            strip_ansi: true,
            chunks: &[b"\x1b[31mred\x1b[0m\n", b"\x1b[2J"],
            outputs: &[Log(b"red\n"), Log(b"")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "strip_ansi does not join sequences across chunks",
            capture_maxbytes: 0,
            strip_ansi: true,
            chunks: &[b"\x1b[3", b"1mred\n"],
            outputs: &[Log(b""), Log(b"1mred\n")],
            held: b"",
            capturing: false,
        },
        Case {
            name: "capture stays on until end arrives",
            capture_maxbytes: 100,
            strip_ansi: false,
            chunks: &[b"<!--XSUPERVISOR:BEGIN-->never ends, a lot of captured text here"],
            outputs: &[Captured(b"never ends, a lot of captured text here")],
            held: b"",
            capturing: true,
        },
        ];
        for case in &cases {
            check(case);
        }
    }

    /// Supervisor, fed the same stream one byte per read: every read re-runs the scan, so the log is cut where the
    /// held bytes first pass 24, and the last bytes stay held.
    #[test]
    fn one_byte_per_read_matches_supervisor() {
        let stream: Vec<u8> = [
            &b"pre text that is long enough"[..],
            BEGIN_TOKEN,
            b"cap",
            END_TOKEN,
            b"post text that is long enough",
        ]
        .concat();
        let mut scanner = CaptureScanner::new(100, false);
        let mut outputs = Vec::new();
        for byte in &stream {
            outputs.extend(scanner.feed(std::slice::from_ref(byte)));
        }
        let rendered: Vec<String> = outputs.iter().map(render).collect();
        let expected: Vec<String> = [
            Log(b"pre text that is long eno"),
            Log(b"ugh"),
            Captured(b"cap"),
            CommEvent(b"cap"),
            Log(b"post text that is long en"),
        ]
        .iter()
        .map(render_expected)
        .collect();
        assert_eq!(rendered, expected);
        assert_eq!(scanner.held(), b"ough");
    }

    #[test]
    fn clearing_the_capture_buffer_keeps_the_mode() {
        let mut scanner = CaptureScanner::new(100, false);
        let outputs = scanner.feed(&[BEGIN_TOKEN, b"captured before the clear, long"].concat());
        assert_eq!(
            outputs,
            vec![CaptureOutput::Captured(
                b"captured before the clear, long".to_vec()
            )]
        );
        scanner.clear_capture_buffer();
        assert!(scanner.is_capturing());
        assert_eq!(scanner.capture_buffer(), b"");
        let outputs = scanner.feed(&[&b"after"[..], END_TOKEN, b"x"].concat());
        assert_eq!(
            outputs,
            vec![
                CaptureOutput::Captured(b"after".to_vec()),
                CaptureOutput::CommEvent(b"after".to_vec()),
            ]
        );
    }

    #[test]
    fn longest_token_prefix_at_end_is_a_proper_prefix() {
        let cases: &[(&[u8], usize)] = &[
            (b"", 0),
            (b"abc", 0),
            (b"abc<", 1),
            (b"abc<!--X", 5),
            (b"<!--XSUPERVISOR:BEGIN-", 22),
            (b"<!--XSUPERVISOR:BEGIN--", 23),
            // The whole token is not a proper prefix; the caller only asks after a failed search.
            (b"<!--XSUPERVISOR:BEGIN-->", 0),
            (b"<!--<", 1),
        ];
        for (data, expected) in cases {
            assert_eq!(
                longest_token_prefix_at_end(data, BEGIN_TOKEN),
                *expected,
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
    }

    /// Pieces the random streams are made of: tokens, token fragments, and text with `<` in it.
    fn stream_piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(BEGIN_TOKEN.to_vec()),
            Just(END_TOKEN.to_vec()),
            Just(BEGIN_TOKEN[..10].to_vec()),
            Just(END_TOKEN[..17].to_vec()),
            Just(b"<!--".to_vec()),
            proptest::collection::vec(
                prop_oneof![Just(b'<'), Just(b'-'), Just(b'X'), any::<u8>()],
                0..40
            ),
        ]
    }

    fn stream_and_cuts() -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
        proptest::collection::vec(stream_piece(), 0..12)
            .prop_map(|pieces| pieces.concat())
            .prop_flat_map(|stream| {
                let len = stream.len();
                (Just(stream), proptest::collection::vec(0..=len, 0..20))
            })
    }

    fn feed_in_chunks(
        scanner: &mut CaptureScanner,
        stream: &[u8],
        cuts: &[usize],
    ) -> Vec<CaptureOutput> {
        let mut cuts = cuts.to_vec();
        cuts.push(0);
        cuts.push(stream.len());
        cuts.sort_unstable();
        let mut outputs = Vec::new();
        for pair in cuts.windows(2) {
            outputs.extend(scanner.feed(&stream[pair[0]..pair[1]]));
        }
        outputs
    }

    /// Concatenated Log bytes, concatenated Captured bytes, and the comm events.
    fn summarise(outputs: &[CaptureOutput]) -> (Vec<u8>, Vec<u8>, Vec<Vec<u8>>) {
        let mut logged = Vec::new();
        let mut captured = Vec::new();
        let mut comm_events = Vec::new();
        for output in outputs {
            match output {
                CaptureOutput::Log(bytes) => logged.extend_from_slice(bytes),
                CaptureOutput::Captured(bytes) => captured.extend_from_slice(bytes),
                CaptureOutput::CommEvent(bytes) => comm_events.push(bytes.clone()),
            }
        }
        (logged, captured, comm_events)
    }

    /// What is held depends on how the stream was cut, so each run ends with 30 bytes that cannot start a token:
    /// that releases everything held, and then any chunking must give the same result as one read.
    const FLUSH: &[u8] = b"..............................";

    proptest! {
        #[test]
        fn chunking_does_not_change_what_is_logged_or_emitted((stream, cuts) in stream_and_cuts()) {
            // A bound larger than the stream, so the drop rule (which depends on piece sizes) never applies.
            let mut whole = CaptureScanner::new(1 << 20, false);
            let mut outputs_whole = whole.feed(&stream);
            outputs_whole.extend(whole.feed(FLUSH));
            let mut chunked = CaptureScanner::new(1 << 20, false);
            let mut outputs_chunked = feed_in_chunks(&mut chunked, &stream, &cuts);
            outputs_chunked.extend(chunked.feed(FLUSH));
            prop_assert_eq!(summarise(&outputs_whole), summarise(&outputs_chunked));
            prop_assert_eq!(whole.held(), b"");
            prop_assert_eq!(chunked.held(), b"");
            prop_assert_eq!(whole.is_capturing(), chunked.is_capturing());
        }

        #[test]
        fn no_byte_is_lost_or_reordered((stream, cuts) in stream_and_cuts(), capture_maxbytes in 0i64..64) {
            // Without a flush: every byte read is in a Log or Captured piece, in a token at a toggle, or still held.
            let mut scanner = CaptureScanner::new(capture_maxbytes, false);
            let outputs = feed_in_chunks(&mut scanner, &stream, &cuts);
            let mut rebuilt = Vec::new();
            let mut capturing = false;
            for output in &outputs {
                match output {
                    CaptureOutput::Log(bytes) => rebuilt.extend_from_slice(bytes),
                    CaptureOutput::Captured(bytes) => {
                        if !capturing {
                            rebuilt.extend_from_slice(BEGIN_TOKEN);
                            capturing = true;
                        }
                        rebuilt.extend_from_slice(bytes);
                    }
                    CaptureOutput::CommEvent(_) => {
                        if !capturing {
                            rebuilt.extend_from_slice(BEGIN_TOKEN);
                        }
                        rebuilt.extend_from_slice(END_TOKEN);
                        capturing = false;
                    }
                }
            }
            if scanner.is_capturing() && !capturing {
                rebuilt.extend_from_slice(BEGIN_TOKEN);
            }
            rebuilt.extend_from_slice(scanner.held());
            prop_assert_eq!(rebuilt, stream);
        }
    }
}
