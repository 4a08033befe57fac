//! Python's `template % names` (CPython 3.11, `PyUnicode_Format`) and Supervisor's `expand()` around it.
//!
//! Owns: the `%`-format mini-language as CPython runs it against a mapping, step for step and with CPython's
//! exact error texts (every conversion `s r a d i u o x X e E f F g G c %`, the flags `#0- +`, width and
//! precision, `*`, the ignored length modifiers `h l L`, `%(key)` with nested parentheses), and the two
//! `ValueError` texts of Supervisor's `options.expand`. Does not own: which names each option may use, or when a
//! value is expanded twice (the section parser decides that).
//!
//! Facts about CPython worth knowing, all checked against CPython 3.11:
//! - The argument is always a mapping here, so "format requires a mapping" and "not all arguments converted
//!   during string formatting" cannot happen: both need a tuple or a non-mapping argument.
//! - A spec without `(key)` takes the whole mapping as its argument, once: `%s` prints `str(dict)`, a second
//!   bare spec (or a bare spec after a keyed one) fails with "not enough arguments for format string".
//! - `*` takes the argument too: with the whole mapping it fails with "* wants int"; after `(key)` with an int
//!   it uses the value up and the conversion then fails with "not enough arguments for format string".
//! - The argument is fetched before the conversion character is checked, so `%(missing)z` is a `KeyError`.
//! - A stray `%` is not always "incomplete format": in `100% done` the space is a flag and `d` a conversion of
//!   the whole mapping, so the text is "%d format: a real number is required, not dict".
//!
//! Known differences, all outside what a configuration file does in practice:
//! - `%s` of the whole mapping lists the names in sorted order (a [`Names`] is a `BTreeMap`); Python lists them in
//!   its dict's insertion order.
//! - `%c` of a surrogate code point (0xD800..=0xDFFF) yields U+FFFD: a Rust `String` cannot hold a lone
//!   surrogate (Python builds the string and fails later, when it encodes it).
//! - A single conversion whose text would exceed [`OUTPUT_LIMIT`] characters fails like a `MemoryError` (empty
//!   message). CPython fails the same way only when the allocation itself fails, which for widths up to a few
//!   billion it does not.
//! - `%r` of a string uses [`py_repr`], which escapes the ASCII and Latin-1 control characters as CPython does but
//!   not the rarer non-printable code points (such as U+2028). `%a` escapes every non-ASCII character, so it is
//!   exact.

use std::collections::BTreeMap;

use super::pyrepr::py_repr;

/// A value that `%(name)` can refer to. Supervisor's expansions hold only strings (`ENV_*`, `here`,
/// `host_node_name`, `program_name`, `group_name`) and ints (`process_num`, `numprocs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandValue {
    Str(String),
    Int(i64),
}

/// The mapping on the right of `%`.
pub type Names = BTreeMap<String, ExpandValue>;

/// Why `template % names` raised. `Display` gives Python's `str(exception)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// KeyError: the missing key. Python's `str(KeyError(key))` is the repr of the key.
    #[error("{}", py_repr(.0))]
    MissingKey(String),
    /// Any other exception (ValueError, TypeError, OverflowError, MemoryError): its `str()`.
    #[error("{0}")]
    Bad(String),
}

/// Longest text one conversion may produce before it is treated as a `MemoryError` (see the module notes).
pub const OUTPUT_LIMIT: i64 = 1 << 24;

/// Python `template % names`.
pub fn format(template: &str, names: &Names) -> Result<String, FormatError> {
    let mut formatter = Formatter {
        chars: template.chars().collect(),
        position: 0,
        names,
        pending_argument: Some(Argument::WholeMapping(names)),
        output: String::with_capacity(template.len()),
    };
    while let Some(ch) = formatter.take() {
        if ch == '%' {
            formatter.format_one()?;
        } else {
            formatter.output.push(ch);
        }
    }
    Ok(formatter.output)
}

/// Supervisor's `options.expand(s, expansions, name)`: `Ok(expanded)`, or `Err` with the exact `ValueError` text.
pub fn expand(template: &str, names: &Names, name: &str) -> Result<String, String> {
    format(template, names).map_err(|error| match error {
        FormatError::MissingKey(_) => {
            // BTreeMap keys iterate in byte order, which for UTF-8 is code point order: Python's `sort()`.
            let available: Vec<&str> = names.keys().map(String::as_str).collect();
            format!(
                "Format string {} for {} contains names ({}) which cannot be expanded. Available names: {}",
                py_repr(template),
                py_repr(name),
                error,
                available.join(", ")
            )
        }
        FormatError::Bad(_) => format!(
            "Format string {} for {} is badly formatted: {}",
            py_repr(template),
            py_repr(name),
            error
        ),
    })
}

fn bad(message: impl Into<String>) -> FormatError {
    FormatError::Bad(message.into())
}

fn memory_error() -> FormatError {
    // str(MemoryError()) is empty.
    bad("")
}

/// What the next conversion consumes: CPython's `ctx->args` while `ctx->argidx < ctx->arglen`.
#[derive(Clone, Copy)]
enum Argument<'a> {
    /// No `(key)` seen yet: the mapping itself.
    WholeMapping(&'a Names),
    /// The value the last `(key)` looked up.
    Value(&'a ExpandValue),
}

impl Argument<'_> {
    /// `type(argument).__name__`, for TypeError texts.
    fn type_name(self) -> &'static str {
        match self {
            Argument::WholeMapping(_) => "dict",
            Argument::Value(ExpandValue::Str(_)) => "str",
            Argument::Value(ExpandValue::Int(_)) => "int",
        }
    }
}

/// One conversion specification after parsing. Width and precision are -1 when absent, as in CPython.
struct Spec {
    left_justify: bool,
    sign: bool,
    blank: bool,
    alternate: bool,
    zero: bool,
    width: i64,
    precision: i64,
    conversion: char,
}

