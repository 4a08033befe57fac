//! The values Supervisor's XML-RPC decoder hands to its methods, and the few Python operations the methods apply
//! to them: `int()`, truthiness, `str()`/`repr()` (fault texts quote what the client sent), and the exceptions
//! those raise.
//!
//! Supervisor's methods take whatever the decoder produced and apply Python semantics, so `"0"` works as an
//! integer, `<string>false</string>` is a true `wait`, and a non-string process name raises `AttributeError`
//! (HTTP 500). This module owns those semantics; it does not decode XML ([`super::decode`]) or decide which
//! operation a method applies ([`super::methods`]).

use std::fmt::Write as _;

/// A decoded request value, as the Python object Supervisor's decoder would have built.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<nil/>` and other empty unknown tags: the decoder leaves `None`.
    None,
    Bool(bool),
    /// Python integers are unbounded; requests needing more than 64 bits are rejected by the decoder.
    Int(i64),
    Double(f64),
    Str(String),
    DateTime(DateTime),
    List(Vec<Value>),
    /// A Python dict: insertion order, keys unique by Python equality, keys never lists or dicts.
    Dict(Vec<(Value, Value)>),
}

/// A `dateTime.iso8601` value (a naive `datetime.datetime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// A Python exception raised while a method ran. `TypeError` is special: Supervisor's dispatcher turns any
/// `TypeError` into the fault `INCORRECT_PARAMETERS`; every other class becomes HTTP 500 (or, inside
/// `system.multicall`, `FAILED: <class 'X'>:message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyException {
    /// The class name, e.g. `AttributeError`.
    pub class: &'static str,
    pub message: String,
}

impl PyException {
    pub fn new(class: &'static str, message: impl Into<String>) -> PyException {
        PyException {
            class,
            message: message.into(),
        }
    }

    /// `AttributeError: 'int' object has no attribute 'split'`, what calling a str method on another type raises.
    pub fn no_attribute(value: &Value, attribute: &str) -> PyException {
        PyException::new(
            "AttributeError",
            format!(
                "'{}' object has no attribute '{attribute}'",
                value.type_name()
            ),
        )
    }

    pub fn is_type_error(&self) -> bool {
        self.class == "TypeError"
    }
}

impl Value {
    /// `type(value).__name__` as Python's messages quote it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Double(_) => "float",
            Value::Str(_) => "str",
            Value::DateTime(_) => "datetime.datetime",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
        }
    }

    /// `bool(value)`.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(flag) => *flag,
            Value::Int(number) => *number != 0,
            // NaN is true in Python, and `NaN != 0.0` holds.
            Value::Double(number) => *number != 0.0,
            Value::Str(text) => !text.is_empty(),
            Value::DateTime(_) => true,
            Value::List(items) => !items.is_empty(),
            Value::Dict(members) => !members.is_empty(),
        }
    }

    /// Lists and dicts cannot be dict keys or `in dict` operands: Python raises `TypeError: unhashable type`.
    pub fn is_hashable(&self) -> bool {
        !matches!(self, Value::List(_) | Value::Dict(_))
    }

    /// `value == other` for hashable values, as dict keys compare (`1 == 1.0 == True`).
    pub fn py_eq(&self, other: &Value) -> bool {
        match (self.as_number(), other.as_number()) {
            (Some(left), Some(right)) => return left == right,
            (Some(_), None) | (None, Some(_)) => return false,
            (None, None) => {}
        }
        self == other
    }

    /// The numeric value of a bool, int or float, for cross-type equality.
    fn as_number(&self) -> Option<f64> {
        match self {
            Value::Bool(flag) => Some(f64::from(u8::from(*flag))),
            // Exact enough: equality with a float is only asked for dict keys.
            Value::Int(number) => Some(*number as f64),
            Value::Double(number) => Some(*number),
            _ => None,
        }
    }

    /// `int(value)`.
    pub fn to_int(&self) -> Result<i64, PyException> {
        match self {
            Value::Int(number) => Ok(*number),
            Value::Bool(flag) => Ok(i64::from(*flag)),
            Value::Double(number) => float_to_int(*number),
            Value::Str(text) => parse_int(text),
            other => Err(PyException::new(
                "TypeError",
                format!(
                    "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                    other.type_name()
                ),
            )),
        }
    }

    /// `str(value)`: what `'%s' % value` gives.
    pub fn to_py_str(&self) -> String {
        match self {
            Value::Str(text) => text.clone(),
            Value::DateTime(moment) => format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second
            ),
            other => other.to_py_repr(),
        }
    }

    /// `repr(value)`.
    pub fn to_py_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(number) => {
                let _ = write!(out, "{number}");
            }
            Value::Double(number) => out.push_str(&float_repr(*number)),
            Value::Str(text) => out.push_str(&str_repr(text)),
            Value::DateTime(moment) => {
                let _ = write!(
                    out,
                    "datetime.datetime({}, {}, {}, {}, {}",
                    moment.year, moment.month, moment.day, moment.hour, moment.minute
                );
                // datetime.__repr__ drops trailing zero fields (seconds, microseconds).
                if moment.second != 0 {
                    let _ = write!(out, ", {}", moment.second);
                }
                out.push(')');
            }
            Value::List(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    item.write_repr(out);
                }
                out.push(']');
            }
            Value::Dict(members) => {
                out.push('{');
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    key.write_repr(out);
                    out.push_str(": ");
                    value.write_repr(out);
                }
                out.push('}');
            }
        }
    }
}

