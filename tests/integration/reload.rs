//! SIGHUP applies the minimal plan: only what changed is restarted, live settings change in place, an invalid
//! config changes nothing.

use std::collections::BTreeMap;

use crate::harness::{
    alive, parent_of, spawned_pid, spawned_pids, supervisord_section, Daemon, Flavor,
};
use crate::reference::reference_python;

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
    // b starts with autorestart=false: with the default (unexpected) a SIGKILL would bring it back anyway, and the
    // check below could not tell whether the new value took effect.
    let with_autorestart =
        |value: &str| TWO.replace("sleep 601\n", &format!("sleep 601\nautorestart={value}\n"));
    let mut daemon = Daemon::start(Flavor::Ours, &with_autorestart("false"));
    daemon.wait_for_line("entered RUNNING state", 2);
    write_config(&daemon, &with_autorestart("true"));
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

// ---------------------------------------------------------------------------------------------------------------
// The reconciler's acceptance with a fleet of 50 running programs, through SIGHUP and through our XML-RPC methods
// (`supervisor_rs.planUpdate` / `supervisor_rs.applyUpdate`, called with the reference's Python client).

/// How many programs the fleet runs: p00 .. p49, each its own group, each in its own include file.
const FLEET_SIZE: usize = 50;

/// A fleet program's include file: sleeps, RUNNING at once, never restarted by itself (so that a respawn after a
/// kill can only come from an `autorestart` the update put in place).
fn fleet_program(name: &str, command: &str, extra: &str) -> String {
    format!("[program:{name}]\ncommand={command}\nstartsecs=0\nautorestart=false\n{extra}")
}

/// `w`, `numprocs` copies of one program.
fn scaled_program(numprocs: usize) -> String {
    format!(
        "[program:w]\ncommand=/bin/sleep 600\nstartsecs=0\nautorestart=false\nnumprocs={numprocs}\n\
         process_name=w_%(process_num)d\n"
    )
}

/// Calls one XML-RPC method through the reference's `SupervisorTransport` on a unix socket, parameters and
/// answer as JSON: `{"result": ...}` or `{"fault": [code, string]}`.
const RPC_CLIENT: &str = "\
import json, sys, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
proxy = xmlrpc.client.ServerProxy('http://127.0.0.1', transport=SupervisorTransport(None, None, sys.argv[1]))
try:
    print(json.dumps({'result': getattr(proxy, sys.argv[2])(*json.loads(sys.argv[3]))}))
except xmlrpc.client.Fault as fault:
    print(json.dumps({'fault': [fault.faultCode, fault.faultString]}))
";

/// How an update is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Hangup,
    ApplyUpdate,
}

/// 50 programs (plus any extra ones) running under our supervisord, with the pid each had after start-up.
struct Fleet {
    daemon: Daemon,
    pids: BTreeMap<String, i32>,
}

impl Fleet {
    /// Starts the fleet plus `extra` include files (`(file stem, text)`), and waits until `expected_processes`
    /// are RUNNING.
    fn start(extra: &[(&str, String)], expected_processes: usize) -> Fleet {
        let daemon = Daemon::prepare(
            Flavor::Ours,
            "config_watch=off\n",
            "[unix_http_server]\nfile={dir}/supervisor.sock\n[include]\nfiles={dir}/conf.d/*.conf\n",
        );
        std::fs::create_dir(daemon.path("conf.d")).expect("create conf.d");
        let mut daemon = daemon;
        let fleet_files = (0..FLEET_SIZE).map(|index| {
            let name = format!("p{index:02}");
            let text = fleet_program(&name, "/bin/sleep 600", "");
            (name, text)
        });
        let extra_files = extra
            .iter()
            .map(|(name, text)| (name.to_string(), text.clone()));
        for (name, text) in fleet_files.chain(extra_files) {
            std::fs::write(daemon.path(&format!("conf.d/{name}.conf")), text).expect("write");
        }
        daemon.spawn(&[], &[]);
        let messages = daemon.wait_for_line("entered RUNNING state", expected_processes);
        let prefix = "spawned: '";
        let pids = messages
            .iter()
            .filter_map(|message| {
                let (name, _) = message.strip_prefix(prefix)?.split_once('\'')?;
                Some((name.to_string(), spawned_pid(&messages, name)?))
            })
            .collect::<BTreeMap<_, _>>();
        assert_eq!(pids.len(), expected_processes, "{messages:?}");
        Fleet { daemon, pids }
    }

