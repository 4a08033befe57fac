//! `/metrics`: the processes as Prometheus metrics, in the OpenMetrics text format that prometheus-client writes.
//!
//! Owns the metric names and values; the HTTP layer serves the text with [`METRICS_CONTENT_TYPE`]. It renders a
//! snapshot (getAllProcessInfo's rows plus the engine's restart counts), so a scrape reads no live state.
//!
//! The per-process metrics keep the names, labels (`name`, `group`) and meaning of node_exporter's supervisord
//! collector, which existing dashboards and alerts query:
//! - `node_supervisord_up`: 1 while the process is STARTING, RUNNING or STOPPING (node_exporter's
//!   `isRunning`), else 0;
//! - `node_supervisord_state`: the state code (0 STOPPED, 10 STARTING, 20 RUNNING, 30 BACKOFF, 40 STOPPING,
//!   100 EXITED, 200 FATAL, 1000 UNKNOWN);
//! - `node_supervisord_exit_status`: the last exit status;
//! - `node_supervisord_start_time_seconds`: the last start (Unix time), only for the processes counted as up, as
//!   node_exporter does. node_exporter types it a counter; here it is a gauge, which a timestamp is, and which
//!   keeps the sample name (an OpenMetrics counter's sample would end in `_total`). Queries see no difference.
//!
//! Ours besides: `supervisord_process_restarts_total` (counter per process, from the engine) and
//! `supervisord_processes{state="..."}` (how many processes are in each state, every state listed, zeros too).

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::process::state::ProcessState;
use crate::rpc::backend::ProcessInfo;

/// The content type of [`render_metrics`]' text (OpenMetrics 1.0, which Prometheus negotiates and reads).
pub const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The exposition for `infos`; `restarts(group, name)` is how many times the engine restarted that process.
/// Processes appear sorted by (group, name), so the text is deterministic.
pub fn render_metrics(infos: &[ProcessInfo], restarts: &dyn Fn(&str, &str) -> u64) -> String {
    let mut rows: Vec<Row> = infos
        .iter()
        .map(|info| Row {
            name: info.name.clone(),
            group: info.group.clone(),
            state: info.state,
            exit_status: info.exitstatus,
            start: info.start,
            restarts: restarts(&info.group, &info.name),
        })
        .collect();
    rows.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Snapshot { rows }));
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)
        .expect("writing to a String cannot fail, and the snapshot's names are valid");
    text
}

#[derive(Debug)]
struct Row {
    name: String,
    group: String,
    state: i64,
    exit_status: i64,
    start: i64,
    restarts: u64,
}

impl Row {
    fn labels(&self) -> [(&'static str, &str); 2] {
        [("name", &self.name), ("group", &self.group)]
    }

    /// node_exporter's `isRunning`.
    fn is_up(&self) -> bool {
        matches!(
            ProcessState::from_code(self.state),
            Some(ProcessState::Starting | ProcessState::Running | ProcessState::Stopping)
        )
    }
}

/// The collector prometheus-client calls while encoding: constant metrics from one snapshot, in a fixed order.
#[derive(Debug)]
struct Snapshot {
    rows: Vec<Row>,
}

impl Snapshot {
    /// One gauge family with a sample per row that `value` gives one for.
    fn encode_gauges(
        &self,
        encoder: &mut DescriptorEncoder,
        name: &str,
        help: &str,
        value: impl Fn(&Row) -> Option<i64>,
    ) -> Result<(), std::fmt::Error> {
        let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
        for row in &self.rows {
            if let Some(value) = value(row) {
                ConstGauge::new(value).encode(family.encode_family(&row.labels())?)?;
            }
        }
        Ok(())
    }
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        self.encode_gauges(&mut encoder, "node_supervisord_up", "Process Up", |row| {
            Some(i64::from(row.is_up()))
        })?;
        self.encode_gauges(
            &mut encoder,
            "node_supervisord_state",
            "Process State",
            |row| Some(row.state),
        )?;
        self.encode_gauges(
            &mut encoder,
            "node_supervisord_exit_status",
            "Process Exit Status",
            |row| Some(row.exit_status),
        )?;
        self.encode_gauges(
            &mut encoder,
            "node_supervisord_start_time_seconds",
            "Process start time",
            |row| row.is_up().then_some(row.start),
        )?;

        let mut restarts = encoder.encode_descriptor(
            "supervisord_process_restarts",
            "How many times supervisord restarted the process",
            None,
            MetricType::Counter,
        )?;
        for row in &self.rows {
            ConstCounter::new(row.restarts).encode(restarts.encode_family(&row.labels())?)?;
        }

        let mut by_state = encoder.encode_descriptor(
            "supervisord_processes",
            "Number of processes in each state",
            None,
            MetricType::Gauge,
        )?;
        for state in ProcessState::ALL {
            let count = self
                .rows
                .iter()
                .filter(|row| row.state == state.code())
                .count();
            let count = i64::try_from(count).unwrap_or(i64::MAX);
            ConstGauge::new(count).encode(by_state.encode_family(&[("state", state.name())])?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        group: &str,
        name: &str,
        state: ProcessState,
        exitstatus: i64,
        start: i64,
    ) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            group: group.into(),
            start,
            stop: 0,
            now: 1_795_503_556,
            state: state.code(),
            statename: state.name().into(),
            spawnerr: String::new(),
            exitstatus,
            stdout_logfile: String::new(),
            stderr_logfile: String::new(),
            pid: 0,
            description: String::new(),
        }
    }

