//! The INI dialect supervisord reads: CPython 3.13's
//! `configparser.RawConfigParser(inline_comment_prefixes=(';', '#'), strict=False)`, line for line.
//!
//! Owns: splitting a file's text into lines, comments, section headers, `key = value` lines, indentation-relative
//! continuation lines, merging several files into one parser (as `[include]` does), `[DEFAULT]` lookups, where every
//! key came from (file id and line), and the exact text of CPython's `ParsingError` and `MissingSectionHeaderError`.
//!
//! Does not own: reading files or expanding `[include]` globs (the caller passes each file's text with an id of its
//! choosing), `%(...)` expansion (values are kept raw, like `RawConfigParser`), or the meaning of any section or key.
//!
//! Whitespace everywhere here is Python's `str.isspace()`, which is Rust's `char::is_whitespace()` plus the four
//! information separators U+001C..U+001F; "strip" means Python's `str.strip()` with that set.

use crate::config::pyrepr::py_repr;

/// The section name configparser treats as defaults for every other section rather than as a section.
pub const DEFAULT_SECTION: &str = "DEFAULT";

/// One `key = value` as configparser holds it after reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniEntry {
    /// Lower-cased (configparser's `optionxform`), right-stripped.
    pub key: String,
    /// Stripped; continuation lines joined with `\n`, trailing blank lines removed. No `%` expansion.
    pub value: String,
    /// The caller's id of the file the key line was read from.
    pub file: usize,
    /// 1-based line of the key line in that file.
    pub line: usize,
}

/// A section, merged over every header with its exact (case-sensitive, unstripped) name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniSection {
    pub name: String,
    /// File id and 1-based line of the header where the section was first seen.
    pub file: usize,
    pub line: usize,
    /// First-seen key order; a later duplicate key replaces value, file and line in place.
    pub entries: Vec<IniEntry>,
}

impl IniSection {
    /// The section's own entry for `key` (matched after lower-casing), ignoring `[DEFAULT]`.
    pub fn entry(&self, key: &str) -> Option<&IniEntry> {
        let key = key.to_lowercase();
        self.entries.iter().find(|entry| entry.key == key)
    }
}

/// Everything read so far, from one or more files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ini {
    /// In first-seen order; never holds `DEFAULT`.
    sections: Vec<IniSection>,
    /// The `[DEFAULT]` entries, merged over every file.
    defaults: Vec<IniEntry>,
}

/// Why configparser rejected a file. Either way the parser keeps what it read (see [`Ini::read`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IniError {
    /// A non-blank, non-comment line before the file's first section header.
    #[error("file contains no section headers (line {line})")]
    MissingSectionHeader {
        line: usize,
        /// The raw line, including its `\n` if it had one.
        text: String,
    },
    /// Lines that are neither a header, an option, a continuation nor a comment; every one in the file.
    #[error("source contains parsing errors (first at line {})", errors.first().map_or(0, |(line, _)| *line))]
    Parsing {
        /// (1-based line, raw line including its `\n` if it had one).
        errors: Vec<(usize, String)>,
    },
}

impl IniError {
    /// `str()` of CPython's exception, as Supervisor prints it, with `filename` as Supervisor shows it.
    pub fn render(&self, filename: &str) -> String {
        match self {
            IniError::MissingSectionHeader { line, text } => format!(
                "File contains no section headers.\nfile: {}, line: {}\n{}",
                py_repr(filename),
                line,
                py_repr(text)
            ),
            IniError::Parsing { errors } => {
                let mut message = format!("Source contains parsing errors: {}", py_repr(filename));
                for (line, text) in errors {
                    message.push_str(&format!("\n\t[line {:2}]: {}", line, py_repr(text)));
                }
                message
            }
        }
    }
}

/// Which table a header selected: `[DEFAULT]` or an index into `Ini::sections`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SectionSlot {
    Defaults,
    Section(usize),
}

