//! The method table: every name `system.listMethods` reports (Supervisor 4.3.0's 41, aliases included, and
//! supervisor-rs's own `supervisor_rs.*`), its
//! arity, and its docstring, which `system.methodHelp` returns verbatim and `system.methodSignature` parses.
//!
//! The docstrings are copied byte for byte from `supervisor/rpcinterface.py` and `supervisor/xmlrpc.py` as
//! CPython 3.11 keeps them (leading space, indentation and trailing blanks included; 3.13 would dedent them).
//! This module owns names, arities and help texts; it does not run methods ([`super::methods`]).

/// Every method, aliases sharing the variant of the method they alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    AddProcessGroup,
    ClearAllProcessLogs,
    ClearLog,
    ClearProcessLogs,
    GetApiVersion,
    GetAllConfigInfo,
    GetAllProcessInfo,
    GetIdentification,
    GetPid,
    GetProcessInfo,
    GetState,
    GetSupervisorVersion,
    ReadLog,
    ReadProcessStdoutLog,
    ReadProcessStderrLog,
    ReloadConfig,
    RemoveProcessGroup,
    Restart,
    SendProcessStdin,
    SendRemoteCommEvent,
    Shutdown,
    SignalAllProcesses,
    SignalProcess,
    SignalProcessGroup,
    StartAllProcesses,
    StartProcess,
    StartProcessGroup,
    StopAllProcesses,
    StopProcess,
    StopProcessGroup,
    TailProcessStdoutLog,
    TailProcessStderrLog,
    PlanUpdate,
    ApplyUpdate,
    ListMethods,
    MethodHelp,
    MethodSignature,
    Multicall,
}

/// One published name.
#[derive(Debug, Clone, Copy)]
pub struct MethodEntry {
    /// `namespace.method`.
    pub name: &'static str,
    pub method: Method,
    /// Positional parameters without a default.
    pub min_params: usize,
    /// All positional parameters (Python raises `TypeError` outside `min_params..=max_params`).
    pub max_params: usize,
    pub help: &'static str,
}

const fn entry(
    name: &'static str,
    method: Method,
    min_params: usize,
    max_params: usize,
    help: &'static str,
) -> MethodEntry {
    MethodEntry {
        name,
        method,
        min_params,
        max_params,
        help,
    }
}

