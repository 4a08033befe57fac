//! Differential test of the config loader: for every `fixtures/config/diff/<case>/supervisord.conf`, what
//! Supervisor 4.3.0 builds (dumped by `tests/ref/dump_config.py`) against what `config::load::load_file` builds,
//! compared group by group and process by process in the canonical rendering of `config::render`.
//!
//! Both sides see the same environment: the fixtures' `%(ENV_x)s` names come from [`EXTRA_ENVIRONMENT`], which
//! this test sets on the Python subprocess and, because our loader reads the process environment, on this process
//! once (see [`set_extra_environment`]). This test binary owns the `SRS_TEST_*` variable names: no other test may
//! set or rely on them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use serde_json::Value;
use similar::TextDiff;
use supervisor::config::{load, render, DesiredState, GroupKind, LogLevel};

use crate::reference::reference_python;

/// The variables the fixtures may use as `%(ENV_x)s`, set identically for Supervisor and for us. `HOME` and the
/// rest of the environment are inherited as they are by both.
const EXTRA_ENVIRONMENT: [(&str, &str); 4] = [
    ("SRS_TEST_A", "alpha"),
    ("SRS_TEST_B", "two words"),
    ("SRS_TEST_NUM", "7"),
    ("SRS_TEST_USER", "root"),
];

/// Fewer cases than this means the fixture folder was not found or was emptied: fail rather than pass on nothing.
const MIN_CASES: usize = 18;

/// The group-level keys the dumper reports; ours has more (e.g. `programs`), which Supervisor does not keep.
const REFERENCE_GROUP_KEYS: [&str; 10] = [
    "name",
    "priority",
    "kind",
    "events",
    "buffer_size",
    "result_handler",
    "socket",
    "socket_backlog",
    "socket_mode",
    "socket_owner",
];

pub fn diff_cases_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/config/diff"))
}

fn dump_script() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ref/dump_config.py"
    ))
}

/// Set [`EXTRA_ENVIRONMENT`] in this process, once, before the first load that needs them. Writing the
/// environment while other test threads run can race with their reads in libc; the `Once` keeps it to a single
/// write per name, and the values never change afterwards, so every later read sees them.
pub fn set_extra_environment() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for (name, value) in EXTRA_ENVIRONMENT {
            std::env::set_var(name, value);
        }
    });
}

/// One side's view of a case, rendered as text in one shape so that a unified diff shows every difference.
struct Rendered {
    groups: Vec<RenderedGroup>,
    /// `(level name, text)`, ordered as supervisord logs them: criticals, then warnings, then infos.
    messages: Vec<(String, String)>,
}

struct RenderedGroup {
    settings: BTreeMap<String, String>,
    /// (name, settings) in the group's process order.
    processes: Vec<(String, BTreeMap<String, String>)>,
}

fn as_string_map(value: &Value, what: &str) -> BTreeMap<String, String> {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{what}: expected a JSON object, got {value}"));
    object
        .iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                // Lists (pool events) are already sorted by the dumper; compare them comma-joined.
                Value::Array(items) => items
                    .iter()
                    .map(|item| item.as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            (key.clone(), text)
        })
        .collect()
}

