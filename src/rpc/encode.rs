//! Responses, byte for byte as Python's `xmlrpc.client.dumps(..., methodresponse=True)` writes them (what
//! Supervisor sends): `<?xml version='1.0'?>` and a newline after every value, `int` (never `i4`), struct members
//! in the order given, and only `&`, `<` and `>` escaped.
//!
//! One deliberate difference: characters XML 1.0 does not allow (C0 controls other than tab, newline and
//! carriage return, e.g. the ESC of ANSI colours in a log; U+FFFE, U+FFFF) are written as U+FFFD. Python writes
//! them raw and its own client then fails with `ExpatError: not well-formed`; escaping them as character
//! references would not help (XML forbids those too). Carriage returns stay raw as in Python, so a Python client
//! reads them as newlines.
//!
//! This module owns the reply shapes and their bytes; it does not decide what a method answers.

use std::fmt::Write as _;

use super::backend::Fault;
use super::xml::is_xml_char;

/// A method's result, in the XML-RPC types Supervisor's results use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Str(String),
    Int(i64),
    Bool(bool),
    Array(Vec<Reply>),
    /// Members in wire order.
    Struct(Vec<(&'static str, Reply)>),
}

/// An integer outside XML-RPC's 32 bits: Python's marshaller raises `OverflowError` and Supervisor answers 500.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("int exceeds XML-RPC limits: {0}")]
pub struct IntOutOfRange(pub i64);

/// `xmlrpc.client.MININT` and `MAXINT`.
pub const MININT: i64 = -(1 << 31);
pub const MAXINT: i64 = (1 << 31) - 1;

/// Clamps a time to what XML-RPC can carry, as Supervisor's `capped_int` does for process times.
pub fn capped_int(value: i64) -> i64 {
    value.clamp(MININT, MAXINT)
}

/// A successful response carrying one value.
pub fn render_response(reply: &Reply) -> Result<String, IntOutOfRange> {
    let mut out = String::from("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n");
    write_value(reply, &mut out)?;
    out.push_str("</param>\n</params>\n</methodResponse>\n");
    Ok(out)
}

/// A fault response: a struct of `faultCode` then `faultString`.
pub fn render_fault(fault: &Fault) -> String {
    let mut out = String::from("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n");
    let body = fault_struct(fault);
    write_value(&body, &mut out).expect("fault codes are small");
    out.push_str("</fault>\n</methodResponse>\n");
    out
}

/// `{'faultCode': code, 'faultString': text}`, also what `system.multicall` puts in place of a failed call.
pub fn fault_struct(fault: &Fault) -> Reply {
    Reply::Struct(vec![
        ("faultCode", Reply::Int(i64::from(fault.code))),
        ("faultString", Reply::Str(fault.text())),
    ])
}

fn write_value(reply: &Reply, out: &mut String) -> Result<(), IntOutOfRange> {
    match reply {
        Reply::Str(text) => {
            out.push_str("<value><string>");
            escape_into(text, out);
            out.push_str("</string></value>\n");
        }
        Reply::Int(number) => {
            if !(MININT..=MAXINT).contains(number) {
                return Err(IntOutOfRange(*number));
            }
            let _ = writeln!(out, "<value><int>{number}</int></value>");
        }
        Reply::Bool(flag) => {
            out.push_str(if *flag {
                "<value><boolean>1</boolean></value>\n"
            } else {
                "<value><boolean>0</boolean></value>\n"
            });
        }
        Reply::Array(items) => {
            out.push_str("<value><array><data>\n");
            for item in items {
                write_value(item, out)?;
            }
            out.push_str("</data></array></value>\n");
        }
        Reply::Struct(members) => {
            out.push_str("<value><struct>\n");
            for (name, value) in members {
                out.push_str("<member>\n<name>");
                escape_into(name, out);
                out.push_str("</name>\n");
                write_value(value, out)?;
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
    }
    Ok(())
}

/// `xmlrpc.client.escape`, plus U+FFFD for characters XML cannot carry (see the module header).
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if !is_xml_char(c) => out.push(char::REPLACEMENT_CHARACTER),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::backend::codes;

    fn check(reply: Reply, expected: &str) {
        assert_eq!(
            render_response(&reply).as_deref(),
            Ok(expected),
            "{reply:?}"
        );
    }

    fn string(text: &str) -> Reply {
        Reply::Str(text.to_string())
    }

    /// Every expected text below was produced by CPython 3.11's
    /// `xmlrpc.client.dumps((value,), methodresponse=True)` for the same value.
    #[test]
    fn responses_match_python_dumps() {
        check(
            string("3.0"),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>3.0</string></value>\n</param>\n</params>\n</methodResponse>\n",
        );
        check(
            string(""),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string></string></value>\n</param>\n</params>\n</methodResponse>\n",
        );
        check(
            Reply::Int(-2147483648),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><int>-2147483648</int></value>\n</param>\n</params>\n</methodResponse>\n",
        );
        check(
            Reply::Bool(true),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodResponse>\n",
        );
        check(
            Reply::Array(vec![]),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n",
        );
        check(
            Reply::Struct(vec![]),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n",
        );
        check(
            Reply::Array(vec![string("t line 30\n"), Reply::Int(1369), Reply::Bool(false)]),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><string>t line 30\n</string></value>\n<value><int>1369</int></value>\n<value><boolean>0</boolean></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n",
        );
        check(
            Reply::Array(vec![Reply::Array(vec![
                Reply::Array(vec![string("a")]),
                Reply::Array(vec![]),
                Reply::Array(vec![]),
            ])]),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><array><data>\n<value><array><data>\n<value><string>a</string></value>\n</data></array></value>\n<value><array><data>\n</data></array></value>\n<value><array><data>\n</data></array></value>\n</data></array></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n",
        );
        check(
            Reply::Struct(vec![("statecode", Reply::Int(1)), ("statename", string("RUNNING"))]),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>statecode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>statename</name>\n<value><string>RUNNING</string></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n",
        );
        check(
            string("a&b<c>d\"e'f\r\n\u{e9}\u{7f}"),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>a&amp;b&lt;c&gt;d\"e'f\r\n\u{e9}\u{7f}</string></value>\n</param>\n</params>\n</methodResponse>\n",
        );
    }

    #[test]
    fn faults_match_python_dumps() {
        assert_eq!(
            render_fault(&Fault::new(codes::BAD_NAME, "nosuch")),
            "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: nosuch</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
        );
        assert_eq!(
            render_fault(&Fault::bare(codes::UNKNOWN_METHOD)),
            "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>UNKNOWN_METHOD</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
        );
    }

    #[test]
    fn control_characters_become_replacement_characters() {
        check(
            string("\u{1b}[31mred\u{1b}[0m\t\u{0}\u{ffff}"),
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>\u{fffd}[31mred\u{fffd}[0m\t\u{fffd}\u{fffd}</string></value>\n</param>\n</params>\n</methodResponse>\n",
        );
    }

    #[test]
    fn ints_beyond_32_bits_are_refused_and_times_are_capped() {
        assert_eq!(
            render_response(&Reply::Int(MAXINT + 1)),
            Err(IntOutOfRange(MAXINT + 1))
        );
        assert_eq!(
            render_response(&Reply::Array(vec![Reply::Int(MININT - 1)])),
            Err(IntOutOfRange(MININT - 1))
        );
        assert_eq!(capped_int(1 << 40), MAXINT);
        assert_eq!(capped_int(-(1 << 40)), MININT);
        assert_eq!(capped_int(1_795_502_585), 1_795_502_585);
    }
}
