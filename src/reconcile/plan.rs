//! The planner: the live desired state, the newly read one and a view of what is running, to a [`Plan`] that
//! touches only what changed.
//!
//! Each process is compared by identity (`group:name`) through its canonical settings
//! ([`crate::config::render::process_settings`]); every changed setting belongs to one class, and the strongest
//! class decides the step:
//!
//! | class   | settings                                                                          | step                 |
//! |---------|-----------------------------------------------------------------------------------|----------------------|
//! | restart | command, environment, directory, user, umask, redirect_stderr, serverurl          | stop, then start     |
//! | logs    | stdout_logfile, stderr_logfile, *_syslog                                          | reopen the log files |
//! | live    | everything else (autostart, autorestart, startsecs, exitcodes, stopsignal, ...)   | update in place      |
//!
//! A restart-class change to a process that is not running only replaces its settings, except for a FATAL one that
//! autostarts: its start gave up under the old settings, so it gets a fresh one (as Supervisor's update gives it by
//! adding the changed group again). Scaling (`numprocs`) shows
//! up as processes added or removed; the processes that stay are untouched. Stops come first, in reverse priority
//! order; starts come last, in priority order. The plan is data: the engine applies its [`Step`]s, people read its
//! [`Change`]s (with unified diffs of the rendered settings).

use std::collections::{BTreeMap, BTreeSet};

use similar::TextDiff;

use crate::config::render::{group_settings, process_settings, render_process};
use crate::config::{DesiredState, GroupSpec, ProcessSpec};

/// A process's identity: (group, name).
pub type ProcessKey = (String, String);

/// What is running now: the processes that would have to be stopped (any state but STOPPED, EXITED, FATAL,
/// UNKNOWN), and the ones in FATAL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveView {
    pub running: BTreeSet<ProcessKey>,
    /// Processes whose start gave up. A restart-class change starts them again when they autostart; a process
    /// someone stopped (STOPPED) or that ended by itself (EXITED) keeps its state.
    pub fatal: BTreeSet<ProcessKey>,
}

/// The class of a setting, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FieldClass {
    /// Not a setting of the process itself (its identity or position in the file); never a change.
    Identity,
    Live,
    Logs,
    Restart,
}

/// The class of one key of [`process_settings`].
pub fn field_class(key: &str) -> FieldClass {
    match key {
        "name" | "group" | "program_name" | "section" | "process_num" | "numprocs"
        | "numprocs_start" => FieldClass::Identity,
        "command" | "directory" | "user" | "umask" | "redirect_stderr" | "serverurl" => {
            FieldClass::Restart
        }
        "stdout_logfile" | "stderr_logfile" | "stdout_syslog" | "stderr_syslog" => FieldClass::Logs,
        key if key.starts_with("environment.") => FieldClass::Restart,
        _ => FieldClass::Live,
    }
}

/// What happens to one group or process, for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    AddGroup,
    RemoveGroup,
    /// Group-level settings (priority) changed; its processes are planned on their own.
    UpdateGroup,
    Add,
    Remove,
    Restart,
    ReopenLogs,
    Update,
}

impl ChangeKind {
    pub fn describe(self) -> &'static str {
        match self {
            ChangeKind::AddGroup => "add group",
            ChangeKind::RemoveGroup => "remove group",
            ChangeKind::UpdateGroup => "update group in place",
            ChangeKind::Add => "add",
            ChangeKind::Remove => "remove",
            ChangeKind::Restart => "restart",
            ChangeKind::ReopenLogs => "reopen logs",
            ChangeKind::Update => "update in place",
        }
    }
}

/// One change, with why and the diff of the rendered settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub group: String,
    /// `None` for group-level changes.
    pub process: Option<String>,
    /// The settings that changed (sorted); empty for additions and removals.
    pub fields: Vec<String>,
    /// Whether the process is running now (a restart of a stopped process only replaces its settings).
    pub running: bool,
    /// Unified diff of the rendered settings (old to new); empty when nothing is rendered on one side.
    pub diff: String,
}