/// configparser's `_ReadState`, for one file.
struct ReadState {
    current_section: Option<SectionSlot>,
    /// The option continuation lines extend: (slot, entry index), and whether its name is non-empty (Python tests
    /// `st.optname` for truth, so the empty key of an `= value` error line takes no continuations).
    current_option: Option<(SectionSlot, usize, bool)>,
    /// Indentation of the last header or option line; a line indented deeper continues the option.
    indent_level: usize,
    errors: Vec<(usize, String)>,
}

impl ReadState {
    fn continuable_option(&self) -> Option<(SectionSlot, usize)> {
        match self.current_option {
            Some((slot, index, true)) if self.current_section.is_some() => Some((slot, index)),
            _ => None,
        }
    }
}

impl Ini {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads one file's text into this parser, as `RawConfigParser.read_file` does; `file` is the caller's id for it.
    ///
    /// Lines end at `\n`, `\r\n` or a lone `\r`, as in the text-mode `open()` supervisord reads files with; the raw
    /// line in an error ends in `\n` whatever the file used. Sections merge with those of earlier files and later
    /// keys win. On `MissingSectionHeader` reading stops at that line; on `Parsing` the whole file has been read
    /// first. Either way, as in CPython, everything read before (and for `Parsing`, after) the bad lines is kept,
    /// including the empty key of an `= value` line.
    pub fn read(&mut self, text: &str, file: usize) -> Result<(), IniError> {
        let result = self.read_lines(text, file);
        // CPython's `_join_multiline_values` runs in a `finally`, on success and on error alike.
        for entry in self.defaults.iter_mut().chain(
            self.sections
                .iter_mut()
                .flat_map(|section| section.entries.iter_mut()),
        ) {
            let kept = entry.value.trim_end_matches(is_py_space).len();
            entry.value.truncate(kept);
        }
        result
    }

    fn read_lines(&mut self, text: &str, file: usize) -> Result<(), IniError> {
        let mut state = ReadState {
            current_section: None,
            current_option: None,
            indent_level: 0,
            errors: Vec::new(),
        };
        for (index, raw_line) in split_universal_lines(text).into_iter().enumerate() {
            let line_number = index + 1;
            let stripped = py_strip(&raw_line);
            let clean = strip_comments(&raw_line, stripped);

            if clean.is_empty() {
                // A blank line inside a value is kept as an empty piece, a comment line is skipped; neither ends the
                // value (`empty_lines_in_values` is on by default).
                let has_comments = stripped != clean;
                if !has_comments {
                    if let Some((slot, entry_index)) = state.continuable_option() {
                        self.entry_mut(slot, entry_index).value.push('\n');
                    }
                }
                continue;
            }

            let indent = raw_line.chars().take_while(|&ch| is_py_space(ch)).count();
            if let Some((slot, entry_index)) = state.continuable_option() {
                if indent > state.indent_level {
                    let value = &mut self.entry_mut(slot, entry_index).value;
                    value.push('\n');
                    value.push_str(clean);
                    continue;
                }
            }

            state.indent_level = indent;
            if let Some(header) = match_section_header(clean) {
                let slot = self.open_section(header, file, line_number);
                state.current_section = Some(slot);
                // So a section cannot start with a continuation line.
                state.current_option = None;
                continue;
            }
            let Some(slot) = state.current_section else {
                return Err(IniError::MissingSectionHeader {
                    line: line_number,
                    text: raw_line,
                });
            };

            // An option line: the key is everything before the first `=` or `:`.
            let Some(delimiter) = clean.find(['=', ':']) else {
                // Non-fatal; the option before this line stays open, so a deeper-indented line after this one
                // still continues it (CPython does not reset `optname` here).
                state.errors.push((line_number, raw_line));
                continue;
            };
            let key = clean[..delimiter].trim_end_matches(is_py_space);
            if key.is_empty() {
                // Reported, but CPython goes on to store the empty key.
                state.errors.push((line_number, raw_line.clone()));
            }
            let key = key.to_lowercase();
            let value = py_strip(&clean[delimiter + 1..]).to_string();
            let key_is_named = !key.is_empty();
            let entry_index = self.set_entry(slot, key, value, file, line_number);
            state.current_option = Some((slot, entry_index, key_is_named));
        }
        if state.errors.is_empty() {
            Ok(())
        } else {
            Err(IniError::Parsing {
                errors: state.errors,
            })
        }
    }

