//! A port of CPython 3.11's `shlex` tokenizer, for the two places Supervisor 4.3.0 uses it:
//!
//! - [`split`]: `shlex.split(command)` (POSIX mode, comments off, `whitespace_split=True`), which turns a
//!   `command=` value into argv at spawn time (`process.py`, `get_execv_args`).
//! - [`parse_environment`]: Supervisor's `datatypes.dict_of_key_value_pairs`, which tokenizes an `environment=`
//!   value with `shlex.shlex(value)` in *non*-POSIX mode and reads the tokens four at a time.
//!
//! The tokenizer is a line-by-line port of `shlex.read_token`'s state machine rather than an approximation of it,
//! because the quirks are the behaviour people depend on (`A=a b` swallowing `b`, `A=$HOME` giving `$`, a comment
//! inside a non-POSIX word resuming the word on the next line, ...). Parts of `shlex` that neither use reaches
//! (`punctuation_chars`, `source` inclusion, input stacks, line numbers) are left out.
//!
//! Not owned here: the `can't parse command` / `command is empty` wording and the PATH lookup (process spawning),
//! `%(...)s` expansion (done before these functions see the text), and how environments are merged.

use std::collections::HashMap;

/// The two errors `shlex.read_token` raises (as `ValueError`), with Python's exact text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShlexError {
    /// End of input inside a quoted section.
    #[error("No closing quotation")]
    NoClosingQuotation,
    /// End of input right after a backslash (POSIX mode only).
    #[error("No escaped character")]
    NoEscapedCharacter,
}

/// Python's `shlex.split(text)`: POSIX mode, comments off, whitespace-separated words.
///
/// Single quotes are literal; inside double quotes a backslash escapes only `"` and `\` (otherwise it is kept);
/// outside quotes a backslash escapes any character; adjacent pieces concatenate and `""` is an empty word.
pub fn split(text: &str) -> Result<Vec<String>, ShlexError> {
    Lexer::new(text, SPLIT_SYNTAX).all_tokens()
}

/// Supervisor's `dict_of_key_value_pairs`: `KEY=val,KEY2="v a l"` to pairs, in first-seen key order, a later
/// duplicate key replacing the value in place (Python dict semantics).
///
/// Tokens are consumed in groups of four: KEY, `=`, VALUE, then any single token as the separator (so `;`, a
/// comma or even a stray word all separate pairs). The value has every leading and trailing quote stripped
/// (`str.strip('\'"')`); the key is used verbatim.
///
/// The error is Supervisor's `ValueError` text: `No closing quotation` from the tokenizer (it runs over the whole
/// value before any pair is checked), else `Unexpected end of key/value pairs in value '<text>'`.
pub fn parse_environment(text: &str) -> Result<Vec<(String, String)>, String> {
    let tokens = Lexer::new(text, ENVIRONMENT_SYNTAX)
        .all_tokens()
        .map_err(|error| error.to_string())?;

    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut position_by_key: HashMap<String, usize> = HashMap::new();
    for group in tokens.chunks(4) {
        let [key, equals_sign, value, ..] = group else {
            return Err(unexpected_end_of_pairs(text));
        };
        if equals_sign != "=" {
            return Err(unexpected_end_of_pairs(text));
        }
        let value = value.trim_matches(['\'', '"']).to_string();
        match position_by_key.get(key) {
            Some(&position) => pairs[position].1 = value,
            None => {
                position_by_key.insert(key.clone(), pairs.len());
                pairs.push((key.clone(), value));
            }
        }
    }
    Ok(pairs)
}

fn unexpected_end_of_pairs(text: &str) -> String {
    format!("Unexpected end of key/value pairs in value '{text}'")
}

/// The settings of a `shlex.shlex` instance that differ between the two uses.
#[derive(Debug, Clone, Copy)]
struct Syntax {
    posix: bool,
    whitespace_split: bool,
    /// `shlex.commenters`; `split(comments=False)` empties it.
    commenters: &'static str,
    /// Added to the default `wordchars`, as `dict_of_key_value_pairs` does with `lexer.wordchars += '/.+-():'`.
    extra_wordchars: &'static str,
}

const SPLIT_SYNTAX: Syntax = Syntax {
    posix: true,
    whitespace_split: true,
    commenters: "",
    extra_wordchars: "",
};

const ENVIRONMENT_SYNTAX: Syntax = Syntax {
    posix: false,
    whitespace_split: false,
    commenters: "#",
    extra_wordchars: "/.+-():",
};

