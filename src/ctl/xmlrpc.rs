//! The client side of XML-RPC: encoding a call as Python's `xmlrpc.client.dumps` does, and decoding a
//! `methodResponse` (values or a fault) as its `Unmarshaller` does. Pure: text in, values out.
//!
//! Owns: the [`Value`] type the client works with, the request text (byte for byte what Python sends, so that a
//! server sees the same requests from either client), and a small XML reader that accepts what any XML-RPC server
//! sends: an optional declaration, comments, CDATA, the five predefined entities and character references, and
//! XML's line-end normalisation (`\r\n` and a lone `\r` arrive as `\n`, as Expat delivers them to Python).
//!
//! Does not own: HTTP (see `client.rs`) or the server's codec (`crate::rpc`); the two can share this type later.
//!
//! Known difference from Python: control characters such as ANSI escapes, which Supervisor puts raw into its
//! responses when a log holds them, are accepted here; Expat rejects them ("not well-formed") and Python's
//! supervisorctl then prints an error instead of the log.

use std::fmt;

/// An XML-RPC value, with Python's types for each wire type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<int>`, `<i4>`, `<i8>` (Python decodes all three to `int`).
    Int(i64),
    Bool(bool),
    /// `<string>`, or a `<value>` with text and no type element.
    String(String),
    Double(f64),
    Array(Vec<Value>),
    /// Members in wire order.
    Struct(Vec<(String, Value)>),
    Base64(Vec<u8>),
    /// `<dateTime.iso8601>`, kept as its text.
    DateTime(String),
    /// `<nil/>` (Python's `None`).
    Nil,
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(number) => Some(*number),
            Value::Bool(flag) => Some(i64::from(*flag)),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(flag) => Some(*flag),
            Value::Int(number) => Some(*number != 0),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// A struct member by name (the last one wins, as in a Python dict built from the wire).
    pub fn member(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Struct(members) => members
                .iter()
                .rev()
                .find(|(member_name, _)| member_name == name)
                .map(|(_, value)| value),
            _ => None,
        }
    }
}

/// A fault response: `faultCode` and `faultString`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: i64,
    pub string: String,
}

impl fmt::Display for Fault {
    /// Python's `repr(Fault)`: `<Fault 6: 'SHUTDOWN_STATE'>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<Fault {}: {}>",
            self.code,
            crate::config::pyrepr::py_repr(&self.string)
        )
    }
}

/// Why a response body could not be read as XML-RPC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not well-formed: {0}")]
    Xml(String),
    #[error("response is not a methodResponse with params or a fault")]
    NotAResponse,
    #[error("bad {kind} value {text:?}")]
    BadScalar { kind: &'static str, text: String },
}

/// Why a call could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// Python's `OverflowError`: XML-RPC ints are 32-bit.
    #[error("int exceeds XML-RPC limits")]
    IntOverflow,
}

/// A call as Python's `xmlrpc.client.dumps(params, method)` writes it.
pub fn encode_call(method: &str, params: &[Value]) -> Result<String, EncodeError> {
    if params.iter().any(has_overflowing_int) {
        return Err(EncodeError::IntOverflow);
    }
    let mut out = String::from("<?xml version='1.0'?>\n<methodCall>\n<methodName>");
    out.push_str(&escape(method));
    out.push_str("</methodName>\n<params>\n");
    for param in params {
        out.push_str("<param>\n");
        encode_value(param, &mut out);
        out.push_str("</param>\n");
    }
    out.push_str("</params>\n</methodCall>\n");
    Ok(out)
}

/// Whether a value holds an int Python's marshaller refuses (outside `i32`).
fn has_overflowing_int(value: &Value) -> bool {
    match value {
        Value::Int(number) => i32::try_from(*number).is_err(),
        Value::Array(items) => items.iter().any(has_overflowing_int),
        Value::Struct(members) => members
            .iter()
            .any(|(_, member)| has_overflowing_int(member)),
        _ => false,
    }
}