/// Sorted by name, as `system.listMethods` answers.
pub const METHODS: [MethodEntry; 43] = [
    entry(
        "supervisor.addProcessGroup",
        Method::AddProcessGroup,
        1,
        1,
        ADD_PROCESS_GROUP,
    ),
    entry(
        "supervisor.clearAllProcessLogs",
        Method::ClearAllProcessLogs,
        0,
        0,
        CLEAR_ALL_PROCESS_LOGS,
    ),
    entry("supervisor.clearLog", Method::ClearLog, 0, 0, CLEAR_LOG),
    entry(
        "supervisor.clearProcessLog",
        Method::ClearProcessLogs,
        1,
        1,
        CLEAR_PROCESS_LOGS,
    ),
    entry(
        "supervisor.clearProcessLogs",
        Method::ClearProcessLogs,
        1,
        1,
        CLEAR_PROCESS_LOGS,
    ),
    entry(
        "supervisor.getAPIVersion",
        Method::GetApiVersion,
        0,
        0,
        GET_API_VERSION,
    ),
    entry(
        "supervisor.getAllConfigInfo",
        Method::GetAllConfigInfo,
        0,
        0,
        GET_ALL_CONFIG_INFO,
    ),
    entry(
        "supervisor.getAllProcessInfo",
        Method::GetAllProcessInfo,
        0,
        0,
        GET_ALL_PROCESS_INFO,
    ),
    entry(
        "supervisor.getIdentification",
        Method::GetIdentification,
        0,
        0,
        GET_IDENTIFICATION,
    ),
    entry("supervisor.getPID", Method::GetPid, 0, 0, GET_PID),
    entry(
        "supervisor.getProcessInfo",
        Method::GetProcessInfo,
        1,
        1,
        GET_PROCESS_INFO,
    ),
    entry("supervisor.getState", Method::GetState, 0, 0, GET_STATE),
    entry(
        "supervisor.getSupervisorVersion",
        Method::GetSupervisorVersion,
        0,
        0,
        GET_SUPERVISOR_VERSION,
    ),
    entry(
        "supervisor.getVersion",
        Method::GetApiVersion,
        0,
        0,
        GET_API_VERSION,
    ),
    entry("supervisor.readLog", Method::ReadLog, 2, 2, READ_LOG),
    entry("supervisor.readMainLog", Method::ReadLog, 2, 2, READ_LOG),
    entry(
        "supervisor.readProcessLog",
        Method::ReadProcessStdoutLog,
        3,
        3,
        READ_PROCESS_STDOUT_LOG,
    ),
    entry(
        "supervisor.readProcessStderrLog",
        Method::ReadProcessStderrLog,
        3,
        3,
        READ_PROCESS_STDERR_LOG,
    ),
    entry(
        "supervisor.readProcessStdoutLog",
        Method::ReadProcessStdoutLog,
        3,
        3,
        READ_PROCESS_STDOUT_LOG,
    ),
    entry(
        "supervisor.reloadConfig",
        Method::ReloadConfig,
        0,
        0,
        RELOAD_CONFIG,
    ),
    entry(
        "supervisor.removeProcessGroup",
        Method::RemoveProcessGroup,
        1,
        1,
        REMOVE_PROCESS_GROUP,
    ),
    entry("supervisor.restart", Method::Restart, 0, 0, RESTART),
    entry(
        "supervisor.sendProcessStdin",
        Method::SendProcessStdin,
        2,
        2,
        SEND_PROCESS_STDIN,
    ),
    entry(
        "supervisor.sendRemoteCommEvent",
        Method::SendRemoteCommEvent,
        2,
        2,
        SEND_REMOTE_COMM_EVENT,
    ),
    entry("supervisor.shutdown", Method::Shutdown, 0, 0, SHUTDOWN),
    entry(
        "supervisor.signalAllProcesses",
        Method::SignalAllProcesses,
        1,
        1,
        SIGNAL_ALL_PROCESSES,
    ),
    entry(
        "supervisor.signalProcess",
        Method::SignalProcess,
        2,
        2,
        SIGNAL_PROCESS,
    ),
    entry(
        "supervisor.signalProcessGroup",
        Method::SignalProcessGroup,
        2,
        2,
        SIGNAL_PROCESS_GROUP,
    ),
    entry(
        "supervisor.startAllProcesses",
        Method::StartAllProcesses,
        0,
        1,
        START_ALL_PROCESSES,
    ),
    entry(
        "supervisor.startProcess",
        Method::StartProcess,
        1,
        2,
        START_PROCESS,
    ),
    entry(
        "supervisor.startProcessGroup",
        Method::StartProcessGroup,
        1,
        2,
        START_PROCESS_GROUP,
    ),
    entry(
        "supervisor.stopAllProcesses",
        Method::StopAllProcesses,
        0,
        1,
        STOP_ALL_PROCESSES,
    ),
    entry(
        "supervisor.stopProcess",
        Method::StopProcess,
        1,
        2,
        STOP_PROCESS,
    ),
    entry(
        "supervisor.stopProcessGroup",
        Method::StopProcessGroup,
        1,
        2,
        STOP_PROCESS_GROUP,
    ),
    entry(
        "supervisor.tailProcessLog",
        Method::TailProcessStdoutLog,
        3,
        3,
        TAIL_PROCESS_STDOUT_LOG,
    ),
    entry(
        "supervisor.tailProcessStderrLog",
        Method::TailProcessStderrLog,
        3,
        3,
        TAIL_PROCESS_STDERR_LOG,
    ),
    entry(
        "supervisor.tailProcessStdoutLog",
        Method::TailProcessStdoutLog,
        3,
        3,
        TAIL_PROCESS_STDOUT_LOG,
    ),
    entry(
        "supervisor_rs.applyUpdate",
        Method::ApplyUpdate,
        0,
        1,
        APPLY_UPDATE,
    ),
    entry(
        "supervisor_rs.planUpdate",
        Method::PlanUpdate,
        0,
        1,
        PLAN_UPDATE,
    ),
    entry(
        "system.listMethods",
        Method::ListMethods,
        0,
        0,
        SYSTEM_LIST_METHODS,
    ),
    entry(
        "system.methodHelp",
        Method::MethodHelp,
        1,
        1,
        SYSTEM_METHOD_HELP,
    ),
    entry(
        "system.methodSignature",
        Method::MethodSignature,
        1,
        1,
        SYSTEM_METHOD_SIGNATURE,
    ),
    entry(
        "system.multicall",
        Method::Multicall,
        1,
        1,
        SYSTEM_MULTICALL,
    ),
];

