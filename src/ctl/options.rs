//! supervisorctl's settings: its command line (Supervisor's `ClientOptions` over Python's getopt) and its
//! `[supervisorctl]` section, merged with the command line winning. Pure: the caller reads the file and passes
//! the text, the environment and the machine facts in.
//!
//! Owns: the option table, the usage text, the usage-error rules, and `ClientOptions.read_config` rebuilt: only
//! `[supervisorctl]` and `[ctlplugin:x]` are looked at, `[include]` is not followed, a file without
//! `[supervisorctl]` is refused, `serverurl` and `history_file` may use `%(here)s`, and every value may use
//! `%(ENV_X)s`.
//!
//! Does not own: finding the default config file or reading it (the binary does), or what the settings are used
//! for (the controller does).
//!
//! Where the real 4.3.0 code differs from its documentation, the code is followed:
//! - `-r/--history_file` is accepted but has no effect: `ClientOptions` stores it in an attribute (`history`)
//!   that nothing reads, while the shell reads `history_file`, which only the config file sets. (The help text
//!   even names the option `--history-file`, which getopt rejects.)
//! - `-i` is ignored when an action is given: the action runs and supervisorctl exits. It still makes
//!   `shutdown`/`reload` ask for confirmation and a 401 ask for credentials.
//!
//! `[ctlplugin:x]` sections must name a `supervisor.ctl_factory`, as Supervisor requires; the factory, a Python
//! callable, cannot be loaded by this implementation, so the plugin's commands are unknown here.

use std::collections::BTreeMap;

use crate::config::cmdline::{getopt, CommandLineOption, OptionKind};
use crate::config::datatypes;
use crate::config::expand::{expand, ExpandValue, Names};
use crate::config::host::{dirname, Host};
use crate::config::ini::Ini;
use crate::config::parse::normalize_path;
use crate::config::pyrepr::py_repr;
use crate::config::CtlSpec;

/// The docstring of Supervisor's `supervisorctl.py`, which `-h` prints with every `%s` replaced by the program
/// name as invoked.
pub const HELP_TEXT: &str =
    "supervisorctl -- control applications run by supervisord from the cmd line.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- start an interactive shell after executing commands
-s/--serverurl URL -- URL on which supervisord server is listening
     (default \"http://localhost:9001\").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file -- keep a readline history (if readline is available)

action [arguments] -- see below

Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is
specified on the command line, a \"shell\" interpreting actions typed
interactively is started.  Use the action \"help\" to find out about available
actions.
";

/// What `-h` writes to stdout: the doc plus a newline, `%s` replaced by the program name (Supervisor's
/// `Options.help`).
pub fn render_help(progname: &str) -> String {
    format!("{HELP_TEXT}\n").replace("%s", progname)
}

const fn option(
    name: &'static str,
    short: char,
    long: Option<&'static str>,
    kind: OptionKind,
) -> CommandLineOption {
    CommandLineOption {
        name,
        short: Some(short),
        long,
        kind,
        prefix_matches: true,
    }
}

/// supervisorctl's options, in the order `ClientOptions` registers them (getopt's `"h?c:is:u:p:r:"`).
pub static OPTIONS: [CommandLineOption; 8] = [
    option("help", 'h', Some("help"), OptionKind::Help),
    option("help", '?', None, OptionKind::Help),
    option(
        "configuration",
        'c',
        Some("configuration"),
        OptionKind::Valued,
    ),
    option("interactive", 'i', Some("interactive"), OptionKind::Flag),
    option("serverurl", 's', Some("serverurl"), OptionKind::Valued),
    option("username", 'u', Some("username"), OptionKind::Valued),
    option("password", 'p', Some("password"), OptionKind::Valued),
    option(
        "history_file",
        'r',
        Some("history_file"),
        OptionKind::Valued,
    ),
];

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `-h`, `-?` or `--help`: print [`render_help`] and exit 0.
    Help,
    Run(CommandLine),
}

/// The command line as typed; `None` means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub configuration: Option<String>,
    pub interactive: bool,
    pub serverurl: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `-r`: accepted, and (as in Supervisor 4.3.0) not used; see the module notes.
    pub history: Option<String>,
    /// The action and its arguments: everything from the first argument that is not an option.
    pub args: Vec<String>,
}

