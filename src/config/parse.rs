//! Config text to [`DesiredState`]: Supervisor 4.3.0's `ServerOptions.read_config` and the section parsers it
//! calls, rebuilt as a pure function.
//!
//! It owns the order in which options are read and expanded (which decides which `%(name)s` each option may
//! use), the `[include]` rules, group building and every diagnostic. It does no IO of its own: file contents and
//! globs come through [`FileSource`], machine facts through [`Host`]. Unlike Supervisor, which stops at the first
//! error, it collects every error it can find, each with file, line, section, key and value.

use std::collections::{BTreeMap, BTreeSet};

use super::datatypes::{self, LogFileValue};
use super::expand::{self, ExpandValue, Names};
use super::host::{abspath, dirname, expand_user, normpath, Host};
use super::ini::{Ini, IniEntry};
use super::shlex;
use super::spec::*;

/// Where config text comes from. `load.rs` implements it on the real file system.
pub trait FileSource {
    /// The main config file. Err carries Supervisor's message (`could not find config file X`, ...).
    fn read_main(&self, path: &str) -> Result<String, String>;
    /// An included file. `None` when it cannot be read: Supervisor skips those silently.
    fn read_included(&self, path: &str) -> Option<Result<String, String>>;
    /// Python's `glob.glob(pattern)`, unsorted.
    fn glob(&self, pattern: &str) -> Vec<String>;
}

/// One problem in the config, located as precisely as the reader knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: Option<String>,
    pub line: Option<usize>,
    pub section: Option<String>,
    pub key: Option<String>,
    /// Supervisor's words where it has them (without its ` in section ... (file: ...)` suffix).
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            _ => {}
        }
        if let Some(section) = &self.section {
            write!(f, "[{section}] ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A successfully parsed config: the desired state plus the messages Supervisor would log once the main log opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub desired: DesiredState,
    /// In the order Supervisor flushes them: criticals, then warnings, then infos.
    pub messages: Vec<(LogLevel, String)>,
}

/// The factory of the built-in XML-RPC interface; any other factory is a Python plugin we cannot load.
pub const BUILTIN_RPC_FACTORY: &str = "supervisor.rpcinterface:make_main_rpcinterface";
/// The event-listener result handler we implement; others are Python code we cannot load.
pub const BUILTIN_RESULT_HANDLER: &str = "supervisor.dispatchers:default_handler";

/// Every event type name `events=` accepts.
pub const EVENT_TYPES: &[&str] = &[
    "EVENT",
    "PROCESS_STATE",
    "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_EXITED",
    "PROCESS_STATE_STARTING",
    "PROCESS_STATE_STOPPING",
    "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_FATAL",
    "PROCESS_STATE_RUNNING",
    "PROCESS_STATE_UNKNOWN",
    "PROCESS_COMMUNICATION",
    "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_COMMUNICATION_STDERR",
    "PROCESS_LOG",
    "PROCESS_LOG_STDOUT",
    "PROCESS_LOG_STDERR",
    "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING",
    "TICK",
    "TICK_5",
    "TICK_60",
    "TICK_3600",
    "PROCESS_GROUP",
    "PROCESS_GROUP_ADDED",
    "PROCESS_GROUP_REMOVED",
];

/// A file that was read, as the parser refers to it.
#[derive(Debug, Clone)]
struct FileInfo {
    /// The name Supervisor uses in messages: the `-c` path as typed, or the glob result for includes.
    name: String,
    /// `%(here)s` for lines of this file.
    here: String,
}

/// Parses the config at `config_path` (as the user gave it) and everything it includes.
pub fn parse_config(
    config_path: &str,
    host: &dyn Host,
    source: &dyn FileSource,
) -> Result<Loaded, Vec<Diagnostic>> {
    let mut parser = Parser::new(config_path, host);
    parser.read_files(source)?;
    parser.build()
}

struct Parser<'a> {
    host: &'a dyn Host,
    config_path: String,
    /// `abspath(dirname(config_path))`.
    here: String,
    ini: Ini,
    files: Vec<FileInfo>,
    /// The main file's absolute path, then every `[include]` pattern as joined.
    watched_paths: Vec<String>,
    /// Whether the main file has `[include]`, which switches `%(here)s` to textual, per-file replacement.
    has_include: bool,
    /// `ENV_*` names: the OS environment, then `[supervisord] environment` keys.
    env_names: Names,
    diagnostics: Vec<Diagnostic>,
    criticals: Vec<String>,
    warnings: Vec<String>,
    infos: Vec<String>,
}

/// A value read from a section, with where it came from.
struct Found<'e> {
    value: String,
    entry: &'e IniEntry,
}

impl<'a> Parser<'a> {
    fn new(config_path: &str, host: &'a dyn Host) -> Self {
        let here = abspath(&dirname(config_path), &host.cwd());
        let env_names = host
            .environ()
            .iter()
            .map(|(key, value)| (format!("ENV_{key}"), ExpandValue::Str(value.clone())))
            .collect();
        Parser {
            host,
            config_path: config_path.to_string(),
            here,
            ini: Ini::new(),
            files: Vec::new(),
            watched_paths: vec![abspath(config_path, &host.cwd())],
            has_include: false,
            env_names,
            diagnostics: Vec::new(),
            criticals: Vec::new(),
            warnings: Vec::new(),
            infos: Vec::new(),
        }
    }

    // ----- reading -----

