//! supervisord runs its programs (spec 8-10): autostart in priority order, startsecs, backoff, autorestart with
//! exitcodes, stopping (SIGKILL after stopwaitsecs, stopasgroup), spawn errors, what a child sees (environment,
//! directory, umask, user, signal dispositions), child logs (rotation, AUTO, redirect_stderr, strip_ansi, NONE),
//! shutdown on SIGTERM, log reopening on SIGUSR2, and daemonizing.
//!
//! Each test starts the real binary in a temp dir with tiny `/bin/sh` children and polls the main log and files
//! with a deadline. The expected lines are Supervisor 4.3.0's (the start order is also checked against the
//! reference itself). Where ours deliberately differs (timers fire on time instead of on a one-second tick;
//! shutdown moves on as soon as a group is down), the time bounds follow ours.

use std::os::unix::fs::PermissionsExt;

use crate::harness::{
    alive, children_of, count_containing, parent_of, process_group_of, session_of, spawned_pid,
    spawned_pids, wait_until, zombie, Daemon, Flavor, LogEntry,
};

/// The time of the first entry whose message contains `needle`.
fn time_of(entries: &[LogEntry], needle: &str) -> f64 {
    entries
        .iter()
        .find(|entry| entry.message.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} in {entries:#?}"))
        .seconds
}

/// The level of the first entry whose message is exactly `message`.
fn level_of(entries: &[LogEntry], message: &str) -> String {
    entries
        .iter()
        .find(|entry| entry.message == message)
        .unwrap_or_else(|| panic!("no {message:?} in {entries:#?}"))
        .level
        .clone()
}

/// The names in `spawned: 'name' with pid N` messages, in order.
fn spawn_order(messages: &[String]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|message| {
            let rest = message.strip_prefix("spawned: '")?;
            Some(rest[..rest.find('\'')?].to_string())
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Whether the bytes end with the `END` line the children print last.
fn ends_with_end(bytes: &[u8]) -> bool {
    bytes.ends_with(b"END\n")
}

/// The names of the files in the daemon's temp dir, sorted.
fn file_names(daemon: &Daemon) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(daemon.dir.path())
        .expect("read temp dir")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Whether `name` is an AUTO log of `process` on `channel`: `<process>-<channel>---supervisor-XXXXXXXX.log`
/// with eight characters of `[a-z0-9_]` (Supervisor's `mkstemp` pattern, default identifier).
fn is_auto_log(name: &str, process: &str, channel: &str) -> bool {
    let Some(random) = name
        .strip_prefix(&format!("{process}-{channel}---supervisor-"))
        .and_then(|rest| rest.strip_suffix(".log"))
    else {
        return false;
    };
    random.len() == 8
        && random
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

/// The signal mask `field` (`SigIgn`, `SigBlk`, ...) of a `/proc/<pid>/status` text.
fn signal_mask(status: &str, field: &str) -> u64 {
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {status}"));
    u64::from_str_radix(line.trim(), 16).expect("hex mask")
}

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

#[test]
fn autostart_spawns_by_group_priority_then_process_order_and_skips_autostart_false() {
    // Groups sort by (priority, name): c(1), b(2), g(2), a(3), w(4). A [group:] keeps its programs= order (zz
    // before yy whatever their priorities); a numprocs program's processes sort by name (w_10 before w_8).
    let body = "[program:c]\ncommand=/bin/sleep 600\npriority=1\nstartsecs=0\n\
         [program:a]\ncommand=/bin/sleep 600\npriority=3\nstartsecs=0\n\
         [program:b]\ncommand=/bin/sleep 600\npriority=2\nstartsecs=0\n\
         [program:off]\ncommand=/bin/sleep 600\nautostart=false\npriority=0\n\
         [group:g]\nprograms=zz,yy\npriority=2\n\
         [program:zz]\ncommand=/bin/sleep 600\npriority=9\nstartsecs=0\n\
         [program:yy]\ncommand=/bin/sleep 600\npriority=1\nstartsecs=0\n\
         [program:w]\ncommand=/bin/sleep 600\nnumprocs=3\nnumprocs_start=8\n\
         process_name=%(program_name)s_%(process_num)d\npriority=4\nstartsecs=0\n";
    let mut daemon = Daemon::start(Flavor::Ours, body);
    let expected = ["c", "b", "zz", "yy", "a", "w_10", "w_8", "w_9"];
    let messages = daemon.wait_for_line("entered RUNNING state", expected.len());
    assert_eq!(spawn_order(&messages), expected, "{messages:#?}");
    // Ours starts the first processes at once (Supervisor waits for its first one-second tick).
    let entries = daemon.log_entries();
    let delay =
        time_of(&entries, "spawned: 'c'") - time_of(&entries, "supervisord started with pid");
    assert!(delay < 0.5, "first spawn {delay} s after start-up");
    assert_eq!(daemon.terminate(), Some(0));
    let messages = daemon.log_messages();
    assert_eq!(spawn_order(&messages), expected, "{messages:#?}");
    assert_eq!(count_containing(&messages, "'off'"), 0, "{messages:#?}");

    // Supervisor 4.3.0 spawns them in the same order.
    let mut reference = Daemon::start(Flavor::Reference, body);
    let messages = reference.wait_for_line("spawned: ", expected.len());
    assert_eq!(spawn_order(&messages), expected, "{messages:#?}");
    reference.kill();
}

#[test]
fn running_only_after_startsecs_and_at_once_with_startsecs_zero() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:slow]\ncommand=/bin/sleep 600\nstartsecs=1\n\
         [program:instant]\ncommand=/bin/sleep 600\nstartsecs=0\n\
         [program:quick]\ncommand=/bin/sh -c 'exit 0'\nstartsecs=0\nautorestart=false\n\
         [program:short]\ncommand=/bin/sh -c 'exit 0'\nstartsecs=10\nstartretries=0\n",
    );
    daemon.wait_for("slow RUNNING, quick exited, short given up", |messages| {
        ["success: slow ", "exited: quick ", "gave up: short "]
            .iter()
            .all(|needle| count_containing(messages, needle) == 1)
    });
    let entries = daemon.log_entries();
    let slow_up = time_of(&entries, "success: slow ") - time_of(&entries, "spawned: 'slow'");
    // The spawn is logged after the fork while startsecs counts from just before it: allow a little slack below.
    assert!(
        (0.9..2.5).contains(&slow_up),
        "slow became RUNNING after {slow_up} s"
    );
    assert!(entries.iter().any(|entry| entry.message
        == "success: slow entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)"));
    let instant_up =
        time_of(&entries, "success: instant ") - time_of(&entries, "spawned: 'instant'");
    assert!(
        instant_up < 0.5,
        "instant became RUNNING after {instant_up} s"
    );
    assert!(entries.iter().any(|entry| entry.message
        == "success: instant entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)"));
    // With startsecs=0 an instant exit is a normal exit: expected, no BACKOFF.
    assert_eq!(
        level_of(&entries, "exited: quick (exit status 0; expected)"),
        "INFO"
    );
    // Before startsecs even an expected exit code is "not expected" (too quick), and startretries=0 gives up.
    assert_eq!(
        level_of(&entries, "exited: short (exit status 0; not expected)"),
        "WARN"
    );
    assert_eq!(daemon.terminate(), Some(0));
    let messages = daemon.log_messages();
    for name in ["quick", "short"] {
        assert_eq!(
            spawned_pids(&messages, name).len(),
            1,
            "{name}: {messages:#?}"
        );
    }
    assert_eq!(count_containing(&messages, "gave up: quick"), 0);
}

#[test]
fn backoff_waits_one_then_two_seconds_then_gives_up() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:failing]\ncommand=/bin/sh -c 'exit 1'\nstartretries=2\nstartsecs=10\n\
         [program:once]\ncommand=/bin/sh -c 'exit 1'\nstartretries=0\nstartsecs=10\n",
    );
    daemon.wait_for("both programs to give up", |messages| {
        count_containing(messages, "gave up: failing ") == 1
            && count_containing(messages, "gave up: once ") == 1
    });
    let entries = daemon.log_entries();
    let spawns: Vec<f64> = entries
        .iter()
        .filter(|entry| entry.message.starts_with("spawned: 'failing'"))
        .map(|entry| entry.seconds)
        .collect();
    assert_eq!(spawns.len(), 3, "{entries:#?}");
    // The waits are 1 s then 2 s after each failure (timestamps have millisecond resolution).
    let first_wait = spawns[1] - spawns[0];
    let second_wait = spawns[2] - spawns[1];
    assert!(
        (0.999..1.9).contains(&first_wait),
        "first wait {first_wait} s"
    );
    assert!(
        (1.999..2.9).contains(&second_wait),
        "second wait {second_wait} s"
    );
    let messages: Vec<&str> = entries.iter().map(|entry| entry.message.as_str()).collect();
    assert_eq!(
        count_containing(
            &daemon.log_messages(),
            "exited: failing (exit status 1; not expected)"
        ),
        3
    );
    let gave_up = time_of(&entries, "gave up: failing");
    assert!(gave_up >= spawns[2], "{messages:#?}");
    assert!(messages
        .contains(&"gave up: failing entered FATAL state, too many start retries too quickly"));
    // startretries=0: the first failure is final.
    assert!(
        messages.contains(&"gave up: once entered FATAL state, too many start retries too quickly")
    );
    assert_eq!(daemon.terminate(), Some(0));
    let messages = daemon.log_messages();
    assert_eq!(spawned_pids(&messages, "failing").len(), 3, "{messages:#?}");
    assert_eq!(spawned_pids(&messages, "once").len(), 1, "{messages:#?}");
}