/// Python's `Marshaller.__dump` for one value, including the newline it writes after `</value>`.
fn encode_value(value: &Value, out: &mut String) {
    match value {
        Value::Int(number) => out.push_str(&format!("<value><int>{number}</int></value>\n")),
        Value::Bool(flag) => out.push_str(&format!(
            "<value><boolean>{}</boolean></value>\n",
            u8::from(*flag)
        )),
        Value::String(text) => {
            out.push_str("<value><string>");
            out.push_str(&escape(text));
            out.push_str("</string></value>\n");
        }
        Value::Double(number) => {
            out.push_str(&format!("<value><double>{number:?}</double></value>\n"))
        }
        Value::Array(items) => {
            out.push_str("<value><array><data>\n");
            for item in items {
                encode_value(item, out);
            }
            out.push_str("</data></array></value>\n");
        }
        Value::Struct(members) => {
            out.push_str("<value><struct>\n");
            for (name, member) in members {
                out.push_str("<member>\n<name>");
                out.push_str(&escape(name));
                out.push_str("</name>\n");
                encode_value(member, out);
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
        Value::Base64(bytes) => {
            use base64::Engine;
            out.push_str("<value><base64>\n");
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(bytes));
            out.push_str("\n</base64></value>\n");
        }
        Value::DateTime(text) => {
            out.push_str("<value><dateTime.iso8601>");
            out.push_str(&escape(text));
            out.push_str("</dateTime.iso8601></value>\n");
        }
        Value::Nil => out.push_str("<value><nil/></value>"),
    }
}

/// Python's `xmlrpc.client.escape`: only `&`, `<` and `>`.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Decodes a `methodResponse`: `Ok(Ok(value))` for a result, `Ok(Err(fault))` for a fault.
pub fn decode_response(body: &[u8]) -> Result<Result<Value, Fault>, DecodeError> {
    let text = String::from_utf8_lossy(body);
    let root = parse_document(&text)?;
    if root.name != "methodResponse" {
        return Err(DecodeError::NotAResponse);
    }
    let first = root.elements().next().ok_or(DecodeError::NotAResponse)?;
    match first.name.as_str() {
        "params" => {
            let param = first
                .elements()
                .find(|element| element.name == "param")
                .ok_or(DecodeError::NotAResponse)?;
            let value = param
                .elements()
                .find(|element| element.name == "value")
                .ok_or(DecodeError::NotAResponse)?;
            Ok(Ok(decode_value(value)?))
        }
        "fault" => {
            let value = first
                .elements()
                .find(|element| element.name == "value")
                .ok_or(DecodeError::NotAResponse)?;
            let fault = decode_value(value)?;
            let code = fault
                .member("faultCode")
                .and_then(Value::as_int)
                .ok_or(DecodeError::NotAResponse)?;
            let string = fault
                .member("faultString")
                .and_then(Value::as_str)
                .ok_or(DecodeError::NotAResponse)?;
            Ok(Err(Fault {
                code,
                string: string.to_string(),
            }))
        }
        _ => Err(DecodeError::NotAResponse),
    }
}

fn decode_value(value: &Element) -> Result<Value, DecodeError> {
    let Some(typed) = value.elements().next() else {
        // An untyped value is a string (Python: `end_value` with no type seen).
        return Ok(Value::String(value.text()));
    };
    let text = typed.text();
    let scalar_error = |kind: &'static str| DecodeError::BadScalar {
        kind,
        text: text.clone(),
    };
    Ok(match typed.name.as_str() {
        "int" | "i4" | "i8" | "i1" | "i2" | "biginteger" => {
            Value::Int(text.trim().parse().map_err(|_| scalar_error("int"))?)
        }
        "boolean" => match text.as_str() {
            "0" => Value::Bool(false),
            "1" => Value::Bool(true),
            _ => return Err(scalar_error("boolean")),
        },
        "string" => Value::String(text),
        "double" | "float" => {
            Value::Double(text.trim().parse().map_err(|_| scalar_error("double"))?)
        }
        "dateTime.iso8601" => Value::DateTime(text),
        "nil" => Value::Nil,
        "base64" => {
            use base64::Engine;
            let compact: String = text.chars().filter(|ch| !ch.is_whitespace()).collect();
            Value::Base64(
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map_err(|_| scalar_error("base64"))?,
            )
        }
        "array" => {
            let data = typed.elements().find(|element| element.name == "data");
            let mut items = Vec::new();
            for item in data.into_iter().flat_map(Element::elements) {
                if item.name == "value" {
                    items.push(decode_value(item)?);
                }
            }
            Value::Array(items)
        }
        "struct" => {
            let mut members = Vec::new();
            for member in typed.elements().filter(|element| element.name == "member") {
                let name = member
                    .elements()
                    .find(|element| element.name == "name")
                    .map(Element::text)
                    .unwrap_or_default();
                let member_value = member
                    .elements()
                    .find(|element| element.name == "value")
                    .ok_or(DecodeError::NotAResponse)?;
                members.push((name, decode_value(member_value)?));
            }
            Value::Struct(members)
        }
        _ => return Err(scalar_error("unknown type")),
    })
}

