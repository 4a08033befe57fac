//! The interactive shell: `status` first, then `<prompt>> ` and one command per line until `quit`, `exit`, EOF or
//! Ctrl-C (Supervisor's `exec_cmdloop` over `cmd.Cmd.cmdloop`).
//!
//! Owns: the loop, the line editor used when stdin and stdout are terminals (rustyline, standing in for GNU
//! readline), tab completion with Supervisor's rules and word delimiters, and the history file in readline's plain
//! format (one entry per line), read at start and written at the end so that it can be shared with Python's
//! supervisorctl. When stdin or stdout is not a terminal, lines come from stdin as Python's `input()` reads them:
//! the prompt is still written, without a newline.
//!
//! Does not own: what a line does (the controller).

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::{History, MemHistory, SearchDirection};
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Context, Editor, Helper};

use super::controller::{Backend, Console, Controller, Input, Raised, ServerSettings};
use super::format::{py_str, COMMAND_NAMES};
use super::terminal::{interrupted, read_password, PlainConsole, SigintGuard};
use super::xmlrpc::Value;

/// GNU readline's word delimiters as Python sets them, less `:`, `*` and `-`, which supervisorctl removes so that
/// `group:*` and names with dashes complete as one word.
pub const COMPLETER_DELIMITERS: &str = " \t\n`~!@#$%^&()=+[{]}\\|;'\",<>/?";

/// The completion vocabulary: `help`, then the default plugin's commands in `dir()` order (so `help` twice, as in
/// Supervisor; readline shows it once).
fn vocabulary() -> Vec<&'static str> {
    let mut plugin_commands: Vec<&str> = COMMAND_NAMES
        .iter()
        .copied()
        .filter(|name| *name != "EOF")
        .collect();
    plugin_commands.sort_unstable();
    let mut vocabulary = vec!["help"];
    vocabulary.extend(plugin_commands);
    vocabulary
}

