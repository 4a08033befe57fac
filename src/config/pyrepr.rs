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
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) || c == '\u{ad}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
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
            ("", "''"),
        ];
        for (input, expected) in cases {
            assert_eq!(py_repr(input), expected, "repr of {input:?}");
        }
    }
}
