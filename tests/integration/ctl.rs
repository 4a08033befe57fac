//! supervisorctl against Supervisor 4.3.0's: the same command lines run by our client and by the reference
//! client, each against its own reference supervisord in the same state, must give the same stdout, stderr and
//! exit status. Only pids, uptimes, stop times, temporary paths, ports and Python's source paths are normalised.
//! Then what a differential run cannot show: `tail -f` and `fg` streams, the interactive shell on a terminal
//! (prompt, completion, history file), and the rule that `src/ctl/` never reaches into the engine.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{Daemon, Flavor, DEADLINE};
use crate::reference::reference_bin;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    Ours,
    Reference,
}

impl Client {
    fn binary(self) -> PathBuf {
        match self {
            Client::Ours => PathBuf::from(env!("CARGO_BIN_EXE_supervisorctl")),
            Client::Reference => reference_bin("supervisorctl"),
        }
    }
}

/// Where one client runs: the directory (its cwd, holding `supervisord.conf`) and the daemon's TCP port, if any.
#[derive(Debug, Clone)]
struct Target {
    dir: PathBuf,
    port: Option<u16>,
}

impl Target {
    fn of(daemon: &Daemon) -> Target {
        Target {
            dir: daemon.dir.path().to_path_buf(),
            port: None,
        }
    }

    /// `{dir}` and `{port}` in a case's text, filled in for this target.
    fn fill(&self, text: &str) -> String {
        let filled = text.replace("{dir}", &self.dir.to_string_lossy());
        match self.port {
            Some(port) => filled.replace("{port}", &port.to_string()),
            None => filled,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

/// Starts a client in its own session (no controlling terminal, as in CI), so that `getpass` behaves the same for
/// both clients whatever terminal the tests run from.
fn spawn_client(client: Client, target: &Target, args: &[String], stdin: Stdio) -> Child {
    let mut command = Command::new(client.binary());
    command
        .args(args)
        .current_dir(&target.dir)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            nix::libc::setsid();
            Ok(())
        });
    }
    command.spawn().expect("start supervisorctl")
}