struct Formatter<'a> {
    chars: Vec<char>,
    /// Index (in code points) of the next unread character. CPython's `fmtcnt` is `chars.len() - position`,
    /// and its "`--fmtcnt >= 0` failed" is [`Formatter::take`] returning `None`.
    position: usize,
    names: &'a Names,
    /// `None` once the argument is used up.
    pending_argument: Option<Argument<'a>>,
    output: String,
}

impl<'a> Formatter<'a> {
    fn take(&mut self) -> Option<char> {
        let ch = self.chars.get(self.position).copied()?;
        self.position += 1;
        Some(ch)
    }

    /// `unicode_format_getnextarg`.
    fn next_argument(&mut self) -> Result<Argument<'a>, FormatError> {
        self.pending_argument
            .take()
            .ok_or_else(|| bad("not enough arguments for format string"))
    }

    /// `unicode_format_arg`: one conversion, `position` being just past its `%`.
    fn format_one(&mut self) -> Result<(), FormatError> {
        // CPython peeks here; past the end it reads the string's NUL terminator, which matches nothing below.
        let peeked = self.chars.get(self.position).copied().unwrap_or('\0');
        if peeked == '%' {
            self.position += 1;
            self.output.push('%');
            return Ok(());
        }
        let spec = self.parse_spec(peeked)?;
        let argument = self.next_argument()?;
        let text = match spec.conversion {
            's' | 'r' | 'a' => render_text(argument, spec.conversion),
            'i' | 'd' | 'u' | 'o' | 'x' | 'X' => render_integer(argument, &spec)?,
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => render_float(argument, &spec)?,
            'c' => render_char(argument)?.to_string(),
            other => {
                let code = other as u32;
                let shown = if (31..=126).contains(&code) {
                    other
                } else {
                    '?'
                };
                return Err(bad(format!(
                    "unsupported format character '{shown}' (0x{code:x}) at index {}",
                    self.position - 1
                )));
            }
        };
        let numeric = !matches!(spec.conversion, 's' | 'r' | 'a' | 'c');
        write_padded(&mut self.output, &spec, &text, numeric)
    }

    /// `unicode_format_arg_parse`: `(key)`, flags, width, precision, length modifier, conversion character.
    fn parse_spec(&mut self, peeked: char) -> Result<Spec, FormatError> {
        let mut ch = peeked;
        // Set when CPython's `--fmtcnt >= 0` fails: the template ended inside the spec.
        let mut exhausted = false;
        let mut spec = Spec {
            left_justify: false,
            sign: false,
            blank: false,
            alternate: false,
            zero: false,
            width: -1,
            precision: -1,
            conversion: '\0',
        };

        if ch == '(' {
            self.position += 1;
            let key_start = self.position;
            let mut depth = 1;
            while depth > 0 {
                let Some(key_char) = self.take() else { break };
                match key_char {
                    ')' => depth -= 1,
                    '(' => depth += 1,
                    _ => {}
                }
            }
            if depth > 0 {
                return Err(bad("incomplete format key"));
            }
            let key: String = self.chars[key_start..self.position - 1].iter().collect();
            // The lookup happens here, before the rest of the spec is even read.
            let value = self.names.get(&key).ok_or(FormatError::MissingKey(key))?;
            self.pending_argument = Some(Argument::Value(value));
            ch = ')';
        }

        loop {
            let Some(flag) = self.take() else {
                exhausted = true;
                break;
            };
            ch = flag;
            match flag {
                '-' => spec.left_justify = true,
                '+' => spec.sign = true,
                ' ' => spec.blank = true,
                '#' => spec.alternate = true,
                '0' => spec.zero = true,
                _ => break,
            }
        }

        if ch == '*' {
            let width = self.star_argument()?;
            // Never used: the conversion below always finds the argument used up. Kept for fidelity.
            spec.width = if width < 0 {
                spec.left_justify = true;
                width.wrapping_neg()
            } else {
                width
            };
            match self.take() {
                Some(next) => ch = next,
                None => exhausted = true,
            }
        } else if let Some(first_digit) = ch.to_digit(10) {
            spec.width = i64::from(first_digit);
            loop {
                let Some(next) = self.take() else {
                    exhausted = true;
                    break;
                };
                ch = next;
                let Some(digit) = next.to_digit(10) else {
                    break;
                };
                let digit = i64::from(digit);
                if spec.width > (i64::MAX - digit) / 10 {
                    return Err(bad("width too big"));
                }
                spec.width = spec.width * 10 + digit;
            }
        }

        if ch == '.' {
            spec.precision = 0;
            match self.take() {
                Some(next) => ch = next,
                None => exhausted = true,
            }
            if ch == '*' {
                let precision = self.star_argument()?;
                // `_PyLong_AsInt`.
                if precision > i64::from(i32::MAX) || precision < i64::from(i32::MIN) {
                    return Err(bad("Python int too large to convert to C int"));
                }
                spec.precision = precision.max(0);
                match self.take() {
                    Some(next) => ch = next,
                    None => exhausted = true,
                }
            } else if let Some(first_digit) = ch.to_digit(10) {
                spec.precision = i64::from(first_digit);
                loop {
                    let Some(next) = self.take() else {
                        exhausted = true;
                        break;
                    };
                    ch = next;
                    let Some(digit) = next.to_digit(10) else {
                        break;
                    };
                    let digit = i64::from(digit);
                    if spec.precision > (i64::from(i32::MAX) - digit) / 10 {
                        return Err(bad("precision too big"));
                    }
                    spec.precision = spec.precision * 10 + digit;
                }
            }
        }

        // `%hd`, `%ld`, `%Ld`: one length modifier is accepted and ignored.
        if !exhausted && matches!(ch, 'h' | 'l' | 'L') {
            match self.take() {
                Some(next) => ch = next,
                None => exhausted = true,
            }
        }
        if exhausted {
            return Err(bad("incomplete format"));
        }
        spec.conversion = ch;
        Ok(spec)
    }

    /// The argument a `*` width or precision consumes; it must be an int.
    fn star_argument(&mut self) -> Result<i64, FormatError> {
        match self.next_argument()? {
            Argument::Value(ExpandValue::Int(number)) => Ok(*number),
            _ => Err(bad("* wants int")),
        }
    }
}