impl Change {
    /// `group:name`, or `name` when they are equal, or the group name for group changes.
    pub fn namespec(&self) -> String {
        match &self.process {
            None => self.group.clone(),
            Some(process) if *process == self.group => process.clone(),
            Some(process) => format!("{}:{process}", self.group),
        }
    }
}

/// What the engine does, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Stop a running process and wait until it is down.
    Stop(ProcessKey),
    /// Forget a stopped process.
    RemoveProcess(ProcessKey),
    /// Forget a group whose processes are gone.
    RemoveGroup(String),
    /// Create a group (without processes) or replace its group-level settings.
    PutGroup(Box<GroupSpec>),
    /// Create a process (STOPPED, `Not started`).
    AddProcess(Box<ProcessSpec>),
    /// Replace a process's settings; nothing is signalled.
    Replace(Box<ProcessSpec>),
    /// Replace a process's settings and reopen its log files at their new places.
    ReopenLogs(Box<ProcessSpec>),
    /// Start a process.
    Start(ProcessKey),
}

/// The result of planning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

fn processes_of(state: &DesiredState) -> BTreeMap<ProcessKey, &ProcessSpec> {
    state
        .groups
        .values()
        .flat_map(|group| {
            group
                .processes
                .iter()
                .map(move |spec| ((group.name.clone(), spec.name.clone()), spec))
        })
        .collect()
}

/// The settings that differ between two versions of a process, with the strongest class among them.
fn changed_fields(old: &ProcessSpec, new: &ProcessSpec) -> (Vec<String>, FieldClass) {
    let old_settings = process_settings(old);
    let new_settings = process_settings(new);
    let keys: BTreeSet<&String> = old_settings.keys().chain(new_settings.keys()).collect();
    let mut fields = Vec::new();
    let mut strongest = FieldClass::Identity;
    for key in keys {
        let class = field_class(key);
        if class == FieldClass::Identity || old_settings.get(key) == new_settings.get(key) {
            continue;
        }
        strongest = strongest.max(class);
        fields.push(key.clone());
    }
    (fields, strongest)
}

fn unified_diff(old: &str, new: &str, name: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{name} (running config)"),
            &format!("{name} (new config)"),
        )
        .to_string()
}

fn group_priority(state: &DesiredState, group: &str) -> i64 {
    state.groups.get(group).map_or(999, |group| group.priority)
}