fn run_client(client: Client, target: &Target, args: &[String], stdin: &str) -> Outcome {
    let mut child = spawn_client(client, target, args, Stdio::piped());
    let mut pipe = child.stdin.take().expect("stdin piped");
    // A client that exits early closes the pipe; what it did not read does not matter.
    let _ = pipe.write_all(stdin.as_bytes());
    drop(pipe);
    let output = child.wait_with_output().expect("wait for supervisorctl");
    Outcome {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Normalisation: what legitimately differs between two runs.
// ---------------------------------------------------------------------------------------------------------------

/// Replaces every `prefix<digits><suffix>` (non-zero digits) with `prefix<N><suffix>`.
fn mask_number_after(text: &str, prefix: &str, suffix: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(index) = rest.find(prefix) {
        out.push_str(&rest[..index + prefix.len()]);
        rest = &rest[index + prefix.len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(suffix) && &rest[..digits] != "0" {
            out.push_str("<N>");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// `uptime 0:00:03` (or `uptime 2 days, 0:00:03`), which ends a status line, becomes `uptime <T>`.
fn mask_uptimes(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(index) = rest.find("uptime ") {
        out.push_str(&rest[..index + 7]);
        rest = &rest[index + 7..];
        out.push_str("<T>");
        rest = &rest[rest.find('\n').unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// Stop times `Nov 24 06:57 AM` become `<time>`.
fn mask_times(text: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut index = 0;
    while index < text.len() {
        let candidate = &bytes[index..bytes.len().min(index + 15)];
        let is_time = candidate.len() == 15
            && MONTHS
                .iter()
                .any(|month| candidate.starts_with(month.as_bytes()))
            && candidate[3] == b' '
            && candidate[4..6].iter().all(u8::is_ascii_digit)
            && candidate[6] == b' '
            && candidate[7..9].iter().all(u8::is_ascii_digit)
            && candidate[9] == b':'
            && candidate[10..12].iter().all(u8::is_ascii_digit)
            && (&candidate[12..] == b" AM" || &candidate[12..] == b" PM");
        if is_time {
            out.push_str("<time>");
            index += 15;
        } else {
            let ch = text[index..]
                .chars()
                .next()
                .expect("index is on a char boundary");
            out.push(ch);
            index += ch.len_utf8();
        }
    }
    out
}

/// `file: /abs/path/supervisor/xmlrpc.py line` (Python) and `file: supervisor/xmlrpc.py line` (ours) both become
/// the path below the library directory; likewise the `getpass.py:91:` warning.
fn mask_python_paths(text: &str) -> String {
    let shorten = |path: &str| -> String {
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            [.., package, file] if ["supervisor", "xmlrpc", "http", "urllib"].contains(package) => {
                format!("{package}/{file}")
            }
            [.., file] => file.to_string(),
            [] => String::new(),
        }
    };
    text.lines()
        .map(|line| {
            let mut line = line.to_string();
            if let Some(index) = line.find("file: ") {
                let start = index + 6;
                if let Some(end) = line[start..].find(" line: ") {
                    let short = shorten(&line[start..start + end]);
                    line.replace_range(start..start + end, &short);
                }
            }
            if let Some(end) = line.find("getpass.py:91:") {
                line.replace_range(..end, "");
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Python dies of an exception we report in one line: its traceback (the `Traceback` line and the indented frame
/// lines) is dropped, the exception lines kept.
fn drop_traceback(text: &str) -> String {
    if !text.starts_with("Traceback (most recent call last):\n") {
        return text.to_string();
    }
    text.lines()
        .skip(1)
        .skip_while(|line| line.starts_with("  "))
        .map(|line| format!("{line}\n"))
        .collect()
}

fn normalise(text: &str, client: Client, target: &Target) -> String {
    let mut text = text.replace(&*client.binary().to_string_lossy(), "supervisorctl");
    text = text.replace(&*target.dir.to_string_lossy(), "{dir}");
    if let Some(port) = target.port {
        text = text.replace(&format!(":{port}"), ":{port}");
    }
    text = drop_traceback(&text);
    text = mask_number_after(&text, "pid ", ",");
    text = mask_uptimes(&text);
    text = mask_times(&text);
    // `pid` prints bare pids, one per line.
    let ends_with_newline = text.ends_with('\n');
    text = text
        .lines()
        .map(|line| {
            if !line.is_empty() && line != "0" && line.chars().all(|ch| ch.is_ascii_digit()) {
                "<N>".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    text = mask_python_paths(&text);
    if ends_with_newline && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[test]
fn normalisation_masks_only_what_varies() {
    let target = Target {
        dir: PathBuf::from("/tmp/.tmpAbc"),
        port: Some(9001),
    };
    let raw = "cat                              RUNNING   pid 8134, uptime 0:00:03\n\
               quick                            EXITED    Nov 24 06:57 AM\n\
               gb                               STOPPED   Not started\n\
               4242\n0\n\
               error: <class 'FileNotFoundError'>, [Errno 2] No such file or directory: file: \
               /venv/lib/python3.11/site-packages/supervisor/xmlrpc.py line: 557\n\
               unix:///tmp/.tmpAbc/supervisor.sock no such file http://127.0.0.1:9001\n";
    assert_eq!(
        normalise(raw, Client::Ours, &target),
        "cat                              RUNNING   pid <N>, uptime <T>\n\
         quick                            EXITED    <time>\n\
         gb                               STOPPED   Not started\n\
         <N>\n0\n\
         error: <class 'FileNotFoundError'>, [Errno 2] No such file or directory: file: supervisor/xmlrpc.py line: \
         557\n\
         unix://{dir}/supervisor.sock no such file http://127.0.0.1:{port}\n"
    );
    assert_eq!(
        drop_traceback("Traceback (most recent call last):\n  File \"x\", line 1\n    code\nValueError: x\nmore\n"),
        "ValueError: x\nmore\n"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Differential runs.
// ---------------------------------------------------------------------------------------------------------------

/// One command line to run with both clients.
struct Case {
    args: String,
    stdin: String,
    /// Supervisor lists the results of deferred operations (stops, `start all`) in completion order, which is not
    /// stable; such outputs are compared as sorted lines.
    sorted: bool,
}

fn case(args: &str) -> Case {
    Case {
        args: args.to_string(),
        stdin: String::new(),
        sorted: false,
    }
}

fn piped(args: &str, stdin: &str) -> Case {
    Case {
        stdin: stdin.to_string(),
        ..case(args)
    }
}

fn sorted(args: &str) -> Case {
    Case {
        sorted: true,
        ..case(args)
    }
}

/// Runs one case with both clients (ours against `ours`, the reference client against `reference`); `Some` with
/// the difference, rendered, when they differ.
fn compare_case(case: &Case, ours: &Target, reference: &Target) -> Option<String> {
    let outcome = |client: Client, target: &Target| {
        let args: Vec<String> = target
            .fill(&case.args)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let raw = run_client(client, target, &args, &target.fill(&case.stdin));
        let mut stdout = normalise(&raw.stdout, client, target);
        if case.sorted {
            let mut lines: Vec<&str> = stdout.lines().collect();
            lines.sort_unstable();
            stdout = lines.iter().map(|line| format!("{line}\n")).collect();
        }
        Outcome {
            stdout,
            stderr: normalise(&raw.stderr, client, target),
            code: raw.code,
        }
    };
    // The two runs are independent (their own daemons, or a daemon the case does not change), so they overlap.
    let (expected, actual) = std::thread::scope(|scope| {
        let reference_run = scope.spawn(|| outcome(Client::Reference, reference));
        let actual = outcome(Client::Ours, ours);
        (reference_run.join().expect("reference run"), actual)
    });
    (actual != expected).then(|| {
        format!(
            "supervisorctl {} (stdin {:?}):\n  reference: {expected:?}\n  ours:      {actual:?}",
            case.args, case.stdin
        )
    })
}

/// Compares the cases one after the other (each may change what the next one sees).
fn compare_cases(cases: &[Case], ours: &Target, reference: &Target) -> Vec<String> {
    cases
        .iter()
        .filter_map(|case| compare_case(case, ours, reference))
        .collect()
}

/// Compares cases that change nothing, several at a time: the reference client spends most of its time starting
/// Python, so this keeps the module fast.
fn compare_independent_cases(cases: &[Case], ours: &Target, reference: &Target) -> Vec<String> {
    const AT_ONCE: usize = 6;
    let mut differences = Vec::new();
    for batch in cases.chunks(AT_ONCE) {
        std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .map(|case| scope.spawn(move || compare_case(case, ours, reference)))
                .collect();
            for handle in handles {
                differences.extend(handle.join().expect("comparison thread"));
            }
        });
    }
    differences
}

fn assert_no_differences(differences: Vec<String>) {
    assert!(
        differences.is_empty(),
        "{} command lines differ from the reference:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

const SERVER_SECTIONS: &str = "[unix_http_server]\nfile={dir}/supervisor.sock\n\n\
[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
[supervisorctl]\nserverurl=unix://{dir}/supervisor.sock\n\n";

/// Programs in every state: running (sleeper, hupper, grp:ga, cat), stopped (idle, nofile, grp:gb), exited
/// (quick) and fatal (failing). `hupper` and the group ignore SIGHUP, so that signalling them changes nothing.
const PROGRAMS: &str = "[program:sleeper]\ncommand=sleep 100000\nstartsecs=0\n\n\
[program:idle]\ncommand=sleep 100000\nautostart=false\n\n\
[program:quick]\ncommand=sh -c \"echo out line; echo err line >&2\"\nstartsecs=0\nautorestart=false\n\n\
[program:failing]\ncommand=sh -c \"exit 3\"\nstartsecs=1\nstartretries=0\n\n\
[program:nofile]\ncommand=/nonexistent/binary\nautostart=false\n\n\
[program:hupper]\ncommand=sh -c 'trap \"\" HUP; exec sleep 100000'\nstartsecs=0\n\n\
[program:cat]\ncommand=cat\nstartsecs=0\n\n\
[group:grp]\nprograms=ga,gb\n\n\
[program:ga]\ncommand=sh -c 'trap \"\" HUP; exec sleep 100000'\nstartsecs=0\n\n\
[program:gb]\ncommand=sh -c 'trap \"\" HUP; exec sleep 100000'\nstartsecs=0\nautostart=false\n";

/// Polls our client's `status` until `settled` holds for its output (the daemon answers and every program reached
/// the state the test expects).
fn wait_for_status(target: &Target, settled: impl Fn(&str) -> bool) {
    let start = Instant::now();
    let args = vec![
        "-c".to_string(),
        "supervisord.conf".to_string(),
        "status".to_string(),
    ];
    loop {
        let outcome = run_client(Client::Ours, target, &args, "");
        if settled(&outcome.stdout) {
            return;
        }
        if start.elapsed() > DEADLINE {
            panic!(
                "supervisord in {} did not settle; last status: {outcome:?}",
                target.dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The standard state: everything started that starts, `quick` exited, `failing` fatal.
fn initial_state_reached(status: &str) -> bool {
    let state_of = |name: &str| {
        status
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .map(str::to_string)
    };
    state_of("sleeper").as_deref() == Some("RUNNING")
        && state_of("hupper").as_deref() == Some("RUNNING")
        && state_of("cat").as_deref() == Some("RUNNING")
        && state_of("grp:ga").as_deref() == Some("RUNNING")
        && state_of("quick").as_deref() == Some("EXITED")
        && state_of("failing").as_deref() == Some("FATAL")
}

/// A reference supervisord for these tests. Supervisor shuts down one group per turn of its main loop (a second
/// each), so ending it first stops every process at once with `stop all`, then sends SIGTERM; tests with several
/// daemons end them all before waiting for any (see [`end_together`]).
struct CtlDaemon {
    daemon: Daemon,
    ending: bool,
}

impl CtlDaemon {
    fn start(flavor: Flavor, config: &str) -> CtlDaemon {
        CtlDaemon {
            daemon: Daemon::start(flavor, config),
            ending: false,
        }
    }

    fn target(&self) -> Target {
        Target::of(&self.daemon)
    }

    fn begin_shutdown(&mut self) {
        let running = self
            .daemon
            .child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)));
        if running && !self.ending {
            self.ending = true;
            // The credentials are those of the daemons that require any; the others ignore them.
            let args = [
                "-c",
                "supervisord.conf",
                "-u",
                "bob",
                "-p",
                "secret",
                "stop",
                "all",
            ]
            .map(str::to_string);
            run_client(Client::Ours, &self.target(), &args, "");
            self.daemon.signal(nix::libc::SIGTERM);
        }
    }
}

impl Drop for CtlDaemon {
    fn drop(&mut self) {
        self.begin_shutdown();
    }
}

/// Starts ending every daemon, then waits for them (by dropping them).
fn end_together<const N: usize>(mut daemons: [CtlDaemon; N]) {
    for daemon in &mut daemons {
        daemon.begin_shutdown();
    }
}

/// Reference supervisords with the standard programs, settled; started together.
fn standard_daemons<const N: usize>(flavor: Flavor) -> [CtlDaemon; N] {
    let daemons =
        std::array::from_fn(|_| CtlDaemon::start(flavor, &format!("{SERVER_SECTIONS}{PROGRAMS}")));
    for daemon in &daemons {
        // Supervisor writes its pidfile once its sockets listen.
        daemon.daemon.wait_for_path("supervisord.pid");
        wait_for_status(&daemon.target(), initial_state_reached);
    }
    daemons
}

/// `-c supervisord.conf` before each of `lines`.
fn with_config(lines: &[&str]) -> Vec<Case> {
    lines
        .iter()
        .map(|line| case(&format!("-c supervisord.conf {line}")))
        .collect()
}

#[test]
fn read_only_commands_and_usage_errors_match_the_reference() {
    read_only_commands_and_usage_errors_match_the_reference_against(Flavor::Reference);
}

/// The same, against our supervisord.
#[test]
fn read_only_commands_and_usage_errors_match_the_reference_against_ours() {
    read_only_commands_and_usage_errors_match_the_reference_against(Flavor::Ours);
}

fn read_only_commands_and_usage_errors_match_the_reference_against(flavor: Flavor) {
    // Nothing here changes the daemon's state, so both clients share one daemon.
    let [daemon] = standard_daemons(flavor);
    let target = daemon.target();
    let cases = with_config(&[
        "status",
        "status sleeper",
        "status grp:*",
        "status grp:",
        "status nosuch",
        "status nosuch:*",
        "status grp:nosuch",
        "status sleeper nosuch",
        "status all nosuch",
        "status-x",
        "STATUS",
        "foo",
        "!x",
        "EOF",
        "quit",
        "exit foo",
        "help",
        "help start",
        "help help",
        "help foo",
        "help EOF",
        "help tail",
        "help maintail",
        "?start",
        "pid sleeper",
        "pid idle",
        "pid nosuch",
        "pid grp:*",
        "pid all",
        "pid sleeper idle nosuch",
        "avail",
        "avail x",
        "version",
        "version x",
        "reread",
        "reread x",
        "tail",
        "tail quick",
        "tail quick stderr",
        "tail -5 quick",
        "tail -5 quick STDERR",
        "tail --5 quick",
        "tail -0 quick",
        "tail -2147483649 quick",
        "tail -99999999999999999999999 quick",
        "tail -x quick",
        "tail quick bogus",
        "tail a b c d",
        "tail -5",
        "tail nosuch",
        "tail idle",
        "tail nofile stderr",
        "maintail -x",
        "maintail x",
        "maintail a b",
        "open ftp://x",
        "open",
        "reload x",
        "shutdown x",
        "add",
        "add nosuch",
        "add sleeper",
        "remove nosuch",
        "remove sleeper",
        "update nosuch",
        "update",
        "update all",
        "fg",
        "fg a b",
        "fg nosuch",
        "fg idle",
        "start",
        "stop",
        "signal",
        "signal HUP",
        "restart",
        "clear",
        "start sleeper",
        "start nosuch",
        "start nosuch:*",
        "start grp:nosuch",
        "start nofile",
        "stop idle",
        "stop nosuch",
        "stop nosuch:*",
        "signal HUP idle",
        "signal BOGUS sleeper",
        "signal HUP nosuch",
        "signal HUP nosuch:*",
        "signal HUP hupper",
        "signal HUP grp:*",
        "signal BOGUS grp:*",
        "restart nosuch",
        "clear nosuch",
    ]);
    assert_no_differences(compare_independent_cases(&cases, &target, &target));
}

#[test]
fn interactive_sessions_on_a_pipe_match_the_reference() {
    interactive_sessions_on_a_pipe_match_the_reference_against(Flavor::Reference);
}

/// The same, against our supervisord.
#[test]
fn interactive_sessions_on_a_pipe_match_the_reference_against_ours() {
    interactive_sessions_on_a_pipe_match_the_reference_against(Flavor::Ours);
}

fn interactive_sessions_on_a_pipe_match_the_reference_against(flavor: Flavor) {
    let [daemon] = standard_daemons(flavor);
    let target = daemon.target();
    let cases = vec![
        piped(
            "-c supervisord.conf",
            "version\n\nfoo\nhelp quit\nstatus sleeper\n",
        ),
        piped("-c supervisord.conf", "version"),
        piped("-c supervisord.conf", ""),
        piped("-c supervisord.conf", "shutdown\n"),
        piped("-c supervisord.conf", "shutdown\nno\nreload\nn\nversion\n"),
        piped(
            "-c supervisord.conf",
            "open unix://{dir}/nonexistent.sock\nversion\nopen ftp://x\nquit\nversion\n",
        ),
        piped("-c supervisord.conf -i", "version\n"),
        piped("-c supervisord.conf -i version", "version\n"),
        piped("-c supervisord.conf -i shutdown", "n\n"),
    ];
    assert_no_differences(compare_independent_cases(&cases, &target, &target));
}

#[test]
fn state_changing_commands_match_the_reference() {
    state_changing_commands_match_the_reference_against(Flavor::Reference);
}

/// The same, against our supervisord.
#[test]
fn state_changing_commands_match_the_reference_against_ours() {
    state_changing_commands_match_the_reference_against(Flavor::Ours);
}

fn state_changing_commands_match_the_reference_against(flavor: Flavor) {
    let [mut ours_daemon, mut reference_daemon] = standard_daemons(flavor);
    let ours = ours_daemon.target();
    let reference = reference_daemon.target();
    let ctl = |target: &Target, line: &str| {
        let args: Vec<String> = format!("-c supervisord.conf {line}")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        run_client(Client::Ours, target, &args, "")
    };
    let mut differences = Vec::new();
    // Supervisor answers a start or stop at the next turn of its main loop, up to a second later: one case per
    // kind of answer keeps this test short.
    let mut cases = with_config(&[
        "start failing",
        "stop sleeper",
        "status sleeper",
        "start sleeper",
    ]);
    cases.push(sorted("-c supervisord.conf restart grp:*"));
    cases.extend(with_config(&["clear quick", "tail quick"]));
    cases.push(sorted("-c supervisord.conf stop all"));
    cases.extend(with_config(&["status"]));
    differences.extend(compare_cases(&cases, &ours, &reference));
    // `start all` is stable once nothing exits or fails as it starts: `quick` and `failing` step aside meanwhile.
    for target in [&ours, &reference] {
        ctl(target, "remove failing quick");
    }
    let cases = vec![
        sorted("-c supervisord.conf start all"),
        case("-c supervisord.conf status"),
    ];
    differences.extend(compare_cases(&cases, &ours, &reference));
    for target in [&ours, &reference] {
        ctl(target, "stop idle grp:gb");
        ctl(target, "add failing quick");
        wait_for_status(target, initial_state_reached);
    }

    // A new config: `idle` removed, `sleeper` changed, `newprog` added.
    for target in [&ours, &reference] {
        let path = target.dir.join("supervisord.conf");
        let config = std::fs::read_to_string(&path).expect("read config");
        let config = config
            .replace(
                "[program:idle]\ncommand=sleep 100000\nautostart=false\n",
                "",
            )
            .replace(
                "[program:sleeper]\ncommand=sleep 100000\n",
                "[program:sleeper]\ncommand=sleep 100001\n",
            );
        std::fs::write(
            &path,
            format!("{config}\n[program:newprog]\ncommand=sleep 100000\nstartsecs=0\n"),
        )
        .expect("write config");
    }
    let cases = with_config(&[
        "reread",
        "avail",
        "update nosuch",
        "update newprog",
        "status newprog",
        "remove newprog",
        "stop newprog",
        "remove newprog",
        "add newprog",
        "add newprog",
    ]);
    differences.extend(compare_cases(&cases, &ours, &reference));
    if flavor == Flavor::Ours {
        // A deliberate difference: against our supervisord, our client's `update` applies the minimal plan and
        // says so per process; the reference client drives Supervisor's sequence. Both end in the same state.
        let ours_update = ctl(&ours, "update");
        assert_eq!(
            (ours_update.stdout.as_str(), ours_update.code),
            ("idle: removed process group\nsleeper: updated process group\nsleeper: restart (command)\n", Some(0))
        );
        let args: Vec<String> = "-c supervisord.conf update"
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let reference_update = run_client(Client::Reference, &reference, &args, "");
        assert_eq!(
            (reference_update.stdout.as_str(), reference_update.code),
            ("idle: stopped\nidle: removed process group\nsleeper: stopped\nsleeper: updated process group\n", Some(0))
        );
    } else {
        differences.extend(compare_cases(&with_config(&["update"]), &ours, &reference));
    }
    differences.extend(compare_cases(
        &with_config(&["status", "reread"]),
        &ours,
        &reference,
    ));

    // `reload` restarts the daemon in place; both must come back before the next command.
    differences.extend(compare_cases(&with_config(&["reload"]), &ours, &reference));
    for target in [&ours, &reference] {
        wait_for_status(target, |status| {
            status.contains("FATAL")
                && status.contains("EXITED")
                && !status.contains("STARTING")
                && !status.contains("BACKOFF")
        });
    }
    for target in [&ours, &reference] {
        ctl(target, "stop all");
    }
    differences.extend(compare_cases(
        &with_config(&["shutdown"]),
        &ours,
        &reference,
    ));
    ours_daemon.daemon.wait_exit();
    reference_daemon.daemon.wait_exit();
    let cases = with_config(&["status", "shutdown", "version", "avail", "start sleeper"]);
    differences.extend(compare_cases(&cases, &ours, &reference));
    assert_no_differences(differences);
}

/// A port nothing listens on now (the daemon under test takes it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("bind a loopback port")
}

#[test]
fn authentication_and_tcp_servers_match_the_reference() {
    authentication_and_tcp_servers_match_the_reference_against(Flavor::Reference);
}

/// The same, against our supervisord.
#[test]
fn authentication_and_tcp_servers_match_the_reference_against_ours() {
    authentication_and_tcp_servers_match_the_reference_against(Flavor::Ours);
}

fn authentication_and_tcp_servers_match_the_reference_against(flavor: Flavor) {
    let ports = [free_port(), free_port()];
    let start = |port: u16| {
        let config = format!(
            "[unix_http_server]\nfile={{dir}}/supervisor.sock\nusername=bob\npassword=secret\n\n\
             [inet_http_server]\nport=127.0.0.1:{port}\n\n\
             [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
             [supervisorctl]\nserverurl=unix://{{dir}}/supervisor.sock\n\n\
             [program:cat]\ncommand=cat\nstartsecs=0\n"
        );
        CtlDaemon::start(flavor, &config)
    };
    let daemons = ports.map(start);
    let [ours, reference] = [0, 1].map(|index| {
        let daemon = &daemons[index].daemon;
        daemon.wait_for_path("supervisord.pid");
        daemon.wait_for_line("success: cat entered RUNNING state", 1);
        Target {
            port: Some(ports[index]),
            ..daemons[index].target()
        }
    });
    let mut cases = with_config(&[
        "status",
        "avail",
        "shutdown",
        "-u bob -p wrong status",
        "-u bob -p secret status",
        "-u bob -p secret tail cat",
        // `clearAllProcessLogs` clears one process per turn of Supervisor's main loop: tried here, with one process.
        "-u bob -p secret clear all",
        "-p secret status",
        "-s http://127.0.0.1:{port} status",
        "-s http://localhost:{port} version",
        "-s http://127.0.0.1:{port} tail cat stderr",
        "-s http://127.0.0.1:{port}/ pid cat",
        "-s http://127.0.0.1:{port} -u x -p y status",
    ]);
    cases.extend([
        piped("-c supervisord.conf", "bob\nsecret\nversion\n"),
        piped("-c supervisord.conf", "bob\n"),
        piped("-c supervisord.conf", ""),
        piped("-c supervisord.conf -i version", "bob\nsecret\n"),
        piped(
            "-c supervisord.conf -i version",
            "bob\nwrong\nbob\nsecret\n",
        ),
    ]);
    let differences = compare_independent_cases(&cases, &ours, &reference);
    end_together(daemons);
    assert_no_differences(differences);
}

#[test]
fn servers_without_the_supervisor_namespace_match_the_reference() {
    servers_without_the_supervisor_namespace_match_the_reference_against(Flavor::Reference);
}

/// The same, against our supervisord.
#[test]
fn servers_without_the_supervisor_namespace_match_the_reference_against_ours() {
    servers_without_the_supervisor_namespace_match_the_reference_against(Flavor::Ours);
}

fn servers_without_the_supervisor_namespace_match_the_reference_against(flavor: Flavor) {
    let daemon = CtlDaemon::start(
        flavor,
        "[unix_http_server]\nfile={dir}/supervisor.sock\n\n[supervisorctl]\nserverurl=unix://{dir}/supervisor.sock\n",
    );
    daemon.daemon.wait_for_path("supervisord.pid");
    let target = daemon.target();
    let cases = with_config(&[
        "status", "version", "start x", "tail x", "avail", "reread", "pid",
    ]);
    assert_no_differences(compare_independent_cases(&cases, &target, &target));
}

#[test]
fn options_config_files_and_unreachable_servers_match_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files: &[(&str, &str)] = &[
        (
            "supervisord.conf",
            "[supervisorctl]\nserverurl=unix://%(here)s/supervisor.sock\n",
        ),
        (
            "refused.conf",
            "[supervisorctl]\nserverurl=unix://%(here)s/stale.sock\n",
        ),
        ("nosection.conf", "[supervisord]\n"),
        (
            "badexpansion.conf",
            "[supervisorctl]\nserverurl=%(nosuch)s\n",
        ),
        ("badprompt.conf", "[supervisorctl]\nprompt=%(here)s\n"),
        ("plugin.conf", "[supervisorctl]\n[ctlplugin:x]\nfoo=bar\n"),
        ("noheader.conf", "garbage\n[supervisorctl]\n"),
        ("parsing.conf", "[supervisorctl]\nfoo\n"),
        (
            "onlyctl.conf",
            "[supervisorctl]\n[program:x]\n[include]\nfiles=nothing/*.conf\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write config");
    }
    // A socket file nobody listens on: connecting is refused.
    drop(
        std::os::unix::net::UnixListener::bind(dir.path().join("stale.sock"))
            .expect("bind a unix socket"),
    );
    let target = Target {
        dir: dir.path().to_path_buf(),
        port: Some(free_port()),
    };
    let mut cases: Vec<Case> = [
        "-h",
        "-?",
        "--help",
        "-c supervisord.conf -h status",
        "--bogus",
        "-x",
        "-s",
        "-c",
        "-c nonexistent.conf status",
        "--configuration= status",
        "-s foo status",
        "-s http://x -s http://y",
        "-i -i status",
        "--history-file x",
        "--help=3",
        "--interactive=1",
        "-c nosection.conf status",
        "-c badprompt.conf status",
        "-c plugin.conf status",
        "-c noheader.conf status",
        "-c parsing.conf status",
    ]
    .iter()
    .map(|line| case(line))
    .collect();
    cases.extend(with_config(&[
        "status",
        "version",
        "avail",
        "reread",
        "shutdown",
        "start x",
        "pid",
        "tail x",
        "open unix://{dir}/nothing.sock",
        "-s unix://{dir}/nothing.sock status",
        "-s http://127.0.0.1:{port} status",
        "-s http://127.0.0.1:{port} avail",
        "-s http://127.0.0.1:{port} shutdown",
        "-s ftp://x status",
        "-s ftp://x avail",
        "-s HTTP://x status",
        "-s http://x:abc status",
        "-s http://x:70000 status",
        "-s unix://{dir}/supervisord.conf status",
    ]));
    cases.extend(
        ["status", "version", "avail", "shutdown", "update"]
            .iter()
            .map(|line| case(&format!("-c refused.conf {line}"))),
    );
    cases.push(case("-c onlyctl.conf status"));
    assert_no_differences(compare_independent_cases(&cases, &target, &target));
}

// ---------------------------------------------------------------------------------------------------------------
// Streams: `tail -f`, `maintail -f`, `fg`.
// ---------------------------------------------------------------------------------------------------------------

/// Runs a client (with a stdin that stays open and silent) until its stdout contains `until`, then sends Ctrl-C
/// (SIGINT) and collects everything.
fn run_until_then_interrupt(
    client: Client,
    target: &Target,
    args: &[&str],
    until: &str,
) -> Outcome {
    let args: Vec<String> = args.iter().map(|arg| target.fill(arg)).collect();
    let mut child = spawn_client(client, target, &args, Stdio::piped());
    let stdin = child.stdin.take();
    let stdout = collect_in_background(child.stdout.take().expect("stdout piped"));
    let stderr = collect_in_background(child.stderr.take().expect("stderr piped"));
    let start = Instant::now();
    while !String::from_utf8_lossy(&stdout.lock().expect("stdout buffer")).contains(until) {
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("{client:?} {args:?} never printed {until:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe { nix::libc::kill(child.id() as i32, nix::libc::SIGINT) };
    let status = child.wait().expect("wait for supervisorctl");
    drop(stdin);
    let read = |buffer: &Arc<Mutex<Vec<u8>>>| {
        // The reader threads finish when the pipes close; give them a moment after the exit.
        let start = Instant::now();
        while Arc::strong_count(buffer) > 1 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        String::from_utf8_lossy(&buffer.lock().expect("buffer")).into_owned()
    };
    Outcome {
        stdout: normalise(&read(&stdout), client, target),
        stderr: normalise(&read(&stderr), client, target),
        code: status.code(),
    }
}

fn collect_in_background(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::clone(&buffer);
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n_read) = pipe.read(&mut chunk) {
            if n_read == 0 {
                break;
            }
            shared
                .lock()
                .expect("buffer")
                .extend_from_slice(&chunk[..n_read]);
        }
    });
    buffer
}

#[test]
fn tail_follow_streams_until_ctrl_c_as_the_reference_does() {
    tail_follow_streams_until_ctrl_c_as_the_reference_does_against(Flavor::Reference);
}

/// The same, against our supervisord.
#[test]
fn tail_follow_streams_until_ctrl_c_as_the_reference_does_against_ours() {
    tail_follow_streams_until_ctrl_c_as_the_reference_does_against(Flavor::Ours);
}

fn tail_follow_streams_until_ctrl_c_as_the_reference_does_against(flavor: Flavor) {
    let [daemon] = standard_daemons(flavor);
    let target = daemon.target();
    let mut differences = Vec::new();
    for (args, until) in [
        (
            &["-c", "supervisord.conf", "tail", "-f", "quick"][..],
            "out line\n",
        ),
        (
            &["-c", "supervisord.conf", "tail", "-f", "quick", "stderr"][..],
            "err line\n",
        ),
        // The shell, waiting for a line on a pipe.
        (&["-c", "supervisord.conf"][..], "supervisor> "),
    ] {
        let expected = run_until_then_interrupt(Client::Reference, &target, args, until);
        let actual = run_until_then_interrupt(Client::Ours, &target, args, until);
        if actual != expected {
            differences.push(format!(
                "{args:?}:\n  reference: {expected:?}\n  ours:      {actual:?}"
            ));
        }
    }
    assert_no_differences(differences);
    // A stream the server refuses ends by itself, with the status on stderr and exit status 0.
    assert_no_differences(compare_independent_cases(
        &with_config(&["tail -f nosuch", "tail -f grp:*", "tail -f idle bogus"]),
        &target,
        &target,
    ));
    // The main log differs between runs (times, pids), so only its shape is checked.
    let main_log = run_until_then_interrupt(
        Client::Ours,
        &target,
        &["-c", "supervisord.conf", "maintail", "-f"],
        "INFO",
    );
    assert!(
        main_log
            .stdout
            .starts_with("==> Press Ctrl-C to exit <==\n"),
        "{main_log:?}"
    );
    assert!(
        main_log.stdout.contains("INFO") && main_log.stdout.ends_with('\n'),
        "{main_log:?}"
    );
    assert_eq!((main_log.stderr.as_str(), main_log.code), ("", Some(0)));
}

#[test]
fn fg_sends_input_and_shows_the_output_until_end_of_input() {
    fg_sends_input_and_shows_the_output_until_end_of_input_against(Flavor::Reference);
}

/// The same, against our supervisord.
#[test]
fn fg_sends_input_and_shows_the_output_until_end_of_input_against_ours() {
    fg_sends_input_and_shows_the_output_until_end_of_input_against(Flavor::Ours);
}

fn fg_sends_input_and_shows_the_output_until_end_of_input_against(flavor: Flavor) {
    let [daemon] = standard_daemons(flavor);
    let target = daemon.target();
    let args: Vec<String> = ["-c", "supervisord.conf", "fg", "cat"]
        .iter()
        .map(|arg| arg.to_string())
        .collect();
    let mut child = spawn_client(Client::Ours, &target, &args, Stdio::piped());
    let mut stdin = child.stdin.take().expect("stdin piped");
    let stdout = collect_in_background(child.stdout.take().expect("stdout piped"));
    stdin.write_all(b"hello from fg\n").expect("write to fg");
    let start = Instant::now();
    while !String::from_utf8_lossy(&stdout.lock().expect("buffer")).contains("hello from fg\n") {
        assert!(start.elapsed() < DEADLINE, "fg never showed cat's echo");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    let status = child.wait().expect("wait for fg");
    let start = Instant::now();
    while Arc::strong_count(&stdout) > 1 && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        String::from_utf8_lossy(&stdout.lock().expect("buffer")),
        "==> Press Ctrl-C to exit <==\nhello from fg\nExiting foreground\n"
    );
    assert_eq!(status.code(), Some(0));
}

// ---------------------------------------------------------------------------------------------------------------
// The shell on a terminal.
// ---------------------------------------------------------------------------------------------------------------

/// Drives a program on a pseudo-terminal: each step writes its text, then waits until the output after the previous
/// match contains its expectation. Exits 1 with the transcript when an expectation is not met in time.
const PTY_DRIVER: &str = r#"
import json, os, pty, select, sys, time
steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
out = b''
seen = 0
def wait_for(needle):
    global out, seen
    deadline = time.time() + 15
    while True:
        found = out.find(needle.encode(), seen)
        if found >= 0:
            seen = found + len(needle)
            return
        ready, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
        if not ready:
            sys.stderr.write('expected %r after %r\n' % (needle, out[seen:]))
            os.kill(pid, 9)
            sys.exit(1)
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b''
        if not chunk:
            sys.stderr.write('output ended; expected %r after %r\n' % (needle, out[seen:]))
            sys.exit(1)
        out += chunk
for text, expect in steps:
    if text:
        os.write(fd, text.encode())
    if expect:
        wait_for(expect)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
"#;

#[test]
fn the_shell_on_a_terminal_completes_names_and_keeps_history() {
    the_shell_on_a_terminal_completes_names_and_keeps_history_against(Flavor::Reference);
}

/// The same, against our supervisord.
#[test]
fn the_shell_on_a_terminal_completes_names_and_keeps_history_against_ours() {
    the_shell_on_a_terminal_completes_names_and_keeps_history_against(Flavor::Ours);
}

fn the_shell_on_a_terminal_completes_names_and_keeps_history_against(flavor: Flavor) {
    let [daemon] = standard_daemons(flavor);
    let dir = daemon.daemon.dir.path();
    let config = dir.join("ctl.conf");
    std::fs::write(
        &config,
        format!(
            "[supervisorctl]\nserverurl=unix://{dir}/supervisor.sock\nprompt=ctltest\nhistory_file={dir}/history\n",
            dir = dir.display()
        ),
    )
    .expect("write config");
    std::fs::write(dir.join("history"), "previous command\n").expect("write history");
    let steps = serde_json::json!([
        ["", "ctltest> "],
        // Up recalls the history file's entry; Ctrl-U clears the line again.
        ["\u{1b}[A", "previous command"],
        ["\u{15}", ""],
        ["vers\t", "version "],
        ["\r", "4.3.0"],
        ["", "ctltest> "],
        ["status sle\t", "sleeper "],
        ["\r", "RUNNING"],
        ["", "ctltest> "],
        ["tail qu\t", "quick "],
        ["\r", "out line"],
        ["", "ctltest> "],
        ["quit\r", ""],
    ]);
    let output = Command::new("python3")
        .arg("-c")
        .arg(PTY_DRIVER)
        .arg(steps.to_string())
        .arg(env!("CARGO_BIN_EXE_supervisorctl"))
        .arg("-c")
        .arg(&config)
        .current_dir(dir)
        .output()
        .expect("run python3 with the pty driver");
    assert!(
        output.status.success(),
        "shell session failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    let history = std::fs::read_to_string(dir.join("history")).expect("history written");
    // As with GNU readline: every line typed, completions' trailing spaces included, appended to what was there.
    assert_eq!(
        history,
        "previous command\nversion \nstatus sleeper \ntail quick \nquit\n"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Layering.
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn ctl_never_uses_the_engine_or_the_process_layer() {
    let ctl_dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ctl"));
    let mut checked = 0;
    for entry in std::fs::read_dir(ctl_dir).expect("src/ctl exists") {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|extension| extension.to_str()) != Some("rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("read source");
        for (number, line) in source.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let forbidden = ["engine", "process::", "process}", "process,", "process;"]
                .iter()
                .any(|name| code.contains("crate::") && code.contains(name))
                || code.contains("super::super")
                || code.contains("supervisor::engine")
                || code.contains("supervisor::process");
            assert!(!forbidden, "{}:{}: {line}", path.display(), number + 1);
        }
        checked += 1;
    }
    assert!(
        checked >= 5,
        "found only {checked} source files in {}",
        ctl_dir.display()
    );
}

#[test]
fn the_man_page_documents_every_command_and_option() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/man/supervisorctl.1"))
        .expect("man/supervisorctl.1");
    let section = |title: &str| -> &str {
        let start = page
            .find(&format!(".SH {title}\n"))
            .unwrap_or_else(|| panic!("no section {title}"));
        let rest = &page[start + 1..];
        &rest[..rest.find("\n.SH ").unwrap_or(rest.len())]
    };
    let commands = section("COMMANDS");
    for name in supervisor::ctl::format::COMMAND_NAMES
        .iter()
        .filter(|name| **name != "EOF")
    {
        assert!(
            commands.contains(&format!("\\fB{name}\\fR")),
            "COMMANDS lacks {name}"
        );
    }
    let options = section("OPTIONS");
    for option in &supervisor::ctl::options::OPTIONS {
        let short = option.short.map(|letter| format!("\\fB\\-{letter}\\fR"));
        let long = option
            .long
            .map(|long| format!("\\fB\\-\\-{}\\fR", long.replace('-', "\\-")));
        for spelling in short.into_iter().chain(long) {
            assert!(options.contains(&spelling), "OPTIONS lacks {spelling}");
        }
    }
}
