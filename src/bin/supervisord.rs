//! `supervisord`: parse the command line, read the config, then validate it (`--check-config`) or run the
//! engine in Supervisor's start-up order. The only place that installs signal handlers.

use std::process::ExitCode;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use supervisor::config::cmdline::{
    parse_args_with_checks, render_help, usage_error, Invocation, VERSION,
};
use supervisor::config::host::Host;
use supervisor::config::load::{find_default_config, load_with_host, SystemHost};
use supervisor::config::overrides::{apply_overrides, check_command_line, check_value, Overrides};
use supervisor::config::{ConfigWatch, Loaded, LogLevel, MainLogTarget};
use supervisor::daemon::{
    daemonize, environment_snapshot, install_main_log, set_rlimits, set_uid, write_pidfile, Queued,
};
use supervisor::engine::apply::{UpdateRequest, UpdateSource};
use supervisor::engine::handle::{EngineHandle, PendingRestart, Reloader};
use supervisor::engine::{Command, Engine, Event, Outcome, SignalEvent};
use supervisor::events::EventBus;
use supervisor::http::{self, XmlRpcHandler};
use supervisor::logs::auto::clear_auto_logs;
use supervisor::logs::mainlog;
use supervisor::reconcile::plan::render_plan;
use supervisor::rpc;
use supervisor::watch::{watch_config, DEBOUNCE};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

/// Exit status for usage and config errors, as Supervisor uses.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let argv0 = args
        .first()
        .cloned()
        .unwrap_or_else(|| "supervisord".into());
    let usage = |message: &str| {
        eprint!("{}", usage_error(message, &argv0));
        ExitCode::from(EXIT_USAGE)
    };
    let host = SystemHost::new();
    let cmdline =
        match parse_args_with_checks(&args[1..], &|name, value| check_value(name, value, &host)) {
            Ok(Invocation::Help) => {
                print!("{}", render_help(&argv0));
                return ExitCode::SUCCESS;
            }
            Ok(Invocation::Version) => {
                println!("{VERSION}");
                return ExitCode::SUCCESS;
            }
            Ok(Invocation::Run(cmdline)) => cmdline,
            Err(message) => return usage(&message),
        };
    let overrides = match check_command_line(&cmdline, &host) {
        Ok(overrides) => overrides,
        Err(message) => return usage(&message),
    };
    let config_path = match &cmdline.configuration {
        Some(path) => path.clone(),
        None => match find_default_config(&argv0) {
            Ok(path) => {
                if host.uid() == 0 {
                    eprintln!(
                        "UserWarning: Supervisord is running as root and it is searching for its configuration file \
                         in default locations (including its current working directory); you probably want to \
                         specify a \"-c\" argument specifying an absolute path to a configuration file for improved \
                         security."
                    );
                }
                path
            }
            Err(message) => return usage(&message),
        },
    };
    let mut loaded = match load_with_host(&config_path, &host) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            for diagnostic in &diagnostics {
                eprintln!("Error: {diagnostic}");
            }
            if !cmdline.check_config {
                eprintln!("For help, use {argv0} -h");
            }
            return ExitCode::from(EXIT_USAGE);
        }
    };
    apply_overrides(&overrides, &mut loaded.desired.server.supervisord, &host);
    if cmdline.check_config {
        println!("{}", check_summary(&config_path, &loaded));
        return ExitCode::SUCCESS;
    }
    let reread = Reread {
        config_path,
        overrides,
    };
    match run(loaded, reread) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => usage(&message),
    }
}

/// What a SIGHUP needs to read the config again.
#[derive(Clone)]
struct Reread {
    config_path: String,
    overrides: Overrides,
}

impl Reread {
    /// Reads and validates the config afresh; `Err` holds every diagnostic.
    fn load(&self) -> Result<Loaded, Vec<String>> {
        let host = SystemHost::new();
        let mut loaded = load_with_host(&self.config_path, &host).map_err(|diagnostics| {
            diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        })?;
        apply_overrides(
            &self.overrides,
            &mut loaded.desired.server.supervisord,
            &host,
        );
        Ok(loaded)
    }
}