    /// Writes (`Some`) or removes (`None`) the include file `conf.d/<stem>.conf`.
    fn edit(&self, stem: &str, text: Option<&str>) {
        let path = self.daemon.path(&format!("conf.d/{stem}.conf"));
        match text {
            Some(text) => std::fs::write(path, text).expect("write include"),
            None => std::fs::remove_file(path).expect("remove include"),
        }
    }

    /// Calls an XML-RPC method; `Err` is (faultCode, faultString).
    fn rpc(
        &self,
        method: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, (i64, String)> {
        let output = std::process::Command::new(reference_python())
            .arg("-c")
            .arg(RPC_CLIENT)
            .arg(format!(
                "unix://{}",
                self.daemon.path("supervisor.sock").display()
            ))
            .arg(method)
            .arg(params.to_string())
            .output()
            .expect("run the Python client");
        assert!(output.status.success(), "{method}: {output:?}");
        let answer: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("the client prints JSON");
        match (answer.get("result"), answer.get("fault")) {
            (Some(result), _) => Ok(result.clone()),
            (None, Some(fault)) => Err((
                fault[0].as_i64().expect("faultCode"),
                fault[1].as_str().expect("faultString").to_string(),
            )),
            _ => panic!("{answer}"),
        }
    }

    /// Sends SIGHUP and waits until the daemon has reread the config: the plan line, or the line saying the new
    /// config is invalid.
    fn hangup(&self) -> Vec<String> {
        let rereads = |messages: &[String]| {
            count(messages, "SIGHUP: config reread; plan:")
                + count(messages, "the config is invalid; nothing was changed")
        };
        let before = rereads(&self.daemon.log_messages());
        self.daemon.signal(nix::libc::SIGHUP);
        self.daemon.wait_for("the reread after SIGHUP", |messages| {
            rereads(messages) > before
        })
    }

    /// Asks for the update; for `ApplyUpdate` returns the answer's `changes` as `update:` lines (the same words
    /// the main log uses), for `Hangup` nothing.
    fn trigger(&self, trigger: Trigger) -> Option<Vec<String>> {
        match trigger {
            Trigger::Hangup => {
                self.hangup();
                None
            }
            Trigger::ApplyUpdate => {
                let answer = self
                    .rpc("supervisor_rs.applyUpdate", serde_json::json!([[]]))
                    .expect("applyUpdate succeeds");
                Some(update_lines(&answer))
            }
        }
    }

    /// Checks every process against the start-up pids: `restarted` have a new pid (the old one is gone), `removed`
    /// are gone, `added` run, and every other process still has its one and only pid. Each live pid is checked in
    /// /proc: alive and a child of supervisord.
    fn assert_pids(&self, restarted: &[&str], removed: &[&str], added: &[&str]) {
        let messages = self.daemon.log_messages();
        let supervisord = self.daemon.pid();
        let check_live = |name: &str, pid: i32| {
            assert!(alive(pid), "{name} (pid {pid}) is not alive");
            assert_eq!(
                parent_of(pid),
                Some(supervisord),
                "{name} (pid {pid}) is not our child"
            );
        };
        for (name, &pid) in &self.pids {
            let spawned = spawned_pids(&messages, name);
            if restarted.contains(&name.as_str()) {
                assert_eq!(spawned.len(), 2, "{name} spawned {spawned:?}");
                assert_eq!(spawned[0], pid);
                assert!(!alive(pid), "the old {name} (pid {pid}) is still alive");
                check_live(name, spawned[1]);
            } else if removed.contains(&name.as_str()) {
                assert_eq!(spawned, [pid], "{name}");
                assert!(!alive(pid), "the removed {name} (pid {pid}) is still alive");
            } else {
                assert_eq!(spawned, [pid], "{name} was restarted");
                check_live(name, pid);
            }
        }
        for name in added {
            assert!(!self.pids.contains_key(*name), "{name} was there before");
            let spawned = spawned_pids(&messages, name);
            assert_eq!(spawned.len(), 1, "{name} spawned {spawned:?}");
            check_live(name, spawned[0]);
        }
        assert_eq!(
            count(&messages, "spawned: "),
            self.pids.len() + restarted.len() + added.len(),
            "spawns other than the expected ones"
        );
    }
}

/// An update answer's changes as the main log's `update:` lines.
fn update_lines(answer: &serde_json::Value) -> Vec<String> {
    answer["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|change| {
            let fields: Vec<&str> = change["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .map(|field| field.as_str().expect("field"))
                .collect();
            let fields = if fields.is_empty() {
                String::new()
            } else {
                format!(" ({})", fields.join(", "))
            };
            format!(
                "update: {}: {}{fields}",
                change["name"].as_str().expect("name"),
                change["action"].as_str().expect("action")
            )
        })
        .collect()
}

/// One acceptance case: extra programs at start-up, an edit of the include files, and what the update must do.
struct Case {
    /// Include files besides the fleet's, and how many processes run after start-up.
    start: Vec<(&'static str, String)>,
    processes: usize,
    /// Include files written (`Some`) or removed (`None`).
    edit: Vec<(&'static str, Option<String>)>,
    /// The main log's `update:` lines, in order (and the changes applyUpdate answers).
    updates: &'static [&'static str],
    restarted: &'static [&'static str],
    removed: &'static [&'static str],
    added: &'static [&'static str],
}