    /// Selects the table a header names, creating the section the first time it is seen.
    fn open_section(&mut self, name: &str, file: usize, line: usize) -> SectionSlot {
        if let Some(index) = self
            .sections
            .iter()
            .position(|section| section.name == name)
        {
            return SectionSlot::Section(index);
        }
        if name == DEFAULT_SECTION {
            return SectionSlot::Defaults;
        }
        self.sections.push(IniSection {
            name: name.to_string(),
            file,
            line,
            entries: Vec::new(),
        });
        SectionSlot::Section(self.sections.len() - 1)
    }

    fn entries_mut(&mut self, slot: SectionSlot) -> &mut Vec<IniEntry> {
        match slot {
            SectionSlot::Defaults => &mut self.defaults,
            SectionSlot::Section(index) => &mut self.sections[index].entries,
        }
    }

    fn entry_mut(&mut self, slot: SectionSlot, entry_index: usize) -> &mut IniEntry {
        &mut self.entries_mut(slot)[entry_index]
    }

    /// Python's `section[key] = [value]`: a new key is appended, an existing one keeps its place.
    fn set_entry(
        &mut self,
        slot: SectionSlot,
        key: String,
        value: String,
        file: usize,
        line: usize,
    ) -> usize {
        let entries = self.entries_mut(slot);
        if let Some(index) = entries.iter().position(|entry| entry.key == key) {
            let entry = &mut entries[index];
            entry.value = value;
            entry.file = file;
            entry.line = line;
            index
        } else {
            entries.push(IniEntry {
                key,
                value,
                file,
                line,
            });
            entries.len() - 1
        }
    }

    /// Every section in first-seen order, not `DEFAULT`.
    pub fn sections(&self) -> &[IniSection] {
        &self.sections
    }

    pub fn section(&self, name: &str) -> Option<&IniSection> {
        self.sections.iter().find(|section| section.name == name)
    }

    /// Like configparser's `has_section`: false for `DEFAULT`.
    pub fn has_section(&self, name: &str) -> bool {
        self.section(name).is_some()
    }

    pub fn defaults(&self) -> &[IniEntry] {
        &self.defaults
    }

    /// The section's key, else the `DEFAULT` key (configparser `get(section, key, raw=True)`); `key` is lower-cased
    /// first. `None` for a missing key or a missing section (where configparser raises `NoSectionError`); `DEFAULT`
    /// as the section reads the defaults alone.
    pub fn get(&self, section: &str, key: &str) -> Option<&IniEntry> {
        let key = key.to_lowercase();
        let default_entry = || self.defaults.iter().find(|entry| entry.key == key);
        if section == DEFAULT_SECTION && !self.has_section(section) {
            return default_entry();
        }
        let own_entries = &self.section(section)?.entries;
        own_entries
            .iter()
            .find(|entry| entry.key == key)
            .or_else(default_entry)
    }

    /// The section's own entries in order, then the `DEFAULT` entries it does not override (the order of
    /// configparser's `options(section)`; its `items()` lists the defaults' keys first, with the same values).
    /// Empty for a missing section; `DEFAULT` gives the defaults.
    pub fn items(&self, section: &str) -> Vec<&IniEntry> {
        let own_entries: &[IniEntry] = match self.section(section) {
            Some(found) => &found.entries,
            None if section == DEFAULT_SECTION => &[],
            None => return Vec::new(),
        };
        let mut items: Vec<&IniEntry> = own_entries.iter().collect();
        for default_entry in &self.defaults {
            if !own_entries
                .iter()
                .any(|entry| entry.key == default_entry.key)
            {
                items.push(default_entry);
            }
        }
        items
    }
}

