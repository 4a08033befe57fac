//! Supervisor's value types: one pure function per datatype, from the raw option text to a value or the exact text
//! of the `ValueError` Supervisor 4.3.0 raises (`supervisor/datatypes.py`, plus the socket rules of `options.py`).
//!
//! Inputs are already INI-stripped and `%`-expanded. Messages are Supervisor's words without any location; callers
//! add the section, key, file and line, and rewrite the few messages Supervisor itself rewrites (`Invalid chmod
//! value`, `Invalid sockchown value`, `... in [fcgi-program:x] socket`).
//!
//! Python semantics that matter here and are reproduced: `int()` (ASCII and Unicode whitespace, a sign, single
//! underscores between digits, Unicode decimal digits, the 4300-digit guard, the message's `%.200R` truncation),
//! `str.strip()`, `str.lower()`/`str.upper()`, `repr()` quoting (through [`py_repr`]), `urllib.parse.urlparse`.
//! Python integers are unbounded; ours are `i64` (see [`integer`] for what happens beyond).
//!
//! This module owns no IO: facts about users, groups and directories come from a [`Host`]. It does not know
//! sections or option names, and it does not parse `environment=` (see `shlex.rs`).

use crate::config::host::{dirname, expand_user, normpath, Host, PasswdEntry};
use crate::config::pyrepr::py_repr;
use crate::config::spec::{AutoRestart, LogLevel, UserSpec};

// ---------------------------------------------------------------------------------------------------------------
// Python's int()
// ---------------------------------------------------------------------------------------------------------------

/// CPython 3.11's default `sys.get_int_max_str_digits()`: longer decimal literals are refused.
const PYTHON_INT_MAX_STR_DIGITS: usize = 4300;

/// The message Python gives when an int does not fit a C long; used for values Python accepts but `i64` cannot hold.
const PYTHON_INT_TOO_LARGE: &str = "Python int too large to convert to C long";

/// The code points whose Unicode decimal value is 0 (Unicode 14.0, CPython 3.11's `unicodedata`). Each starts a
/// run of ten digits 0..9, a property Unicode guarantees for every decimal digit.
const UNICODE_DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// `unicodedata.decimal(ch)`: the digit value of a Unicode decimal digit (category Nd), as `int()` and the `\d` of
/// Python's `re` see it.
fn unicode_decimal_value(ch: char) -> Option<u8> {
    let code = ch as u32;
    let index = UNICODE_DECIMAL_ZEROS.partition_point(|zero| *zero <= code);
    let zero = *UNICODE_DECIMAL_ZEROS.get(index.checked_sub(1)?)?;
    let value = code - zero;
    (value < 10).then_some(value as u8)
}

/// `str.isspace()`, the whitespace of `str.strip()`, `str.split()` and `\s`: Unicode White_Space plus the four
/// ASCII separators U+001C..U+001F (which `int()` does not skip).
fn is_python_space(ch: char) -> bool {
    ch.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&ch)
}

/// `str.strip()` with no argument.
fn python_strip(text: &str) -> &str {
    text.trim_matches(is_python_space)
}

/// Why Python's `int()` refused a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PythonIntError {
    /// `invalid literal for int() with base N: <repr>`.
    InvalidLiteral,
    /// More than 4300 decimal digits before the first non-digit: refused before the rest is even looked at.
    TooManyDigits(usize),
}

/// An integer `int()` accepted: its sign and its digit values, most significant first, without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PythonInt {
    negative: bool,
    digits: Vec<u8>,
    base: u32,
}

impl PythonInt {
    fn to_i64(&self) -> Option<i64> {
        let mut magnitude: i128 = 0;
        for digit in &self.digits {
            magnitude = magnitude * i128::from(self.base) + i128::from(*digit);
            if magnitude > i128::from(i64::MAX) + 1 {
                return None;
            }
        }
        let value = if self.negative { -magnitude } else { magnitude };
        i64::try_from(value).ok()
    }

    /// `repr(n)`: the decimal text of a base-10 value, however large.
    fn repr(&self) -> String {
        let mut text = String::with_capacity(self.digits.len() + 1);
        if self.negative {
            text.push('-');
        }
        if self.digits.is_empty() {
            text.push('0');
        }
        for digit in &self.digits {
            text.push(char::from(b'0' + digit));
        }
        text
    }

    /// Whether the value lies in `min..=max`, and if not, which bound it breaks: `Err(true)` below, `Err(false)`
    /// above. Values outside `i64` still compare right.
    fn check_range(&self, min: i64, max: i64) -> Result<i64, bool> {
        match self.to_i64() {
            Some(value) if value < min => Err(true),
            Some(value) if value > max => Err(false),
            Some(value) => Ok(value),
            None => Err(self.negative),
        }
    }
}

/// CPython's `_PyUnicode_TransformDecimalAndSpaceToASCII`: ASCII stays, Unicode whitespace becomes a space,
/// Unicode decimal digits become ASCII digits, and the first other character becomes `?` and ends the text.
fn python_int_ascii(text: &str) -> Vec<u8> {
    let mut ascii = Vec::with_capacity(text.len());
    for ch in text.chars() {
        let code = ch as u32;
        if code < 127 {
            ascii.push(code as u8);
        } else if ch.is_whitespace() {
            ascii.push(b' ');
        } else if let Some(value) = unicode_decimal_value(ch) {
            ascii.push(b'0' + value);
        } else {
            ascii.push(b'?');
            break;
        }
    }
    ascii
}

/// `int(text, base)` for base 10 or 8, following CPython 3.11's `PyLong_FromString` step by step.
fn parse_python_int(text: &str, base: u32) -> Result<PythonInt, PythonIntError> {
    let ascii = python_int_ascii(text);
    // The C code reads a NUL-terminated string; an embedded NUL ends the scan like any other stray character and
    // then fails the "consumed everything" check, so reading past the end as NUL is the same thing.
    let at = |index: usize| ascii.get(index).copied().unwrap_or(0);
    let is_c_space = |byte: u8| matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut position = 0;
    while is_c_space(at(position)) {
        position += 1;
    }
    let mut negative = false;
    match at(position) {
        b'+' => position += 1,
        b'-' => {
            negative = true;
            position += 1;
        }
        _ => {}
    }
    if base == 8 && at(position) == b'0' && matches!(at(position + 1), b'o' | b'O') {
        position += 2;
        // One underscore is allowed right after the prefix.
        if at(position) == b'_' {
            position += 1;
        }
    }
    if at(position) == b'_' {
        return Err(PythonIntError::InvalidLiteral);
    }
    let mut digits = Vec::new();
    let mut previous = 0u8;
    loop {
        let byte = at(position);
        let value = (byte as char).to_digit(base);
        if let Some(value) = value {
            digits.push(value as u8);
        } else if byte == b'_' {
            if previous == b'_' {
                return Err(PythonIntError::InvalidLiteral);
            }
        } else {
            break;
        }
        previous = byte;
        position += 1;
    }
    if previous == b'_' {
        return Err(PythonIntError::InvalidLiteral);
    }
    // Power-of-two bases are exempt from the digit limit.
    if base == 10 && digits.len() > PYTHON_INT_MAX_STR_DIGITS {
        return Err(PythonIntError::TooManyDigits(digits.len()));
    }
    if digits.is_empty() {
        return Err(PythonIntError::InvalidLiteral);
    }
    while is_c_space(at(position)) {
        position += 1;
    }
    if position != ascii.len() {
        return Err(PythonIntError::InvalidLiteral);
    }
    let first_significant = digits
        .iter()
        .position(|digit| *digit != 0)
        .unwrap_or(digits.len());
    digits.drain(..first_significant);
    Ok(PythonInt {
        negative: negative && !digits.is_empty(),
        digits,
        base,
    })
}

/// The text of the `ValueError` `int(text, base)` raises.
fn python_int_message(text: &str, base: u32, error: PythonIntError) -> String {
    match error {
        PythonIntError::InvalidLiteral => {
            // `%.200R`: the repr is cut after 200 characters, closing quote included.
            let quoted: String = py_repr(text).chars().take(200).collect();
            format!("invalid literal for int() with base {base}: {quoted}")
        }
        PythonIntError::TooManyDigits(n_digits) => format!(
            "Exceeds the limit ({PYTHON_INT_MAX_STR_DIGITS} digits) for integer string conversion: value has \
             {n_digits} digits; use sys.set_int_max_str_digits() to increase the limit"
        ),
    }
}

/// `int(text)` as a checked `PythonInt`, with Python's message on failure.
fn python_int(text: &str) -> Result<PythonInt, String> {
    parse_python_int(text, 10).map_err(|error| python_int_message(text, 10, error))
}