/// `int(float)`: truncation toward zero.
fn float_to_int(number: f64) -> Result<i64, PyException> {
    if number.is_nan() {
        return Err(PyException::new(
            "ValueError",
            "cannot convert float NaN to integer",
        ));
    }
    if number.is_infinite() {
        return Err(PyException::new(
            "OverflowError",
            "cannot convert float infinity to integer",
        ));
    }
    let truncated = number.trunc();
    // 2^63 is exactly representable; anything at or past it does not fit.
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&truncated) {
        return Err(too_large());
    }
    Ok(truncated as i64)
}

fn too_large() -> PyException {
    PyException::new("OverflowError", "Python int too large to convert to C long")
}

/// Python's `str.strip()` whitespace: Unicode whitespace plus the information separators U+001C..U+001F.
pub fn is_py_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Digits with optional single underscores between them, as Python's `int()` and `float()` accept.
fn without_digit_underscores(digits: &str) -> Option<String> {
    let bytes = digits.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        if *byte == b'_' {
            let before = index.checked_sub(1).map(|at| bytes[at]);
            let after = bytes.get(index + 1).copied();
            let is_digit = |byte: Option<u8>| byte.is_some_and(|byte| byte.is_ascii_digit());
            if !is_digit(before) || !is_digit(after) {
                return None;
            }
        }
    }
    Some(digits.replace('_', ""))
}

/// `int(text)` in base 10: surrounding whitespace, a sign, ASCII digits with single underscores. (Python also
/// accepts non-ASCII decimal digits; we do not.)
pub fn parse_int(text: &str) -> Result<i64, PyException> {
    let invalid = || {
        PyException::new(
            "ValueError",
            format!("invalid literal for int() with base 10: {}", str_repr(text)),
        )
    };
    let trimmed = text.trim_matches(is_py_whitespace);
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if digits.is_empty()
        || !digits
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b'_')
    {
        return Err(invalid());
    }
    let digits = without_digit_underscores(digits).ok_or_else(invalid)?;
    let magnitude: i128 = digits.parse().map_err(|_| too_large())?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).map_err(|_| too_large())
}

/// `float(text)`: surrounding whitespace, underscores between digits, `inf`/`infinity`/`nan` in any case.
pub fn parse_float(text: &str) -> Option<f64> {
    let trimmed = text.trim_matches(is_py_whitespace);
    let cleaned = without_digit_underscores(trimmed)?;
    // Rust accepts what Python accepts here except that it also reads a few spellings Python rejects (none
    // that matter: both need digits or one of the special words).
    if cleaned.is_empty() || cleaned.contains(|c: char| !c.is_ascii()) {
        return None;
    }
    cleaned.parse::<f64>().ok()
}

