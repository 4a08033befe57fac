//! Supervisor's request decoder (`supervisor_xmlrpc_handler.loads`), rebuilt on [`super::xml`]'s events.
//!
//! Supervisor does not use `xmlrpc.client.loads`: it walks ElementTree's end events and, at the end of each
//! element, replaces the element by a value when its tag is one it knows (`int`, `i4`, `boolean`, `string`,
//! `double`, `dateTime.iso8601`, `base64`, `array`, `data`, `struct`, `param`, `value`), keeping any other
//! element with its raw text and children. The quirks follow from that and are kept: `<i8>0</i8>` and other
//! unknown types come out as the string inside, `<nil/>` as `None`, an untyped `<value>` as its text,
//! `<boolean>` is true only for exactly `1`, struct members are read by position (first child is the key),
//! `methodName` and `params` are found anywhere in the document (the last one wins), and a request without
//! `<params>` has no parameters.
//!
//! This module owns turning the body into a method name and Python-like [`Value`]s. It does not check arity or
//! apply values (see [`super::methods`]).
//!
//! Differences, all answered as malformed requests (HTTP 400): a body that is not UTF-8 (Supervisor drops the
//! connection), integers beyond 64 bits (Python's are unbounded), non-ASCII digits in numbers, and the limits
//! of [`super::xml`].

use super::python::{parse_float, parse_int, DateTime, Value};
use super::xml::{read_events, XmlError, XmlEvent};

/// A decoded request: the method name (never empty) and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    pub params: Vec<Value>,
}

/// Why a body is not a request. Supervisor answers each with HTTP 400.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("the body is not UTF-8")]
    NotUtf8,
    #[error("not well-formed: {0}")]
    Xml(#[from] XmlError),
    #[error("unmarshallable: {0}")]
    Unmarshallable(String),
    #[error("no method name")]
    NoMethodName,
}

/// An element after its end event: either converted (its value in `text`, no children) or kept as it was.
struct Node {
    tag: String,
    /// ElementTree's `text`: the raw text before the first child (`None` when there is none), or the value the
    /// element was converted to.
    text: Value,
    children: Vec<Node>,
}

/// Decodes a request body.
pub fn decode_request(body: &[u8]) -> Result<Request, DecodeError> {
    let document = std::str::from_utf8(body).map_err(|_| DecodeError::NotUtf8)?;
    let events = read_events(document)?;
    let mut method: Option<Value> = None;
    let mut params: Option<Vec<Value>> = None;
    let mut open: Vec<Node> = Vec::new();
    for event in events {
        match event {
            XmlEvent::Start(tag) => open.push(Node {
                tag,
                text: Value::None,
                children: Vec::new(),
            }),
            XmlEvent::Text(data) => {
                let node = open
                    .last_mut()
                    .expect("the reader only reports text inside an element");
                // Text after a child is that child's tail, which nothing reads.
                if node.children.is_empty() {
                    match &mut node.text {
                        Value::Str(text) => text.push_str(&data),
                        text => *text = Value::Str(data),
                    }
                }
            }
            XmlEvent::End => {
                let mut node = open
                    .pop()
                    .expect("the reader balances start and end events");
                match node.tag.as_str() {
                    "methodName" => method = Some(node.text.clone()),
                    "params" => {
                        params = Some(
                            node.children
                                .iter()
                                .map(|child| child.text.clone())
                                .collect(),
                        )
                    }
                    _ => {
                        if let Some(value) = convert(&mut node)? {
                            node.text = value;
                            node.children = Vec::new();
                        }
                    }
                }
                if let Some(parent) = open.last_mut() {
                    parent.children.push(node);
                }
            }
        }
    }
    // `if not method`: absent, None or empty.
    let method = match method {
        Some(Value::Str(name)) if !name.is_empty() => name,
        _ => return Err(DecodeError::NoMethodName),
    };
    Ok(Request {
        method,
        params: params.unwrap_or_default(),
    })
}

fn unmarshallable(why: impl Into<String>) -> DecodeError {
    DecodeError::Unmarshallable(why.into())
}

/// The raw text of a node as a string (`None` stays `None`).
fn raw_text(node: &Node) -> Option<&str> {
    match &node.text {
        Value::Str(text) => Some(text),
        _ => None,
    }
}

fn first_child_text(node: &Node) -> Result<Value, DecodeError> {
    node.children
        .first()
        .map(|child| child.text.clone())
        .ok_or_else(|| unmarshallable(format!("<{}> without a child", node.tag)))
}