    fn small_input() -> Vec<ProcessInfo> {
        vec![
            info("web", "web", ProcessState::Running, 0, 1_795_503_000),
            info("crash", "crash", ProcessState::Fatal, 1, 1_795_502_000),
            info(
                "workers",
                "workers_01",
                ProcessState::Stopping,
                0,
                1_795_503_100,
            ),
            info(
                "workers",
                "workers_00",
                ProcessState::Starting,
                -1,
                1_795_503_200,
            ),
            info("idle", "idle", ProcessState::Stopped, 0, 0),
        ]
    }

    fn restarts(group: &str, name: &str) -> u64 {
        match (group, name) {
            ("crash", "crash") => 3,
            ("web", "web") => 1,
            _ => 0,
        }
    }

    #[test]
    fn exposition_of_a_small_input() {
        let expected = r#"# HELP node_supervisord_up Process Up
# TYPE node_supervisord_up gauge
node_supervisord_up{name="crash",group="crash"} 0
node_supervisord_up{name="idle",group="idle"} 0
node_supervisord_up{name="web",group="web"} 1
node_supervisord_up{name="workers_00",group="workers"} 1
node_supervisord_up{name="workers_01",group="workers"} 1
# HELP node_supervisord_state Process State
# TYPE node_supervisord_state gauge
node_supervisord_state{name="crash",group="crash"} 200
node_supervisord_state{name="idle",group="idle"} 0
node_supervisord_state{name="web",group="web"} 20
node_supervisord_state{name="workers_00",group="workers"} 10
node_supervisord_state{name="workers_01",group="workers"} 40
# HELP node_supervisord_exit_status Process Exit Status
# TYPE node_supervisord_exit_status gauge
node_supervisord_exit_status{name="crash",group="crash"} 1
node_supervisord_exit_status{name="idle",group="idle"} 0
node_supervisord_exit_status{name="web",group="web"} 0
node_supervisord_exit_status{name="workers_00",group="workers"} -1
node_supervisord_exit_status{name="workers_01",group="workers"} 0
# HELP node_supervisord_start_time_seconds Process start time
# TYPE node_supervisord_start_time_seconds gauge
node_supervisord_start_time_seconds{name="web",group="web"} 1795503000
node_supervisord_start_time_seconds{name="workers_00",group="workers"} 1795503200
node_supervisord_start_time_seconds{name="workers_01",group="workers"} 1795503100
# HELP supervisord_process_restarts How many times supervisord restarted the process
# TYPE supervisord_process_restarts counter
supervisord_process_restarts_total{name="crash",group="crash"} 3
supervisord_process_restarts_total{name="idle",group="idle"} 0
supervisord_process_restarts_total{name="web",group="web"} 1
supervisord_process_restarts_total{name="workers_00",group="workers"} 0
supervisord_process_restarts_total{name="workers_01",group="workers"} 0
# HELP supervisord_processes Number of processes in each state
# TYPE supervisord_processes gauge
supervisord_processes{state="STOPPED"} 1
supervisord_processes{state="STARTING"} 1
supervisord_processes{state="RUNNING"} 1
supervisord_processes{state="BACKOFF"} 0
supervisord_processes{state="STOPPING"} 1
supervisord_processes{state="EXITED"} 0
supervisord_processes{state="FATAL"} 1
supervisord_processes{state="UNKNOWN"} 0
# EOF
"#;
        let actual = render_metrics(&small_input(), &restarts);
        assert_eq!(actual, expected, "actual:\n{actual}");
    }

    #[test]
    fn no_processes() {
        let text = render_metrics(&[], &|_, _| 0);
        assert!(text.contains("# TYPE node_supervisord_up gauge\n# HELP node_supervisord_state"));
        assert!(text.contains("supervisord_processes{state=\"RUNNING\"} 0\n"));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        let infos = [info("g\"\\\n", "n\"", ProcessState::Running, 0, 5)];
        let text = render_metrics(&infos, &|_, _| 0);
        assert!(
            text.contains(r#"node_supervisord_up{name="n\"",group="g\"\\\n"} 1"#),
            "{text}"
        );
    }

    #[test]
    fn up_follows_node_exporter() {
        let cases = [
            (ProcessState::Stopped, 0),
            (ProcessState::Starting, 1),
            (ProcessState::Running, 1),
            (ProcessState::Backoff, 0),
            (ProcessState::Stopping, 1),
            (ProcessState::Exited, 0),
            (ProcessState::Fatal, 0),
            (ProcessState::Unknown, 0),
        ];
        for (state, up) in cases {
            let text = render_metrics(&[info("p", "p", state, 0, 7)], &|_, _| 0);
            assert!(
                text.contains(&format!(
                    "node_supervisord_up{{name=\"p\",group=\"p\"}} {up}\n"
                )),
                "{state:?}"
            );
            let has_start =
                text.contains("node_supervisord_start_time_seconds{name=\"p\",group=\"p\"} 7\n");
            assert_eq!(has_start, up == 1, "{state:?}");
        }
    }

    // Prometheus' own parser and linter (promtool) check this rendering, and a running daemon's /metrics, in
    // tests/integration/metrics.rs: they run a program, which unit tests of this pure module do not.
}