#[test]
fn sigint_during_backoff_gives_up_without_retrying_and_exits() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:failing]\ncommand=/bin/sh -c 'exit 1'\nstartretries=10\nstartsecs=10\n",
    );
    daemon.wait_for_line("exited: failing (exit status 1; not expected)", 1);
    daemon.signal(nix::libc::SIGINT);
    assert_eq!(daemon.wait_exit(), Some(0));
    let messages = daemon.log_messages();
    assert!(messages.contains(&"received SIGINT indicating exit request".to_string()));
    // No retry once shutting down, and BACKOFF goes to FATAL without a `gave up:` line.
    assert_eq!(spawned_pids(&messages, "failing").len(), 1, "{messages:#?}");
    assert_eq!(count_containing(&messages, "gave up:"), 0, "{messages:#?}");
}

#[test]
fn autorestart_true_false_and_unexpected_follow_exitcodes() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:always]\ncommand=/bin/sh -c 'echo run; sleep 0.2; exit 0'\nautorestart=true\nstartsecs=0\n\
         stdout_logfile={dir}/always.out\n\
         [program:never]\ncommand=/bin/sh -c 'exit 4'\nautorestart=false\nstartsecs=0\n\
         [program:expected]\ncommand=/bin/sh -c 'exit 3'\nautorestart=unexpected\nexitcodes=0,3\nstartsecs=0\n\
         [program:unexpected]\ncommand=/bin/sh -c 'sleep 0.2; exit 4'\nautorestart=unexpected\n\
         exitcodes=0,3\nstartsecs=0\n\
         [program:signalled]\ncommand=/bin/sh -c 'sleep 0.2; kill -KILL $$'\nautorestart=unexpected\n\
         exitcodes=0\nstartsecs=0\n",
    );
    // The restarting programs are the witnesses: by the time each has run three times, a restart of the others
    // (which exit at once) would have happened long before.
    daemon.wait_for("three runs of each restarting program", |messages| {
        ["always", "unexpected", "signalled"]
            .iter()
            .all(|name| spawned_pids(messages, name).len() >= 3)
    });
    let entries = daemon.log_entries();
    let messages = daemon.log_messages();
    for name in ["never", "expected"] {
        assert_eq!(
            spawned_pids(&messages, name).len(),
            1,
            "{name} was restarted: {messages:#?}"
        );
    }
    let cases = [
        ("exited: always (exit status 0; expected)", "INFO"),
        ("exited: never (exit status 4; not expected)", "WARN"),
        ("exited: expected (exit status 3; expected)", "INFO"),
        ("exited: unexpected (exit status 4; not expected)", "WARN"),
        // A signal death is never an expected exit.
        (
            "exited: signalled (terminated by SIGKILL; not expected)",
            "WARN",
        ),
    ];
    for (message, level) in cases {
        assert_eq!(level_of(&entries, message), level, "{message}");
    }
    assert!(count_containing(&messages, "exited: always (exit status 0; expected)") >= 2);
    // The log file is opened in append mode at each spawn: every run's output is there.
    daemon.wait_for_file("always.out", |bytes| bytes.starts_with(b"run\nrun\nrun\n"));
    assert_eq!(daemon.terminate(), Some(0));
    let messages = daemon.log_messages();
    for name in ["never", "expected"] {
        assert_eq!(spawned_pids(&messages, name).len(), 1, "{messages:#?}");
    }
    assert_eq!(count_containing(&messages, "gave up:"), 0, "{messages:#?}");
}

