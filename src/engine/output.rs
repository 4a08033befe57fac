//! Child output: one task per pipe reads what the child writes and sends it to its sinks (the log file, the
//! main log at debug level), applying `strip_ansi` and capture mode. File writes happen here, never in the
//! engine loop. A task ends at EOF; SIGUSR2 reaches it through a generation counter and reopens its file.

use std::os::fd::OwnedFd;

use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot, watch};

use crate::config::LogLevel;
use crate::logs::capture::{CaptureOutput, CaptureScanner};
use crate::logs::mainlog;
use crate::logs::rotate::RotatingFile;

/// Supervisor reads up to this much per readiness (`read(fd, 131072)`).
const READ_SIZE: usize = 131_072;

thread_local! {
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; READ_SIZE]);
}

/// Where one channel of one process goes.
pub struct ChannelSink {
    /// The process name, for debug-level echoes to the main log.
    pub process_name: String,
    /// `stdout` or `stderr`.
    pub channel: &'static str,
    /// The log file; `None` for `NONE`.
    pub file: Option<RotatingFile>,
    /// `*_syslog`: each line also goes to syslog as `<process> <line>`.
    pub syslog: bool,
    /// Capture mode (and `strip_ansi`) as Supervisor's output dispatcher does it.
    pub scanner: CaptureScanner,
    /// Echo every chunk to the main log (loglevel debug or lower).
    pub echo_to_main_log: bool,
    /// Where event material goes (log chunks with `*_events_enabled`, captured text, a listener's protocol).
    pub reporter: Reporter,
}

/// Tells the engine about chunks that make events.
pub struct Reporter {
    pub sender: mpsc::UnboundedSender<super::Event>,
    pub key: super::ProcessKey,
    pub channel: crate::events::Channel,
    /// `*_events_enabled`: every logged chunk becomes a PROCESS_LOG event.
    pub log_events: bool,
    /// The process is an event listener and this is its stdout: every chunk is protocol.
    pub listener: bool,
}

impl Reporter {
    fn report(&self, kind: super::notify::OutputKind) {
        let event = super::notify::OutputEvent {
            key: self.key.clone(),
            channel: self.channel,
            kind,
        };
        let _ = self.sender.send(super::Event::Output(event));
    }
}

impl ChannelSink {
    fn write(&mut self, bytes: &[u8]) {
        if self.reporter.listener {
            self.reporter
                .report(super::notify::OutputKind::ListenerData(bytes.to_vec()));
        }
        for output in self.scanner.feed(bytes) {
            match output {
                CaptureOutput::Log(data) => {
                    if self.reporter.log_events {
                        self.reporter
                            .report(super::notify::OutputKind::Log(data.clone()));
                    }
                    if let Some(file) = &mut self.file {
                        if let Err(error) = file.write(&data) {
                            mainlog::log(
                                LogLevel::Error,
                                &format!("error writing {}: {error}", file.path().display()),
                            );
                        }
                    }
                    if self.syslog && !data.is_empty() {
                        let text = String::from_utf8_lossy(&data);
                        crate::logs::syslog::send(&text, |line| {
                            format!("{} {line}", self.process_name)
                        });
                    }
                    if self.echo_to_main_log && !data.is_empty() {
                        let text = match std::str::from_utf8(&data) {
                            Ok(text) => text.to_string(),
                            Err(_) => format!(
                                "Undecodable: {}",
                                crate::config::pyrepr::py_bytes_repr(&data)
                            ),
                        };
                        mainlog::log(
                            LogLevel::Debug,
                            &format!("'{}' {} output:\n{text}", self.process_name, self.channel),
                        );
                    }
                }
                CaptureOutput::Captured(data) => {
                    // Supervisor emits PROCESS_LOG events for captured text too.
                    if self.reporter.log_events {
                        self.reporter.report(super::notify::OutputKind::Log(data));
                    }
                }
                CaptureOutput::CommEvent(data) => {
                    self.reporter
                        .report(super::notify::OutputKind::Communication(data));
                    mainlog::log(
                        LogLevel::Debug,
                        &format!(
                            "'{}' {} emitted a comm event",
                            self.process_name, self.channel
                        ),
                    );
                }
            }
        }
    }