// ---------------------------------------------------------------------------------------------------------------
// A minimal XML reader: elements and text, enough for XML-RPC.
// ---------------------------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Element {
    name: String,
    children: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|child| match child {
            Node::Element(element) => Some(element),
            Node::Text(_) => None,
        })
    }

    /// The concatenated text directly inside this element.
    fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|child| match child {
                Node::Text(text) => Some(text.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }
}

fn xml_error(message: impl Into<String>) -> DecodeError {
    DecodeError::Xml(message.into())
}

/// Parses a document into its root element.
fn parse_document(text: &str) -> Result<Element, DecodeError> {
    // XML 1.0 section 2.11: line ends are normalised before parsing.
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = Reader {
        text: &normalised,
        position: 0,
    };
    reader.skip_misc()?;
    let root = reader.element()?;
    reader.skip_misc()?;
    if reader.position != reader.text.len() {
        return Err(xml_error("junk after document element"));
    }
    Ok(root)
}

struct Reader<'a> {
    text: &'a str,
    position: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.position..]
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches([' ', '\t', '\n']);
        self.position += rest.len() - trimmed.len();
    }

    /// Skips whitespace, the declaration, processing instructions, comments and a doctype.
    fn skip_misc(&mut self) -> Result<(), DecodeError> {
        loop {
            self.skip_whitespace();
            let rest = self.rest();
            let end_marker = if rest.starts_with("<?") {
                "?>"
            } else if rest.starts_with("<!--") {
                "-->"
            } else if rest.starts_with("<!DOCTYPE") {
                ">"
            } else {
                return Ok(());
            };
            let end = rest
                .find(end_marker)
                .ok_or_else(|| xml_error("unclosed markup"))?;
            self.position += end + end_marker.len();
        }
    }

    fn element(&mut self) -> Result<Element, DecodeError> {
        let rest = self.rest();
        if !rest.starts_with('<') {
            return Err(xml_error("expected an element"));
        }
        let tag_end = rest.find('>').ok_or_else(|| xml_error("unclosed tag"))?;
        let tag = &rest[1..tag_end];
        self.position += tag_end + 1;
        let (tag, self_closing) = match tag.strip_suffix('/') {
            Some(inner) => (inner, true),
            None => (tag, false),
        };
        let name = tag
            .split([' ', '\t', '\n'])
            .next()
            .unwrap_or_default()
            .to_string();
        if name.is_empty() {
            return Err(xml_error("empty tag name"));
        }
        let mut element = Element {
            name,
            children: Vec::new(),
        };
        if self_closing {
            return Ok(element);
        }
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(xml_error(format!("unclosed element <{}>", element.name)));
            }
            if let Some(after) = rest.strip_prefix("</") {
                let end = after.find('>').ok_or_else(|| xml_error("unclosed tag"))?;
                let closing = after[..end].trim_end();
                if closing != element.name {
                    return Err(xml_error(format!(
                        "mismatched tag </{closing}> for <{}>",
                        element.name
                    )));
                }
                self.position += 2 + end + 1;
                return Ok(element);
            }
            if rest.starts_with("<!--") {
                let end = rest
                    .find("-->")
                    .ok_or_else(|| xml_error("unclosed comment"))?;
                self.position += end + 3;
                continue;
            }
            if let Some(after) = rest.strip_prefix("<![CDATA[") {
                let end = after
                    .find("]]>")
                    .ok_or_else(|| xml_error("unclosed CDATA"))?;
                push_text(&mut element, after[..end].to_string());
                self.position += 9 + end + 3;
                continue;
            }
            if rest.starts_with("<?") {
                let end = rest
                    .find("?>")
                    .ok_or_else(|| xml_error("unclosed instruction"))?;
                self.position += end + 2;
                continue;
            }
            if rest.starts_with('<') {
                let child = self.element()?;
                element.children.push(Node::Element(child));
                continue;
            }
            let end = rest.find('<').unwrap_or(rest.len());
            let decoded = decode_entities(&rest[..end])?;
            self.position += end;
            push_text(&mut element, decoded);
        }
    }
}