/// `str()`, `repr()` or `ascii()` of the argument.
fn render_text(argument: Argument<'_>, conversion: char) -> String {
    let text = match argument {
        Argument::Value(ExpandValue::Str(text)) if conversion == 's' => text.clone(),
        Argument::Value(ExpandValue::Str(text)) => py_repr(text),
        Argument::Value(ExpandValue::Int(number)) => number.to_string(),
        Argument::WholeMapping(names) => render_mapping(names),
    };
    if conversion == 'a' {
        ascii_escape(&text)
    } else {
        text
    }
}

/// `repr(dict)`, which is also its `str()`, in the map's (sorted) order.
fn render_mapping(names: &Names) -> String {
    let entries: Vec<String> = names
        .iter()
        .map(|(key, value)| {
            let value = match value {
                ExpandValue::Str(text) => py_repr(text),
                ExpandValue::Int(number) => number.to_string(),
            };
            format!("{}: {}", py_repr(key), value)
        })
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// `ascii()` from `repr()`: every non-ASCII character becomes `\xNN`, `\uNNNN` or `\UNNNNNNNN` (the
/// `backslashreplace` handler), whatever `repr()` did with it.
fn ascii_escape(repr: &str) -> String {
    let mut escaped = String::with_capacity(repr.len());
    for ch in repr.chars() {
        let code = ch as u32;
        match code {
            0..=0x7f => escaped.push(ch),
            0x80..=0xff => escaped.push_str(&format!("\\x{code:02x}")),
            0x100..=0xffff => escaped.push_str(&format!("\\u{code:04x}")),
            _ => escaped.push_str(&format!("\\U{code:08x}")),
        }
    }
    escaped
}

/// `mainformatlong` and `_PyUnicode_FormatLong`: `d i u o x X`, before padding. The precision is a minimum
/// number of digits; `#` keeps the `0o`/`0x`/`0X` prefix, which the padding step then keeps in front.
fn render_integer(argument: Argument<'_>, spec: &Spec) -> Result<String, FormatError> {
    let conversion = spec.conversion;
    let hex_or_octal = matches!(conversion, 'o' | 'x' | 'X');
    let Argument::Value(&ExpandValue::Int(number)) = argument else {
        let wanted = if hex_or_octal {
            "an integer"
        } else {
            "a real number"
        };
        return Err(bad(format!(
            "%{conversion} format: {wanted} is required, not {}",
            argument.type_name()
        )));
    };
    if spec.precision > i64::from(i32::MAX) - 3 {
        return Err(bad("precision too large"));
    }
    if spec.precision > OUTPUT_LIMIT {
        return Err(memory_error());
    }
    let magnitude = number.unsigned_abs();
    let digits = match conversion {
        'o' => format!("{magnitude:o}"),
        'x' | 'X' => format!("{magnitude:x}"),
        _ => magnitude.to_string(),
    };
    let mut text = String::with_capacity(digits.len() + 4);
    if number < 0 {
        text.push('-');
    }
    if spec.alternate && hex_or_octal {
        text.push_str(if conversion == 'o' { "0o" } else { "0x" });
    }
    push_repeated(&mut text, '0', spec.precision - digits.len() as i64);
    text.push_str(&digits);
    if conversion == 'X' {
        // CPython upper-cases the prefix too: `%#X` gives `0X1F`.
        text.make_ascii_uppercase();
    }
    Ok(text)
}

/// `formatfloat`: `e E f F g G` of an int, which Python first converts to a float (so 2**63-1 prints as
/// 9223372036854775808), then `PyOS_double_to_string` with the default precision 6.
fn render_float(argument: Argument<'_>, spec: &Spec) -> Result<String, FormatError> {
    let Argument::Value(&ExpandValue::Int(number)) = argument else {
        return Err(bad(format!(
            "must be real number, not {}",
            argument.type_name()
        )));
    };
    let precision = if spec.precision < 0 {
        6
    } else {
        spec.precision
    };
    // The parser keeps precisions within a C int, as CPython does.
    let precision = i32::try_from(precision).expect("precision is at most i32::MAX");
    double_to_string(number as f64, spec.conversion, precision, spec.alternate)
}

/// `PyOS_double_to_string` for a finite, integral double.
fn double_to_string(
    value: f64,
    conversion: char,
    precision: i32,
    alternate: bool,
) -> Result<String, FormatError> {
    let upper = conversion.is_ascii_uppercase();
    let conversion = conversion.to_ascii_lowercase();
    // dtoa's mode 2 (e, g) rounds to a number of significant digits, 1 when asked for 0 or fewer; mode 3 (f)
    // rounds to decimal places, which an integer does not have, so it keeps every digit.
    let (precision, significant_digits) = match conversion {
        // `%e` asks for precision+1 digits. CPython adds 1 to a C int, so `%.2147483647e` wraps to a negative
        // count: one digit, and `3e+00` comes out.
        'e' => {
            let precision = precision.wrapping_add(1);
            (precision, precision.max(1))
        }
        'f' => (precision, i32::MAX),
        // "precision 0 makes no sense for 'g' format; interpret as 1"
        _ => {
            let precision = precision.max(1);
            (precision, precision)
        }
    };
    let (digits, decimal_point) = integer_significant_digits(value, significant_digits);
    format_float_short(
        value < 0.0,
        &digits,
        decimal_point,
        conversion,
        i64::from(precision),
        alternate,
        upper,
    )
}

/// dtoa's answer for an integral double: the decimal digits of |value| rounded half-to-even to at most
/// `max_digits` significant digits, trailing zeros removed, and the position of the decimal point after the first
/// `decimal_point` digits. Zero is `("0", 1)`, as in dtoa.
fn integer_significant_digits(value: f64, max_digits: i32) -> (String, i64) {
    // An i64 converted to f64 is at most 2**63 in magnitude, which a u128 holds exactly.
    let magnitude = value.abs() as u128;
    if magnitude == 0 {
        return ("0".to_string(), 1);
    }
    let mut digits: Vec<u8> = magnitude.to_string().into_bytes();
    let mut decimal_point = digits.len() as i64;
    let keep = usize::try_from(max_digits).unwrap_or(1).max(1);
    if digits.len() > keep {
        let dropped = &digits[keep..];
        let first_dropped = dropped[0];
        let exactly_half = first_dropped == b'5' && dropped[1..].iter().all(|&digit| digit == b'0');
        let last_kept_is_odd = (digits[keep - 1] - b'0') % 2 == 1;
        let round_up = first_dropped > b'5'
            || (first_dropped == b'5' && !exactly_half)
            || (exactly_half && last_kept_is_odd);
        digits.truncate(keep);
        if round_up {
            let mut index = keep;
            loop {
                if index == 0 {
                    // Every kept digit was 9: 99.. becomes 100.., one more digit before the point.
                    digits.insert(0, b'1');
                    decimal_point += 1;
                    break;
                }
                index -= 1;
                if digits[index] == b'9' {
                    digits[index] = b'0';
                } else {
                    digits[index] += 1;
                    break;
                }
            }
        }
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (
        String::from_utf8(digits).expect("decimal digits are ASCII"),
        decimal_point,
    )
}

/// `format_float_short` from CPython's pystrtod.c, for `e`, `f` and `g` (lower-case `conversion`), given dtoa's
/// digits and decimal point position. The position is at least 1 here, because the value is an integer.
fn format_float_short(
    negative: bool,
    digits: &str,
    decimal_point: i64,
    conversion: char,
    precision: i64,
    alternate: bool,
    upper: bool,
) -> Result<String, FormatError> {
    let digits_len = digits.len() as i64;
    let mut decimal_point = decimal_point;
    // The output is the slice [0, digits_end) of `digits` padded with zeros on the right.
    let mut digits_end = digits_len;
    let mut use_exponent = false;
    match conversion {
        'e' => {
            use_exponent = true;
            digits_end = precision;
        }
        'f' => digits_end = decimal_point + precision,
        _ => {
            if decimal_point <= -4 || decimal_point > precision {
                use_exponent = true;
            }
            // `#` keeps the trailing zeros `%g` otherwise drops.
            if alternate {
                digits_end = precision;
            }
        }
    }
    let mut exponent = 0;
    if use_exponent {
        exponent = decimal_point - 1;
        decimal_point = 1;
    }
    digits_end = digits_end.max(decimal_point);
    if digits_end > OUTPUT_LIMIT {
        return Err(memory_error());
    }

    let mut text = String::with_capacity(digits_end as usize + 8);
    if negative {
        text.push('-');
    }
    if decimal_point <= digits_len {
        let (before_point, after_point) = digits.split_at(decimal_point as usize);
        text.push_str(before_point);
        text.push('.');
        text.push_str(after_point);
        push_repeated(&mut text, '0', digits_end - digits_len);
    } else {
        text.push_str(digits);
        push_repeated(&mut text, '0', decimal_point - digits_len);
        text.push('.');
        push_repeated(&mut text, '0', digits_end - decimal_point);
    }
    // `#` keeps a point with nothing after it: `%#.0f` of 3 is `3.`.
    if text.ends_with('.') && !alternate {
        text.pop();
    }
    if use_exponent {
        text.push(if upper { 'E' } else { 'e' });
        // C's "%+.02d": a sign, then at least two digits.
        text.push_str(&format!("{exponent:+03}"));
    }
    Ok(text)
}

/// `%c`: an int is a code point, a string must hold exactly one character.
fn render_char(argument: Argument<'_>) -> Result<char, FormatError> {
    match argument {
        Argument::Value(ExpandValue::Str(text)) => {
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(only), None) => Ok(only),
                _ => Err(bad("%c requires int or char")),
            }
        }
        Argument::Value(ExpandValue::Int(number)) => {
            if (0..=0x10ffff).contains(number) {
                // A surrogate has no `char`; see the module notes.
                Ok(char::from_u32(*number as u32).unwrap_or(char::REPLACEMENT_CHARACTER))
            } else {
                Err(bad("%c arg not in range(0x110000)"))
            }
        }
        Argument::WholeMapping(_) => Err(bad("%c requires int or char")),
    }
}