/// Run the dumper on `config` with the reference python. `Ok` is the parsed `ok` object; `Err` is the reference's
/// config error text, or a description of why the dumper itself failed.
fn reference_dump(config: &Path) -> Result<Value, String> {
    let output = Command::new(reference_python())
        .arg(dump_script())
        .arg(config)
        .envs(EXTRA_ENVIRONMENT)
        .output()
        .map_err(|error| format!("cannot run the reference dumper: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "the reference dumper failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut json: Value = serde_json::from_slice(&output.stdout).map_err(|error| {
        format!(
            "the reference dumper printed invalid JSON ({error}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })?;
    if let Some(error) = json.get("err") {
        return Err(format!("Supervisor rejects this config: {error}"));
    }
    json.get_mut("ok")
        .map(Value::take)
        .ok_or_else(|| format!("the reference dumper printed neither ok nor err: {json}"))
}

fn reference_rendered(dump: &Value) -> Rendered {
    let groups = dump["groups"]
        .as_array()
        .expect("the dump has a groups list")
        .iter()
        .map(|group| {
            let mut settings = as_string_map(group, "group");
            settings.remove("processes");
            let processes = group["processes"]
                .as_array()
                .expect("each dumped group has a processes list")
                .iter()
                .map(|process| {
                    let settings = as_string_map(process, "process");
                    (settings.get("name").cloned().unwrap_or_default(), settings)
                })
                .collect();
            RenderedGroup {
                settings,
                processes,
            }
        })
        .collect();
    let messages = dump["messages"]
        .as_array()
        .expect("the dump has a messages list")
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap_or_default().to_string(),
                pair[1].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    Rendered { groups, messages }
}

/// The process keys the reference reports (besides `environment.*`, which both sides report in full).
fn reference_process_keys(reference: &Rendered) -> Option<Vec<String>> {
    reference
        .groups
        .iter()
        .flat_map(|group| &group.processes)
        .map(|(_, settings)| {
            settings
                .keys()
                .filter(|key| !key.starts_with("environment."))
                .cloned()
                .collect()
        })
        .next()
}

fn ours_rendered(
    desired: &DesiredState,
    messages: &[(LogLevel, String)],
    process_keys: Option<&[String]>,
) -> Rendered {
    let groups = desired
        .groups_in_order()
        .into_iter()
        .map(|group| {
            let mut settings: BTreeMap<String, String> = render::group_settings(group)
                .into_iter()
                .filter(|(key, _)| REFERENCE_GROUP_KEYS.contains(&key.as_str()))
                .collect();
            // Supervisor keeps a pool's events in set order, so the dumper sorts them; sort ours the same way.
            if let GroupKind::EventListenerPool(pool) = &group.kind {
                let mut events = pool.events.clone();
                events.sort();
                settings.insert("events".to_string(), events.join(","));
            }
            let processes = group
                .processes
                .iter()
                .map(|process| {
                    let settings = render::process_settings(process)
                        .into_iter()
                        .filter(|(key, _)| {
                            key.starts_with("environment.")
                                || process_keys.is_none_or(|keys| keys.contains(key))
                        })
                        .collect();
                    (process.name.clone(), settings)
                })
                .collect();
            RenderedGroup {
                settings,
                processes,
            }
        })
        .collect();
    // supervisord logs the parse messages most severe first, keeping their order within a level.
    let mut messages: Vec<(LogLevel, String)> = messages.to_vec();
    messages.sort_by_key(|(level, _)| std::cmp::Reverse(*level));
    let messages = messages
        .into_iter()
        .map(|(level, text)| (level.name().to_string(), text))
        .collect();
    Rendered { groups, messages }
}

fn to_text(rendered: &Rendered) -> String {
    let mut out = String::new();
    for group in &rendered.groups {
        let name = group.settings.get("name").cloned().unwrap_or_default();
        out.push_str(&format!("group {}\n", render::escape_value(&name)));
        for (key, value) in group.settings.iter().filter(|(key, _)| *key != "name") {
            out.push_str(&format!("  {key} = {}\n", render::escape_value(value)));
        }
        for (name, settings) in &group.processes {
            out.push_str(&format!("  process {}\n", render::escape_value(name)));
            for (key, value) in settings {
                out.push_str(&format!(
                    "    {} = {}\n",
                    render::escape_value(key),
                    render::escape_value(value)
                ));
            }
        }
    }
    out.push_str("messages\n");
    for (level, text) in &rendered.messages {
        out.push_str(&format!("  {level}: {}\n", render::escape_value(text)));
    }
    out
}

/// Compare one case. `None` when both sides agree; otherwise a readable report.
fn check_case(case: &str, config: &Path) -> Option<String> {
    let reference = match reference_dump(config) {
        Ok(dump) => reference_rendered(&dump),
        // Every diff case is meant to be valid: a rejected fixture is a broken fixture.
        Err(error) => return Some(format!("{case}: {error}")),
    };
    let loaded = match load::load_file(config) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            return Some(format!(
                "{case}: Supervisor accepts this config but load_file rejects it:\n{diagnostics:#?}"
            ))
        }
    };
    let process_keys = reference_process_keys(&reference);
    let ours = ours_rendered(&loaded.desired, &loaded.messages, process_keys.as_deref());
    let reference_text = to_text(&reference);
    let ours_text = to_text(&ours);
    if reference_text == ours_text {
        return None;
    }
    let diff = TextDiff::from_lines(&reference_text, &ours_text)
        .unified_diff()
        .context_radius(3)
        .header("supervisor 4.3.0", "supervisor-rs")
        .to_string();
    Some(format!(
        "{case}: differs from Supervisor\n{}\n{diff}",
        summarize(&reference, &ours).join("\n")
    ))
}

/// One line per difference, naming the group and process, so that a long diff's hunks can be placed.
fn summarize(reference: &Rendered, ours: &Rendered) -> Vec<String> {
    let mut lines = Vec::new();
    let group_name =
        |group: &RenderedGroup| group.settings.get("name").cloned().unwrap_or_default();
    let reference_order: Vec<String> = reference.groups.iter().map(group_name).collect();
    let ours_order: Vec<String> = ours.groups.iter().map(group_name).collect();
    if reference_order != ours_order {
        lines.push(format!(
            "  group order: supervisor {reference_order:?}, ours {ours_order:?}"
        ));
    }
    for reference_group in &reference.groups {
        let name = group_name(reference_group);
        let Some(ours_group) = ours.groups.iter().find(|group| group_name(group) == name) else {
            continue;
        };
        compare_maps(
            &format!("group {name}"),
            &reference_group.settings,
            &ours_group.settings,
            &mut lines,
        );
        let process_names = |group: &RenderedGroup| {
            group
                .processes
                .iter()
                .map(|(name, _)| name.clone())
                .collect::<Vec<_>>()
        };
        if process_names(reference_group) != process_names(ours_group) {
            lines.push(format!(
                "  group {name}: processes: supervisor {:?}, ours {:?}",
                process_names(reference_group),
                process_names(ours_group)
            ));
        }
        for (process, reference_settings) in &reference_group.processes {
            if let Some((_, ours_settings)) = ours_group
                .processes
                .iter()
                .find(|(other, _)| other == process)
            {
                compare_maps(
                    &format!("group {name} process {process}"),
                    reference_settings,
                    ours_settings,
                    &mut lines,
                );
            }
        }
    }
    if reference.messages != ours.messages {
        lines.push("  messages differ".to_string());
    }
    lines
}

fn compare_maps(
    place: &str,
    reference: &BTreeMap<String, String>,
    ours: &BTreeMap<String, String>,
    lines: &mut Vec<String>,
) {
    let keys: std::collections::BTreeSet<&String> = reference.keys().chain(ours.keys()).collect();
    for key in keys {
        let (expected, actual) = (reference.get(key), ours.get(key));
        if expected != actual {
            let show = |value: Option<&String>| {
                value.map_or_else(|| "(absent)".to_string(), |value| format!("{value:?}"))
            };
            lines.push(format!(
                "  {place}: {key}: supervisor {}, ours {}",
                show(expected),
                show(actual)
            ));
        }
    }
}

fn case_dirs() -> Vec<(String, PathBuf)> {
    let dir = diff_cases_dir();
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("read a fixture directory entry").path())
        .filter(|path| path.join("supervisord.conf").is_file())
        .map(|path| {
            let name = path
                .file_name()
                .expect("a case folder has a name")
                .to_string_lossy()
                .into_owned();
            (name, path.join("supervisord.conf"))
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn config_matches_supervisor_on_every_diff_case() {
    set_extra_environment();
    let cases = case_dirs();
    assert!(
        cases.len() >= MIN_CASES,
        "expected at least {MIN_CASES} cases under {}, found {}",
        diff_cases_dir().display(),
        cases.len()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(case, config)| check_case(case, config))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} config cases differ from Supervisor 4.3.0:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// `render::signal_name` against CPython's `signal.Signals(n).name`, for every number Supervisor could hold.
#[test]
fn signal_names_match_python() {
    let script = "import signal\n\
                  for n in range(-1, 66):\n    \
                  try: print(n, signal.Signals(n).name[3:])\n    \
                  except ValueError: print(n, n)\n";
    let output = Command::new(reference_python())
        .args(["-c", script])
        .output()
        .expect("run the reference python");
    assert!(output.status.success(), "{output:?}");
    let mismatches: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (number, name) = line.split_once(' ')?;
            let number: i32 = number.parse().ok()?;
            let ours = render::signal_name(number);
            (ours != name).then(|| format!("{number}: python {name}, ours {ours}"))
        })
        .collect();
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