/// Runs `case` twice, through SIGHUP and through applyUpdate, and checks both do exactly what it says; returns
/// both fleets (SIGHUP's first) for checks of their own.
fn check(case: &Case) -> [Fleet; 2] {
    [Trigger::Hangup, Trigger::ApplyUpdate].map(|trigger| {
        let fleet = Fleet::start(&case.start, case.processes);
        for (stem, text) in &case.edit {
            fleet.edit(stem, text.as_deref());
        }
        let answer = fleet.trigger(trigger);
        let last = case.updates.last().expect("a case changes something");
        let messages = fleet.daemon.wait_for_line(last, 1);
        let logged: Vec<&String> = messages
            .iter()
            .filter(|message| message.starts_with("update: "))
            .collect();
        assert_eq!(logged, case.updates, "{trigger:?}");
        if let Some(answer) = answer {
            assert_eq!(answer, case.updates, "applyUpdate's answer");
        }
        for name in case.restarted {
            fleet
                .daemon
                .wait_for_line(&format!("success: {name} entered RUNNING state"), 2);
        }
        for name in case.added {
            fleet
                .daemon
                .wait_for_line(&format!("success: {name} entered RUNNING state"), 1);
        }
        fleet.assert_pids(case.restarted, case.removed, case.added);
        fleet
    })
}

#[test]
fn changing_one_command_of_fifty_restarts_exactly_that_one() {
    let fleets = check(&Case {
        start: Vec::new(),
        processes: FLEET_SIZE,
        edit: vec![("p07", Some(fleet_program("p07", "/bin/sleep 601", "")))],
        updates: &["update: p07: restart (command)"],
        restarted: &["p07"],
        removed: &[],
        added: &[],
    });
    for fleet in fleets {
        // The new process runs the new command.
        let messages = fleet.daemon.log_messages();
        let pid = spawned_pid(&messages, "p07").expect("p07");
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("cmdline");
        assert_eq!(cmdline, b"/bin/sleep\x00601\x00");
    }
}

#[test]
fn changing_only_autorestart_restarts_nothing_and_takes_effect() {
    let fleets = check(&Case {
        start: Vec::new(),
        processes: FLEET_SIZE,
        edit: vec![(
            "p07",
            Some(fleet_program("p07", "/bin/sleep 600", "autorestart=true\n")),
        )],
        updates: &["update: p07: update in place (autorestart)"],
        restarted: &[],
        removed: &[],
        added: &[],
    });
    for fleet in fleets {
        // Every fleet program has autorestart=false: only the new value brings p07 back after a kill.
        let pid = fleet.pids["p07"];
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe { nix::libc::kill(pid, nix::libc::SIGKILL) };
        let messages = fleet.daemon.wait_for_line("spawned: 'p07'", 2);
        let new_pid = spawned_pid(&messages, "p07").expect("p07");
        assert_ne!(new_pid, pid);
        assert!(alive(new_pid));
    }
}

#[test]
fn numprocs_two_to_four_starts_two_and_keeps_the_first_two() {
    check(&Case {
        start: vec![("w", scaled_program(2))],
        processes: FLEET_SIZE + 2,
        edit: vec![("w", Some(scaled_program(4)))],
        updates: &["update: w:w_2: add", "update: w:w_3: add"],
        restarted: &[],
        removed: &[],
        added: &["w_2", "w_3"],
    });
}

