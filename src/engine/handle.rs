//! [`EngineHandle`]: the cloneable front of the engine. Front ends hold one and send [`Command`]s; it implements
//! [`Backend`] for the XML-RPC layer. Reading config files (reloadConfig, restart) happens here, off the engine
//! task, before the result is handed to the engine.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use super::{Command, Event};
use crate::config::Loaded;
use crate::rpc::backend::{
    codes, Backend, Channel, ConfigEntry, Fault, Outcomes, ProcessInfo, RereadDiff,
    SupervisorState, Target,
};

/// Reads and validates the config files afresh; `Err` holds every diagnostic, rendered.
pub type Reloader = Arc<dyn Fn() -> Result<Loaded, Vec<String>> + Send + Sync>;

/// A config read for a restart, waiting for the engine to stop everything.
pub type PendingRestart = Arc<Mutex<Option<Loaded>>>;

/// The front of the engine.
#[derive(Clone)]
pub struct EngineHandle {
    sender: mpsc::UnboundedSender<Event>,
    identifier: String,
    main_log: Option<PathBuf>,
    reloader: Reloader,
    pending_restart: PendingRestart,
}

impl EngineHandle {
    pub fn new(
        sender: mpsc::UnboundedSender<Event>,
        identifier: String,
        main_log: Option<PathBuf>,
        reloader: Reloader,
        pending_restart: PendingRestart,
    ) -> Self {
        EngineHandle {
            sender,
            identifier,
            main_log,
            reloader,
            pending_restart,
        }
    }

    /// Sends a command now; the future resolves with the engine's answer (or `gone` if the engine has stopped).
    fn ask<T: Send + 'static>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
        gone: T,
    ) -> impl Future<Output = T> + Send + 'static {
        let (reply, answer) = oneshot::channel();
        let _ = self.sender.send(Event::Command(make(reply)));
        async move { answer.await.unwrap_or(gone) }
    }

    fn shutting_down() -> Fault {
        Fault::bare(codes::SHUTDOWN_STATE)
    }

    /// Reads the config on a blocking thread.
    async fn reread(&self) -> Result<Loaded, Fault> {
        let reloader = Arc::clone(&self.reloader);
        match tokio::task::spawn_blocking(move || reloader()).await {
            Ok(Ok(loaded)) => Ok(loaded),
            Ok(Err(errors)) => Err(Fault::new(codes::CANT_REREAD, errors.join("\n"))),
            Err(error) => Err(Fault::new(codes::CANT_REREAD, error.to_string())),
        }
    }
}

impl Backend for EngineHandle {
    fn state(&self) -> impl Future<Output = SupervisorState> + Send {
        self.ask(
            Command::State,
            SupervisorState {
                code: -1,
                name: "SHUTDOWN",
            },
        )
    }

    fn identification(&self) -> impl Future<Output = String> + Send {
        std::future::ready(self.identifier.clone())
    }

    fn main_log_path(&self) -> impl Future<Output = Option<PathBuf>> + Send {
        std::future::ready(self.main_log.clone())
    }

    fn reopen_main_log(&self) -> impl Future<Output = ()> + Send {
        crate::logs::mainlog::reopen();
        std::future::ready(())
    }

    fn process_info(
        &self,
        name: String,
    ) -> impl Future<Output = Result<ProcessInfo, Fault>> + Send {
        self.ask(
            |reply| Command::ProcessInfo(name, reply),
            Err(Self::shutting_down()),
        )
    }

    fn all_process_info(&self) -> impl Future<Output = Vec<ProcessInfo>> + Send {
        self.ask(Command::AllProcessInfo, Vec::new())
    }

    fn start(
        &self,
        target: Target,
        wait: bool,
    ) -> impl Future<Output = Result<Outcomes, Fault>> + Send {
        self.ask(
            move |reply| Command::Start(target, wait, reply),
            Err(Self::shutting_down()),
        )
    }

    fn stop(
        &self,
        target: Target,
        wait: bool,
    ) -> impl Future<Output = Result<Outcomes, Fault>> + Send {
        self.ask(
            move |reply| Command::Stop(target, wait, reply),
            Err(Self::shutting_down()),
        )
    }