/// Parses the arguments (without the program name) as `ClientOptions.realize` does. `Err` holds the text after
/// `Error: ` of a usage error (exit status 2).
pub fn parse_args(args: &[String]) -> Result<Invocation, String> {
    let (parsed_options, positional) = getopt(&OPTIONS, args)?;
    let mut command_line = CommandLine {
        args: positional,
        ..CommandLine::default()
    };
    for parsed in parsed_options {
        let option = parsed.option;
        if option.kind == OptionKind::Help {
            return Ok(Invocation::Help);
        }
        // The handler runs before the repeat check, as in `Options.realize`.
        if option.name == "serverurl" {
            if let Err(message) = datatypes::url(&parsed.value) {
                return Err(format!(
                    "invalid value for {} {}: {message}",
                    parsed.typed_as,
                    py_repr(&parsed.value)
                ));
            }
        }
        let conflicting = || {
            format!(
                "conflicting command line option {}",
                py_repr(&parsed.typed_as)
            )
        };
        if option.kind == OptionKind::Flag {
            if command_line.interactive {
                return Err(conflicting());
            }
            command_line.interactive = true;
            continue;
        }
        let field = match option.name {
            "configuration" => &mut command_line.configuration,
            "serverurl" => &mut command_line.serverurl,
            "username" => &mut command_line.username,
            "password" => &mut command_line.password,
            "history_file" => &mut command_line.history,
            other => unreachable!("OPTIONS lists valued option {other} without a field"),
        };
        if field.is_some() {
            return Err(conflicting());
        }
        *field = Some(parsed.value);
    }
    Ok(Invocation::Run(command_line))
}

/// Why a config file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// Supervisor reports it as a usage error: `Error: <text>`, the help hint, exit status 2.
    Usage(String),
    /// configparser refused the file. Supervisor 4.3.0 does not catch this and dies with a traceback (exit
    /// status 1); the text is the traceback's last line(s): `<exception class>: <message>`.
    Unreadable(String),
}

/// `ClientOptions.read_config` over the text of the file at `path` (as given on the command line or found by the
/// search). `cwd` and `host` make paths absolute and expand `~`.
pub fn parse_config(
    text: &str,
    path: &str,
    environ: &BTreeMap<String, String>,
    cwd: &str,
    host: &dyn Host,
) -> Result<CtlSpec, ConfigError> {
    const SECTION: &str = "supervisorctl";
    let here = dirname(&normalize_path(path, cwd, host));
    let mut ini = Ini::new();
    if let Err(error) = ini.read(text, 0) {
        let class = match error {
            crate::config::ini::IniError::MissingSectionHeader { .. } => {
                "configparser.MissingSectionHeaderError"
            }
            crate::config::ini::IniError::Parsing { .. } => "configparser.ParsingError",
        };
        return Err(ConfigError::Unreadable(format!(
            "{class}: {}",
            error.render(path)
        )));
    }
    if !ini.has_section(SECTION) {
        return Err(ConfigError::Usage(
            ".ini file does not include supervisorctl section".into(),
        ));
    }
    let env_names: Names = environ
        .iter()
        .map(|(key, value)| (format!("ENV_{key}"), ExpandValue::Str(value.clone())))
        .collect();
    let mut here_names = env_names.clone();
    here_names.insert("here".into(), ExpandValue::Str(here));
    // `saneget`: the section's value (or `[DEFAULT]`'s), else the default; expanded either way.
    let get = |section: &str,
               key: &str,
               default: Option<&str>,
               names: &Names|
     -> Result<Option<String>, ConfigError> {
        let raw = ini.get(section, key).map(|entry| entry.value.clone());
        match raw.as_deref().or(default) {
            Some(value) => expand(value, names, &format!("{section}.{key}"))
                .map(Some)
                .map_err(ConfigError::Usage),
            None => Ok(None),
        }
    };
    let defaults = CtlSpec::default();
    let mut serverurl =
        get(SECTION, "serverurl", Some(&defaults.serverurl), &here_names)?.unwrap_or_default();
    if let Some(socket_path) = serverurl.strip_prefix("unix://") {
        serverurl = format!("unix://{}", normalize_path(socket_path, cwd, host));
    }
    let prompt = get(SECTION, "prompt", Some(&defaults.prompt), &env_names)?.unwrap_or_default();
    let username = get(SECTION, "username", None, &env_names)?;
    let password = get(SECTION, "password", None, &env_names)?;
    let history_file = get(SECTION, "history_file", None, &here_names)?
        .filter(|history| !history.is_empty())
        .map(|history| normalize_path(&history, cwd, host));
    for section in ini.sections() {
        let Some(_plugin_name) = section.name.strip_prefix("ctlplugin:") else {
            continue;
        };
        const FACTORY_KEY: &str = "supervisor.ctl_factory";
        if get(&section.name, FACTORY_KEY, None, &env_names)?.is_none() {
            return Err(ConfigError::Usage(format!(
                "section [{}] does not specify a {FACTORY_KEY}",
                section.name
            )));
        }
        // Supervisor expands every other key of the section too, as the factory's keyword arguments.
        for entry in ini.items(&section.name) {
            if entry.key != FACTORY_KEY {
                get(&section.name, &entry.key, None, &env_names)?;
            }
        }
    }
    Ok(CtlSpec {
        serverurl,
        username,
        password,
        prompt,
        history_file,
    })
}