#[test]
fn a_child_that_ignores_sigterm_is_killed_after_stopwaitsecs() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:stubborn]\ncommand=/bin/sh -c \"trap '' TERM; exec /bin/sleep 600\"\n\
         startsecs=0\nstopwaitsecs=1\n",
    );
    let messages = daemon.wait_for_line("success: stubborn entered RUNNING state", 1);
    let pid = spawned_pid(&messages, "stubborn").expect("spawned line");
    // Wait until the shell has set SIGTERM to ignored (bit 15 - 1), or the stop would race the trap.
    wait_until("the child to ignore SIGTERM", || {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        (signal_mask(&status, "SigIgn") & (1 << 14) != 0).then_some(())
    });
    assert_eq!(daemon.terminate(), Some(0));
    let entries = daemon.log_entries();
    let killing = format!("killing 'stubborn' ({pid}) with SIGKILL");
    let waited =
        time_of(&entries, &killing) - time_of(&entries, "received SIGTERM indicating exit request");
    assert!((0.999..2.5).contains(&waited), "SIGKILL after {waited} s");
    assert_eq!(level_of(&entries, &killing), "WARN");
    assert_eq!(
        level_of(
            &entries,
            &format!("killing stubborn (pid {pid}) with signal SIGTERM")
        ),
        "DEBG"
    );
    assert_eq!(
        level_of(&entries, "stopped: stubborn (terminated by SIGKILL)"),
        "WARN"
    );
    assert!(!alive(pid));
}

#[test]
fn stdin_is_a_pipe_kept_open_so_readers_never_see_eof() {
    // cat exits at EOF; it reaching RUNNING after startsecs=1 shows its stdin stayed open.
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:reader]\ncommand=/bin/cat\nstartsecs=1\n",
    );
    let messages = daemon.wait_for_line("success: reader entered RUNNING state", 1);
    let pid = spawned_pid(&messages, "reader").expect("spawned");
    let stdin = std::fs::read_link(format!("/proc/{pid}/fd/0")).expect("fd 0");
    assert!(stdin.to_string_lossy().starts_with("pipe:["), "{stdin:?}");
    assert_eq!(count_containing(&messages, "exited: reader"), 0);
    assert_eq!(daemon.terminate(), Some(0));
}

/// A child shell that starts a background sleep, writes its pid to `grandchild.pid`, and waits.
const SHELL_WITH_GRANDCHILD: &str =
    "command=/bin/sh -c '/bin/sleep 600 & echo $! > {dir}/grandchild.pid; wait'\nstartsecs=0\n";

/// Starts a daemon running [`SHELL_WITH_GRANDCHILD`]; returns it with the shell's and the grandchild's pids.
fn start_with_grandchild(stopasgroup: bool) -> (Daemon, i32, i32) {
    let daemon = Daemon::start(
        Flavor::Ours,
        &format!("[program:parent]\n{SHELL_WITH_GRANDCHILD}stopasgroup={stopasgroup}\n"),
    );
    let messages = daemon.wait_for_line("success: parent entered RUNNING state", 1);
    let parent = spawned_pid(&messages, "parent").expect("spawned line");
    let grandchild = daemon.wait_for_file("grandchild.pid", |bytes| bytes.ends_with(b"\n"));
    let grandchild: i32 = text(&grandchild).trim().parse().expect("a pid");
    assert!(alive(parent) && alive(grandchild));
    assert_eq!(parent_of(grandchild), Some(parent));
    (daemon, parent, grandchild)
}

#[test]
fn stopasgroup_stops_grandchildren_too() {
    let (mut daemon, parent, grandchild) = start_with_grandchild(true);
    assert_eq!(daemon.terminate(), Some(0));
    assert!(!alive(parent));
    // The grandchild got the same SIGTERM through its process group; it dies a moment after its parent.
    wait_until("the grandchild to die", || {
        (!alive(grandchild)).then_some(())
    });
    assert!(daemon.log_messages().contains(&format!(
        "killing parent (pid {parent}) process group with signal SIGTERM"
    )));
}

#[test]
fn without_stopasgroup_grandchildren_survive() {
    let (mut daemon, parent, grandchild) = start_with_grandchild(false);
    daemon.strays.push(grandchild);
    daemon.signal(nix::libc::SIGQUIT);
    assert_eq!(daemon.wait_exit(), Some(0));
    assert!(daemon
        .log_messages()
        .contains(&"received SIGQUIT indicating exit request".to_string()));
    assert!(!alive(parent));
    assert!(alive(grandchild), "the grandchild was stopped too");
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe { nix::libc::kill(grandchild, nix::libc::SIGKILL) };
    wait_until("the grandchild to die", || {
        (!alive(grandchild)).then_some(())
    });
}

