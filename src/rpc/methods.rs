//! Method dispatch and every method of the `supervisor` and `system` namespaces, as Supervisor 4.3.0's
//! `rpcinterface.py` and `xmlrpc.py` run them, over the [`Backend`] boundary.
//!
//! This module owns the order of checks each method makes (the SHUTDOWN_STATE guard, name forms, Python's
//! coercions of the decoded values), the faults the RPC layer raises itself, the reply shapes (result structs,
//! process info, config info), the log-read arithmetic's callers, and `system.multicall`. It does not resolve
//! names to processes or run anything: the backend answers `BAD_NAME`, `NOT_RUNNING`, `SPAWN_ERROR`, ... for
//! those. Log files are read here (through [`crate::logs::read`]) because Supervisor's RPC layer reads them too.
//!
//! Python semantics kept on purpose: a method's `TypeError` (wrong arity, `int(None)`, an unhashable group
//! name) is the fault `INCORRECT_PARAMETERS`; any other exception is HTTP 500 at the top level and
//! `FAILED: <class 'X'>:message` inside `system.multicall`.

use std::path::{Path, PathBuf};

use super::backend::{
    codes, Backend, Channel, ConfigEntry, Fault, Outcomes, ProcessInfo, SupervisorState, Target,
};
use super::encode::{capped_int, fault_struct, Reply};
use super::help::{self, Method, MethodEntry, METHODS};
use super::python::{str_repr, PyException, Value};
use crate::logs::read::{read_file, tail_file, ReadLogError, Tail};

/// `supervisor.getAPIVersion()`.
pub const API_VERSION: &str = "3.0";

/// What `supervisor.getSupervisorVersion()` claims: the Supervisor release whose API this implements.
pub const SUPERVISOR_VERSION: &str = crate::config::cmdline::VERSION;

/// Why a call did not return a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An `RPCError`: a fault response (HTTP 200).
    Fault(Fault),
    /// Any other Python exception: HTTP 500, or a `FAILED` entry inside `system.multicall`.
    Exception(PyException),
}

impl From<Fault> for Failure {
    fn from(fault: Fault) -> Failure {
        Failure::Fault(fault)
    }
}

impl From<PyException> for Failure {
    /// Supervisor's `traverse` turns a `TypeError` raised anywhere in a method into `INCORRECT_PARAMETERS`.
    fn from(exception: PyException) -> Failure {
        if exception.is_type_error() {
            Failure::Fault(Fault::bare(codes::INCORRECT_PARAMETERS))
        } else {
            Failure::Exception(exception)
        }
    }
}

/// `RPCError(code, extra)`: `extra` is formatted with `%s`, and `None` means no detail.
fn fault_quoting(code: i32, extra: &Value) -> Fault {
    match extra {
        Value::None => Fault::bare(code),
        other => Fault::new(code, other.to_py_str()),
    }
}

/// Calls `method_name` with `params`: Supervisor's `traverse` (exactly one dot, no leading underscore, a
/// published name, the right number of arguments) and then the method.
pub async fn dispatch<B: Backend>(
    backend: &B,
    method_name: &str,
    params: &[Value],
) -> Result<Reply, Failure> {
    let entry = resolve(method_name)?;
    check_arity(entry, params.len())?;
    if entry.method == Method::Multicall {
        return multicall(backend, &params[0]).await;
    }
    run(backend, entry.method, params).await
}

/// The published method under `method_name`, or UNKNOWN_METHOD.
fn resolve(method_name: &str) -> Result<&'static MethodEntry, Fault> {
    let parts: Vec<&str> = method_name.split('.').collect();
    // CVE-2017-11610: no traversal past `namespace.method`, and nothing private.
    if parts.len() != 2 || parts[1].starts_with('_') {
        return Err(Fault::bare(codes::UNKNOWN_METHOD));
    }
    help::find(method_name).ok_or(Fault::bare(codes::UNKNOWN_METHOD))
}

fn check_arity(entry: &MethodEntry, n_params: usize) -> Result<(), Fault> {
    if (entry.min_params..=entry.max_params).contains(&n_params) {
        Ok(())
    } else {
        Err(Fault::bare(codes::INCORRECT_PARAMETERS))
    }
}

/// `system.multicall(calls)`: each call in order, its bare result or a fault struct in its place.
async fn multicall<B: Backend>(backend: &B, calls: &Value) -> Result<Reply, Failure> {
    // Supervisor starts with `calls[:]` and then `pop(0)`s: an empty string slices and ends at once, other
    // strings fail on `pop`, and values that cannot be sliced raise TypeError.
    let calls: &[Value] = match calls {
        Value::List(calls) => calls,
        Value::Str(text) if text.is_empty() => &[],
        Value::Str(_) => return Err(PyException::no_attribute(calls, "pop").into()),
        other => {
            return Err(PyException::new(
                "TypeError",
                format!("'{}' object is not subscriptable", other.type_name()),
            )
            .into())
        }
    };
    let mut results = Vec::with_capacity(calls.len());
    for call in calls {
        // `call.get(...)` runs outside Supervisor's per-call error handling: a non-struct call is an HTTP 500.
        let Value::Dict(members) = call else {
            return Err(PyException::no_attribute(call, "get").into());
        };
        let result = match multicall_one(backend, members).await {
            Ok(reply) => reply,
            Err(Failure::Fault(fault)) => fault_struct(&fault),
            Err(Failure::Exception(exception)) => fault_struct(&Fault::new(
                codes::FAILED,
                format!("<class '{}'>:{}", exception.class, exception.message),
            )),
        };
        results.push(result);
    }
    Ok(Reply::Array(results))
}

/// One entry of a multicall: `{'methodName': name, 'params': [...]}`.
async fn multicall_one<B: Backend>(
    backend: &B,
    members: &[(Value, Value)],
) -> Result<Reply, Failure> {
    let get = |key: &str| {
        let key = Value::Str(key.to_string());
        members
            .iter()
            .find(|(candidate, _)| candidate.py_eq(&key))
            .map(|(_, value)| value)
    };
    let name = match get("methodName") {
        None | Some(Value::None) => {
            return Err(Fault::new(codes::INCORRECT_PARAMETERS, "No methodName").into())
        }
        Some(name) => name,
    };
    let Value::Str(name) = name else {
        return Err(PyException::no_attribute(name, "split").into());
    };
    if name == "system.multicall" {
        return Err(Fault::new(
            codes::INCORRECT_PARAMETERS,
            "Recursive system.multicall forbidden",
        )
        .into());
    }
    let entry = resolve(name)?;
    // `func(*params)`: any iterable spreads (a string into its characters, a dict into its keys).
    let params: Vec<Value> = match get("params") {
        None => Vec::new(),
        Some(Value::List(items)) => items.clone(),
        Some(Value::Str(text)) => text.chars().map(|c| Value::Str(c.to_string())).collect(),
        Some(Value::Dict(members)) => members.iter().map(|(key, _)| key.clone()).collect(),
        Some(_) => return Err(Fault::bare(codes::INCORRECT_PARAMETERS).into()),
    };
    check_arity(entry, params.len())?;
    run(backend, entry.method, &params).await
}

/// Supervisor's `_update` guard: RESTARTING (0) and SHUTDOWN (-1) are below RUNNING (1) and refuse the call.
async fn guard<B: Backend>(backend: &B) -> Result<SupervisorState, Failure> {
    let state = backend.state().await;
    if state.code < 1 {
        return Err(Fault::bare(codes::SHUTDOWN_STATE).into());
    }
    Ok(state)
}

/// A namespec for `split_namespec`, which calls `name.split(':')`: anything but a string is an AttributeError.
fn namespec(value: &Value) -> Result<&str, Failure> {
    match value {
        Value::Str(name) => Ok(name),
        other => Err(PyException::no_attribute(other, "split").into()),
    }
}

/// The group of `group:*` or `group:` (spec B.4), which start/stop/signal delegate to the group method and the
/// single-process methods refuse with BAD_NAME.
fn wildcard_group(name: &str) -> Option<&str> {
    let (group, process) = name.split_once(':')?;
    (process.is_empty() || process == "*").then_some(group)
}

/// A group name looked up in Supervisor's `process_groups` dict: unhashable values raise TypeError, other
/// non-strings are simply not found.
fn group_key(value: &Value) -> Result<&str, Failure> {
    match value {
        Value::Str(name) => Ok(name),
        other if !other.is_hashable() => Err(unhashable(other).into()),
        other => Err(fault_quoting(codes::BAD_NAME, other).into()),
    }
}

/// What hashing a list or dict raises (and Supervisor's dispatcher turns into INCORRECT_PARAMETERS).
fn unhashable(value: &Value) -> PyException {
    PyException::new(
        "TypeError",
        format!("unhashable type: '{}'", value.type_name()),
    )
}

/// `wait`, default true, by Python truthiness (so `<string>false</string>` waits).
fn wait_arg(params: &[Value], index: usize) -> bool {
    params.get(index).is_none_or(Value::is_truthy)
}

/// The signal as the backend takes it (name or number, as text). Supervisor's `signal_number` tries `int()`
/// and then `value.strip()`; values neither can take raise here, before any name is resolved (Supervisor would
/// report BAD_NAME first for an unknown process; such requests are 500 either way otherwise).
fn signal_arg(value: &Value) -> Result<String, Failure> {
    match value {
        Value::Str(text) => Ok(text.clone()),
        Value::Int(number) => Ok(number.to_string()),
        Value::Bool(flag) => Ok(u8::from(*flag).to_string()),
        Value::Double(_) => match value.to_int() {
            Ok(number) => Ok(number.to_string()),
            Err(error) if error.class == "ValueError" => {
                Err(PyException::no_attribute(value, "strip").into())
            }
            Err(error) => Err(error.into()),
        },
        other => Err(PyException::no_attribute(other, "strip").into()),
    }
}

/// `int(value)` inside `readLog`'s `try`, whose `except ValueError` looks the message up as a fault name and
/// so raises AttributeError instead.
fn int_in_read(value: &Value) -> Result<i64, Failure> {
    value.to_int().map_err(|error| {
        if error.class == "ValueError" {
            PyException::new(
                "AttributeError",
                format!(
                    "type object 'Faults' has no attribute {}",
                    str_repr(&error.message)
                ),
            )
            .into()
        } else {
            error.into()
        }
    })
}

/// Result structs of a group or all operation: `{name, group, status, description}`.
fn result_structs(outcomes: Outcomes) -> Reply {
    Reply::Array(
        outcomes
            .into_iter()
            .map(|(process, outcome)| {
                let (status, description) = match outcome {
                    Ok(()) => (codes::SUCCESS, "OK".to_string()),
                    Err(fault) => (fault.code, fault.text()),
                };
                Reply::Struct(vec![
                    ("name", Reply::Str(process.name)),
                    ("group", Reply::Str(process.group)),
                    ("status", Reply::Int(i64::from(status))),
                    ("description", Reply::Str(description)),
                ])
            })
            .collect(),
    )
}

/// A single-process operation: `true`, or the fault of its one outcome.
fn single_outcome(result: Result<Outcomes, Fault>) -> Result<Reply, Failure> {
    match result?.into_iter().next() {
        Some((_, Err(fault))) => Err(fault.into()),
        _ => Ok(Reply::Bool(true)),
    }
}

/// `group:*` is checked against the groups under the name as given: `BAD_NAME: nosuch:*`, not `nosuch`.
fn as_given(fault: Fault, name: &str) -> Fault {
    if fault.code == codes::BAD_NAME {
        Fault::new(codes::BAD_NAME, name)
    } else {
        fault
    }
}

fn strings(names: Vec<String>) -> Reply {
    Reply::Array(names.into_iter().map(Reply::Str).collect())
}