/// Runs supervisord: Supervisor's start-up order, then the engine until shutdown. `Err` is a usage error.
fn run(loaded: Loaded, reread: Reread) -> Result<(), String> {
    let mut queued = Queued::default();
    for (level, message) in &loaded.messages {
        queued.push(*level, message.clone());
    }
    let section = loaded.desired.server.supervisord.clone();
    set_uid(section.user.as_ref(), &mut queued)?;
    set_rlimits(&section, &mut queued)?;
    let daemon_messages = if section.nodaemon {
        Vec::new()
    } else {
        daemonize(&section)
    };
    install_main_log(&section).map_err(|error| format!("could not open the main log: {error}"))?;
    queued.flush();
    for (level, message) in daemon_messages {
        mainlog::log(level, &message);
    }
    let base_environment = environment_snapshot();
    // One thread, like Supervisor's loop: every ready pipe is handled in one epoll pass, and nothing wakes a
    // second thread per line of output. Log writes go to the page cache; config reads use the blocking pool.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the runtime: {error}"))?;
    runtime.block_on(async move {
        let (sender, mut events) = mpsc::unbounded_channel();
        let pending_restart: PendingRestart = Arc::new(Mutex::new(None));
        install_signal_handlers(&sender, &reread);
        spawn_config_watcher(&sender, &reread, &loaded);
        let mut loaded = loaded;
        // The event bus outlives each engine run: event serials carry on across restarts, as Supervisor's do.
        let mut bus = EventBus::new();
        loop {
            let section = &loaded.desired.server.supervisord;
            if !section.nocleanup {
                for warning in clear_auto_logs(Path::new(&section.childlogdir), &section.identifier)
                {
                    mainlog::log(LogLevel::Warn, &warning);
                }
            }
            let pidfile = section.pidfile.clone();
            let engine = Engine::new(
                loaded.desired.clone(),
                base_environment.clone(),
                sender.clone(),
                bus,
            );
            let handle = engine_handle(&sender, &loaded, &reread, &pending_restart);
            let servers = http::start(
                &loaded.desired.server,
                handle.clone(),
                xmlrpc_handler(handle),
            )
            .await?;
            write_pidfile(&pidfile);
            mainlog::log(
                LogLevel::Info,
                &format!("supervisord started with pid {}", std::process::id()),
            );
            let (outcome, returned_bus) = engine.run(&mut events).await;
            bus = returned_bus;
            servers.close().await;
            let _ = std::fs::remove_file(&pidfile);
            match outcome {
                Outcome::Shutdown => return Ok(()),
                Outcome::Restart => {
                    // The restart request read and checked the config already; without one, read it now and keep
                    // the running config if it is invalid.
                    let next = pending_restart
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .take();
                    let next = match next {
                        Some(next) => Some(next),
                        None => match reread.load() {
                            Ok(next) => Some(next),
                            Err(errors) => {
                                for error in errors {
                                    mainlog::log(LogLevel::Error, &error);
                                }
                                None
                            }
                        },
                    };
                    // Supervisor reopens its main log on a restart (it may have been moved or removed).
                    mainlog::reopen();
                    if let Some(next) = next {
                        for (level, message) in &next.messages {
                            mainlog::log(*level, message);
                        }
                        loaded = next;
                    }
                }
            }
        }
    })
}

/// The engine's front for the HTTP servers: it rereads the config through `reread` when asked to.
fn engine_handle(
    sender: &mpsc::UnboundedSender<Event>,
    loaded: &Loaded,
    reread: &Reread,
    pending_restart: &PendingRestart,
) -> EngineHandle {
    let section = &loaded.desired.server.supervisord;
    let main_log = match &section.logfile {
        MainLogTarget::File(path) => Some(PathBuf::from(path)),
        MainLogTarget::Syslog => None,
    };
    let reread = reread.clone();
    let reloader: Reloader = Arc::new(move || reread.load());
    EngineHandle::new(
        sender.clone(),
        section.identifier.clone(),
        main_log,
        reloader,
        Arc::clone(pending_restart),
    )
}

/// XML-RPC requests go to the methods layer with the engine as its backend.
fn xmlrpc_handler(handle: EngineHandle) -> XmlRpcHandler {
    Arc::new(move |body: Vec<u8>| {
        let handle = handle.clone();
        Box::pin(async move {
            let response = rpc::handle_xmlrpc(&handle, &body).await;
            (response.status, response.body)
        })
    })
}