// ---------------------------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------------------------

const TRUTHY_STRINGS: [&str; 4] = ["yes", "true", "on", "1"];
const FALSY_STRINGS: [&str; 4] = ["no", "false", "off", "0"];

/// `boolean`: case-insensitive `true yes on 1` / `false no off 0`, nothing stripped.
pub fn boolean(value: &str) -> Result<bool, String> {
    let lowered = value.to_lowercase();
    if TRUTHY_STRINGS.contains(&lowered.as_str()) {
        Ok(true)
    } else if FALSY_STRINGS.contains(&lowered.as_str()) {
        Ok(false)
    } else {
        Err(format!("not a valid boolean value: {}", py_repr(value)))
    }
}

/// `integer`: Python's `int(value)`.
///
/// Python accepts any size; a value outside `i64` is refused here with the message Python gives when such an int
/// reaches a C long (`Python int too large to convert to C long`). Texts of more than 4300 digits get Python's own
/// refusal, as in Supervisor.
pub fn integer(value: &str) -> Result<i64, String> {
    python_int(value)?
        .to_i64()
        .ok_or_else(|| PYTHON_INT_TOO_LARGE.to_string())
}

/// `byte_size`: the lower-cased text; a trailing `kb`, `mb` or `gb` multiplies by 1024, 1024², 1024³ and the rest
/// goes through `int()`, otherwise the whole text does. So the message quotes the lower-cased text, or the
/// lower-cased text without its unit. A product outside `i64` is refused as in [`integer`].
pub fn byte_size(value: &str) -> Result<i64, String> {
    let lowered = value.to_lowercase();
    let units: [(&str, i64); 3] = [
        ("kb", 1024),
        ("mb", 1024 * 1024),
        ("gb", 1024 * 1024 * 1024),
    ];
    // Python slices by code points: `v[-2:]` is the last two characters.
    let n_chars = lowered.chars().count();
    let split_at = lowered
        .char_indices()
        .nth(n_chars.saturating_sub(2))
        .map_or(lowered.len(), |(index, _)| index);
    let (number, suffix) = lowered.split_at(split_at);
    let (number, multiplier) = match units.iter().find(|(unit, _)| *unit == suffix) {
        Some((_, multiplier)) => (number, *multiplier),
        None => (lowered.as_str(), 1),
    };
    python_int(number)?
        .to_i64()
        .and_then(|count| count.checked_mul(multiplier))
        .ok_or_else(|| PYTHON_INT_TOO_LARGE.to_string())
}

/// `octal_type`: `int(value, 8)`, so `022`, `22`, `0o22`, `-022` and `0o_2_2` are all accepted.
///
/// Supervisor keeps the Python int and hands it to `os.umask`/`os.chmod`, which take a C int and cast it to
/// `mode_t`. We do the same cast here: a negative value becomes its 32-bit two's complement (the kernel then masks
/// the permission bits), and a value outside the C int range, which Python would refuse only at that later call,
/// is refused now with the octal message.
pub fn octal(value: &str) -> Result<u32, String> {
    let refused = || format!("{value} can not be converted to an octal type");
    let parsed = parse_python_int(value, 8).map_err(|_| refused())?;
    let number = parsed.to_i64().ok_or_else(refused)?;
    let number = i32::try_from(number).map_err(|_| refused())?;
    Ok(number as u32)
}

// ---------------------------------------------------------------------------------------------------------------
// Signals
// ---------------------------------------------------------------------------------------------------------------

/// Every `SIG*` attribute of CPython 3.11's `signal` module on Linux: the signals with their aliases, and the
/// handler and mask constants (`SIG_DFL` is 0, `SIG_IGN` 1, `SIG_SETMASK` 2), which `signal_number` accepts too.
const PYTHON_SIGNAL_ATTRIBUTES: [(&str, i32); 41] = [
    ("SIGABRT", 6),
    ("SIGALRM", 14),
    ("SIGBUS", 7),
    ("SIGCHLD", 17),
    ("SIGCLD", 17),
    ("SIGCONT", 18),
    ("SIGFPE", 8),
    ("SIGHUP", 1),
    ("SIGILL", 4),
    ("SIGINT", 2),
    ("SIGIO", 29),
    ("SIGIOT", 6),
    ("SIGKILL", 9),
    ("SIGPIPE", 13),
    ("SIGPOLL", 29),
    ("SIGPROF", 27),
    ("SIGPWR", 30),
    ("SIGQUIT", 3),
    ("SIGRTMAX", 64),
    ("SIGRTMIN", 34),
    ("SIGSEGV", 11),
    ("SIGSTKFLT", 16),
    ("SIGSTOP", 19),
    ("SIGSYS", 31),
    ("SIGTERM", 15),
    ("SIGTRAP", 5),
    ("SIGTSTP", 20),
    ("SIGTTIN", 21),
    ("SIGTTOU", 22),
    ("SIGURG", 23),
    ("SIGUSR1", 10),
    ("SIGUSR2", 12),
    ("SIGVTALRM", 26),
    ("SIGWINCH", 28),
    ("SIGXCPU", 24),
    ("SIGXFSZ", 25),
    ("SIG_BLOCK", 0),
    ("SIG_DFL", 0),
    ("SIG_IGN", 1),
    ("SIG_SETMASK", 2),
    ("SIG_UNBLOCK", 1),
];