/// Runs one method whose arity is already checked.
async fn run<B: Backend>(backend: &B, method: Method, params: &[Value]) -> Result<Reply, Failure> {
    match method {
        Method::GetApiVersion => {
            guard(backend).await?;
            Ok(Reply::Str(API_VERSION.to_string()))
        }
        Method::GetSupervisorVersion => {
            guard(backend).await?;
            Ok(Reply::Str(SUPERVISOR_VERSION.to_string()))
        }
        Method::GetIdentification => {
            guard(backend).await?;
            Ok(Reply::Str(backend.identification().await))
        }
        Method::GetState => {
            let state = guard(backend).await?;
            Ok(Reply::Struct(vec![
                ("statecode", Reply::Int(state.code)),
                ("statename", Reply::Str(state.name.to_string())),
            ]))
        }
        Method::GetPid => {
            guard(backend).await?;
            // The RPC server runs inside supervisord, so our pid is supervisord's.
            Ok(Reply::Int(i64::from(std::process::id())))
        }
        Method::ReadLog => {
            guard(backend).await?;
            let path = existing_log(backend.main_log_path().await)?;
            let offset = int_in_read(&params[0])?;
            let length = int_in_read(&params[1])?;
            read_log(path, offset, length).await
        }
        Method::ClearLog => {
            guard(backend).await?;
            let path = backend
                .main_log_path()
                .await
                .filter(|path| path.exists())
                .ok_or(Fault::bare(codes::NO_FILE))?;
            std::fs::remove_file(&path).map_err(|_| Fault::bare(codes::FAILED))?;
            backend.reopen_main_log().await;
            Ok(Reply::Bool(true))
        }
        Method::Shutdown => {
            guard(backend).await?;
            backend.shutdown().await?;
            Ok(Reply::Bool(true))
        }
        Method::Restart => {
            guard(backend).await?;
            backend.restart().await?;
            Ok(Reply::Bool(true))
        }
        Method::ReloadConfig => {
            guard(backend).await?;
            let (added, changed, removed) = backend.reload_config().await?;
            // `[[added, changed, removed]]`: Supervisor wraps the triple once more.
            Ok(Reply::Array(vec![Reply::Array(vec![
                strings(added),
                strings(changed),
                strings(removed),
            ])]))
        }
        Method::AddProcessGroup => {
            guard(backend).await?;
            // Supervisor compares the name with each configured group's: a non-string never matches.
            let Value::Str(name) = &params[0] else {
                return Err(fault_quoting(codes::BAD_NAME, &params[0]).into());
            };
            backend.add_group(name.clone()).await?;
            Ok(Reply::Bool(true))
        }
        Method::RemoveProcessGroup => {
            guard(backend).await?;
            let name = group_key(&params[0])?;
            backend.remove_group(name.to_string()).await?;
            Ok(Reply::Bool(true))
        }
        Method::StartProcess | Method::StopProcess => {
            guard(backend).await?;
            let name = namespec(&params[0])?;
            let wait = wait_arg(params, 1);
            let starting = method == Method::StartProcess;
            let act = |target| async move {
                if starting {
                    backend.start(target, wait).await
                } else {
                    backend.stop(target, wait).await
                }
            };
            if let Some(group) = wildcard_group(name) {
                let outcomes = act(Target::Group(group.to_string()))
                    .await
                    .map_err(|fault| as_given(fault, name))?;
                return Ok(result_structs(outcomes));
            }
            single_outcome(act(Target::Process(name.to_string())).await)
        }
        Method::StartProcessGroup | Method::StopProcessGroup => {
            guard(backend).await?;
            let name = group_key(&params[0])?.to_string();
            let wait = wait_arg(params, 1);
            let outcomes = if method == Method::StartProcessGroup {
                backend.start(Target::Group(name), wait).await?
            } else {
                backend.stop(Target::Group(name), wait).await?
            };
            Ok(result_structs(outcomes))
        }
        Method::StartAllProcesses | Method::StopAllProcesses => {
            guard(backend).await?;
            let wait = wait_arg(params, 0);
            let outcomes = if method == Method::StartAllProcesses {
                backend.start(Target::All, wait).await?
            } else {
                backend.stop(Target::All, wait).await?
            };
            Ok(result_structs(outcomes))
        }
        Method::SignalProcess => {
            guard(backend).await?;
            let name = namespec(&params[0])?;
            let signal = signal_arg(&params[1])?;
            if let Some(group) = wildcard_group(name) {
                // signalProcessGroup: guard (just passed), signals, then the guard again.
                let outcomes = backend
                    .signal(Target::Group(group.to_string()), signal)
                    .await
                    .map_err(|fault| as_given(fault, name))?;
                guard(backend).await?;
                return Ok(result_structs(outcomes));
            }
            single_outcome(
                backend
                    .signal(Target::Process(name.to_string()), signal)
                    .await,
            )
        }
        Method::SignalProcessGroup => {
            // The group lookup comes before the guard, so an unhashable name is INCORRECT_PARAMETERS even then.
            if !params[0].is_hashable() {
                return Err(unhashable(&params[0]).into());
            }
            guard(backend).await?;
            let name = group_key(&params[0])?.to_string();
            let signal = signal_arg(&params[1])?;
            let outcomes = backend.signal(Target::Group(name), signal).await?;
            // Supervisor checks the state again after sending (spec B.5).
            guard(backend).await?;
            Ok(result_structs(outcomes))
        }
        Method::SignalAllProcesses => {
            // No guard before: the signals go out even while shutting down, then the guard answers.
            let signal = signal_arg(&params[0])?;
            let outcomes = backend.signal(Target::All, signal).await?;
            guard(backend).await?;
            Ok(result_structs(outcomes))
        }
        Method::GetAllConfigInfo => {
            guard(backend).await?;
            let entries = backend.all_config_info().await;
            Ok(Reply::Array(entries.into_iter().map(config_info).collect()))
        }
        Method::GetProcessInfo => {
            guard(backend).await?;
            let name = namespec(&params[0])?;
            if wildcard_group(name).is_some() {
                return Err(Fault::new(codes::BAD_NAME, name).into());
            }
            Ok(process_info(backend.process_info(name.to_string()).await?))
        }
        Method::GetAllProcessInfo => {
            guard(backend).await?;
            let infos = backend.all_process_info().await;
            Ok(Reply::Array(infos.into_iter().map(process_info).collect()))
        }
        Method::ReadProcessStdoutLog | Method::ReadProcessStderrLog => {
            guard(backend).await?;
            let channel = if method == Method::ReadProcessStdoutLog {
                Channel::Stdout
            } else {
                Channel::Stderr
            };
            let path = process_log_path(backend, &params[0], channel).await?;
            let path = existing_log(path)?;
            let offset = int_in_read(&params[1])?;
            let length = int_in_read(&params[2])?;
            read_log(path, offset, length).await
        }
        Method::TailProcessStdoutLog | Method::TailProcessStderrLog => {
            guard(backend).await?;
            let channel = if method == Method::TailProcessStdoutLog {
                Channel::Stdout
            } else {
                Channel::Stderr
            };
            let path = process_log_path(backend, &params[0], channel).await?;
            // No log (NONE, or not created yet) is not a fault here, and the offsets are not even read.
            let Some(path) = path.filter(|path| path.exists()) else {
                return Ok(Reply::Array(vec![
                    Reply::Str(String::new()),
                    Reply::Int(0),
                    Reply::Bool(false),
                ]));
            };
            let offset = params[1].to_int()?;
            let length = params[2].to_int()?;
            let tail = tokio::task::spawn_blocking(move || {
                // Python's `open()` refuses a directory (IsADirectoryError), which tailFile answers like any
                // OSError: `['', offset, False]`. Rust opens one without complaint and its "size" is no file size.
                if path.is_dir() {
                    return Tail {
                        bytes: Vec::new(),
                        offset,
                        overflow: false,
                    };
                }
                tail_file(&path, offset, length)
            })
            .await
            .map_err(|error| PyException::new("RuntimeError", error.to_string()))?;
            Ok(Reply::Array(vec![
                Reply::Str(log_text(tail.bytes)),
                Reply::Int(tail.offset),
                Reply::Bool(tail.overflow),
            ]))
        }
        Method::ClearProcessLogs => {
            guard(backend).await?;
            let name = namespec(&params[0])?;
            if wildcard_group(name).is_some() {
                return Err(Fault::new(codes::BAD_NAME, name).into());
            }
            single_outcome(backend.clear_logs(Target::Process(name.to_string())).await)
        }
        Method::ClearAllProcessLogs => {
            guard(backend).await?;
            Ok(result_structs(backend.clear_logs(Target::All).await?))
        }
        Method::SendProcessStdin => {
            guard(backend).await?;
            // The data is checked before the name.
            let Value::Str(chars) = &params[1] else {
                return Err(fault_quoting(codes::INCORRECT_PARAMETERS, &params[1]).into());
            };
            let name = namespec(&params[0])?;
            if wildcard_group(name).is_some() {
                return Err(Fault::new(codes::BAD_NAME, name).into());
            }
            backend
                .send_stdin(name.to_string(), chars.as_bytes().to_vec())
                .await?;
            Ok(Reply::Bool(true))
        }
        Method::SendRemoteCommEvent => {
            // Never guarded. Supervisor formats both with `%s` into the event payload.
            backend
                .send_remote_comm_event(params[0].to_py_str(), params[1].to_py_str())
                .await?;
            Ok(Reply::Bool(true))
        }
        Method::PlanUpdate | Method::ApplyUpdate => {
            guard(backend).await?;
            let groups = match params.first() {
                None => None,
                Some(Value::List(names)) if names.is_empty() => None,
                Some(Value::List(names)) => Some(names.iter().map(Value::to_py_str).collect()),
                Some(other) => return Err(fault_quoting(codes::INCORRECT_PARAMETERS, other).into()),
            };
            let plan = backend.update(groups, method == Method::PlanUpdate).await?;
            Ok(plan_reply(&plan))
        }
        Method::ListMethods => Ok(Reply::Array(
            METHODS
                .iter()
                .map(|entry| Reply::Str(entry.name.to_string()))
                .collect(),
        )),
        Method::MethodHelp => {
            let entry = named_entry(&params[0])?;
            Ok(Reply::Str(entry.help.to_string()))
        }
        Method::MethodSignature => {
            let entry = named_entry(&params[0])?;
            let signature =
                help::signature(entry.help).ok_or(Fault::bare(codes::SIGNATURE_UNSUPPORTED))?;
            Ok(strings(signature))
        }
        Method::Multicall => Err(Fault::new(
            codes::INCORRECT_PARAMETERS,
            "Recursive system.multicall forbidden",
        )
        .into()),
    }
}

/// The method `system.methodHelp` / `methodSignature` ask about; they compare names, so a non-string matches
/// nothing.
fn named_entry(value: &Value) -> Result<&'static MethodEntry, Fault> {
    match value {
        Value::Str(name) => help::find(name),
        _ => None,
    }
    .ok_or(Fault::bare(codes::SIGNATURE_UNSUPPORTED))
}

/// The log file of a process channel for read/tail: name checks first (`group:*` names no process).
async fn process_log_path<B: Backend>(
    backend: &B,
    name: &Value,
    channel: Channel,
) -> Result<Option<PathBuf>, Failure> {
    let name = namespec(name)?;
    if wildcard_group(name).is_some() {
        return Err(Fault::new(codes::BAD_NAME, name).into());
    }
    Ok(backend.log_path(name.to_string(), channel).await?)
}

/// NO_FILE (quoting the path when there is one) unless the log exists.
fn existing_log(path: Option<PathBuf>) -> Result<PathBuf, Fault> {
    match path {
        Some(path) if path.exists() => Ok(path),
        Some(path) => Err(Fault::new(codes::NO_FILE, path.display().to_string())),
        None => Err(Fault::bare(codes::NO_FILE)),
    }
}

/// `readFile` with spec B.8's arithmetic, off the async threads.
async fn read_log(path: PathBuf, offset: i64, length: i64) -> Result<Reply, Failure> {
    let read = tokio::task::spawn_blocking(move || read_file(Path::new(&path), offset, length))
        .await
        .map_err(|error| PyException::new("RuntimeError", error.to_string()))?;
    match read {
        Ok(bytes) => Ok(Reply::Str(log_text(bytes))),
        // Supervisor raises these without detail.
        Err(ReadLogError::BadArguments) => Err(Fault::bare(codes::BAD_ARGUMENTS).into()),
        Err(ReadLogError::Failed { .. }) => Err(Fault::bare(codes::FAILED).into()),
    }
}

