//! supervisord's own log: Supervisor's line format `YYYY-MM-DD HH:MM:SS,mmm LEVL message`, its level filter,
//! rotation by size, and the echo to stdout in the foreground.
//!
//! Code logs through `tracing` ([`log`] turns a Supervisor level into a `tracing` event carrying it); the
//! [`MainLogLayer`] installed by the binary formats those events and writes them. Until the layer is installed
//! (or in tests) events go nowhere. Messages logged before the file opens (parse messages) are handed over in
//! order once it does, as Supervisor does.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context;

use super::rotate::RotatingFile;
use crate::config::LogLevel;

/// The tracing target of main-log events.
pub const TARGET: &str = "supervisord";

/// Logs `message` at a Supervisor level.
pub fn log(level: LogLevel, message: &str) {
    let code = level as u8;
    match level {
        LogLevel::Critical | LogLevel::Error => {
            tracing::error!(target: TARGET, supervisor_level = code, "{message}")
        }
        LogLevel::Warn => tracing::warn!(target: TARGET, supervisor_level = code, "{message}"),
        LogLevel::Info => tracing::info!(target: TARGET, supervisor_level = code, "{message}"),
        LogLevel::Debug => tracing::debug!(target: TARGET, supervisor_level = code, "{message}"),
        LogLevel::Trace | LogLevel::Blather => {
            tracing::trace!(target: TARGET, supervisor_level = code, "{message}")
        }
    }
}

/// The level with Supervisor's number `code`.
pub fn level_from_code(code: u64) -> LogLevel {
    match code {
        50 => LogLevel::Critical,
        40 => LogLevel::Error,
        30 => LogLevel::Warn,
        20 => LogLevel::Info,
        10 => LogLevel::Debug,
        5 => LogLevel::Trace,
        _ => LogLevel::Blather,
    }
}

/// One main-log line (with its newline). `timestamp` is the local time as `YYYY-MM-DD HH:MM:SS,mmm`.
pub fn format_line(timestamp: &str, level: LogLevel, message: &str) -> String {
    format!("{timestamp} {} {message}\n", level.tag())
}

/// The local time now, formatted as Supervisor's log lines show it.
pub fn timestamp_now() -> String {
    let now = jiff::ZonedDateTime::now();
    let millis = now.subsec_nanosecond() / 1_000_000;
    format!("{},{millis:03}", now.strftime("%Y-%m-%d %H:%M:%S"))
}

/// Where main-log lines go.
pub struct MainLog {
    file: Option<RotatingFile>,
    /// `logfile=syslog`: every line also goes to syslog, formatted as in the file.
    syslog: bool,
    /// Echo to stdout (foreground and not `silent`).
    echo: bool,
    level: LogLevel,
}

impl MainLog {
    pub fn new(file: Option<RotatingFile>, echo: bool, level: LogLevel) -> Self {
        MainLog {
            file,
            syslog: false,
            echo,
            level,
        }
    }

    /// A main log that goes to syslog (`logfile=syslog`).
    pub fn to_syslog(echo: bool, level: LogLevel) -> Self {
        MainLog {
            file: None,
            syslog: true,
            echo,
            level,
        }
    }

    /// Writes one message if its level passes the filter.
    pub fn write(&mut self, level: LogLevel, message: &str) {
        if level < self.level {
            return;
        }
        let timestamp = timestamp_now();
        let line = format_line(&timestamp, level, message);
        if self.syslog {
            super::syslog::send(message, |part| {
                format!("{timestamp} {} {part}", level.tag())
            });
        }
        if let Some(file) = &mut self.file {
            // A log write that fails has nowhere to be reported; the daemon carries on, as Supervisor does.
            let _ = file.write(line.as_bytes());
        }
        if self.echo {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(line.as_bytes());
            let _ = stdout.flush();
        }
    }

    /// SIGUSR2: reopen the file (it may have been moved away).
    pub fn reopen(&mut self) {
        if let Some(file) = &mut self.file {
            let _ = file.reopen();
        }
    }