/// `shlex.whitespace`: only these four, not Unicode whitespace.
const WHITESPACE: &str = " \t\r\n";
/// `shlex.quotes`.
const QUOTES: &str = "'\"";
/// `shlex.escape` (only honoured in POSIX mode).
const ESCAPE: char = '\\';
/// `shlex.escapedquotes`: the quotes inside which the escape character works.
const ESCAPED_QUOTES: &str = "\"";
/// The Latin-1 letters POSIX mode adds to `wordchars`. `split()` sets `whitespace_split`, which makes every
/// non-whitespace character start or continue a word anyway, so they change nothing there; they are kept so the
/// tokenizer stays a faithful port.
const POSIX_EXTRA_WORDCHARS: &str =
    "ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ";

/// `shlex.state`. Python keeps it in a one-character string (or `None`); the comments give that spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// `' '`: between tokens.
    Whitespace,
    /// `'a'`: inside a word.
    Word,
    /// The quote character: inside a quoted section.
    Quote(char),
    /// The escape character: just after a backslash.
    Escape,
    /// `None`: input exhausted.
    EndOfInput,
}

/// A `shlex.shlex` instance reading from a string, with `punctuation_chars` off.
struct Lexer<'text> {
    syntax: Syntax,
    /// The unread part of the input (Python's `StringIO` position).
    rest: &'text str,
    state: State,
    /// `shlex.token`: the token being built.
    token: String,
    /// `shlex.pushback`, used as a stack (`appendleft` then `popleft`): in non-POSIX mode a character that ends a
    /// word is pushed back as a whole token of its own.
    pushback: Vec<String>,
}

impl<'text> Lexer<'text> {
    fn new(text: &'text str, syntax: Syntax) -> Self {
        Lexer {
            syntax,
            rest: text,
            state: State::Whitespace,
            token: String::new(),
            pushback: Vec::new(),
        }
    }

    /// `list(lexer)`: every token up to end of input; an error aborts the whole list, as in Python.
    fn all_tokens(&mut self) -> Result<Vec<String>, ShlexError> {
        let mut tokens = Vec::new();
        while let Some(token) = self.get_token()? {
            tokens.push(token);
        }
        Ok(tokens)
    }

    /// `shlex.get_token`, with `None` for Python's `self.eof` (`None` in POSIX mode, `''` otherwise).
    fn get_token(&mut self) -> Result<Option<String>, ShlexError> {
        if let Some(token) = self.pushback.pop() {
            return Ok(Some(token));
        }
        self.read_token()
    }

    /// `instream.read(1)`: `None` at end of input.
    fn read_char(&mut self) -> Option<char> {
        let mut chars = self.rest.chars();
        let next_char = chars.next();
        self.rest = chars.as_str();
        next_char
    }

    /// `instream.readline()` with the result thrown away: `StringIO` ends lines at `\n` only.
    fn skip_rest_of_line(&mut self) {
        self.rest = match self.rest.find('\n') {
            Some(newline_at) => &self.rest[newline_at + 1..],
            None => "",
        };
    }

    /// `c in self.wordchars`.
    fn is_wordchar(&self, c: char) -> bool {
        c.is_ascii_alphanumeric()
            || c == '_'
            || (self.syntax.posix && POSIX_EXTRA_WORDCHARS.contains(c))
            || self.syntax.extra_wordchars.contains(c)
    }

    /// `self.token or (self.posix and quoted)`: whether reaching a token boundary emits what was read.
    fn has_token(&self, quoted: bool) -> bool {
        !self.token.is_empty() || (self.syntax.posix && quoted)
    }