/// Supervisor's `unmarshallers` table plus its `value` rule: the value an element becomes, or `None` to keep it.
fn convert(node: &mut Node) -> Result<Option<Value>, DecodeError> {
    let value = match node.tag.as_str() {
        "int" | "i4" => {
            let text = raw_text(node).ok_or_else(|| unmarshallable("empty <int>"))?;
            Value::Int(parse_int(text).map_err(|error| unmarshallable(error.message))?)
        }
        "boolean" => Value::Bool(raw_text(node) == Some("1")),
        "string" => Value::Str(raw_text(node).unwrap_or("").to_string()),
        "double" => {
            let text = raw_text(node).ok_or_else(|| unmarshallable("empty <double>"))?;
            Value::Double(parse_float(text).ok_or_else(|| {
                unmarshallable(format!("could not convert string to float: {text:?}"))
            })?)
        }
        "dateTime.iso8601" => {
            let text = raw_text(node).ok_or_else(|| unmarshallable("empty <dateTime.iso8601>"))?;
            Value::DateTime(
                parse_datetime(text)
                    .ok_or_else(|| unmarshallable(format!("bad dateTime.iso8601 {text:?}")))?,
            )
        }
        "base64" => {
            let bytes = decode_base64(raw_text(node).unwrap_or(""))?;
            Value::Str(
                String::from_utf8(bytes).map_err(|_| unmarshallable("base64 data is not UTF-8"))?,
            )
        }
        "array" | "param" => first_child_text(node)?,
        "data" => Value::List(
            node.children
                .iter()
                .map(|child| child.text.clone())
                .collect(),
        ),
        "struct" => Value::Dict(struct_members(node)?),
        "value" => match node.children.first() {
            Some(child) => child.text.clone(),
            None => Value::Str(raw_text(node).unwrap_or("").to_string()),
        },
        _ => return Ok(None),
    };
    Ok(Some(value))
}

/// `dict([(k.text or "", v.text) for k, v in x])`: every child must have exactly two children, the first is the
/// key whatever its tag; a falsy key becomes `""`; a later duplicate key replaces the value in place.
fn struct_members(node: &Node) -> Result<Vec<(Value, Value)>, DecodeError> {
    let mut members: Vec<(Value, Value)> = Vec::new();
    for member in &node.children {
        let [key, value] = member.children.as_slice() else {
            return Err(unmarshallable(format!(
                "a struct member has {} children, not 2",
                member.children.len()
            )));
        };
        let key = if key.text.is_truthy() {
            key.text.clone()
        } else {
            Value::Str(String::new())
        };
        if !key.is_hashable() {
            return Err(unmarshallable(format!(
                "unhashable type: '{}'",
                key.type_name()
            )));
        }
        match members
            .iter_mut()
            .find(|(existing, _)| existing.py_eq(&key))
        {
            Some((_, existing_value)) => *existing_value = value.text.clone(),
            None => members.push((key, value.text.clone())),
        }
    }
    Ok(members)
}