const ADD_PROCESS_GROUP: &str = r#" Update the config for a running process from config file.

        @param string name         name of process group to add
        @return boolean result     true if successful
        "#;
const CLEAR_ALL_PROCESS_LOGS: &str = r#" Clear all process log files

        @return array result   An array of process status info structs
        "#;
const CLEAR_LOG: &str = r#" Clear the main log.

        @return boolean result always returns True unless error
        "#;
const CLEAR_PROCESS_LOGS: &str = r#" Clear the stdout and stderr logs for the named process and
        reopen them.

        @param string name   The name of the process (or 'group:name')
        @return boolean result      Always True unless error
        "#;
const GET_API_VERSION: &str = r#" Return the version of the RPC API used by supervisord

        @return string version id
        "#;
const GET_ALL_CONFIG_INFO: &str = r#" Get info about all available process configurations. Each struct
        represents a single process (i.e. groups get flattened).

        @return array result  An array of process config info structs
        "#;
const GET_ALL_PROCESS_INFO: &str = r#" Get info about all processes

        @return array result  An array of process status results
        "#;
const GET_IDENTIFICATION: &str = r#" Return identifying string of supervisord

        @return string identifier identifying string
        "#;
const GET_PID: &str = r#" Return the PID of supervisord

        @return int PID
        "#;
const GET_PROCESS_INFO: &str = r#" Get info about a process named name

        @param string name The name of the process (or 'group:name')
        @return struct result     A structure containing data about the process
        "#;
const GET_STATE: &str = r#" Return current state of supervisord as a struct

        @return struct A struct with keys int statecode, string statename
        "#;
const GET_SUPERVISOR_VERSION: &str = r#" Return the version of the supervisor package in use by supervisord

        @return string version id
        "#;
const READ_LOG: &str = r#" Read length bytes from the main log starting at offset

        @param int offset         offset to start reading from.
        @param int length         number of bytes to read from the log.
        @return string result     Bytes of log
        "#;
const READ_PROCESS_STDOUT_LOG: &str = r#" Read length bytes from name's stdout log starting at offset

        @param string name        the name of the process (or 'group:name')
        @param int offset         offset to start reading from.
        @param int length         number of bytes to read from the log.
        @return string result     Bytes of log
        "#;
const READ_PROCESS_STDERR_LOG: &str = r#" Read length bytes from name's stderr log starting at offset

        @param string name        the name of the process (or 'group:name')
        @param int offset         offset to start reading from.
        @param int length         number of bytes to read from the log.
        @return string result     Bytes of log
        "#;
const RELOAD_CONFIG: &str = r#"
        Reload the configuration.

        The result contains three arrays containing names of process
        groups:

        * `added` gives the process groups that have been added
        * `changed` gives the process groups whose contents have
          changed
        * `removed` gives the process groups that are no longer
          in the configuration

        @return array result  [[added, changed, removed]]

        "#;
const REMOVE_PROCESS_GROUP: &str = r#" Remove a stopped process from the active configuration.

        @param string name         name of process group to remove
        @return boolean result     Indicates whether the removal was successful
        "#;
const RESTART: &str = r#" Restart the supervisor process

        @return boolean result  always return True unless error
        "#;
const SEND_PROCESS_STDIN: &str = r#" Send a string of chars to the stdin of the process name.
        If non-7-bit data is sent (unicode), it is encoded to utf-8
        before being sent to the process' stdin.  If chars is not a
        string or is not unicode, raise INCORRECT_PARAMETERS.  If the
        process is not running, raise NOT_RUNNING.  If the process'
        stdin cannot accept input (e.g. it was closed by the child
        process), raise NO_FILE.

        @param string name        The process name to send to (or 'group:name')
        @param string chars       The character data to send to the process
        @return boolean result    Always return True unless error
        "#;
