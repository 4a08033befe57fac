//! `supervisorctl`'s main: the command line, the config file (read here, parsed by `options.rs`), then one command
//! line (the action given) or the interactive shell. Returns the exit status.
//!
//! Owns: the file IO of the config (existence, reading, the default search paths), usage errors on stderr with
//! exit status 2, and the choice of console. Does not own: any command.

use std::rc::Rc;

use super::controller::{Controller, Raised, ServerSettings};
use super::options::{self, ConfigError, Invocation};
use super::shell;
use super::terminal::{stdin_and_stdout_are_terminals, PlainConsole};
use super::transport::HttpBackend;
use crate::config::cmdline::usage_error;
use crate::config::host::Host;
use crate::config::load::{default_config_candidates, SystemHost};

/// Exit status of a usage error.
const EXIT_USAGE: i32 = 2;

/// Runs supervisorctl with `argv` (program name first) and returns its exit status.
pub fn run(argv: &[String]) -> i32 {
    let argv0 = argv
        .first()
        .cloned()
        .unwrap_or_else(|| "supervisorctl".into());
    let usage = |message: &str| {
        eprint!("{}", usage_error(message, &argv0));
        EXIT_USAGE
    };
    let command_line = match options::parse_args(argv.get(1..).unwrap_or_default()) {
        Ok(Invocation::Help) => {
            print!("{}", options::render_help(&argv0));
            return 0;
        }
        Ok(Invocation::Run(command_line)) => command_line,
        Err(message) => return usage(&message),
    };
    // Without -c, the first default path that exists; none is fine (the defaults apply). `-c ""` reads no file, as
    // Supervisor tests the name for truth before reading it.
    let config_path = match command_line.configuration.clone() {
        Some(path) if path.is_empty() => None,
        Some(path) => Some(path),
        None => default_config_candidates(&argv0)
            .into_iter()
            .find(|candidate| std::path::Path::new(candidate).exists()),
    };
    let host = SystemHost::new();
    let file_settings = match config_path {
        None => None,
        Some(path) => {
            if !std::path::Path::new(&path).exists() {
                return usage(&format!("could not find config file {path}"));
            }
            let Ok(bytes) = std::fs::read(&path) else {
                return usage(&format!("could not read config file {path}"));
            };
            let text = String::from_utf8_lossy(&bytes);
            match options::parse_config(&text, &path, host.environ(), &host.cwd(), &host) {
                Ok(spec) => Some(spec),
                Err(ConfigError::Usage(message)) => return usage(&message),
                Err(ConfigError::Unreadable(message)) => {
                    eprintln!("{message}");
                    return 1;
                }
            }
        }
    };
    let settings = options::merge(command_line, file_settings);
    let backend = match HttpBackend::new() {
        Ok(backend) => Rc::new(backend),
        Err(error) => {
            eprintln!("error: cannot start the client runtime: {error}");
            return 1;
        }
    };
    let server = ServerSettings {
        serverurl: settings.serverurl.clone(),
        username: settings.username.clone(),
        password: settings.password.clone(),
    };
    if !settings.args.is_empty() {
        let mut controller = Controller::new(server, settings.interactive, backend, PlainConsole);
        return match controller.onecmd(&settings.args.join(" ")) {
            Ok(_) => controller.exitstatus,
            // Python dies of an uncaught KeyboardInterrupt; 130 is what a shell shows for that.
            Err(Raised::Interrupt) => 130,
            Err(Raised::Exception(_)) => unreachable!("onecmd reports exceptions itself"),
        };
    }
    shell::run(
        server,
        &settings.prompt,
        settings.history_file.as_deref(),
        stdin_and_stdout_are_terminals(),
        backend,
    )
}