    /// `shlex.read_token`, branch for branch (the `'c'` punctuation state is never entered with
    /// `punctuation_chars` off, so it is absent).
    fn read_token(&mut self) -> Result<Option<String>, ShlexError> {
        let posix = self.syntax.posix;
        let mut quoted = false;
        // Python initialises `escapedstate` to ' '; every path into the escape state sets it first.
        let mut escaped_state = State::Whitespace;
        loop {
            let next_char = self.read_char();
            match self.state {
                State::EndOfInput => {
                    self.token.clear();
                    break;
                }
                State::Whitespace => match next_char {
                    None => {
                        self.state = State::EndOfInput;
                        break;
                    }
                    Some(c) if WHITESPACE.contains(c) => {
                        if self.has_token(quoted) {
                            break;
                        }
                    }
                    Some(c) if self.syntax.commenters.contains(c) => self.skip_rest_of_line(),
                    Some(ESCAPE) if posix => {
                        escaped_state = State::Word;
                        self.state = State::Escape;
                    }
                    Some(c) if self.is_wordchar(c) => {
                        self.token = c.to_string();
                        self.state = State::Word;
                    }
                    Some(c) if QUOTES.contains(c) => {
                        if !posix {
                            self.token = c.to_string();
                        }
                        self.state = State::Quote(c);
                    }
                    Some(c) if self.syntax.whitespace_split => {
                        self.token = c.to_string();
                        self.state = State::Word;
                    }
                    Some(c) => {
                        // Any other character is a token of its own; the state stays ' '.
                        self.token = c.to_string();
                        if self.has_token(quoted) {
                            break;
                        }
                    }
                },
                State::Quote(quote) => {
                    quoted = true;
                    let Some(c) = next_char else {
                        return Err(ShlexError::NoClosingQuotation);
                    };
                    if c == quote {
                        if posix {
                            self.state = State::Word;
                        } else {
                            // Non-POSIX: the token keeps both quotes and ends right here.
                            self.token.push(c);
                            self.state = State::Whitespace;
                            break;
                        }
                    } else if posix && c == ESCAPE && ESCAPED_QUOTES.contains(quote) {
                        escaped_state = State::Quote(quote);
                        self.state = State::Escape;
                    } else {
                        self.token.push(c);
                    }
                }
                State::Escape => {
                    let Some(c) = next_char else {
                        return Err(ShlexError::NoEscapedCharacter);
                    };
                    // In POSIX shells, only the quote itself or the escape character may be escaped within
                    // quotes; before anything else the backslash stays.
                    if let State::Quote(quote) = escaped_state {
                        if c != ESCAPE && c != quote {
                            self.token.push(ESCAPE);
                        }
                    }
                    self.token.push(c);
                    self.state = escaped_state;
                }
                State::Word => match next_char {
                    None => {
                        self.state = State::EndOfInput;
                        break;
                    }
                    Some(c) if WHITESPACE.contains(c) => {
                        self.state = State::Whitespace;
                        if self.has_token(quoted) {
                            break;
                        }
                    }
                    Some(c) if self.syntax.commenters.contains(c) => {
                        self.skip_rest_of_line();
                        // In non-POSIX mode the state stays 'a', so the word carries on with the next line.
                        if posix {
                            self.state = State::Whitespace;
                            if self.has_token(quoted) {
                                break;
                            }
                        }
                    }
                    Some(c) if posix && QUOTES.contains(c) => self.state = State::Quote(c),
                    Some(ESCAPE) if posix => {
                        escaped_state = State::Word;
                        self.state = State::Escape;
                    }
                    // In non-POSIX mode a quote inside a word is taken literally.
                    Some(c)
                        if self.is_wordchar(c)
                            || QUOTES.contains(c)
                            || self.syntax.whitespace_split =>
                    {
                        self.token.push(c);
                    }
                    Some(c) => {
                        self.pushback.push(c.to_string());
                        self.state = State::Whitespace;
                        if self.has_token(quoted) {
                            break;
                        }
                    }
                },
            }
        }
        let result = std::mem::take(&mut self.token);
        // Non-POSIX mode signals end of input with '', POSIX mode with None unless the empty token was quoted.
        if result.is_empty() && !(posix && quoted) {
            Ok(None)
        } else {
            Ok(Some(result))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SPLIT_VECTORS: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/testdata/shlex/split.jsonl"
    );
    const ENVIRONMENT_VECTORS: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/testdata/shlex/environment.jsonl"
    );

    /// What a case expects: the tokens or pairs, or an error with this text.
    type Expected<T> = Result<T, &'static str>;

    fn check_split(input: &str, expected: Expected<&[&str]>) {
        let actual = split(input).map_err(|error| error.to_string());
        let expected = expected
            .map(|words| {
                words
                    .iter()
                    .map(|word| word.to_string())
                    .collect::<Vec<_>>()
            })
            .map_err(str::to_string);
        assert_eq!(actual, expected, "split({input:?})");
    }

    /// An `environment=` value and the pairs, or the error text, it gives.
    type EnvironmentCase = (
        &'static str,
        Result<&'static [(&'static str, &'static str)], String>,
    );

    fn check_environment(input: &str, expected: Result<&[(&str, &str)], String>) {
        let actual = parse_environment(input);
        let expected = expected.map(|pairs| {
            pairs
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect::<Vec<_>>()
        });
        assert_eq!(actual, expected, "parse_environment({input:?})");
    }