/// The settings supervisorctl runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub prompt: String,
    pub history_file: Option<String>,
    /// `-i`, or no action given.
    pub interactive: bool,
    pub args: Vec<String>,
}

/// The command line over the config file's `[supervisorctl]` (or its defaults when no file was read).
pub fn merge(command_line: CommandLine, file: Option<CtlSpec>) -> Settings {
    let file = file.unwrap_or_default();
    Settings {
        serverurl: command_line.serverurl.unwrap_or(file.serverurl),
        username: command_line.username.or(file.username),
        password: command_line.password.or(file.password),
        prompt: file.prompt,
        history_file: file.history_file,
        interactive: command_line.interactive || command_line.args.is_empty(),
        args: command_line.args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::FakeHost;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    fn check_args(args: &[&str], expected: Result<Invocation, &str>) {
        assert_eq!(
            parse_args(&strings(args)),
            expected.map_err(str::to_string),
            "arguments {args:?}"
        );
    }

    fn run(command_line: CommandLine) -> Result<Invocation, &'static str> {
        Ok(Invocation::Run(command_line))
    }

    #[test]
    fn command_lines() {
        // Messages as Supervisor 4.3.0's supervisorctl prints them after `Error: `.
        check_args(&[], run(CommandLine::default()));
        check_args(&["-h"], Ok(Invocation::Help));
        check_args(&["-?"], Ok(Invocation::Help));
        check_args(&["--he"], Ok(Invocation::Help));
        check_args(&["-h", "-s", "foo"], Ok(Invocation::Help));
        check_args(
            &["-s", "foo", "-h"],
            Err("invalid value for -s 'foo': value 'foo' is not a URL"),
        );
        check_args(
            &["--serv=foo"],
            Err("invalid value for --serverurl 'foo': value 'foo' is not a URL"),
        );
        check_args(&["--bogus"], Err("option --bogus not recognized"));
        check_args(&["-x"], Err("option -x not recognized"));
        check_args(&["-s"], Err("option -s requires argument"));
        check_args(
            &["--history-file", "x"],
            Err("option --history-file not recognized"),
        );
        check_args(
            &["--help=3"],
            Err("option --help must not have an argument"),
        );
        check_args(
            &["--interactive=1"],
            Err("option --interactive must not have an argument"),
        );
        check_args(&["-i", "-i"], Err("conflicting command line option '-i'"));
        check_args(
            &["-s", "http://a", "--serverurl", "http://b"],
            Err("conflicting command line option '--serverurl'"),
        );
        check_args(
            &[
                "-c",
                "f.conf",
                "-iu",
                "bob",
                "-pse",
                "--history_file=h",
                "status",
                "-h",
                "x",
            ],
            run(CommandLine {
                configuration: Some("f.conf".into()),
                interactive: true,
                username: Some("bob".into()),
                password: Some("se".into()),
                history: Some("h".into()),
                args: strings(&["status", "-h", "x"]),
                ..CommandLine::default()
            }),
        );
        check_args(
            &["-s", "unix:///tmp/s.sock", "--", "-h"],
            run(CommandLine {
                serverurl: Some("unix:///tmp/s.sock".into()),
                args: strings(&["-h"]),
                ..CommandLine::default()
            }),
        );
    }

    fn check_config(text: &str, expected: Result<CtlSpec, ConfigError>) {
        let host = FakeHost::new();
        let mut environ = BTreeMap::new();
        environ.insert("SOCK".to_string(), "env.sock".to_string());
        let actual = parse_config(text, "conf/sup.conf", &environ, "/srv", &host);
        assert_eq!(actual, expected, "config {text:?}");
    }

    fn spec(serverurl: &str) -> CtlSpec {
        CtlSpec {
            serverurl: serverurl.into(),
            ..CtlSpec::default()
        }
    }

    #[test]
    fn config_files() {
        check_config("[supervisorctl]\n", Ok(CtlSpec::default()));
        check_config(
            "[supervisorctl]\nserverurl=unix://%(here)s/../%(ENV_SOCK)s\n",
            Ok(spec("unix:///srv/env.sock")),
        );
        check_config(
            "[supervisorctl]\nserverurl=unix://rel.sock\n",
            Ok(spec("unix:///srv/rel.sock")),
        );
        check_config(
            "[supervisorctl]\nserverurl=http://127.0.0.1:9001\nusername=bob\npassword=%(ENV_SOCK)s\nprompt=p\n\
             history_file=~/.hist\n",
            Ok(CtlSpec {
                serverurl: "http://127.0.0.1:9001".into(),
                username: Some("bob".into()),
                password: Some("env.sock".into()),
                prompt: "p".into(),
                history_file: Some("/root/.hist".into()),
            }),
        );
        check_config("[supervisorctl]\nhistory_file=\n", Ok(CtlSpec::default()));
        // Only [supervisorctl] matters: other sections, even invalid ones, are not read.
        check_config(
            "[program:x]\ncommand=\nbogus=%(nope)s\n[include]\nfiles=*.conf\n[supervisorctl]\n",
            Ok(CtlSpec::default()),
        );
        check_config(
            "[DEFAULT]\nprompt=shared\n[supervisorctl]\n",
            Ok(CtlSpec {
                prompt: "shared".into(),
                ..CtlSpec::default()
            }),
        );
        check_config(
            "[supervisord]\n",
            Err(ConfigError::Usage(
                ".ini file does not include supervisorctl section".into(),
            )),
        );
        check_config(
            "[supervisorctl]\nprompt=%(here)s\n",
            Err(ConfigError::Usage(
                "Format string '%(here)s' for 'supervisorctl.prompt' contains names ('here') which cannot be \
                 expanded. Available names: ENV_SOCK"
                    .into(),
            )),
        );
        check_config(
            "[supervisorctl]\n[ctlplugin:x]\nfoo=bar\n",
            Err(ConfigError::Usage(
                "section [ctlplugin:x] does not specify a supervisor.ctl_factory".into(),
            )),
        );
        check_config(
            "[supervisorctl]\n[ctlplugin:x]\nsupervisor.ctl_factory=some.module:factory\n",
            Ok(CtlSpec::default()),
        );
        check_config(
            "garbage\n[supervisorctl]\n",
            Err(ConfigError::Unreadable(
                "configparser.MissingSectionHeaderError: File contains no section headers.\n\
                 file: 'conf/sup.conf', line: 1\n'garbage\\n'"
                    .into(),
            )),
        );
        check_config(
            "[supervisorctl]\nfoo\n",
            Err(ConfigError::Unreadable(
                "configparser.ParsingError: Source contains parsing errors: 'conf/sup.conf'\n\t[line  2]: 'foo\\n'"
                    .into(),
            )),
        );
    }

    #[test]
    fn command_line_wins_over_the_file() {
        let file = CtlSpec {
            serverurl: "unix:///file.sock".into(),
            username: Some("fileuser".into()),
            password: Some("filepass".into()),
            prompt: "fileprompt".into(),
            history_file: Some("/hist".into()),
        };
        let command_line = CommandLine {
            serverurl: Some("http://cmd:1".into()),
            username: Some("cmduser".into()),
            args: strings(&["status"]),
            ..CommandLine::default()
        };
        assert_eq!(
            merge(command_line, Some(file)),
            Settings {
                serverurl: "http://cmd:1".into(),
                username: Some("cmduser".into()),
                password: Some("filepass".into()),
                prompt: "fileprompt".into(),
                history_file: Some("/hist".into()),
                interactive: false,
                args: strings(&["status"]),
            }
        );
        let defaults = merge(CommandLine::default(), None);
        assert_eq!(defaults.serverurl, "http://localhost:9001");
        assert_eq!(defaults.prompt, "supervisor");
        assert!(defaults.interactive, "no action means the shell");
    }
}