const SEND_REMOTE_COMM_EVENT: &str = r#" Send an event that will be received by event listener
        subprocesses subscribing to the RemoteCommunicationEvent.

        @param  string  type  String for the "type" key in the event header
        @param  string  data  Data for the event body
        @return boolean       Always return True unless error
        "#;
const SHUTDOWN: &str = r#" Shut down the supervisor process

        @return boolean result always returns True unless error
        "#;
const SIGNAL_ALL_PROCESSES: &str = r#" Send a signal to all processes in the process list

        @param string signal  Signal to send, as name ('HUP') or number ('1')
        @return array         An array of process status info structs
        "#;
const SIGNAL_PROCESS: &str = r#" Send an arbitrary UNIX signal to the process named by name

        @param string name    Name of the process to signal (or 'group:name')
        @param string signal  Signal to send, as name ('HUP') or number ('1')
        @return boolean
        "#;
const SIGNAL_PROCESS_GROUP: &str = r#" Send a signal to all processes in the group named 'name'

        @param string name    The group name
        @param string signal  Signal to send, as name ('HUP') or number ('1')
        @return array
        "#;
const START_ALL_PROCESSES: &str = r#" Start all processes listed in the configuration file

        @param boolean wait    Wait for each process to be fully started
        @return array result   An array of process status info structs
        "#;
const START_PROCESS: &str = r#" Start a process

        @param string name Process name (or ``group:name``, or ``group:*``)
        @param boolean wait Wait for process to be fully started
        @return boolean result     Always true unless error

        "#;
const START_PROCESS_GROUP: &str = r#" Start all processes in the group named 'name'

        @param string name     The group name
        @param boolean wait    Wait for each process to be fully started
        @return array result   An array of process status info structs
        "#;
const STOP_ALL_PROCESSES: &str = r#" Stop all processes in the process list

        @param  boolean wait   Wait for each process to be fully stopped
        @return array result   An array of process status info structs
        "#;
const STOP_PROCESS: &str = r#" Stop a process named by name

        @param string name  The name of the process to stop (or 'group:name')
        @param boolean wait        Wait for the process to be fully stopped
        @return boolean result     Always return True unless error
        "#;
const STOP_PROCESS_GROUP: &str = r#" Stop all processes in the process group named 'name'

        @param string name     The group name
        @param boolean wait    Wait for each process to be fully stopped
        @return array result   An array of process status info structs
        "#;
const TAIL_PROCESS_STDOUT_LOG: &str = r#"
        Provides a more efficient way to tail the (stdout) log than
        readProcessStdoutLog().  Use readProcessStdoutLog() to read
        chunks and tailProcessStdoutLog() to tail.

        Requests (length) bytes from the (name)'s log, starting at
        (offset).  If the total log size is greater than (offset +
        length), the overflow flag is set and the (offset) is
        automatically increased to position the buffer at the end of
        the log.  If less than (length) bytes are available, the
        maximum number of available bytes will be returned.  (offset)
        returned is always the last offset in the log +1.

        @param string name         the name of the process (or 'group:name')
        @param int offset          offset to start reading from
        @param int length          maximum number of bytes to return
        @return array result       [string bytes, int offset, bool overflow]
        "#;
const TAIL_PROCESS_STDERR_LOG: &str = r#"
        Provides a more efficient way to tail the (stderr) log than
        readProcessStderrLog().  Use readProcessStderrLog() to read
        chunks and tailProcessStderrLog() to tail.

        Requests (length) bytes from the (name)'s log, starting at
        (offset).  If the total log size is greater than (offset +
        length), the overflow flag is set and the (offset) is
        automatically increased to position the buffer at the end of
        the log.  If less than (length) bytes are available, the
        maximum number of available bytes will be returned.  (offset)
        returned is always the last offset in the log +1.

        @param string name         the name of the process (or 'group:name')
        @param int offset          offset to start reading from
        @param int length          maximum number of bytes to return
        @return array result       [string bytes, int offset, bool overflow]
        "#;
