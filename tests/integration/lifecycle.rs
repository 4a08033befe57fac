//! supervisord runs its programs: start-up, RUNNING after startsecs, clean shutdown on SIGTERM.

use crate::harness::{alive, spawned_pid, Daemon, Flavor};

#[test]
fn a_program_runs_and_sigterm_stops_it_and_exits_zero() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:sleeper]\ncommand=/bin/sleep 600\nstartsecs=0\n",
    );
    let messages = daemon.wait_for_line("success: sleeper entered RUNNING state", 1);
    let pid = spawned_pid(&messages, "sleeper").expect("spawned line");
    assert!(alive(pid));
    assert_eq!(daemon.terminate(), Some(0));
    assert!(!alive(pid), "the child outlived supervisord");
    let messages = daemon.log_messages();
    assert!(
        messages
            .iter()
            .any(|m| m == "received SIGTERM indicating exit request"),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m == "stopped: sleeper (terminated by SIGTERM)"),
        "{messages:?}"
    );
    assert!(
        !daemon.path("supervisord.pid").exists(),
        "pidfile left behind"
    );
}