/// Python's `str.isspace()` (also what `\s` and `str.strip()` use in configparser's regexes and calls).
fn is_py_space(ch: char) -> bool {
    ch.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&ch)
}

fn py_strip(text: &str) -> &str {
    text.trim_matches(is_py_space)
}

/// Splits as Python's universal-newlines text mode does: a line ends at `\r\n`, `\r` or `\n`, and each terminated
/// line comes back ending in `\n`. The last line has no `\n` if the text does not end with a line break.
fn split_universal_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\r', '\n']) {
            Some(end) => {
                let terminator_length = if rest[end..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                lines.push(format!("{}\n", &rest[..end]));
                rest = &rest[end + terminator_length..];
            }
            None => {
                lines.push(rest.to_string());
                rest = "";
            }
        }
    }
    lines
}

/// configparser's `_Line.clean`: empty for a full-line comment (the stripped line starts with `;` or `#`), else the
/// line cut at its first `;` or `#` that starts the line or follows whitespace, then stripped. A `;` or `#` inside a
/// word (`a;b`, `url#frag`) is kept, and quotes do not protect one that follows whitespace.
fn strip_comments<'line>(raw_line: &'line str, stripped: &'line str) -> &'line str {
    if stripped.starts_with([';', '#']) {
        return "";
    }
    let mut previous: Option<char> = None;
    for (position, ch) in raw_line.char_indices() {
        if (ch == ';' || ch == '#') && previous.is_none_or(is_py_space) {
            return py_strip(&raw_line[..position]);
        }
        previous = Some(ch);
    }
    stripped
}