/// `signal.Signals(n).name` for each member: aliases resolve to the canonical name (6 is ABRT, 17 CHLD, 29 IO).
const PYTHON_SIGNAL_NAMES: [(i32, &str); 33] = [
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (4, "SIGILL"),
    (5, "SIGTRAP"),
    (6, "SIGABRT"),
    (7, "SIGBUS"),
    (8, "SIGFPE"),
    (9, "SIGKILL"),
    (10, "SIGUSR1"),
    (11, "SIGSEGV"),
    (12, "SIGUSR2"),
    (13, "SIGPIPE"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (16, "SIGSTKFLT"),
    (17, "SIGCHLD"),
    (18, "SIGCONT"),
    (19, "SIGSTOP"),
    (20, "SIGTSTP"),
    (21, "SIGTTIN"),
    (22, "SIGTTOU"),
    (23, "SIGURG"),
    (24, "SIGXCPU"),
    (25, "SIGXFSZ"),
    (26, "SIGVTALRM"),
    (27, "SIGPROF"),
    (28, "SIGWINCH"),
    (29, "SIGIO"),
    (30, "SIGPWR"),
    (31, "SIGSYS"),
    (34, "SIGRTMIN"),
    (64, "SIGRTMAX"),
];

/// Supervisor's `SIGNUMS`, the values of every `SIG*` attribute: 0-31, 34 and 64. 32 and 33 are glibc's, and
/// the other real-time signals have no name in the module.
fn is_valid_signal_number(number: i64) -> bool {
    (0..=31).contains(&number) || number == 34 || number == 64
}

/// `signal_number`: a number that `int()` accepts must be in the valid set (0-31, 34, 64); anything else is
/// stripped, upper-cased, given a `SIG` prefix if it lacks one, and looked up among the module's `SIG*` names, so
/// aliases (`IOT`, `CLD`, `POLL`), `RTMIN`/`RTMAX` and even `_DFL` (0) are accepted.
pub fn signal_number(value: &str) -> Result<i32, String> {
    match parse_python_int(value, 10) {
        Ok(parsed) => match parsed.to_i64() {
            Some(number) if is_valid_signal_number(number) => {
                Ok(i32::try_from(number).expect("valid signal numbers are small"))
            }
            _ => Err(format!(
                "value {} is not a valid signal number",
                py_repr(value)
            )),
        },
        Err(_) => {
            let upper = python_strip(value).to_uppercase();
            let name = if upper.starts_with("SIG") {
                upper
            } else {
                format!("SIG{upper}")
            };
            PYTHON_SIGNAL_ATTRIBUTES
                .iter()
                .find(|(attribute, _)| *attribute == name)
                .map(|(_, number)| *number)
                .ok_or_else(|| format!("value {} is not a valid signal name", py_repr(value)))
        }
    }
}

/// The name a signal number is shown by: `signal.Signals(n).name` without `SIG` (`TERM`, `HUP`, `ABRT` for 6,
/// `CHLD` for 17, `IO` for 29). A number with no member (0, 32, 33, 35-63, ...) is shown as its decimal text, which
/// [`signal_number`] reads back for 0, the only such number it accepts.
pub fn signal_name(number: i32) -> String {
    PYTHON_SIGNAL_NAMES
        .iter()
        .find(|(member, _)| *member == number)
        .map_or_else(
            || number.to_string(),
            |(_, name)| name["SIG".len()..].to_string(),
        )
}

/// Supervisor's `options.signame`, used in its log lines and status texts (`terminated by SIGTERM`). It takes the
/// last `SIG*` name in the module's dictionary order, so 29 is `SIGPOLL` there (not `SIGIO`); a number with no
/// name is `signal N`.
pub fn signame(number: i32) -> String {
    match number {
        29 => "SIGPOLL".to_string(),
        _ => PYTHON_SIGNAL_NAMES
            .iter()
            .find(|(member, _)| *member == number)
            .map_or_else(|| format!("signal {number}"), |(_, name)| name.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Lists and enumerations
// ---------------------------------------------------------------------------------------------------------------

/// `list_of_exitcodes`: comma-separated `int()`s, each 0..=255; an empty value is an empty list (every exit is then
/// unexpected). Any failure, including an empty item or a code out of range, gives the one message.
pub fn exitcodes(value: &str) -> Result<Vec<i32>, String> {
    if value.is_empty() {
        return Ok(Vec::new());
    }
    let refused = || format!("not a valid list of exit codes: {}", py_repr(value));
    value
        .split(',')
        .map(|item| {
            let parsed = parse_python_int(item, 10).map_err(|_| refused())?;
            let code = parsed.check_range(0, 255).map_err(|_| refused())?;
            Ok(i32::try_from(code).expect("exit codes are at most 255"))
        })
        .collect()
}

/// `auto_restart`: lower-cased; a truthy boolean text means always, a falsy one never, `unexpected` unexpected.
pub fn autorestart(value: &str) -> Result<AutoRestart, String> {
    let lowered = value.to_lowercase();
    if TRUTHY_STRINGS.contains(&lowered.as_str()) {
        Ok(AutoRestart::Always)
    } else if FALSY_STRINGS.contains(&lowered.as_str()) {
        Ok(AutoRestart::Never)
    } else if lowered == "unexpected" {
        Ok(AutoRestart::Unexpected)
    } else {
        Err(format!("invalid 'autorestart' value {}", py_repr(&lowered)))
    }
}

/// `logging_level`: case-insensitive `critical error warn info debug trace blather`; `warning` and `crit` are not
/// level names.
///
/// Supervisor looks the lower-cased text up with `getattr` on a class, so dunder names such as `__module__` are
/// accepted there and break logging later; they are refused here.
pub fn log_level(value: &str) -> Result<LogLevel, String> {
    match value.to_lowercase().as_str() {
        "critical" => Ok(LogLevel::Critical),
        "error" => Ok(LogLevel::Error),
        "warn" => Ok(LogLevel::Warn),
        "info" => Ok(LogLevel::Info),
        "debug" => Ok(LogLevel::Debug),
        "trace" => Ok(LogLevel::Trace),
        "blather" => Ok(LogLevel::Blather),
        _ => Err(format!("bad logging level name {}", py_repr(value))),
    }
}

/// `process_or_group_name`: stripped, and must not contain a space, `:` or `/` (checked in that order, so the
/// message names the first of those present, not the first in the text). The empty name is allowed.
pub fn process_or_group_name(value: &str) -> Result<String, String> {
    let stripped = python_strip(value);
    for forbidden in [" ", ":", "/"] {
        if stripped.contains(forbidden) {
            return Err(format!(
                "Invalid name: {} because of character: {}",
                py_repr(value),
                py_repr(forbidden)
            ));
        }
    }
    Ok(stripped.to_string())
}

/// `list_of_strings`: split on `,`, each item stripped; only the empty value gives an empty list (`" "` is `[""]`).
pub fn list_of_strings(value: &str) -> Vec<String> {
    if value.is_empty() {
        return Vec::new();
    }
    value
        .split(',')
        .map(|item| python_strip(item).to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------------------------

/// `port_number`: `int()` then 1..=65535, with `RangeCheckedConversion`'s messages.
fn port_number(text: &str) -> Result<u16, String> {
    let parsed = python_int(text)?;
    port_in_range(&parsed)
}

fn port_in_range(parsed: &PythonInt) -> Result<u16, String> {
    match parsed.check_range(1, 0xffff) {
        Ok(port) => Ok(u16::try_from(port).expect("range checked")),
        Err(true) => Err(format!("{} is below lower bound (1)", parsed.repr())),
        Err(false) => Err(format!("{} is above upper bound (65535)", parsed.repr())),
    }
}

/// `inet_address` (`[inet_http_server] port`): `port`, `:port`, `*:port` or `host:port`, split on the last colon.
/// The host is lower-cased; empty or `*` means every interface and comes back as `""`.
///
/// With a colon, a bad port gives the raw `int()` or range message (the spec lists only the two messages below);
/// without one, every failure becomes `not a valid port number: '<v>' ` (trailing space included).
pub fn inet_address(value: &str) -> Result<(String, u16), String> {
    match value.rsplit_once(':') {
        Some((host, port_text)) => {
            if port_text.is_empty() {
                // Supervisor quotes the (empty) port text, not the value.
                return Err("no port number specified in ''".to_string());
            }
            let port = port_number(port_text)?;
            let host = host.to_lowercase();
            let host = if host == "*" { String::new() } else { host };
            Ok((host, port))
        }
        None => match port_number(value) {
            Ok(port) => Ok((String::new(), port)),
            Err(_) => Err(format!("not a valid port number: {} ", py_repr(value))),
        },
    }
}

/// The socket of an `[fcgi-program:x]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FcgiSocket {
    /// `unix:///abs/path`, the path normalised.
    Unix { path: String },
    /// `tcp://host:port`, the host lower-cased.
    Tcp { host: String, port: u16 },
}

impl FcgiSocket {
    /// The socket's URL as Supervisor shows it and compares groups by (`unix://<path>`, `tcp://<host>:<port>`).
    pub fn url(&self) -> String {
        match self {
            FcgiSocket::Unix { path } => format!("unix://{path}"),
            FcgiSocket::Tcp { host, port } => format!("tcp://{host}:{port}"),
        }
    }
}

/// `parse_fcgi_socket` without its ownership part: `unix://` plus an absolute path (normalised), or a text
/// matching `tcp://([^\s:]+):(\d+)$` with the port in 1..=65535.
///
/// The messages are Supervisor's, which are tuple reprs because it passes two arguments to `ValueError`; the caller
/// appends ` in [fcgi-program:x] socket`. Two checks stay with the caller, which knows the other keys: an empty or
/// missing value (`[x] section requires a "socket" line`) and, for any value not starting with `unix://`, a set
/// `socket_owner` or `socket_mode` (`socket_owner and socket_mode params should only be used with a Unix domain
/// socket`), which Supervisor reports before looking at the TCP form.
pub fn fcgi_socket(value: &str) -> Result<FcgiSocket, String> {
    if let Some(path) = value.strip_prefix("unix://") {
        if !path.starts_with('/') {
            return Err(format!(
                "('Unix socket path %s is not an absolute path', {})",
                py_repr(path)
            ));
        }
        return Ok(FcgiSocket::Unix {
            path: normpath(path),
        });
    }
    let bad_format = || format!("('Bad socket format %s', {})", py_repr(value));
    let rest = value.strip_prefix("tcp://").ok_or_else(bad_format)?;
    // `$` also matches just before a final newline.
    let rest = rest.strip_suffix('\n').unwrap_or(rest);
    let (host, port_text) = rest.split_once(':').ok_or_else(bad_format)?;
    let host_matches = !host.is_empty() && !host.chars().any(is_python_space);
    let port_matches = !port_text.is_empty()
        && port_text
            .chars()
            .all(|ch| unicode_decimal_value(ch).is_some());
    if !host_matches || !port_matches {
        return Err(bad_format());
    }
    let port = port_in_range(&python_int(port_text)?)?;
    Ok(FcgiSocket::Tcp {
        host: host.to_lowercase(),
        port,
    })
}

/// `url` (supervisorctl's `-s/--serverurl`): accepted when `urllib.parse.urlparse` finds a scheme and a netloc or
/// a path. Errors `urlparse` itself raises on bracketed hosts come through as they are.
///
/// Not reproduced: `urlsplit`'s NFKC check of non-ASCII netlocs (it refuses hosts such as `℀` whose compatibility
/// form contains `/?#@:`). The bracketed-host check uses Rust's address parsers, which agree with Python's
/// `ipaddress` on ordinary addresses.
pub fn url(value: &str) -> Result<String, String> {
    let (scheme, netloc, path) = python_urlparse(value)?;
    if !scheme.is_empty() && (!netloc.is_empty() || !path.is_empty()) {
        Ok(value.to_string())
    } else {
        Err(format!("value {} is not a URL", py_repr(value)))
    }
}

/// The schemes whose path `urlparse` splits `;params` off.
const USES_PARAMS: [&str; 16] = [
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps", "rtspu",
    "sip", "sips", "mms", "sftp", "tel",
];

/// `urllib.parse.urlparse(value)` reduced to (scheme, netloc, path), CPython 3.11.7.
fn python_urlparse(value: &str) -> Result<(String, String, String), String> {
    let mut rest: String = value
        .trim_start_matches(|ch: char| ch <= ' ')
        .chars()
        .filter(|ch| !matches!(ch, '\t' | '\r' | '\n'))
        .collect();
    let mut scheme = String::new();
    if let Some(colon) = rest.find(':') {
        let candidate = &rest[..colon];
        let starts_with_letter = candidate
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic());
        let all_scheme_chars = candidate
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '+' | '-' | '.'));
        if starts_with_letter && all_scheme_chars {
            scheme = candidate.to_ascii_lowercase();
            rest = rest[colon + 1..].to_string();
        }
    }
    let mut netloc = String::new();
    if let Some(after_slashes) = rest.strip_prefix("//") {
        let end = after_slashes
            .find(['/', '?', '#'])
            .unwrap_or(after_slashes.len());
        netloc = after_slashes[..end].to_string();
        rest = after_slashes[end..].to_string();
        let has_open = netloc.contains('[');
        let has_close = netloc.contains(']');
        if has_open != has_close {
            return Err("Invalid IPv6 URL".to_string());
        }
        if has_open {
            let after_open = netloc.split_once('[').map_or("", |(_, after)| after);
            let bracketed = after_open
                .split_once(']')
                .map_or(after_open, |(inside, _)| inside);
            check_bracketed_host(bracketed)?;
        }
    }
    if let Some((before, _fragment)) = rest.split_once('#') {
        rest = before.to_string();
    }
    if let Some((before, _query)) = rest.split_once('?') {
        rest = before.to_string();
    }
    if USES_PARAMS.contains(&scheme.as_str()) && rest.contains(';') {
        let search_from = rest.rfind('/').unwrap_or(0);
        let semicolon = if rest.contains('/') {
            rest[search_from..]
                .find(';')
                .map(|index| index + search_from)
        } else {
            rest.find(';')
        };
        if let Some(semicolon) = semicolon {
            rest.truncate(semicolon);
        }
    }
    Ok((scheme, netloc, rest))
}

/// `urllib.parse._check_bracketed_host`.
fn check_bracketed_host(host: &str) -> Result<(), String> {
    if let Some(future) = host.strip_prefix('v') {
        // `\Av[a-fA-F0-9]+\..+\Z`
        let hex_len = future
            .find(|ch: char| !ch.is_ascii_hexdigit())
            .unwrap_or(future.len());
        let valid = hex_len > 0
            && future[hex_len..]
                .strip_prefix('.')
                .is_some_and(|tail| !tail.is_empty());
        return if valid {
            Ok(())
        } else {
            Err("IPvFuture address is invalid".to_string())
        };
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("An IPv4 address cannot be in brackets".to_string());
    }
    // `ipaddress` accepts a non-empty `%scope` suffix on IPv6 addresses.
    let address = match host.split_once('%') {
        Some((address, scope)) if !scope.is_empty() && !scope.contains('%') => address,
        Some(_) => "",
        None => host,
    };
    if address.parse::<std::net::Ipv6Addr>().is_ok() {
        Ok(())
    } else {
        Err(format!(
            "{} does not appear to be an IPv4 or IPv6 address",
            py_repr(host)
        ))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------------------------

/// A program's `stdout_logfile`/`stderr_logfile` value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LogFileValue {
    /// `auto` (any case): a file in `childlogdir`.
    Auto,
    /// `none` or `off` (any case): no file.
    None,
    /// `syslog` (any case): deprecated; the caller turns it into no file plus `*_syslog = true`.
    Syslog,
    /// Anything else: `~` expanded, not made absolute, its directory checked.
    Path(String),
}

/// `logfile_name`: the special names compared lower-cased, anything else an [`existing_dirpath`].
pub fn logfile_name(value: &str, host: &dyn Host) -> Result<LogFileValue, String> {
    match value.to_lowercase().as_str() {
        "none" | "off" => Ok(LogFileValue::None),
        "auto" => Ok(LogFileValue::Auto),
        "syslog" => Ok(LogFileValue::Syslog),
        _ => existing_dirpath(value, host).map(LogFileValue::Path),
    }
}

/// `existing_dirpath`: `~` expanded; a path with a directory part needs that directory to exist. The message quotes
/// the text as written (`%s`, not expanded).
pub fn existing_dirpath(value: &str, host: &dyn Host) -> Result<String, String> {
    let expanded = expand_user(value, host);
    let directory = dirname(&expanded);
    if directory.is_empty() || host.is_dir(&directory) {
        Ok(expanded)
    } else {
        Err(format!(
            "The directory named as part of the path {value} does not exist"
        ))
    }
}

/// `existing_directory`: `~` expanded, and it must be an existing directory.
pub fn existing_directory(value: &str, host: &dyn Host) -> Result<String, String> {
    let expanded = expand_user(value, host);
    if host.is_dir(&expanded) {
        Ok(expanded)
    } else {
        Err(format!("{value} is not an existing directory"))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Users and groups
// ---------------------------------------------------------------------------------------------------------------

/// `name_to_uid`, keeping the whole passwd entry: a text `int()` accepts is a uid that must exist, anything else a
/// user name looked up as written (not stripped).
///
/// Python's `pwd.getpwnam` refuses a name with a NUL (`embedded null byte`); Python resolves `-1` to uid
/// 4294967295, which no real system has, so every negative number is simply an unknown uid here.
fn passwd_entry(value: &str, host: &dyn Host) -> Result<PasswdEntry, String> {
    match parse_python_int(value, 10) {
        Ok(parsed) => parsed
            .to_i64()
            .and_then(|number| u32::try_from(number).ok())
            .and_then(|uid| host.user_by_uid(uid))
            .ok_or_else(|| format!("Invalid user id {value}")),
        Err(_) => {
            if value.contains('\0') {
                return Err("embedded null byte".to_string());
            }
            host.user_by_name(value)
                .ok_or_else(|| format!("Invalid user name {value}"))
        }
    }
}

/// `user` (`[program] user`, `[supervisord] user`): a user name or an existing numeric uid, resolved to the passwd
/// entry (name, uid, primary gid); `written` keeps the text.
pub fn user(value: &str, host: &dyn Host) -> Result<UserSpec, String> {
    let entry = passwd_entry(value, host)?;
    Ok(UserSpec {
        written: value.to_string(),
        name: entry.name,
        uid: entry.uid,
        gid: entry.gid,
    })
}

/// `name_to_gid`: a number that must be an existing gid, or a group name.
fn group_id(value: &str, host: &dyn Host) -> Option<u32> {
    match parse_python_int(value, 10) {
        Ok(parsed) => parsed
            .to_i64()
            .and_then(|number| u32::try_from(number).ok())
            .filter(|gid| host.group_exists(*gid)),
        Err(_) => host.group_by_name(value),
    }
}

/// `colon_separated_user_group` (`chown`, `socket_owner`): `user` or `user:group` (split on the first colon), each
/// a name or an existing id; with no group the gid is -1. Every failure gives `Invalid user:group definition <v>`,
/// which Supervisor's callers replace with their own (`Invalid sockchown value <v>`, `Invalid socket_owner value
/// <v>`).
pub fn user_group(value: &str, host: &dyn Host) -> Result<(u32, i64), String> {
    let refused = || format!("Invalid user:group definition {value}");
    let (user_text, group_text) = match value.split_once(':') {
        Some((user_text, group_text)) => (user_text, Some(group_text)),
        None => (value, None),
    };
    let uid = passwd_entry(user_text, host).map_err(|_| refused())?.uid;
    let gid = match group_text {
        Some(group_text) => i64::from(group_id(group_text, host).ok_or_else(refused)?),
        None => -1,
    };
    Ok((uid, gid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A machine with root (0), nobody (65534), app (1000/1000, home /home/app), a few groups and directories.
    struct FakeHost {
        environ: BTreeMap<String, String>,
    }

    impl FakeHost {
        fn new() -> FakeHost {
            let mut environ = BTreeMap::new();
            environ.insert("HOME".to_string(), "/root".to_string());
            FakeHost { environ }
        }

        fn users() -> Vec<PasswdEntry> {
            let entry = |name: &str, uid: u32, gid: u32, home: &str| PasswdEntry {
                name: name.to_string(),
                uid,
                gid,
                home: home.to_string(),
            };
            vec![
                entry("root", 0, 0, "/root"),
                entry("nobody", 65534, 65534, "/nonexistent"),
                entry("app", 1000, 1000, "/home/app"),
            ]
        }
    }

    const FAKE_GROUPS: [(&str, u32); 4] =
        [("root", 0), ("adm", 4), ("app", 1000), ("nogroup", 65534)];
    const FAKE_DIRECTORIES: [&str; 7] = [
        "/",
        "/tmp",
        "/var",
        "/var/log",
        "/root",
        "/home",
        "/home/app",
    ];

    impl Host for FakeHost {
        fn user_by_name(&self, name: &str) -> Option<PasswdEntry> {
            FakeHost::users()
                .into_iter()
                .find(|entry| entry.name == name)
        }
        fn user_by_uid(&self, uid: u32) -> Option<PasswdEntry> {
            FakeHost::users().into_iter().find(|entry| entry.uid == uid)
        }
        fn group_by_name(&self, name: &str) -> Option<u32> {
            FAKE_GROUPS
                .iter()
                .find(|(group, _)| *group == name)
                .map(|(_, gid)| *gid)
        }
        fn group_exists(&self, gid: u32) -> bool {
            FAKE_GROUPS.iter().any(|(_, known)| *known == gid)
        }
        fn is_dir(&self, path: &str) -> bool {
            // `os.path.isdir("/tmp/")` is true on a real system.
            let trimmed = if path.len() > 1 {
                path.trim_end_matches('/')
            } else {
                path
            };
            FAKE_DIRECTORIES.contains(&trimmed)
        }
        fn exists(&self, path: &str) -> bool {
            self.is_dir(path)
        }
        fn node_name(&self) -> String {
            "testhost".to_string()
        }
        fn environ(&self) -> &BTreeMap<String, String> {
            &self.environ
        }
        fn cwd(&self) -> String {
            "/var".to_string()
        }
        fn tempdir(&self) -> String {
            "/tmp".to_string()
        }

        fn uid(&self) -> u32 {
            0
        }
    }

    /// Runs one parser over a table of (input, expected) rows and reports every mismatch at once.
    fn check<T: PartialEq + std::fmt::Debug>(
        parser: impl Fn(&str) -> Result<T, String>,
        name: &str,
        rows: &[(&str, Result<T, &str>)],
    ) {
        let mut failures = Vec::new();
        for (input, expected) in rows {
            let actual = parser(input);
            let same = match (&actual, expected) {
                (Ok(actual), Ok(expected)) => actual == expected,
                (Err(actual), Err(expected)) => actual == expected,
                _ => false,
            };
            if !same {
                failures.push(format!(
                    "{name}({input:?}):\n  expected {expected:?}\n  actual   {actual:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn boolean_rows() {
        #[rustfmt::skip]
        check(boolean, "boolean", &[
            ("true", Ok(true)),
            ("TRUE", Ok(true)),
            ("Yes", Ok(true)),
            ("on", Ok(true)),
            ("1", Ok(true)),
            ("false", Ok(false)),
            ("No", Ok(false)),
            ("OFF", Ok(false)),
            ("0", Ok(false)),
            ("maybe", Err("not a valid boolean value: 'maybe'")),
            ("", Err("not a valid boolean value: ''")),
            (" true", Err("not a valid boolean value: ' true'")),
            ("y", Err("not a valid boolean value: 'y'")),
            ("2", Err("not a valid boolean value: '2'")),
            ("truee", Err("not a valid boolean value: 'truee'")),
            ("it's", Err("not a valid boolean value: \"it's\"")),
        ]);
    }

    #[test]
    fn integer_rows() {
        #[rustfmt::skip]
        check(integer, "integer", &[
            ("0", Ok(0)),
            ("1", Ok(1)),
            (" 1 ", Ok(1)),
            ("+1", Ok(1)),
            ("-1", Ok(-1)),
            ("-0", Ok(0)),
            ("007", Ok(7)),
            ("1_000", Ok(1000)),
            ("0_7", Ok(7)),
            ("١٢", Ok(12)),
            ("１", Ok(1)),
            ("\t5\n", Ok(5)),
            ("\u{b}5\u{c}", Ok(5)),
            ("1.5", Err("invalid literal for int() with base 10: '1.5'")),
            ("0x5", Err("invalid literal for int() with base 10: '0x5'")),
            ("5e3", Err("invalid literal for int() with base 10: '5e3'")),
            ("_1", Err("invalid literal for int() with base 10: '_1'")),
            ("1_", Err("invalid literal for int() with base 10: '1_'")),
            ("1__0", Err("invalid literal for int() with base 10: '1__0'")),
            ("+_1", Err("invalid literal for int() with base 10: '+_1'")),
            ("- 1", Err("invalid literal for int() with base 10: '- 1'")),
            ("", Err("invalid literal for int() with base 10: ''")),
            ("  ", Err("invalid literal for int() with base 10: '  '")),
            ("+", Err("invalid literal for int() with base 10: '+'")),
            ("abc", Err("invalid literal for int() with base 10: 'abc'")),
            ("1 2", Err("invalid literal for int() with base 10: '1 2'")),
            ("1\0", Err("invalid literal for int() with base 10: '1\\x00'")),
            ("\u{1c}1", Err("invalid literal for int() with base 10: '\\x1c1'")),
            ("\u{a0}7\u{85}", Ok(7)),
            ("9223372036854775807", Ok(9223372036854775807)),
            ("-9223372036854775808", Ok(-9223372036854775808)),
            // Python accepts any size; we refuse what does not fit an i64.
            ("9223372036854775808", Err(PYTHON_INT_TOO_LARGE)),
            ("-9223372036854775809", Err(PYTHON_INT_TOO_LARGE)),
            ("99999999999999999999999", Err(PYTHON_INT_TOO_LARGE)),
        ]);
    }

    #[test]
    fn integer_message_quotes_at_most_200_characters_of_the_repr() {
        // Python: int("x" * 300) -> "... base 10: 'xxx...x" (the repr cut after 200 characters, no closing quote).
        let expected = format!(
            "invalid literal for int() with base 10: '{}",
            "x".repeat(199)
        );
        assert_eq!(integer(&"x".repeat(300)), Err(expected));
        let expected = format!(
            "invalid literal for int() with base 10: '{}'",
            "x".repeat(198)
        );
        assert_eq!(integer(&"x".repeat(198)), Err(expected));
    }

    #[test]
    fn integer_refuses_more_than_4300_digits_before_looking_further() {
        let limit = |n_digits: usize| {
            format!(
                "Exceeds the limit (4300 digits) for integer string conversion: value has {n_digits} digits; use \
                 sys.set_int_max_str_digits() to increase the limit"
            )
        };
        // Leading zeros and a sign count as in CPython; underscores do not; trailing garbage is never reached.
        assert_eq!(integer(&"0".repeat(4301)), Err(limit(4301)));
        assert_eq!(
            integer(&format!(" -{}", "1".repeat(4301))),
            Err(limit(4301))
        );
        assert_eq!(integer(&format!("{}x", "1".repeat(5000))), Err(limit(5000)));
        assert_eq!(integer(&["1"; 4301].join("_")), Err(limit(4301)));
        // A trailing underscore or a double one is an invalid literal even past the limit.
        let trailing = format!("{}_x", "1".repeat(5000));
        assert!(integer(&trailing)
            .unwrap_err()
            .starts_with("invalid literal"));
        // 4300 digits is still a valid literal, just too large for us.
        assert_eq!(
            integer(&"1".repeat(4300)),
            Err(PYTHON_INT_TOO_LARGE.to_string())
        );
        assert_eq!(integer(&"0".repeat(4300)), Ok(0));
    }

    #[test]
    fn byte_size_rows() {
        #[rustfmt::skip]
        check(byte_size, "byte_size", &[
            ("0", Ok(0)),
            ("-1", Ok(-1)),
            ("1024", Ok(1024)),
            ("5KB", Ok(5120)),
            ("5kb", Ok(5120)),
            ("5 MB", Ok(5242880)),
            (" 5 MB", Ok(5242880)),
            ("1gb", Ok(1073741824)),
            ("1GB", Ok(1073741824)),
            ("0mb", Ok(0)),
            ("-2Kb", Ok(-2048)),
            ("1_0kb", Ok(10240)),
            ("5M", Err("invalid literal for int() with base 10: '5m'")),
            ("5B", Err("invalid literal for int() with base 10: '5b'")),
            ("1.5MB", Err("invalid literal for int() with base 10: '1.5'")),
            ("5MB ", Err("invalid literal for int() with base 10: '5mb '")),
            ("kb", Err("invalid literal for int() with base 10: ''")),
            ("MB", Err("invalid literal for int() with base 10: ''")),
            ("b", Err("invalid literal for int() with base 10: 'b'")),
            ("x", Err("invalid literal for int() with base 10: 'x'")),
            ("5 xkb", Err("invalid literal for int() with base 10: '5 x'")),
            ("١kb", Ok(1024)),
            ("8589934591gb", Ok(9223372035781033984)),
            ("8589934592gb", Err(PYTHON_INT_TOO_LARGE)),
            ("9223372036854775808", Err(PYTHON_INT_TOO_LARGE)),
        ]);
    }

    #[test]
    fn octal_rows() {
        #[rustfmt::skip]
        check(octal, "octal", &[
            ("022", Ok(18)),
            ("22", Ok(18)),
            ("0o22", Ok(18)),
            ("0O22", Ok(18)),
            ("0022", Ok(18)),
            ("-022", Ok(4294967278 /* -18 */)),
            ("0o_2_2", Ok(18)),
            ("+7", Ok(7)),
            ("777", Ok(511)),
            (" 022 ", Ok(18)),
            ("0", Ok(0)),
            ("8", Err("8 can not be converted to an octal type")),
            ("0o", Err("0o can not be converted to an octal type")),
            ("0x1f", Err("0x1f can not be converted to an octal type")),
            ("", Err(" can not be converted to an octal type")),
            ("09", Err("09 can not be converted to an octal type")),
            ("_22", Err("_22 can not be converted to an octal type")),
            ("0o__2", Err("0o__2 can not be converted to an octal type")),
            ("0b1", Err("0b1 can not be converted to an octal type")),
            ("٢", Ok(2)),
            ("0o22_", Err("0o22_ can not be converted to an octal type")),
            ("it's", Err("it's can not be converted to an octal type")),
            // The C int range that os.umask/os.chmod accept, cast to mode_t.
            ("17777777777", Ok(0x7fff_ffff)),
            ("-20000000000", Ok(0x8000_0000)),
            ("20000000000", Err("20000000000 can not be converted to an octal type")),
            ("0o777777777777777777777777", Err("0o777777777777777777777777 can not be converted to an octal type")),
        ]);
    }

    #[test]
    fn signal_number_rows() {
        #[rustfmt::skip]
        check(signal_number, "signal_number", &[
            ("TERM", Ok(15)),
            ("term", Ok(15)),
            ("SIGTERM", Ok(15)),
            ("sigterm", Ok(15)),
            (" HUP ", Ok(1)),
            ("\tkill\n", Ok(9)),
            ("9", Ok(9)),
            ("15", Ok(15)),
            (" 9 ", Ok(9)),
            ("+9", Ok(9)),
            ("0", Ok(0)),
            ("1_5", Ok(15)),
            ("31", Ok(31)),
            ("32", Err("value '32' is not a valid signal number")),
            ("33", Err("value '33' is not a valid signal number")),
            ("34", Ok(34)),
            ("35", Err("value '35' is not a valid signal number")),
            ("64", Ok(64)),
            ("65", Err("value '65' is not a valid signal number")),
            ("-1", Err("value '-1' is not a valid signal number")),
            ("IOT", Ok(6)),
            ("CLD", Ok(17)),
            ("POLL", Ok(29)),
            ("io", Ok(29)),
            ("RTMIN", Ok(34)),
            ("rtmax", Ok(64)),
            ("_DFL", Ok(0)),
            ("SIG_IGN", Ok(1)),
            ("_setmask", Ok(2)),
            ("_block", Ok(0)),
            ("DFL", Err("value 'DFL' is not a valid signal name")),
            ("sig", Err("value 'sig' is not a valid signal name")),
            ("", Err("value '' is not a valid signal name")),
            ("SIGSIGTERM", Err("value 'SIGSIGTERM' is not a valid signal name")),
            ("FOO", Err("value 'FOO' is not a valid signal name")),
            ("9.0", Err("value '9.0' is not a valid signal name")),
            ("ſegv", Ok(11)),
            ("0x9", Err("value '0x9' is not a valid signal name")),
            ("99999999999999999999", Err("value '99999999999999999999' is not a valid signal number")),
            ("it's", Err("value \"it's\" is not a valid signal name")),
        ]);
    }

    #[test]
    fn signal_number_accepts_exactly_0_to_31_34_and_64() {
        for number in -5..=70 {
            let expected = (0..=31).contains(&number) || number == 34 || number == 64;
            assert_eq!(
                signal_number(&number.to_string()).is_ok(),
                expected,
                "signal {number}"
            );
        }
    }

    #[test]
    fn signal_name_rows() {
        let rows = [
            (15, "TERM"),
            (1, "HUP"),
            (2, "INT"),
            (9, "KILL"),
            (10, "USR1"),
            (6, "ABRT"),
            (17, "CHLD"),
            (29, "IO"),
            (34, "RTMIN"),
            (64, "RTMAX"),
            (0, "0"),
            (32, "32"),
            (35, "35"),
            (-1, "-1"),
        ];
        for (number, expected) in rows {
            assert_eq!(signal_name(number), expected, "signal_name({number})");
        }
    }

    #[test]
    fn signal_name_reads_back_through_signal_number() {
        for number in (0..=31).chain([34, 64]) {
            assert_eq!(
                signal_number(&signal_name(number)),
                Ok(number),
                "round trip of {number}"
            );
        }
    }

    #[test]
    fn signame_rows() {
        let rows = [
            (15, "SIGTERM"),
            (29, "SIGPOLL"),
            (6, "SIGABRT"),
            (17, "SIGCHLD"),
            (34, "SIGRTMIN"),
            (0, "signal 0"),
            (35, "signal 35"),
        ];
        for (number, expected) in rows {
            assert_eq!(signame(number), expected, "signame({number})");
        }
    }

    #[test]
    fn exitcodes_rows() {
        #[rustfmt::skip]
        check(exitcodes, "exitcodes", &[
            ("0", Ok(vec![0])),
            ("0,2", Ok(vec![0, 2])),
            ("0, 2 ,3", Ok(vec![0, 2, 3])),
            (" 1", Ok(vec![1])),
            ("255", Ok(vec![255])),
            ("1_0", Ok(vec![10])),
            ("", Ok(vec![])),
            ("0,,2", Err("not a valid list of exit codes: '0,,2'")),
            ("256", Err("not a valid list of exit codes: '256'")),
            ("-1", Err("not a valid list of exit codes: '-1'")),
            ("1.0", Err("not a valid list of exit codes: '1.0'")),
            ("a", Err("not a valid list of exit codes: 'a'")),
            ("0,", Err("not a valid list of exit codes: '0,'")),
            (" ", Err("not a valid list of exit codes: ' '")),
            ("it's", Err("not a valid list of exit codes: \"it's\"")),
            ("99999999999999999999", Err("not a valid list of exit codes: '99999999999999999999'")),
        ]);
    }

    #[test]
    fn autorestart_rows() {
        #[rustfmt::skip]
        check(autorestart, "autorestart", &[
            ("true", Ok(AutoRestart::Always)),
            ("unexpected", Ok(AutoRestart::Unexpected)),
            ("UNEXPECTED", Ok(AutoRestart::Unexpected)),
            ("Unexpected", Ok(AutoRestart::Unexpected)),
            ("false", Ok(AutoRestart::Never)),
            ("0", Ok(AutoRestart::Never)),
            ("Yes", Ok(AutoRestart::Always)),
            ("on", Ok(AutoRestart::Always)),
            ("OFF", Ok(AutoRestart::Never)),
            ("maybe", Err("invalid 'autorestart' value 'maybe'")),
            ("Always", Err("invalid 'autorestart' value 'always'")),
            ("", Err("invalid 'autorestart' value ''")),
            (" true", Err("invalid 'autorestart' value ' true'")),
        ]);
    }

    #[test]
    fn log_level_rows() {
        #[rustfmt::skip]
        check(log_level, "log_level", &[
            ("critical", Ok(LogLevel::Critical)),
            ("CRITICAL", Ok(LogLevel::Critical)),
            ("error", Ok(LogLevel::Error)),
            ("warn", Ok(LogLevel::Warn)),
            ("Warn", Ok(LogLevel::Warn)),
            ("info", Ok(LogLevel::Info)),
            ("debug", Ok(LogLevel::Debug)),
            ("trace", Ok(LogLevel::Trace)),
            ("blather", Ok(LogLevel::Blather)),
            ("BLATHER", Ok(LogLevel::Blather)),
            ("warning", Err("bad logging level name 'warning'")),
            ("crit", Err("bad logging level name 'crit'")),
            ("", Err("bad logging level name ''")),
            ("INFO ", Err("bad logging level name 'INFO '")),
            ("it's", Err("bad logging level name \"it's\"")),
            // Supervisor's getattr lookup accepts this; it breaks its logger later.
            ("__module__", Err("bad logging level name '__module__'")),
        ]);
    }

    #[test]
    fn process_or_group_name_rows() {
        #[rustfmt::skip]
        check(process_or_group_name, "process_or_group_name", &[
            ("foo", Ok("foo".to_string())),
            (" foo ", Ok("foo".to_string())),
            ("", Ok("".to_string())),
            ("  ", Ok("".to_string())),
            ("\u{1c}foo\u{1f}", Ok("foo".to_string())),
            ("a b", Err("Invalid name: 'a b' because of character: ' '")),
            ("a:b", Err("Invalid name: 'a:b' because of character: ':'")),
            ("a/b", Err("Invalid name: 'a/b' because of character: '/'")),
            ("a/b:c d", Err("Invalid name: 'a/b:c d' because of character: ' '")),
            ("b/a:c", Err("Invalid name: 'b/a:c' because of character: ':'")),
            ("\tx\t", Ok("x".to_string())),
            ("x\ty", Ok("x\ty".to_string())),
            ("it's:", Err("Invalid name: \"it's:\" because of character: ':'")),
            ("été", Ok("été".to_string())),
            ("cat-1_x.y", Ok("cat-1_x.y".to_string())),
        ]);
    }

    #[test]
    fn list_of_strings_rows() {
        let rows: [(&str, &[&str]); 8] = [
            ("", &[]),
            ("a", &["a"]),
            ("a,b", &["a", "b"]),
            (" a , b ", &["a", "b"]),
            ("a,,b", &["a", "", "b"]),
            (" ", &[""]),
            (",", &["", ""]),
            ("\u{1c}a\u{1f},\u{a0}b", &["a", "b"]),
        ];
        for (input, expected) in rows {
            assert_eq!(
                list_of_strings(input),
                expected,
                "list_of_strings({input:?})"
            );
        }
    }

    #[test]
    fn inet_address_rows() {
        #[rustfmt::skip]
        check(inet_address, "inet_address", &[
            ("9001", Ok(("".to_string(), 9001))),
            (":9001", Ok(("".to_string(), 9001))),
            ("*:9001", Ok(("".to_string(), 9001))),
            ("localhost:9001", Ok(("localhost".to_string(), 9001))),
            ("LocalHost:9001", Ok(("localhost".to_string(), 9001))),
            ("127.0.0.1:9001", Ok(("127.0.0.1".to_string(), 9001))),
            ("[::1]:9001", Ok(("[::1]".to_string(), 9001))),
            ("a:b:9001", Ok(("a:b".to_string(), 9001))),
            ("host: 9001 ", Ok(("host".to_string(), 9001))),
            ("host:", Err("no port number specified in ''")),
            ("", Err("not a valid port number: '' ")),
            ("abc", Err("not a valid port number: 'abc' ")),
            ("0", Err("not a valid port number: '0' ")),
            ("65535", Ok(("".to_string(), 65535))),
            ("65536", Err("not a valid port number: '65536' ")),
            ("1.5", Err("not a valid port number: '1.5' ")),
            ("host:abc", Err("invalid literal for int() with base 10: 'abc'")),
            ("host:0", Err("0 is below lower bound (1)")),
            ("host:65536", Err("65536 is above upper bound (65535)")),
            ("*:1", Ok(("".to_string(), 1))),
            ("99999999999999999999999", Err("not a valid port number: '99999999999999999999999' ")),
            ("h:99999999999999999999999", Err("99999999999999999999999 is above upper bound (65535)")),
            ("h:-5", Err("-5 is below lower bound (1)")),
            ("it's", Err("not a valid port number: \"it's\" ")),
        ]);
    }

    #[test]
    fn url_rows() {
        #[rustfmt::skip]
        check(url, "url", &[
            ("http://localhost:9001", Ok("http://localhost:9001".to_string())),
            ("unix:///tmp/supervisor.sock", Ok("unix:///tmp/supervisor.sock".to_string())),
            ("http://", Err("value 'http://' is not a URL")),
            ("http:", Err("value 'http:' is not a URL")),
            ("localhost:9001", Ok("localhost:9001".to_string())),
            ("foo", Err("value 'foo' is not a URL")),
            ("http:/x", Ok("http:/x".to_string())),
            ("http://[::1]:9001", Ok("http://[::1]:9001".to_string())),
            ("http://[fe80::1%eth0]/", Ok("http://[fe80::1%eth0]/".to_string())),
            ("http://[1.2.3.4]/", Err("An IPv4 address cannot be in brackets")),
            ("http://[v1.x]/", Ok("http://[v1.x]/".to_string())),
            ("http://[v.x]/", Err("IPvFuture address is invalid")),
            ("http://[bogus]/", Err("'bogus' does not appear to be an IPv4 or IPv6 address")),
            ("http://[::1/", Err("Invalid IPv6 URL")),
            ("http://::1]/", Err("Invalid IPv6 URL")),
            ("HTTP://x", Ok("HTTP://x".to_string())),
            ("http:;p", Err("value 'http:;p' is not a URL")),
            ("http:/a;p", Ok("http:/a;p".to_string())),
            ("mailto:;p", Ok("mailto:;p".to_string())),
            ("1http://x", Err("value '1http://x' is not a URL")),
            ("", Err("value '' is not a URL")),
            ("  http://x", Ok("  http://x".to_string())),
            ("\u{1}ftp:x", Ok("\u{1}ftp:x".to_string())),
            ("ht\ttp://x", Ok("ht\ttp://x".to_string())),
            ("x:", Err("value 'x:' is not a URL")),
        ]);
    }

    #[test]
    fn fcgi_socket_rows() {
        #[rustfmt::skip]
        check(fcgi_socket, "fcgi_socket", &[
            ("unix:///tmp/x.sock", Ok(FcgiSocket::Unix { path: "/tmp/x.sock".into() })),
            ("unix:///tmp/../tmp//x.sock/", Ok(FcgiSocket::Unix { path: "/tmp/x.sock".into() })),
            ("unix://rel.sock", Err("('Unix socket path %s is not an absolute path', 'rel.sock')")),
            ("unix://", Err("('Unix socket path %s is not an absolute path', '')")),
            ("unix://~/x.sock", Err("('Unix socket path %s is not an absolute path', '~/x.sock')")),
            ("tcp://localhost:9000", Ok(FcgiSocket::Tcp { host: "localhost".into(), port: 9000 })),
            ("tcp://LocalHost:9000", Ok(FcgiSocket::Tcp { host: "localhost".into(), port: 9000 })),
            ("tcp://127.0.0.1:1", Ok(FcgiSocket::Tcp { host: "127.0.0.1".into(), port: 1 })),
            ("tcp://h:65535", Ok(FcgiSocket::Tcp { host: "h".into(), port: 65535 })),
            ("tcp://h:0", Err("0 is below lower bound (1)")),
            ("tcp://h:65536", Err("65536 is above upper bound (65535)")),
            ("tcp://h:00080", Ok(FcgiSocket::Tcp { host: "h".into(), port: 80 })),
            ("tcp://h:80\n", Ok(FcgiSocket::Tcp { host: "h".into(), port: 80 })),
            ("tcp://h:80\n\n", Err("('Bad socket format %s', 'tcp://h:80\\n\\n')")),
            ("tcp://h:", Err("('Bad socket format %s', 'tcp://h:')")),
            ("tcp://:80", Err("('Bad socket format %s', 'tcp://:80')")),
            ("tcp://a b:80", Err("('Bad socket format %s', 'tcp://a b:80')")),
            ("tcp://a\u{1c}b:80", Err("('Bad socket format %s', 'tcp://a\\x1cb:80')")),
            ("tcp://h:-1", Err("('Bad socket format %s', 'tcp://h:-1')")),
            ("tcp://h: 1", Err("('Bad socket format %s', 'tcp://h: 1')")),
            ("tcp://h:80 ", Err("('Bad socket format %s', 'tcp://h:80 ')")),
            ("TCP://h:80", Err("('Bad socket format %s', 'TCP://h:80')")),
            ("udp://h:80", Err("('Bad socket format %s', 'udp://h:80')")),
            ("foo", Err("('Bad socket format %s', 'foo')")),
            ("", Err("('Bad socket format %s', '')")),
            ("tcp://h:١٢", Ok(FcgiSocket::Tcp { host: "h".into(), port: 12 })),
            ("tcp://h:80:90", Err("('Bad socket format %s', 'tcp://h:80:90')")),
            ("tcp://[::1]:80", Err("('Bad socket format %s', 'tcp://[::1]:80')")),
            ("it's", Err("('Bad socket format %s', \"it's\")")),
        ]);
    }

    #[test]
    fn fcgi_socket_urls() {
        let rows = [
            ("unix:///tmp/a/../x.sock", "unix:///tmp/x.sock"),
            ("tcp://LocalHost:00080", "tcp://localhost:80"),
        ];
        for (input, expected) in rows {
            assert_eq!(
                fcgi_socket(input).map(|socket| socket.url()),
                Ok(expected.to_string()),
                "{input}"
            );
        }
    }

    #[test]
    fn logfile_name_rows() {
        let host = FakeHost::new();
        let path = |text: &str| LogFileValue::Path(text.to_string());
        #[rustfmt::skip]
        check(|value| logfile_name(value, &host), "logfile_name", &[
            ("NONE", Ok(LogFileValue::None)),
            ("none", Ok(LogFileValue::None)),
            ("Off", Ok(LogFileValue::None)),
            ("AUTO", Ok(LogFileValue::Auto)),
            ("auto", Ok(LogFileValue::Auto)),
            ("syslog", Ok(LogFileValue::Syslog)),
            ("SysLog", Ok(LogFileValue::Syslog)),
            ("/var/log/app.log", Ok(path("/var/log/app.log"))),
            ("~/out.log", Ok(path("/root/out.log"))),
            ("~app/out.log", Ok(path("/home/app/out.log"))),
            ("out.log", Ok(path("out.log"))),
            ("none ", Ok(path("none "))),
            ("/nonexistent/x.log", Err("The directory named as part of the path /nonexistent/x.log does not exist")),
            ("~nosuch/x.log", Err("The directory named as part of the path ~nosuch/x.log does not exist")),
        ]);
    }

    #[test]
    fn existing_dirpath_rows() {
        let host = FakeHost::new();
        #[rustfmt::skip]
        check(|value| existing_dirpath(value, &host), "existing_dirpath", &[
            ("/var/log/supervisord.log", Ok("/var/log/supervisord.log".to_string())),
            ("supervisord.pid", Ok("supervisord.pid".to_string())),
            ("/x.log", Ok("/x.log".to_string())),
            ("", Ok("".to_string())),
            ("~/x.log", Ok("/root/x.log".to_string())),
            ("/tmp/", Ok("/tmp/".to_string())),
            ("/nonexistent/x.log", Err("The directory named as part of the path /nonexistent/x.log does not exist")),
            ("logs/x.log", Err("The directory named as part of the path logs/x.log does not exist")),
        ]);
    }

    #[test]
    fn existing_directory_rows() {
        let host = FakeHost::new();
        #[rustfmt::skip]
        check(|value| existing_directory(value, &host), "existing_directory", &[
            ("/tmp", Ok("/tmp".to_string())),
            ("/tmp/", Ok("/tmp/".to_string())),
            ("~", Ok("/root".to_string())),
            ("~app", Ok("/home/app".to_string())),
            ("/nonexistent", Err("/nonexistent is not an existing directory")),
            ("~app/logs", Err("~app/logs is not an existing directory")),
            ("~nosuch", Err("~nosuch is not an existing directory")),
            ("", Err(" is not an existing directory")),
        ]);
    }

    #[test]
    fn user_rows() {
        let host = FakeHost::new();
        let spec = |written: &str, name: &str, uid: u32, gid: u32| UserSpec {
            written: written.to_string(),
            name: name.to_string(),
            uid,
            gid,
        };
        #[rustfmt::skip]
        check(|value| user(value, &host), "user", &[
            ("root", Ok(spec("root", "root", 0, 0))),
            ("0", Ok(spec("0", "root", 0, 0))),
            (" 0 ", Ok(spec(" 0 ", "root", 0, 0))),
            ("+0", Ok(spec("+0", "root", 0, 0))),
            ("app", Ok(spec("app", "app", 1000, 1000))),
            ("1000", Ok(spec("1000", "app", 1000, 1000))),
            ("1_000", Ok(spec("1_000", "app", 1000, 1000))),
            ("nobody", Ok(spec("nobody", "nobody", 65534, 65534))),
            ("65534", Ok(spec("65534", "nobody", 65534, 65534))),
            ("nosuch", Err("Invalid user name nosuch")),
            ("root ", Err("Invalid user name root ")),
            ("", Err("Invalid user name ")),
            ("12345", Err("Invalid user id 12345")),
            ("-1", Err("Invalid user id -1")),
            ("99999999999999999999", Err("Invalid user id 99999999999999999999")),
            ("a\0b", Err("embedded null byte")),
        ]);
    }

    #[test]
    fn user_group_rows() {
        let host = FakeHost::new();
        #[rustfmt::skip]
        check(|value| user_group(value, &host), "user_group", &[
            ("root", Ok((0, -1))),
            ("app", Ok((1000, -1))),
            ("root:root", Ok((0, 0))),
            ("0:0", Ok((0, 0))),
            (" 0:0", Ok((0, 0))),
            ("app:app", Ok((1000, 1000))),
            ("app:1000", Ok((1000, 1000))),
            ("app:adm", Ok((1000, 4))),
            ("1000:4", Ok((1000, 4))),
            ("nobody:nogroup", Ok((65534, 65534))),
            ("nosuch", Err("Invalid user:group definition nosuch")),
            ("root:nosuch", Err("Invalid user:group definition root:nosuch")),
            ("root:", Err("Invalid user:group definition root:")),
            ("root:99", Err("Invalid user:group definition root:99")),
            ("root:-1", Err("Invalid user:group definition root:-1")),
            ("root:root:x", Err("Invalid user:group definition root:root:x")),
            ("nosuch:root", Err("Invalid user:group definition nosuch:root")),
            (":root", Err("Invalid user:group definition :root")),
        ]);
    }

    #[test]
    fn unicode_decimal_digits_like_python() {
        let rows = [
            ('0', Some(0)),
            ('9', Some(9)),
            ('\u{660}', Some(0)),
            ('\u{669}', Some(9)),
            ('\u{ff19}', Some(9)),
            ('\u{1fbf9}', Some(9)),
            ('\u{1d7ff}', Some(9)),
            ('\u{65f}', None),
            ('\u{b2}', None),
            ('\u{2460}', None),
            ('a', None),
            ('/', None),
        ];
        for (ch, expected) in rows {
            assert_eq!(unicode_decimal_value(ch), expected, "{ch:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn no_parser_panics(text in proptest::prop_oneof![
            proptest::arbitrary::any::<String>(),
            "[0-9_ +\\-:*kmgbKMGBoOx,.;a-z/~\\[\\]%#?@\t\n\u{1c}\u{660}\u{2003}]{0,16}",
        ]) {
            let host = FakeHost::new();
            let _ = boolean(&text);
            let _ = integer(&text);
            let _ = byte_size(&text);
            let _ = octal(&text);
            let _ = signal_number(&text);
            let _ = exitcodes(&text);
            let _ = autorestart(&text);
            let _ = log_level(&text);
            let _ = process_or_group_name(&text);
            let _ = inet_address(&text);
            let _ = logfile_name(&text, &host);
            let _ = existing_dirpath(&text, &host);
            let _ = existing_directory(&text, &host);
            let _ = user(&text, &host);
            let _ = user_group(&text, &host);
            let _ = list_of_strings(&text);
            let _ = url(&text);
            let _ = fcgi_socket(&text);
        }

        #[test]
        fn integer_reads_back_any_i64(number in proptest::arbitrary::any::<i64>(), padding in "[ \t]{0,2}") {
            let text = format!("{padding}{number}{padding}");
            proptest::prop_assert_eq!(integer(&text), Ok(number));
        }

        #[test]
        fn byte_size_units_multiply(count in -8_000_000_i64..8_000_000, unit in 0usize..3) {
            let (suffix, multiplier) = [("KB", 1024), ("mb", 1024 * 1024), ("Gb", 1024 * 1024 * 1024)][unit];
            proptest::prop_assert_eq!(byte_size(&format!("{count}{suffix}")), Ok(count * multiplier));
        }
    }
}