/// Log bytes as text. Supervisor decodes strictly and answers 500 for a range that is not UTF-8 (or cuts a
/// character); we decode lossily so `tail` keeps working. Control characters are made XML-safe by the encoder.
fn log_text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

/// The getProcessInfo struct (spec B.6), members in Supervisor's order, times capped to 32 bits.
fn process_info(info: ProcessInfo) -> Reply {
    Reply::Struct(vec![
        ("name", Reply::Str(info.name)),
        ("group", Reply::Str(info.group)),
        ("start", Reply::Int(capped_int(info.start))),
        ("stop", Reply::Int(capped_int(info.stop))),
        ("now", Reply::Int(capped_int(info.now))),
        ("state", Reply::Int(info.state)),
        ("statename", Reply::Str(info.statename)),
        ("spawnerr", Reply::Str(info.spawnerr)),
        ("exitstatus", Reply::Int(info.exitstatus)),
        // `logfile` is the pre-3.0 name of stdout_logfile.
        ("logfile", Reply::Str(info.stdout_logfile.clone())),
        ("stdout_logfile", Reply::Str(info.stdout_logfile)),
        ("stderr_logfile", Reply::Str(info.stderr_logfile)),
        ("pid", Reply::Int(info.pid)),
        ("description", Reply::Str(info.description)),
    ])
}

/// A string, or Supervisor's `'none'` for a None value.
fn or_none(value: Option<String>) -> Reply {
    Reply::Str(value.unwrap_or_else(|| "none".to_string()))
}

/// The getAllConfigInfo struct (spec B.10), members in Supervisor's order.
fn config_info(entry: ConfigEntry) -> Reply {
    let spec = entry.spec;
    Reply::Struct(vec![
        ("autostart", Reply::Bool(spec.autostart)),
        ("directory", or_none(spec.directory)),
        (
            "uid",
            spec.user.map_or(Reply::Str("none".to_string()), |user| {
                Reply::Int(i64::from(user.uid))
            }),
        ),
        ("command", Reply::Str(spec.command)),
        (
            "exitcodes",
            Reply::Array(
                spec.exitcodes
                    .iter()
                    .map(|code| Reply::Int(i64::from(*code)))
                    .collect(),
            ),
        ),
        ("group", Reply::Str(spec.group)),
        ("group_prio", Reply::Int(entry.group_priority)),
        ("inuse", Reply::Bool(entry.inuse)),
        ("killasgroup", Reply::Bool(spec.killasgroup)),
        ("name", Reply::Str(spec.name)),
        ("process_prio", Reply::Int(spec.priority)),
        ("redirect_stderr", Reply::Bool(spec.redirect_stderr)),
        ("startretries", Reply::Int(spec.startretries)),
        ("startsecs", Reply::Int(spec.startsecs)),
        (
            "stdout_capture_maxbytes",
            Reply::Int(spec.stdout.capture_maxbytes),
        ),
        (
            "stdout_events_enabled",
            Reply::Bool(spec.stdout.events_enabled),
        ),
        ("stdout_logfile", or_none(entry.stdout_logfile)),
        (
            "stdout_logfile_backups",
            Reply::Int(spec.stdout.logfile_backups),
        ),
        (
            "stdout_logfile_maxbytes",
            Reply::Int(spec.stdout.logfile_maxbytes),
        ),
        ("stdout_syslog", Reply::Bool(spec.stdout.syslog)),
        ("stopsignal", Reply::Int(i64::from(spec.stopsignal.number))),
        ("stopwaitsecs", Reply::Int(spec.stopwaitsecs)),
        (
            "stderr_capture_maxbytes",
            Reply::Int(spec.stderr.capture_maxbytes),
        ),
        (
            "stderr_events_enabled",
            Reply::Bool(spec.stderr.events_enabled),
        ),
        ("stderr_logfile", or_none(entry.stderr_logfile)),
        (
            "stderr_logfile_backups",
            Reply::Int(spec.stderr.logfile_backups),
        ),
        (
            "stderr_logfile_maxbytes",
            Reply::Int(spec.stderr.logfile_maxbytes),
        ),
        ("stderr_syslog", Reply::Bool(spec.stderr.syslog)),
        ("serverurl", or_none(spec.serverurl)),
    ])
}

