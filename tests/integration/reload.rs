//! SIGHUP applies the minimal plan: only what changed is restarted, live settings change in place, an invalid
//! config changes nothing.

use crate::harness::{alive, spawned_pid, supervisord_section, Daemon, Flavor};

fn write_config(daemon: &Daemon, body: &str) {
    let config = format!("{}{body}", supervisord_section(daemon.dir.path(), true));
    std::fs::write(daemon.path("supervisord.conf"), config).expect("write config");
}

fn count(messages: &[String], needle: &str) -> usize {
    messages
        .iter()
        .filter(|message| message.contains(needle))
        .count()
}

const TWO: &str = "[program:a]\ncommand=/bin/sleep 600\nstartsecs=0\n[program:b]\ncommand=/bin/sleep 601\nstartsecs=0\n";

#[test]
fn sighup_restarts_only_the_changed_program() {
    let mut daemon = Daemon::start(Flavor::Ours, TWO);
    let messages = daemon.wait_for_line("entered RUNNING state", 2);
    let (a, b) = (
        spawned_pid(&messages, "a").expect("a"),
        spawned_pid(&messages, "b").expect("b"),
    );
    write_config(&daemon, &TWO.replace("sleep 600", "sleep 700"));
    daemon.signal(nix::libc::SIGHUP);
    let messages = daemon.wait_for_line("success: a entered RUNNING state", 2);
    assert!(
        messages.iter().any(|m| m == "update: a: restart (command)"),
        "{messages:?}"
    );
    let new_a = spawned_pid(&messages, "a").expect("a respawned");
    assert_ne!(new_a, a);
    assert!(!alive(a), "the old a is still alive");
    assert_eq!(spawned_pid(&messages, "b"), Some(b), "b was restarted");
    assert_eq!(count(&messages, "spawned: 'b'"), 1);
    assert!(alive(b));
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn sighup_with_a_live_change_restarts_nothing() {
    let mut daemon = Daemon::start(Flavor::Ours, TWO);
    daemon.wait_for_line("entered RUNNING state", 2);
    write_config(
        &daemon,
        &TWO.replace("sleep 601\n", "sleep 601\nautorestart=true\n"),
    );
    daemon.signal(nix::libc::SIGHUP);
    let messages = daemon.wait_for_line("update: b: update in place (autorestart)", 1);
    assert_eq!(count(&messages, "spawned:"), 2, "{messages:?}");
    // The new autorestart=true takes effect: b comes back after being killed.
    let b = spawned_pid(&messages, "b").expect("b");
    unsafe { nix::libc::kill(b, nix::libc::SIGKILL) };
    let messages = daemon.wait_for_line("spawned: 'b'", 2);
    assert_ne!(spawned_pid(&messages, "b"), Some(b));
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn sighup_with_an_invalid_config_changes_nothing_and_says_where() {
    let mut daemon = Daemon::start(Flavor::Ours, TWO);
    let messages = daemon.wait_for_line("entered RUNNING state", 2);
    let pids = (spawned_pid(&messages, "a"), spawned_pid(&messages, "b"));
    write_config(
        &daemon,
        &format!("{TWO}[program:c]\ncommand=/bin/true\nstartsecs=soon\n"),
    );
    daemon.signal(nix::libc::SIGHUP);
    let messages = daemon.wait_for_line(
        "startsecs: invalid literal for int() with base 10: 'soon'",
        1,
    );
    let line = messages
        .iter()
        .find(|m| m.contains("'soon'"))
        .expect("error line");
    assert!(
        line.contains("supervisord.conf:15: [program:c] startsecs:"),
        "{line}"
    );
    assert_eq!(count(&messages, "spawned:"), 2);
    assert_eq!(
        (spawned_pid(&messages, "a"), spawned_pid(&messages, "b")),
        pids
    );
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn sighup_scales_numprocs_up_and_down() {
    let body = |n: usize| {
        format!("[program:w]\ncommand=/bin/sleep 600\nstartsecs=0\nnumprocs={n}\nprocess_name=w_%(process_num)d\n")
    };
    let mut daemon = Daemon::start(Flavor::Ours, &body(2));
    let messages = daemon.wait_for_line("entered RUNNING state", 2);
    let first = (spawned_pid(&messages, "w_0"), spawned_pid(&messages, "w_1"));
    write_config(&daemon, &body(4));
    daemon.signal(nix::libc::SIGHUP);
    let messages = daemon.wait_for_line("entered RUNNING state", 4);
    assert_eq!(count(&messages, "spawned:"), 4, "{messages:?}");
    assert_eq!(
        (spawned_pid(&messages, "w_0"), spawned_pid(&messages, "w_1")),
        first
    );
    let (w2, w3) = (
        spawned_pid(&messages, "w_2").expect("w_2"),
        spawned_pid(&messages, "w_3").expect("w_3"),
    );
    write_config(&daemon, &body(2));
    daemon.signal(nix::libc::SIGHUP);
    let messages = daemon.wait_for_line("update: w:w_3: remove", 1);
    assert!(!alive(w2) && !alive(w3));
    assert!(alive(first.0.expect("w_0")) && alive(first.1.expect("w_1")));
    assert_eq!(count(&messages, "spawned:"), 4);
    assert_eq!(daemon.terminate(), Some(0));
}

/// Replaces the config the way editors save: write a temporary file, then rename it over the old one.
fn rename_save(daemon: &Daemon, body: &str) {
    let config = format!("{}{body}", supervisord_section(daemon.dir.path(), true));
    let temporary = daemon.path(".supervisord.conf.swp");
    std::fs::write(&temporary, config).expect("write temporary");
    std::fs::rename(&temporary, daemon.path("supervisord.conf")).expect("rename over the config");
}

#[test]
fn config_watch_apply_applies_a_rename_saved_edit_within_two_seconds() {
    let body = |seconds: u32| {
        format!("[supervisord]\nconfig_watch=apply\n[program:a]\ncommand=/bin/sleep {seconds}\nstartsecs=0\n")
    };
    let mut daemon = Daemon::start(Flavor::Ours, &body(600));
    let messages = daemon.wait_for_line("entered RUNNING state", 1);
    let first = spawned_pid(&messages, "a").expect("a");
    let saved = std::time::Instant::now();
    rename_save(&daemon, &body(700));
    let messages = daemon.wait_for_line("spawned: 'a'", 2);
    let elapsed = saved.elapsed();
    assert!(
        elapsed < std::time::Duration::from_secs(2),
        "applied after {elapsed:?}"
    );
    assert!(
        messages.iter().any(|m| m == "update: a: restart (command)"),
        "{messages:?}"
    );
    assert_ne!(spawned_pid(&messages, "a"), Some(first));
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn config_watch_report_logs_the_pending_plan_and_changes_nothing() {
    let mut daemon = Daemon::start(Flavor::Ours, TWO);
    let messages = daemon.wait_for_line("entered RUNNING state", 2);
    let a = spawned_pid(&messages, "a");
    rename_save(&daemon, &TWO.replace("sleep 600", "sleep 700"));
    let messages = daemon.wait_for_line("the config files changed; pending plan", 1);
    let report = messages
        .iter()
        .find(|m| m.contains("pending plan"))
        .expect("report");
    assert!(report.contains("supervisorctl update"), "{report}");
    let log = daemon.log();
    assert!(log.contains("\na: restart [command]\n"), "{log}");
    assert_eq!(count(&messages, "spawned:"), 2);
    assert_eq!(spawned_pid(&messages, "a"), a);
    assert_eq!(daemon.terminate(), Some(0));
}
