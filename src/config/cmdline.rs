//! supervisord's command line, parsed exactly as Supervisor 4.3.0 parses it.
//!
//! Owns: the option table, a port of Python's `getopt.getopt` (the parser Supervisor uses), the checks Supervisor's
//! `Options.realize` applies on top of it (positional arguments, repeated options), the help text, the version
//! string and the usage-error format. Pure: no IO, no environment.
//!
//! Does not own: the meaning of values. Every value stays the raw string the user typed; the caller converts it
//! with Supervisor's datatypes, and finding the config file, reading it and merging the command line over it happen
//! elsewhere.
//!
//! # Value checks that Supervisor makes while parsing
//!
//! Supervisor runs a datatype handler on some values as it walks the parsed options, in command-line order, and a
//! failure is a usage error `invalid value for <option as typed> <repr(value)>: <message>`, e.g.
//! `invalid value for -e 'bogus': bad logging level name 'bogus'`. The handlers are:
//!
//! | option | handler | can fail |
//! | --- | --- | --- |
//! | `-m`/`--umask` | `octal_type` | yes: `<v> can not be converted to an octal type` |
//! | `-d`/`--directory`, `-q`/`--childlogdir` | `existing_directory` (reads the file system) | yes |
//! | `-l`/`--logfile`, `-j`/`--pidfile` | `existing_dirpath` (reads the file system) | yes |
//! | `-y`/`--logfile_maxbytes` | `byte_size` | yes |
//! | `-z`/`--logfile_backups` | `integer` | yes |
//! | `-e`/`--loglevel` | `logging_level` | yes |
//! | `-a`/`--minfds`, `--minprocs` | Python `int` | yes |
//! | `-i`/`--identifier` | `str` | no |
//! | `--profile_options` | `profile_options` | no |
//! | `-c`/`--configuration`, `-u`/`--user` | none (`-u` is checked after the config file is read) | no |
//!
//! [`parse_args`] applies none of them. [`parse_args_with_checks`] takes the caller's checker and calls it where
//! Supervisor calls the handler, so that error precedence stays Supervisor's (`-e bogus -h` is an error, while
//! `-h -e bogus` prints the help).
//!
//! # Why a getopt port rather than clap
//!
//! clap 4 cannot be bent to getopt's behaviour in three places that scripts can observe:
//! - getopt stops at the first argument that is not an option, so `supervisord foo -n` reports
//!   `['foo', '-n']` as positional; clap keeps reading options after a positional.
//! - `--check-config` (our addition) must not take part in prefix matching, or `--ch`, which Supervisor reads as
//!   `--childlogdir`, would become ambiguous; clap's `infer_long_args` applies to every long option alike.
//! - getopt's error texts are built from what was typed (`--=x` gives `option -- not a unique prefix`;
//!   `--nod=1` gives `option --nodaemon must not have an argument`), and its errors come in a fixed order: every
//!   syntax error first, then positional arguments, then values and repeats in command-line order.
//!
//! A faithful port of `getopt.getopt` is about sixty lines, so the port is used and its behaviour is pinned by
//! tables whose expected texts were produced by the real Supervisor 4.3.0.

use crate::config::pyrepr::py_repr;

/// What `supervisord -v` prints (followed by a newline). We claim API compatibility with Supervisor 4.3.0, and
/// tools compare this string, so it stays Supervisor's version rather than this crate's.
pub const VERSION: &str = "4.3.0";

/// The text `supervisord -h` prints: the docstring of Supervisor's `supervisord.py`, with one line added for
/// `--check-config`. Supervisor replaces every `%s` in it with the program name as invoked (`argv[0]`) and appends a
/// newline; [`render_help`] does both.
pub const HELP_TEXT: &str = "supervisord -- run a set of applications as daemons.

Usage: %s [options]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)
-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)
-h/--help -- print this usage message and exit
-v/--version -- print supervisord version number and exit
-u/--user USER -- run supervisord as this user (or numeric uid)
-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)
-d/--directory DIRECTORY -- directory to chdir to when daemonized
-l/--logfile FILENAME -- use FILENAME as logfile path
-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile
-z/--logfile_backups NUM -- number of backups to keep when max bytes reached
-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)
-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME
-i/--identifier STR -- identifier used for this instance of supervisord
-q/--childlogdir DIRECTORY -- the log directory for child process logs
-k/--nocleanup --  prevent the process from performing cleanup (removal of
                   old automatic child log files) at startup.
-a/--minfds NUM -- the minimum number of file descriptors for start success
-t/--strip_ansi -- strip ansi escape codes from process output
--minprocs NUM  -- the minimum number of processes available for start success
--profile_options OPTIONS -- run supervisord under profiler and output
                             results based on OPTIONS, which  is a comma-sep'd
                             list of 'cumulative', 'calls', and/or 'callers',
                             e.g. 'cumulative,callers')
