//! Differential test of the process lifecycle: each scenario's config runs under Supervisor 4.3.0 and under our
//! supervisord (both in the foreground; every scenario and both flavors in their own threads, so the whole test
//! takes as long as its slowest scenario), each daemon gets SIGTERM once the scenario's end condition shows in its
//! main log, and the lifecycle messages of the two main logs are compared.
//!
//! The lifecycle messages are `spawned:`, `success:`, `exited:`, `gave up:`, `stopped:`, `killing 'x' (N) with
//! SIGKILL` and `spawnerr:`, each with its level (`INFO`, `WARN`, ...), pids replaced by `PID`, the scenario's
//! temp dir by `{dir}`, timestamps dropped. Left out:
//! - `waiting for x, y to die` (shutdown progress, every 3 s), for two differences not on the README's list.
//!   Supervisor logs it in the same pass that sends the first group its stop signals, so always once; ours when its
//!   report timer wins the race with the child's exit, so it can be missing when the child dies at once. And
//!   Supervisor names the processes in group priority order, then config order (`first, middle, last`), where ours
//!   sorts them by name (`first, last, middle`).
//! - `waiting for x to stop`: only a waiting `stopProcess` logs it, and no scenario here makes RPC calls.
//! - debug lines (signals sent, child output) and supervisord's own start-up and exit lines.
//!
//! Order is compared per process (the subsequence of each process's lines) in every scenario, because Supervisor
//! checks its timers once a second and ours fire on time (a deliberate difference, see the README): one process's
//! `success:` or retry may land before or after another's lines depending on where Supervisor's tick falls. The
//! order across processes is compared only for the kinds a scenario names where it is meaningful: `spawned:`
//! follows priority order, and shutdown `stopped:` follows group order (Supervisor stops one group at a time,
//! highest priority number first). Single-process scenarios compare every kind in order.
//!
//! A scenario that would run forever (restarts) ends after a fixed count of `spawned:` lines for its process in
//! each log, and only the messages up to that line are compared.
//!
//! Supervisor sees a child's exit up to a second late: it reaps only on its loop passes, the pass woken by the
//! child's pipes closing can run just before the child becomes reapable, and the next pass is then up to a second
//! later (its SIGCHLD handler does not interrupt `poll`). Ours sees the exit when it happens (timers fire on time).
//! So the timeouts that race with an exit are 2 s here, to leave the reference a full second:
//! - programs that exit at once run with `startsecs=2`: with 1 s, Supervisor's late pass can find that the child
//!   has stayed up for more than startsecs, log `success:` and then `exited: ... not expected` from RUNNING, and
//!   restart it without counting a retry (seen with `command=/bin/sh -c "exit 1"`, `startretries=0`: `spawned`,
//!   `success`, `exited`, `spawned`, `exited`, `gave up`);
//! - the SIGTERM-ignoring program has `stopwaitsecs=2`: with 1 s, the late pass after the SIGKILL can find the stop
//!   timeout passed again and log a second `killing 'x' (N) with SIGKILL` (seen under load).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::thread;

use similar::TextDiff;

use crate::harness::{Daemon, Flavor};

/// The kinds of lifecycle messages compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Spawned,
    Success,
    Exited,
    GaveUp,
    Stopped,
    Killing,
    Spawnerr,
}

const EVERY_KIND: &[Kind] = &[
    Kind::Spawned,
    Kind::Success,
    Kind::Exited,
    Kind::GaveUp,
    Kind::Stopped,
    Kind::Killing,
    Kind::Spawnerr,
];

/// `spawnerr:` lines name no process; per process they are grouped under this name.
const SPAWNERR_SUBJECT: &str = "(spawnerr)";

struct Scenario {
    name: &'static str,
    /// Program sections after the harness's `[supervisord]`; `{dir}` stands for the temp dir.
    config: &'static str,
    /// The end condition: every `(needle, count)` holds (some message contains `needle` `count` times).
    until: &'static [(&'static str, usize)],
    /// Compare only the messages up to the `count`th `spawned:` line of this process.
    prefix: Option<(&'static str, usize)>,
    /// The kinds whose order across processes is compared (besides the per-process order).
    global: &'static [Kind],
    /// Lines (rendered as `LEVL message`, normalised) the reference must show: the scenario exercises what it says.
    expect: &'static [&'static str],
}

