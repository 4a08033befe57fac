//! Python's `repr()` of a `str`, which Supervisor's error messages quote values with (`%r`).

/// `repr(text)` as CPython 3 writes it: single quotes unless the text holds a `'` and no `"`; backslash escapes
/// for the quote in use, `\\`, `\n`, `\r`, `\t` and other control characters.
pub fn py_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_printable(c) => {
                let code = c as u32;
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `str.isprintable()` for one character: false for controls, separators other than the space, format
/// characters and private use. (Unassigned code points, also non-printable in Python, are not tabulated.)
fn is_printable(c: char) -> bool {
    let code = c as u32;
    !(code < 0x20
        || (0x7f..=0xa0).contains(&code)
        || code == 0xad
        || code == 0x1680
        || (0x2000..=0x200f).contains(&code)
        || (0x2028..=0x202f).contains(&code)
        || (0x205f..=0x2064).contains(&code)
        || (0x2066..=0x206f).contains(&code)
        || code == 0x3000
        || code == 0xfeff
        || (0xfff9..=0xfffb).contains(&code)
        || (0xe000..=0xf8ff).contains(&code)
        || code >= 0xf0000)
}

/// `repr(data)` of a Python `bytes`: `b'...'` (or `b"..."` when only `'` appears), printable ASCII as is,
/// `\\`, `\t`, `\n`, `\r` and the quote escaped, every other byte as `\xNN`.
pub fn py_bytes_repr(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(data.len() + 3);
    out.push('b');
    out.push(quote);
    for &byte in data {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            byte if byte as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(byte as char),
            byte => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::{py_bytes_repr, py_repr};

    #[test]
    fn bytes_repr_matches_cpython() {
        let cases: [(&[u8], &str); 5] = [
            (b"ok\xff\xfe\n", "b'ok\\xff\\xfe\\n'"),
            (b"it's", "b\"it's\""),
            (b"a'\"b", "b'a\\'\"b'"),
            (b"\x00\x7f\\", "b'\\x00\\x7f\\\\'"),
            (b"", "b''"),
        ];
        for (input, expected) in cases {
            assert_eq!(py_bytes_repr(input), expected, "{input:?}");
        }
    }

    #[test]
    fn matches_cpython() {
        let cases = [
            ("abc", "'abc'"),
            ("garbage line\n", "'garbage line\\n'"),
            ("it's", "\"it's\""),
            ("it's \"q\"", "'it\\'s \"q\"'"),
            ("a\\b", "'a\\\\b'"),
            ("\x01\t", "'\\x01\\t'"),
            ("é", "'é'"),
            ("a\u{2003}b\u{200b}", "'a\\u2003b\\u200b'"),
            ("\u{a0}", "'\\xa0'"),
            ("", "''"),
        ];
        for (input, expected) in cases {
            assert_eq!(py_repr(input), expected, "repr of {input:?}");
        }
    }
}