--check-config -- read and validate the configuration, report errors and exit
";

/// What `supervisord -h` writes to stdout, for the program name as invoked.
///
/// Supervisor's `Options.help`: the doc plus a newline, with every `%s` replaced by the program name.
pub fn render_help(progname: &str) -> String {
    let help = format!("{HELP_TEXT}\n");
    // Supervisor tests `help.find("%s") > 0`, so a `%s` at offset 0 would not be replaced; ours is never there.
    match help.find("%s") {
        Some(offset) if offset > 0 => help.replace("%s", progname),
        _ => help,
    }
}

/// The text of a usage error on stderr: `Error: <msg>`, then where to find help. The process then exits with 2.
pub fn usage_error(message: &str, argv0: &str) -> String {
    format!("Error: {message}\nFor help, use {argv0} -h\n")
}

/// What the command line asks for.
// One value is built per start, so keeping `CommandLine` unboxed costs nothing worth a `Box` in every match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `-h`, `-?` or `--help`: print [`render_help`] to stdout and exit 0.
    Help,
    /// `-v` or `--version`: print [`VERSION`] and a newline to stdout and exit 0.
    Version,
    /// Run (or, with `--check-config`, only validate) with these settings.
    Run(CommandLine),
}

/// The settings given on the command line, as typed. `None` (or `false`) means "not given": the config file's value
/// or the default applies. Flags can only turn a setting on, as in Supervisor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// `-c`/`--configuration FILENAME`. An empty string is kept as given; Supervisor 4.3.0 then stops
    /// with a Python traceback (exit 1), so the caller should report it instead.
    pub configuration: Option<String>,
    /// `-n`/`--nodaemon`.
    pub nodaemon: bool,
    /// `-s`/`--silent`.
    pub silent: bool,
    /// `-u`/`--user USER`.
    pub user: Option<String>,
    /// `-m`/`--umask UMASK`.
    pub umask: Option<String>,
    /// `-d`/`--directory DIRECTORY`.
    pub directory: Option<String>,
    /// `-l`/`--logfile FILENAME`.
    pub logfile: Option<String>,
    /// `-y`/`--logfile_maxbytes BYTES`.
    pub logfile_maxbytes: Option<String>,
    /// `-z`/`--logfile_backups NUM`.
    pub logfile_backups: Option<String>,
    /// `-e`/`--loglevel LEVEL`.
    pub loglevel: Option<String>,
    /// `-j`/`--pidfile FILENAME`.
    pub pidfile: Option<String>,
    /// `-i`/`--identifier STR`.
    pub identifier: Option<String>,
    /// `-q`/`--childlogdir DIRECTORY`.
    pub childlogdir: Option<String>,
    /// `-k`/`--nocleanup`.
    pub nocleanup: bool,
    /// `-a`/`--minfds NUM`.
    pub minfds: Option<String>,
    /// `--minprocs NUM` (no short form).
    pub minprocs: Option<String>,
    /// `-t`/`--strip_ansi`.
    pub strip_ansi: bool,
    /// `--profile_options OPTIONS` (no short form). Accepted for compatibility; supervisor-rs has no profiler.
    pub profile_options: Option<String>,
    /// `--check-config` (a supervisor-rs addition): validate the configuration and exit.
    pub check_config: bool,
}

/// What an option does when it is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// Prints the help and ends parsing.
    Help,
    /// Prints the version and ends parsing.
    Version,
    /// Turns a setting on; takes no value.
    Flag,
    /// Takes a value (the next argument, the rest of a short-option cluster, or the text after `=`).
    Valued,
}

/// One command-line option of supervisord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandLineOption {
    /// The [`CommandLine`] field (and, except for `configuration` and `check_config`, the `[supervisord]` key) it
    /// sets; for `-h`, `-?` and `-v` the long name.
    pub name: &'static str,
    pub short: Option<char>,
    /// The long name without `--`. `-?` has none.
    pub long: Option<&'static str>,
    pub kind: OptionKind,
    /// Whether an unambiguous prefix of `long` is accepted (getopt's rule). Only our own `--check-config` is
    /// exact-only, so that it cannot make any of Supervisor's prefixes ambiguous.
    pub prefix_matches: bool,
}

const fn option(
    name: &'static str,
    short: Option<char>,
    long: Option<&'static str>,
    kind: OptionKind,
) -> CommandLineOption {
    CommandLineOption {
        name,
        short,
        long,
        kind,
        prefix_matches: true,
    }
}