    #[test]
    fn split_hand_cases() {
        let cases: &[(&str, Expected<&[&str]>)] = &[
            ("/bin/echo hello", Ok(&["/bin/echo", "hello"])),
            ("", Ok(&[])),
            (" \t\r\n ", Ok(&[])),
            ("a\nb", Ok(&["a", "b"])),
            ("sh -c 'echo a;echo b'", Ok(&["sh", "-c", "echo a;echo b"])),
            ("'a \\\" b'", Ok(&["a \\\" b"])),
            ("\"a \\\" \\\\ \\x $y\"", Ok(&["a \" \\ \\x $y"])),
            ("a\\ b \\x", Ok(&["a b", "x"])),
            ("a\"b c\"'d'", Ok(&["ab cd"])),
            ("\"\" ''", Ok(&["", ""])),
            ("x \"\"", Ok(&["x", ""])),
            ("$HOME *.txt >out #c", Ok(&["$HOME", "*.txt", ">out", "#c"])),
            ("é ü\u{a0}x", Ok(&["é", "ü\u{a0}x"])),
            ("a 'b", Err("No closing quotation")),
            ("\"a\\\"", Err("No closing quotation")),
            ("a \\", Err("No escaped character")),
            ("\"a\\", Err("No escaped character")),
        ];
        for (input, expected) in cases {
            check_split(input, *expected);
        }
    }

    #[test]
    fn environment_hand_cases() {
        let unexpected_end =
            |text: &str| format!("Unexpected end of key/value pairs in value '{text}'");
        let cases: &[EnvironmentCase] = &[
            // The table in spec section 4.1.
            ("A=\"1\",B=\"2\"", Ok(&[("A", "1"), ("B", "2")])),
            ("A='x y',B=z", Ok(&[("A", "x y"), ("B", "z")])),
            ("A=\"a,b\",B=c", Ok(&[("A", "a,b"), ("B", "c")])),
            ("A=1;B=2", Ok(&[("A", "1"), ("B", "2")])),
            ("A=1 B=2", Err(unexpected_end("A=1 B=2"))),
            ("A=1,B=2,", Ok(&[("A", "1"), ("B", "2")])),
            ("A=a b", Ok(&[("A", "a")])),
            ("A=x=y", Err(unexpected_end("A=x=y"))),
            ("A=", Err(unexpected_end("A="))),
            ("A=a@b", Err(unexpected_end("A=a@b"))),
            ("A=a*b", Err(unexpected_end("A=a*b"))),
            ("A=1,,B=2", Err(unexpected_end("A=1,,B=2"))),
            ("A=$HOME", Ok(&[("A", "$")])),
            ("A=~/x", Ok(&[("A", "~")])),
            ("A=a#b", Ok(&[("A", "a")])),
            ("A=\"a#b\"", Ok(&[("A", "a#b")])),
            ("A=\"\"", Ok(&[("A", "")])),
            ("A=\"a\\\"b\"", Ok(&[("A", "a\\")])),
            ("A=éé", Ok(&[("A", "é")])),
            ("A=/usr/bin:/bin", Ok(&[("A", "/usr/bin:/bin")])),
            ("A=1,\n  B=2", Ok(&[("A", "1"), ("B", "2")])),
            // Beyond the table.
            ("", Ok(&[])),
            ("B=1,A=2,B=3", Ok(&[("B", "3"), ("A", "2")])),
            ("A=a\"b'", Ok(&[("A", "a\"b")])),
            ("'K'=v", Ok(&[("'K'", "v")])),
            ("A=a#b\nc,B=d", Ok(&[("A", "ac"), ("B", "d")])),
            ("#A=1\nB=2", Ok(&[("B", "2")])),
            ("A=1#\rB=2", Ok(&[("A", "1")])),
            ("A='x", Err("No closing quotation".to_string())),
            ("A B='x", Err("No closing quotation".to_string())),
            ("A=x y", Ok(&[("A", "x")])),
            // A backslash is a one-character token in non-POSIX mode, so it takes the separator's place.
            ("A=x\\y", Err(unexpected_end("A=x\\y"))),
        ];
        for (input, expected) in cases {
            check_environment(input, expected.clone());
        }
    }

    /// Reads one JSON string at the start of `text`; returns it and the rest of `text`.
    fn take_json_string(text: &str) -> (String, &str) {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<String>();
        let string = stream
            .next()
            .expect("a JSON string")
            .expect("a valid JSON string");
        let consumed = stream.byte_offset();
        (string, &text[consumed..])
    }