/// `Controller.complete`: the candidates (each with its trailing space) for the word `text` of `line`.
/// `processes` lists `(group, name)` of `getAllProcessInfo`, fetched only when needed.
pub fn complete(
    line: &str,
    text: &str,
    processes: &mut dyn FnMut() -> Vec<(String, String)>,
) -> Vec<String> {
    let actions = || -> Vec<String> {
        vocabulary()
            .into_iter()
            .filter(|action| action.starts_with(text))
            .map(|action| format!("{action} "))
            .collect()
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    // A blank line, or a first word still being typed, completes to the actions.
    let matches: Vec<String> = if words.is_empty() || (words.len() == 1 && !line.ends_with(' ')) {
        actions()
    } else {
        let action = words[0];
        // Supervisor tests `action in ('help')`, a substring test on the string "help".
        if "help".contains(action) {
            actions()
        } else if ["add", "remove", "update"].contains(&action) {
            let mut groups: Vec<String> = Vec::new();
            for (group, _) in processes() {
                if !groups.contains(&group) {
                    groups.push(group);
                }
            }
            groups
                .into_iter()
                .filter(|group| group.starts_with(text))
                .map(|group| format!("{group} "))
                .collect()
        } else if [
            "clear", "fg", "pid", "restart", "signal", "start", "status", "stop", "tail",
        ]
        .contains(&action)
        {
            let mut names: Vec<String> = Vec::new();
            for (group, name) in processes() {
                if text.contains(':') || name != group {
                    names.push(format!("{group}:{name}"));
                    let whole_group = format!("{group}:*");
                    if !names.contains(&whole_group) {
                        names.push(whole_group);
                    }
                } else {
                    names.push(name);
                }
            }
            names
                .into_iter()
                .filter(|name| name.starts_with(text))
                .map(|name| format!("{name} "))
                .collect()
        } else {
            Vec::new()
        }
    };
    // readline drops duplicate matches.
    let mut unique: Vec<String> = Vec::new();
    for candidate in matches {
        if !unique.contains(&candidate) {
            unique.push(candidate);
        }
    }
    unique
}

/// Where the word being completed starts: after the last delimiter before the cursor.
pub fn word_start(line: &str, cursor: usize) -> usize {
    line[..cursor]
        .rfind(|ch: char| COMPLETER_DELIMITERS.contains(ch))
        .map_or(0, |index| index + 1)
}

/// What completion needs between commands: where the server is and the process list of this command line.
struct CompletionState {
    server: ServerSettings,
    backend: Rc<dyn Backend>,
    /// One `getAllProcessInfo` per command line, as Supervisor caches it (`_complete_info`).
    cached: Option<Vec<(String, String)>>,
}

impl CompletionState {
    fn processes(&mut self) -> Vec<(String, String)> {
        if self.cached.is_none() {
            // A failure completes nothing, as readline swallows the completer's exceptions; the next Tab retries.
            let Ok(infos) = self
                .backend
                .call(&self.server, "supervisor.getAllProcessInfo", &[])
            else {
                return Vec::new();
            };
            let pairs = infos
                .as_array()
                .unwrap_or_default()
                .iter()
                .map(group_and_name)
                .collect();
            self.cached = Some(pairs);
        }
        self.cached.clone().unwrap_or_default()
    }
}

/// rustyline's helper: completion only.
struct ShellHelper {
    state: Rc<RefCell<CompletionState>>,
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = word_start(line, pos);
        let text = &line[start..pos];
        let mut state = self.state.borrow_mut();
        let mut processes = || state.processes();
        let candidates = complete(line, text, &mut processes)
            .into_iter()
            .map(|candidate| Pair {
                display: candidate.trim_end().to_string(),
                replacement: candidate,
            })
            .collect();
        Ok((start, candidates))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

/// The console when stdin and stdout are terminals: lines through the line editor.
struct EditorConsole {
    editor: Editor<ShellHelper, MemHistory>,
    plain: PlainConsole,
}

impl Console for EditorConsole {
    fn write_out(&mut self, text: &str) {
        self.plain.write_out(text);
    }

    fn write_err(&mut self, text: &str) {
        self.plain.write_err(text);
    }

    fn read_line(&mut self, prompt: &str) -> Input {
        match self.editor.readline(prompt) {
            Ok(line) => {
                // Python's readline module adds every non-empty line that differs from the last entry.
                if !line.is_empty() {
                    let _ = self.editor.add_history_entry(line.as_str());
                }
                Input::Line(line)
            }
            Err(rustyline::error::ReadlineError::Interrupted) => Input::Interrupted,
            Err(_) => Input::Eof,
        }
    }

    fn read_password(&mut self, prompt: &str) -> Input {
        read_password(prompt)
    }
}

/// Either console, chosen once at start.
enum ShellConsole {
    Editor(Box<EditorConsole>),
    Plain(PlainConsole),
}

impl Console for ShellConsole {
    fn write_out(&mut self, text: &str) {
        match self {
            ShellConsole::Editor(console) => console.write_out(text),
            ShellConsole::Plain(console) => console.write_out(text),
        }
    }
    fn write_err(&mut self, text: &str) {
        match self {
            ShellConsole::Editor(console) => console.write_err(text),
            ShellConsole::Plain(console) => console.write_err(text),
        }
    }
    fn read_line(&mut self, prompt: &str) -> Input {
        match self {
            ShellConsole::Editor(console) => console.read_line(prompt),
            ShellConsole::Plain(console) => console.read_line(prompt),
        }
    }
    fn read_password(&mut self, prompt: &str) -> Input {
        match self {
            ShellConsole::Editor(console) => console.read_password(prompt),
            ShellConsole::Plain(console) => console.read_password(prompt),
        }
    }
}

/// readline's `read_history_file`: one entry per line; a missing or unreadable file is ignored.
fn load_history(editor: &mut Editor<ShellHelper, MemHistory>, path: &str) {
    let Ok(text) = std::fs::read(path) else {
        return;
    };
    for line in String::from_utf8_lossy(&text).lines() {
        // GNU readline stores timestamps as comment lines `#<digits>`.
        let is_timestamp = line
            .strip_prefix('#')
            .is_some_and(|rest| rest.starts_with(|ch: char| ch.is_ascii_digit()));
        if !is_timestamp {
            let _ = editor.history_mut().add(line);
        }
    }
}

/// readline's `write_history_file`: every entry, one per line; failures are ignored, as Supervisor ignores them.
fn save_history(editor: &Editor<ShellHelper, MemHistory>, path: &str) {
    let history = editor.history();
    let mut text = String::new();
    for index in 0..history.len() {
        if let Ok(Some(entry)) = history.get(index, SearchDirection::Forward) {
            text.push_str(&entry.entry);
            text.push('\n');
        }
    }
    let _ = std::fs::write(path, text);
}

/// Runs the shell; the exit status is always 0, as in Supervisor.
pub fn run(
    server: ServerSettings,
    prompt: &str,
    history_file: Option<&str>,
    use_editor: bool,
    backend: Rc<dyn Backend>,
) -> i32 {
    let completion = Rc::new(RefCell::new(CompletionState {
        server: server.clone(),
        backend: Rc::clone(&backend),
        cached: None,
    }));
    let console = if use_editor {
        let config = Config::builder()
            .completion_type(CompletionType::List)
            .max_history_size(1_000_000)
            .map(|builder| builder.build());
        let editor = config.and_then(|config| {
            let history = MemHistory::with_config(&config);
            Editor::with_history(config, history)
        });
        match editor {
            Ok(mut editor) => {
                editor.set_helper(Some(ShellHelper {
                    state: Rc::clone(&completion),
                }));
                if let Some(path) = history_file {
                    load_history(&mut editor, path);
                }
                ShellConsole::Editor(Box::new(EditorConsole {
                    editor,
                    plain: PlainConsole,
                }))
            }
            Err(_) => ShellConsole::Plain(PlainConsole),
        }
    } else {
        ShellConsole::Plain(PlainConsole)
    };
    let mut controller = Controller::new(server, true, backend, console);
    let prompt = format!("{prompt}> ");
    // Ctrl-C ends the shell with an empty line wherever it comes (Python's KeyboardInterrupt, caught by
    // `exec_cmdloop`), except inside `tail -f` and `fg`, which catch it themselves.
    let _sigint = SigintGuard::install();
    let mut queued = Some("status".to_string());
    loop {
        let line = match queued.take() {
            Some(line) => line,
            None => {
                {
                    let mut state = completion.borrow_mut();
                    state.server = controller.server.clone();
                    state.cached = None;
                }
                match controller.console.read_line(&prompt) {
                    Input::Line(line) => line,
                    Input::Eof => "EOF".to_string(),
                    Input::Interrupted => {
                        controller.console.write_out("\n");
                        break;
                    }
                }
            }
        };
        match controller.onecmd(&line) {
            Ok(false) if interrupted() => {
                controller.console.write_out("\n");
                break;
            }
            Ok(false) => {}
            Ok(true) => break,
            Err(Raised::Interrupt) => {
                controller.console.write_out("\n");
                break;
            }
            Err(Raised::Exception(_)) => unreachable!("onecmd reports exceptions itself"),
        }
    }
    if let (ShellConsole::Editor(console), Some(path)) = (&controller.console, history_file) {
        save_history(&console.editor, path);
    }
    0
}

/// `(group, name)` of one `getAllProcessInfo` entry.
fn group_and_name(info: &Value) -> (String, String) {
    let text = |key: &str| info.member(key).map(py_str).unwrap_or_default();
    (text("group"), text("name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn processes() -> Vec<(String, String)> {
        [
            ("cat", "cat"),
            ("grp", "ga"),
            ("grp", "gb"),
            ("web-1", "web-1"),
        ]
        .iter()
        .map(|(group, name)| (group.to_string(), name.to_string()))
        .collect()
    }

    fn check(line: &str, expected: &[&str]) {
        let start = word_start(line, line.len());
        let text = &line[start..];
        let mut source = processes;
        let actual = complete(line, text, &mut source);
        assert_eq!(actual, expected, "completing {line:?}");
    }

    #[test]
    fn completion_rules() {
        check(
            "",
            &[
                "help ",
                "add ",
                "avail ",
                "clear ",
                "exit ",
                "fg ",
                "maintail ",
                "open ",
                "pid ",
                "quit ",
                "reload ",
                "remove ",
                "reread ",
                "restart ",
                "shutdown ",
                "signal ",
                "start ",
                "status ",
                "stop ",
                "tail ",
                "update ",
                "version ",
            ],
        );
        check("h", &["help "]);
        check("re", &["reload ", "remove ", "reread ", "restart "]);
        check("help st", &["start ", "status ", "stop "]);
        // `action in ('help')` is a substring test: `he` (and `p`) complete actions too.
        check(
            "p s",
            &["shutdown ", "signal ", "start ", "status ", "stop "],
        );
        check(
            "start ",
            &["cat ", "grp:ga ", "grp:* ", "grp:gb ", "web-1 "],
        );
        check("start c", &["cat "]);
        check("stop grp:", &["grp:ga ", "grp:* ", "grp:gb "]);
        check("tail cat:", &["cat:cat ", "cat:* "]);
        check("tail we", &["web-1 "]);
        check("signal HUP grp:g", &["grp:ga ", "grp:gb "]);
        check("add ", &["cat ", "grp ", "web-1 "]);
        check("update g", &["grp "]);
        check("version x", &[]);
        check(
            "status cat ",
            &["cat ", "grp:ga ", "grp:* ", "grp:gb ", "web-1 "],
        );
    }

    #[test]
    fn words_start_after_delimiters_but_not_colons_or_dashes() {
        assert_eq!(word_start("start grp:*", 11), 6);
        assert_eq!(word_start("start web-1", 11), 6);
        assert_eq!(word_start("start a,b", 9), 8);
        assert_eq!(word_start("sta", 3), 0);
    }
}