/// `base64.decodebytes` (binascii's non-strict `a2b_base64`): characters outside the alphabet are skipped, a
/// complete padding ends the data, and a dangling partial group is an error.
fn decode_base64(text: &str) -> Result<Vec<u8>, DecodeError> {
    fn sextet(byte: u8) -> Option<u8> {
        match byte {
            b'A'..=b'Z' => Some(byte - b'A'),
            b'a'..=b'z' => Some(byte - b'a' + 26),
            b'0'..=b'9' => Some(byte - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut quad_position = 0;
    let mut left = 0u8;
    let mut pads = 0;
    for byte in text.bytes() {
        if byte == b'=' {
            if quad_position >= 2 {
                pads += 1;
                if quad_position + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let Some(bits) = sextet(byte) else {
            continue;
        };
        pads = 0;
        match quad_position {
            0 => {
                left = bits;
                quad_position = 1;
            }
            1 => {
                out.push((left << 2) | (bits >> 4));
                left = bits & 0x0f;
                quad_position = 2;
            }
            2 => {
                out.push((left << 4) | (bits >> 2));
                left = bits & 0x03;
                quad_position = 3;
            }
            _ => {
                out.push((left << 6) | bits);
                quad_position = 0;
            }
        }
    }
    match quad_position {
        0 => Ok(out),
        _ => Err(unmarshallable("Incorrect padding")),
    }
}

/// `time.strptime(text, "%Y%m%dT%H:%M:%S")` then `datetime(...)`: Python's `_strptime` regex (fields tried in
/// its alternation order, first match taken, nothing may follow), then calendar checks.
fn parse_datetime(text: &str) -> Option<DateTime> {
    /// Each field's alternatives in the regex's order: (length, first-character check, second-character check).
    type Alternative = (usize, fn(u8) -> bool, fn(u8) -> bool);
    fn digit(byte: u8) -> bool {
        byte.is_ascii_digit()
    }
    fn any(_: u8) -> bool {
        true
    }
    fn nonzero(byte: u8) -> bool {
        (b'1'..=b'9').contains(&byte)
    }
    const YEAR: &[Alternative] = &[(4, digit, digit)];
    const MONTH: &[Alternative] = &[
        (2, |b| b == b'1', |b| (b'0'..=b'2').contains(&b)),
        (2, |b| b == b'0', nonzero),
        (1, nonzero, any),
    ];
    const DAY: &[Alternative] = &[
        (2, |b| b == b'3', |b| b == b'0' || b == b'1'),
        (2, |b| b == b'1' || b == b'2', digit),
        (2, |b| b == b'0', nonzero),
        (1, nonzero, any),
        (2, |b| b == b' ', nonzero),
    ];
    const HOUR: &[Alternative] = &[
        (2, |b| b == b'2', |b| (b'0'..=b'3').contains(&b)),
        (2, |b| b == b'0' || b == b'1', digit),
        (1, digit, any),
    ];
    const MINUTE: &[Alternative] = &[(2, |b| (b'0'..=b'5').contains(&b), digit), (1, digit, any)];
    const SECOND: &[Alternative] = &[
        (2, |b| b == b'6', |b| b == b'0' || b == b'1'),
        (2, |b| (b'0'..=b'5').contains(&b), digit),
        (1, digit, any),
    ];
    /// The pattern: fields and the literal separators between them (matched case-insensitively).
    enum Part {
        Field(&'static [Alternative]),
        Literal(u8),
    }
    const PATTERN: [Part; 8] = [
        Part::Field(YEAR),
        Part::Field(MONTH),
        Part::Field(DAY),
        Part::Literal(b't'),
        Part::Field(HOUR),
        Part::Literal(b':'),
        Part::Field(MINUTE),
        Part::Literal(b':'),
    ];

    /// Backtracking like `re.match`: the first complete match of the pattern (then the seconds field), as values.
    fn search(bytes: &[u8], at: usize, part: usize, fields: &mut Vec<u32>) -> Option<usize> {
        let alternatives = match PATTERN.get(part) {
            None => SECOND,
            Some(Part::Literal(literal)) => {
                return match bytes.get(at) {
                    Some(byte) if byte.to_ascii_lowercase() == *literal => {
                        search(bytes, at + 1, part + 1, fields)
                    }
                    _ => None,
                };
            }
            Some(Part::Field(alternatives)) => alternatives,
        };
        for (length, first, second) in alternatives.iter() {
            let Some(slice) = bytes.get(at..at + length) else {
                continue;
            };
            if !first(slice[0]) || (*length == 2 && !second(slice[1])) {
                continue;
            }
            // The day's " 5" alternative is read by int(), which ignores the space.
            let value = slice
                .iter()
                .filter(|byte| **byte != b' ')
                .fold(0u32, |value, byte| value * 10 + u32::from(byte - b'0'));
            fields.push(value);
            if part >= PATTERN.len() {
                return Some(at + length);
            }
            if let Some(end) = search(bytes, at + length, part + 1, fields) {
                return Some(end);
            }
            fields.pop();
        }
        None
    }

    let bytes = text.as_bytes();
    let mut fields = Vec::with_capacity(6);
    // `re.match` takes the first match; text left after it is "unconverted data remains".
    let end = search(bytes, 0, 0, &mut fields)?;
    if end != bytes.len() {
        return None;
    }
    let [year, month, day, hour, minute, second] = fields[..] else {
        return None;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    // datetime() refuses year 0, days past the month's end and the leap seconds strptime lets through.
    if year == 0 || day > days_in_month || second > 59 {
        return None;
    }
    Some(DateTime {
        year: year as u16,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Ok((params, method))` rendered as Python's repr, or `ERR`: the expected texts are what Supervisor's own
    /// `loads` printed for the same documents (CPython 3.11), except where a comment says otherwise.
    fn render(body: &str) -> String {
        match decode_request(body.as_bytes()) {
            Ok(request) => {
                let params = Value::List(request.params).to_py_repr();
                format!("{params} {}", request.method)
            }
            Err(DecodeError::NoMethodName) => "NO METHOD".to_string(),
            Err(_) => "ERR".to_string(),
        }
    }

    fn call(params: &str) -> String {
        format!("<methodCall><methodName>a.b</methodName><params>{params}</params></methodCall>")
    }

    fn param(value: &str) -> String {
        format!("<param><value>{value}</value></param>")
    }

    fn check(cases: &[(String, &str)]) {
        for (body, expected) in cases {
            assert_eq!(render(body), *expected, "body {body:?}");
        }
    }

    #[test]
    fn scalar_types() {
        check(&[
            (call(&param("<int> 1_0 </int>")), "[10] a.b"),
            (call(&param("<i4>-3</i4>")), "[-3] a.b"),
            (call(&param("<int>+5</int>")), "[5] a.b"),
            (call(&param("<i8>7</i8>")), "['7'] a.b"),
            (call(&param("<nil/>")), "[None] a.b"),
            (call("<param><value/></param>"), "[''] a.b"),
            (call(&param("<string/>")), "[''] a.b"),
            (call(&param("abc")), "['abc'] a.b"),
            (call(&param("  ")), "['  '] a.b"),
            (call(&param(" <string>s</string> ")), "['s'] a.b"),
            (call(&param("<boolean>1</boolean>")), "[True] a.b"),
            (call(&param("<boolean>true</boolean>")), "[False] a.b"),
            (call(&param("<boolean> 1</boolean>")), "[False] a.b"),
            (call(&param("<double>1e400</double>")), "[inf] a.b"),
            (call(&param("<double> nan</double>")), "[nan] a.b"),
            (call(&param("<double>1_0.5</double>")), "[10.5] a.b"),
            (call(&param("<string>a<b/>c</string>")), "['a'] a.b"),
            (call(&param("<value>7</value>")), "['7'] a.b"),
            (call(&param("<i8>1</i8><int>2</int>")), "['1'] a.b"),
            (call(&param("a\r\nb\rc")), "['a\\nb\\nc'] a.b"),
            (
                call(&param("&amp;&lt;&gt;&quot;&apos;&#65;&#x42;")),
                r#"['&<>"\'AB'] a.b"#,
            ),
            (call(&param("<![CDATA[<x>&]]>")), "['<x>&'] a.b"),
            (call(&param("<![CDATA[]]>")), "[''] a.b"),
            (call(&param("a<!-- c -->b<?pi x?>c")), "['abc'] a.b"),
            (call(&param("<int></int>")), "ERR"),
            (call(&param("<int>1.5</int>")), "ERR"),
            (call(&param("<double>x</double>")), "ERR"),
            // Python reads Arabic-Indic digits too; we refuse them.
            (call(&param("<int>٣</int>")), "ERR"),
            (call(&param("<int>99999999999999999999</int>")), "ERR"),
        ]);
    }

    #[test]
    fn base64_and_datetime() {
        check(&[
            (call(&param("<base64>aGk=</base64>")), "['hi'] a.b"),
            (call(&param("<base64>a G\nk=</base64>")), "['hi'] a.b"),
            (call(&param("<base64>aGk=garbage</base64>")), "['hi'] a.b"),
            (call(&param("<base64>aG=Vs</base64>")), "['hel'] a.b"),
            (call(&param("<base64>aGV=sbG8</base64>")), "['he'] a.b"),
            (call(&param("<base64>=aGk=</base64>")), "['hi'] a.b"),
            (call(&param("<base64></base64>")), "[''] a.b"),
            (call(&param("<base64>====</base64>")), "[''] a.b"),
            (call(&param("<base64>aG</base64>")), "ERR"),
            (call(&param("<base64>aG=</base64>")), "ERR"),
            (call(&param("<base64>a</base64>")), "ERR"),
            (call(&param("<base64>aG=Vsxy=</base64>")), "ERR"),
            (call(&param("<base64>/w==</base64>")), "ERR"),
            (
                call(&param(
                    "<dateTime.iso8601>20240102T03:04:05</dateTime.iso8601>",
                )),
                "[datetime.datetime(2024, 1, 2, 3, 4, 5)] a.b",
            ),
            (
                call(&param("<dateTime.iso8601>2024110t3:4:5</dateTime.iso8601>")),
                "[datetime.datetime(2024, 1, 10, 3, 4, 5)] a.b",
            ),
            (
                call(&param(
                    "<dateTime.iso8601>20240229T23:59:59</dateTime.iso8601>",
                )),
                "[datetime.datetime(2024, 2, 29, 23, 59, 59)] a.b",
            ),
            (
                call(&param("<dateTime.iso8601>20241 5T1:2:3</dateTime.iso8601>")),
                "[datetime.datetime(2024, 1, 5, 1, 2, 3)] a.b",
            ),
            (
                call(&param("<dateTime.iso8601>2024123T1:1:1</dateTime.iso8601>")),
                "[datetime.datetime(2024, 12, 3, 1, 1, 1)] a.b",
            ),
            (
                call(&param(
                    "<dateTime.iso8601>2024 1 5T1:2:3</dateTime.iso8601>",
                )),
                "ERR",
            ),
            (
                call(&param(
                    "<dateTime.iso8601>20241231T24:00:00</dateTime.iso8601>",
                )),
                "ERR",
            ),
            (
                call(&param(
                    "<dateTime.iso8601>00000101T00:00:00</dateTime.iso8601>",
                )),
                "ERR",
            ),
            (
                call(&param(
                    "<dateTime.iso8601>20230229T00:00:00</dateTime.iso8601>",
                )),
                "ERR",
            ),
            (
                call(&param(
                    "<dateTime.iso8601>20240230T03:04:05</dateTime.iso8601>",
                )),
                "ERR",
            ),
            (
                call(&param(
                    "<dateTime.iso8601>20240102T03:04:60</dateTime.iso8601>",
                )),
                "ERR",
            ),
            (
                call(&param(
                    "<dateTime.iso8601>20240102T03:04:055</dateTime.iso8601>",
                )),
                "ERR",
            ),
            (
                call(&param(
                    "<dateTime.iso8601>2024-01-02T03:04:05</dateTime.iso8601>",
                )),
                "ERR",
            ),
            (call(&param("<dateTime.iso8601></dateTime.iso8601>")), "ERR"),
        ]);
    }

    #[test]
    fn arrays_structs_and_params() {
        check(&[
            (
                call(&param("<array><data><value>1</value><value><int>2</int></value><foo>x</foo></data></array>")),
                "[['1', 2, 'x']] a.b",
            ),
            (call(&param("<array><data></data></array>")), "[[]] a.b"),
            (call(&param("<array></array>")), "ERR"),
            (
                call(&param("<struct><member><name>a</name><value>1</value></member><member><value>2</value><name>b</name></member></struct>")),
                "[{'a': '1', '2': 'b'}] a.b",
            ),
            (
                call(&param("<struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member></struct>")),
                "[{'a': '2'}] a.b",
            ),
            (call(&param("<struct></struct>")), "[{}] a.b"),
            (
                call(&param("<struct><member><name/><value>1</value></member></struct>")),
                "[{'': '1'}] a.b",
            ),
            (
                call(&param("<struct><member><value><int>0</int></value><value>1</value></member></struct>")),
                "[{'': '1'}] a.b",
            ),
            (
                call(&param("<struct><member><value><int>1</int></value><value>x</value></member><member><value><boolean>1</boolean></value><value>y</value></member></struct>")),
                "[{1: 'y'}] a.b",
            ),
            (
                call(&param("<struct><member><value><array><data><value>1</value></data></array></value><value>x</value></member></struct>")),
                "ERR",
            ),
            (call(&param("<struct><member><name>a</name></member></struct>")), "ERR"),
            (call("<param></param>"), "ERR"),
            (call("<param><value>x</value><value>y</value></param><foo>bar</foo>"), "['x', 'bar'] a.b"),
        ]);
    }

    #[test]
    fn method_name_and_document_shape() {
        let cases: Vec<(String, &str)> = vec![
            ("<methodCall><methodName>a.b</methodName></methodCall>".into(), "[] a.b"),
            ("<methodCall><methodName></methodName></methodCall>".into(), "NO METHOD"),
            ("<methodCall><params></params></methodCall>".into(), "NO METHOD"),
            ("<methodCall><methodName><![CDATA[]]></methodName></methodCall>".into(), "NO METHOD"),
            ("<a><methodName>x.y</methodName><b><params><param><value>1</value></param></params></b></a>".into(), "['1'] x.y"),
            ("<methodCall><methodName>a.<x/>b</methodName></methodCall>".into(), "[] a."),
            ("<c xmlns='u'><methodName>a.b</methodName></c>".into(), "NO METHOD"),
            ("<c xmlns='u'><methodName xmlns=''>a.b</methodName></c>".into(), "[] a.b"),
            ("<methodCall><methodName>a.b</methodName><methodName>c.d</methodName></methodCall>".into(), "[] c.d"),
            ("<methodCall><methodName> a.b\t</methodName></methodCall>".into(), "[] \u{20}a.b\t"),
            (
                "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getVersion</methodName>\n<params>\n</params>\n</methodCall>\n".into(),
                "[] supervisor.getVersion",
            ),
            ("<methodCall><methodName>a.b</methodName></methodCall><x/>".into(), "ERR"),
            ("".into(), "ERR"),
        ];
        check(&cases);
        assert_eq!(decode_request(b"<a>\xff</a>"), Err(DecodeError::NotUtf8));
    }
}