/// Plans the move from `live` to `next`, given what is running.
pub fn plan(live: &DesiredState, next: &DesiredState, view: &LiveView) -> Plan {
    let old_processes = processes_of(live);
    let new_processes = processes_of(next);
    let mut changes = Vec::new();
    let mut stops: Vec<(i64, i64, ProcessKey)> = Vec::new();
    let mut starts: Vec<(i64, i64, ProcessKey)> = Vec::new();
    let mut removals = Vec::new();
    let mut puts = Vec::new();
    let mut replacements = Vec::new();

    // Groups first: added, removed, group-level settings changed.
    for (name, group) in &next.groups {
        let shell = || {
            Box::new(GroupSpec {
                processes: Vec::new(),
                ..group.clone()
            })
        };
        match live.groups.get(name) {
            None => {
                changes.push(group_change(
                    ChangeKind::AddGroup,
                    group,
                    Vec::new(),
                    String::new(),
                ));
                puts.push(Step::PutGroup(shell()));
            }
            Some(old) => {
                let old_settings = group_settings(old);
                let new_settings = group_settings(group);
                let fields: Vec<String> = old_settings
                    .keys()
                    .chain(new_settings.keys())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .filter(|key| {
                        *key != "programs" && old_settings.get(*key) != new_settings.get(*key)
                    })
                    .cloned()
                    .collect();
                if !fields.is_empty() {
                    let diff =
                        unified_diff(&render_map(&old_settings), &render_map(&new_settings), name);
                    changes.push(group_change(ChangeKind::UpdateGroup, group, fields, diff));
                    puts.push(Step::PutGroup(shell()));
                }
            }
        }
    }

    // Processes that went away.
    for (key, old) in &old_processes {
        if new_processes.contains_key(key) {
            continue;
        }
        let running = view.running.contains(key);
        if running {
            stops.push((group_priority(live, &key.0), old.priority, key.clone()));
        }
        removals.push(Step::RemoveProcess(key.clone()));
        changes.push(Change {
            kind: ChangeKind::Remove,
            group: key.0.clone(),
            process: Some(key.1.clone()),
            fields: Vec::new(),
            running,
            diff: unified_diff(&render_process(old), "", &namespec(key)),
        });
    }

    // Processes that are new or changed.
    for (key, new) in &new_processes {
        let running = view.running.contains(key);
        let position = (group_priority(next, &key.0), new.priority, key.clone());
        match old_processes.get(key) {
            None => {
                replacements.push(Step::AddProcess(Box::new((*new).clone())));
                if new.autostart {
                    starts.push(position);
                }
                changes.push(Change {
                    kind: ChangeKind::Add,
                    group: key.0.clone(),
                    process: Some(key.1.clone()),
                    fields: Vec::new(),
                    running: false,
                    diff: unified_diff("", &render_process(new), &namespec(key)),
                });
            }
            // Equal specs differ in nothing: skip rendering both (most processes, most reloads; a reload of
            // 500 unchanged programs spent 4 ms here rendering 1,000 settings maps).
            Some(old) if old == new => continue,
            Some(old) => {
                let (fields, class) = changed_fields(old, new);
                let kind = match class {
                    FieldClass::Identity => continue,
                    FieldClass::Live => ChangeKind::Update,
                    FieldClass::Logs => ChangeKind::ReopenLogs,
                    FieldClass::Restart => ChangeKind::Restart,
                };
                match kind {
                    ChangeKind::Restart if running => {
                        stops.push((group_priority(live, &key.0), old.priority, key.clone()));
                        replacements.push(Step::Replace(Box::new((*new).clone())));
                        starts.push(position);
                    }
                    ChangeKind::Restart if new.autostart && view.fatal.contains(key) => {
                        replacements.push(Step::Replace(Box::new((*new).clone())));
                        starts.push(position);
                    }
                    ChangeKind::ReopenLogs if running => {
                        replacements.push(Step::ReopenLogs(Box::new((*new).clone())))
                    }
                    _ => replacements.push(Step::Replace(Box::new((*new).clone()))),
                }
                changes.push(Change {
                    kind,
                    group: key.0.clone(),
                    process: Some(key.1.clone()),
                    fields,
                    running,
                    diff: unified_diff(&render_process(old), &render_process(new), &namespec(key)),
                });
            }
        }
    }

    // Groups that went away, after their processes.
    for (name, group) in &live.groups {
        if !next.groups.contains_key(name) {
            changes.push(group_change(
                ChangeKind::RemoveGroup,
                group,
                Vec::new(),
                String::new(),
            ));
            removals.push(Step::RemoveGroup(name.clone()));
        }
    }

    stops.sort_by(|a, b| (b.0, b.1, &b.2).cmp(&(a.0, a.1, &a.2)));
    starts.sort();
    let mut steps: Vec<Step> = stops
        .into_iter()
        .map(|(_, _, key)| Step::Stop(key))
        .collect();
    steps.extend(removals);
    steps.extend(puts);
    steps.extend(replacements);
    steps.extend(starts.into_iter().map(|(_, _, key)| Step::Start(key)));
    changes.sort_by(|a, b| (&a.group, &a.process, a.kind).cmp(&(&b.group, &b.process, b.kind)));
    Plan { changes, steps }
}

fn namespec(key: &ProcessKey) -> String {
    if key.0 == key.1 {
        key.1.clone()
    } else {
        format!("{}:{}", key.0, key.1)
    }
}