/// `unicode_format_arg_output`: truncation (`s r a` only), sign, `#` prefix, then padding to the width. The `0`
/// flag pads with zeros between sign/prefix and digits, and only for numbers; `-` pads on the right with spaces.
fn write_padded(
    output: &mut String,
    spec: &Spec,
    text: &str,
    numeric: bool,
) -> Result<(), FormatError> {
    let chars: Vec<char> = text.chars().collect();
    let mut len = chars.len() as i64;
    let mut width = spec.width;
    let precision = spec.precision;
    if (width == -1 || width <= len)
        && (precision == -1 || precision >= len)
        && !(spec.sign || spec.blank)
    {
        output.push_str(text);
        return Ok(());
    }
    let fill = if numeric && spec.zero { '0' } else { ' ' };
    if matches!(spec.conversion, 's' | 'r' | 'a') && precision >= 0 && len > precision {
        len = precision;
    }

    let mut start = 0;
    let mut has_sign = numeric;
    let mut sign_char = '\0';
    if has_sign {
        match chars.first() {
            Some(&written @ ('-' | '+')) => {
                sign_char = written;
                len -= 1;
                start = 1;
            }
            _ if spec.sign => sign_char = '+',
            _ if spec.blank => sign_char = ' ',
            _ => has_sign = false,
        }
    }
    width = width.max(len);
    if width > OUTPUT_LIMIT {
        return Err(memory_error());
    }

    if has_sign {
        if fill != ' ' {
            output.push(sign_char);
        }
        if width > len {
            width -= 1;
        }
    }
    let has_prefix = spec.alternate && matches!(spec.conversion, 'x' | 'X' | 'o');
    if has_prefix {
        if fill != ' ' {
            output.extend(&chars[start..start + 2]);
            start += 2;
        }
        width = (width - 2).max(0);
        len -= 2;
    }
    if width > len && !spec.left_justify {
        push_repeated(output, fill, width - len);
        width = len;
    }
    if fill == ' ' {
        if has_sign {
            output.push(sign_char);
        }
        if has_prefix {
            output.extend(&chars[start..start + 2]);
            start += 2;
        }
    }
    output.extend(&chars[start..start + len as usize]);
    push_repeated(output, ' ', width - len);
    Ok(())
}