#[test]
fn spawn_errors_back_off_then_give_up() {
    let mut daemon = Daemon::prepare(
        Flavor::Ours,
        "",
        "[program:notfound]\ncommand=/nonexistent/prog\nstartretries=1\n\
         [program:notexec]\ncommand={dir}/plain.sh\nstartretries=1\n\
         [program:isdir]\ncommand={dir}/adir\nstartretries=1\n\
         [program:relative]\ncommand=no-such-program-xyz\nstartretries=1\n\
         [program:quoting]\ncommand=/bin/echo \"unclosed\nstartretries=1\n\
         [program:chdir]\ncommand=/bin/true\ndirectory=/nonexistent\nstartretries=0\n\
         stderr_logfile={dir}/chdir.err\n\
         [program:logsgone]\ncommand=/bin/sh -c 'rm -r {dir}/logs; exit 1'\nstartsecs=0\nstartretries=1\n\
         stdout_logfile={dir}/logs/out.log\n",
    );
    std::fs::create_dir(daemon.path("logs")).expect("mkdir");
    let dir = daemon.dir.path().to_string_lossy().into_owned();
    std::fs::create_dir(daemon.path("adir")).expect("mkdir");
    std::fs::write(daemon.path("plain.sh"), "#!/bin/sh\necho hi\n").expect("write");
    std::fs::set_permissions(
        daemon.path("plain.sh"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    daemon.spawn(&[], &[]);
    let cases = [
        (
            "notfound",
            "can't find command '/nonexistent/prog'".to_string(),
        ),
        (
            "notexec",
            format!("command at '{dir}/plain.sh' is not executable"),
        ),
        ("isdir", format!("command at '{dir}/adir' is a directory")),
        (
            "relative",
            "can't find command 'no-such-program-xyz'".to_string(),
        ),
        (
            "quoting",
            "can't parse command '/bin/echo \"unclosed': No closing quotation".to_string(),
        ),
        // The log file is opened at each spawn: once its directory is gone (the first run removed it), the
        // spawn fails before the fork.
        (
            "logsgone",
            "unknown error making dispatchers for 'logsgone': ENOENT".to_string(),
        ),
    ];
    let messages = daemon.wait_for("every program to give up", |messages| {
        [
            "notfound", "notexec", "isdir", "relative", "quoting", "chdir", "logsgone",
        ]
        .iter()
        .all(|name| count_containing(messages, &format!("gave up: {name} entered FATAL")) == 1)
    });
    let entries = daemon.log_entries();
    for (name, error) in &cases {
        let spawnerr = format!("spawnerr: {error}");
        let times: Vec<f64> = entries
            .iter()
            .filter(|entry| entry.message == spawnerr)
            .map(|entry| entry.seconds)
            .collect();
        // startretries=1: two attempts, 1 s apart (BACKOFF), then FATAL.
        assert_eq!(times.len(), 2, "{spawnerr}: {messages:#?}");
        assert!(times[1] - times[0] >= 0.999, "{spawnerr}: {times:?}");
        assert_eq!(level_of(&entries, &spawnerr), "INFO");
        assert!(time_of(&entries, &format!("gave up: {name} ")) >= times[1]);
        let expected_spawns = usize::from(*name == "logsgone");
        assert_eq!(
            spawned_pids(&messages, name).len(),
            expected_spawns,
            "{name}"
        );
    }
    // A chdir failure happens in the child: a quick exit 127 with Supervisor's lines on its stderr.
    assert_eq!(
        level_of(&entries, "exited: chdir (exit status 127; not expected)"),
        "WARN"
    );
    daemon.wait_for_file("chdir.err", |bytes| {
        bytes
            == b"supervisor: couldn't chdir to /nonexistent: ENOENT\n\
                 supervisor: child process was not spawned\n"
    });
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn an_exec_failure_in_the_child_exits_127_with_supervisors_message() {
    // An executable text file without `#!`: execve fails with ENOEXEC (no retry through /bin/sh, unlike execvp).
    let mut daemon = Daemon::prepare(
        Flavor::Ours,
        "",
        "[program:noshebang]\ncommand={dir}/noshebang arg\nstartretries=0\nstderr_logfile={dir}/noshebang.err\n",
    );
    std::fs::write(daemon.path("noshebang"), "echo ran anyway\n").expect("write");
    std::fs::set_permissions(
        daemon.path("noshebang"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    daemon.spawn(&[], &[]);
    daemon.wait_for_line("gave up: noshebang entered FATAL state", 1);
    let entries = daemon.log_entries();
    assert!(entries
        .iter()
        .any(|entry| entry.message.starts_with("spawned: 'noshebang' with pid ")));
    assert_eq!(
        level_of(
            &entries,
            "exited: noshebang (exit status 127; not expected)"
        ),
        "WARN"
    );
    let dir = daemon.dir.path().display().to_string();
    let expected = format!(
        "supervisor: couldn't exec {dir}/noshebang: ENOEXEC\nsupervisor: child process was not spawned\n"
    );
    daemon.wait_for_file("noshebang.err", |bytes| bytes == expected.as_bytes());
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn children_get_stdio_pipes_and_no_other_descriptor() {
    // supervisord itself inherits descriptor 37 (as from a careless parent); Supervisor closes descriptors
    // 3..minfds-1 in the child, so the child sees only its three pipes (and the directory `ls` opens, fd 3).
    let mut daemon = Daemon::prepare(
        Flavor::Ours,
        "",
        "[program:fds]\ncommand=/bin/ls -l /proc/self/fd\nstartsecs=0\nautorestart=false\n\
         stdout_logfile={dir}/fds.out\n",
    );
    daemon.spawn_inheriting_descriptor(37);
    daemon.wait_for_line("exited: fds (exit status 0; expected)", 1);
    let listing = text(&daemon.wait_for_file("fds.out", |bytes| text(bytes).contains(" 3 -> ")));
    let targets: Vec<(&str, &str)> = listing
        .lines()
        .filter_map(|line| line.split_once(" -> "))
        .map(|(left, target)| (left.rsplit(' ').next().unwrap_or(""), target))
        .collect();
    let descriptors: Vec<&str> = targets.iter().map(|(fd, _)| *fd).collect();
    assert_eq!(descriptors, ["0", "1", "2", "3"], "{listing}");
    for (fd, target) in &targets[..3] {
        assert!(target.starts_with("pipe:["), "{fd} -> {target}");
    }
    assert_ne!(targets[1].1, targets[2].1, "stdout and stderr share a pipe");
    assert_eq!(daemon.terminate(), Some(0));
}

/// Starts a daemon, waits for `name` to exit, and returns the contents of its stdout log `{dir}/<name>.out`,
/// which the child ends with `END`.
fn run_to_completion(daemon: &Daemon, name: &str) -> String {
    daemon.wait_for_line(&format!("exited: {name} "), 1);
    text(&daemon.wait_for_file(&format!("{name}.out"), ends_with_end))
}

#[test]
fn the_child_environment_layers_supervisord_then_supervisor_variables_then_environment_options() {
    let mut daemon = Daemon::prepare(
        Flavor::Ours,
        "environment=GLOBAL_ONLY=g,SHARED=from_global,INHERITED=from_global\n",
        "[unix_http_server]\nfile={dir}/supervisor.sock\n\
         [group:grp]\nprograms=envprog\n\
         [program:envprog]\ncommand=/bin/sh -c 'env; echo END'\nprocess_name=%(program_name)s_x\n\
         startsecs=0\nautorestart=false\nstdout_logfile={dir}/envprog_x.out\n\
         environment=SHARED=\"from program\",PROGRAM_ONLY=p,SUPERVISOR_ENABLED=overridden\n\
         [program:bare]\ncommand=/bin/sh -c 'env; echo END'\nstartsecs=0\nautorestart=false\n\
         stdout_logfile={dir}/bare.out\n",
    );
    daemon.spawn(&[], &[("INHERITED", "from_daemon"), ("DAEMON_ONLY", "d")]);
    let url = format!("unix://{}", daemon.path("supervisor.sock").display());
    let check = |name: &str, expected: &[(&str, Option<&str>)]| {
        let output = run_to_completion(&daemon, name);
        let environment: Vec<(&str, &str)> = output
            .lines()
            .filter_map(|line| line.split_once('='))
            .collect();
        for (key, value) in expected {
            let found: Vec<&str> = environment
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| *v)
                .collect();
            assert_eq!(
                found,
                value.iter().copied().collect::<Vec<_>>(),
                "{name}: {key} in\n{output}"
            );
        }
        let path = std::env::var("PATH").expect("PATH");
        assert!(environment.contains(&("PATH", path.as_str())), "{output}");
    };
    check(
        "envprog_x",
        &[
            ("SUPERVISOR_ENABLED", Some("overridden")),
            ("SUPERVISOR_PROCESS_NAME", Some("envprog_x")),
            ("SUPERVISOR_GROUP_NAME", Some("grp")),
            ("SUPERVISOR_SERVER_URL", Some(&url)),
            ("GLOBAL_ONLY", Some("g")),
            ("SHARED", Some("from program")),
            ("PROGRAM_ONLY", Some("p")),
            ("INHERITED", Some("from_global")),
            ("DAEMON_ONLY", Some("d")),
        ],
    );
    check(
        "bare",
        &[
            ("SUPERVISOR_ENABLED", Some("1")),
            ("SUPERVISOR_PROCESS_NAME", Some("bare")),
            ("SUPERVISOR_GROUP_NAME", Some("bare")),
            ("SUPERVISOR_SERVER_URL", Some(&url)),
            ("GLOBAL_ONLY", Some("g")),
            ("SHARED", Some("from_global")),
            ("PROGRAM_ONLY", None),
        ],
    );
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn without_an_http_server_the_child_keeps_an_inherited_server_url() {
    // Supervisor sets SUPERVISOR_SERVER_URL only when it knows a URL; otherwise the child sees whatever
    // supervisord itself inherited (process.py `_spawn_as_child`).
    let mut daemon = Daemon::prepare(
        Flavor::Ours,
        "",
        "[program:plain]\ncommand=/bin/sh -c 'env; echo END'\nstartsecs=0\nautorestart=false\n\
         stdout_logfile={dir}/plain.out\n",
    );
    daemon.spawn(&[], &[("SUPERVISOR_SERVER_URL", "http://inherited:9001")]);
    let output = run_to_completion(&daemon, "plain");
    let urls: Vec<&str> = output
        .lines()
        .filter(|line| line.starts_with("SUPERVISOR_SERVER_URL="))
        .collect();
    assert_eq!(
        urls,
        ["SUPERVISOR_SERVER_URL=http://inherited:9001"],
        "{output}"
    );
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn directory_and_umask_apply_to_the_child_and_default_to_supervisords() {
    let mut daemon = Daemon::prepare(
        Flavor::Ours,
        "",
        "[program:placed]\ncommand=/bin/sh -c 'pwd; umask; echo END'\ndirectory={dir}/work\numask=027\n\
         startsecs=0\nautorestart=false\nstdout_logfile={dir}/placed.out\n\
         [program:unplaced]\ncommand=/bin/sh -c 'pwd; umask; echo END'\n\
         startsecs=0\nautorestart=false\nstdout_logfile={dir}/unplaced.out\n",
    );
    std::fs::create_dir(daemon.path("work")).expect("mkdir");
    daemon.spawn(&[], &[]);
    let dir = daemon.dir.path().display().to_string();
    assert_eq!(
        run_to_completion(&daemon, "placed"),
        format!("{dir}/work\n0027\nEND\n")
    );
    // Without the options the child has supervisord's cwd (here the temp dir) and umask (ours, inherited: in the
    // foreground supervisord does not set its own).
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let our_umask = status
        .lines()
        .find_map(|line| line.strip_prefix("Umask:"))
        .expect("Umask line")
        .trim()
        .to_string();
    assert_eq!(
        run_to_completion(&daemon, "unplaced"),
        format!("{dir}\n{our_umask}\nEND\n")
    );
    // The log file is created by supervisord, with its umask, not the program's.
    let our_umask = u32::from_str_radix(&our_umask, 8).expect("octal umask");
    let mode = std::fs::metadata(daemon.path("placed.out"))
        .expect("placed.out")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o666 & !our_umask);
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn user_drops_privileges_in_the_child() {
    // The tests run as root, so user=nobody really switches (uid and gid 65534 on Debian-like systems).
    let mut daemon = Daemon::prepare(
        Flavor::Ours,
        "",
        "[program:who]\ncommand=/bin/sh -c 'id -u; id -g; id -G; echo \"$HOME\"; echo END'\nuser=nobody\n\
         startsecs=0\nautorestart=false\nstdout_logfile={dir}/who.out\n\
         [program:locked]\ncommand=/bin/pwd\nuser=nobody\ndirectory={dir}/work\nstartretries=0\n\
         stderr_logfile={dir}/locked.err\n",
    );
    std::fs::create_dir(daemon.path("work")).expect("mkdir");
    std::fs::set_permissions(daemon.path("work"), std::fs::Permissions::from_mode(0o700))
        .expect("chmod");
    daemon.spawn(&[], &[]);
    // HOME is not changed by user= (nor USER, LOGNAME, SHELL).
    let home = std::env::var("HOME").unwrap_or_default();
    assert_eq!(
        run_to_completion(&daemon, "who"),
        format!("65534\n65534\n65534\n{home}\nEND\n")
    );
    // chdir comes after setuid: nobody cannot enter a directory only root may enter.
    let dir = daemon.dir.path().display().to_string();
    let expected = format!(
        "supervisor: couldn't chdir to {dir}/work: EACCES\nsupervisor: child process was not spawned\n"
    );
    daemon.wait_for_file("locked.err", |bytes| bytes == expected.as_bytes());
    daemon.wait_for_line("exited: locked (exit status 127; not expected)", 1);
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn children_start_with_sigpipe_and_sigxfsz_ignored_and_nothing_blocked() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:status]\ncommand=/bin/cat /proc/self/status\nstartsecs=0\nautorestart=false\n\
         stdout_logfile={dir}/status.out\n",
    );
    daemon.wait_for_line("exited: status (exit status 0; expected)", 1);
    let status = text(&daemon.wait_for_file("status.out", |bytes| {
        text(bytes).contains("\nSigBlk:") && text(bytes).contains("\nSigIgn:")
    }));
    let ignored = signal_mask(&status, "SigIgn");
    assert_ne!(
        ignored & (1 << (13 - 1)),
        0,
        "SIGPIPE not ignored: {ignored:x}"
    );
    assert_ne!(
        ignored & (1 << (25 - 1)),
        0,
        "SIGXFSZ not ignored: {ignored:x}"
    );
    assert_eq!(signal_mask(&status, "SigBlk"), 0, "{status}");
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn stdout_log_rotates_keeping_backups_and_the_tail_in_order() {
    // Each block is longer than maxbytes, so each write rotates; the child waits until its block reached `.1`
    // before writing the next, so each block is one write of its own. The final END stays in the base file.
    let block = |index: usize| format!("block {index} {}\n", "x".repeat(110));
    let mut daemon = Daemon::start(
        Flavor::Ours,
        &format!(
            "[program:rot]\ncommand=/bin/sh -c 'i=0; while [ $i -lt 5 ]; do echo \"block $i {x}\"; \
             until grep -q \"block $i \" {{dir}}/rot.out.1 2>/dev/null; do sleep 0.01; done; \
             i=$((i+1)); done; echo END'\n\
             startsecs=0\nautorestart=false\nstdout_logfile={{dir}}/rot.out\n\
             stdout_logfile_maxbytes=100\nstdout_logfile_backups=2\n",
            x = "x".repeat(110)
        ),
    );
    let base = daemon.wait_for_file("rot.out", |bytes| bytes == b"END\n");
    daemon.wait_for_line("exited: rot (exit status 0; expected)", 1);
    let first = std::fs::read(daemon.path("rot.out.1")).expect("rot.out.1");
    let second = std::fs::read(daemon.path("rot.out.2")).expect("rot.out.2");
    assert!(
        !daemon.path("rot.out.3").exists(),
        "{:?}",
        file_names(&daemon)
    );
    assert_eq!(text(&second), block(3));
    assert_eq!(text(&first), block(4));
    let written: String = (0..5).map(block).collect::<String>() + "END\n";
    let kept = [second, first, base].concat();
    assert!(
        written.as_bytes().ends_with(&kept),
        "kept {:?}",
        text(&kept)
    );
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn a_fast_writer_keeps_the_tail_of_its_output_in_order_across_rotations() {
    // However the output is cut into reads, what the files keep is the end of what was written, in order.
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:fast]\ncommand=/bin/sh -c 'i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); done; \
         echo END'\nstartsecs=0\nautorestart=false\nstdout_logfile={dir}/fast.out\n\
         stdout_logfile_maxbytes=1000\nstdout_logfile_backups=2\n",
    );
    daemon.wait_for_line("exited: fast (exit status 0; expected)", 1);
    let read = |name: &str| std::fs::read(daemon.path(name)).unwrap_or_default();
    let kept = wait_until("the END line in the logs", || {
        let kept = [read("fast.out.2"), read("fast.out.1"), read("fast.out")].concat();
        kept.ends_with(b"END\n").then_some(kept)
    });
    let written: String = (0..3000).map(|i| format!("line {i}\n")).collect::<String>() + "END\n";
    assert!(
        written.as_bytes().ends_with(&kept),
        "not a tail: {:?}",
        text(&kept)
    );
    assert!(
        daemon.path("fast.out.1").exists(),
        "{:?}",
        file_names(&daemon)
    );
    assert!(
        !daemon.path("fast.out.3").exists(),
        "{:?}",
        file_names(&daemon)
    );
    // A file rotates once it reaches maxbytes, so backups are at least that big and the current file smaller.
    for backup in ["fast.out.1", "fast.out.2"] {
        if daemon.path(backup).exists() {
            assert!(read(backup).len() >= 1000, "{backup}");
        }
    }
    assert!(read("fast.out").len() < 1000);
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn auto_logs_are_created_for_every_process_and_old_ones_cleaned_up() {
    let mut daemon = Daemon::prepare(
        Flavor::Ours,
        "",
        "[program:autoprog]\ncommand=/bin/sh -c 'echo to stdout; echo to stderr >&2; echo END; echo END >&2'\n\
         startsecs=0\nautorestart=false\n\
         [program:idle]\ncommand=/bin/sleep 600\nautostart=false\n",
    );
    // An earlier run's AUTO logs (and a rotation of one) go at start-up; other files stay.
    for stale in [
        "old-stdout---supervisor-abcdefgh.log",
        "old-stdout---supervisor-abcdefgh.log.1",
        "keep.log",
    ] {
        std::fs::write(daemon.path(stale), "stale\n").expect("write");
    }
    daemon.spawn(&[], &[]);
    daemon.wait_for_line("exited: autoprog (exit status 0; expected)", 1);
    let find = |process: &str, channel: &str| -> String {
        let names = file_names(&daemon);
        let found: Vec<&String> = names
            .iter()
            .filter(|name| is_auto_log(name, process, channel))
            .collect();
        assert_eq!(found.len(), 1, "{process} {channel}: {names:?}");
        found[0].clone()
    };
    let stdout = find("autoprog", "stdout");
    let stderr = find("autoprog", "stderr");
    assert_eq!(
        text(&daemon.wait_for_file(&stdout, ends_with_end)),
        "to stdout\nEND\n"
    );
    assert_eq!(
        text(&daemon.wait_for_file(&stderr, ends_with_end)),
        "to stderr\nEND\n"
    );
    // Made at group creation (mkstemp, mode 0600), even for a process that never starts.
    for name in [
        stdout,
        stderr,
        find("idle", "stdout"),
        find("idle", "stderr"),
    ] {
        let metadata = std::fs::metadata(daemon.path(&name)).expect("metadata");
        assert_eq!(metadata.permissions().mode() & 0o777, 0o600, "{name}");
        if name.starts_with("idle") {
            assert_eq!(metadata.len(), 0, "{name}");
        }
    }
    let names = file_names(&daemon);
    assert!(
        !names.iter().any(|name| name.starts_with("old-")),
        "{names:?}"
    );
    assert!(names.contains(&"keep.log".to_string()), "{names:?}");
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn redirect_stderr_sends_stderr_to_the_stdout_log_and_makes_no_stderr_log() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:merged]\ncommand=/bin/sh -c 'echo out; echo err >&2; echo END'\nredirect_stderr=true\n\
         startsecs=0\nautorestart=false\n",
    );
    daemon.wait_for_line("exited: merged (exit status 0; expected)", 1);
    let names = file_names(&daemon);
    let stdout: Vec<&String> = names
        .iter()
        .filter(|name| is_auto_log(name, "merged", "stdout"))
        .collect();
    assert_eq!(stdout.len(), 1, "{names:?}");
    assert_eq!(
        text(&daemon.wait_for_file(stdout[0], ends_with_end)),
        "out\nerr\nEND\n"
    );
    assert!(
        !names.iter().any(|name| name.starts_with("merged-stderr")),
        "{names:?}"
    );
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn strip_ansi_removes_csi_sequences_from_child_logs() {
    let mut daemon = Daemon::prepare(
        Flavor::Ours,
        "strip_ansi=true\n",
        "[program:colors]\ncommand=/bin/sh -c 'printf \"\\033[1;31mred\\033[0m plain\\033[2K \\033]0;title\\007\\nEND\\n\"'\n\
         startsecs=0\nautorestart=false\nstdout_logfile={dir}/colors.out\n",
    );
    daemon.spawn(&[], &[]);
    // CSI sequences go; other escapes (an OSC title) are kept, as Supervisor's regex does.
    assert_eq!(
        run_to_completion(&daemon, "colors"),
        "red plain \u{1b}]0;title\u{7}\nEND\n"
    );
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn partial_lines_reach_the_log_file_at_once() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:partial]\ncommand=/bin/sh -c 'printf partial; exec /bin/sleep 600'\nstartsecs=0\n\
         stdout_logfile={dir}/partial.out\n",
    );
    daemon.wait_for_file("partial.out", |bytes| bytes == b"partial");
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn none_logs_write_no_file_but_the_pipes_are_drained() {
    // More than a pipe buffer of output: the child would block for ever if nobody read it.
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:quiet]\ncommand=/bin/sh -c 'head -c 70000 /dev/zero | tr \"\\0\" x; echo; echo err >&2'\n\
         startsecs=0\nautorestart=false\nstdout_logfile=NONE\nstderr_logfile=none\n",
    );
    daemon.wait_for_line("exited: quiet (exit status 0; expected)", 1);
    let names = file_names(&daemon);
    assert!(
        !names.iter().any(|name| name.starts_with("quiet")),
        "{names:?}"
    );
    // At loglevel debug the output still reaches the main log.
    let messages = daemon.wait_for_line("'quiet' stderr output:", 1);
    assert!(count_containing(&messages, "'quiet' stdout output:") >= 1);
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn sigterm_stops_every_group_in_reverse_priority_reaps_everything_and_removes_the_pidfile() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:first]\ncommand=/bin/sleep 600\npriority=1\nstartsecs=0\nstopsignal=INT\n\
         [program:second]\ncommand=/bin/sleep 600\npriority=2\nstartsecs=0\nnumprocs=2\n\
         process_name=%(program_name)s_%(process_num)d\n\
         [group:third]\nprograms=t1,t2\npriority=3\n\
         [program:t1]\ncommand=/bin/sleep 600\nstartsecs=0\n\
         [program:t2]\ncommand=/bin/sh -c 'trap \"exit 0\" TERM; while :; do sleep 0.05; done'\nstartsecs=0\n\
         [program:quick]\ncommand=/bin/sh -c 'exit 0'\npriority=4\nstartsecs=0\nautorestart=false\n\
         [program:starting]\ncommand=/bin/sleep 600\npriority=5\nstartsecs=60\n",
    );
    let names = ["first", "second_0", "second_1", "t1", "t2", "starting"];
    let messages = daemon.wait_for("every program up and quick exited", |messages| {
        count_containing(messages, "entered RUNNING state") >= names.len() - 1
            && count_containing(messages, "exited: quick") == 1
            && spawned_pid(messages, "starting").is_some()
    });
    let pids: Vec<i32> = names
        .iter()
        .map(|name| spawned_pid(&messages, name).expect("spawned"))
        .collect();
    let quick = spawned_pid(&messages, "quick").expect("spawned");
    wait_until("t2 to catch SIGTERM", || {
        let status = std::fs::read_to_string(format!("/proc/{}/status", pids[4])).ok()?;
        (signal_mask(&status, "SigCgt") & (1 << 14) != 0).then_some(())
    });
    // quick was reaped at once: no zombie; the daemon's children are exactly the running programs.
    assert!(!zombie(quick) && !alive(quick));
    let mut children = children_of(daemon.pid());
    children.sort_unstable();
    let mut expected = pids.clone();
    expected.sort_unstable();
    assert_eq!(children, expected, "{messages:#?}");
    assert!(children.iter().all(|&pid| !zombie(pid)));
    // Each child leads its own process group (setpgrp) but stays in supervisord's session (no setsid).
    for &pid in &pids {
        assert_eq!(process_group_of(pid), Some(pid));
        assert_eq!(session_of(pid), session_of(daemon.pid()));
    }
    let pidfile = std::fs::read_to_string(daemon.path("supervisord.pid")).expect("pidfile");
    assert_eq!(pidfile, format!("{}\n", daemon.pid()));

    assert_eq!(daemon.terminate(), Some(0));
    for &pid in &pids {
        assert!(!alive(pid) && !zombie(pid), "{pid} left behind");
    }
    // Ours moves to the next group as soon as one is down (Supervisor spends a tick of a second on each).
    let entries = daemon.log_entries();
    let shutdown = entries.last().expect("entries").seconds
        - time_of(&entries, "received SIGTERM indicating exit request");
    assert!(shutdown < 1.0, "five groups took {shutdown} s to stop");
    assert!(
        !daemon.path("supervisord.pid").exists(),
        "pidfile left behind"
    );
    let messages = daemon.log_messages();
    let stopped_at = |name: &str| {
        messages
            .iter()
            .position(|message| message.starts_with(&format!("stopped: {name} (")))
            .unwrap_or_else(|| panic!("{name} not stopped: {messages:#?}"))
    };
    // Highest priority number first, one group at a time; a STARTING process is stopped like a RUNNING one.
    for later in ["t1", "t2", "second_0", "second_1", "first"] {
        assert!(stopped_at("starting") < stopped_at(later), "{messages:#?}");
    }
    for later in ["second_0", "second_1", "first"] {
        for earlier in ["t1", "t2"] {
            assert!(stopped_at(earlier) < stopped_at(later), "{messages:#?}");
        }
    }
    for later in ["first"] {
        for earlier in ["second_0", "second_1"] {
            assert!(stopped_at(earlier) < stopped_at(later), "{messages:#?}");
        }
    }
    // t2 exits 0 on SIGTERM: an expected stop.
    assert!(messages.contains(&"stopped: t2 (exit status 0)".to_string()));
    assert!(messages.contains(&"stopped: t1 (terminated by SIGTERM)".to_string()));
    assert!(messages.contains(&"stopped: first (terminated by SIGINT)".to_string()));
    assert!(messages.contains(&format!(
        "killing first (pid {}) with signal SIGINT",
        pids[0]
    )));
}