fn group_change(kind: ChangeKind, group: &GroupSpec, fields: Vec<String>, diff: String) -> Change {
    Change {
        kind,
        group: group.name.clone(),
        process: None,
        fields,
        running: false,
        diff,
    }
}

fn render_map(settings: &BTreeMap<String, String>) -> String {
    settings
        .iter()
        .map(|(key, value)| format!("{key} = {value}\n"))
        .collect()
}

/// The plan for people: one line per change (`name: what (fields)`), then, with `diffs`, each change's diff.
pub fn render_plan(plan: &Plan, diffs: bool) -> String {
    if plan.is_empty() {
        return "No config updates to processes\n".to_string();
    }
    let mut out = String::new();
    for change in &plan.changes {
        out.push_str(&format!(
            "{}: {}",
            change.namespec(),
            change.kind.describe()
        ));
        if matches!(change.kind, ChangeKind::Restart | ChangeKind::ReopenLogs) && !change.running {
            let key = (
                change.group.clone(),
                change.process.clone().unwrap_or_default(),
            );
            if plan.steps.contains(&Step::Start(key)) {
                out.push_str(" (fatal: started with the new settings)");
            } else {
                out.push_str(" (not running: settings replaced only)");
            }
        }
        if !change.fields.is_empty() {
            out.push_str(&format!(" [{}]", change.fields.join(", ")));
        }
        out.push('\n');
    }
    if diffs {
        for change in plan.changes.iter().filter(|change| !change.diff.is_empty()) {
            out.push('\n');
            out.push_str(&change.diff);
        }
    }
    out
}

/// The plan for tools, as JSON (a stable shape, documented in `man/supervisorctl.1`):
/// `{"changes": [{"name", "group", "process", "action", "fields", "running", "diff"}], "steps": ["stop web", ...]}`
/// where `name` is the namespec, `process` is null for group changes, and `action` is one of `add group`,
/// `remove group`, `update group in place`, `add`, `remove`, `restart`, `reopen logs`, `update in place`.
pub fn render_plan_json(plan: &Plan) -> String {
    let changes: Vec<serde_json::Value> = plan
        .changes
        .iter()
        .map(|change| {
            serde_json::json!({
                "name": change.namespec(),
                "group": change.group,
                "process": change.process,
                "action": change.kind.describe(),
                "fields": change.fields,
                "running": change.running,
                "diff": change.diff,
            })
        })
        .collect();
    let steps: Vec<String> = render_steps(plan).lines().map(str::to_string).collect();
    serde_json::json!({ "changes": changes, "steps": steps }).to_string()
}