    fn read_files(&mut self, source: &dyn FileSource) -> Result<(), Vec<Diagnostic>> {
        let text = source.read_main(&self.config_path).map_err(|message| {
            vec![Diagnostic {
                file: None,
                line: None,
                section: None,
                key: None,
                message,
            }]
        })?;
        self.files.push(FileInfo {
            name: self.config_path.clone(),
            here: self.here.clone(),
        });
        let mut parse_errors = Vec::new();
        if let Err(error) = self.ini.read(&text, 0) {
            parse_errors.push(Diagnostic {
                file: Some(self.config_path.clone()),
                line: error_line(&error),
                section: None,
                key: None,
                message: error.render(&self.config_path),
            });
            // A main file that does not parse has no trustworthy [include]; report it alone.
            return Err(parse_errors);
        }
        self.has_include = self.ini.has_section("include");
        if !self.has_include {
            return Ok(());
        }
        let Some(files_entry) = self.ini.get("include", "files").cloned() else {
            let line = self.ini.section("include").map(|section| section.line);
            return Err(vec![Diagnostic {
                file: Some(self.config_path.clone()),
                line,
                section: Some("include".into()),
                key: None,
                message: ".ini file has [include] section, but no files setting".into(),
            }]);
        };
        // `[include] files` may use here (already replaced textually), host_node_name and the OS ENV_* names.
        let raw = files_entry.value.replace("%(here)s", &self.here);
        let mut names = self.env_names.clone();
        names.insert("here".into(), ExpandValue::Str(self.here.clone()));
        names.insert(
            "host_node_name".into(),
            ExpandValue::Str(self.host.node_name()),
        );
        let patterns = match expand::expand(&raw, &names, "include.files") {
            Ok(value) => value,
            Err(message) => {
                return Err(vec![self.entry_diagnostic(
                    &files_entry,
                    "include",
                    message,
                )]);
            }
        };
        // Patterns are joined to the directory of the main file (absolute patterns stay as they are).
        let base = dirname(&abspath(&self.config_path, &self.host.cwd()));
        for pattern in patterns.split_whitespace() {
            let joined = if pattern.starts_with('/') {
                pattern.to_string()
            } else {
                format!("{base}/{pattern}")
            };
            let mut matches = source.glob(&joined);
            if matches.is_empty() {
                self.warnings
                    .push(format!("No file matches via include \"{joined}\""));
                continue;
            }
            matches.sort();
            for filename in matches {
                self.infos
                    .push(format!("Included extra file \"{filename}\" during parsing"));
                let Some(read) = source.read_included(&filename) else {
                    continue;
                };
                let text = match read {
                    Ok(text) => text,
                    Err(message) => {
                        parse_errors.push(Diagnostic {
                            file: Some(filename.clone()),
                            line: None,
                            section: None,
                            key: None,
                            message,
                        });
                        continue;
                    }
                };
                let file_id = self.files.len();
                let here = abspath(&dirname(&filename), &self.host.cwd());
                self.files.push(FileInfo {
                    name: filename.clone(),
                    here,
                });
                if let Err(error) = self.ini.read(&text, file_id) {
                    parse_errors.push(Diagnostic {
                        file: Some(filename.clone()),
                        line: error_line(&error),
                        section: None,
                        key: None,
                        message: error.render(&filename),
                    });
                }
            }
        }
        if parse_errors.is_empty() {
            Ok(())
        } else {
            Err(parse_errors)
        }
    }

    // ----- looking values up -----