fn push_text(element: &mut Element, text: String) {
    if let Some(Node::Text(previous)) = element.children.last_mut() {
        previous.push_str(&text);
    } else {
        element.children.push(Node::Text(text));
    }
}

/// Replaces the predefined entities and character references.
fn decode_entities(raw: &str) -> Result<String, DecodeError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(ampersand) = rest.find('&') {
        out.push_str(&rest[..ampersand]);
        let after = &rest[ampersand + 1..];
        let semicolon = after
            .find(';')
            .ok_or_else(|| xml_error("unterminated entity"))?;
        let entity = &after[..semicolon];
        let decoded = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(decimal) = entity.strip_prefix('#') {
                    decimal.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| xml_error(format!("undefined entity &{entity};")))?
            }
        };
        out.push(decoded);
        rest = &after[semicolon + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_decode(body: &str, expected: Result<Result<Value, Fault>, DecodeError>) {
        assert_eq!(decode_response(body.as_bytes()), expected, "body {body:?}");
    }

    fn response(value: &str) -> String {
        format!(
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n{value}\n</param>\n</params>\n</methodResponse>\n"
        )
    }

    fn string(text: &str) -> Value {
        Value::String(text.to_string())
    }

    #[test]
    fn encodes_calls_as_python_does() {
        // Texts produced by CPython 3.11's `xmlrpc.client.dumps`.
        let cases: &[(&str, Vec<Value>, &str)] = &[
            (
                "supervisor.getVersion",
                vec![],
                "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getVersion</methodName>\n<params>\n</params>\n</methodCall>\n",
            ),
            (
                "supervisor.startProcess",
                vec![string("a&b<c>"), Value::Int(5), Value::Bool(true), Value::Int(-3)],
                "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.startProcess</methodName>\n<params>\n\
                 <param>\n<value><string>a&amp;b&lt;c&gt;</string></value>\n</param>\n\
                 <param>\n<value><int>5</int></value>\n</param>\n\
                 <param>\n<value><boolean>1</boolean></value>\n</param>\n\
                 <param>\n<value><int>-3</int></value>\n</param>\n</params>\n</methodCall>\n",
            ),
        ];
        for (method, params, expected) in cases {
            assert_eq!(
                encode_call(method, params).as_deref(),
                Ok(*expected),
                "{method}"
            );
        }
    }

    #[test]
    fn ints_beyond_32_bits_are_refused_as_python_does() {
        let call = |number: i64| encode_call("m", &[Value::Array(vec![Value::Int(number)])]);
        assert!(call(i64::from(i32::MAX)).is_ok());
        assert!(call(i64::from(i32::MIN)).is_ok());
        assert_eq!(call(i64::from(i32::MAX) + 1), Err(EncodeError::IntOverflow));
        assert_eq!(call(i64::from(i32::MIN) - 1), Err(EncodeError::IntOverflow));
    }

    #[test]
    fn decodes_scalars() {
        let cases: &[(&str, Value)] = &[
            ("<value><string>3.0</string></value>", string("3.0")),
            ("<value><string></string></value>", string("")),
            ("<value>untyped</value>", string("untyped")),
            ("<value></value>", string("")),
            ("<value><int>-12</int></value>", Value::Int(-12)),
            ("<value><i4>7</i4></value>", Value::Int(7)),
            ("<value><i8>8589934592</i8></value>", Value::Int(8589934592)),
            ("<value><boolean>1</boolean></value>", Value::Bool(true)),
            ("<value><boolean>0</boolean></value>", Value::Bool(false)),
            ("<value><double>1.5</double></value>", Value::Double(1.5)),
            ("<value><nil/></value>", Value::Nil),
            (
                "<value><base64>aGk=</base64></value>",
                Value::Base64(b"hi".to_vec()),
            ),
            (
                "<value><string>a &amp; b &lt;c&gt; &#233;&#x41;&quot;&apos;</string></value>",
                string("a & b <c> éA\"'"),
            ),
            (
                "<value><string>l1\r\nl2\rl3\n</string></value>",
                string("l1\nl2\nl3\n"),
            ),
            (
                "<value><string><![CDATA[<raw>&]]></string></value>",
                string("<raw>&"),
            ),
            (
                "<value><string>\x1b[31mred\x1b[0m</string></value>",
                string("\x1b[31mred\x1b[0m"),
            ),
        ];
        for (value, expected) in cases {
            check_decode(&response(value), Ok(Ok(expected.clone())));
        }
    }

    #[test]
    fn decodes_arrays_and_structs_in_wire_order() {
        let body = response(
            "<value><array><data>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>cat</string></value>\n\
             </member>\n<member>\n<name>pid</name>\n<value><int>42</int></value>\n</member>\n</struct></value>\n\
             <value><array><data>\n</data></array></value>\n</data></array></value>",
        );
        check_decode(
            &body,
            Ok(Ok(Value::Array(vec![
                Value::Struct(vec![
                    ("name".into(), string("cat")),
                    ("pid".into(), Value::Int(42)),
                ]),
                Value::Array(vec![]),
            ]))),
        );
    }

    #[test]
    fn decodes_faults() {
        // The fault Supervisor 4.3.0 sends for an unknown process name.
        let body = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n\
                    <value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n\
                    <value><string>BAD_NAME: nosuch</string></value>\n</member>\n</struct></value>\n</fault>\n\
                    </methodResponse>\n";
        check_decode(
            body,
            Ok(Err(Fault {
                code: 10,
                string: "BAD_NAME: nosuch".into(),
            })),
        );
    }

    #[test]
    fn rejects_what_is_not_a_response() {
        let cases: &[(&str, DecodeError)] = &[
            ("<html>oops</html>", DecodeError::NotAResponse),
            (
                "<methodResponse><params>",
                xml_error("unclosed element <params>"),
            ),
            (
                "<methodResponse></params>",
                xml_error("mismatched tag </params> for <methodResponse>"),
            ),
            (
                &response("<value><boolean>2</boolean></value>"),
                DecodeError::BadScalar {
                    kind: "boolean",
                    text: "2".into(),
                },
            ),
            (
                &response("<value><string>&bogus;</string></value>"),
                xml_error("undefined entity &bogus;"),
            ),
        ];
        for (body, expected) in cases {
            check_decode(body, Err(expected.clone()));
        }
    }

    #[test]
    fn fault_displays_as_python_repr() {
        let fault = Fault {
            code: 6,
            string: "SHUTDOWN_STATE".into(),
        };
        assert_eq!(fault.to_string(), "<Fault 6: 'SHUTDOWN_STATE'>");
    }
}