/// The steps, one per line, for tests and logs.
pub fn render_steps(plan: &Plan) -> String {
    plan.steps
        .iter()
        .map(|step| match step {
            Step::Stop(key) => format!("stop {}\n", namespec(key)),
            Step::RemoveProcess(key) => format!("remove {}\n", namespec(key)),
            Step::RemoveGroup(name) => format!("remove group {name}\n"),
            Step::PutGroup(group) => {
                format!("put group {} (priority {})\n", group.name, group.priority)
            }
            Step::AddProcess(spec) => format!("add {}\n", spec.namespec()),
            Step::Replace(spec) => format!("replace {}\n", spec.namespec()),
            Step::ReopenLogs(spec) => format!("reopen logs {}\n", spec.namespec()),
            Step::Start(key) => format!("start {}\n", namespec(key)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::parse_files;
    use std::path::Path;

    fn desired(text: &str) -> DesiredState {
        parse_files(&[("/conf/supervisord.conf", text)])
            .expect("valid config")
            .desired
    }

    /// The namespecs listed in a fixture file, one per line; `None` without the file.
    fn namespecs(path: &Path) -> Option<BTreeSet<ProcessKey>> {
        let text = std::fs::read_to_string(path).ok()?;
        Some(
            text.lines()
                .filter(|line| !line.is_empty())
                .map(|line| match line.split_once(':') {
                    Some((group, name)) => (group.to_string(), name.to_string()),
                    None => (line.to_string(), line.to_string()),
                })
                .collect(),
        )
    }

    /// `running.txt` lists the running namespecs (without it every autostart process of the old config runs);
    /// `fatal.txt` the FATAL ones (none without it).
    fn view(dir: &Path, live: &DesiredState) -> LiveView {
        let running = namespecs(&dir.join("running.txt")).unwrap_or_else(|| {
            processes_of(live)
                .into_iter()
                .filter(|(_, spec)| spec.autostart)
                .map(|(key, _)| key)
                .collect()
        });
        let fatal = namespecs(&dir.join("fatal.txt")).unwrap_or_default();
        LiveView { running, fatal }
    }

    /// Walks fixtures/reconcile/<case>/{old.conf,new.conf,plan.txt}; `UPDATE_EXPECT=1` rewrites plan.txt.
    #[test]
    fn fixture_cases() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reconcile");
        let update = std::env::var_os("UPDATE_EXPECT").is_some();
        let mut cases: Vec<_> = std::fs::read_dir(&root)
            .expect("fixtures")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        cases.sort();
        assert!(cases.len() >= 20, "expected at least 20 reconcile cases");
        let mut failures = Vec::new();
        for dir in cases {
            let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("read fixture");
            let live = desired(&read("old.conf"));
            let next = desired(&read("new.conf"));
            let plan = plan(&live, &next, &view(&dir, &live));
            let rendered = format!(
                "{}--- steps\n{}",
                render_plan(&plan, true),
                render_steps(&plan)
            );
            if update {
                std::fs::write(dir.join("plan.txt"), &rendered).expect("write plan.txt");
            } else if std::fs::read_to_string(dir.join("plan.txt")).unwrap_or_default() != rendered
            {
                failures.push(format!("{}:\n{rendered}", dir.display()));
            }
        }
        assert!(
            failures.is_empty(),
            "plans differ from plan.txt:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn json_rendering_has_the_documented_shape() {
        let live =
            desired("[supervisord]\n[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\n");
        let next = desired("[supervisord]\n[program:a]\ncommand=/bin/a2\n");
        let view = LiveView {
            running: [("a".to_string(), "a".to_string())].into_iter().collect(),
            ..LiveView::default()
        };
        let json: serde_json::Value =
            serde_json::from_str(&render_plan_json(&plan(&live, &next, &view))).expect("json");
        let actions: Vec<(&str, &str)> = json["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|change| {
                (
                    change["name"].as_str().expect("name"),
                    change["action"].as_str().expect("action"),
                )
            })
            .collect();
        assert_eq!(
            actions,
            [("a", "restart"), ("b", "remove group"), ("b", "remove")]
        );
        assert_eq!(json["changes"][0]["fields"], serde_json::json!(["command"]));
        assert_eq!(json["changes"][0]["running"], serde_json::json!(true));
        assert!(json["changes"][0]["diff"]
            .as_str()
            .expect("diff")
            .contains("+command = /bin/a2"));
        assert_eq!(
            json["steps"],
            serde_json::json!([
                "stop a",
                "remove b",
                "remove group b",
                "replace a",
                "start a"
            ])
        );
    }

    #[test]
    fn every_setting_has_a_class() {
        let spec = &desired("[supervisord]\n[program:a]\ncommand=/bin/a\nenvironment=A=1\n").groups
            ["a"]
            .processes[0];
        let classes: BTreeMap<String, FieldClass> = process_settings(spec)
            .keys()
            .map(|key| (key.clone(), field_class(key)))
            .collect();
        assert_eq!(classes["command"], FieldClass::Restart);
        assert_eq!(classes["environment.A"], FieldClass::Restart);
        assert_eq!(classes["stdout_logfile"], FieldClass::Logs);
        assert_eq!(classes["autorestart"], FieldClass::Live);
        assert_eq!(classes["stopwaitsecs"], FieldClass::Live);
        assert_eq!(classes["numprocs"], FieldClass::Identity);
        assert_eq!(classes["priority"], FieldClass::Live);
    }
}