#[test]
fn numprocs_four_to_two_stops_two() {
    let fleets = check(&Case {
        start: vec![("w", scaled_program(4))],
        processes: FLEET_SIZE + 4,
        edit: vec![("w", Some(scaled_program(2)))],
        updates: &["update: w:w_2: remove", "update: w:w_3: remove"],
        restarted: &[],
        removed: &["w_2", "w_3"],
        added: &[],
    });
    for fleet in fleets {
        let messages = fleet.daemon.log_messages();
        assert_eq!(count(&messages, "stopped: w_2 (terminated by SIGTERM)"), 1);
        assert_eq!(count(&messages, "stopped: w_3 (terminated by SIGTERM)"), 1);
        let names = fleet.all_process_names();
        assert!(names.contains(&"w:w_1".to_string()) && !names.contains(&"w:w_2".to_string()));
    }
}

#[test]
fn a_removed_program_is_stopped() {
    let fleets = check(&Case {
        start: Vec::new(),
        processes: FLEET_SIZE,
        edit: vec![("p07", None)],
        updates: &["update: p07: remove group", "update: p07: remove"],
        restarted: &[],
        removed: &["p07"],
        added: &[],
    });
    for fleet in fleets {
        let messages = fleet.daemon.log_messages();
        assert_eq!(count(&messages, "stopped: p07 (terminated by SIGTERM)"), 1);
        let names = fleet.all_process_names();
        assert_eq!(names.len(), FLEET_SIZE - 1);
        assert!(!names.contains(&"p07:p07".to_string()));
    }
}

impl Fleet {
    /// `group:name` of every process getAllProcessInfo lists.
    fn all_process_names(&self) -> Vec<String> {
        let infos = self
            .rpc("supervisor.getAllProcessInfo", serde_json::json!([]))
            .expect("getAllProcessInfo");
        infos
            .as_array()
            .expect("array")
            .iter()
            .map(|info| {
                format!(
                    "{}:{}",
                    info["group"].as_str().expect("group"),
                    info["name"].as_str().expect("name")
                )
            })
            .collect()
    }
}

#[test]
fn a_broken_include_file_changes_nothing_and_names_file_and_line() {
    let fleet = Fleet::start(&[], FLEET_SIZE);
    // A valid change beside the broken file: it must not be applied either.
    fleet.edit("p08", Some(&fleet_program("p08", "/bin/sleep 601", "")));
    fleet.edit(
        "p07",
        Some("[program:p07]\ncommand=/bin/sleep 600\nstartsecs=soon\n"),
    );
    let location =
        "conf.d/p07.conf:3: [program:p07] startsecs: invalid literal for int() with base 10: 'soon'";
    fleet.hangup();
    let messages = fleet.daemon.wait_for_line(location, 1);
    assert!(
        messages.iter().any(|message| message.contains(location)),
        "{messages:?}"
    );
    assert_eq!(count(&messages, "SIGHUP: config reread"), 0, "{messages:?}");
    for method in ["supervisor_rs.applyUpdate", "supervisor_rs.planUpdate"] {
        let (code, text) = fleet
            .rpc(method, serde_json::json!([[]]))
            .expect_err("a broken include is refused");
        assert_eq!(code, 92, "{method}: {text}");
        assert!(text.starts_with("CANT_REREAD: "), "{method}: {text}");
        assert!(text.contains(location), "{method}: {text}");
    }
    fleet.assert_pids(&[], &[], &[]);
    assert_eq!(count(&fleet.daemon.log_messages(), "update: "), 0);
}