/// `\[(?P<header>.+)\]` matched at the start of the clean line: greedy, so the header runs from the first `[` to
/// the last `]` and anything after that `]` is ignored. `[]` is no header.
fn match_section_header(clean: &str) -> Option<&str> {
    let inner = clean.strip_prefix('[')?;
    let close = inner.rfind(']')?;
    // `.` does not match `\n`; the clean line of a split line never holds one, but keep the regex's meaning.
    let header = &inner[..close];
    (!header.is_empty() && !header.contains('\n')).then_some(header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const INI_FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/testdata/ini");

    /// The error's CPython class name, as `expected.json` names it.
    fn error_class(error: &IniError) -> &'static str {
        match error {
            IniError::MissingSectionHeader { .. } => "MissingSectionHeaderError",
            IniError::Parsing { .. } => "ParsingError",
        }
    }

    /// Sections in order, each with `items()` as (key, value) pairs: the shape of `expected.json`'s `ok`.
    fn dump(ini: &Ini) -> Vec<(String, Vec<(String, String)>)> {
        ini.sections()
            .iter()
            .map(|section| {
                let items = ini
                    .items(&section.name)
                    .into_iter()
                    .map(|entry| (entry.key.clone(), entry.value.clone()))
                    .collect();
                (section.name.clone(), items)
            })
            .collect()
    }

    fn expected_dump(json: &serde_json::Value) -> Vec<(String, Vec<(String, String)>)> {
        let as_str = |value: &serde_json::Value| value.as_str().expect("a JSON string").to_string();
        json.as_array()
            .expect("a list of sections")
            .iter()
            .map(|section| {
                let items = section[1]
                    .as_array()
                    .expect("a list of items")
                    .iter()
                    .map(|pair| (as_str(&pair[0]), as_str(&pair[1])))
                    .collect();
                (as_str(&section[0]), items)
            })
            .collect()
    }

    #[test]
    fn every_cpython_fixture_case_matches() {
        let expected_text = std::fs::read_to_string(format!("{INI_FIXTURES}/expected.json"))
            .expect("expected.json");
        let expected: serde_json::Value = serde_json::from_str(&expected_text).expect("valid JSON");
        let expected = expected.as_object().expect("an object of cases");
        let mut case_paths: Vec<_> = std::fs::read_dir(format!("{INI_FIXTURES}/cases"))
            .expect("cases directory")
            .map(|entry| entry.expect("directory entry").path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "ini"))
            .collect();
        case_paths.sort();
        assert_eq!(case_paths.len(), 51);
        assert_eq!(expected.len(), case_paths.len());

        let mut failures = Vec::new();
        for path in &case_paths {
            let name = path
                .file_stem()
                .expect("file stem")
                .to_string_lossy()
                .to_string();
            let text = std::fs::read_to_string(path).expect("case text");
            let want = &expected[&name];
            let mut ini = Ini::new();
            let got = ini.read(&text, 0);
            let matches = match (&got, want.get("ok"), want.get("err")) {
                (Ok(()), Some(sections), None) => dump(&ini) == expected_dump(sections),
                (Err(error), None, Some(class)) => Some(error_class(error)) == class.as_str(),
                _ => false,
            };
            if !matches {
                failures.push(format!("{name}: got {got:?} {:?}, want {want}", dump(&ini)));
            }
        }
        assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
    }

    /// (key, value, line) of every entry of `section`, own entries only.
    type EntryRows = Vec<(&'static str, &'static str, usize)>;

    /// Reads `text` as file 0 and compares `section`'s own entries and the error, if any.
    fn check(text: &str, section: &str, want_entries: EntryRows, want_error: Option<IniError>) {
        let mut ini = Ini::new();
        let got_error = ini.read(text, 0).err();
        assert_eq!(got_error, want_error, "error for {text:?}");
        let got_entries: Vec<(String, String, usize)> = ini
            .section(section)
            .map(|found| {
                found
                    .entries
                    .iter()
                    .map(|entry| (entry.key.clone(), entry.value.clone(), entry.line))
                    .collect()
            })
            .unwrap_or_default();
        let want_entries: Vec<(String, String, usize)> = want_entries
            .into_iter()
            .map(|(key, value, line)| (key.to_string(), value.to_string(), line))
            .collect();
        assert_eq!(
            got_entries, want_entries,
            "entries of [{section}] for {text:?}"
        );
    }

    fn parsing(errors: &[(usize, &str)]) -> Option<IniError> {
        Some(IniError::Parsing {
            errors: errors
                .iter()
                .map(|(line, text)| (*line, text.to_string()))
                .collect(),
        })
    }

    fn missing_header(line: usize, text: &str) -> Option<IniError> {
        Some(IniError::MissingSectionHeader {
            line,
            text: text.to_string(),
        })
    }

    // Every expectation below was produced by CPython 3.13.0 reading the same text from a file opened in text mode.
    #[test]
    fn lines_values_and_errors_match_cpython() {
        // Line numbers are those of the key line, multi-line values included.
        check(
            "; c\n[a]\n\nk = 1\n  x\nj=2\n",
            "a",
            vec![("k", "1\nx", 4), ("j", "2", 6)],
            None,
        );
        // A later duplicate moves the line, not the position.
        check(
            "[a]\nk=1\nj=2\nK=3\n",
            "a",
            vec![("k", "3", 4), ("j", "2", 3)],
            None,
        );
        // A bad line is reported and does not close the option: the deeper line after it continues `k`; the empty
        // key of `=v` is stored anyway.
        check(
            "[a]\nk=1\ngarbage line\n  x\n=v\n",
            "a",
            vec![("k", "1\nx", 2), ("", "v", 5)],
            parsing(&[(3, "garbage line\n"), (5, "=v\n")]),
        );
        // An empty key takes no continuation lines: `  y` is an option line of its own.
        check(
            "[a]\n= v\n  y = 1\n",
            "a",
            vec![("", "v", 2), ("y", "1", 3)],
            parsing(&[(2, "= v\n")]),
        );
        // `\r\n` and a lone `\r` end lines; reported lines end in `\n`.
        check(
            "[a]\nk=1\rj=2\r\n  c\r",
            "a",
            vec![("k", "1", 2), ("j", "2\nc", 3)],
            None,
        );
        check("x=1\r\n[a]\n", "a", vec![], missing_header(1, "x=1\n"));
        check("[a]\r\nbad\r\n", "a", vec![], parsing(&[(2, "bad\n")]));
        // No trailing newline: the raw line is reported without one.
        check("[a]\nbad", "a", vec![], parsing(&[(2, "bad")]));
        check("  x", "a", vec![], missing_header(1, "  x"));
        // Continuation is relative to the key line's indentation (a tab counts as one).
        check(
            "[a]\n  k=1\n  j=2\n   c\n\tx=3\n",
            "a",
            vec![("k", "1", 2), ("j", "2\nc", 3), ("x", "3", 5)],
            None,
        );
        // `k=` then indented lines: the value starts with an empty piece; blank lines inside are kept, trailing ones
        // and comment lines dropped.
        check(
            "[a]\nk=\n  x\n\n  ; c\n  y\n\n\n",
            "a",
            vec![("k", "\nx\n\ny", 2)],
            None,
        );
        // An indented comment line whose text follows whitespace is a full-line comment, not a continuation.
        check(
            "[a]\nk=1\n   #x\nj=2\n",
            "a",
            vec![("k", "1", 2), ("j", "2", 4)],
            None,
        );
        // Inline comments need whitespace (or the line start) before them; the first delimiter wins.
        check(
            "[a]\nk=a;b #c\nu:x=y ;z\n",
            "a",
            vec![("k", "a;b", 2), ("u", "x=y", 3)],
            None,
        );
        // A header resets the open option, even when the next line is indented.
        check("[a]\nk=1\n[b]\n  j=2\n", "b", vec![("j", "2", 4)], None);
        // Headers: greedy to the last `]`, text after it ignored, an inline comment stripped first.
        check("[a]b] x ;[c]\nk=1\n", "a]b", vec![("k", "1", 2)], None);
        check("[]\n", "a", vec![], missing_header(1, "[]\n"));
        // Whitespace is Python's: U+001F strips, and U+3000 counts as one indentation column.
        check("[a]\nk=\u{1f}v\u{1f}\n", "a", vec![("k", "v", 2)], None);
        check(
            "[a]\n k=1\n\u{3000}\u{3000}c\n",
            "a",
            vec![("k", "1\nc", 2)],
            None,
        );
    }

    #[test]
    fn missing_section_header_stops_reading_but_keeps_earlier_files() {
        let mut ini = Ini::new();
        ini.read("[a]\nk=1\n", 0).expect("first file is fine");
        let error = ini
            .read("\n; c\nj=2\n[b]\nm=3\n", 1)
            .expect_err("no header in the second file");
        assert_eq!(error, missing_header(3, "j=2\n").expect("an error"));
        assert_eq!(ini.sections().len(), 1);
        assert_eq!(
            ini.get("a", "k").map(|entry| entry.value.as_str()),
            Some("1")
        );
    }

    #[test]
    fn files_merge_with_later_keys_winning() {
        let mut ini = Ini::new();
        ini.read("[a]\nk=1\nj=2\n[DEFAULT]\nd=x\n", 7)
            .expect("file 7");
        ini.read("; included\n[b]\nm=3\n[a]\nj=20\nn=4\n[DEFAULT]\nd=y\n", 8)
            .expect("file 8");

        let names: Vec<_> = ini
            .sections()
            .iter()
            .map(|section| section.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b"]);
        let a = ini.section("a").expect("[a]");
        assert_eq!((a.file, a.line), (7, 1));
        let b = ini.section("b").expect("[b]");
        assert_eq!((b.file, b.line), (8, 2));
        let entry = |key: &str, value: &str, file: usize, line: usize| IniEntry {
            key: key.to_string(),
            value: value.to_string(),
            file,
            line,
        };
        assert_eq!(
            a.entries,
            [
                entry("k", "1", 7, 2),
                entry("j", "20", 8, 5),
                entry("n", "4", 8, 6)
            ]
        );
        assert_eq!(ini.defaults(), [entry("d", "y", 8, 8)]);
    }

    #[test]
    fn default_section_lookups() {
        let mut ini = Ini::new();
        ini.read("[DEFAULT]\nd=1\ne=2\n[a]\ne=own\nk=v\n[b]\n", 0)
            .expect("valid");
        assert!(!ini.has_section("DEFAULT"));
        assert!(ini.has_section("a") && ini.has_section("b") && !ini.has_section("A"));
        let value =
            |section: &str, key: &str| ini.get(section, key).map(|entry| entry.value.clone());
        assert_eq!(value("a", "E").as_deref(), Some("own"));
        assert_eq!(value("a", "d").as_deref(), Some("1"));
        assert_eq!(value("b", "e").as_deref(), Some("2"));
        assert_eq!(value("DEFAULT", "d").as_deref(), Some("1"));
        assert_eq!(value("a", "missing"), None);
        assert_eq!(value("nosuch", "d"), None);

        let keys = |section: &str| -> Vec<String> {
            ini.items(section)
                .into_iter()
                .map(|entry| entry.key.clone())
                .collect()
        };
        assert_eq!(keys("a"), ["e", "k", "d"]);
        assert_eq!(keys("b"), ["d", "e"]);
        assert_eq!(keys("DEFAULT"), ["d", "e"]);
        assert!(keys("nosuch").is_empty());
        assert_eq!(ini.items("a")[0].value, "own");
    }

    #[test]
    fn render_matches_cpython_str() {
        let cases: Vec<(&str, &str, &str)> = vec![
            (
                "[a]\nk=1\ngarbage line\n  x\n=v\n",
                "f.conf",
                "Source contains parsing errors: 'f.conf'\n\t[line  3]: 'garbage line\\n'\n\t[line  5]: '=v\\n'",
            ),
            (
                "x=1\r\n[a]\n",
                "f.conf",
                "File contains no section headers.\nfile: 'f.conf', line: 1\n'x=1\\n'",
            ),
            (
                "[a]\nk=1\nit's\n",
                "o'x",
                "Source contains parsing errors: \"o'x\"\n\t[line  3]: \"it's\\n\"",
            ),
            (
                "[a]\n\n\n\n\n\n\n\n\n\n\n\tbad\tline",
                "/etc/supervisord.conf",
                "Source contains parsing errors: '/etc/supervisord.conf'\n\t[line 12]: '\\tbad\\tline'",
            ),
        ];
        for (text, filename, want) in cases {
            let error = Ini::new().read(text, 0).expect_err("an invalid file");
            assert_eq!(error.render(filename), want, "for {text:?}");
        }
    }

    fn line_count(text: &str) -> usize {
        split_universal_lines(text).len()
    }

    proptest! {
        #[test]
        fn random_text_never_panics_and_lines_stay_in_range(
            text in proptest::string::string_regex(
                "([\\[\\]=:;# \t\r\nab\u{1f}\u{3000}é]|\\[a\\]|k=v|\n  ){0,80}"
            ).expect("valid regex")
        ) {
            let mut ini = Ini::new();
            if ini.read(&text, 3).is_ok() {
                let n_lines = line_count(&text);
                for section in ini.sections() {
                    prop_assert!(section.file == 3 && (1..=n_lines).contains(&section.line));
                    for entry in &section.entries {
                        prop_assert!(entry.file == 3 && (1..=n_lines).contains(&entry.line));
                        prop_assert!(!entry.key.is_empty());
                    }
                }
                for entry in ini.defaults() {
                    prop_assert!((1..=n_lines).contains(&entry.line));
                }
            }
        }
    }
}
