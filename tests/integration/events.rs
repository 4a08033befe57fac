//! Event listeners built on the reference's own `supervisor.childutils` receive our events with Supervisor's
//! headers and payloads; a FAIL gets the event again; a listener that never answers delays nothing.

use std::path::{Path, PathBuf};

use crate::harness::{wait_until, Daemon, Flavor};
use crate::reference::reference_python;

fn listener_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/children/listener.py")
}

/// The events recorded by the listener so far: (headers, payload).
fn recorded(path: &Path) -> Vec<(serde_json::Value, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|value| {
            (
                value["headers"].clone(),
                value["payload"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn listener_config(mode: &str, events: &str) -> String {
    format!(
        "[eventlistener:listen]\ncommand={python} {script} {{dir}}/events.jsonl {mode}\nevents={events}\n\
         [program:a]\ncommand=/bin/sleep 600\nstartsecs=0\n",
        python = reference_python().display(),
        script = listener_script().display(),
    )
}

#[test]
fn a_childutils_listener_receives_process_state_events_with_supervisors_headers() {
    let mut daemon = Daemon::start(Flavor::Ours, &listener_config("ok", "PROCESS_STATE"));
    let record = daemon.path("events.jsonl");
    let events = wait_until("PROCESS_STATE_RUNNING of a", || {
        let events = recorded(&record);
        events
            .iter()
            .any(|(headers, payload)| {
                headers["eventname"] == "PROCESS_STATE_RUNNING"
                    && payload.contains("processname:a ")
            })
            .then_some(events)
    });
    for (headers, payload) in &events {
        assert_eq!(headers["ver"], "3.0");
        assert_eq!(headers["server"], "supervisor");
        assert_eq!(headers["pool"], "listen");
        let len: usize = headers["len"]
            .as_str()
            .expect("len")
            .parse()
            .expect("number");
        assert_eq!(len, payload.len(), "len header of {payload:?}");
        assert!(headers["eventname"]
            .as_str()
            .expect("name")
            .starts_with("PROCESS_STATE_"));
    }
    let running = events
        .iter()
        .find(|(headers, payload)| {
            headers["eventname"] == "PROCESS_STATE_RUNNING" && payload.contains("processname:a ")
        })
        .expect("running event");
    assert!(
        running
            .1
            .starts_with("processname:a groupname:a from_state:STARTING pid:"),
        "{}",
        running.1
    );
    // Serials grow, per pool and globally.
    let serials: Vec<u64> = events
        .iter()
        .map(|(h, _)| h["serial"].as_str().expect("serial").parse().expect("n"))
        .collect();
    assert!(
        serials.windows(2).all(|pair| pair[0] < pair[1]),
        "{serials:?}"
    );
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn a_listener_that_answers_fail_gets_the_event_again() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        &listener_config("fail-once", "PROCESS_STATE_RUNNING"),
    );
    let record = daemon.path("events.jsonl");
    wait_until("the RUNNING event of a delivered twice", || {
        let events = recorded(&record);
        let deliveries = events
            .iter()
            .filter(|(headers, payload)| {
                headers["eventname"] == "PROCESS_STATE_RUNNING"
                    && payload.contains("processname:a ")
            })
            .count();
        (deliveries >= 2).then_some(())
    });
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn a_listener_that_never_answers_does_not_delay_process_starts() {
    let body = format!(
        "{}[program:b]\ncommand=/bin/sleep 600\nstartsecs=0\nautostart=false\n\
         [unix_http_server]\nfile={{dir}}/supervisor.sock\n[supervisorctl]\nserverurl=unix://{{dir}}/supervisor.sock\n",
        listener_config("silent", "PROCESS_STATE")
    );
    let mut daemon = Daemon::start(Flavor::Ours, &body);
    daemon.wait_for_line("success: a entered RUNNING state", 1);
    wait_until("the listener got its first event", || {
        (!recorded(&daemon.path("events.jsonl")).is_empty()).then_some(())
    });
    // The listener is stuck BUSY; starting another program is as quick as ever.
    let started = std::time::Instant::now();
    let status = std::process::Command::new(crate::reference::reference_bin("supervisorctl"))
        .arg("-c")
        .arg(daemon.path("supervisord.conf"))
        .args(["start", "b"])
        .output()
        .expect("supervisorctl");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    daemon.wait_for_line("success: b entered RUNNING state", 1);
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn process_log_and_remote_communication_events_reach_the_listener() {
    let body = format!(
        "[eventlistener:listen]\ncommand={python} {script} {{dir}}/events.jsonl ok\nevents=PROCESS_LOG,REMOTE_COMMUNICATION\n\
         [program:chatty]\ncommand=/bin/sh -c 'echo hello from chatty; exec sleep 600'\nstartsecs=0\nstdout_events_enabled=true\n\
         [unix_http_server]\nfile={{dir}}/supervisor.sock\n",
        python = reference_python().display(),
        script = listener_script().display(),
    );
    let mut daemon = Daemon::start(Flavor::Ours, &body);
    let record = daemon.path("events.jsonl");
    wait_until("PROCESS_LOG_STDOUT of chatty", || {
        recorded(&record)
            .iter()
            .any(|(headers, payload)| {
                headers["eventname"] == "PROCESS_LOG_STDOUT"
                    && payload.starts_with("processname:chatty groupname:chatty pid:")
                    && payload.ends_with("channel:stdout\nhello from chatty\n")
            })
            .then_some(())
    });
    let script = format!(
        "import xmlrpc.client; from supervisor.xmlrpc import SupervisorTransport\n\
         proxy = xmlrpc.client.ServerProxy('http://127.0.0.1', transport=SupervisorTransport(None, None, 'unix://{}'))\n\
         print(proxy.supervisor.sendRemoteCommEvent('greeting', 'hi there'))\n",
        daemon.path("supervisor.sock").display()
    );
    let output = std::process::Command::new(reference_python())
        .args(["-c", &script])
        .output()
        .expect("python");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "True",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    wait_until("REMOTE_COMMUNICATION", || {
        recorded(&record)
            .iter()
            .any(|(headers, payload)| {
                headers["eventname"] == "REMOTE_COMMUNICATION"
                    && payload == "type:greeting\nhi there"
            })
            .then_some(())
    });
    assert_eq!(daemon.terminate(), Some(0));
}