/// Appends `count` copies of `ch`; nothing when `count` is zero or negative.
fn push_repeated(text: &mut String, ch: char, count: i64) {
    for _ in 0..count.max(0) {
        text.push(ch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The name maps of fixtures/testdata/percent/gen.py (`NAME_MAPS`).
    #[derive(Debug, Clone, Copy)]
    enum Map {
        Sample,
        Supervisor,
        Empty,
    }

    fn names_of(map: Map) -> Names {
        let entries: Vec<(&str, ExpandValue)> = match map {
            Map::Empty => vec![],
            Map::Supervisor => vec![
                ("ENV_HOME", text("/root")),
                ("ENV_PATH", text("/usr/bin:/bin")),
                ("group_name", text("web")),
                ("here", text("/etc/supervisor")),
                ("host_node_name", text("box")),
                ("numprocs", ExpandValue::Int(2)),
                ("process_num", ExpandValue::Int(0)),
                ("program_name", text("web")),
            ],
            Map::Sample => vec![
                ("a", text("x")),
                ("big", ExpandValue::Int(i64::MAX)),
                ("c", text("\u{e9}")),
                ("ch", ExpandValue::Int(65)),
                ("e", text("")),
                ("emoji", text("\u{1f600}")),
                ("h", ExpandValue::Int(123456789)),
                ("half", ExpandValue::Int(125)),
                ("nines", ExpandValue::Int(99950)),
                ("odd_half", ExpandValue::Int(135)),
                ("min", ExpandValue::Int(i64::MIN)),
                ("n", ExpandValue::Int(3)),
                ("neg", ExpandValue::Int(-7)),
                ("q", text("it's \"q\"")),
                ("quote", text("it's")),
                ("s", text("hello world")),
                ("sur", ExpandValue::Int(0xD800)),
                ("tab", text("a\tb\n")),
                ("z", ExpandValue::Int(0)),
            ],
        };
        entries
            .into_iter()
            .map(|(key, value)| (key.to_string(), value))
            .collect()
    }

    fn text(value: &str) -> ExpandValue {
        ExpandValue::Str(value.to_string())
    }

    /// What CPython 3.11 does with `template % names`.
    #[derive(Debug)]
    enum Want {
        Gives(&'static str),
        KeyError(&'static str),
        Raises(&'static str),
    }
    use Map::*;
    use Want::*;

    fn check(map: Map, template: &str, want: &Want) {
        let got = format(template, &names_of(map));
        let expected = match *want {
            Gives(output) => Ok(output.to_string()),
            KeyError(key) => Err(FormatError::MissingKey(key.to_string())),
            Raises(message) => Err(FormatError::Bad(message.to_string())),
        };
        assert_eq!(got, expected, "{template:?} % {map:?}");
    }

    /// Printed by `python gen.py --rust-table` (CPython 3.11.7) from the hand cases of
    /// fixtures/testdata/percent/gen.py.
    #[rustfmt::skip]
    const CPYTHON_TABLE: &[(Map, &str, Want)] = &[
        (Sample, "plain text", Gives("plain text")),
        (Sample, "", Gives("")),
        (Sample, "%(a)s", Gives("x")),
        (Supervisor, "%(program_name)s_%(process_num)02d", Gives("web_00")),
        (Supervisor, "%(here)s/../log/%(program_name)s-%(process_num)d.log", Gives("/etc/supervisor/../log/web-0.log")),
        (Supervisor, "%(ENV_HOME)s", Gives("/root")),
        (Supervisor, "%(ENV_USER)s", KeyError("ENV_USER")),
        (Sample, "%(missing)s", KeyError("missing")),
        (Sample, "%(missing)z", KeyError("missing")),
        (Sample, "%(a)s %(missing)s", KeyError("missing")),
        (Empty, "%(missing)s", KeyError("missing")),
        (Sample, "100%", Raises("incomplete format")),
        (Sample, "100%%", Gives("100%")),
        (Supervisor, "100% done", Raises("%d format: a real number is required, not dict")),
        (Supervisor, "50%off", Raises("%o format: an integer is required, not dict")),
        (Sample, "%%(a)s", Gives("%(a)s")),
        (Sample, "%%%(a)s", Gives("%x")),
        (Sample, "%", Raises("incomplete format")),
        (Sample, "%(", Raises("incomplete format key")),
        (Sample, "%(a", Raises("incomplete format key")),
        (Sample, "%(a)", Raises("incomplete format")),
        (Sample, "%(a)5", Raises("incomplete format")),
        (Sample, "%(a).", Raises("incomplete format")),
        (Sample, "%(a)-", Raises("incomplete format")),
        (Sample, "%(a)l", Raises("incomplete format")),
        (Sample, "/first%20name", Raises("unsupported format character 'n' (0x6e) at index 9")),
        (Supervisor, "URI=\"/first%20name\"", Raises("unsupported format character 'n' (0x6e) at index 14")),
        (Sample, "%(a)n", Raises("unsupported format character 'n' (0x6e) at index 4")),
        (Sample, "%(a)z", Raises("unsupported format character 'z' (0x7a) at index 4")),
        (Sample, "%(a)%", Raises("unsupported format character '%' (0x25) at index 4")),
        (Sample, "%5%", Raises("unsupported format character '%' (0x25) at index 2")),
        (Sample, "%(a)é", Raises("unsupported format character '?' (0xe9) at index 4")),
        (Sample, "%é", Raises("unsupported format character '?' (0xe9) at index 1")),
        (Sample, "%\u{1f}", Raises("unsupported format character '\u{1f}' (0x1f) at index 1")),
        (Sample, "%\u{0}", Raises("unsupported format character '?' (0x0) at index 1")),
        (Sample, "%((a))s", KeyError("(a)")),
        (Sample, "%(a(b)c)s", KeyError("a(b)c")),
        (Sample, "%()s", KeyError("")),
        (Sample, "%(a)s%(a)s%(a)r", Gives("xx'x'")),
        (Sample, "%s", Gives("{'a': 'x', 'big': 9223372036854775807, 'c': 'é', 'ch': 65, 'e': '', 'emoji': '😀', 'h': 123456789, 'half': 125, 'min': -9223372036854775808, 'n': 3, 'neg': -7, 'nines': 99950, 'odd_half': 135, 'q': 'it\\'s \"q\"', 'quote': \"it's\", 's': 'hello world', 'sur': 55296, 'tab': 'a\\tb\\n', 'z': 0}")),
        (Supervisor, "%s", Gives("{'ENV_HOME': '/root', 'ENV_PATH': '/usr/bin:/bin', 'group_name': 'web', 'here': '/etc/supervisor', 'host_node_name': 'box', 'numprocs': 2, 'process_num': 0, 'program_name': 'web'}")),
        (Empty, "%s", Gives("{}")),
        (Sample, "%r", Gives("{'a': 'x', 'big': 9223372036854775807, 'c': 'é', 'ch': 65, 'e': '', 'emoji': '😀', 'h': 123456789, 'half': 125, 'min': -9223372036854775808, 'n': 3, 'neg': -7, 'nines': 99950, 'odd_half': 135, 'q': 'it\\'s \"q\"', 'quote': \"it's\", 's': 'hello world', 'sur': 55296, 'tab': 'a\\tb\\n', 'z': 0}")),
        (Sample, "%a", Gives("{'a': 'x', 'big': 9223372036854775807, 'c': '\\xe9', 'ch': 65, 'e': '', 'emoji': '\\U0001f600', 'h': 123456789, 'half': 125, 'min': -9223372036854775808, 'n': 3, 'neg': -7, 'nines': 99950, 'odd_half': 135, 'q': 'it\\'s \"q\"', 'quote': \"it's\", 's': 'hello world', 'sur': 55296, 'tab': 'a\\tb\\n', 'z': 0}")),
        (Sample, "%30.10s|", Gives("                    {'a': 'x',|")),
        (Sample, "%s%s", Raises("not enough arguments for format string")),
        (Sample, "%(a)s%s", Raises("not enough arguments for format string")),
        (Sample, "%s%(a)s", Gives("{'a': 'x', 'big': 9223372036854775807, 'c': 'é', 'ch': 65, 'e': '', 'emoji': '😀', 'h': 123456789, 'half': 125, 'min': -9223372036854775808, 'n': 3, 'neg': -7, 'nines': 99950, 'odd_half': 135, 'q': 'it\\'s \"q\"', 'quote': \"it's\", 's': 'hello world', 'sur': 55296, 'tab': 'a\\tb\\n', 'z': 0}x")),
        (Sample, "%d", Raises("%d format: a real number is required, not dict")),
        (Sample, "%x", Raises("%x format: an integer is required, not dict")),
        (Sample, "%f", Raises("must be real number, not dict")),
        (Sample, "%c", Raises("%c requires int or char")),
        (Sample, "%z", Raises("unsupported format character 'z' (0x7a) at index 1")),
        (Sample, "%*d", Raises("* wants int")),
        (Sample, "%.*d", Raises("* wants int")),
        (Sample, "%(a)*d", Raises("* wants int")),
        (Sample, "%(n)*d", Raises("not enough arguments for format string")),
        (Sample, "%(n)*", Raises("incomplete format")),
        (Sample, "%(n).*d", Raises("not enough arguments for format string")),
        (Sample, "%(big).*d", Raises("Python int too large to convert to C int")),
        (Sample, "%(n)-*d", Raises("not enough arguments for format string")),
        (Sample, "%(a)d", Raises("%d format: a real number is required, not str")),
        (Sample, "%(a)i", Raises("%i format: a real number is required, not str")),
        (Sample, "%(a)x", Raises("%x format: an integer is required, not str")),
        (Sample, "%(a)o", Raises("%o format: an integer is required, not str")),
        (Sample, "%(a)X", Raises("%X format: an integer is required, not str")),
        (Sample, "%(a)f", Raises("must be real number, not str")),
        (Sample, "%(a)g", Raises("must be real number, not str")),
        (Sample, "%(n)d", Gives("3")),
        (Sample, "%(n)i|%(n)u", Gives("3|3")),
        (Sample, "%(n)5d|", Gives("    3|")),
        (Sample, "%(n)-5d|", Gives("3    |")),
        (Sample, "%(n)05d", Gives("00003")),
        (Sample, "%(n)+d", Gives("+3")),
        (Sample, "%(n) d", Gives(" 3")),
        (Sample, "%(n)+05d", Gives("+0003")),
        (Sample, "%(n)-+05d|", Gives("+3   |")),
        (Sample, "%(n) -5d|", Gives(" 3   |")),
        (Sample, "%(n).3d", Gives("003")),
        (Sample, "%(n)05.3d", Gives("00003")),
        (Sample, "%(neg)d", Gives("-7")),
        (Sample, "%(neg)05d", Gives("-0007")),
        (Sample, "%(neg)+d", Gives("-7")),
        (Sample, "%(neg) 8.4d|", Gives("   -0007|")),
        (Sample, "%(min)d", Gives("-9223372036854775808")),
        (Sample, "%(min)x", Gives("-8000000000000000")),
        (Sample, "%(big)o", Gives("777777777777777777777")),
        (Sample, "%(h)x|%(h)X|%(h)o", Gives("75bcd15|75BCD15|726746425")),
        (Sample, "%(h)#x|%(h)#X|%(h)#o", Gives("0x75bcd15|0X75BCD15|0o726746425")),
        (Sample, "%(n)#x", Gives("0x3")),
        (Sample, "%(neg)#010x", Gives("-0x0000007")),
        (Sample, "%(neg)-+#10X|", Gives("-0X7      |")),
        (Sample, "%(n)#5.3x", Gives("0x003")),
        (Sample, "%(n)#05.3x", Gives("0x003")),
        (Sample, "%(n)#-8.3o|", Gives("0o003   |")),
        (Sample, "%(n) #x", Gives(" 0x3")),
        (Sample, "%(n)+#x", Gives("+0x3")),
        (Sample, "%(z)#x", Gives("0x0")),
        (Sample, "%(n)#d", Gives("3")),
        (Sample, "%(n)hd|%(n)ld|%(n)Ld", Gives("3|3|3")),
        (Sample, "%(n)lls", Raises("unsupported format character 'l' (0x6c) at index 5")),
        (Sample, "%(n)f", Gives("3.000000")),
        (Sample, "%(n)05.1f", Gives("003.0")),
        (Sample, "%(n).0f", Gives("3")),
        (Sample, "%(n)#.0f", Gives("3.")),
        (Sample, "%(n) 010.2f", Gives(" 000003.00")),
        (Sample, "%(n)-010.2f|", Gives("3.00      |")),
        (Sample, "%(neg)010.2f", Gives("-000007.00")),
        (Sample, "%(n)F", Gives("3.000000")),
        (Sample, "%(n)e", Gives("3.000000e+00")),
        (Sample, "%(n)E", Gives("3.000000E+00")),
        (Sample, "%(n).0e", Gives("3e+00")),
        (Sample, "%(n)#.0e", Gives("3.e+00")),
        (Sample, "%(n)+.3e", Gives("+3.000e+00")),
        (Sample, "%(h)e|%(h).2e|%(h)010.3e", Gives("1.234568e+08|1.23e+08|01.235e+08")),
        (Sample, "%(big)f", Gives("9223372036854775808.000000")),
        (Sample, "%(big)e", Gives("9.223372e+18")),
        (Sample, "%(big).20e", Gives("9.22337203685477580800e+18")),
        (Sample, "%(big)g", Gives("9.22337e+18")),
        (Sample, "%(min)g", Gives("-9.22337e+18")),
        (Sample, "%(n)g", Gives("3")),
        (Sample, "%(n)#g", Gives("3.00000")),
        (Sample, "%(n)#.3g", Gives("3.00")),
        (Sample, "%(n)+010G", Gives("+000000003")),
        (Sample, "%(h)g|%(h)G", Gives("1.23457e+08|1.23457E+08")),
        (Sample, "%(h).10g|%(h)#.10g|%(h).0g", Gives("123456789|123456789.0|1e+08")),
        (Sample, "%(h).9g|%(h).8g|%(h).2g", Gives("123456789|1.2345679e+08|1.2e+08")),
        (Sample, "%(z)f|%(z)e|%(z)g|%(z)#g|%(z).3g", Gives("0.000000|0.000000e+00|0|0.00000|0")),
        (Sample, "%(half).1e|%(half).0e|%(half).2g|%(odd_half).1e|%(odd_half).2G", Gives("1.2e+02|1e+02|1.2e+02|1.4e+02|1.4E+02")),
        (Sample, "%(nines).2e|%(nines).3e|%(nines)g|%(nines).3g|%(nines)#.3g|%(nines).4g", Gives("1.00e+05|9.995e+04|99950|1e+05|1.00e+05|9.995e+04")),
        (Sample, "%(n).2147483647e", Gives("3e+00")),
        (Sample, "%(n)#.2147483647e", Gives("3.e+00")),
        (Sample, "%(n).2147483647g", Gives("3")),
        (Sample, "%(n).2147483647d", Raises("precision too large")),
        (Sample, "%(n)99999999999999999999d", Raises("width too big")),
        (Sample, "%(n).99999999999d", Raises("precision too big")),
        (Sample, "%(a)c", Gives("x")),
        (Sample, "%(c)c", Gives("é")),
        (Sample, "%(ch)c", Gives("A")),
        (Sample, "%(ch)5c|", Gives("    A|")),
        (Sample, "%(ch)-05c|", Gives("A    |")),
        (Sample, "%(ch).0c", Gives("A")),
        (Sample, "%(z)c", Gives("\u{0}")),
        (Sample, "%(neg)c", Raises("%c arg not in range(0x110000)")),
        (Sample, "%(big)c", Raises("%c arg not in range(0x110000)")),
        (Sample, "%(s)c", Raises("%c requires int or char")),
        (Sample, "%(e)c", Raises("%c requires int or char")),
        (Sample, "%(a)r", Gives("'x'")),
        (Sample, "%(q)r|%(quote)r|%(tab)r", Gives("'it\\'s \"q\"'|\"it's\"|'a\\tb\\n'")),
        (Sample, "%(c)r|%(c)a|%(emoji)r|%(emoji)a", Gives("'é'|'\\xe9'|'😀'|'\\U0001f600'")),
        (Sample, "%(n)r|%(n)a", Gives("3|3")),
        (Sample, "%(s).5s|", Gives("hello|")),
        (Sample, "%(s)-15.5s|", Gives("hello          |")),
        (Sample, "%(s)15s|", Gives("    hello world|")),
        (Sample, "%(s)015s|", Gives("    hello world|")),
        (Sample, "%(s)+s", Gives("hello world")),
        (Sample, "%(a)5.0s|", Gives("     |")),
        (Sample, "%(a)-3r|", Gives("'x'|")),
        (Sample, "%(n)5.1s|", Gives("    3|")),
        (Sample, "%(n).0s|", Gives("|")),
        (Sample, "%(n)010.3s", Gives("         3")),
        (Sample, "%(c)5s|%(c)-5a|", Gives("    é|'\\xe9'|")),
        (Sample, "%(emoji)3s|", Gives("  😀|")),
    ];

    #[test]
    fn matches_cpython_table() {
        assert!(CPYTHON_TABLE.len() >= 60);
        for (map, template, want) in CPYTHON_TABLE {
            check(*map, template, want);
        }
    }

    #[test]
    fn key_error_displays_as_the_repr_of_the_key() {
        assert_eq!(
            FormatError::MissingKey("it's".to_string()).to_string(),
            "\"it's\""
        );
        assert_eq!(
            FormatError::Bad("incomplete format".to_string()).to_string(),
            "incomplete format"
        );
    }

    #[test]
    fn supervisor_expand_messages() {
        // Texts from Supervisor 4.3.0's options.expand under CPython 3.11.7.
        let cases: &[(Map, &str, &str, Result<&str, &str>)] = &[
            (Supervisor, "%(program_name)s_%(process_num)02d", "program:web.process_name", Ok("web_00")),
            (
                Supervisor,
                "/bin/cat %(ENV_USER)s",
                "program:web.command",
                Err("Format string '/bin/cat %(ENV_USER)s' for 'program:web.command' contains names ('ENV_USER') \
                     which cannot be expanded. Available names: ENV_HOME, ENV_PATH, group_name, here, \
                     host_node_name, numprocs, process_num, program_name"),
            ),
            (
                Empty,
                "%(here)s",
                "include.files",
                Err("Format string '%(here)s' for 'include.files' contains names ('here') which cannot be \
                     expanded. Available names: "),
            ),
            (
                Supervisor,
                "URI=\"/first%20name\"",
                "environment",
                Err("Format string 'URI=\"/first%20name\"' for 'environment' is badly formatted: unsupported \
                     format character 'n' (0x6e) at index 14"),
            ),
            (
                Supervisor,
                "100%",
                "program:it's.directory",
                Err("Format string '100%' for \"program:it's.directory\" is badly formatted: incomplete format"),
            ),
            (
                Sample,
                "%(a)d",
                "stdout_logfile",
                Err("Format string '%(a)d' for 'stdout_logfile' is badly formatted: %d format: a real number is \
                     required, not str"),
            ),
        ];
        for (map, template, name, want) in cases {
            let got = expand(template, &names_of(*map), name);
            let want = want.map(str::to_string).map_err(str::to_string);
            assert_eq!(got, want, "expand({template:?}, {map:?}, {name:?})");
        }
    }

    #[test]
    fn documented_differences_from_cpython() {
        // CPython builds '\ud800'; a Rust String cannot hold it.
        check(Sample, "%(sur)c", &Gives("\u{fffd}"));
        // CPython raises MemoryError (empty message) for this width, and would allocate for smaller ones.
        check(Sample, "%(n)9223372036854775807d", &Raises(""));
        check(Sample, "%(a)99999999s", &Raises(""));
        check(Sample, "%(n).99999999d", &Raises(""));
        check(Sample, "%(n).99999999f", &Raises(""));
        check(Sample, "%(n)#.99999999g", &Raises(""));
        // Below the limit the output is built as CPython builds it.
        assert_eq!(
            format("%(n)1000d", &names_of(Sample)).map(|text| text.len()),
            Ok(1000)
        );
        // A `%s` of the whole map lists it in sorted order, whatever order Python's dict had.
        let names: Names = [("b", text("1")), ("a", ExpandValue::Int(2))]
            .into_iter()
            .map(|(key, value)| (key.to_string(), value))
            .collect();
        assert_eq!(format("%s", &names), Ok("{'a': 2, 'b': '1'}".to_string()));
    }

    /// Every vector of fixtures/testdata/percent/cases.jsonl: hand cases then 1000 random templates, with what
    /// CPython 3.11.7 and Supervisor 4.3.0 made of them.
    #[test]
    fn matches_cpython_vectors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/testdata/percent/cases.jsonl"
        );
        let contents = std::fs::read_to_string(path).expect("cases.jsonl is committed");
        let mut n_cases = 0;
        let mut failures = Vec::new();
        for line in contents.lines() {
            let case: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
            let template = case["template"].as_str().expect("template");
            let map = match case["names"].as_str().expect("names") {
                "sample" => Sample,
                "supervisor" => Supervisor,
                "empty" => Empty,
                other => panic!("unknown name map {other}"),
            };
            let name = case["where"].as_str().expect("where");
            let names = names_of(map);

            let expected_format = &case["format"];
            let want = if let Some(output) = expected_format["ok"].as_str() {
                Ok(output.to_string())
            } else if let Some(key) = expected_format["missing"].as_str() {
                Err(FormatError::MissingKey(key.to_string()))
            } else {
                Err(FormatError::Bad(
                    expected_format["error"]
                        .as_str()
                        .expect("error")
                        .to_string(),
                ))
            };
            let got = format(template, &names);
            if got != want {
                failures.push(format!(
                    "{template:?} % {map:?}: got {got:?}, want {want:?}"
                ));
            }

            let expected_expand = &case["expand"];
            let want = match expected_expand["ok"].as_str() {
                Some(output) => Ok(output.to_string()),
                None => Err(expected_expand["err"].as_str().expect("err").to_string()),
            };
            let got = expand(template, &names, name);
            if got != want {
                failures.push(format!(
                    "expand({template:?}, {map:?}): got {got:?}, want {want:?}"
                ));
            }
            n_cases += 1;
        }
        assert!(n_cases > 1000, "only {n_cases} vectors");
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// Characters that exercise the parser: mostly `%`, parentheses, digits, flags and conversion letters.
    fn template_strategy() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            8 => Just("%".to_string()),
            4 => Just("(".to_string()),
            4 => Just(")".to_string()),
            3 => prop::sample::select(vec!["a", "n", "neg", "big", "min", "z", "ch", "sur", "e", "s"])
                .prop_map(str::to_string),
            4 => prop::char::range('0', '9').prop_map(String::from),
            3 => prop::sample::select(vec!["-", "+", " ", "#", "0", ".", "*"]).prop_map(str::to_string),
            4 => prop::sample::select("sradiuoxXeEfFgGchlLnz".chars().collect::<Vec<_>>())
                .prop_map(String::from),
            1 => Just("99999999999999999999".to_string()),
            1 => any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(pieces, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn random_templates_never_panic(template in template_strategy()) {
            let names = names_of(Sample);
            let result = format(&template, &names);
            // A template without '%' is copied as is; with one, whatever happens is an Ok or an Err.
            if !template.contains('%') {
                prop_assert_eq!(result, Ok(template.clone()));
            }
            let _ = expand(&template, &names, "program:web.command");
            let _ = format(&template, &names_of(Empty));
        }
    }
}
