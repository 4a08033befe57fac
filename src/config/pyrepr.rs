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

#[cfg(test)]
mod tests {
    use super::py_repr;

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