    pub fn level(&self) -> LogLevel {
        self.level
    }
}

/// The `tracing` layer that writes main-log events.
pub struct MainLogLayer {
    log: Arc<Mutex<MainLog>>,
}

/// The log the installed layer writes to, for [`reopen`].
static INSTALLED: OnceLock<Arc<Mutex<MainLog>>> = OnceLock::new();

impl MainLogLayer {
    pub fn new(log: MainLog) -> Self {
        MainLogLayer {
            log: Arc::new(Mutex::new(log)),
        }
    }

    /// Makes this layer's log the one [`reopen`] acts on (the binary calls it once, when installing the layer).
    pub fn register_for_reopen(&self) {
        let _ = INSTALLED.set(Arc::clone(&self.log));
    }

    /// Runs `f` on the log.
    pub fn with_log<R>(&self, f: impl FnOnce(&mut MainLog) -> R) -> R {
        let mut log = self
            .log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut log)
    }
}

/// SIGUSR2: reopens the installed main log file (it may have been moved away).
pub fn reopen() {
    if let Some(log) = INSTALLED.get() {
        log.lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .reopen();
    }
}

#[derive(Default)]
struct EventFields {
    level: Option<u64>,
    message: String,
}

impl Visit for EventFields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "supervisor_level" {
            self.level = Some(value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "supervisor_level" {
            self.level = u64::try_from(value).ok();
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for MainLogLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _context: Context<'_, S>) {
        if event.metadata().target() != TARGET {
            return;
        }
        let mut fields = EventFields::default();
        event.record(&mut fields);
        let level = fields
            .level
            .map(level_from_code)
            .unwrap_or(match *event.metadata().level() {
                tracing::Level::ERROR => LogLevel::Error,
                tracing::Level::WARN => LogLevel::Warn,
                tracing::Level::INFO => LogLevel::Info,
                tracing::Level::DEBUG => LogLevel::Debug,
                tracing::Level::TRACE => LogLevel::Trace,
            });
        self.with_log(|log| log.write(level, &fields.message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_supervisors_shape() {
        let cases = [
            (LogLevel::Critical, "CRIT"),
            (LogLevel::Error, "ERRO"),
            (LogLevel::Warn, "WARN"),
            (LogLevel::Info, "INFO"),
            (LogLevel::Debug, "DEBG"),
            (LogLevel::Trace, "TRAC"),
            (LogLevel::Blather, "BLAT"),
        ];
        for (level, tag) in cases {
            assert_eq!(
                format_line("2026-11-24 06:45:01,007", level, "spawned: 'a' with pid 12"),
                format!("2026-11-24 06:45:01,007 {tag} spawned: 'a' with pid 12\n")
            );
            assert_eq!(level_from_code(level as u64), level);
        }
    }

    #[test]
    fn timestamp_is_local_time_with_milliseconds() {
        let stamp = timestamp_now();
        let bytes = stamp.as_bytes();
        assert_eq!(stamp.len(), 23, "{stamp}");
        for (index, expected) in [
            (4, b'-'),
            (7, b'-'),
            (10, b' '),
            (13, b':'),
            (16, b':'),
            (19, b','),
        ] {
            assert_eq!(bytes[index], expected, "{stamp}");
        }
    }

    #[test]
    fn the_layer_writes_filtered_events_to_the_file() {
        use tracing_subscriber::layer::SubscriberExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("main.log");
        let file = RotatingFile::open(&path, 0, 0).expect("open");
        let layer = MainLogLayer::new(MainLog::new(Some(file), false, LogLevel::Info));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            log(LogLevel::Info, "supervisord started with pid 7");
            log(LogLevel::Debug, "not shown at info");
            log(
                LogLevel::Critical,
                "Server 'unix_http_server' running without any HTTP authentication checking",
            );
        });
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().map(|line| &line[24..]).collect();
        assert_eq!(
            lines,
            [
                "INFO supervisord started with pid 7",
                "CRIT Server 'unix_http_server' running without any HTTP authentication checking"
            ]
        );
    }
}