/// The numbers of the `tick N` lines of a log.
fn ticks(bytes: &[u8]) -> Vec<u64> {
    text(bytes)
        .lines()
        .filter_map(|line| line.strip_prefix("tick ")?.parse().ok())
        .collect()
}

#[test]
fn sigusr2_reopens_the_child_logs_and_the_main_log_after_they_were_moved() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:ticker]\ncommand=/bin/sh -c 'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.02; done'\n\
         startsecs=0\nstdout_logfile={dir}/ticker.out\n",
    );
    daemon.wait_for_file("ticker.out", |bytes| ticks(bytes).len() >= 2);
    std::fs::rename(daemon.path("ticker.out"), daemon.path("ticker.out.moved")).expect("mv");
    std::fs::rename(
        daemon.path("supervisord.log"),
        daemon.path("supervisord.log.moved"),
    )
    .expect("mv");
    daemon.signal(nix::libc::SIGUSR2);
    // Both lines go to the old file: the reopen comes after them.
    let moved_log = daemon.wait_for_file("supervisord.log.moved", |bytes| {
        text(bytes).contains(" INFO supervisord logreopen\n")
    });
    assert!(text(&moved_log).contains(" INFO received SIGUSR2 indicating log reopen request\n"));
    // The new main log gets the next lines (the child's output echoed at debug level).
    daemon.wait_for_line("'ticker' stdout output:", 1);
    let fresh = daemon.wait_for_file("ticker.out", |bytes| ticks(bytes).len() >= 2);
    // Nothing lost in between: the new file continues where the moved one stopped.
    let moved = ticks(&std::fs::read(daemon.path("ticker.out.moved")).expect("moved"));
    let fresh = ticks(&fresh);
    assert_eq!(
        fresh[0],
        moved.last().expect("ticks before the move") + 1,
        "moved {moved:?}, fresh {fresh:?}"
    );
    assert!(moved.windows(2).all(|pair| pair[1] == pair[0] + 1));
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn without_nodaemon_supervisord_detaches_writes_its_pid_and_stops_on_sigterm() {
    let mut daemon = Daemon::prepare_daemonized(
        Flavor::Ours,
        "umask=077\ndirectory={dir}/home\n",
        "[program:where]\ncommand=/bin/sh -c 'pwd; umask; echo END'\nstartsecs=0\nautorestart=false\n\
         stdout_logfile={dir}/where.out\n\
         [program:sleeper]\ncommand=/bin/sleep 600\nstartsecs=0\n",
    );
    std::fs::create_dir(daemon.path("home")).expect("mkdir");
    let launch_time = daemon.launch_daemonized();
    assert!(
        launch_time.as_secs_f64() < 2.0,
        "the launcher took {launch_time:?}"
    );
    let pid = daemon.pid();
    assert!(alive(pid));
    assert_ne!(
        parent_of(pid),
        Some(std::process::id() as i32),
        "still our child"
    );
    assert_eq!(session_of(pid), Some(pid), "not a session leader (setsid)");
    for fd in 0..3 {
        let target = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).expect("stdio");
        assert_eq!(target, std::path::Path::new("/dev/null"), "fd {fd}");
    }
    let dir = daemon.dir.path().display().to_string();
    // umask and directory of [supervisord] apply when daemonizing, and children inherit them.
    assert_eq!(
        run_to_completion(&daemon, "where"),
        format!("{dir}/home\n0077\nEND\n")
    );
    let messages = daemon.wait_for_line("success: sleeper entered RUNNING state", 1);
    for expected in [
        "daemonizing the supervisord process".to_string(),
        format!("set current directory: '{dir}/home'"),
        format!("supervisord started with pid {pid}"),
    ] {
        assert!(messages.contains(&expected), "{expected}: {messages:#?}");
    }
    let sleeper = spawned_pid(&messages, "sleeper").expect("spawned");
    assert_eq!(parent_of(sleeper), Some(pid));
    daemon.terminate();
    assert!(!alive(pid));
    assert!(!alive(sleeper));
    assert!(
        !daemon.path("supervisord.pid").exists(),
        "pidfile left behind"
    );
}