    fn reopen(&mut self) {
        if let Some(file) = &mut self.file {
            let _ = file.reopen();
        }
    }
}

/// What the engine can ask of an output task.
#[derive(Debug)]
pub enum Control {
    /// clearProcessLogs: truncate the log file (Supervisor unlinks and recreates it); answer whether it worked.
    Clear(oneshot::Sender<bool>),
    /// The log settings changed while the process runs: new rotation limits.
    SetLimits { maxbytes: i64, backups: i64 },
    /// The log file moved (or went away), or syslog was switched: write here from now on.
    SetFile {
        file: Option<RotatingFile>,
        syslog: bool,
    },
}

/// Reads `fd` until EOF, writing to `sink`. Must run inside the tokio runtime.
pub async fn pump(
    fd: OwnedFd,
    mut sink: ChannelSink,
    mut reopen: watch::Receiver<u64>,
    mut controls: mpsc::UnboundedReceiver<Control>,
) {
    let receiver = match tokio::net::unix::pipe::Receiver::from_owned_fd(fd) {
        Ok(receiver) => receiver,
        Err(error) => {
            mainlog::log(
                LogLevel::Error,
                &format!(
                    "cannot read {} of {}: {error}",
                    sink.channel, sink.process_name
                ),
            );
            return;
        }
    };
    // Once the engine is gone nobody will ask for a reopen; stop listening rather than spin on the error.
    let mut reopen_alive = true;
    loop {
        tokio::select! {
            ready = receiver.readable() => {
                if ready.is_err() {
                    break;
                }
                // One buffer per thread, not per pipe: a read and its writes never yield in between, and a
                // buffer per pipe would cost 128 KiB of address space per child (which also slows every fork).
                let read = READ_BUFFER.with_borrow_mut(|buffer| {
                    let read = receiver.try_read(buffer);
                    if let Ok(n) = read {
                        if n > 0 {
                            sink.write(&buffer[..n]);
                        }
                    }
                    read
                });
                match read {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
            Some(control) = controls.recv() => match control {
                Control::Clear(done) => {
                    let mut cleared = true;
                    if let Some(file) = &mut sink.file {
                        if let Err(error) = file.clear() {
                            mainlog::log(LogLevel::Error, &format!("cannot clear {}: {error}", file.path().display()));
                            cleared = false;
                        }
                    }
                    let _ = done.send(cleared);
                }
                Control::SetLimits { maxbytes, backups } => {
                    if let Some(file) = &mut sink.file {
                        file.set_limits(maxbytes, backups);
                    }
                }
                Control::SetFile { file, syslog } => {
                    sink.file = file;
                    sink.syslog = syslog;
                }
            },
            changed = reopen.changed(), if reopen_alive => {
                match changed {
                    Ok(()) => sink.reopen(),
                    Err(_) => reopen_alive = false,
                }
            }
        }
    }
}

/// Writes what is queued (sendProcessStdin data, event envelopes for a listener) to the child's stdin, in order.
/// The pipe closes when the queue does (the engine drops it when the child exits); if the child closed its end,
/// the engine is told (a listener's pool must know).
pub async fn write_stdin(
    fd: OwnedFd,
    mut queue: mpsc::UnboundedReceiver<Vec<u8>>,
    reporter: Reporter,
) {
    let Ok(mut sender) = tokio::net::unix::pipe::Sender::from_owned_fd(fd) else {
        return;
    };
    while let Some(data) = queue.recv().await {
        if sender.write_all(&data).await.is_err() {
            reporter.report(super::notify::OutputKind::StdinClosed);
            return;
        }
    }
}