/// `repr(float)`: the shortest digits that round-trip, fixed notation for decimal exponents -4..16, otherwise
/// `1e+16` style, and always a `.0` on integral fixed values.
pub fn float_repr(number: f64) -> String {
    if number.is_nan() {
        return "nan".to_string();
    }
    if number.is_infinite() {
        return if number > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // `{:e}` gives the shortest round-trip digits as `d.ddde±x`.
    let scientific = format!("{:e}", number.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` always writes an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` writes a decimal exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if number.is_sign_negative() { "-" } else { "" };
    // Python's decpt: the value is 0.DIGITS x 10^decpt.
    let decimal_point = exponent + 1;
    let n_digits = digits.len() as i32;
    if (-4 < decimal_point) && (decimal_point <= 16) {
        let body = if decimal_point <= 0 {
            format!("0.{}{digits}", "0".repeat((-decimal_point) as usize))
        } else if decimal_point >= n_digits {
            format!(
                "{digits}{}.0",
                "0".repeat((decimal_point - n_digits) as usize)
            )
        } else {
            let (whole, fraction) = digits.split_at(decimal_point as usize);
            format!("{whole}.{fraction}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exponent_sign}{:02}", exponent.abs())
    }
}

/// `repr(str)`: single quotes unless the text has a single quote and no double quote; backslash escapes for
/// quotes, backslashes, `\t \n \r` and characters Python does not print. Python's printability comes from the
/// Unicode database; this approximates it with control, separator, format and private-use characters.
pub fn str_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_py_printable(c) => {
                let code = u32::from(c);
                let _ = if code <= 0xff {
                    write!(out, "\\x{code:02x}")
                } else if code <= 0xffff {
                    write!(out, "\\u{code:04x}")
                } else {
                    write!(out, "\\U{code:08x}")
                };
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn is_py_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let code = u32::from(c);
    let format_characters = [
        0x00ad..=0x00ad,
        0x0600..=0x0605,
        0x061c..=0x061c,
        0x06dd..=0x06dd,
        0x070f..=0x070f,
        0x180e..=0x180e,
        0x200b..=0x200f,
        0x202a..=0x202e,
        0x2060..=0x2064,
        0x2066..=0x206f,
        0xfeff..=0xfeff,
        0xfff9..=0xfffb,
        0xe000..=0xf8ff,
        0xfffe..=0xffff,
        0xf0000..=0x10ffff,
    ];
    !format_characters.iter().any(|range| range.contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moment(second: u8) -> Value {
        Value::DateTime(DateTime {
            year: 2024,
            month: 1,
            day: 2,
            hour: 3,
            minute: 4,
            second,
        })
    }

    /// Expected texts printed by CPython 3.11 (`str()` of each value, through Supervisor's `'%s: %s'`).
    #[test]
    fn str_and_repr_match_python() {
        let cases: Vec<(Value, &str)> = vec![
            (Value::Int(-5), "-5"),
            (Value::Bool(true), "True"),
            (Value::None, "None"),
            (Value::Double(1.0), "1.0"),
            (Value::Double(1e16), "1e+16"),
            (Value::Double(1e-5), "1e-05"),
            (Value::Double(1e15), "1000000000000000.0"),
            (Value::Double(0.0001), "0.0001"),
            (Value::Double(-0.0), "-0.0"),
            (Value::Double(1e22), "1e+22"),
            (Value::Double(123456789.123), "123456789.123"),
            (Value::Double(1.5e-7), "1.5e-07"),
            (Value::Double(f64::INFINITY), "inf"),
            (Value::Double(f64::NAN), "nan"),
            (moment(0), "2024-01-02 03:04:00"),
            (Value::Str("plain".into()), "plain"),
            (
                Value::List(vec![
                    Value::Int(1),
                    Value::Str("a".into()),
                    Value::None,
                    Value::Dict(vec![(Value::Str("k".into()), Value::Str("it's".into()))]),
                ]),
                r#"[1, 'a', None, {'k': "it's"}]"#,
            ),
            (
                Value::List(vec![
                    moment(0),
                    moment(5),
                    Value::Str("a\"b".into()),
                    Value::Str("a'b".into()),
                    Value::Str("a'\"b".into()),
                    Value::Str("é\u{7f}\n\u{0}\\".into()),
                    Value::Double(0.1),
                    Value::Double(2.0),
                ]),
                r#"[datetime.datetime(2024, 1, 2, 3, 4), datetime.datetime(2024, 1, 2, 3, 4, 5), 'a"b', "a'b", 'a\'"b', 'é\x7f\n\x00\\', 0.1, 2.0]"#,
            ),
            (Value::Dict(vec![]), "{}"),
        ];
        for (value, expected) in cases {
            assert_eq!(value.to_py_str(), expected, "{value:?}");
        }
    }

    #[test]
    fn int_follows_python() {
        let cases: Vec<(Value, Result<i64, &str>)> = vec![
            (Value::Str(" 1_0 ".into()), Ok(10)),
            (Value::Str("+5".into()), Ok(5)),
            (Value::Str("-007".into()), Ok(-7)),
            (Value::Str("\u{a0}3\n".into()), Ok(3)),
            (
                Value::Str("1__0".into()),
                Err("ValueError: invalid literal for int() with base 10: '1__0'"),
            ),
            (
                Value::Str("_1".into()),
                Err("ValueError: invalid literal for int() with base 10: '_1'"),
            ),
            (
                Value::Str("abc".into()),
                Err("ValueError: invalid literal for int() with base 10: 'abc'"),
            ),
            (
                Value::Str("".into()),
                Err("ValueError: invalid literal for int() with base 10: ''"),
            ),
            (
                Value::Str("1.5".into()),
                Err("ValueError: invalid literal for int() with base 10: '1.5'"),
            ),
            (
                Value::Str("99999999999999999999".into()),
                Err("OverflowError: Python int too large to convert to C long"),
            ),
            (Value::Bool(true), Ok(1)),
            (Value::Double(-2.9), Ok(-2)),
            (
                Value::Double(f64::NAN),
                Err("ValueError: cannot convert float NaN to integer"),
            ),
            (
                Value::Double(f64::NEG_INFINITY),
                Err("OverflowError: cannot convert float infinity to integer"),
            ),
            (
                Value::None,
                Err("TypeError: int() argument must be a string, a bytes-like object or a real number, not 'NoneType'"),
            ),
            (
                Value::List(vec![]),
                Err("TypeError: int() argument must be a string, a bytes-like object or a real number, not 'list'"),
            ),
        ];
        for (value, expected) in cases {
            let got = value
                .to_int()
                .map_err(|error| format!("{}: {}", error.class, error.message));
            assert_eq!(got, expected.map_err(str::to_string), "{value:?}");
        }
    }

    #[test]
    fn float_parsing_follows_python() {
        let cases: Vec<(&str, Option<f64>)> = vec![
            ("1.5", Some(1.5)),
            (" 1e3\n", Some(1000.0)),
            ("1_0.5", Some(10.5)),
            ("-Infinity", Some(f64::NEG_INFINITY)),
            ("1e400", Some(f64::INFINITY)),
            (".5", Some(0.5)),
            ("1_", None),
            ("", None),
            ("abc", None),
            ("1.5.5", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_float(text), expected, "{text:?}");
        }
        assert!(parse_float(" nan").is_some_and(f64::is_nan));
    }

    #[test]
    fn truthiness_and_equality() {
        let falsy = [
            Value::None,
            Value::Bool(false),
            Value::Int(0),
            Value::Double(0.0),
            Value::Str(String::new()),
            Value::List(vec![]),
            Value::Dict(vec![]),
        ];
        for value in falsy {
            assert!(!value.is_truthy(), "{value:?}");
        }
        let truthy = [
            Value::Str("false".into()),
            Value::Str("0".into()),
            Value::Int(-1),
            Value::Double(f64::NAN),
            moment(0),
            Value::List(vec![Value::None]),
        ];
        for value in truthy {
            assert!(value.is_truthy(), "{value:?}");
        }
        assert!(Value::Int(1).py_eq(&Value::Bool(true)));
        assert!(Value::Int(1).py_eq(&Value::Double(1.0)));
        assert!(!Value::Int(1).py_eq(&Value::Str("1".into())));
        assert!(Value::Str("a".into()).py_eq(&Value::Str("a".into())));
    }
}