#[test]
fn undecodable_child_output_is_echoed_as_a_python_bytes_literal() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:binary]\ncommand=/bin/sh -c 'printf \"ok\\377\\376\\n\"'\nstartsecs=0\nautorestart=false\n\
         stdout_logfile=NONE\n",
    );
    daemon.wait_for_line("exited: binary ", 1);
    wait_until("the debug echo of the output", || {
        daemon
            .log()
            .contains(" DEBG 'binary' stdout output:\nUndecodable: b'ok\\xff\\xfe\\n'\n")
            .then_some(())
    });
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn waiting_for_lists_the_processes_in_group_priority_order() {
    let mut daemon = Daemon::start(
        Flavor::Ours,
        "[program:zz]\ncommand=/bin/sh -c \"trap '' TERM; exec /bin/sleep 600\"\npriority=1\nstartsecs=0\nstopwaitsecs=1\n\
         [program:aa]\ncommand=/bin/sh -c \"trap '' TERM; exec /bin/sleep 600\"\npriority=2\nstartsecs=0\nstopwaitsecs=1\n",
    );
    let messages = daemon.wait_for_line("entered RUNNING state", 2);
    for name in ["zz", "aa"] {
        let pid = spawned_pid(&messages, name).expect("spawned");
        wait_until("SIGTERM ignored", || {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            (signal_mask(&status, "SigIgn") & (1 << 14) != 0).then_some(())
        });
    }
    assert_eq!(daemon.terminate(), Some(0));
    let messages = daemon.log_messages();
    let first = messages
        .iter()
        .find(|m| m.starts_with("waiting for "))
        .expect("a waiting line");
    assert_eq!(first, "waiting for zz, aa to die");
    assert!(messages
        .iter()
        .any(|m| m == "received SIGCHLD indicating a child quit"));
}