/// Every option, in the order Supervisor's `ServerOptions` registers them.
pub const OPTIONS: &[CommandLineOption] = &[
    option("help", Some('h'), Some("help"), OptionKind::Help),
    option("help", Some('?'), None, OptionKind::Help),
    option(
        "configuration",
        Some('c'),
        Some("configuration"),
        OptionKind::Valued,
    ),
    option("version", Some('v'), Some("version"), OptionKind::Version),
    option("nodaemon", Some('n'), Some("nodaemon"), OptionKind::Flag),
    option("user", Some('u'), Some("user"), OptionKind::Valued),
    option("umask", Some('m'), Some("umask"), OptionKind::Valued),
    option(
        "directory",
        Some('d'),
        Some("directory"),
        OptionKind::Valued,
    ),
    option("logfile", Some('l'), Some("logfile"), OptionKind::Valued),
    option(
        "logfile_maxbytes",
        Some('y'),
        Some("logfile_maxbytes"),
        OptionKind::Valued,
    ),
    option(
        "logfile_backups",
        Some('z'),
        Some("logfile_backups"),
        OptionKind::Valued,
    ),
    option("loglevel", Some('e'), Some("loglevel"), OptionKind::Valued),
    option("pidfile", Some('j'), Some("pidfile"), OptionKind::Valued),
    option(
        "identifier",
        Some('i'),
        Some("identifier"),
        OptionKind::Valued,
    ),
    option(
        "childlogdir",
        Some('q'),
        Some("childlogdir"),
        OptionKind::Valued,
    ),
    option("minfds", Some('a'), Some("minfds"), OptionKind::Valued),
    option("minprocs", None, Some("minprocs"), OptionKind::Valued),
    option("nocleanup", Some('k'), Some("nocleanup"), OptionKind::Flag),
    option(
        "strip_ansi",
        Some('t'),
        Some("strip_ansi"),
        OptionKind::Flag,
    ),
    option(
        "profile_options",
        None,
        Some("profile_options"),
        OptionKind::Valued,
    ),
    option("silent", Some('s'), Some("silent"), OptionKind::Flag),
    CommandLineOption {
        name: "check_config",
        short: None,
        long: Some("check-config"),
        kind: OptionKind::Flag,
        prefix_matches: false,
    },
];

/// Parses supervisord's arguments (without the program name) as Supervisor 4.3.0 does, applying no value checks.
///
/// `Err` holds the message that follows `Error: ` (see [`usage_error`]).
pub fn parse_args(args: &[String]) -> Result<Invocation, String> {
    parse_args_with_checks(args, &|_name, _value| Ok(()))
}

/// As [`parse_args`], calling `check_value(name, value)` for each valued option where Supervisor runs its datatype
/// handler (see the module docs). `name` is the [`CommandLineOption::name`]; an `Err(message)` becomes the usage
/// error `invalid value for <option> <repr(value)>: <message>`.
pub fn parse_args_with_checks(
    args: &[String],
    check_value: &dyn Fn(&str, &str) -> Result<(), String>,
) -> Result<Invocation, String> {
    let (parsed_options, positional) = getopt(OPTIONS, args)?;
    if !positional.is_empty() {
        let quoted: Vec<String> = positional.iter().map(|arg| py_repr(arg)).collect();
        return Err(format!(
            "positional arguments are not supported: [{}]",
            quoted.join(", ")
        ));
    }
    let mut command_line = CommandLine::default();
    for parsed in parsed_options {
        match parsed.option.kind {
            OptionKind::Help => return Ok(Invocation::Help),
            OptionKind::Version => return Ok(Invocation::Version),
            OptionKind::Flag => {
                let flag = flag_field(&mut command_line, parsed.option.name);
                if *flag {
                    return Err(conflicting(&parsed.typed_as));
                }
                *flag = true;
            }
            OptionKind::Valued => {
                // Supervisor runs the handler before it looks for a repeat, so a bad second value is reported as
                // invalid rather than as conflicting.
                if let Err(message) = check_value(parsed.option.name, &parsed.value) {
                    return Err(format!(
                        "invalid value for {} {}: {message}",
                        parsed.typed_as,
                        py_repr(&parsed.value)
                    ));
                }
                let field = valued_field(&mut command_line, parsed.option.name);
                if field.is_some() {
                    return Err(conflicting(&parsed.typed_as));
                }
                *field = Some(parsed.value);
            }
        }
    }
    Ok(Invocation::Run(command_line))
}

fn conflicting(typed_as: &str) -> String {
    format!("conflicting command line option {}", py_repr(typed_as))
}

fn flag_field<'a>(command_line: &'a mut CommandLine, name: &str) -> &'a mut bool {
    match name {
        "nodaemon" => &mut command_line.nodaemon,
        "silent" => &mut command_line.silent,
        "nocleanup" => &mut command_line.nocleanup,
        "strip_ansi" => &mut command_line.strip_ansi,
        "check_config" => &mut command_line.check_config,
        other => unreachable!("OPTIONS lists flag {other} without a CommandLine field"),
    }
}