/// A program whose exit ends the no-restart scenarios, so that they last long enough for a wrong restart to show:
/// it exits 2.5 s after its spawn, well after the other program's (wrong) restart would have been due. A macro so
/// that `concat!` can append it to a scenario's literal config.
macro_rules! witness {
    () => {
        "[program:witness]\ncommand=/bin/sh -c \"sleep 2.5\"\nstartsecs=0\nautorestart=false\n"
    };
}

static SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "stays up, then SIGTERM shutdown",
        config: "[program:sleeper]\ncommand=/bin/sleep 600\nstartsecs=1\n",
        until: &[("success: sleeper entered RUNNING state", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &[
            "INFO spawned: 'sleeper' with pid PID",
            "INFO success: sleeper entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)",
            "WARN stopped: sleeper (terminated by SIGTERM)",
        ],
    },
    Scenario {
        name: "exits 0 before startsecs: BACKOFF, retries, FATAL",
        // startsecs=2, not 1: see the module header.
        config: "[program:quick]\ncommand=/bin/sh -c \"exit 0\"\nstartsecs=2\nstartretries=2\n",
        until: &[("gave up: quick", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &[
            "WARN exited: quick (exit status 0; not expected)",
            "INFO gave up: quick entered FATAL state, too many start retries too quickly",
        ],
    },
    Scenario {
        name: "exits 3 after startsecs, autorestart=unexpected, exitcodes=0: restarts",
        config: "[program:crasher]\ncommand=/bin/sh -c \"sleep 1.5; exit 3\"\nstartsecs=1\n\
                 autorestart=unexpected\nexitcodes=0\n",
        until: &[("spawned: 'crasher'", 3)],
        prefix: Some(("crasher", 3)),
        global: EVERY_KIND,
        expect: &["WARN exited: crasher (exit status 3; not expected)"],
    },
    Scenario {
        name: "exits 3 after startsecs, autorestart=unexpected, exitcodes=3: no restart",
        config: concat!(
            "[program:finisher]\ncommand=/bin/sh -c \"sleep 0.3; exit 3\"\nstartsecs=0\n\
             autorestart=unexpected\nexitcodes=3\n",
            witness!()
        ),
        until: &[("exited: witness", 1)],
        prefix: None,
        global: &[],
        expect: &["INFO exited: finisher (exit status 3; expected)"],
    },
    Scenario {
        name: "exits 0, autorestart=true: restarts",
        config: "[program:looper]\ncommand=/bin/sh -c \"sleep 0.3; exit 0\"\nstartsecs=0\nautorestart=true\n",
        until: &[("spawned: 'looper'", 3)],
        prefix: Some(("looper", 3)),
        global: EVERY_KIND,
        expect: &["INFO exited: looper (exit status 0; expected)"],
    },
    Scenario {
        name: "exits 3, autorestart=false: no restart",
        config: concat!(
            "[program:once]\ncommand=/bin/sh -c \"sleep 0.3; exit 3\"\nstartsecs=0\nautorestart=false\n",
            witness!()
        ),
        until: &[("exited: witness", 1)],
        prefix: None,
        global: &[],
        expect: &["WARN exited: once (exit status 3; not expected)"],
    },
    Scenario {
        name: "absolute command not found: spawnerr, FATAL",
        config: "[program:missing]\ncommand=/nonexistent/program\nstartretries=1\n",
        until: &[("gave up: missing", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &["INFO spawnerr: can't find command '/nonexistent/program'"],
    },
    Scenario {
        name: "command not on PATH: spawnerr, FATAL",
        config: "[program:unknown]\ncommand=no-such-program-anywhere --flag\nstartretries=1\n",
        until: &[("gave up: unknown", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &["INFO spawnerr: can't find command 'no-such-program-anywhere'"],
    },
    Scenario {
        name: "command not executable: spawnerr, FATAL",
        config: "[program:plain]\ncommand={dir}/supervisord.conf\nstartretries=1\n",
        until: &[("gave up: plain", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &["INFO spawnerr: command at '{dir}/supervisord.conf' is not executable"],
    },
    Scenario {
        name: "command is a directory: spawnerr, FATAL",
        config: "[program:folder]\ncommand={dir}\nstartretries=1\n",
        until: &[("gave up: folder", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &["INFO spawnerr: command at '{dir}' is a directory"],
    },
    Scenario {
        name: "ignores SIGTERM, stopwaitsecs=2: SIGKILL at shutdown",
        // `exec` so that the ignored SIGTERM is the sleep's own and SIGKILL leaves no orphan.
        // stopwaitsecs=2, not 1: see the module header.
        config: "[program:stubborn]\ncommand=/bin/sh -c \"trap '' TERM; exec /bin/sleep 600\"\nstartsecs=1\n\
                 stopwaitsecs=2\n",
        until: &[("success: stubborn", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &[
            "WARN killing 'stubborn' (PID) with SIGKILL",
            "WARN stopped: stubborn (terminated by SIGKILL)",
        ],
    },
    Scenario {
        name: "SIGTERM while STARTING",
        config: "[program:slowstart]\ncommand=/bin/sleep 600\nstartsecs=5\n",
        until: &[("spawned: 'slowstart'", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &[
            "INFO spawned: 'slowstart' with pid PID",
            "WARN stopped: slowstart (terminated by SIGTERM)",
        ],
    },
    Scenario {
        name: "SIGTERM while in BACKOFF: FATAL without `gave up:`",
        // startsecs=2, not 1: see the module header. After the second exit the retry is 2 s away, so the SIGTERM
        // finds the process in BACKOFF in both.
        config: "[program:flapping]\ncommand=/bin/sh -c \"exit 2\"\nstartsecs=2\nstartretries=5\n",
        until: &[("exited: flapping", 2)],
        prefix: None,
        global: EVERY_KIND,
        expect: &["WARN exited: flapping (exit status 2; not expected)"],
    },
    Scenario {
        name: "groups with priorities: spawn in priority order, stop in reverse",
        // Declared out of priority order, so that config order and priority order differ.
        config: "[program:middle]\ncommand=/bin/sleep 600\npriority=200\nstartsecs=0\n\
                 [program:first]\ncommand=/bin/sleep 600\npriority=100\nstartsecs=0\n\
                 [program:last]\ncommand=/bin/sleep 600\npriority=300\nstartsecs=0\n",
        until: &[("success: ", 3)],
        prefix: None,
        global: &[Kind::Spawned, Kind::Stopped],
        expect: &[
            "INFO spawned: 'first' with pid PID",
            "WARN stopped: last (terminated by SIGTERM)",
        ],
    },
    Scenario {
        name: "group members spawn in programs= order",
        // Supervisor keeps a [group:x]'s members in `programs=` order (it sorts only the processes of one
        // program section); the group's own priority places it among the groups.
        config: "[group:pair]\nprograms=zeta,alpha\npriority=5\n\
                 [program:solo]\ncommand=/bin/sleep 600\npriority=1\nstartsecs=0\n\
                 [program:zeta]\ncommand=/bin/sleep 600\npriority=2\nstartsecs=0\n\
                 [program:alpha]\ncommand=/bin/sleep 600\npriority=1\nstartsecs=0\n",
        until: &[("success: ", 3)],
        prefix: None,
        global: &[Kind::Spawned],
        expect: &["INFO spawned: 'zeta' with pid PID"],
    },
    Scenario {
        name: "numprocs=3, startsecs=0",
        config: "[program:worker]\ncommand=/bin/sleep 600\nprocess_name=%(program_name)s_%(process_num)d\n\
                 numprocs=3\nstartsecs=0\n",
        until: &[("success: worker_", 3)],
        prefix: None,
        // Within one group Supervisor signals every member at once; the `stopped:` order is the reap order.
        global: &[Kind::Spawned],
        expect: &[
            "INFO spawned: 'worker_2' with pid PID",
            "INFO success: worker_0 entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)",
        ],
    },
    Scenario {
        name: "startretries=0: FATAL after the first failure",
        // startsecs=2, not 1: see the module header.
        config: "[program:fragile]\ncommand=/bin/sh -c \"exit 1\"\nstartsecs=2\nstartretries=0\n",
        until: &[("gave up: fragile", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &[
            "WARN exited: fragile (exit status 1; not expected)",
            "INFO gave up: fragile entered FATAL state, too many start retries too quickly",
        ],
    },
    Scenario {
        name: "killed by a signal",
        config: "[program:suicidal]\ncommand=/bin/sh -c \"sleep 0.3; kill -9 $$\"\nstartsecs=0\nautorestart=false\n",
        until: &[("exited: suicidal", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &["WARN exited: suicidal (terminated by SIGKILL; not expected)"],
    },
    Scenario {
        name: "chatty child with redirect_stderr",
        // The burst ends long before startsecs; `exec` so that SIGTERM reaches the sleep and leaves no orphan.
        config: "[program:chatty]\ncommand=/bin/sh -c \"i=0; while [ $i -lt 300 ]; do echo out $i; \
                 echo err $i >&2; i=$((i+1)); done; exec /bin/sleep 600\"\nredirect_stderr=true\nstartsecs=1\n",
        until: &[("success: chatty", 1)],
        prefix: None,
        global: EVERY_KIND,
        expect: &["WARN stopped: chatty (terminated by SIGTERM)"],
    },
    Scenario {
        name: "stop signal handled: stopped with the exit status, level by exitcodes",
        config: "[program:graceful]\ncommand=/bin/sh -c \"trap 'exit 0' TERM; while :; do sleep 0.1; done\"\n\
                 startsecs=1\npriority=1\n\
                 [program:grumpy]\ncommand=/bin/sh -c \"trap 'exit 7' TERM; while :; do sleep 0.1; done\"\n\
                 startsecs=1\npriority=2\n",
        until: &[("success: graceful", 1), ("success: grumpy", 1)],
        prefix: None,
        global: &[Kind::Spawned, Kind::Stopped],
        expect: &[
            "INFO stopped: graceful (exit status 0)",
            "WARN stopped: grumpy (exit status 7)",
        ],
    },
];

/// One compared message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    kind: Kind,
    /// The process the message is about ([`SPAWNERR_SUBJECT`] for `spawnerr:`).
    subject: String,
    /// `LEVL message`, normalised.
    text: String,
}

/// What one daemon's run produced.
struct RunResult {
    exit_code: Option<i32>,
    lines: Vec<Line>,
    /// The raw main log, shown when the comparison fails.
    log: String,
}

#[test]
fn lifecycle_messages_match_the_reference() {
    let runs: Vec<(&'static Scenario, Flavor, thread::JoinHandle<RunResult>)> = SCENARIOS
        .iter()
        .flat_map(|scenario| {
            [Flavor::Reference, Flavor::Ours].map(|flavor| {
                (
                    scenario,
                    flavor,
                    thread::spawn(move || run(scenario, flavor)),
                )
            })
        })
        .collect();
    let mut results: BTreeMap<(&'static str, &'static str), Result<RunResult, String>> =
        BTreeMap::new();
    for (scenario, flavor, handle) in runs {
        let result = handle.join().map_err(|payload| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|text| text.to_string()))
                .unwrap_or_else(|| "the run panicked".to_string())
        });
        results.insert((scenario.name, flavor_name(flavor)), result);
    }

    let mut failures = String::new();
    for scenario in SCENARIOS {
        let reference = &results[&(scenario.name, flavor_name(Flavor::Reference))];
        let ours = &results[&(scenario.name, flavor_name(Flavor::Ours))];
        if let Err(problem) = check(scenario, reference, ours) {
            writeln!(failures, "=== {}\n{problem}", scenario.name).expect("write to a String");
        }
    }
    assert!(failures.is_empty(), "lifecycle differences:\n{failures}");
}

fn flavor_name(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Reference => "reference",
        Flavor::Ours => "ours",
    }
}

/// Runs one scenario under one flavor: start, wait for the end condition, SIGTERM, wait for the exit.
fn run(scenario: &Scenario, flavor: Flavor) -> RunResult {
    let mut daemon = Daemon::start(flavor, scenario.config);
    daemon.wait_for(scenario.name, |messages| {
        scenario.until.iter().all(|(needle, count)| {
            messages
                .iter()
                .filter(|message| message.contains(needle))
                .count()
                >= *count
        })
    });
    let exit_code = daemon.terminate();
    let log = daemon.log();
    let dir = daemon.dir.path().to_string_lossy().into_owned();
    let mut lines = lifecycle_lines(&log, &dir);
    if let Some((process, count)) = scenario.prefix {
        lines = prefix_through_spawn(lines, process, count);
    }
    RunResult {
        exit_code,
        lines,
        log,
    }
}

/// The lifecycle lines of a main log, in order.
fn lifecycle_lines(log: &str, dir: &str) -> Vec<Line> {
    log.lines()
        .filter_map(|line| {
            let bytes = line.as_bytes();
            // A record starts `YYYY-MM-DD HH:MM:SS,mmm LEVL `; anything else is a continuation line.
            if bytes.len() <= 29 || bytes[4] != b'-' || bytes[23] != b' ' {
                return None;
            }
            let level = line.get(24..28)?;
            let message = line.get(29..)?.replace(dir, "{dir}");
            let (kind, subject, message) = classify(&message)?;
            Some(Line {
                kind,
                subject,
                text: format!("{level} {message}"),
            })
        })
        .collect()
}

/// Recognises a lifecycle message: its kind, its process, and the message with pids replaced by `PID`.
fn classify(message: &str) -> Option<(Kind, String, String)> {
    if let Some(rest) = message.strip_prefix("spawned: '") {
        let (name, _pid) = rest.split_once("' with pid ")?;
        return Some((
            Kind::Spawned,
            name.to_string(),
            format!("spawned: '{name}' with pid PID"),
        ));
    }
    if let Some(rest) = message.strip_prefix("killing '") {
        // Only the escalation line; the debug `killing x (pid N) with signal S` has no quote.
        let (name, _pid) = rest.strip_suffix(") with SIGKILL")?.split_once("' (")?;
        return Some((
            Kind::Killing,
            name.to_string(),
            format!("killing '{name}' (PID) with SIGKILL"),
        ));
    }
    if message.starts_with("spawnerr: ") {
        return Some((
            Kind::Spawnerr,
            SPAWNERR_SUBJECT.to_string(),
            message.to_string(),
        ));
    }
    let (kind, rest, separator) = if let Some(rest) = message.strip_prefix("success: ") {
        (Kind::Success, rest, " entered RUNNING state")
    } else if let Some(rest) = message.strip_prefix("gave up: ") {
        (Kind::GaveUp, rest, " entered FATAL state")
    } else if let Some(rest) = message.strip_prefix("exited: ") {
        (Kind::Exited, rest, " (")
    } else if let Some(rest) = message.strip_prefix("stopped: ") {
        (Kind::Stopped, rest, " (")
    } else {
        return None;
    };
    let (name, _) = rest.split_once(separator)?;
    Some((kind, name.to_string(), message.to_string()))
}

/// The lines up to and including the `count`th `spawned:` of `process` (all of them if there are fewer).
fn prefix_through_spawn(lines: Vec<Line>, process: &str, count: usize) -> Vec<Line> {
    let mut seen = 0;
    let mut kept = Vec::new();
    for line in lines {
        let is_spawn = line.kind == Kind::Spawned && line.subject == process;
        kept.push(line);
        if is_spawn {
            seen += 1;
            if seen == count {
                break;
            }
        }
    }
    kept
}

/// The comparable view of a run: the exit code, the cross-process order of the scenario's global kinds, and each
/// process's own sequence.
fn render(scenario: &Scenario, result: &RunResult) -> String {
    let mut text = format!("exit code: {:?}\n", result.exit_code);
    if !scenario.global.is_empty() {
        text.push_str("[across processes]\n");
        for line in &result.lines {
            if scenario.global.contains(&line.kind) {
                writeln!(text, "  {}", line.text).expect("write to a String");
            }
        }
    }
    if scenario.global == EVERY_KIND {
        // The per-process sequences are subsequences of that one.
        return text;
    }
    let mut per_process: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in &result.lines {
        per_process
            .entry(line.subject.as_str())
            .or_default()
            .push(line.text.as_str());
    }
    for (process, texts) in per_process {
        writeln!(text, "[{process}]").expect("write to a String");
        for line in texts {
            writeln!(text, "  {line}").expect("write to a String");
        }
    }
    text
}

/// Compares one scenario's two runs; `Err` explains the difference.
fn check(
    scenario: &Scenario,
    reference: &Result<RunResult, String>,
    ours: &Result<RunResult, String>,
) -> Result<(), String> {
    let (reference, ours) = match (reference, ours) {
        (Ok(reference), Ok(ours)) => (reference, ours),
        (reference, ours) => {
            let mut problem = String::new();
            for (side, result) in [("reference", reference), ("ours", ours)] {
                if let Err(panic) = result {
                    writeln!(problem, "{side} failed: {panic}").expect("write to a String");
                }
            }
            return Err(problem);
        }
    };
    let missing: Vec<&str> = scenario
        .expect
        .iter()
        .copied()
        .filter(|expected| !reference.lines.iter().any(|line| line.text == *expected))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the reference did not show {missing:?}: the scenario does not test what it says\n\
             reference main log:\n{}",
            reference.log
        ));
    }
    let reference_text = render(scenario, reference);
    let ours_text = render(scenario, ours);
    if reference_text == ours_text {
        return Ok(());
    }
    let diff = TextDiff::from_lines(&reference_text, &ours_text)
        .unified_diff()
        .header("reference", "ours")
        .to_string();
    Err(format!(
        "{diff}\nreference main log:\n{}\nour main log:\n{}",
        reference.log, ours.log
    ))
}

#[test]
fn classify_recognises_each_lifecycle_message() {
    let check = |message: &str, expected: Option<(Kind, &str, &str)>| {
        let got = classify(message);
        let got = got
            .as_ref()
            .map(|(kind, subject, text)| (*kind, subject.as_str(), text.as_str()));
        assert_eq!(got, expected, "{message}");
    };
    check(
        "spawned: 'web_1' with pid 4242",
        Some((Kind::Spawned, "web_1", "spawned: 'web_1' with pid PID")),
    );
    check(
        "success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)",
        Some((
            Kind::Success,
            "web",
            "success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)",
        )),
    );
    check(
        "exited: web (exit status 3; not expected)",
        Some((
            Kind::Exited,
            "web",
            "exited: web (exit status 3; not expected)",
        )),
    );
    check(
        "gave up: web entered FATAL state, too many start retries too quickly",
        Some((
            Kind::GaveUp,
            "web",
            "gave up: web entered FATAL state, too many start retries too quickly",
        )),
    );
    check(
        "stopped: web (terminated by SIGTERM)",
        Some((Kind::Stopped, "web", "stopped: web (terminated by SIGTERM)")),
    );
    check(
        "killing 'web' (77) with SIGKILL",
        Some((Kind::Killing, "web", "killing 'web' (PID) with SIGKILL")),
    );
    check(
        "spawnerr: can't find command 'nope'",
        Some((
            Kind::Spawnerr,
            SPAWNERR_SUBJECT,
            "spawnerr: can't find command 'nope'",
        )),
    );
    check("killing web (pid 77) with signal SIGKILL", None);
    check("waiting for web to die", None);
    check("received SIGTERM indicating exit request", None);
    check("'web' stdout output:", None);
}