#[test]
fn plan_update_changes_nothing_and_answers_the_plan_as_text_and_json() {
    let fleet = Fleet::start(&[], FLEET_SIZE);
    fleet.edit("p07", Some(&fleet_program("p07", "/bin/sleep 601", "")));
    fleet.edit(
        "p08",
        Some(&fleet_program(
            "p08",
            "/bin/sleep 600",
            "autorestart=true\n",
        )),
    );
    let plan = fleet
        .rpc("supervisor_rs.planUpdate", serde_json::json!([]))
        .expect("planUpdate");
    let text = plan["text"].as_str().expect("text");
    assert!(
        text.starts_with("p07: restart [command]\np08: update in place [autorestart]\n"),
        "{text}"
    );
    for line in [
        "--- p07 (running config)\n",
        "+++ p07 (new config)\n",
        "-command = /bin/sleep 600\n+command = /bin/sleep 601\n",
        "-autorestart = false\n+autorestart = true\n",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    let json: serde_json::Value =
        serde_json::from_str(plan["json"].as_str().expect("json")).expect("the json member parses");
    assert_eq!(
        json["steps"],
        serde_json::json!(["stop p07", "replace p07", "replace p08", "start p07"])
    );
    assert_eq!(json["changes"][0]["name"], "p07");
    assert_eq!(json["changes"][0]["action"], "restart");
    assert_eq!(json["changes"][0]["running"], true);
    assert!(json["changes"][0]["diff"]
        .as_str()
        .expect("diff")
        .contains("+command = /bin/sleep 601\n"));
    assert_eq!(
        json["changes"][1]["fields"],
        serde_json::json!(["autorestart"])
    );
    // Nothing was applied: the same plan again, no restart, no `update:` line.
    let again = fleet
        .rpc("supervisor_rs.planUpdate", serde_json::json!([[]]))
        .expect("planUpdate");
    assert_eq!(again, plan);
    fleet.assert_pids(&[], &[], &[]);
    assert_eq!(count(&fleet.daemon.log_messages(), "update: "), 0);
    // Applying answers the same plan; afterwards nothing is pending.
    let applied = fleet
        .rpc("supervisor_rs.applyUpdate", serde_json::json!([]))
        .expect("applyUpdate");
    assert_eq!(applied, plan);
    fleet
        .daemon
        .wait_for_line("success: p07 entered RUNNING state", 2);
    fleet.assert_pids(&["p07"], &[], &[]);
    let after = fleet
        .rpc("supervisor_rs.planUpdate", serde_json::json!([]))
        .expect("planUpdate");
    assert_eq!(after["text"], "No config updates to processes\n");
    assert_eq!(after["changes"], serde_json::json!([]));
}

#[test]
fn apply_update_with_group_names_limits_the_update_to_them() {
    let fleet = Fleet::start(&[], FLEET_SIZE);
    fleet.edit("p07", Some(&fleet_program("p07", "/bin/sleep 601", "")));
    fleet.edit("p08", Some(&fleet_program("p08", "/bin/sleep 601", "")));
    fleet.edit("p09", None);
    fleet.edit("p50", Some(&fleet_program("p50", "/bin/sleep 600", "")));
    // An unknown name refuses the whole call, before anything is applied.
    for names in [
        serde_json::json!(["nosuch"]),
        serde_json::json!(["p07", "nosuch"]),
    ] {
        let fault = fleet
            .rpc("supervisor_rs.applyUpdate", serde_json::json!([names]))
            .expect_err("unknown group");
        assert_eq!(fault, (10, "BAD_NAME: nosuch".to_string()));
    }
    fleet.assert_pids(&[], &[], &[]);
    let answer = fleet
        .rpc(
            "supervisor_rs.applyUpdate",
            serde_json::json!([["p07", "p50", "p09"]]),
        )
        .expect("applyUpdate");
    assert_eq!(
        update_lines(&answer),
        [
            "update: p07: restart (command)",
            "update: p09: remove group",
            "update: p09: remove",
            "update: p50: add group",
            "update: p50: add",
        ]
    );
    fleet
        .daemon
        .wait_for_line("success: p07 entered RUNNING state", 2);
    fleet
        .daemon
        .wait_for_line("success: p50 entered RUNNING state", 1);
    fleet.assert_pids(&["p07"], &["p09"], &["p50"]);
    // p08 was left alone: its change is still pending.
    let pending = fleet
        .rpc("supervisor_rs.planUpdate", serde_json::json!([]))
        .expect("planUpdate");
    assert_eq!(update_lines(&pending), ["update: p08: restart (command)"]);
}

// ---------------------------------------------------------------------------------------------------------------
// The reference's `supervisorctl update` (reloadConfig, then stopProcessGroup / removeProcessGroup /
// addProcessGroup as its client drives them) against our daemon, compared with the reference daemon.

const CTL_SECTIONS: &str = "[unix_http_server]\nfile={dir}/supervisor.sock\n\
    [supervisorctl]\nserverurl=unix://{dir}/supervisor.sock\n\
    [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n";

fn sleeper(name: &str, seconds: u32) -> String {
    format!("[program:{name}]\ncommand=/bin/sleep {seconds}\nstartsecs=0\n")
}

/// Before: a, b, c, and group g of x and y. After: a's command changed, b removed, d added, y's command changed.
fn ctl_programs(after: bool) -> String {
    let mut body = String::from(CTL_SECTIONS);
    body.push_str(&sleeper("a", if after { 601 } else { 600 }));
    if !after {
        body.push_str(&sleeper("b", 600));
    }
    body.push_str(&sleeper("c", 600));
    if after {
        body.push_str(&sleeper("d", 600));
    }
    body.push_str("[group:g]\nprograms=x,y\n");
    body.push_str(&sleeper("x", 600));
    body.push_str(&sleeper("y", if after { 601 } else { 600 }));
    body
}

fn supervisorctl(daemon: &Daemon, command: &str) -> (Option<i32>, String) {
    let output = std::process::Command::new(crate::reference::reference_bin("supervisorctl"))
        .arg("-c")
        .arg(daemon.path("supervisord.conf"))
        .arg(command)
        .output()
        .expect("run supervisorctl");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// `supervisorctl update` after the edit, then `status` as `name STATE` lines once nothing is STARTING.
fn run_ctl_update(flavor: Flavor) -> (String, String, Daemon) {
    let mut daemon = Daemon::start(flavor, &ctl_programs(false));
    daemon.wait_for_line("entered RUNNING state", 5);
    let dir = daemon.dir.path().to_string_lossy().into_owned();
    let config = format!(
        "{}{}",
        supervisord_section(daemon.dir.path(), true),
        ctl_programs(true).replace("{dir}", &dir)
    );
    std::fs::write(daemon.path("supervisord.conf"), config).expect("write config");
    let (code, update) = supervisorctl(&daemon, "update");
    assert_eq!(code, Some(0), "{flavor:?}: {update}");
    let status = crate::harness::wait_until("every process RUNNING", || {
        let (_, status) = supervisorctl(&daemon, "status");
        let lines: Vec<String> = status
            .lines()
            .map(|line| {
                line.split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        lines
            .iter()
            .all(|line| line.ends_with(" RUNNING"))
            .then(|| lines.join("\n") + "\n")
    });
    if flavor == Flavor::Reference {
        daemon.kill();
    } else {
        assert_eq!(daemon.terminate(), Some(0));
    }
    (update, status, daemon)
}

#[test]
fn python_supervisorctl_update_adds_changes_and_removes_groups_as_the_reference_does() {
    let reference = std::thread::spawn(|| {
        let (update, status, _) = run_ctl_update(Flavor::Reference);
        (update, status)
    });
    let (update, status, daemon) = run_ctl_update(Flavor::Ours);
    assert_eq!(
        update,
        "b: stopped\nb: removed process group\na: stopped\na: updated process group\n\
         g: stopped\ng: updated process group\nd: added process group\n"
    );
    assert_eq!(
        status,
        "a RUNNING\nc RUNNING\nd RUNNING\ng:x RUNNING\ng:y RUNNING\n"
    );
    // Only the groups the client stopped were restarted: c kept its pid.
    let messages = daemon.log_messages();
    assert_eq!(spawned_pids(&messages, "c").len(), 1, "{messages:?}");
    assert_eq!(spawned_pids(&messages, "a").len(), 2);
    assert_eq!(spawned_pids(&messages, "x").len(), 2);
    assert_eq!(spawned_pids(&messages, "b").len(), 1);
    assert_eq!(count(&messages, "stopped: b (terminated by SIGTERM)"), 1);
    let (reference_update, reference_status) = reference.join().expect("the reference run");
    assert_eq!(update, reference_update);
    assert_eq!(status, reference_status);
}

/// A program whose stop takes as long as the test wants: on SIGTERM it waits for the file `release`. `version` goes
/// into its environment (a restart-class setting).
fn held_program(version: u32) -> String {
    format!(
        "[program:held]\ncommand=/bin/sh -c 'trap \"while [ ! -e release ]; do sleep 0.01; done; exit 0\" TERM; \
         while :; do sleep 0.01; done'\ndirectory={{dir}}\nenvironment=VERSION={version}\nstartsecs=0\n\
         autorestart=false\nstopwaitsecs=30\n"
    )
}

#[test]
fn a_sighup_while_an_update_waits_for_its_stops_is_applied_after_it() {
    let body =
        |version: u32, seconds: u32| format!("{}{}", held_program(version), sleeper("a", seconds));
    let mut daemon = Daemon::start(Flavor::Ours, &body(1, 600));
    daemon.wait_for_line("entered RUNNING state", 2);
    let dir = daemon.dir.path().to_string_lossy().into_owned();
    let write = |text: String| {
        let config = format!(
            "{}{}",
            supervisord_section(daemon.dir.path(), true),
            text.replace("{dir}", &dir)
        );
        std::fs::write(daemon.path("supervisord.conf"), config).expect("write config");
    };
    write(body(2, 600));
    daemon.signal(nix::libc::SIGHUP);
    daemon.wait_for_line("SIGHUP: config reread; plan:", 1);
    // held is still stopping: the second SIGHUP comes while the first update waits.
    write(body(2, 601));
    daemon.signal(nix::libc::SIGHUP);
    let messages = daemon.wait_for_line("received SIGHUP", 2);
    assert_eq!(count(&messages, "stopped: held"), 0, "{messages:?}");
    daemon.wait_for_line("follows it", 1);
    std::fs::write(daemon.path("release"), "").expect("release held");
    let messages = daemon.wait_for_line("update: a: restart (command)", 1);
    assert!(
        messages
            .iter()
            .any(|m| m == "update: held: restart (environment.VERSION)"),
        "{messages:?}"
    );
    daemon.wait_for_line("success: a entered RUNNING state", 2);
    daemon.wait_for_line("success: held entered RUNNING state", 2);
    assert_eq!(daemon.terminate(), Some(0));
}

#[test]
fn a_shutdown_while_an_update_waits_for_its_stops_starts_nothing_and_exits() {
    let body = |version: u32| format!("{}{}", held_program(version), sleeper("a", 600));
    let mut daemon = Daemon::start(Flavor::Ours, &body(1));
    daemon.wait_for_line("entered RUNNING state", 2);
    let dir = daemon.dir.path().to_string_lossy().into_owned();
    let config = format!(
        "{}{}",
        supervisord_section(daemon.dir.path(), true),
        body(2).replace("{dir}", &dir)
    );
    std::fs::write(daemon.path("supervisord.conf"), config).expect("write config");
    daemon.signal(nix::libc::SIGHUP);
    daemon.wait_for_line("SIGHUP: config reread; plan:", 1);
    daemon.signal(nix::libc::SIGTERM);
    daemon.wait_for_line("received SIGTERM indicating exit request", 1);
    std::fs::write(daemon.path("release"), "").expect("release held");
    assert_eq!(daemon.wait_exit(), Some(0));
    let messages = daemon.log_messages();
    assert_eq!(count(&messages, "spawned: 'held'"), 1, "{messages:?}");
}

#[test]
fn config_watch_apply_does_not_log_empty_plans_so_its_own_log_lines_do_not_feed_it() {
    // The main log lives beside the config, as in many setups: a watcher that logged "nothing to do" after each
    // reread would see its own line as a change and reread again, every DEBOUNCE, forever.
    let ticker = "[program:ticker]\ncommand=/bin/sh -c 'while :; do echo tick; sleep 0.5; done'\nstartsecs=0\n";
    let body = |seconds: u32| {
        format!(
            "[supervisord]\nconfig_watch=apply\n{}{ticker}",
            sleeper("a", seconds)
        )
    };
    let daemon = Daemon::start(Flavor::Ours, &body(600));
    daemon.wait_for_line("entered RUNNING state", 2);
    rename_save(&daemon, &body(601));
    daemon.wait_for_line("update: a: restart (command)", 1);
    let applied_at = daemon
        .log_entries()
        .iter()
        .find(|entry| entry.message == "update: a: restart (command)")
        .expect("the update line")
        .seconds;
    // The ticker's output reaches the main log on its own clock: wait until it has written well past a few
    // DEBOUNCE periods after the apply.
    let entries = crate::harness::wait_until("ticks 1.5 s after the apply", || {
        let entries = daemon.log_entries();
        entries
            .iter()
            .any(|entry| {
                entry.message.starts_with("'ticker' stdout output:")
                    && entry.seconds > applied_at + 1.5
            })
            .then_some(entries)
    });
    let rereads: Vec<&String> = entries
        .iter()
        .map(|entry| &entry.message)
        .filter(|message| message.starts_with("config files changed"))
        .collect();
    assert_eq!(rereads.len(), 1, "{rereads:?}");
}

#[test]
fn a_fatal_program_whose_command_is_fixed_is_started_by_the_update() {
    // The usual repair: a program gave up (FATAL) on a wrong command; the command is fixed and the config
    // reloaded. Supervisor's update re-adds the changed group, which autostarts it; so does the minimal plan.
    let body = |command: &str| {
        format!(
            "[program:broken]\ncommand={command}\nstartsecs=0\nstartretries=0\n{}",
            sleeper("a", 600)
        )
    };
    let mut daemon = Daemon::start(Flavor::Ours, &body("/nonexistent/program"));
    daemon.wait_for_line("gave up: broken entered FATAL state", 1);
    daemon.wait_for_line("success: a entered RUNNING state", 1);
    write_config(&daemon, &body("/bin/sleep 600"));
    daemon.signal(nix::libc::SIGHUP);
    let messages = daemon.wait_for_line("success: broken entered RUNNING state", 1);
    assert!(
        messages
            .iter()
            .any(|m| m == "update: broken: restart (command)"),
        "{messages:?}"
    );
    assert_eq!(count(&messages, "spawned: 'a'"), 1);
    assert_eq!(daemon.terminate(), Some(0));
}

/// Our supervisorctl's `update` against our daemon: `--dry-run` shows the plan and changes nothing, `--json` is
/// the documented shape, and the update itself touches only what changed.
#[test]
fn our_supervisorctl_update_plans_and_applies_the_minimal_change() {
    let server = "[unix_http_server]\nfile={dir}/supervisor.sock\n[supervisorctl]\nserverurl=unix://{dir}/supervisor.sock\n";
    let mut daemon = Daemon::start(Flavor::Ours, &format!("{server}{TWO}"));
    let messages = daemon.wait_for_line("entered RUNNING state", 2);
    let (a, b) = (
        spawned_pid(&messages, "a").expect("a"),
        spawned_pid(&messages, "b").expect("b"),
    );
    let ctl = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_supervisorctl"))
            .arg("-c")
            .arg(daemon.path("supervisord.conf"))
            .args(args)
            .output()
            .expect("supervisorctl");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let edited = format!("{server}{}", TWO.replace("sleep 600", "sleep 700"));
    write_config(
        &daemon,
        &edited.replace("{dir}", &daemon.dir.path().to_string_lossy()),
    );
    let (code, plan) = ctl(&["update", "--dry-run"]);
    assert_eq!(code, Some(0), "{plan}");
    assert!(plan.starts_with("a: restart [command]\n"), "{plan}");
    assert!(
        plan.contains("-command = /bin/sleep 600\n+command = /bin/sleep 700\n"),
        "{plan}"
    );
    let (_, json) = ctl(&["update", "--dry-run", "--json"]);
    let json: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(json["changes"][0]["name"], "a");
    assert_eq!(json["changes"][0]["action"], "restart");
    assert_eq!(
        count(&daemon.log_messages(), "spawned:"),
        2,
        "a dry run changed something"
    );
    let (code, applied) = ctl(&["update"]);
    assert_eq!(
        (code, applied.as_str()),
        (Some(0), "a: updated process group\na: restart (command)\n")
    );
    let messages = daemon.wait_for_line("spawned: 'a'", 2);
    assert_ne!(spawned_pid(&messages, "a"), Some(a));
    assert_eq!(spawned_pid(&messages, "b"), Some(b));
    let (code, output) = ctl(&["update", "nosuch"]);
    assert_eq!(
        (code, output.as_str()),
        (Some(1), "ERROR: no such group: nosuch\n")
    );
    assert_eq!(daemon.terminate(), Some(0));
}

/// A reread reads the config files; that must not look like a change (each report would trigger the next).
#[test]
fn config_watch_report_does_not_feed_on_its_own_reads() {
    let mut daemon = Daemon::start(Flavor::Ours, TWO);
    daemon.wait_for_line("entered RUNNING state", 2);
    rename_save(&daemon, &TWO.replace("sleep 600", "sleep 700"));
    daemon.wait_for_line("pending plan", 1);
    // Nothing changes now, so nothing more may be reported: watch for a second report over a window of four
    // debounce periods (a reread feeding on itself reports every period).
    let window = std::time::Instant::now() + supervisor::watch::DEBOUNCE * 4;
    while std::time::Instant::now() < window {
        assert_eq!(
            count(&daemon.log_messages(), "pending plan"),
            1,
            "{}",
            daemon.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // A second edit: its report must be the second report, not one of a stream.
    rename_save(
        &daemon,
        &TWO.replace("sleep 600", "sleep 700")
            .replace("sleep 601", "sleep 701"),
    );
    crate::harness::wait_until("the second report", || {
        daemon
            .log()
            .contains("\nb: restart [command]\n")
            .then_some(())
    });
    assert_eq!(
        count(&daemon.log_messages(), "pending plan"),
        2,
        "{}",
        daemon.log()
    );
    assert_eq!(daemon.terminate(), Some(0));
}