    /// The JSON object of strings at the start of `text`, with its keys in written order (serde_json's `Map`
    /// sorts them, and the order is part of what is being tested).
    fn ordered_string_object(text: &str) -> Vec<(String, String)> {
        let mut rest = text.trim_start().strip_prefix('{').expect("an object");
        let mut pairs = Vec::new();
        loop {
            rest = rest.trim_start();
            if rest.starts_with('}') {
                return pairs;
            }
            let (key, after_key) = take_json_string(rest);
            let after_colon = after_key.trim_start().strip_prefix(':').expect("a colon");
            let (value, after_value) = take_json_string(after_colon.trim_start());
            pairs.push((key, value));
            rest = after_value.trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
    }

    #[test]
    fn split_matches_every_cpython_vector() {
        let text = std::fs::read_to_string(SPLIT_VECTORS).expect("split vectors");
        let mut n_vectors = 0;
        for line in text.lines() {
            let vector: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let input = vector["in"].as_str().expect("an input string");
            let actual = split(input).map_err(|error| error.to_string());
            let expected = match vector.get("err") {
                Some(message) => Err(message.as_str().expect("an error string").to_string()),
                None => Ok(vector["out"]
                    .as_array()
                    .expect("an output list")
                    .iter()
                    .map(|word| word.as_str().expect("a word").to_string())
                    .collect::<Vec<_>>()),
            };
            assert_eq!(actual, expected, "split({input:?})");
            n_vectors += 1;
        }
        assert_eq!(n_vectors, 3012);
    }

    #[test]
    fn environment_matches_every_cpython_vector() {
        let text = std::fs::read_to_string(ENVIRONMENT_VECTORS).expect("environment vectors");
        let mut n_vectors = 0;
        for line in text.lines() {
            let vector: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let input = vector["in"].as_str().expect("an input string");
            let actual = parse_environment(input);
            if vector.get("err").is_some() {
                assert!(
                    actual.is_err(),
                    "parse_environment({input:?}) = {actual:?}, expected an error"
                );
            } else {
                let out_at =
                    line.find("\"out\": {").expect("an \"out\" object") + "\"out\": ".len();
                let expected = ordered_string_object(&line[out_at..]);
                assert_eq!(actual, Ok(expected), "parse_environment({input:?})");
            }
            n_vectors += 1;
        }
        assert_eq!(n_vectors, 3012);
    }

    /// Text weighted toward the characters both tokenizers treat specially.
    fn tricky_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            3 => prop::sample::select(vec![
                "'", "\"", "\\", "=", ",", "#", " ", "\n", "\t", "\r", ";", "é", "ü", "\u{a0}", "日", "😀", "$",
            ])
            .prop_map(str::to_string),
            2 => "[a-zA-Z0-9_/.+():-]{1,4}",
            1 => any::<char>().prop_map(|c| c.to_string()),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    /// Python's `shlex.quote`, to build inputs whose split is known.
    fn python_quote(word: &str) -> String {
        let is_safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
        if word.is_empty() {
            "''".to_string()
        } else if word.chars().all(is_safe) {
            word.to_string()
        } else {
            format!("'{}'", word.replace('\'', "'\"'\"'"))
        }
    }

    proptest! {
        #[test]
        fn never_panics(text in tricky_text()) {
            let _ = split(&text);
            let _ = parse_environment(&text);
        }

        /// `split(shlex.join(words)) == words`, the round trip CPython documents.
        #[test]
        fn split_undoes_python_join(words in prop::collection::vec(tricky_text(), 0..6)) {
            let joined = words.iter().map(|word| python_quote(word)).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(split(&joined), Ok(words));
        }

        /// Single-quoted values without quotes inside come back verbatim, the last value of a key winning in the
        /// key's first position.
        #[test]
        fn environment_reads_quoted_values(
            pairs in prop::collection::vec(("[A-C_][A-C0-9_]{0,2}", "[^'\"]{0,8}"), 0..6),
            separator in prop::sample::select(vec![",", ", ", ",\n  ", ";"]),
        ) {
            let text = pairs
                .iter()
                .map(|(key, value)| format!("{key}='{value}'"))
                .collect::<Vec<_>>()
                .join(separator);
            let mut expected: Vec<(String, String)> = Vec::new();
            for (key, value) in &pairs {
                match expected.iter_mut().find(|(seen_key, _)| seen_key == key) {
                    Some(seen) => seen.1 = value.clone(),
                    None => expected.push((key.clone(), value.clone())),
                }
            }
            prop_assert_eq!(parse_environment(&text), Ok(expected));
        }
    }
}