    fn signal(
        &self,
        target: Target,
        signal: String,
    ) -> impl Future<Output = Result<Outcomes, Fault>> + Send {
        self.ask(
            |reply| Command::Signal(target, signal, reply),
            Err(Self::shutting_down()),
        )
    }

    fn clear_logs(&self, target: Target) -> impl Future<Output = Result<Outcomes, Fault>> + Send {
        self.ask(
            |reply| Command::ClearLogs(target, reply),
            Err(Self::shutting_down()),
        )
    }

    fn log_path(
        &self,
        name: String,
        channel: Channel,
    ) -> impl Future<Output = Result<Option<PathBuf>, Fault>> + Send {
        self.ask(
            move |reply| Command::LogPath(name, channel, reply),
            Err(Self::shutting_down()),
        )
    }

    fn send_stdin(
        &self,
        name: String,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<(), Fault>> + Send {
        self.ask(
            |reply| Command::SendStdin(name, data, reply),
            Err(Self::shutting_down()),
        )
    }

    fn reload_config(&self) -> impl Future<Output = Result<RereadDiff, Fault>> + Send {
        let handle = self.clone();
        async move {
            let loaded = handle.reread().await?;
            let answer = handle.ask(
                |reply| Command::Reread(Box::new(loaded.desired), reply),
                (vec![], vec![], vec![]),
            );
            Ok(answer.await)
        }
    }

    fn add_group(&self, name: String) -> impl Future<Output = Result<(), Fault>> + Send {
        self.ask(
            |reply| Command::AddGroup(name, reply),
            Err(Self::shutting_down()),
        )
    }

    fn remove_group(&self, name: String) -> impl Future<Output = Result<(), Fault>> + Send {
        self.ask(
            |reply| Command::RemoveGroup(name, reply),
            Err(Self::shutting_down()),
        )
    }

    fn all_config_info(&self) -> impl Future<Output = Vec<ConfigEntry>> + Send {
        self.ask(Command::AllConfigInfo, Vec::new())
    }

    fn shutdown(&self) -> impl Future<Output = Result<(), Fault>> + Send {
        let answer = self.ask(Command::Shutdown, ());
        async move {
            answer.await;
            Ok(())
        }
    }

    fn restart(&self) -> impl Future<Output = Result<(), Fault>> + Send {
        let handle = self.clone();
        async move {
            // The new config is read and checked first: an invalid one changes nothing (Supervisor would stop
            // every process and then exit).
            let loaded = handle.reread().await?;
            *handle
                .pending_restart
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(loaded);
            handle.ask(Command::Restart, ()).await;
            Ok(())
        }
    }

    fn update(
        &self,
        groups: Option<Vec<String>>,
        dry_run: bool,
    ) -> impl Future<Output = Result<crate::reconcile::plan::Plan, Fault>> + Send {
        let handle = self.clone();
        async move {
            let loaded = handle.reread().await?;
            let answer = handle.ask(
                |reply| {
                    Command::Update(Box::new(super::apply::UpdateRequest {
                        next: loaded.desired,
                        groups,
                        dry_run,
                        source: super::apply::UpdateSource::Client,
                        reply: Some(reply),
                    }))
                },
                Err("supervisord is shutting down".to_string()),
            );
            answer
                .await
                .map_err(|message| match message.strip_prefix("no such group: ") {
                    Some(name) => Fault::new(codes::BAD_NAME, name),
                    None => Fault::new(codes::FAILED, message),
                })
        }
    }

    fn restart_counts(
        &self,
    ) -> impl Future<Output = std::collections::BTreeMap<(String, String), u64>> + Send {
        self.ask(Command::RestartCounts, std::collections::BTreeMap::new())
    }

    fn send_remote_comm_event(
        &self,
        event_type: String,
        data: String,
    ) -> impl Future<Output = Result<(), Fault>> + Send {
        let answer = self.ask(
            move |reply| Command::RemoteComm(event_type, data, reply),
            (),
        );
        async move {
            answer.await;
            Ok(())
        }
    }
}