fn valued_field<'a>(command_line: &'a mut CommandLine, name: &str) -> &'a mut Option<String> {
    match name {
        "configuration" => &mut command_line.configuration,
        "user" => &mut command_line.user,
        "umask" => &mut command_line.umask,
        "directory" => &mut command_line.directory,
        "logfile" => &mut command_line.logfile,
        "logfile_maxbytes" => &mut command_line.logfile_maxbytes,
        "logfile_backups" => &mut command_line.logfile_backups,
        "loglevel" => &mut command_line.loglevel,
        "pidfile" => &mut command_line.pidfile,
        "identifier" => &mut command_line.identifier,
        "childlogdir" => &mut command_line.childlogdir,
        "minfds" => &mut command_line.minfds,
        "minprocs" => &mut command_line.minprocs,
        "profile_options" => &mut command_line.profile_options,
        other => unreachable!("OPTIONS lists valued option {other} without a CommandLine field"),
    }
}

/// One option as getopt returns it: how Supervisor names it in messages (`-c`, or the full `--configuration` even
/// when a prefix was typed) and its value (empty for flags).
#[derive(Debug)]
pub struct ParsedOption {
    pub option: &'static CommandLineOption,
    pub typed_as: String,
    pub value: String,
}

/// Python's `getopt.getopt(args, shortopts, longopts)` over an option table (supervisord's [`OPTIONS`], or
/// supervisorctl's), with its error texts.
///
/// Options end at `--` (which is dropped), at `-`, or at the first argument not starting with `-`; everything
/// from there on is returned as positional.
pub fn getopt(
    options: &'static [CommandLineOption],
    args: &[String],
) -> Result<(Vec<ParsedOption>, Vec<String>), String> {
    let mut parsed = Vec::new();
    let mut index = 0;
    while let Some(arg) = args.get(index) {
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        index += 1;
        if arg == "--" {
            break;
        }
        if let Some(long_text) = arg.strip_prefix("--") {
            parse_long(options, long_text, args, &mut index, &mut parsed)?;
        } else {
            parse_short_cluster(options, &arg[1..], args, &mut index, &mut parsed)?;
        }
    }
    Ok((parsed, args[index..].to_vec()))
}

/// getopt's `do_longs`: `--name`, `--name=value` or `--name value`, where `name` may be a unique prefix.
fn parse_long(
    options: &'static [CommandLineOption],
    long_text: &str,
    args: &[String],
    index: &mut usize,
    parsed: &mut Vec<ParsedOption>,
) -> Result<(), String> {
    let (typed_name, inline_value) = match long_text.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (long_text, None),
    };
    let option = find_long(options, typed_name)?;
    let long = option
        .long
        .expect("find_long returns only options with a long name");
    let value = if option.kind == OptionKind::Valued {
        match inline_value {
            Some(value) => value.to_string(),
            None => {
                let Some(next) = args.get(*index) else {
                    return Err(format!("option --{long} requires argument"));
                };
                *index += 1;
                next.clone()
            }
        }
    } else {
        if inline_value.is_some() {
            return Err(format!("option --{long} must not have an argument"));
        }
        String::new()
    };
    parsed.push(ParsedOption {
        option,
        typed_as: format!("--{long}"),
        value,
    });
    Ok(())
}

/// getopt's `long_has_args`: an exact name wins, otherwise the typed text must be a prefix of exactly one name.
fn find_long(
    options: &'static [CommandLineOption],
    typed_name: &str,
) -> Result<&'static CommandLineOption, String> {
    if let Some(exact) = options
        .iter()
        .find(|option| option.long == Some(typed_name))
    {
        return Ok(exact);
    }
    let mut candidates = options.iter().filter(|option| {
        option.prefix_matches && option.long.is_some_and(|long| long.starts_with(typed_name))
    });
    match (candidates.next(), candidates.next()) {
        (None, _) => Err(format!("option --{typed_name} not recognized")),
        (Some(unique), None) => Ok(unique),
        (Some(_), Some(_)) => Err(format!("option --{typed_name} not a unique prefix")),
    }
}