const SYSTEM_LIST_METHODS: &str = r#" Return an array listing the available method names

        @return array result  An array of method names available (strings).
        "#;
const SYSTEM_METHOD_HELP: &str = r#" Return a string showing the method's documentation

        @param string name   The name of the method.
        @return string result The documentation for the method name.
        "#;
const SYSTEM_METHOD_SIGNATURE: &str = r#" Return an array describing the method signature in the
        form [rtype, ptype, ptype...] where rtype is the return data type
        of the method, and ptypes are the parameter data types that the
        method accepts in method argument order.

        @param string name  The name of the method.
        @return array result  The result.
        "#;
const SYSTEM_MULTICALL: &str = r#"Process an array of calls, and return an array of
        results. Calls should be structs of the form {'methodName':
        string, 'params': array}. Each result will either be a
        single-item array containing the result value, or a struct of
        the form {'faultCode': int, 'faultString': string}. This is
        useful when you need to make lots of small calls without lots
        of round trips.

        @param array calls  An array of call requests
        @return array result  An array of results
        "#;

/// supervisor-rs's own methods (not in Supervisor 4.3.0).
const PLAN_UPDATE: &str = r#" Reread the config files and plan the move to them, changing nothing

        @param array names  Group names to consider (all when empty or absent)
        @return struct plan  {changes: array of structs, text: string, json: string}
        "#;

const APPLY_UPDATE: &str = r#" Reread the config files, plan the move to them and apply it: only what
        changed is stopped, replaced or started

        @param array names  Group names to consider (all when empty or absent)
        @return struct plan  {changes: array of structs, text: string, json: string}
        "#;

/// The entry published under `name`, if any.
pub fn find(name: &str) -> Option<&'static MethodEntry> {
    METHODS.iter().find(|entry| entry.name == name)
}

/// `[rtype, ptype, ...]` from a docstring, as `system.methodSignature` computes it: Supervisor's `gettags` reads
/// every line starting with `@` as `@tag datatype name text`; the last `@return` gives the result type and each
/// `@param` a parameter type. `None` when there is no `@return` (Supervisor's SIGNATURE_UNSUPPORTED).
pub fn signature(help: &str) -> Option<Vec<String>> {
    let mut return_type = None;
    let mut param_types = Vec::new();
    for line in help.split('\n') {
        let line = line.trim();
        let Some(tagged) = line.strip_prefix('@') else {
            continue;
        };
        // `line.split(None, 3)`: the tag, then the datatype ('' when missing).
        let mut parts = tagged.split_whitespace();
        let tag = parts.next().unwrap_or("");
        let datatype = parts.next().unwrap_or("").to_string();
        match tag {
            "return" => return_type = Some(datatype),
            "param" => param_types.push(datatype),
            _ => {}
        }
    }
    let mut signature = vec![return_type?];
    signature.extend(param_types);
    Some(signature)
}

