//! `strip_ansi`: Supervisor's removal of ANSI escape sequences from child output (`[supervisord] strip_ansi`, `-t`).
//!
//! A port of `supervisor.dispatchers.stripEscapes`: every `ESC [` is removed together with everything after it up
//! to and including the first byte among `H f A B C D R s u J K h l p m`. Pure and stateless per chunk, as in
//! Supervisor: a sequence split across two reads is not recognised as one, and an unterminated sequence is dropped
//! to the end of the chunk. Other escapes (`ESC ] ... BEL`, a lone `ESC`) are kept.
//!
//! This module does not decide when stripping applies; the output path calls it on each piece it logs.

use std::borrow::Cow;

/// The bytes that start a sequence to remove (`ANSI_ESCAPE_BEGIN`).
const ESCAPE_BEGIN: &[u8] = b"\x1b[";

/// The bytes that end a sequence (`ANSI_TERMINATORS`). Supervisor's list, not the full CSI final-byte range, so
/// `ESC [ 6 n` runs on to the next terminator: that is what Supervisor does.
const TERMINATORS: &[u8] = b"HfABCDRsuJKhlpm";

/// Removes ANSI escape sequences from one chunk of output. Borrows the input when there is nothing to remove.
pub fn strip_ansi(data: &[u8]) -> Cow<'_, [u8]> {
    let Some(first_escape) = find(data, ESCAPE_BEGIN) else {
        return Cow::Borrowed(data);
    };
    let mut stripped = Vec::with_capacity(data.len());
    stripped.extend_from_slice(&data[..first_escape]);
    let mut rest = &data[first_escape..];
    loop {
        // `rest` starts with ESC [. Supervisor starts looking for a terminator at the `[`, which is not one.
        let after_escape = &rest[1..];
        match after_escape
            .iter()
            .position(|byte| TERMINATORS.contains(byte))
        {
            None => return Cow::Owned(stripped),
            Some(terminator) => rest = &after_escape[terminator + 1..],
        }
        match find(rest, ESCAPE_BEGIN) {
            None => {
                stripped.extend_from_slice(rest);
                return Cow::Owned(stripped);
            }
            Some(next_escape) => {
                stripped.extend_from_slice(&rest[..next_escape]);
                rest = &rest[next_escape..];
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &[u8], expected: &[u8]) {
        let stripped = strip_ansi(input);
        assert_eq!(
            stripped.as_ref(),
            expected,
            "strip_ansi({:?}) gave {:?}, expected {:?}",
            String::from_utf8_lossy(input),
            String::from_utf8_lossy(&stripped),
            String::from_utf8_lossy(expected)
        );
    }

    /// Inputs and outputs of Supervisor 4.3.0's `stripEscapes`, run on the same bytes.
    #[test]
    fn matches_supervisor_strip_escapes() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"plain text\n", b"plain text\n"),
            (b"\x1b[31mred\x1b[0m\n", b"red\n"),
            (b"\x1b[1;32mbold green\x1b[m", b"bold green"),
            (b"a\x1b[2Jb", b"ab"),
            (b"a\x1b[Hb", b"ab"),
            (b"a\x1b[10;20fb", b"ab"),
            (b"a\x1b[5Ab\x1b[3Bc\x1b[2Cd\x1b[4De", b"abcde"),
            (b"a\x1b[6nb\x1b[Rc", b"ac"),
            (b"a\x1b[sb\x1b[uc", b"abc"),
            (b"a\x1b[Kb", b"ab"),
            (b"a\x1b[?25lb\x1b[?25hc", b"abc"),
            (b"a\x1b[1;2pb", b"ab"),
            (b"unterminated \x1b[31", b"unterminated "),
            (b"unterminated \x1b[", b"unterminated "),
            (b"\x1b[", b""),
            (b"\x1b", b"\x1b"),
            (b"lone escape \x1b at end", b"lone escape \x1b at end"),
            (b"\x1b]0;title\x07after", b"\x1b]0;title\x07after"),
            (b"\x1bM reverse index", b"\x1bM reverse index"),
            (b"a\x1b[xyzmb", b"ab"),
            (b"a\x1b[\x1b[31mb", b"ab"),
            (b"a\x1b[31\nmore\nmb", b"aore\nmb"),
            (b"\x1b[31m\x1b[32m\x1b[0m", b""),
            (b"x\x1b[Zy\x1b[mz", b"xz"),
            (b"[31m no escape", b"[31m no escape"),
            (b"a\x1b\x1b[mb", b"a\x1bb"),
            (b"\x1b[m\x1b[", b""),
            (b"\xff\xfe\x1b[31m\xfd", b"\xff\xfe\xfd"),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn borrows_when_nothing_is_removed() {
        assert!(matches!(
            strip_ansi(b"no escapes here\x1b"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(strip_ansi(b"\x1b[m"), Cow::Owned(_)));
    }

    /// A line-by-line transliteration of Python's `stripEscapes` loop, as a second opinion for the property test.
    fn strip_escapes_literal(s: &[u8]) -> Vec<u8> {
        let mut result = Vec::new();
        let mut show = true;
        let mut i = 0;
        while i < s.len() {
            if !show && TERMINATORS.contains(&s[i]) {
                show = true;
            } else if show {
                match find(&s[i..], ESCAPE_BEGIN) {
                    None => {
                        result.extend_from_slice(&s[i..]);
                        return result;
                    }
                    Some(offset) => {
                        result.extend_from_slice(&s[i..i + offset]);
                        i += offset;
                        show = false;
                    }
                }
            }
            i += 1;
        }
        result
    }

    proptest! {
        #[test]
        fn agrees_with_the_literal_port(data in proptest::collection::vec(
            prop_oneof![Just(0x1bu8), Just(b'['), Just(b'm'), Just(b'H'), Just(b'n'), any::<u8>()], 0..200)) {
            let stripped = strip_ansi(&data);
            prop_assert!(stripped.len() <= data.len());
            let literal = strip_escapes_literal(&data);
            prop_assert_eq!(stripped.as_ref(), literal.as_slice());
        }
    }
}