/// getopt's `do_shorts`: a cluster such as `-nk`, where a valued option takes the rest of the cluster (`-cfile`)
/// or, when the cluster ends with it, the next argument (`-nc file`).
fn parse_short_cluster(
    options: &'static [CommandLineOption],
    cluster: &str,
    args: &[String],
    index: &mut usize,
    parsed: &mut Vec<ParsedOption>,
) -> Result<(), String> {
    let mut rest = cluster;
    while let Some(letter) = rest.chars().next() {
        rest = &rest[letter.len_utf8()..];
        let Some(option) = options.iter().find(|option| option.short == Some(letter)) else {
            return Err(format!("option -{letter} not recognized"));
        };
        let value = if option.kind == OptionKind::Valued {
            let value = if rest.is_empty() {
                let Some(next) = args.get(*index) else {
                    return Err(format!("option -{letter} requires argument"));
                };
                *index += 1;
                next.clone()
            } else {
                rest.to_string()
            };
            rest = "";
            value
        } else {
            String::new()
        };
        parsed.push(ParsedOption {
            option,
            typed_as: format!("-{letter}"),
            value,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    /// Parses `args` and compares with `expected`: `Ok` with the settings given, or `Err` with the message.
    fn check(args: &[&str], expected: Result<Invocation, &str>) {
        let actual = parse_args(&strings(args));
        let expected = expected.map_err(str::to_string);
        assert_eq!(actual, expected, "arguments {args:?}");
    }

    fn run(command_line: CommandLine) -> Result<Invocation, &'static str> {
        Ok(Invocation::Run(command_line))
    }

    /// A checker like Supervisor's handlers for the options whose check needs no file system.
    fn supervisor_like_check(name: &str, value: &str) -> Result<(), String> {
        match name {
            "loglevel" => {
                let known = [
                    "critical", "error", "warn", "info", "debug", "trace", "blather",
                ];
                if known.contains(&value.to_lowercase().as_str()) {
                    Ok(())
                } else {
                    Err(format!("bad logging level name {}", py_repr(value)))
                }
            }
            "umask" => match u32::from_str_radix(value, 8) {
                Ok(_) => Ok(()),
                Err(_) => Err(format!("{value} can not be converted to an octal type")),
            },
            "minfds" | "minprocs" | "logfile_backups" => match value.parse::<i64>() {
                Ok(_) => Ok(()),
                Err(_) => Err(format!(
                    "invalid literal for int() with base 10: {}",
                    py_repr(value)
                )),
            },
            _ => Ok(()),
        }
    }

    fn check_with_values(args: &[&str], expected: Result<Invocation, &str>) {
        let actual = parse_args_with_checks(&strings(args), &supervisor_like_check);
        let expected = expected.map_err(str::to_string);
        assert_eq!(actual, expected, "arguments {args:?}");
    }

    #[test]
    fn no_arguments_run_with_nothing_set() {
        check(&[], run(CommandLine::default()));
    }

    #[test]
    fn every_valued_option_short_and_long() {
        type Getter = fn(&CommandLine) -> &Option<String>;
        let table: &[(&str, Option<&str>, Getter)] = &[
            ("configuration", Some("-c"), |c| &c.configuration),
            ("user", Some("-u"), |c| &c.user),
            ("umask", Some("-m"), |c| &c.umask),
            ("directory", Some("-d"), |c| &c.directory),
            ("logfile", Some("-l"), |c| &c.logfile),
            ("logfile_maxbytes", Some("-y"), |c| &c.logfile_maxbytes),
            ("logfile_backups", Some("-z"), |c| &c.logfile_backups),
            ("loglevel", Some("-e"), |c| &c.loglevel),
            ("pidfile", Some("-j"), |c| &c.pidfile),
            ("identifier", Some("-i"), |c| &c.identifier),
            ("childlogdir", Some("-q"), |c| &c.childlogdir),
            ("minfds", Some("-a"), |c| &c.minfds),
            ("minprocs", None, |c| &c.minprocs),
            ("profile_options", None, |c| &c.profile_options),
        ];
        for (long, short, getter) in table {
            let long_flag = format!("--{long}");
            let long_equals = format!("--{long}=the value");
            let mut spellings: Vec<Vec<String>> = vec![
                strings(&[&long_flag, "the value"]),
                strings(&[&long_equals]),
            ];
            if let Some(short) = short {
                spellings.push(strings(&[short, "the value"]));
                spellings.push(strings(&[&format!("{short}the value")]));
            }
            for args in spellings {
                let Ok(Invocation::Run(command_line)) = parse_args(&args) else {
                    panic!("{args:?} did not parse to Run");
                };
                assert_eq!(
                    getter(&command_line).as_deref(),
                    Some("the value"),
                    "{args:?}"
                );
                // Exactly one setting changed.
                let mut only_that = CommandLine::default();
                *valued_field(&mut only_that, long) = Some("the value".to_string());
                assert_eq!(command_line, only_that, "{args:?}");
            }
        }
    }

    #[test]
    fn every_flag_short_and_long() {
        let table: &[(&str, Option<&str>)] = &[
            ("nodaemon", Some("-n")),
            ("silent", Some("-s")),
            ("nocleanup", Some("-k")),
            ("strip_ansi", Some("-t")),
            ("check-config", None),
        ];
        for (long, short) in table {
            let field = long.replace('-', "_");
            let mut expected = CommandLine::default();
            *flag_field(&mut expected, &field) = true;
            check(&[&format!("--{long}")], run(expected.clone()));
            if let Some(short) = short {
                check(&[short], run(expected.clone()));
            }
        }
    }

    #[test]
    fn help_and_version() {
        for args in [&["-h"][..], &["-?"], &["--help"], &["--he"], &["--h"]] {
            check(args, Ok(Invocation::Help));
        }
        for args in [&["-v"][..], &["--version"], &["--v"], &["--vers"]] {
            check(args, Ok(Invocation::Version));
        }
        // The first of them wins, as each exits when Supervisor reaches it.
        check(&["-v", "-h"], Ok(Invocation::Version));
        check(&["-h", "-v"], Ok(Invocation::Help));
        check(&["-h", "-c", "a", "-c", "b"], Ok(Invocation::Help));
        check(&["-n", "--check-config", "-?"], Ok(Invocation::Help));
    }

    #[test]
    fn short_clusters_and_attached_values() {
        check(
            &["-nc", "foo.conf"],
            run(CommandLine {
                nodaemon: true,
                configuration: Some("foo.conf".into()),
                ..CommandLine::default()
            }),
        );
        check(
            &["-nkts"],
            run(CommandLine {
                nodaemon: true,
                nocleanup: true,
                strip_ansi: true,
                silent: true,
                ..CommandLine::default()
            }),
        );
        // A valued option takes the rest of the cluster, letters included.
        check(
            &["-cnk"],
            run(CommandLine {
                configuration: Some("nk".into()),
                ..CommandLine::default()
            }),
        );
        // The next argument is the value even when it looks like an option.
        check(
            &["-c", "-n"],
            run(CommandLine {
                configuration: Some("-n".into()),
                ..CommandLine::default()
            }),
        );
        check(
            &["--configuration", "--bogus"],
            run(CommandLine {
                configuration: Some("--bogus".into()),
                ..CommandLine::default()
            }),
        );
    }

    #[test]
    fn empty_values_are_kept() {
        for args in [&["-c", ""][..], &["--configuration="], &["--conf="]] {
            check(
                args,
                run(CommandLine {
                    configuration: Some(String::new()),
                    ..CommandLine::default()
                }),
            );
        }
        // An empty value still counts as given.
        check(
            &["-c", "", "-c", "x"],
            Err("conflicting command line option '-c'"),
        );
        check(
            &["-i", "", "-i", "x"],
            Err("conflicting command line option '-i'"),
        );
    }

    #[test]
    fn unambiguous_prefixes_are_accepted() {
        let table: &[(&str, &str)] = &[
            ("--conf", "configuration"),
            ("--us", "user"),
            ("--um", "umask"),
            ("--d", "directory"),
            ("--logfile", "logfile"),
            ("--logfile_m", "logfile_maxbytes"),
            ("--logfile_b", "logfile_backups"),
            ("--logl", "loglevel"),
            ("--pi", "pidfile"),
            ("--i", "identifier"),
            ("--ch", "childlogdir"),
            ("--minf", "minfds"),
            ("--minp", "minprocs"),
            ("--pr", "profile_options"),
        ];
        for (typed, field) in table {
            let mut expected = CommandLine::default();
            *valued_field(&mut expected, field) = Some("x".into());
            check(&[typed, "x"], run(expected.clone()));
            check(&[&format!("{typed}=x")], run(expected));
        }
        let flags: &[(&str, &str)] = &[
            ("--nod", "nodaemon"),
            ("--noc", "nocleanup"),
            ("--si", "silent"),
            ("--st", "strip_ansi"),
        ];
        for (typed, field) in flags {
            let mut expected = CommandLine::default();
            *flag_field(&mut expected, field) = true;
            check(&[typed], run(expected));
        }
    }

    #[test]
    fn option_list_ends_at_double_dash() {
        check(
            &["-n", "--"],
            run(CommandLine {
                nodaemon: true,
                ..CommandLine::default()
            }),
        );
    }

    /// Expected texts produced by the real supervisord 4.3.0 with the same arguments.
    #[test]
    fn errors_match_supervisor() {
        let table: &[(&[&str], &str)] = &[
            (&["--bogus"], "option --bogus not recognized"),
            (&["-x"], "option -x not recognized"),
            (&["-C", "x"], "option -C not recognized"),
            (&["--HELP"], "option --HELP not recognized"),
            (&["---"], "option --- not recognized"),
            (&["-:"], "option -: not recognized"),
            (&["-é"], "option -é not recognized"),
            (&["--élan"], "option --élan not recognized"),
            (&["--y"], "option --y not recognized"),
            (&["-c"], "option -c requires argument"),
            (&["-a"], "option -a requires argument"),
            (&["-e"], "option -e requires argument"),
            (&["-nc"], "option -c requires argument"),
            (
                &["--configuration"],
                "option --configuration requires argument",
            ),
            (&["--conf"], "option --configuration requires argument"),
            (&["--logfile"], "option --logfile requires argument"),
            (&["--minprocs"], "option --minprocs requires argument"),
            (
                &["--profile_options"],
                "option --profile_options requires argument",
            ),
            (&["--minf"], "option --minfds requires argument"),
            (&["--us"], "option --user requires argument"),
            (&["--ch"], "option --childlogdir requires argument"),
            (&["--c"], "option --c not a unique prefix"),
            (&["--l"], "option --l not a unique prefix"),
            (&["--log"], "option --log not a unique prefix"),
            (&["--logf"], "option --logf not a unique prefix"),
            (&["--m"], "option --m not a unique prefix"),
            (&["--mi"], "option --mi not a unique prefix"),
            (&["--min"], "option --min not a unique prefix"),
            (&["--n=1"], "option --n not a unique prefix"),
            (&["--no"], "option --no not a unique prefix"),
            (&["--p"], "option --p not a unique prefix"),
            (&["--s"], "option --s not a unique prefix"),
            (&["--u"], "option --u not a unique prefix"),
            (&["--=x"], "option -- not a unique prefix"),
            (&["--="], "option -- not a unique prefix"),
            (
                &["--nodaemon=1"],
                "option --nodaemon must not have an argument",
            ),
            (&["--nod=1"], "option --nodaemon must not have an argument"),
            (
                &["--nodaemon="],
                "option --nodaemon must not have an argument",
            ),
            (&["--help=x"], "option --help must not have an argument"),
            (
                &["--version=x"],
                "option --version must not have an argument",
            ),
            (&["foo"], "positional arguments are not supported: ['foo']"),
            (
                &["foo", "bar"],
                "positional arguments are not supported: ['foo', 'bar']",
            ),
            (
                &["-n", "foo", "-x"],
                "positional arguments are not supported: ['foo', '-x']",
            ),
            (
                &["foo", "--bogus"],
                "positional arguments are not supported: ['foo', '--bogus']",
            ),
            (
                &["foo", "-c", "x"],
                "positional arguments are not supported: ['foo', '-c', 'x']",
            ),
            (&["-"], "positional arguments are not supported: ['-']"),
            (
                &["--", "-n"],
                "positional arguments are not supported: ['-n']",
            ),
            (
                &["--", "--bogus"],
                "positional arguments are not supported: ['--bogus']",
            ),
            (
                &["-n", "--", "-n"],
                "positional arguments are not supported: ['-n']",
            ),
            (
                &["it's"],
                "positional arguments are not supported: [\"it's\"]",
            ),
            (
                &["a\"b'c"],
                "positional arguments are not supported: ['a\"b\\'c']",
            ),
            (&["\t"], "positional arguments are not supported: ['\\t']"),
            (&["é"], "positional arguments are not supported: ['é']"),
            (
                &["-c", "a", "-c", "b"],
                "conflicting command line option '-c'",
            ),
            (
                &["-c", "a", "--configuration=b"],
                "conflicting command line option '--configuration'",
            ),
            (&["-n", "-n"], "conflicting command line option '-n'"),
            (&["-nn"], "conflicting command line option '-n'"),
            (
                &["-n", "--nod"],
                "conflicting command line option '--nodaemon'",
            ),
            (&["-k", "-k"], "conflicting command line option '-k'"),
            (&["-t", "-t"], "conflicting command line option '-t'"),
            (&["-s", "-s"], "conflicting command line option '-s'"),
            (
                &["-e", "DEBUG", "-e", "info"],
                "conflicting command line option '-e'",
            ),
            (
                &["--loglevel=debug", "-e", "info"],
                "conflicting command line option '-e'",
            ),
            // Order: getopt's errors first, then positional arguments, then repeats in command-line order.
            (&["-h", "-c"], "option -c requires argument"),
            (
                &["-h", "foo"],
                "positional arguments are not supported: ['foo']",
            ),
            (&["-n", "-x", "--bogus"], "option -x not recognized"),
            (&["--bogus", "-x"], "option --bogus not recognized"),
            (&["-n", "-n", "--bogus"], "option --bogus not recognized"),
            (
                &["-n", "-n", "foo"],
                "positional arguments are not supported: ['foo']",
            ),
            (
                &["-c", "a", "-c", "b", "foo"],
                "positional arguments are not supported: ['foo']",
            ),
            (
                &["-c", "a", "-c", "b", "-h"],
                "conflicting command line option '-c'",
            ),
        ];
        for (args, message) in table {
            check(args, Err(message));
        }
    }

    #[test]
    fn check_config_is_exact_only_and_leaves_supervisor_prefixes_alone() {
        check(&["--check"], Err("option --check not recognized"));
        check(&["--check-conf"], Err("option --check-conf not recognized"));
        check(
            &["--check-config=yes"],
            Err("option --check-config must not have an argument"),
        );
        check(
            &["--check-config", "--check-config"],
            Err("conflicting command line option '--check-config'"),
        );
        check(
            &["--check-config", "-c", "x"],
            run(CommandLine {
                check_config: true,
                configuration: Some("x".into()),
                ..CommandLine::default()
            }),
        );
    }

    /// Expected texts produced by the real supervisord 4.3.0 with the same arguments.
    #[test]
    fn value_checks_run_in_command_line_order() {
        let table: &[(&[&str], &str)] = &[
            (
                &["-e", "bogus"],
                "invalid value for -e 'bogus': bad logging level name 'bogus'",
            ),
            (
                &["--loglevel=bogus"],
                "invalid value for --loglevel 'bogus': bad logging level name 'bogus'",
            ),
            (
                &["--logl", "bogus"],
                "invalid value for --loglevel 'bogus': bad logging level name 'bogus'",
            ),
            (
                &["-m", "999"],
                "invalid value for -m '999': 999 can not be converted to an octal type",
            ),
            (
                &["-m", ""],
                "invalid value for -m '':  can not be converted to an octal type",
            ),
            (
                &["-a", "xx"],
                "invalid value for -a 'xx': invalid literal for int() with base 10: 'xx'",
            ),
            (
                &["--minprocs=xx"],
                "invalid value for --minprocs 'xx': invalid literal for int() with base 10: 'xx'",
            ),
            (
                &["-e", "bogus", "-n", "-n"],
                "invalid value for -e 'bogus': bad logging level name 'bogus'",
            ),
            (
                &["-n", "-n", "-e", "bogus"],
                "conflicting command line option '-n'",
            ),
            (
                &["-e", "bogus", "-e", "info"],
                "invalid value for -e 'bogus': bad logging level name 'bogus'",
            ),
            (
                &["-e", "info", "-e", "bogus"],
                "invalid value for -e 'bogus': bad logging level name 'bogus'",
            ),
            (
                &["-e", "bogus", "-h"],
                "invalid value for -e 'bogus': bad logging level name 'bogus'",
            ),
        ];
        for (args, message) in table {
            check_with_values(args, Err(message));
        }
        check_with_values(&["-h", "-e", "bogus"], Ok(Invocation::Help));
        check_with_values(
            &["-e", "DEBUG"],
            run(CommandLine {
                loglevel: Some("DEBUG".into()),
                ..CommandLine::default()
            }),
        );
    }

    #[test]
    fn the_checker_sees_every_valued_option_by_name() {
        let seen = std::cell::RefCell::new(Vec::new());
        let record = |name: &str, value: &str| {
            seen.borrow_mut().push(format!("{name}={value}"));
            Ok(())
        };
        let args = strings(&["-c", "a", "-n", "--logfile=b", "-e", "c", "--minp", "d"]);
        assert!(parse_args_with_checks(&args, &record).is_ok());
        assert_eq!(
            seen.into_inner(),
            ["configuration=a", "logfile=b", "loglevel=c", "minprocs=d"]
        );
    }

    #[test]
    fn help_text_is_supervisors_docstring_plus_check_config() {
        let help = render_help("/usr/bin/supervisord");
        assert!(help.starts_with(
            "supervisord -- run a set of applications as daemons.\n\nUsage: /usr/bin/supervisord [options]\n"
        ));
        assert!(help.ends_with(
            "e.g. 'cumulative,callers')\n--check-config -- read and validate the configuration, report errors and exit\n\n"
        ));
        assert!(!help.contains("%s"));
        for option in OPTIONS {
            if let Some(long) = option.long {
                assert!(help.contains(&format!("--{long} ")), "help lacks --{long}");
            }
            if let Some(short) = option.short.filter(|short| *short != '?') {
                assert!(help.contains(&format!("-{short}/")), "help lacks -{short}");
            }
        }
    }

    #[test]
    fn usage_error_format() {
        assert_eq!(
            usage_error("option --bogus not recognized", "bin/supervisord"),
            "Error: option --bogus not recognized\nFor help, use bin/supervisord -h\n"
        );
    }

    #[test]
    fn every_option_maps_to_a_field() {
        for option in OPTIONS {
            let mut command_line = CommandLine::default();
            match option.kind {
                OptionKind::Flag => *flag_field(&mut command_line, option.name) = true,
                OptionKind::Valued => {
                    *valued_field(&mut command_line, option.name) = Some(String::new())
                }
                OptionKind::Help | OptionKind::Version => continue,
            }
            assert_ne!(command_line, CommandLine::default(), "{}", option.name);
        }
    }
}