/// Our update methods' answer: each change as a struct, plus the plan rendered as text (with diffs) and as JSON.
fn plan_reply(plan: &crate::reconcile::plan::Plan) -> Reply {
    use crate::reconcile::plan::{render_plan, render_plan_json};
    let changes = plan
        .changes
        .iter()
        .map(|change| {
            Reply::Struct(vec![
                ("name", Reply::Str(change.namespec())),
                ("group", Reply::Str(change.group.clone())),
                (
                    "process",
                    Reply::Str(change.process.clone().unwrap_or_default()),
                ),
                ("action", Reply::Str(change.kind.describe().to_string())),
                (
                    "fields",
                    Reply::Array(change.fields.iter().cloned().map(Reply::Str).collect()),
                ),
                ("running", Reply::Bool(change.running)),
                ("diff", Reply::Str(change.diff.clone())),
            ])
        })
        .collect();
    Reply::Struct(vec![
        ("changes", Reply::Array(changes)),
        ("text", Reply::Str(render_plan(plan, true))),
        ("json", Reply::Str(render_plan_json(plan))),
    ])
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use proptest::prelude::*;

    use super::*;
    use crate::config::{AutoRestart, ChannelSpec, Origin, ProcessSpec, SignalSpec, UserSpec};
    use crate::rpc::backend::ProcessRef;
    use crate::rpc::help::EXPECTED_SIGNATURES;
    use crate::rpc::xml::{read_events, XmlEvent};
    use crate::rpc::{handle_xmlrpc, RpcResponse};

    /// Where the fake's main log is.
    #[derive(Clone, Copy, PartialEq)]
    enum MainLog {
        File,
        Missing,
        Directory,
        NotAFile,
    }

    /// A fixed little world: group `foo` (process `foo`, running) and group `grp` (processes `a`, `b`).
    /// Every call that changes something is written to `calls`.
    struct Fake {
        state: SupervisorState,
        main_log: MainLog,
        reread_error: Option<&'static str>,
        huge_maxbytes: bool,
        logs: tempfile::TempDir,
        calls: Mutex<Vec<String>>,
    }

    const FOO_STDOUT: &[u8] = b"hello\nworld\n";
    const FOO_STDERR: &[u8] = b"caf\xc3\xa9 \xff \x1b[31mred\x1b[0m\r\n";
    const MAIN_LOG: &[u8] = b"2026-11-24 06:43:18,123 INFO supervisord started\n";

    impl Fake {
        fn new() -> Fake {
            let logs = tempfile::tempdir().expect("temp dir");
            std::fs::write(logs.path().join("foo-stdout.log"), FOO_STDOUT).expect("write");
            std::fs::write(logs.path().join("foo-stderr.log"), FOO_STDERR).expect("write");
            std::fs::write(logs.path().join("supervisord.log"), MAIN_LOG).expect("write");
            std::fs::create_dir(logs.path().join("a-directory")).expect("mkdir");
            Fake {
                state: SupervisorState {
                    code: 1,
                    name: "RUNNING",
                },
                main_log: MainLog::File,
                reread_error: None,
                huge_maxbytes: false,
                logs,
                calls: Mutex::new(Vec::new()),
            }
        }

        fn in_state(code: i64, name: &'static str) -> Fake {
            Fake {
                state: SupervisorState { code, name },
                ..Fake::new()
            }
        }

        fn record(&self, call: String) {
            self.calls.lock().expect("calls lock").push(call);
        }

        fn take_calls(&self) -> Vec<String> {
            std::mem::take(&mut *self.calls.lock().expect("calls lock"))
        }

        fn main_log_file(&self) -> PathBuf {
            self.logs.path().join("supervisord.log")
        }
    }

    fn process(name: &str, group: &str) -> ProcessRef {
        ProcessRef {
            name: name.to_string(),
            group: group.to_string(),
        }
    }

    fn foo_info() -> ProcessInfo {
        ProcessInfo {
            name: "foo".into(),
            group: "foo".into(),
            start: 1795502585,
            stop: 0,
            now: 1795502595,
            state: 20,
            statename: "RUNNING".into(),
            spawnerr: String::new(),
            exitstatus: 0,
            stdout_logfile: "/tmp/foo-stdout.log".into(),
            stderr_logfile: String::new(),
            pid: 7704,
            description: "pid 7704, uptime 0:00:10".into(),
        }
    }

    /// Times beyond 32 bits, to see them capped.
    fn a_info() -> ProcessInfo {
        ProcessInfo {
            name: "a".into(),
            group: "grp".into(),
            start: 1 << 40,
            stop: -(1 << 40),
            now: 1795502595,
            state: 200,
            statename: "FATAL".into(),
            spawnerr: "Exited too quickly (process log may have details)".into(),
            exitstatus: -1,
            stdout_logfile: "/nonexistent/a-stdout.log".into(),
            stderr_logfile: String::new(),
            pid: 0,
            description: "Exited too quickly (process log may have details)".into(),
        }
    }

    fn spec(name: &str, group: &str) -> ProcessSpec {
        ProcessSpec {
            name: name.into(),
            group: group.into(),
            section: format!("program:{group}"),
            origin: Origin::default(),
            program_name: group.into(),
            process_num: 0,
            numprocs: 1,
            numprocs_start: 0,
            command: format!("/bin/{name} --flag"),
            priority: 999,
            autostart: true,
            autorestart: AutoRestart::Unexpected,
            startsecs: 1,
            startretries: 3,
            exitcodes: vec![0],
            stopsignal: SignalSpec { number: 15 },
            stopwaitsecs: 10,
            stopasgroup: false,
            killasgroup: false,
            user: None,
            umask: None,
            directory: None,
            redirect_stderr: false,
            stdout: ChannelSpec::default(),
            stderr: ChannelSpec::default(),
            environment: Default::default(),
            serverurl: None,
        }
    }

    const NO_FILE_B: &str = "can't find command '/nonexistent/binary'";
    const VALID_SIGNALS: &[&str] = &["HUP", "hup", "SIGHUP", "TERM", "1", "9", "15"];

    /// The fake's answer to start/stop/signal/clear, by target.
    fn outcomes(verb: &str, target: &Target, signal: Option<&str>) -> Result<Outcomes, Fault> {
        let bad_name = |name: &str| Err(Fault::new(codes::BAD_NAME, name));
        if let Some(signal) = signal.filter(|signal| !VALID_SIGNALS.contains(signal)) {
            let bad_signal = Fault::new(codes::BAD_SIGNAL, signal);
            return match target {
                Target::Process(name) if name == "foo" => Err(bad_signal),
                Target::Group(name) if name == "grp" => {
                    Ok(vec![(process("b", "grp"), Err(bad_signal))])
                }
                Target::All => Ok(vec![(process("foo", "foo"), Err(bad_signal))]),
                Target::Process(name) | Target::Group(name) => bad_name(name),
            };
        }
        let ok = |name: &str, group: &str| (process(name, group), Ok(()));
        match (verb, target) {
            (_, Target::Process(name)) if name == "foo" || name == "foo:foo" => {
                Ok(vec![ok("foo", "foo")])
            }
            ("start", Target::Process(name)) if name == "grp:a" => Ok(vec![(
                process("a", "grp"),
                Err(Fault::new(codes::SPAWN_ERROR, "grp:a")),
            )]),
            ("start", Target::Process(name)) if name == "grp:b" => {
                Err(Fault::new(codes::NO_FILE, NO_FILE_B))
            }
            ("start", Target::Group(name)) if name == "grp" => Ok(vec![
                ok("a", "grp"),
                (
                    process("b", "grp"),
                    Err(Fault::new(codes::NO_FILE, NO_FILE_B)),
                ),
            ]),
            ("start", Target::Group(name)) if name == "foo" => Ok(vec![]),
            ("start", Target::All) => Ok(vec![ok("foo", "foo"), ok("a", "grp")]),
            ("stop" | "signal", Target::Process(name)) if name == "grp:a" => {
                Err(Fault::new(codes::NOT_RUNNING, "grp:a"))
            }
            ("stop" | "signal", Target::Group(name)) if name == "grp" => Ok(vec![ok("b", "grp")]),
            ("stop" | "signal", Target::All) => Ok(vec![ok("foo", "foo"), ok("b", "grp")]),
            ("clear", Target::Process(name)) if name == "grp:a" => {
                Err(Fault::new(codes::FAILED, "grp:a"))
            }
            ("clear", Target::All) => Ok(vec![
                ok("foo", "foo"),
                (process("a", "grp"), Err(Fault::new(codes::FAILED, "grp:a"))),
                ok("b", "grp"),
            ]),
            (_, Target::Process(name) | Target::Group(name)) => bad_name(name),
            (_, Target::All) => Ok(vec![]),
        }
    }

    impl Backend for Fake {
        async fn state(&self) -> SupervisorState {
            self.state.clone()
        }

        async fn identification(&self) -> String {
            "supervisor".into()
        }

        async fn main_log_path(&self) -> Option<PathBuf> {
            match self.main_log {
                MainLog::File => Some(self.main_log_file()),
                MainLog::Missing => Some(PathBuf::from("/nonexistent/supervisord.log")),
                MainLog::Directory => Some(self.logs.path().to_path_buf()),
                MainLog::NotAFile => None,
            }
        }

        async fn reopen_main_log(&self) {
            self.record("reopen_main_log".into());
        }

        async fn process_info(&self, name: String) -> Result<ProcessInfo, Fault> {
            match name.as_str() {
                "foo" | "foo:foo" => Ok(foo_info()),
                "grp:a" => Ok(a_info()),
                _ => Err(Fault::new(codes::BAD_NAME, name)),
            }
        }

        async fn all_process_info(&self) -> Vec<ProcessInfo> {
            vec![foo_info(), a_info()]
        }

        async fn start(&self, target: Target, wait: bool) -> Result<Outcomes, Fault> {
            self.record(format!("start {target:?} wait={wait}"));
            outcomes("start", &target, None)
        }

        async fn stop(&self, target: Target, wait: bool) -> Result<Outcomes, Fault> {
            self.record(format!("stop {target:?} wait={wait}"));
            outcomes("stop", &target, None)
        }

        async fn signal(&self, target: Target, signal: String) -> Result<Outcomes, Fault> {
            self.record(format!("signal {target:?} {signal:?}"));
            outcomes("signal", &target, Some(&signal))
        }

        async fn clear_logs(&self, target: Target) -> Result<Outcomes, Fault> {
            self.record(format!("clear_logs {target:?}"));
            outcomes("clear", &target, None)
        }

        async fn log_path(&self, name: String, channel: Channel) -> Result<Option<PathBuf>, Fault> {
            match (name.as_str(), channel) {
                ("foo" | "foo:foo", Channel::Stdout) => {
                    Ok(Some(self.logs.path().join("foo-stdout.log")))
                }
                ("foo" | "foo:foo", Channel::Stderr) => {
                    Ok(Some(self.logs.path().join("foo-stderr.log")))
                }
                ("grp:a", Channel::Stdout) => Ok(Some(PathBuf::from("/nonexistent/a-stdout.log"))),
                ("grp:a" | "grp:b", _) => Ok(None),
                // A log path where a directory now stands.
                ("dir", _) => Ok(Some(self.logs.path().join("a-directory"))),
                _ => Err(Fault::new(codes::BAD_NAME, name)),
            }
        }

        async fn send_stdin(&self, name: String, data: Vec<u8>) -> Result<(), Fault> {
            self.record(format!(
                "send_stdin {name:?} {:?}",
                String::from_utf8_lossy(&data)
            ));
            match name.as_str() {
                "foo" => Ok(()),
                "grp:a" => Err(Fault::new(codes::NOT_RUNNING, name)),
                "grp:b" => Err(Fault::new(codes::NO_FILE, name)),
                _ => Err(Fault::new(codes::BAD_NAME, name)),
            }
        }

        async fn reload_config(&self) -> Result<(Vec<String>, Vec<String>, Vec<String>), Fault> {
            match self.reread_error {
                Some(error) => Err(Fault::new(codes::CANT_REREAD, error)),
                None => Ok((
                    vec!["added".into()],
                    vec!["changed".into()],
                    vec!["removed".into()],
                )),
            }
        }

        async fn add_group(&self, name: String) -> Result<(), Fault> {
            self.record(format!("add_group {name:?}"));
            match name.as_str() {
                "added" => Ok(()),
                "foo" => Err(Fault::new(codes::ALREADY_ADDED, name)),
                _ => Err(Fault::new(codes::BAD_NAME, name)),
            }
        }

        async fn remove_group(&self, name: String) -> Result<(), Fault> {
            self.record(format!("remove_group {name:?}"));
            match name.as_str() {
                "removed" => Ok(()),
                "grp" => Err(Fault::new(codes::STILL_RUNNING, name)),
                _ => Err(Fault::new(codes::BAD_NAME, name)),
            }
        }

        async fn all_config_info(&self) -> Vec<ConfigEntry> {
            let mut a = spec("a", "grp");
            a.user = Some(UserSpec {
                written: "app".into(),
                name: "app".into(),
                uid: 1000,
                gid: 1000,
            });
            a.directory = Some("/srv".into());
            a.serverurl = Some("unix:///tmp/s.sock".into());
            a.exitcodes = vec![0, 2];
            a.redirect_stderr = true;
            a.stopsignal = SignalSpec { number: 1 };
            a.stdout.capture_maxbytes = 1024;
            a.stdout.events_enabled = true;
            a.stderr.syslog = true;
            a.priority = 5;
            let mut foo = spec("foo", "foo");
            if self.huge_maxbytes {
                foo.stdout.logfile_maxbytes = 3 << 30;
            }
            vec![
                ConfigEntry {
                    spec: a,
                    group_priority: 999,
                    inuse: false,
                    stdout_logfile: Some("/var/log/a.log".into()),
                    stderr_logfile: None,
                },
                ConfigEntry {
                    spec: foo,
                    group_priority: 999,
                    inuse: true,
                    stdout_logfile: Some("/tmp/foo-stdout---supervisor-x1.log".into()),
                    stderr_logfile: Some("/tmp/foo-stderr---supervisor-x2.log".into()),
                },
            ]
        }

        async fn shutdown(&self) -> Result<(), Fault> {
            self.record("shutdown".into());
            Ok(())
        }

        async fn restart(&self) -> Result<(), Fault> {
            self.record("restart".into());
            Ok(())
        }

        async fn send_remote_comm_event(
            &self,
            event_type: String,
            data: String,
        ) -> Result<(), Fault> {
            self.record(format!("remote_comm {event_type:?} {data:?}"));
            Ok(())
        }

        async fn restart_counts(&self) -> std::collections::BTreeMap<(String, String), u64> {
            std::collections::BTreeMap::new()
        }

        async fn update(
            &self,
            groups: Option<Vec<String>>,
            dry_run: bool,
        ) -> Result<crate::reconcile::plan::Plan, Fault> {
            self.record(format!("update {groups:?} dry_run={dry_run}"));
            Ok(crate::reconcile::plan::Plan::default())
        }
    }

    fn respond(fake: &Fake, body: &[u8]) -> RpcResponse {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(handle_xmlrpc(fake, body))
    }

    /// A request: each parameter is the inner XML of its `<value>` (plain text is an untyped string).
    fn c(method: &str, params: &[&str]) -> String {
        let params: String = params
            .iter()
            .map(|param| format!("<param>\n<value>{param}</value>\n</param>\n"))
            .collect();
        format!("<?xml version='1.0'?>\n<methodCall>\n<methodName>{method}</methodName>\n<params>\n{params}</params>\n</methodCall>\n")
    }

    /// A parsed response element.
    struct Element {
        tag: String,
        text: String,
        children: Vec<Element>,
    }

    fn parse_response(xml: &str) -> Element {
        let mut open = vec![Element {
            tag: String::new(),
            text: String::new(),
            children: Vec::new(),
        }];
        for event in read_events(xml).expect("responses are well-formed XML") {
            match event {
                XmlEvent::Start(tag) => open.push(Element {
                    tag,
                    text: String::new(),
                    children: Vec::new(),
                }),
                XmlEvent::Text(text) => open.last_mut().expect("open element").text.push_str(&text),
                XmlEvent::End => {
                    let element = open.pop().expect("balanced");
                    open.last_mut().expect("parent").children.push(element);
                }
            }
        }
        open.pop()
            .expect("document")
            .children
            .pop()
            .expect("root element")
    }

    /// A `<value>` as Python's repr of what `xmlrpc.client` would decode.
    fn show(value: &Element) -> String {
        let typed = &value.children[0];
        match typed.tag.as_str() {
            "string" => str_repr(&typed.text),
            "int" => typed.text.clone(),
            "boolean" => if typed.text == "1" { "True" } else { "False" }.to_string(),
            "array" => {
                let items: Vec<String> = typed.children[0].children.iter().map(show).collect();
                format!("[{}]", items.join(", "))
            }
            "struct" => {
                let members: Vec<String> = typed
                    .children
                    .iter()
                    .map(|member| {
                        format!(
                            "{}: {}",
                            str_repr(&member.children[0].text),
                            show(&member.children[1])
                        )
                    })
                    .collect();
                format!("{{{}}}", members.join(", "))
            }
            other => panic!("unexpected type <{other}>"),
        }
    }

    /// The response, compactly: Python's repr of the result, `<Fault code: 'text'>`, or `HTTP status`.
    fn summarize(response: &RpcResponse) -> String {
        if response.status != 200 {
            assert!(response.body.is_empty());
            return format!("HTTP {}", response.status);
        }
        let xml = std::str::from_utf8(&response.body).expect("UTF-8 response");
        assert!(xml.starts_with("<?xml version='1.0'?>\n<methodResponse>\n"));
        let root = parse_response(xml);
        assert_eq!(root.tag, "methodResponse");
        let body = &root.children[0];
        match body.tag.as_str() {
            "params" => show(&body.children[0].children[0]),
            "fault" => {
                let members = &body.children[0].children[0].children;
                assert_eq!(members[0].children[0].text, "faultCode");
                assert_eq!(members[1].children[0].text, "faultString");
                let code = &members[0].children[1].children[0].text;
                let text = &members[1].children[1].children[0].text;
                format!("<Fault {code}: {}>", str_repr(text))
            }
            other => panic!("unexpected <{other}>"),
        }
    }

    fn check(fake: &Fake, cases: &[(String, &str)]) {
        for (request, expected) in cases {
            let response = respond(fake, request.as_bytes());
            assert_eq!(summarize(&response), *expected, "request {request}");
        }
    }

    /// The backend calls each request makes.
    fn check_calls(fake: &Fake, cases: &[(String, &[&str])]) {
        for (request, expected) in cases {
            fake.take_calls();
            respond(fake, request.as_bytes());
            assert_eq!(fake.take_calls(), *expected, "request {request}");
        }
    }

    fn fault(code: i32, text: &str) -> String {
        format!("<Fault {code}: {}>", str_repr(text))
    }

    #[test]
    fn byte_exact_responses() {
        // Expected bytes from CPython 3.11's xmlrpc.client.dumps of the same values.
        let fake = Fake::new();
        let cases: &[(String, &str)] = &[
            (
                c("supervisor.getAPIVersion", &[]),
                "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>3.0</string></value>\n</param>\n</params>\n</methodResponse>\n",
            ),
            (
                c("supervisor.getProcessInfo", &["nosuch"]),
                "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: nosuch</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n",
            ),
            (
                c("supervisor.getProcessInfo", &["foo"]),
                "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>foo</string></value>\n</member>\n<member>\n<name>group</name>\n<value><string>foo</string></value>\n</member>\n<member>\n<name>start</name>\n<value><int>1795502585</int></value>\n</member>\n<member>\n<name>stop</name>\n<value><int>0</int></value>\n</member>\n<member>\n<name>now</name>\n<value><int>1795502595</int></value>\n</member>\n<member>\n<name>state</name>\n<value><int>20</int></value>\n</member>\n<member>\n<name>statename</name>\n<value><string>RUNNING</string></value>\n</member>\n<member>\n<name>spawnerr</name>\n<value><string></string></value>\n</member>\n<member>\n<name>exitstatus</name>\n<value><int>0</int></value>\n</member>\n<member>\n<name>logfile</name>\n<value><string>/tmp/foo-stdout.log</string></value>\n</member>\n<member>\n<name>stdout_logfile</name>\n<value><string>/tmp/foo-stdout.log</string></value>\n</member>\n<member>\n<name>stderr_logfile</name>\n<value><string></string></value>\n</member>\n<member>\n<name>pid</name>\n<value><int>7704</int></value>\n</member>\n<member>\n<name>description</name>\n<value><string>pid 7704, uptime 0:00:10</string></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n",
            ),
            (
                c(
                    "system.multicall",
                    &["<array><data><value><struct><member><name>methodName</name><value>supervisor.getVersion</value></member></struct></value><value><struct><member><name>methodName</name><value>supervisor.nosuch</value></member></struct></value></data></array>"],
                ),
                "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><string>3.0</string></value>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>UNKNOWN_METHOD</string></value>\n</member>\n</struct></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n",
            ),
            (
                c("supervisor.readProcessStderrLog", &["foo", "<int>0</int>", "<int>0</int>"]),
                "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>café \u{fffd} \u{fffd}[31mred\u{fffd}[0m\r\n</string></value>\n</param>\n</params>\n</methodResponse>\n",
            ),
            (
                c("supervisor.stopProcessGroup", &["grp"]),
                "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>b</string></value>\n</member>\n<member>\n<name>group</name>\n<value><string>grp</string></value>\n</member>\n<member>\n<name>status</name>\n<value><int>80</int></value>\n</member>\n<member>\n<name>description</name>\n<value><string>OK</string></value>\n</member>\n</struct></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n",
            ),
        ];
        for (request, expected) in cases {
            let response = respond(&fake, request.as_bytes());
            assert_eq!(response.status, 200);
            assert_eq!(
                String::from_utf8_lossy(&response.body),
                *expected,
                "request {request}"
            );
        }
    }

    #[test]
    fn dispatch_rules() {
        let fake = Fake::new();
        let unknown = "<Fault 1: 'UNKNOWN_METHOD'>";
        check(
            &fake,
            &[
                (c("supervisor", &[]), unknown),
                (c("supervisor.getPID.x", &[]), unknown),
                (c("supervisor._update", &["x"]), unknown),
                (c("supervisor.__init__", &[]), unknown),
                (c("supervisor.nosuch", &[]), unknown),
                (c("supervisor.getpid", &[]), unknown),
                (c("nosuch.getPID", &[]), unknown),
                (c(".getPID", &[]), unknown),
                (c("supervisor.", &[]), unknown),
                (c("system._listMethods", &[]), unknown),
                (c("supervisor.getVersion", &[]), "'3.0'"),
                (c("supervisor.getAPIVersion", &[]), "'3.0'"),
                (c("supervisor.getSupervisorVersion", &[]), "'4.3.0'"),
                (c("supervisor.getIdentification", &[]), "'supervisor'"),
                (c("supervisor.getState", &[]), "{'statecode': 1, 'statename': 'RUNNING'}"),
                (
                    "<methodCall><methodName>supervisor.getVersion</methodName></methodCall>".into(),
                    "'3.0'",
                ),
                ("<methodCall><params/></methodCall>".into(), "HTTP 400"),
                ("<methodCall><methodName></methodName></methodCall>".into(), "HTTP 400"),
                ("not xml".into(), "HTTP 400"),
                ("<methodCall><methodName>x.y</methodName><params><param><value><int>x</int></value></param></params></methodCall>".into(), "HTTP 400"),
            ],
        );
        assert_eq!(respond(&fake, b"<a>\xff</a>").status, 400);
        let pid = summarize(&respond(&fake, c("supervisor.getPID", &[]).as_bytes()));
        assert_eq!(pid, std::process::id().to_string());
    }

    /// Too few or too many arguments is INCORRECT_PARAMETERS for every method, before the state guard.
    #[test]
    fn arity() {
        for fake in [Fake::new(), Fake::in_state(-1, "SHUTDOWN")] {
            for entry in METHODS.iter() {
                let too_many = vec!["x"; entry.max_params + 1];
                check(
                    &fake,
                    &[(
                        c(entry.name, &too_many),
                        "<Fault 2: 'INCORRECT_PARAMETERS'>",
                    )],
                );
                if entry.min_params > 0 {
                    let too_few = vec!["x"; entry.min_params - 1];
                    check(
                        &fake,
                        &[(c(entry.name, &too_few), "<Fault 2: 'INCORRECT_PARAMETERS'>")],
                    );
                }
            }
        }
    }

    /// A valid call of each `supervisor.*` method, for the guard test.
    fn one_valid_call(name: &str) -> Vec<&'static str> {
        let entry = help::find(name).expect("published");
        match entry.method {
            Method::ReadLog => vec!["<int>0</int>", "<int>0</int>"],
            Method::ReadProcessStdoutLog
            | Method::ReadProcessStderrLog
            | Method::TailProcessStdoutLog
            | Method::TailProcessStderrLog => vec!["foo", "<int>0</int>", "<int>0</int>"],
            Method::SignalProcess | Method::SignalProcessGroup => vec!["foo", "HUP"],
            Method::SignalAllProcesses => vec!["HUP"],
            Method::SendProcessStdin | Method::SendRemoteCommEvent => vec!["foo", "data"],
            _ => vec!["foo"; entry.min_params],
        }
    }

    #[test]
    fn shutdown_state_guard() {
        for (code, state_name) in [(-1, "SHUTDOWN"), (0, "RESTARTING")] {
            let fake = Fake::in_state(code, state_name);
            for entry in METHODS
                .iter()
                .filter(|entry| entry.name.starts_with("supervisor."))
            {
                let expected = match entry.method {
                    Method::SendRemoteCommEvent => "True",
                    _ => "<Fault 6: 'SHUTDOWN_STATE'>",
                };
                check(
                    &fake,
                    &[(c(entry.name, &one_valid_call(entry.name)), expected)],
                );
            }
            check(
                &fake,
                &[
                    (
                        c("system.listMethods", &[]).clone(),
                        &summarize(&respond(
                            &Fake::new(),
                            c("system.listMethods", &[]).as_bytes(),
                        )),
                    ),
                    (
                        c("system.methodSignature", &["supervisor.getPID"]),
                        "['int']",
                    ),
                ],
            );
            // signalAllProcesses sends first and refuses after; signalProcessGroup refuses before sending; the
            // other methods never reach the backend.
            check_calls(
                &fake,
                &[
                    (
                        c("supervisor.signalAllProcesses", &["HUP"]),
                        &["signal All \"HUP\""],
                    ),
                    (c("supervisor.signalProcessGroup", &["grp", "HUP"]), &[]),
                    (c("supervisor.signalProcess", &["grp:*", "HUP"]), &[]),
                    (c("supervisor.startProcess", &["foo"]), &[]),
                    (c("supervisor.shutdown", &[]), &[]),
                    (
                        c("supervisor.sendRemoteCommEvent", &["t", "d"]),
                        &["remote_comm \"t\" \"d\""],
                    ),
                ],
            );
        }
        // FATAL is above RUNNING and does not trip the guard.
        check(
            &Fake::in_state(2, "FATAL"),
            &[(
                c("supervisor.getState", &[]),
                "{'statecode': 2, 'statename': 'FATAL'}",
            )],
        );
        // An unhashable group name is refused by signalProcessGroup's lookup, which comes before its guard.
        check(
            &Fake::in_state(-1, "SHUTDOWN"),
            &[(
                c(
                    "supervisor.signalProcessGroup",
                    &["<array><data/></array>", "HUP"],
                ),
                "<Fault 2: 'INCORRECT_PARAMETERS'>",
            )],
        );
    }

    #[test]
    fn start_and_stop() {
        let fake = Fake::new();
        let grp_results = format!(
            "[{{'name': 'a', 'group': 'grp', 'status': 80, 'description': 'OK'}}, {{'name': 'b', 'group': 'grp', 'status': 20, 'description': {}}}]",
            str_repr(&format!("NO_FILE: {NO_FILE_B}"))
        );
        check(
            &fake,
            &[
                (c("supervisor.startProcess", &["foo"]), "True"),
                (c("supervisor.startProcess", &["foo:foo"]), "True"),
                (c("supervisor.startProcess", &["grp:a"]), "<Fault 50: 'SPAWN_ERROR: grp:a'>"),
                (c("supervisor.startProcess", &["grp:b"]), &fault(20, &format!("NO_FILE: {NO_FILE_B}"))),
                (c("supervisor.startProcess", &["grp:*"]), &grp_results),
                (c("supervisor.startProcess", &["grp:"]), &grp_results),
                (c("supervisor.startProcess", &["nosuch:*"]), "<Fault 10: 'BAD_NAME: nosuch:*'>"),
                (c("supervisor.startProcess", &[":*"]), "<Fault 10: 'BAD_NAME: :*'>"),
                (c("supervisor.startProcess", &["nosuch"]), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (c("supervisor.startProcess", &["<int>1</int>"]), "HTTP 500"),
                (c("supervisor.startProcess", &["<nil/>"]), "HTTP 500"),
                (c("supervisor.startProcessGroup", &["grp"]), &grp_results),
                (c("supervisor.startProcessGroup", &["foo"]), "[]"),
                (c("supervisor.startProcessGroup", &["nosuch"]), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (c("supervisor.startProcessGroup", &["grp:*"]), "<Fault 10: 'BAD_NAME: grp:*'>"),
                (c("supervisor.startProcessGroup", &["<int>1</int>"]), "<Fault 10: 'BAD_NAME: 1'>"),
                (c("supervisor.startProcessGroup", &["<double>1</double>"]), "<Fault 10: 'BAD_NAME: 1.0'>"),
                (c("supervisor.startProcessGroup", &["<nil/>"]), "<Fault 10: 'BAD_NAME'>"),
                (c("supervisor.startProcessGroup", &["<array><data/></array>"]), "<Fault 2: 'INCORRECT_PARAMETERS'>"),
                (
                    c("supervisor.startAllProcesses", &[]),
                    "[{'name': 'foo', 'group': 'foo', 'status': 80, 'description': 'OK'}, {'name': 'a', 'group': 'grp', 'status': 80, 'description': 'OK'}]",
                ),
                (c("supervisor.stopProcess", &["foo"]), "True"),
                (c("supervisor.stopProcess", &["grp:a"]), "<Fault 70: 'NOT_RUNNING: grp:a'>"),
                (
                    c("supervisor.stopProcess", &["grp:*"]),
                    "[{'name': 'b', 'group': 'grp', 'status': 80, 'description': 'OK'}]",
                ),
                (c("supervisor.stopProcess", &["nosuch:"]), "<Fault 10: 'BAD_NAME: nosuch:'>"),
                (c("supervisor.stopProcess", &["<array><data/></array>"]), "HTTP 500"),
                (
                    c("supervisor.stopProcessGroup", &["grp", "<boolean>0</boolean>"]),
                    "[{'name': 'b', 'group': 'grp', 'status': 80, 'description': 'OK'}]",
                ),
                (c("supervisor.stopProcessGroup", &["nosuch"]), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (
                    c("supervisor.stopAllProcesses", &["<boolean>1</boolean>"]),
                    "[{'name': 'foo', 'group': 'foo', 'status': 80, 'description': 'OK'}, {'name': 'b', 'group': 'grp', 'status': 80, 'description': 'OK'}]",
                ),
            ],
        );
    }

    /// `wait` follows Python truthiness, and `group:*` delegates to the group.
    #[test]
    fn what_reaches_the_backend() {
        let fake = Fake::new();
        check_calls(
            &fake,
            &[
                (
                    c("supervisor.startProcess", &["foo"]),
                    &["start Process(\"foo\") wait=true"],
                ),
                (
                    c("supervisor.startProcess", &["foo", "<boolean>0</boolean>"]),
                    &["start Process(\"foo\") wait=false"],
                ),
                (
                    c(
                        "supervisor.startProcess",
                        &["foo", "<boolean>true</boolean>"],
                    ),
                    &["start Process(\"foo\") wait=false"],
                ),
                (
                    c(
                        "supervisor.startProcess",
                        &["foo", "<string>false</string>"],
                    ),
                    &["start Process(\"foo\") wait=true"],
                ),
                (
                    c("supervisor.startProcess", &["foo", "<string></string>"]),
                    &["start Process(\"foo\") wait=false"],
                ),
                (
                    c("supervisor.startProcess", &["foo", "<int>0</int>"]),
                    &["start Process(\"foo\") wait=false"],
                ),
                (
                    c("supervisor.startProcess", &["foo", "<int>2</int>"]),
                    &["start Process(\"foo\") wait=true"],
                ),
                (
                    c("supervisor.startProcess", &["foo", "<i8>0</i8>"]),
                    &["start Process(\"foo\") wait=true"],
                ),
                (
                    c("supervisor.startProcess", &["foo", "<nil/>"]),
                    &["start Process(\"foo\") wait=false"],
                ),
                (
                    c("supervisor.startProcess", &["foo", "<double>0</double>"]),
                    &["start Process(\"foo\") wait=false"],
                ),
                (
                    c(
                        "supervisor.startProcess",
                        &["grp:*", "<boolean>0</boolean>"],
                    ),
                    &["start Group(\"grp\") wait=false"],
                ),
                (
                    c("supervisor.startProcess", &["grp:"]),
                    &["start Group(\"grp\") wait=true"],
                ),
                (
                    c(
                        "supervisor.startProcessGroup",
                        &["grp", "<boolean>0</boolean>"],
                    ),
                    &["start Group(\"grp\") wait=false"],
                ),
                (
                    c("supervisor.startAllProcesses", &["<boolean>0</boolean>"]),
                    &["start All wait=false"],
                ),
                (
                    c("supervisor.startAllProcesses", &[]),
                    &["start All wait=true"],
                ),
                (
                    c("supervisor.stopProcess", &["grp:*", "<boolean>0</boolean>"]),
                    &["stop Group(\"grp\") wait=false"],
                ),
                (
                    c("supervisor.stopAllProcesses", &[]),
                    &["stop All wait=true"],
                ),
                (
                    c("supervisor.signalProcess", &["grp:*", "USR1"]),
                    &["signal Group(\"grp\") \"USR1\""],
                ),
                (
                    c("supervisor.signalProcess", &["foo", "<int>9</int>"]),
                    &["signal Process(\"foo\") \"9\""],
                ),
                (
                    c("supervisor.signalProcess", &["foo", "<boolean>1</boolean>"]),
                    &["signal Process(\"foo\") \"1\""],
                ),
                (
                    c("supervisor.signalProcess", &["foo", "<double>9.7</double>"]),
                    &["signal Process(\"foo\") \"9\""],
                ),
                (c("supervisor.signalProcess", &["foo", "<nil/>"]), &[]),
                (
                    c("supervisor.clearProcessLogs", &["foo"]),
                    &["clear_logs Process(\"foo\")"],
                ),
                (c("supervisor.clearProcessLog", &["grp:*"]), &[]),
                (c("supervisor.getProcessInfo", &["grp:*"]), &[]),
                (
                    c("supervisor.sendProcessStdin", &["foo", "h\u{e9}llo\n"]),
                    &["send_stdin \"foo\" \"h\u{e9}llo\\n\""],
                ),
                (
                    c(
                        "supervisor.sendProcessStdin",
                        &["foo", "<base64>aGk=</base64>"],
                    ),
                    &["send_stdin \"foo\" \"hi\""],
                ),
                (
                    c(
                        "supervisor.sendRemoteCommEvent",
                        &["<int>1</int>", "<nil/>"],
                    ),
                    &["remote_comm \"1\" \"None\""],
                ),
                (
                    c(
                        "supervisor.sendRemoteCommEvent",
                        &["type", "<array><data><value>a</value></data></array>"],
                    ),
                    &["remote_comm \"type\" \"['a']\""],
                ),
                (c("supervisor.addProcessGroup", &["<int>1</int>"]), &[]),
                (
                    c("supervisor.removeProcessGroup", &["removed"]),
                    &["remove_group \"removed\""],
                ),
                (c("supervisor.shutdown", &[]), &["shutdown"]),
                (c("supervisor.restart", &[]), &["restart"]),
            ],
        );
    }

    #[test]
    fn signals() {
        let fake = Fake::new();
        check(
            &fake,
            &[
                (c("supervisor.signalProcess", &["foo", "HUP"]), "True"),
                (c("supervisor.signalProcess", &["foo", "<int>1</int>"]), "True"),
                (c("supervisor.signalProcess", &["foo", "BOGUS"]), "<Fault 11: 'BAD_SIGNAL: BOGUS'>"),
                (c("supervisor.signalProcess", &["grp:a", "HUP"]), "<Fault 70: 'NOT_RUNNING: grp:a'>"),
                (c("supervisor.signalProcess", &["nosuch", "HUP"]), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (c("supervisor.signalProcess", &["nosuch:*", "HUP"]), "<Fault 10: 'BAD_NAME: nosuch:*'>"),
                (
                    c("supervisor.signalProcess", &["grp:*", "BOGUS"]),
                    "[{'name': 'b', 'group': 'grp', 'status': 11, 'description': 'BAD_SIGNAL: BOGUS'}]",
                ),
                (c("supervisor.signalProcess", &["foo", "<nil/>"]), "HTTP 500"),
                (c("supervisor.signalProcess", &["foo", "<double>nan</double>"]), "HTTP 500"),
                (c("supervisor.signalProcess", &["foo", "<double>inf</double>"]), "HTTP 500"),
                (c("supervisor.signalProcess", &["<int>1</int>", "HUP"]), "HTTP 500"),
                (
                    c("supervisor.signalProcessGroup", &["grp", "HUP"]),
                    "[{'name': 'b', 'group': 'grp', 'status': 80, 'description': 'OK'}]",
                ),
                (
                    c("supervisor.signalProcessGroup", &["grp", "BOGUS"]),
                    "[{'name': 'b', 'group': 'grp', 'status': 11, 'description': 'BAD_SIGNAL: BOGUS'}]",
                ),
                (c("supervisor.signalProcessGroup", &["nosuch", "HUP"]), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (c("supervisor.signalProcessGroup", &["<int>5</int>", "HUP"]), "<Fault 10: 'BAD_NAME: 5'>"),
                (
                    c("supervisor.signalProcessGroup", &["<struct></struct>", "HUP"]),
                    "<Fault 2: 'INCORRECT_PARAMETERS'>",
                ),
                (
                    c("supervisor.signalAllProcesses", &["TERM"]),
                    "[{'name': 'foo', 'group': 'foo', 'status': 80, 'description': 'OK'}, {'name': 'b', 'group': 'grp', 'status': 80, 'description': 'OK'}]",
                ),
                (
                    c("supervisor.signalAllProcesses", &["BOGUS"]),
                    "[{'name': 'foo', 'group': 'foo', 'status': 11, 'description': 'BAD_SIGNAL: BOGUS'}]",
                ),
            ],
        );
    }

    #[test]
    fn process_info() {
        let fake = Fake::new();
        let foo = "{'name': 'foo', 'group': 'foo', 'start': 1795502585, 'stop': 0, 'now': 1795502595, 'state': 20, 'statename': 'RUNNING', 'spawnerr': '', 'exitstatus': 0, 'logfile': '/tmp/foo-stdout.log', 'stdout_logfile': '/tmp/foo-stdout.log', 'stderr_logfile': '', 'pid': 7704, 'description': 'pid 7704, uptime 0:00:10'}";
        let a = "{'name': 'a', 'group': 'grp', 'start': 2147483647, 'stop': -2147483648, 'now': 1795502595, 'state': 200, 'statename': 'FATAL', 'spawnerr': 'Exited too quickly (process log may have details)', 'exitstatus': -1, 'logfile': '/nonexistent/a-stdout.log', 'stdout_logfile': '/nonexistent/a-stdout.log', 'stderr_logfile': '', 'pid': 0, 'description': 'Exited too quickly (process log may have details)'}";
        check(
            &fake,
            &[
                (c("supervisor.getProcessInfo", &["foo"]), foo),
                (c("supervisor.getProcessInfo", &["foo:foo"]), foo),
                (c("supervisor.getProcessInfo", &["grp:a"]), a),
                (
                    c("supervisor.getProcessInfo", &["grp:*"]),
                    "<Fault 10: 'BAD_NAME: grp:*'>",
                ),
                (
                    c("supervisor.getProcessInfo", &["grp:"]),
                    "<Fault 10: 'BAD_NAME: grp:'>",
                ),
                (
                    c("supervisor.getProcessInfo", &["nosuch"]),
                    "<Fault 10: 'BAD_NAME: nosuch'>",
                ),
                (
                    c("supervisor.getProcessInfo", &["<int>1</int>"]),
                    "HTTP 500",
                ),
                (
                    c("supervisor.getAllProcessInfo", &[]),
                    &format!("[{foo}, {a}]"),
                ),
            ],
        );
    }

    #[test]
    fn config_info() {
        let fake = Fake::new();
        check(
            &fake,
            &[(
                c("supervisor.getAllConfigInfo", &[]),
                "[{'autostart': True, 'directory': '/srv', 'uid': 1000, 'command': '/bin/a --flag', 'exitcodes': [0, 2], 'group': 'grp', 'group_prio': 999, 'inuse': False, 'killasgroup': False, 'name': 'a', 'process_prio': 5, 'redirect_stderr': True, 'startretries': 3, 'startsecs': 1, 'stdout_capture_maxbytes': 1024, 'stdout_events_enabled': True, 'stdout_logfile': '/var/log/a.log', 'stdout_logfile_backups': 10, 'stdout_logfile_maxbytes': 52428800, 'stdout_syslog': False, 'stopsignal': 1, 'stopwaitsecs': 10, 'stderr_capture_maxbytes': 0, 'stderr_events_enabled': False, 'stderr_logfile': 'none', 'stderr_logfile_backups': 10, 'stderr_logfile_maxbytes': 52428800, 'stderr_syslog': True, 'serverurl': 'unix:///tmp/s.sock'}, \
                 {'autostart': True, 'directory': 'none', 'uid': 'none', 'command': '/bin/foo --flag', 'exitcodes': [0], 'group': 'foo', 'group_prio': 999, 'inuse': True, 'killasgroup': False, 'name': 'foo', 'process_prio': 999, 'redirect_stderr': False, 'startretries': 3, 'startsecs': 1, 'stdout_capture_maxbytes': 0, 'stdout_events_enabled': False, 'stdout_logfile': '/tmp/foo-stdout---supervisor-x1.log', 'stdout_logfile_backups': 10, 'stdout_logfile_maxbytes': 52428800, 'stdout_syslog': False, 'stopsignal': 15, 'stopwaitsecs': 10, 'stderr_capture_maxbytes': 0, 'stderr_events_enabled': False, 'stderr_logfile': '/tmp/foo-stderr---supervisor-x2.log', 'stderr_logfile_backups': 10, 'stderr_logfile_maxbytes': 52428800, 'stderr_syslog': False, 'serverurl': 'none'}]",
            )],
        );
        // A maxbytes XML-RPC cannot carry makes Python's marshaller fail: HTTP 500, as in Supervisor.
        let huge = Fake {
            huge_maxbytes: true,
            ..Fake::new()
        };
        check(
            &huge,
            &[(c("supervisor.getAllConfigInfo", &[]), "HTTP 500")],
        );
    }

    #[test]
    fn process_logs() {
        let fake = Fake::new();
        let read = |name: &str, offset: &str, length: &str| {
            c("supervisor.readProcessStdoutLog", &[name, offset, length])
        };
        let tail = |name: &str, offset: &str, length: &str| {
            c("supervisor.tailProcessStdoutLog", &[name, offset, length])
        };
        check(
            &fake,
            &[
                (read("foo", "<int>0</int>", "<int>0</int>"), "'hello\\nworld\\n'"),
                (read("foo", "<int>6</int>", "<int>0</int>"), "'world\\n'"),
                (read("foo", "<int>0</int>", "<int>5</int>"), "'hello'"),
                (read("foo", "<int>100</int>", "<int>0</int>"), "''"),
                (read("foo", "<int>-6</int>", "<int>0</int>"), "'world\\n'"),
                (read("foo", "<int>-100</int>", "<int>0</int>"), "'hello\\nworld\\n'"),
                (read("foo", "<int>0</int>", "<int>-1</int>"), "<Fault 3: 'BAD_ARGUMENTS'>"),
                (read("foo", "<int>-1</int>", "<int>1</int>"), "<Fault 3: 'BAD_ARGUMENTS'>"),
                (read("foo", "0", " 5 "), "'hello'"),
                (read("foo", "<double>1.9</double>", "<boolean>1</boolean>"), "'e'"),
                (read("foo", "abc", "<int>0</int>"), "HTTP 500"),
                (read("foo", "<nil/>", "<int>0</int>"), "<Fault 2: 'INCORRECT_PARAMETERS'>"),
                (read("foo:foo", "<int>0</int>", "<int>5</int>"), "'hello'"),
                (read("grp:a", "<int>0</int>", "<int>0</int>"), "<Fault 20: 'NO_FILE: /nonexistent/a-stdout.log'>"),
                // NO_FILE comes before the offsets are read.
                (read("grp:a", "abc", "<nil/>"), "<Fault 20: 'NO_FILE: /nonexistent/a-stdout.log'>"),
                (read("grp:b", "<int>0</int>", "<int>0</int>"), "<Fault 20: 'NO_FILE'>"),
                (read("nosuch", "<int>0</int>", "<int>0</int>"), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (read("grp:*", "<int>0</int>", "<int>0</int>"), "<Fault 10: 'BAD_NAME: grp:*'>"),
                (read("<int>1</int>", "<int>0</int>", "<int>0</int>"), "HTTP 500"),
                (c("supervisor.readProcessLog", &["foo", "<int>0</int>", "<int>5</int>"]), "'hello'"),
                (c("supervisor.readProcessStderrLog", &["grp:a", "<int>0</int>", "<int>0</int>"]), "<Fault 20: 'NO_FILE'>"),
                // Lossy UTF-8 (Supervisor: HTTP 500), control characters replaced, \r\n read back as \n.
                (
                    c("supervisor.readProcessStderrLog", &["foo", "<int>0</int>", "<int>0</int>"]),
                    "'café \u{fffd} \u{fffd}[31mred\u{fffd}[0m\\n'",
                ),
                (c("supervisor.readProcessStderrLog", &["foo", "<int>0</int>", "<int>4</int>"]), "'caf\u{fffd}'"),
                // tailFile arithmetic on the 12-byte log (spec B.8).
                (tail("foo", "<int>0</int>", "<int>5</int>"), "['orld\\n', 12, True]"),
                (tail("foo", "<int>0</int>", "<int>100</int>"), "['hello\\nworld\\n', 12, False]"),
                (tail("foo", "<int>12</int>", "<int>100</int>"), "['', 12, False]"),
                (tail("foo", "<int>6</int>", "<int>100</int>"), "['hello\\nworld\\n', 12, False]"),
                (tail("foo", "<int>7</int>", "<int>5</int>"), "['orld\\n', 12, False]"),
                (tail("foo", "<int>-5</int>", "<int>10</int>"), "['llo\\nworld\\n', 12, True]"),
                (tail("foo", "<int>5</int>", "<int>-10</int>"), "['', 12, True]"),
                (tail("foo", "<int>62</int>", "<int>100</int>"), "['', 12, False]"),
                (tail("foo", "abc", "<int>0</int>"), "HTTP 500"),
                (tail("foo", "<nil/>", "<int>0</int>"), "<Fault 2: 'INCORRECT_PARAMETERS'>"),
                (tail("grp:a", "<int>0</int>", "<int>100</int>"), "['', 0, False]"),
                (tail("grp:b", "abc", "<nil/>"), "['', 0, False]"),
                (tail("nosuch", "<int>0</int>", "<int>1</int>"), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (tail("grp:", "<int>0</int>", "<int>1</int>"), "<Fault 10: 'BAD_NAME: grp:'>"),
                // A directory cannot be opened (Python: IsADirectoryError): FAILED to read, nothing to tail.
                (read("dir", "<int>0</int>", "<int>0</int>"), "<Fault 30: 'FAILED'>"),
                (tail("dir", "<int>5</int>", "<int>10</int>"), "['', 5, False]"),
                (c("supervisor.tailProcessLog", &["foo", "<int>0</int>", "<int>3</int>"]), "['ld\\n', 12, True]"),
                (c("supervisor.tailProcessStderrLog", &["grp:a", "<int>0</int>", "<int>3</int>"]), "['', 0, False]"),
                (
                    c("supervisor.tailProcessStderrLog", &["foo", "<int>0</int>", "<int>7</int>"]),
                    "['d\u{fffd}[0m\\n', 22, True]",
                ),
                (c("supervisor.clearProcessLogs", &["foo"]), "True"),
                (c("supervisor.clearProcessLog", &["foo"]), "True"),
                (c("supervisor.clearProcessLogs", &["grp:a"]), "<Fault 30: 'FAILED: grp:a'>"),
                (c("supervisor.clearProcessLogs", &["grp:*"]), "<Fault 10: 'BAD_NAME: grp:*'>"),
                (c("supervisor.clearProcessLogs", &["nosuch"]), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (
                    c("supervisor.clearAllProcessLogs", &[]),
                    "[{'name': 'foo', 'group': 'foo', 'status': 80, 'description': 'OK'}, {'name': 'a', 'group': 'grp', 'status': 30, 'description': 'FAILED: grp:a'}, {'name': 'b', 'group': 'grp', 'status': 80, 'description': 'OK'}]",
                ),
            ],
        );
    }

    #[test]
    fn main_log() {
        let fake = Fake::new();
        let main_log = str_repr(std::str::from_utf8(MAIN_LOG).expect("ASCII"));
        check(
            &fake,
            &[
                (
                    c("supervisor.readLog", &["<int>0</int>", "<int>0</int>"]),
                    &main_log,
                ),
                (
                    c("supervisor.readMainLog", &["<int>0</int>", "<int>0</int>"]),
                    &main_log,
                ),
                (
                    c("supervisor.readLog", &["<int>-8</int>", "<int>0</int>"]),
                    "'started\\n'",
                ),
                (
                    c("supervisor.readLog", &["<int>0</int>", "<int>-8</int>"]),
                    "<Fault 3: 'BAD_ARGUMENTS'>",
                ),
                (
                    c(
                        "supervisor.readLog",
                        &["<array><data/></array>", "<int>0</int>"],
                    ),
                    "<Fault 2: 'INCORRECT_PARAMETERS'>",
                ),
                (c("supervisor.readLog", &["x", "<int>0</int>"]), "HTTP 500"),
            ],
        );
        check_calls(
            &fake,
            &[(c("supervisor.clearLog", &[]), &["reopen_main_log"])],
        );
        assert!(!fake.main_log_file().exists());
        check(
            &fake,
            &[(c("supervisor.clearLog", &[]), "<Fault 20: 'NO_FILE'>")],
        );

        let missing = Fake {
            main_log: MainLog::Missing,
            ..Fake::new()
        };
        check(
            &missing,
            &[
                (
                    c("supervisor.readLog", &["<int>0</int>", "<int>0</int>"]),
                    "<Fault 20: 'NO_FILE: /nonexistent/supervisord.log'>",
                ),
                (c("supervisor.clearLog", &[]), "<Fault 20: 'NO_FILE'>"),
            ],
        );
        let syslog = Fake {
            main_log: MainLog::NotAFile,
            ..Fake::new()
        };
        check(
            &syslog,
            &[
                (
                    c("supervisor.readLog", &["<int>0</int>", "<int>0</int>"]),
                    "<Fault 20: 'NO_FILE'>",
                ),
                (c("supervisor.clearLog", &[]), "<Fault 20: 'NO_FILE'>"),
            ],
        );
        let directory = Fake {
            main_log: MainLog::Directory,
            ..Fake::new()
        };
        check(
            &directory,
            &[
                (c("supervisor.clearLog", &[]), "<Fault 30: 'FAILED'>"),
                (
                    c("supervisor.readLog", &["<int>0</int>", "<int>0</int>"]),
                    "<Fault 30: 'FAILED'>",
                ),
            ],
        );
    }

    #[test]
    fn stdin_groups_config_and_control() {
        let fake = Fake::new();
        check(
            &fake,
            &[
                (c("supervisor.sendProcessStdin", &["foo", "data"]), "True"),
                (c("supervisor.sendProcessStdin", &["foo", "<int>5</int>"]), "<Fault 2: 'INCORRECT_PARAMETERS: 5'>"),
                (c("supervisor.sendProcessStdin", &["foo", "<nil/>"]), "<Fault 2: 'INCORRECT_PARAMETERS'>"),
                (
                    c("supervisor.sendProcessStdin", &["foo", "<array><data><value>a</value></data></array>"]),
                    "<Fault 2: \"INCORRECT_PARAMETERS: ['a']\">",
                ),
                (c("supervisor.sendProcessStdin", &["<int>1</int>", "<int>2</int>"]), "<Fault 2: 'INCORRECT_PARAMETERS: 2'>"),
                (c("supervisor.sendProcessStdin", &["<int>1</int>", "data"]), "HTTP 500"),
                (c("supervisor.sendProcessStdin", &["grp:a", "data"]), "<Fault 70: 'NOT_RUNNING: grp:a'>"),
                (c("supervisor.sendProcessStdin", &["grp:b", "data"]), "<Fault 20: 'NO_FILE: grp:b'>"),
                (c("supervisor.sendProcessStdin", &["grp:*", "data"]), "<Fault 10: 'BAD_NAME: grp:*'>"),
                (c("supervisor.sendProcessStdin", &["nosuch", "data"]), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (c("supervisor.sendRemoteCommEvent", &["type", "data"]), "True"),
                (c("supervisor.reloadConfig", &[]), "[[['added'], ['changed'], ['removed']]]"),
                (c("supervisor.addProcessGroup", &["added"]), "True"),
                (c("supervisor.addProcessGroup", &["foo"]), "<Fault 90: 'ALREADY_ADDED: foo'>"),
                (c("supervisor.addProcessGroup", &["nosuch"]), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (c("supervisor.addProcessGroup", &["<nil/>"]), "<Fault 10: 'BAD_NAME'>"),
                (
                    c("supervisor.addProcessGroup", &["<array><data><value><int>1</int></value><value>a</value></data></array>"]),
                    "<Fault 10: \"BAD_NAME: [1, 'a']\">",
                ),
                (c("supervisor.removeProcessGroup", &["removed"]), "True"),
                (c("supervisor.removeProcessGroup", &["grp"]), "<Fault 91: 'STILL_RUNNING: grp'>"),
                (c("supervisor.removeProcessGroup", &["nosuch"]), "<Fault 10: 'BAD_NAME: nosuch'>"),
                (c("supervisor.removeProcessGroup", &["<int>3</int>"]), "<Fault 10: 'BAD_NAME: 3'>"),
                (c("supervisor.removeProcessGroup", &["<array><data/></array>"]), "<Fault 2: 'INCORRECT_PARAMETERS'>"),
                (c("supervisor.shutdown", &[]), "True"),
                (c("supervisor.restart", &[]), "True"),
            ],
        );
        let broken = Fake {
            reread_error: Some("Error: .ini file does not include supervisord section"),
            ..Fake::new()
        };
        check(
            &broken,
            &[(
                c("supervisor.reloadConfig", &[]),
                "<Fault 92: 'CANT_REREAD: Error: .ini file does not include supervisord section'>",
            )],
        );
    }

    #[test]
    fn introspection() {
        let fake = Fake::new();
        let names: Vec<String> = EXPECTED_SIGNATURES
            .iter()
            .map(|(name, _)| str_repr(name))
            .collect();
        check(
            &fake,
            &[
                (c("system.listMethods", &[]), &format!("[{}]", names.join(", "))),
                (
                    c("system.methodHelp", &["supervisor.getAPIVersion"]),
                    "' Return the version of the RPC API used by supervisord\\n\\n        @return string version id\\n        '",
                ),
                (
                    c("system.methodHelp", &["supervisor.getVersion"]),
                    "' Return the version of the RPC API used by supervisord\\n\\n        @return string version id\\n        '",
                ),
                (
                    c("system.methodHelp", &["system.multicall"]),
                    "\"Process an array of calls, and return an array of\\n        results. Calls should be structs of the form {'methodName':\\n        string, 'params': array}. Each result will either be a\\n        single-item array containing the result value, or a struct of\\n        the form {'faultCode': int, 'faultString': string}. This is\\n        useful when you need to make lots of small calls without lots\\n        of round trips.\\n\\n        @param array calls  An array of call requests\\n        @return array result  An array of results\\n        \"",
                ),
                (c("system.methodHelp", &["supervisor.nosuch"]), "<Fault 4: 'SIGNATURE_UNSUPPORTED'>"),
                (c("system.methodHelp", &["<int>1</int>"]), "<Fault 4: 'SIGNATURE_UNSUPPORTED'>"),
                (c("system.methodSignature", &["nosuch"]), "<Fault 4: 'SIGNATURE_UNSUPPORTED'>"),
            ],
        );
        assert_eq!(names.len(), 43);
        for (name, signature) in EXPECTED_SIGNATURES {
            let expected: Vec<String> = signature.iter().map(|part| str_repr(part)).collect();
            check(
                &fake,
                &[(
                    c("system.methodSignature", &[name]),
                    &format!("[{}]", expected.join(", ")),
                )],
            );
        }
    }

    /// A multicall request from call structs written as (methodName XML or None, params XML or None).
    fn multi(calls: &[(Option<&str>, Option<&str>)]) -> String {
        let values: String = calls
            .iter()
            .map(|(name, params)| {
                let mut members = String::new();
                if let Some(name) = name {
                    members +=
                        &format!("<member><name>methodName</name><value>{name}</value></member>");
                }
                if let Some(params) = params {
                    members +=
                        &format!("<member><name>params</name><value>{params}</value></member>");
                }
                format!("<value><struct>{members}</struct></value>")
            })
            .collect();
        c(
            "system.multicall",
            &[&format!("<array><data>{values}</data></array>")],
        )
    }

    #[test]
    fn multicall() {
        let fake = Fake::new();
        let array = |items: &str| format!("<array><data>{items}</data></array>");
        check(
            &fake,
            &[
                // Spec B.11's example, with bare results.
                (
                    multi(&[
                        (Some("supervisor.getAPIVersion"), None),
                        (Some("supervisor.nosuch"), None),
                        (Some("system.multicall"), Some(&array(""))),
                        (None, None),
                        (Some("<nil/>"), None),
                        (Some("supervisor.startProcess"), Some(&array("<value>foo</value>"))),
                        (Some("supervisor.startProcess"), Some(&array("<value>grp:*</value>"))),
                        (Some("supervisor.getProcessInfo"), Some(&array("<value>nosuch</value>"))),
                        (Some("supervisor.getProcessInfo"), Some(&array(""))),
                    ]),
                    &format!(
                        "['3.0', {{'faultCode': 1, 'faultString': 'UNKNOWN_METHOD'}}, {{'faultCode': 2, 'faultString': 'INCORRECT_PARAMETERS: Recursive system.multicall forbidden'}}, {{'faultCode': 2, 'faultString': 'INCORRECT_PARAMETERS: No methodName'}}, {{'faultCode': 2, 'faultString': 'INCORRECT_PARAMETERS: No methodName'}}, True, [{{'name': 'a', 'group': 'grp', 'status': 80, 'description': 'OK'}}, {{'name': 'b', 'group': 'grp', 'status': 20, 'description': {}}}], {{'faultCode': 10, 'faultString': 'BAD_NAME: nosuch'}}, {{'faultCode': 2, 'faultString': 'INCORRECT_PARAMETERS'}}]",
                        str_repr(&format!("NO_FILE: {NO_FILE_B}"))
                    ),
                ),
                // Python exceptions become FAILED with the class and message.
                (
                    multi(&[
                        (Some("<int>5</int>"), None),
                        (Some("supervisor.startProcess"), Some(&array("<value><int>5</int></value>"))),
                        (Some("supervisor.getProcessInfo"), Some(&array("<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>"))),
                        (Some("supervisor.readLog"), Some(&array("<value>abc</value><value>0</value>"))),
                        (Some("supervisor.tailProcessLog"), Some(&array("<value>foo</value><value>abc</value><value>0</value>"))),
                        (Some("supervisor.signalProcess"), Some(&array("<value>foo</value><value><double>inf</double></value>"))),
                    ]),
                    "[{'faultCode': 30, 'faultString': \"FAILED: <class 'AttributeError'>:'int' object has no attribute 'split'\"}, \
                      {'faultCode': 30, 'faultString': \"FAILED: <class 'AttributeError'>:'int' object has no attribute 'split'\"}, \
                      {'faultCode': 30, 'faultString': \"FAILED: <class 'AttributeError'>:'datetime.datetime' object has no attribute 'split'\"}, \
                      {'faultCode': 30, 'faultString': 'FAILED: <class \\'AttributeError\\'>:type object \\'Faults\\' has no attribute \"invalid literal for int() with base 10: \\'abc\\'\"'}, \
                      {'faultCode': 30, 'faultString': \"FAILED: <class 'ValueError'>:invalid literal for int() with base 10: 'abc'\"}, \
                      {'faultCode': 30, 'faultString': \"FAILED: <class 'OverflowError'>:cannot convert float infinity to integer\"}]",
                ),
                // `func(*params)`: a string spreads into characters, a dict into its keys, a scalar is a TypeError.
                (
                    multi(&[
                        (Some("supervisor.getProcessInfo"), Some("x")),
                        (Some("supervisor.startProcessGroup"), Some("<struct><member><name>grp</name><value>1</value></member></struct>")),
                        (Some("supervisor.getAPIVersion"), Some("<int>5</int>")),
                        (Some("system.listMethods"), Some("<nil/>")),
                        (Some("supervisor.getAPIVersion"), Some("")),
                    ]),
                    &format!(
                        "[{{'faultCode': 10, 'faultString': 'BAD_NAME: x'}}, [{{'name': 'a', 'group': 'grp', 'status': 80, 'description': 'OK'}}, {{'name': 'b', 'group': 'grp', 'status': 20, 'description': {}}}], {{'faultCode': 2, 'faultString': 'INCORRECT_PARAMETERS'}}, {{'faultCode': 2, 'faultString': 'INCORRECT_PARAMETERS'}}, '3.0']",
                        str_repr(&format!("NO_FILE: {NO_FILE_B}"))
                    ),
                ),
                (c("system.multicall", &["<array><data/></array>"]), "[]"),
                (c("system.multicall", &["<string></string>"]), "[]"),
                (c("system.multicall", &["ab"]), "HTTP 500"),
                (c("system.multicall", &["<int>5</int>"]), "<Fault 2: 'INCORRECT_PARAMETERS'>"),
                (c("system.multicall", &["<nil/>"]), "<Fault 2: 'INCORRECT_PARAMETERS'>"),
                (c("system.multicall", &["<struct></struct>"]), "<Fault 2: 'INCORRECT_PARAMETERS'>"),
                (c("system.multicall", &[&array("<value><int>5</int></value>")]), "HTTP 500"),
                (c("system.multicall", &[&array("<value><array><data/></array></value>")]), "HTTP 500"),
                (c("system.multicall", &[&array("<value><struct></struct></value>")]), "[{'faultCode': 2, 'faultString': 'INCORRECT_PARAMETERS: No methodName'}]"),
            ],
        );
        // Calls run in order; a non-struct entry aborts the rest after the earlier ones ran.
        check_calls(
            &fake,
            &[
                (
                    multi(&[
                        (Some("supervisor.stopProcess"), Some(&array("<value>foo</value>"))),
                        (Some("supervisor.startProcess"), Some(&array("<value>foo</value><value><boolean>0</boolean></value>"))),
                    ]),
                    &["stop Process(\"foo\") wait=true", "start Process(\"foo\") wait=false"],
                ),
                (
                    c(
                        "system.multicall",
                        &[&array("<value><struct><member><name>methodName</name><value>supervisor.shutdown</value></member></struct></value><value>x</value><value><struct><member><name>methodName</name><value>supervisor.restart</value></member></struct></value>")],
                    ),
                    &["shutdown"],
                ),
            ],
        );
        // Guarded methods inside a multicall are guarded one by one.
        check(
            &Fake::in_state(-1, "SHUTDOWN"),
            &[(
                multi(&[
                    (Some("supervisor.getAPIVersion"), None),
                    (Some("system.listMethods"), None),
                ]),
                &format!(
                    "[{{'faultCode': 6, 'faultString': 'SHUTDOWN_STATE'}}, [{}]]",
                    EXPECTED_SIGNATURES
                        .iter()
                        .map(|(name, _)| str_repr(name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )],
        );
    }

    #[test]
    fn handler_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let fake = Fake::new();
        let future = handle_xmlrpc(&fake, b"");
        assert_send(&future);
    }

    /// Pieces random requests are built from: tags of XML-RPC, stray markup, entities, odd text.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("<methodCall>".to_string()),
            Just("</methodCall>".to_string()),
            Just("<methodName>".to_string()),
            Just("</methodName>".to_string()),
            Just("<params>".to_string()),
            Just("</params>".to_string()),
            Just("<param>".to_string()),
            Just("</param>".to_string()),
            Just("<value>".to_string()),
            Just("</value>".to_string()),
            Just("<array><data>".to_string()),
            Just("</data></array>".to_string()),
            Just("<struct><member><name>methodName</name>".to_string()),
            Just("</member></struct>".to_string()),
            Just("<int>".to_string()),
            Just("</int>".to_string()),
            Just("<base64>".to_string()),
            Just("</base64>".to_string()),
            Just("<dateTime.iso8601>".to_string()),
            Just("</dateTime.iso8601>".to_string()),
            Just("<nil/>".to_string()),
            Just("&amp;".to_string()),
            Just("<![CDATA[".to_string()),
            Just("]]>".to_string()),
            Just("system.multicall".to_string()),
            prop::sample::select(
                METHODS
                    .iter()
                    .map(|entry| entry.name.to_string())
                    .collect::<Vec<_>>()
            ),
            "[a-zA-Z0-9:*_ .=\\-]{0,8}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..300)) {
            let response = respond(&Fake::new(), &body);
            prop_assert!(matches!(response.status, 200 | 400 | 500));
        }

        #[test]
        fn random_requests_never_panic(fragments in prop::collection::vec(fragment(), 0..40)) {
            let fake = Fake::new();
            let response = respond(&fake, fragments.concat().as_bytes());
            prop_assert!(matches!(response.status, 200 | 400 | 500));
            if response.status == 200 {
                // Whatever was asked, the answer parses as XML.
                let text = std::str::from_utf8(&response.body).expect("UTF-8");
                prop_assert!(read_events(text).is_ok());
            }
        }
    }
}