/// `system.methodSignature` of the real supervisord 4.3.0 for every method (spec B.7), in listMethods order.
#[cfg(test)]
pub(crate) const EXPECTED_SIGNATURES: &[(&str, &[&str])] = &[
    ("supervisor.addProcessGroup", &["boolean", "string"]),
    ("supervisor.clearAllProcessLogs", &["array"]),
    ("supervisor.clearLog", &["boolean"]),
    ("supervisor.clearProcessLog", &["boolean", "string"]),
    ("supervisor.clearProcessLogs", &["boolean", "string"]),
    ("supervisor.getAPIVersion", &["string"]),
    ("supervisor.getAllConfigInfo", &["array"]),
    ("supervisor.getAllProcessInfo", &["array"]),
    ("supervisor.getIdentification", &["string"]),
    ("supervisor.getPID", &["int"]),
    ("supervisor.getProcessInfo", &["struct", "string"]),
    ("supervisor.getState", &["struct"]),
    ("supervisor.getSupervisorVersion", &["string"]),
    ("supervisor.getVersion", &["string"]),
    ("supervisor.readLog", &["string", "int", "int"]),
    ("supervisor.readMainLog", &["string", "int", "int"]),
    (
        "supervisor.readProcessLog",
        &["string", "string", "int", "int"],
    ),
    (
        "supervisor.readProcessStderrLog",
        &["string", "string", "int", "int"],
    ),
    (
        "supervisor.readProcessStdoutLog",
        &["string", "string", "int", "int"],
    ),
    ("supervisor.reloadConfig", &["array"]),
    ("supervisor.removeProcessGroup", &["boolean", "string"]),
    ("supervisor.restart", &["boolean"]),
    (
        "supervisor.sendProcessStdin",
        &["boolean", "string", "string"],
    ),
    (
        "supervisor.sendRemoteCommEvent",
        &["boolean", "string", "string"],
    ),
    ("supervisor.shutdown", &["boolean"]),
    ("supervisor.signalAllProcesses", &["array", "string"]),
    ("supervisor.signalProcess", &["boolean", "string", "string"]),
    (
        "supervisor.signalProcessGroup",
        &["array", "string", "string"],
    ),
    ("supervisor.startAllProcesses", &["array", "boolean"]),
    ("supervisor.startProcess", &["boolean", "string", "boolean"]),
    (
        "supervisor.startProcessGroup",
        &["array", "string", "boolean"],
    ),
    ("supervisor.stopAllProcesses", &["array", "boolean"]),
    ("supervisor.stopProcess", &["boolean", "string", "boolean"]),
    (
        "supervisor.stopProcessGroup",
        &["array", "string", "boolean"],
    ),
    (
        "supervisor.tailProcessLog",
        &["array", "string", "int", "int"],
    ),
    (
        "supervisor.tailProcessStderrLog",
        &["array", "string", "int", "int"],
    ),
    (
        "supervisor.tailProcessStdoutLog",
        &["array", "string", "int", "int"],
    ),
    ("supervisor_rs.applyUpdate", &["struct", "array"]),
    ("supervisor_rs.planUpdate", &["struct", "array"]),
    ("system.listMethods", &["array"]),
    ("system.methodHelp", &["string", "string"]),
    ("system.methodSignature", &["array", "string"]),
    ("system.multicall", &["array", "array"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        let names: Vec<&str> = METHODS.iter().map(|entry| entry.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        sorted.dedup();
        // Supervisor's 41 and our two.
        assert_eq!(sorted.len(), 43);
        assert_eq!(
            names
                .iter()
                .filter(|name| name.starts_with("supervisor_rs."))
                .count(),
            2
        );
        assert!(find("supervisor.getPID").is_some());
        assert!(find("supervisor.getpid").is_none());
        assert!(find("system._listMethods").is_none());
    }

    #[test]
    fn signatures_match_supervisor() {
        let expected = EXPECTED_SIGNATURES;
        assert_eq!(expected.len(), METHODS.len());
        for (entry, (name, signature_expected)) in METHODS.iter().zip(expected) {
            assert_eq!(entry.name, *name);
            assert_eq!(
                signature(entry.help).as_deref(),
                Some(
                    &signature_expected
                        .iter()
                        .map(|part| part.to_string())
                        .collect::<Vec<_>>()[..]
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn signature_parsing_edges() {
        assert_eq!(signature("no tags at all"), None);
        assert_eq!(signature("@param int x\n"), None);
        assert_eq!(
            signature("  @return\n @param  string   name  text  more\n@return int"),
            Some(vec!["int".to_string(), "string".to_string()])
        );
        assert_eq!(signature("@return"), Some(vec![String::new()]));
    }

    #[test]
    fn aliases_share_help() {
        for (alias, original) in [
            ("supervisor.getVersion", "supervisor.getAPIVersion"),
            ("supervisor.readMainLog", "supervisor.readLog"),
            (
                "supervisor.readProcessLog",
                "supervisor.readProcessStdoutLog",
            ),
            (
                "supervisor.tailProcessLog",
                "supervisor.tailProcessStdoutLog",
            ),
            ("supervisor.clearProcessLog", "supervisor.clearProcessLogs"),
        ] {
            let alias = find(alias).expect("alias is published");
            let original = find(original).expect("original is published");
            assert_eq!(alias.help, original.help);
            assert_eq!(alias.method, original.method);
        }
    }
}