/// Forwards TERM, INT, QUIT, USR2 and CHLD to the engine. HUP rereads the config and asks the engine to apply
/// the plan; an invalid config is reported and changes nothing (Supervisor would stop everything and exit).
fn install_signal_handlers(sender: &mpsc::UnboundedSender<Event>, reread: &Reread) {
    let forward = |kind: SignalKind, event: SignalEvent| {
        let sender = sender.clone();
        match signal(kind) {
            Ok(mut stream) => {
                tokio::spawn(async move {
                    while stream.recv().await.is_some() {
                        if sender.send(Event::Signal(event)).is_err() {
                            return;
                        }
                    }
                });
            }
            Err(error) => mainlog::log(
                LogLevel::Critical,
                &format!("cannot install a signal handler: {error}"),
            ),
        }
    };
    forward(SignalKind::terminate(), SignalEvent::Terminate("SIGTERM"));
    forward(SignalKind::interrupt(), SignalEvent::Terminate("SIGINT"));
    forward(SignalKind::quit(), SignalEvent::Terminate("SIGQUIT"));
    forward(SignalKind::user_defined2(), SignalEvent::ReopenLogs);
    forward(SignalKind::child(), SignalEvent::Child);
    let sender = sender.clone();
    let reread = reread.clone();
    match signal(SignalKind::hangup()) {
        Ok(mut stream) => {
            tokio::spawn(async move {
                while stream.recv().await.is_some() {
                    // A deliberate difference: SIGHUP applies the minimal plan instead of restarting everything.
                    mainlog::log(
                        LogLevel::Warn,
                        "received SIGHUP indicating config reload request",
                    );
                    let attempt = reread.clone();
                    match tokio::task::spawn_blocking(move || attempt.load()).await {
                        Ok(Ok(next)) => {
                            let request = UpdateRequest {
                                next: next.desired,
                                groups: None,
                                dry_run: false,
                                source: UpdateSource::Hangup,
                                reply: None,
                            };
                            if sender
                                .send(Event::Command(Command::Update(Box::new(request))))
                                .is_err()
                            {
                                return;
                            }
                        }
                        Ok(Err(errors)) => {
                            mainlog::log(
                                LogLevel::Error,
                                "the config is invalid; nothing was changed:",
                            );
                            for error in errors {
                                mainlog::log(LogLevel::Error, &error);
                            }
                        }
                        Err(_) => {}
                    }
                }
            });
        }
        Err(error) => mainlog::log(
            LogLevel::Critical,
            &format!("cannot install a signal handler: {error}"),
        ),
    }
}

/// `[supervisord] config_watch`: when the config files change, read them; `report` logs the pending plan,
/// `apply` applies it as SIGHUP does, `off` does nothing. An invalid edit is reported and changes nothing.
fn spawn_config_watcher(sender: &mpsc::UnboundedSender<Event>, reread: &Reread, loaded: &Loaded) {
    let (changed, mut changes) = mpsc::unbounded_channel::<()>();
    let start = |paths: &[String], changed: &mpsc::UnboundedSender<()>| {
        let changed = changed.clone();
        match watch_config(paths, move || {
            let _ = changed.send(());
        }) {
            Ok(watcher) => Some(watcher),
            Err(error) => {
                mainlog::log(
                    LogLevel::Error,
                    &format!("cannot watch the config files: {error}"),
                );
                None
            }
        }
    };
    let mut watcher = if loaded.desired.server.supervisord.config_watch == ConfigWatch::Off {
        None
    } else {
        start(&loaded.desired.server.watched_paths, &changed)
    };
    let sender = sender.clone();
    let reread = reread.clone();
    tokio::spawn(async move {
        while changes.recv().await.is_some() {
            // Wait until the files have been quiet for a while: an editor's save is several events.
            while let Ok(Some(())) = tokio::time::timeout(DEBOUNCE, changes.recv()).await {}
            let attempt = reread.clone();
            let next = match tokio::task::spawn_blocking(move || attempt.load()).await {
                Ok(Ok(next)) => next,
                Ok(Err(errors)) => {
                    mainlog::log(
                        LogLevel::Warn,
                        "the config files changed but the new config is invalid:",
                    );
                    for error in errors {
                        mainlog::log(LogLevel::Warn, &error);
                    }
                    continue;
                }
                Err(_) => continue,
            };
            let mode = next.desired.server.supervisord.config_watch;
            let paths = next.desired.server.watched_paths.clone();
            if watcher
                .as_ref()
                .is_some_and(|watcher| watcher.watched_paths() != paths.as_slice())
            {
                watcher = start(&paths, &changed);
            }
            let (reply, answer) = tokio::sync::oneshot::channel();
            let request = UpdateRequest {
                next: next.desired,
                groups: None,
                dry_run: mode != ConfigWatch::Apply,
                source: UpdateSource::Watcher,
                reply: Some(reply),
            };
            if mode == ConfigWatch::Off
                || sender
                    .send(Event::Command(Command::Update(Box::new(request))))
                    .is_err()
            {
                continue;
            }
            if let (ConfigWatch::Report, Ok(Ok(plan))) = (mode, answer.await) {
                if !plan.is_empty() {
                    mainlog::log(
                        LogLevel::Info,
                        &format!(
                            "the config files changed; pending plan (apply it with `supervisorctl update` or SIGHUP):\n{}",
                            render_plan(&plan, false).trim_end()
                        ),
                    );
                }
            }
        }
    });
}

/// The one line `--check-config` prints for a valid config.
fn check_summary(config_path: &str, loaded: &Loaded) -> String {
    let desired = &loaded.desired;
    let mut sections: Vec<&str> = desired
        .groups
        .values()
        .flat_map(|group| {
            group
                .processes
                .iter()
                .map(|process| process.section.as_str())
        })
        .collect();
    sections.sort_unstable();
    sections.dedup();
    format!(
        "{config_path}: OK: {} programs, {} processes, {} groups, {} files read",
        sections.len(),
        desired.n_processes(),
        desired.groups.len(),
        desired.server.files_read.len()
    )
}
