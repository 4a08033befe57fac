//! `/metrics` checked by Prometheus' own tool, promtool: the text a running daemon serves, and the rendering of
//! processes with awkward names and every kind of state.
//!
//! Needs `promtool` on `PATH` (Debian's `prometheus` package, which `.ci/run` installs): without it these tests
//! fail rather than skip, so that CI cannot pass without running them.
//!
//! promtool 2.x has no OpenMetrics linter, and the exposition is OpenMetrics (what prometheus-client writes, and
//! what Prometheus negotiates on a scrape), so [`check_with_promtool`] makes two checks:
//! - `promtool tsdb create-blocks-from openmetrics` parses the text with Prometheus' OpenMetrics parser (the one a
//!   scrape uses); backfilling needs a timestamp on each sample, so one is appended to each, nothing else changes;
//! - `promtool check metrics` lints names, help and labels in the classic text format, where a counter's family is
//!   named with its `_total` suffix: the counters' HELP and TYPE lines are renamed so, nothing else changes.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

use supervisor::process::state::ProcessState;
use supervisor::rpc::backend::ProcessInfo;
use supervisor::web::{render_metrics, METRICS_CONTENT_TYPE};

use crate::harness::{count_containing, Daemon, Flavor};

/// Runs promtool with `args` and `input` on its stdin; returns (success, everything it printed). Fails the test
/// when promtool is not installed.
fn promtool(args: &[&str], input: &str) -> (bool, String) {
    let spawned = Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
            "promtool is not installed: the /metrics tests need it (Debian: apt-get install prometheus; \
             .ci/run installs it)"
        ),
        Err(error) => panic!("running promtool: {error}"),
    };
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes())
        .expect("write to promtool");
    let output = child.wait_with_output().expect("promtool output");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), printed)
}

/// Fails the test unless Prometheus' OpenMetrics parser reads `exposition` and `promtool check metrics` finds
/// nothing to say about it (see the module header for how the text is adapted to each).
fn check_with_promtool(exposition: &str) {
    let with_timestamps: String = exposition
        .lines()
        .map(|line| match line.starts_with('#') {
            true => format!("{line}\n"),
            false => format!("{line} 1795503556\n"),
        })
        .collect();
    let work = tempfile::tempdir().expect("temp dir");
    let input_path = work.path().join("exposition.txt");
    std::fs::write(&input_path, &with_timestamps).expect("write exposition");
    let output_dir = work.path().join("blocks");
    let (parsed, printed) = promtool(
        &[
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            input_path.to_str().expect("utf-8 temp path"),
            output_dir.to_str().expect("utf-8 temp path"),
        ],
        "",
    );
    assert!(
        parsed && printed.contains("NUM SAMPLES"),
        "promtool's OpenMetrics parser refused the exposition: {printed}\non:\n{with_timestamps}"
    );

    let mut classic = exposition.to_string();
    for line in exposition.lines() {
        let Some(family) = line
            .strip_prefix("# TYPE ")
            .and_then(|rest| rest.strip_suffix(" counter"))
        else {
            continue;
        };
        classic = classic
            .replace(
                &format!("# HELP {family} "),
                &format!("# HELP {family}_total "),
            )
            .replace(
                &format!("# TYPE {family} counter"),
                &format!("# TYPE {family}_total counter"),
            );
    }
    let (linted, printed) = promtool(&["check", "metrics"], &classic);
    assert!(
        linted && printed.is_empty(),
        "promtool check metrics: {printed}\non:\n{classic}"
    );
}

fn info(group: &str, name: &str, state: ProcessState, exitstatus: i64, start: i64) -> ProcessInfo {
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

#[test]
fn promtool_accepts_the_rendering_of_every_state_and_awkward_names() {
    let mut infos: Vec<ProcessInfo> = ProcessState::ALL
        .iter()
        .enumerate()
        .map(|(index, &state)| {
            let index = i64::try_from(index).expect("few states");
            info("all", state.name(), state, index - 1, 1_795_503_000 + index)
        })
        .collect();
    infos.push(info("we\"ird", "na\\me", ProcessState::Backoff, 2, 9));
    infos.push(info("new\nline", "sp ace", ProcessState::Running, 0, 9));
    let restarts = |_: &str, name: &str| u64::try_from(name.len()).expect("short name");
    let exposition = render_metrics(&infos, &restarts);
    assert!(
        exposition.contains(
            "supervisord_process_restarts_total{name=\"na\\\\me\",group=\"we\\\"ird\"} 5"
        ),
        "{exposition}"
    );
    check_with_promtool(&exposition);
}

/// One HTTP/1.0 GET over the daemon's unix socket: (status line, headers lower-cased, body).
fn get(daemon: &Daemon, path: &str) -> (String, String, String) {
    let mut stream = UnixStream::connect(daemon.path("supervisor.sock")).expect("connect");
    stream
        .set_read_timeout(Some(crate::harness::DEADLINE))
        .expect("timeout");
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes())
        .expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let response = String::from_utf8(response).expect("utf-8 response");
    let (head, body) = response.split_once("\r\n\r\n").expect("a header block");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (
        status.to_string(),
        headers.to_ascii_lowercase(),
        body.to_string(),
    )
}

#[test]
fn promtool_accepts_the_metrics_of_a_running_daemon() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[unix_http_server]\nfile={dir}/supervisor.sock\n\
         [program:web]\ncommand=/bin/sleep 600\nstartsecs=0\n\
         [program:crash]\ncommand=/bin/sh -c \"exit 3\"\nstartsecs=0\nautorestart=false\n\
         [program:broken]\ncommand=/bin/false\nstartsecs=1\nstartretries=0\n\
         [program:idle]\ncommand=/bin/sleep 601\nautostart=false\n\
         [program:again]\ncommand=/bin/sh -c \"test -e {dir}/ran && exec /bin/sleep 602; : > {dir}/ran; exit 1\"\n\
         startsecs=0\nautorestart=true\n\
         [program:worker]\ncommand=/bin/sleep 603\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)02d\n\
         startsecs=0\n",
    );
    daemon.wait_for("every program to settle", |messages| {
        [
            "success: web entered RUNNING state",
            "exited: crash (exit status 3; not expected)",
            "gave up: broken entered FATAL state",
            "success: worker_00 entered RUNNING state",
            "success: worker_01 entered RUNNING state",
        ]
        .iter()
        .all(|needle| count_containing(messages, needle) == 1)
            && count_containing(messages, "success: again entered RUNNING state") == 2
    });

    let (status, headers, exposition) = get(&daemon, "/metrics");
    assert_eq!(status, "HTTP/1.0 200 OK");
    assert!(
        headers.contains(&format!("content-type: {METRICS_CONTENT_TYPE}")),
        "{headers}"
    );
    for expected in [
        "node_supervisord_up{name=\"web\",group=\"web\"} 1",
        "node_supervisord_state{name=\"crash\",group=\"crash\"} 100",
        "node_supervisord_exit_status{name=\"crash\",group=\"crash\"} 3",
        "node_supervisord_state{name=\"broken\",group=\"broken\"} 200",
        "node_supervisord_state{name=\"idle\",group=\"idle\"} 0",
        "node_supervisord_up{name=\"worker_01\",group=\"worker\"} 1",
        "supervisord_process_restarts_total{name=\"again\",group=\"again\"} 1",
        "supervisord_processes{state=\"RUNNING\"} 4",
    ] {
        assert!(
            exposition.lines().any(|line| line == expected),
            "no {expected:?} in:\n{exposition}"
        );
    }
    check_with_promtool(&exposition);
    assert_eq!(daemon.terminate(), Some(0));
}