    /// The raw value of `key` in `section` (or `[DEFAULT]`), with `%(here)s` replaced textually the way
    /// Supervisor's `expand_here` does when the main file has `[include]`.
    fn raw(&self, section: &str, key: &str) -> Option<Found<'_>> {
        let entry = self.ini.get(section, key)?;
        let mut value = entry.value.clone();
        if self.has_include && value.contains("%(here)s") {
            value = value.replace("%(here)s", &self.here_of(section, entry));
        }
        Some(Found { value, entry })
    }

    /// The directory `%(here)s` means for an entry: its own file's, or for a `[DEFAULT]` value the later of the
    /// DEFAULT line's file and the file that first defined the section (when `expand_here` first saw the pair).
    fn here_of(&self, section: &str, entry: &IniEntry) -> String {
        let own = self
            .ini
            .section(section)
            .is_some_and(|s| s.entries.iter().any(|e| std::ptr::eq(e, entry)));
        let file = if own {
            entry.file
        } else {
            let section_file = self.ini.section(section).map(|s| s.file).unwrap_or(0);
            entry.file.max(section_file)
        };
        self.files[file].here.clone()
    }

    fn file_name(&self, file: usize) -> String {
        self.files[file].name.clone()
    }

    fn entry_diagnostic(&self, entry: &IniEntry, section: &str, message: String) -> Diagnostic {
        Diagnostic {
            file: Some(self.file_name(entry.file)),
            line: Some(entry.line),
            section: Some(section.to_string()),
            key: Some(entry.key.clone()),
            message,
        }
    }

    fn section_diagnostic(&self, section: &str, message: String) -> Diagnostic {
        let (file, line) = match self.ini.section(section) {
            Some(found) => (Some(self.file_name(found.file)), Some(found.line)),
            None => (Some(self.config_path.clone()), None),
        };
        Diagnostic {
            file,
            line,
            section: Some(section.to_string()),
            key: None,
            message,
        }
    }

    fn error_at(&mut self, section: &str, key: &str, message: String) {
        let diagnostic = match self.ini.get(section, key) {
            Some(entry) => self.entry_diagnostic(entry, section, message),
            None => self.section_diagnostic(section, message),
        };
        self.diagnostics.push(diagnostic);
    }

    /// Supervisor's `saneget`: the value (expanded against ENV_* plus `names`), or `None` when absent.
    /// An expansion error is recorded and reads as absent.
    fn get(&mut self, section: &str, key: &str, names: &Names) -> Option<String> {
        let found = self.raw(section, key)?;
        let mut all = self.env_names.clone();
        all.extend(names.iter().map(|(k, v)| (k.clone(), v.clone())));
        match expand::expand(&found.value, &all, &format!("{section}.{key}")) {
            Ok(value) => Some(value),
            Err(message) => {
                let diagnostic = self.entry_diagnostic(found.entry, section, message);
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    /// The raw value with no expansion (`do_expand=False`).
    fn get_raw(&self, section: &str, key: &str) -> Option<String> {
        self.raw(section, key).map(|found| found.value)
    }

    /// Reads and converts a value; on a conversion error records it and returns `default`.
    fn typed<T>(
        &mut self,
        section: &str,
        key: &str,
        names: &Names,
        default: T,
        convert: impl FnOnce(&str) -> Result<T, String>,
    ) -> T {
        match self.get(section, key, names) {
            Some(value) => match convert(&value) {
                Ok(converted) => converted,
                Err(message) => {
                    self.error_at(section, key, message);
                    default
                }
            },
            None => default,
        }
    }

    fn here_names(&self) -> Names {
        let mut names = Names::new();
        names.insert("here".into(), ExpandValue::Str(self.here.clone()));
        names
    }

    // ----- building -----

    fn build(mut self) -> Result<Loaded, Vec<Diagnostic>> {
        let section_names: Vec<String> =
            self.ini.sections().iter().map(|s| s.name.clone()).collect();
        if !section_names.iter().any(|name| name == "supervisord") {
            self.diagnostics.push(Diagnostic {
                file: Some(self.config_path.clone()),
                line: None,
                section: None,
                key: None,
                message: ".ini file does not include supervisord section".into(),
            });
        }
        let supervisord = self.supervisord_section();
        let rpcinterfaces = self.plugins(
            &section_names,
            "rpcinterface:",
            "supervisor.rpcinterface_factory",
        );
        let groups = self.groups(&section_names, &supervisord);
        let (inet_http_servers, unix_http_servers) = self.servers(&section_names);
        let ctlplugins = self.plugins(&section_names, "ctlplugin:", "supervisor.ctl_factory");
        let supervisorctl = self.ctl_section();

        if !self.diagnostics.is_empty() {
            // A value read twice (a program's priority, a program listed in two groups) fails twice; say it once.
            let mut seen = Vec::new();
            self.diagnostics.retain(|diagnostic| {
                let fresh = !seen.contains(diagnostic);
                if fresh {
                    seen.push(diagnostic.clone());
                }
                fresh
            });
            return Err(self.diagnostics);
        }
        let files_read = self.files.iter().map(|file| file.name.clone()).collect();
        let watched_paths = std::mem::take(&mut self.watched_paths);
        let desired = DesiredState {
            server: ServerSpec {
                supervisord,
                unix_http_servers,
                inet_http_servers,
                rpcinterfaces,
                ctlplugins,
                supervisorctl,
                files_read,
                watched_paths,
            },
            groups,
        };
        let mut messages = Vec::new();
        messages.extend(self.criticals.into_iter().map(|m| (LogLevel::Critical, m)));
        messages.extend(self.warnings.into_iter().map(|m| (LogLevel::Warn, m)));
        messages.extend(self.infos.into_iter().map(|m| (LogLevel::Info, m)));
        Ok(Loaded { desired, messages })
    }

    fn supervisord_section(&mut self) -> SupervisordSpec {
        const S: &str = "supervisord";
        let host = self.host;
        let names = self.here_names();
        let defaults = SupervisordSpec::default();
        let minfds = self.typed(S, "minfds", &names, defaults.minfds, datatypes::integer);
        let minprocs = self.typed(S, "minprocs", &names, defaults.minprocs, datatypes::integer);
        let directory = self.typed(S, "directory", &names, None, |value| {
            datatypes::existing_directory(value, host).map(Some)
        });
        let user = self.typed(S, "user", &names, None, |value| {
            datatypes::user(value, host).map(Some)
        });
        let umask = self.typed(S, "umask", &names, defaults.umask, datatypes::octal);
        let cwd = host.cwd();
        let logfile_default = "supervisord.log".to_string();
        let logfile_value = self.get(S, "logfile", &names).unwrap_or(logfile_default);
        let logfile = match datatypes::existing_dirpath(&logfile_value, host) {
            // Only the exact lower-case `syslog` means syslog; anything else is a path made absolute.
            Ok(path) if path == "syslog" => MainLogTarget::Syslog,
            Ok(path) => MainLogTarget::File(normalize_path(&path, &cwd, host)),
            Err(message) => {
                self.error_at(S, "logfile", message);
                defaults.logfile.clone()
            }
        };
        let logfile_maxbytes = self.typed(
            S,
            "logfile_maxbytes",
            &names,
            defaults.logfile_maxbytes,
            datatypes::byte_size,
        );
        let logfile_backups = self.typed(
            S,
            "logfile_backups",
            &names,
            defaults.logfile_backups,
            datatypes::integer,
        );
        let loglevel = self.typed(
            S,
            "loglevel",
            &names,
            defaults.loglevel,
            datatypes::log_level,
        );
        let pidfile_value = self
            .get(S, "pidfile", &names)
            .unwrap_or_else(|| "supervisord.pid".into());
        let pidfile = match datatypes::existing_dirpath(&pidfile_value, host) {
            Ok(path) => normalize_path(&path, &cwd, host),
            Err(message) => {
                self.error_at(S, "pidfile", message);
                normalize_path(&defaults.pidfile, &cwd, host)
            }
        };
        let identifier = self
            .get(S, "identifier", &names)
            .unwrap_or(defaults.identifier.clone());
        let nodaemon = self.typed(S, "nodaemon", &names, false, datatypes::boolean);
        let silent = self.typed(S, "silent", &names, false, datatypes::boolean);
        let tempdir = host.tempdir();
        let childlogdir_value = self
            .get(S, "childlogdir", &names)
            .unwrap_or(tempdir.clone());
        let childlogdir = match datatypes::existing_directory(&childlogdir_value, host) {
            Ok(directory) => directory,
            Err(message) => {
                self.error_at(S, "childlogdir", message);
                tempdir
            }
        };
        let nocleanup = self.typed(S, "nocleanup", &names, false, datatypes::boolean);
        let strip_ansi = self.typed(S, "strip_ansi", &names, false, datatypes::boolean);
        let environment = self.supervisord_environment();
        for (key, value) in &environment {
            self.env_names
                .insert(format!("ENV_{key}"), ExpandValue::Str(value.clone()));
        }
        let config_watch =
            self.typed(
                S,
                "config_watch",
                &names,
                ConfigWatch::Report,
                |value| match value.trim().to_ascii_lowercase().as_str() {
                    "off" => Ok(ConfigWatch::Off),
                    "report" => Ok(ConfigWatch::Report),
                    "apply" => Ok(ConfigWatch::Apply),
                    _ => Err(format!(
                        "invalid 'config_watch' value {}: expected off, report or apply",
                        super::pyrepr::py_repr(value)
                    )),
                },
            );
        SupervisordSpec {
            logfile,
            logfile_maxbytes,
            logfile_backups,
            loglevel,
            pidfile,
            umask,
            nodaemon,
            silent,
            minfds,
            minprocs,
            nocleanup,
            childlogdir,
            user,
            directory,
            strip_ansi,
            environment,
            identifier,
            config_watch,
        }
    }

    /// `[supervisord] environment`: expanded twice in 4.3.0 (once by saneget, once explicitly), then parsed.
    fn supervisord_environment(&mut self) -> BTreeMap<String, String> {
        const S: &str = "supervisord";
        let names = self.here_names();
        let Some(first) = self.get(S, "environment", &names) else {
            return BTreeMap::new();
        };
        let mut second_names = self.env_names.clone();
        second_names.insert("here".into(), ExpandValue::Str(self.here.clone()));
        second_names.insert(
            "host_node_name".into(),
            ExpandValue::Str(self.host.node_name()),
        );
        let expanded = match expand::expand(&first, &second_names, "environment") {
            Ok(value) => value,
            Err(message) => {
                self.error_at(S, "environment", message);
                return BTreeMap::new();
            }
        };
        match shlex::parse_environment(&expanded) {
            Ok(pairs) => pairs.into_iter().collect(),
            Err(message) => {
                self.error_at(S, "environment", message);
                BTreeMap::new()
            }
        }
    }

    fn plugins(&mut self, sections: &[String], prefix: &str, factory_key: &str) -> Vec<PluginSpec> {
        let mut plugins = Vec::new();
        for section in sections.iter().filter(|s| s.starts_with(prefix)) {
            let name = section[prefix.len()..].to_string();
            let no_names = Names::new();
            let Some(factory) = self.get(section, factory_key, &no_names) else {
                if self.raw(section, factory_key).is_none() {
                    let message = format!("section [{section}] does not specify a {factory_key}");
                    self.diagnostics
                        .push(self.section_diagnostic(section, message));
                }
                continue;
            };
            let keys: Vec<String> = self
                .ini
                .items(section)
                .iter()
                .map(|entry| entry.key.clone())
                .collect();
            let mut options = BTreeMap::new();
            for key in keys.into_iter().filter(|key| key != factory_key) {
                if let Some(value) = self.get(section, &key, &no_names) {
                    options.insert(key, value);
                }
            }
            let builtin = factory == BUILTIN_RPC_FACTORY && prefix == "rpcinterface:";
            if !builtin {
                self.warnings.push(format!(
                    "[{section}] names the Python plugin factory {factory}, which supervisor-rs cannot load; \
                     the section is ignored"
                ));
            }
            plugins.push(PluginSpec {
                name,
                factory,
                options,
                builtin,
            });
        }
        plugins
    }

    fn groups(
        &mut self,
        sections: &[String],
        supervisord: &SupervisordSpec,
    ) -> BTreeMap<String, GroupSpec> {
        let mut built: Vec<GroupSpec> = Vec::new();
        let mut homogeneous_exclude: BTreeSet<String> = BTreeSet::new();
        let here_names = self.here_names();

        for section in sections.iter().filter(|s| s.starts_with("group:")) {
            let Some(group_name) = self.checked_name(section) else {
                continue;
            };
            let programs = self
                .get(section, "programs", &here_names)
                .map(|v| datatypes::list_of_strings(&v));
            let programs = programs.unwrap_or_default();
            let priority = self.typed(section, "priority", &here_names, 999, datatypes::integer);
            let mut processes = Vec::new();
            // Supervisor names the previously resolved member's section in its "unknown program" message (its
            // loop reuses the variable); the words are kept, our location prefix names the group.
            let mut message_section = section.clone();
            for program in &programs {
                let program_section = format!("program:{program}");
                let fcgi_section = format!("fcgi-program:{program}");
                let has_program = sections.contains(&program_section);
                let has_fcgi = sections.contains(&fcgi_section);
                if !has_program && !has_fcgi {
                    let message = format!(
                        "[{message_section}] names unknown program or fcgi-program {program}"
                    );
                    self.error_at(section, "programs", message);
                    continue;
                }
                if has_program && has_fcgi {
                    self.error_at(
                        section,
                        "programs",
                        format!("[{section}] name {program} is ambiguous (exists as program and fcgi-program)"),
                    );
                    continue;
                }
                let member = if has_program {
                    program_section
                } else {
                    fcgi_section
                };
                message_section = member.clone();
                homogeneous_exclude.insert(member.clone());
                // An fcgi-program listed in a group becomes a plain program: its socket is ignored.
                processes.extend(self.processes_from_section(&member, &group_name, supervisord));
            }
            let origin = self.section_origin(section);
            built.push(GroupSpec {
                name: group_name,
                kind: GroupKind::Heterogeneous { programs },
                priority,
                processes,
                origin,
            });
        }

        for section in sections
            .iter()
            .filter(|s| s.starts_with("program:") && !homogeneous_exclude.contains(*s))
        {
            let Some(program_name) = self.checked_name(section) else {
                continue;
            };
            let priority = self.typed(section, "priority", &here_names, 999, datatypes::integer);
            let processes = self.processes_from_section(section, &program_name, supervisord);
            let origin = self.section_origin(section);
            built.push(GroupSpec {
                name: program_name,
                kind: GroupKind::Program,
                priority,
                processes,
                origin,
            });
        }

        for section in sections.iter().filter(|s| s.starts_with("eventlistener:")) {
            // The pool name itself is not validated here; the process parser rejects bad names.
            let pool_name = section["eventlistener:".len()..].to_string();
            let priority = self.typed(section, "priority", &here_names, -1, datatypes::integer);
            let buffer_size =
                self.typed(section, "buffer_size", &here_names, 10, datatypes::integer);
            if buffer_size < 1 {
                self.error_at(
                    section,
                    "buffer_size",
                    format!("[{section}] section sets invalid buffer_size ({buffer_size})"),
                );
            }
            let result_handler = self
                .get(section, "result_handler", &here_names)
                .unwrap_or_else(|| BUILTIN_RESULT_HANDLER.to_string());
            if result_handler != BUILTIN_RESULT_HANDLER {
                self.error_at(
                    section,
                    "result_handler",
                    format!("{result_handler} cannot be resolved within [{section}]"),
                );
            }
            let mut events: Vec<String> = Vec::new();
            let events_value = self.get(section, "events", &here_names).unwrap_or_default();
            for name in datatypes::list_of_strings(&events_value) {
                let upper = name.to_uppercase();
                if !events.contains(&upper) {
                    events.push(upper);
                }
            }
            if events.is_empty() {
                self.error_at(
                    section,
                    "events",
                    format!("[{section}] section requires an \"events\" line"),
                );
            }
            for event in &events {
                if !EVENT_TYPES.contains(&event.as_str()) {
                    self.error_at(
                        section,
                        "events",
                        format!("Unknown event type {event} in [{section}] events"),
                    );
                }
            }
            let redirect_stderr = self.typed(
                section,
                "redirect_stderr",
                &here_names,
                false,
                datatypes::boolean,
            );
            if redirect_stderr {
                self.error_at(
                    section,
                    "redirect_stderr",
                    format!(
                        "[{section}] section sets redirect_stderr=true but this is not allowed because it will \
                         interfere with the eventlistener protocol"
                    ),
                );
            }
            let processes = self.processes_from_section(section, &pool_name, supervisord);
            let origin = self.section_origin(section);
            built.push(GroupSpec {
                name: pool_name,
                kind: GroupKind::EventListenerPool(EventListenerPoolSpec {
                    events,
                    buffer_size,
                    result_handler,
                }),
                priority,
                processes,
                origin,
            });
        }

        for section in sections
            .iter()
            .filter(|s| s.starts_with("fcgi-program:") && !homogeneous_exclude.contains(*s))
        {
            let Some(program_name) = self.checked_name(section) else {
                continue;
            };
            if let Some(group) = self.fcgi_group(section, &program_name, supervisord) {
                built.push(group);
            }
        }

        // Supervisor sorts groups by (priority, name) with a stable sort; of two groups with one name only the
        // first in that order is ever added.
        built.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        let mut groups = BTreeMap::new();
        for group in built {
            if groups.contains_key(&group.name) {
                self.warnings.push(format!(
                    "group name {} is defined more than once; {} is ignored",
                    super::pyrepr::py_repr(&group.name),
                    group.origin
                ));
                continue;
            }
            groups.insert(group.name.clone(), group);
        }
        groups
    }

    fn fcgi_group(
        &mut self,
        section: &str,
        program_name: &str,
        supervisord: &SupervisordSpec,
    ) -> Option<GroupSpec> {
        let here_names = self.here_names();
        let priority = self.typed(section, "priority", &here_names, 999, datatypes::integer);
        let host = self.host;
        let proc_user = self.typed(section, "user", &here_names, None, |value| {
            datatypes::user(value, host).map(Some)
        });
        let socket_backlog = match self.get(section, "socket_backlog", &here_names) {
            Some(value) => match datatypes::integer(&value) {
                Ok(backlog) if (1..=65535).contains(&backlog) => Some(backlog),
                Ok(backlog) => {
                    self.error_at(
                        section,
                        "socket_backlog",
                        format!("Invalid socket_backlog value {backlog}"),
                    );
                    None
                }
                Err(message) => {
                    self.error_at(section, "socket_backlog", message);
                    None
                }
            },
            None => None,
        };
        let socket_owner = match self.get(section, "socket_owner", &here_names) {
            Some(value) => match datatypes::user_group(&value, host) {
                Ok(owner) => Some(owner),
                Err(_) => {
                    self.error_at(
                        section,
                        "socket_owner",
                        format!("Invalid socket_owner value {value}"),
                    );
                    None
                }
            },
            None => None,
        };
        let socket_mode_set = self.raw(section, "socket_mode").is_some();
        let socket_mode = match self.get(section, "socket_mode", &here_names) {
            Some(value) => match datatypes::octal(&value) {
                Ok(mode) => Some(mode),
                Err(_) => {
                    self.error_at(
                        section,
                        "socket_mode",
                        format!("Invalid socket_mode value {value}"),
                    );
                    None
                }
            },
            None => None,
        };
        let mut socket_names = here_names.clone();
        socket_names.insert(
            "program_name".into(),
            ExpandValue::Str(program_name.to_string()),
        );
        let socket = self
            .get(section, "socket", &socket_names)
            .unwrap_or_default();
        if socket.is_empty() {
            self.error_at(
                section,
                "socket",
                format!("[{section}] section requires a \"socket\" line"),
            );
            return None;
        }
        if !socket.starts_with("unix://") && (socket_owner.is_some() || socket_mode_set) {
            let message = format!(
                "socket_owner and socket_mode params should only be used with a Unix domain socket in [{section}] socket"
            );
            self.error_at(section, "socket", message);
            return None;
        }
        let socket_spec = match datatypes::fcgi_socket(&socket) {
            Ok(parsed @ datatypes::FcgiSocket::Unix { .. }) => {
                // Without socket_owner, a socket for a program running as another user is given to that user.
                let owner = socket_owner.or_else(|| {
                    proc_user
                        .as_ref()
                        .filter(|user| user.uid != self.host.uid())
                        .map(|user| (user.uid, i64::from(user.gid)))
                });
                FcgiSocketSpec {
                    socket: parsed.url(),
                    socket_backlog,
                    socket_owner: owner,
                    socket_mode: socket_mode.unwrap_or(0o700),
                }
            }
            Ok(parsed) => FcgiSocketSpec {
                socket: parsed.url(),
                socket_backlog,
                socket_owner: None,
                socket_mode: 0o700,
            },
            Err(message) => {
                self.error_at(
                    section,
                    "socket",
                    format!("{message} in [{section}] socket"),
                );
                return None;
            }
        };
        let processes = self.processes_from_section(section, program_name, supervisord);
        let origin = self.section_origin(section);
        Some(GroupSpec {
            name: program_name.to_string(),
            kind: GroupKind::FastCgi(socket_spec),
            priority,
            processes,
            origin,
        })
    }

    fn section_origin(&self, section: &str) -> Origin {
        match self.ini.section(section) {
            Some(found) => Origin {
                file: self.file_name(found.file),
                line: found.line,
            },
            None => Origin {
                file: self.config_path.clone(),
                line: 0,
            },
        }
    }

    /// The name after the colon of a section header, validated as a process or group name.
    fn checked_name(&mut self, section: &str) -> Option<String> {
        let name = section.split_once(':').map(|(_, name)| name).unwrap_or("");
        match datatypes::process_or_group_name(name) {
            Ok(name) => Some(name),
            Err(message) => {
                self.diagnostics
                    .push(self.section_diagnostic(section, message));
                None
            }
        }
    }

    /// Supervisor's `_processes_from_section`: one [`ProcessSpec`] per `process_num`.
    fn processes_from_section(
        &mut self,
        section: &str,
        group_name: &str,
        supervisord: &SupervisordSpec,
    ) -> Vec<ProcessSpec> {
        let n_errors_before = self.diagnostics.len();
        let program_name = self.checked_name(section);
        let Some(program_name) = program_name else {
            return Vec::new();
        };
        let host = self.host;
        let mut common = self.here_names();
        common.insert(
            "program_name".into(),
            ExpandValue::Str(program_name.clone()),
        );
        common.insert("host_node_name".into(), ExpandValue::Str(host.node_name()));
        common.insert(
            "group_name".into(),
            ExpandValue::Str(group_name.to_string()),
        );

        let priority = self.typed(section, "priority", &common, 999, datatypes::integer);
        let autostart = self.typed(section, "autostart", &common, true, datatypes::boolean);
        let autorestart = self.typed(
            section,
            "autorestart",
            &common,
            AutoRestart::Unexpected,
            datatypes::autorestart,
        );
        let startsecs = self.typed(section, "startsecs", &common, 1, datatypes::integer);
        let startretries = self.typed(section, "startretries", &common, 3, datatypes::integer);
        let stopsignal = self.typed(section, "stopsignal", &common, 15, datatypes::signal_number);
        let stopwaitsecs = self.typed(section, "stopwaitsecs", &common, 10, datatypes::integer);
        let stopasgroup = self.typed(section, "stopasgroup", &common, false, datatypes::boolean);
        let killasgroup = self.typed(
            section,
            "killasgroup",
            &common,
            stopasgroup,
            datatypes::boolean,
        );
        let exitcodes = self.typed(section, "exitcodes", &common, vec![0], datatypes::exitcodes);
        let redirect_stderr = self.typed(
            section,
            "redirect_stderr",
            &common,
            false,
            datatypes::boolean,
        );
        let numprocs = self.typed(section, "numprocs", &common, 1, datatypes::integer);
        let numprocs_start = self.typed(section, "numprocs_start", &common, 0, datatypes::integer);
        let environment_raw = self.get_raw(section, "environment").unwrap_or_default();
        let stdout_capture_maxbytes = self.typed(
            section,
            "stdout_capture_maxbytes",
            &common,
            0,
            datatypes::byte_size,
        );
        let stdout_events_enabled = self.typed(
            section,
            "stdout_events_enabled",
            &common,
            false,
            datatypes::boolean,
        );
        let stderr_capture_maxbytes = self.typed(
            section,
            "stderr_capture_maxbytes",
            &common,
            0,
            datatypes::byte_size,
        );
        let stderr_events_enabled = self.typed(
            section,
            "stderr_events_enabled",
            &common,
            false,
            datatypes::boolean,
        );
        let serverurl = self
            .get(section, "serverurl", &common)
            .filter(|url| !url.trim().eq_ignore_ascii_case("AUTO"));
        let user = self.typed(section, "user", &common, None, |value| {
            datatypes::user(value, host).map(Some)
        });
        let umask = self.typed(section, "umask", &common, None, |value| {
            datatypes::octal(value).map(Some)
        });
        let process_name_raw = self
            .get_raw(section, "process_name")
            .unwrap_or_else(|| "%(program_name)s".into());
        let process_name = match datatypes::process_or_group_name(&process_name_raw) {
            Ok(name) => name,
            Err(message) => {
                self.error_at(section, "process_name", message);
                return Vec::new();
            }
        };
        if numprocs > 1 && !process_name.contains("%(process_num)") {
            self.error_at(
                section,
                "process_name",
                "%(process_num) must be present within process_name when numprocs > 1".into(),
            );
        }
        if stopasgroup && !killasgroup {
            self.error_at(
                section,
                "killasgroup",
                "Cannot set stopasgroup=true and killasgroup=false".into(),
            );
        }
        // Supervisor notices a missing command inside its per-process loop, so numprocs=0 never does.
        if numprocs > 0 && self.raw(section, "command").is_none() {
            self.diagnostics.push(self.section_diagnostic(
                section,
                format!("program section {section} does not specify a command"),
            ));
        }
        if self.diagnostics.len() > n_errors_before {
            return Vec::new();
        }

        let origin = self.section_origin(section);
        let mut processes = Vec::new();
        for process_num in numprocs_start..numprocs_start.saturating_add(numprocs.max(0)) {
            let mut names = common.clone();
            names.insert("process_num".into(), ExpandValue::Int(process_num));
            names.insert("numprocs".into(), ExpandValue::Int(numprocs));
            names.extend(self.env_names.iter().map(|(k, v)| (k.clone(), v.clone())));
            let n_errors = self.diagnostics.len();

            let environment = match expand::expand(&environment_raw, &names, "environment") {
                Ok(expanded) => match shlex::parse_environment(&expanded) {
                    Ok(pairs) => pairs,
                    Err(message) => {
                        self.error_at(section, "environment", message);
                        Vec::new()
                    }
                },
                Err(message) => {
                    self.error_at(section, "environment", message);
                    Vec::new()
                }
            };
            for (key, value) in &environment {
                names.insert(format!("ENV_{key}"), ExpandValue::Str(value.clone()));
            }
            let directory = self.get(section, "directory", &names);
            let stdout = self.channel(
                section,
                "stdout",
                &names,
                stdout_capture_maxbytes,
                stdout_events_enabled,
            );
            let mut stderr = self.channel(
                section,
                "stderr",
                &names,
                stderr_capture_maxbytes,
                stderr_events_enabled,
            );
            if redirect_stderr {
                if matches!(stderr.logfile, LogFile::Path(_)) {
                    self.warnings.push(format!(
                        "For [{section}], redirect_stderr=true but stderr_logfile has also been set to a filename, \
                         the filename has been ignored"
                    ));
                }
                stderr.logfile = LogFile::None;
            }
            let command = self.get(section, "command", &names).unwrap_or_default();
            let name = match expand::expand(&process_name, &names, "process_name") {
                Ok(name) => name,
                Err(message) => {
                    self.error_at(section, "process_name", message);
                    String::new()
                }
            };
            if self.diagnostics.len() > n_errors {
                continue;
            }
            let mut merged = supervisord.environment.clone();
            merged.extend(environment);
            processes.push(ProcessSpec {
                name,
                group: group_name.to_string(),
                section: section.to_string(),
                origin: origin.clone(),
                program_name: program_name.clone(),
                process_num,
                numprocs,
                numprocs_start,
                command,
                priority,
                autostart,
                autorestart,
                startsecs,
                startretries,
                exitcodes: exitcodes.clone(),
                stopsignal: SignalSpec { number: stopsignal },
                stopwaitsecs,
                stopasgroup,
                killasgroup,
                user: user.clone(),
                umask,
                directory,
                redirect_stderr,
                stdout,
                stderr,
                environment: merged,
                serverurl: serverurl.clone(),
            });
        }
        // Supervisor sorts a section's processes by (priority, name); the priority is shared, so by name.
        processes.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
        processes
    }

    /// The log settings of one channel (`stdout` or `stderr`) of one process.
    fn channel(
        &mut self,
        section: &str,
        channel: &str,
        names: &Names,
        capture_maxbytes: i64,
        events_enabled: bool,
    ) -> ChannelSpec {
        let host = self.host;
        let logfile_key = format!("{channel}_logfile");
        // The logfile is expanded twice: by saneget, then explicitly (so a literal % needs %%%%).
        let logfile = match self.get(section, &logfile_key, names) {
            Some(first) => match expand::expand(&first, names, &logfile_key) {
                Ok(second) => match datatypes::logfile_name(&second, host) {
                    Ok(value) => value,
                    Err(message) => {
                        self.error_at(section, &logfile_key, message);
                        LogFileValue::Auto
                    }
                },
                Err(message) => {
                    self.error_at(section, &logfile_key, message);
                    LogFileValue::Auto
                }
            },
            None => LogFileValue::Auto,
        };
        let backups = self.typed(
            section,
            &format!("{channel}_logfile_backups"),
            names,
            10,
            datatypes::integer,
        );
        let maxbytes = self.typed(
            section,
            &format!("{channel}_logfile_maxbytes"),
            names,
            50 * 1024 * 1024,
            datatypes::byte_size,
        );
        let syslog_key = format!("{channel}_syslog");
        let mut syslog = self.typed(section, &syslog_key, names, false, datatypes::boolean);
        let logfile = match logfile {
            LogFileValue::Auto => LogFile::Auto,
            LogFileValue::None => LogFile::None,
            LogFileValue::Path(path) => LogFile::Path(path),
            LogFileValue::Syslog => {
                self.warnings.push(format!(
                    "For [{section}], {logfile_key}=syslog but this is deprecated and will be removed.  Use \
                     {syslog_key}=true to enable syslog instead."
                ));
                syslog = true;
                LogFile::None
            }
        };
        if logfile == LogFile::Auto && maxbytes == 0 {
            self.warnings.push(format!(
                "For [{section}], AUTO logging used for {logfile_key} without rollover, set maxbytes > 0 to avoid \
                 filling up filesystem unintentionally"
            ));
        }
        ChannelSpec {
            logfile,
            logfile_maxbytes: maxbytes,
            logfile_backups: backups,
            capture_maxbytes,
            events_enabled,
            syslog,
        }
    }

    fn servers(
        &mut self,
        sections: &[String],
    ) -> (Vec<InetHttpServerSpec>, Vec<UnixHttpServerSpec>) {
        let no_names = Names::new();
        let host = self.host;
        let mut inet = Vec::new();
        for section in sections
            .iter()
            .filter(|s| s.starts_with("inet_http_server"))
        {
            let auth = self.credentials(section);
            let Some(port) = self.get(section, "port", &no_names) else {
                if self.raw(section, "port").is_none() {
                    self.diagnostics.push(self.section_diagnostic(
                        section,
                        format!("section [{section}] has no port value"),
                    ));
                }
                continue;
            };
            match datatypes::inet_address(&port) {
                Ok((host_name, port)) => inet.push(InetHttpServerSpec {
                    section: section.clone(),
                    host: host_name,
                    port,
                    auth: auth.unwrap_or(None),
                }),
                Err(message) => self.error_at(section, "port", message),
            }
        }
        let mut unix = Vec::new();
        for section in sections
            .iter()
            .filter(|s| s.starts_with("unix_http_server"))
        {
            let here_names = self.here_names();
            let Some(file) = self.get(section, "file", &here_names) else {
                if self.raw(section, "file").is_none() {
                    self.diagnostics.push(self.section_diagnostic(
                        section,
                        format!("section [{section}] has no file value"),
                    ));
                }
                continue;
            };
            let file = normalize_path(file.trim(), &host.cwd(), host);
            let auth = self.credentials(section);
            let chown = match self.get(section, "chown", &no_names) {
                Some(value) => match datatypes::user_group(&value, host) {
                    Ok(owner) => Some(owner),
                    Err(_) => {
                        self.error_at(section, "chown", format!("Invalid sockchown value {value}"));
                        None
                    }
                },
                None => None,
            };
            let chmod = match self.get(section, "chmod", &no_names) {
                Some(value) => match datatypes::octal(&value) {
                    Ok(mode) => mode,
                    Err(_) => {
                        self.error_at(section, "chmod", format!("Invalid chmod value {value}"));
                        0o700
                    }
                },
                None => 0o700,
            };
            unix.push(UnixHttpServerSpec {
                section: section.clone(),
                file,
                chmod,
                chown,
                auth: auth.unwrap_or(None),
            });
        }
        (inet, unix)
    }

    /// `username` and `password` must come together. `Err(())` after recording the error.
    fn credentials(&mut self, section: &str) -> Result<Option<Credentials>, ()> {
        let no_names = Names::new();
        let username = self.get(section, "username", &no_names);
        let password = self.get(section, "password", &no_names);
        match (username, password) {
            (None, None) => Ok(None),
            (Some(username), Some(password)) => Ok(Some(Credentials { username, password })),
            _ => {
                let message = format!(
                    "Section [{section}] contains incomplete authentication: If a username or a password is \
                     specified, both the username and password must be specified"
                );
                self.diagnostics
                    .push(self.section_diagnostic(section, message));
                Err(())
            }
        }
    }

    /// `[supervisorctl]`, read leniently: supervisord ignores it, and supervisorctl checks it itself.
    fn ctl_section(&mut self) -> Option<CtlSpec> {
        const S: &str = "supervisorctl";
        self.ini.section(S)?;
        let here = self.here.clone();
        let mut names = self.env_names.clone();
        names.insert("here".into(), ExpandValue::Str(here));
        let expanded = |parser: &Self, key: &str, names: &Names| -> Option<String> {
            let found = parser.raw(S, key)?;
            expand::expand(&found.value, names, &format!("{S}.{key}")).ok()
        };
        let defaults = CtlSpec::default();
        let mut serverurl = expanded(self, "serverurl", &names).unwrap_or(defaults.serverurl);
        if let Some(path) = serverurl.strip_prefix("unix://") {
            serverurl = format!(
                "unix://{}",
                normalize_path(path, &self.host.cwd(), self.host)
            );
        }
        let env_only = self.env_names.clone();
        let history_file = expanded(self, "history_file", &names)
            .filter(|path| !path.is_empty())
            .map(|path| normalize_path(&path, &self.host.cwd(), self.host));
        Some(CtlSpec {
            serverurl,
            username: expanded(self, "username", &env_only),
            password: expanded(self, "password", &env_only),
            prompt: expanded(self, "prompt", &env_only).unwrap_or(defaults.prompt),
            history_file,
        })
    }
}

fn error_line(error: &super::ini::IniError) -> Option<usize> {
    match error {
        super::ini::IniError::MissingSectionHeader { line, .. } => Some(*line),
        super::ini::IniError::Parsing { errors } => errors.first().map(|(line, _)| *line),
    }
}

/// Supervisor's `normalize_path`: `normpath(abspath(expanduser(v)))`.
pub fn normalize_path(path: &str, cwd: &str, host: &dyn Host) -> String {
    normpath(&abspath(&expand_user(path, host), cwd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::parse_files;

    fn commands(files: &[(&str, &str)]) -> Vec<(String, String)> {
        let loaded = parse_files(files).expect("valid config");
        let mut commands: Vec<(String, String)> = loaded
            .desired
            .groups
            .values()
            .flat_map(|group| {
                group
                    .processes
                    .iter()
                    .map(|p| (p.namespec(), p.command.clone()))
            })
            .collect();
        commands.sort();
        commands
    }

    fn errors(files: &[(&str, &str)]) -> Vec<String> {
        parse_files(files)
            .expect_err("invalid config")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn here_is_the_directory_of_the_line_that_uses_it() {
        let files = [
            ("/conf/supervisord.conf", "[supervisord]\n[DEFAULT]\ndirectory=%(here)s\n[include]\nfiles=conf.d/*\n[program:main]\ncommand=/bin/x %(here)s\n"),
            ("/conf/conf.d/a.conf", "[program:inc]\ncommand=/bin/y %(here)s\n"),
        ];
        let loaded = parse_files(&files).expect("valid");
        let process = |name: &str| loaded.desired.groups[name].processes[0].clone();
        assert_eq!(process("main").command, "/bin/x /conf");
        assert_eq!(process("inc").command, "/bin/y /conf/conf.d");
        // A DEFAULT line from the main file, applied to a section first seen in an include, takes the include's dir.
        assert_eq!(process("main").directory.as_deref(), Some("/conf"));
        assert_eq!(process("inc").directory.as_deref(), Some("/conf/conf.d"));
        assert_eq!(
            loaded.messages,
            vec![(
                LogLevel::Info,
                "Included extra file \"/conf/conf.d/a.conf\" during parsing".to_string()
            )]
        );
    }

    #[test]
    fn numprocs_names_and_expansions() {
        let text = "[supervisord]\n[program:w]\ncommand=/bin/w %(process_num)d of %(numprocs)d in %(group_name)s\n\
                    numprocs=3\nnumprocs_start=1\nprocess_name=%(program_name)s_%(process_num)02d\n";
        assert_eq!(
            commands(&[("/conf/s.conf", text)]),
            vec![
                ("w:w_01".to_string(), "/bin/w 1 of 3 in w".to_string()),
                ("w:w_02".to_string(), "/bin/w 2 of 3 in w".to_string()),
                ("w:w_03".to_string(), "/bin/w 3 of 3 in w".to_string()),
            ]
        );
    }

    #[test]
    fn every_error_is_reported_with_its_place() {
        let text = "[supervisord]\nloglevel=loud\n[program:a]\ncommand=/bin/a\nstartsecs=ten\n[program:b]\nautostart=maybe\n";
        assert_eq!(
            errors(&[("/conf/s.conf", text)]),
            vec![
                "/conf/s.conf:2: [supervisord] loglevel: bad logging level name 'loud'",
                "/conf/s.conf:5: [program:a] startsecs: invalid literal for int() with base 10: 'ten'",
                "/conf/s.conf:7: [program:b] autostart: not a valid boolean value: 'maybe'",
                "/conf/s.conf:6: [program:b] program section program:b does not specify a command",
            ]
        );
    }

    #[test]
    fn a_duplicate_group_name_keeps_the_first_in_sorted_order_and_warns() {
        let text = "[supervisord]\n[program:foo]\ncommand=/bin/p\n[program:bar]\ncommand=/bin/b\n[group:foo]\nprograms=bar\n";
        let loaded = parse_files(&[("/conf/s.conf", text)]).expect("valid");
        assert_eq!(
            loaded.desired.groups["foo"].kind,
            GroupKind::Heterogeneous {
                programs: vec!["bar".into()]
            }
        );
        assert!(loaded
            .messages
            .iter()
            .any(|(level, message)| *level == LogLevel::Warn
                && message.starts_with("group name 'foo' is defined more than once")));
    }

    #[test]
    fn plugins_other_than_the_builtin_are_warned_about() {
        let text = "[supervisord]\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
                    [rpcinterface:extra]\nsupervisor.rpcinterface_factory = extra.module:make\nsetting = 1\n";
        let loaded = parse_files(&[("/conf/s.conf", text)]).expect("valid");
        let plugins = &loaded.desired.server.rpcinterfaces;
        assert_eq!(plugins.len(), 2);
        assert!(plugins[0].builtin && !plugins[1].builtin);
        assert_eq!(
            plugins[1].options.get("setting").map(String::as_str),
            Some("1")
        );
        assert_eq!(
            loaded.messages,
            vec![(
                LogLevel::Warn,
                "[rpcinterface:extra] names the Python plugin factory extra.module:make, which supervisor-rs cannot load; \
                 the section is ignored"
                    .to_string()
            )]
        );
    }
}
