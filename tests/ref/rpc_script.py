"""Call every XML-RPC method of Supervisor 4.3.0 in a fixed order and print one JSON line per call.

Run with the reference venv's python (it uses `supervisor.xmlrpc.SupervisorTransport`, as supervisorctl does):

    python rpc_script.py FLAVOR DIR

FLAVOR is `ours` or `reference`; DIR is the daemon's temporary directory, holding `supervisord.conf` (the config
of `tests/integration/rpc_api.rs`), `supervisor.sock` and `supervisord.pid`. The same calls go to either daemon,
except the `ours:` lines (supervisor-rs's own `supervisor_rs.*` namespace), which only `ours` prints.

Each line is `{"label": ..., "method": ..., "params": [...], <outcome>}`, the outcome being one of
`"result": value`, `"fault": [code, string]`, `"http": status` (a ProtocolError, e.g. HTTP 500),
`"unparsable": "ExpatError"` (a response the client cannot parse) or `"error": "<exception class>"`. Labels are
unique, so the test can name a call. Values are normalised so that two runs compare equal: pids become `<pid>`,
non-zero times `<time>`, uptimes and stop dates in descriptions `<uptime>` / `<date>`, the random part of AUTO log
names `<random>`, and DIR `<dir>`.

Waits that only let the daemons settle (a process reaching a state) print nothing and fail the script after a
deadline. The script ends with `shutdown()` and the calls made while the daemon shuts down. It prints how long each
phase took to stderr, and each call's time too when `RPC_SCRIPT_TIMES` is set in the environment.
"""

import json
import os
import re
import sys
import threading
import time
import xmlrpc.client
from xml.parsers.expat import ExpatError

from supervisor.xmlrpc import SupervisorTransport

FLAVOR, DIRECTORY = sys.argv[1], os.path.realpath(sys.argv[2])
SOCKET = os.path.join(DIRECTORY, "supervisor.sock")
CONFIG = os.path.join(DIRECTORY, "supervisord.conf")
DEADLINE = 20.0

# Supervisor 4.3.0's `system.listMethods()`: the 41 published names.
METHOD_NAMES = [
    "supervisor.addProcessGroup",
    "supervisor.clearAllProcessLogs",
    "supervisor.clearLog",
    "supervisor.clearProcessLog",
    "supervisor.clearProcessLogs",
    "supervisor.getAPIVersion",
    "supervisor.getAllConfigInfo",
    "supervisor.getAllProcessInfo",
    "supervisor.getIdentification",
    "supervisor.getPID",
    "supervisor.getProcessInfo",
    "supervisor.getState",
    "supervisor.getSupervisorVersion",
    "supervisor.getVersion",
    "supervisor.readLog",
    "supervisor.readMainLog",
    "supervisor.readProcessLog",
    "supervisor.readProcessStderrLog",
    "supervisor.readProcessStdoutLog",
    "supervisor.reloadConfig",
    "supervisor.removeProcessGroup",
    "supervisor.restart",
    "supervisor.sendProcessStdin",
    "supervisor.sendRemoteCommEvent",
    "supervisor.shutdown",
    "supervisor.signalAllProcesses",
    "supervisor.signalProcess",
    "supervisor.signalProcessGroup",
    "supervisor.startAllProcesses",
    "supervisor.startProcess",
    "supervisor.startProcessGroup",
    "supervisor.stopAllProcesses",
    "supervisor.stopProcess",
    "supervisor.stopProcessGroup",
    "supervisor.tailProcessLog",
    "supervisor.tailProcessStderrLog",
    "supervisor.tailProcessStdoutLog",
    "system.listMethods",
    "system.methodHelp",
    "system.methodSignature",
    "system.multicall",
]

# `Nov 24 06:56 AM`: the stop time of a STOPPED or EXITED process, in local time.
STOP_DATE = re.compile(r"^[A-Z][a-z]{2} \d{2} \d{2}:\d{2} [AP]M$")
# `pid 8134, uptime 0:00:03` (or `1 day, 2:03:04`).
RUNNING_DESCRIPTION = re.compile(r"^pid \d+, uptime .+$")
# The random part of an AUTO log name: `<name>-stdout---supervisor-<8 random characters>.log`.
AUTO_NAME = re.compile(r"(---supervisor-)[A-Za-z0-9_]+(\.log)")

seen_labels = set()
started = time.monotonic()


def proxy():
    """A fresh client for each call, so that a failed response cannot leave a connection half-read."""
    return xmlrpc.client.ServerProxy(
        "http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + SOCKET)
    )


def normalise(value, key=None):
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if key in ("start", "stop", "now") and value != 0:
            return "<time>"
        if key == "pid" and value != 0:
            return "<pid>"
        return value
    if isinstance(value, str):
        value = value.replace(DIRECTORY, "<dir>")
        value = AUTO_NAME.sub(r"\1<random>\2", value)
        if key == "description":
            if RUNNING_DESCRIPTION.match(value):
                return "pid <pid>, uptime <uptime>"
            if STOP_DATE.match(value):
                return "<date>"
        return value
    return value


def invoke(method, params):
    """Calls `method`; returns the outcome as a dict (not normalised)."""
    target = proxy()
    for part in method.split("."):
        target = getattr(target, part)
    try:
        return {"result": target(*params)}
    except xmlrpc.client.Fault as fault:
        return {"fault": [fault.faultCode, fault.faultString]}
    except xmlrpc.client.ProtocolError as error:
        return {"http": error.errcode}
    except ExpatError:
        return {"unparsable": "ExpatError"}
    except Exception as error:  # a refused connection while shutting down, ...
        return {"error": type(error).__name__}


def emit(label, method, params, outcome, transform=None):
    assert label not in seen_labels, "duplicate label " + label
    seen_labels.add(label)
    if transform is not None and "result" in outcome:
        outcome = {"result": transform(outcome["result"])}
    line = {"label": label, "method": method, "params": normalise(list(params))}
    line.update(normalise(outcome))
    print(json.dumps(line, sort_keys=True), flush=True)
    return outcome


def call(label, method, *params, transform=None):
    """Calls and prints; returns the outcome (before normalisation)."""
    begun = time.monotonic()
    outcome = invoke(method, params)
    if os.environ.get("RPC_SCRIPT_TIMES"):
        print("  %s: %.2f s" % (label, time.monotonic() - begun), file=sys.stderr)
    return emit(label, method, params, outcome, transform)


def by_name(results):
    """Results of a group or all operation sorted by (group, name): Supervisor lists deferred completions in the
    order they finish (spec B.7), which is not stable when several finish together."""
    return sorted(results, key=lambda r: (r["group"], r["name"]))


def quiet(method, *params):
    return invoke(method, params)


def wait_until(what, predicate):
    begun = time.monotonic()
    deadline = begun + DEADLINE
    while time.monotonic() < deadline:
        try:
            if predicate():
                if os.environ.get("RPC_SCRIPT_TIMES"):
                    print("  (waited %.2f s for %s)" % (time.monotonic() - begun, what), file=sys.stderr)
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise SystemExit("timed out waiting for " + what)


def state_of(name):
    outcome = quiet("supervisor.getProcessInfo", name)
    return outcome["result"]["statename"] if "result" in outcome else None


def wait_states(expected):
    """Waits until every process named in `expected` is in its state."""
    wait_until(
        "states " + repr(expected),
        lambda: all(state_of(name) == state for name, state in expected.items()),
    )


def settle():
    """The state right after start-up (and after restart)."""
    wait_until("the daemon to answer", lambda: "result" in quiet("supervisor.getState"))
    wait_states(
        {
            "sleeper": "RUNNING",
            "quick": "EXITED",
            "failing": "FATAL",
            "manual": "STOPPED",
            "slow": "STOPPED",
            "nolog": "RUNNING",
            "binary": "RUNNING",
            "closedin": "RUNNING",
            "nofile": "STOPPED",
            "notexec": "STOPPED",
            "isdir": "STOPPED",
            "stubborn": "RUNNING",
            "grp:ga": "RUNNING",
            "grp:gb": "STOPPED",
            "multi:multi_0": "RUNNING",
            "multi:multi_1": "RUNNING",
        }
    )
    wait_until(
        "the output of binary and failing in their logs",
        lambda: quiet("supervisor.tailProcessStdoutLog", "binary", 0, 0)["result"][1] > 0
        and quiet("supervisor.tailProcessStderrLog", "failing", 0, 0)["result"][1] > 0,
    )


def wait_execed(names):
    """Waits until each process has exec'd its program. A signal sent between fork and exec reaches a child that
    still runs supervisord's code (Supervisor's child even keeps its parent's Python signal handlers and ignores
    SIGTERM), so a stop right after a start waits for stopwaitsecs."""

    def execed(name):
        pid = quiet("supervisor.getProcessInfo", name)["result"]["pid"]
        with open("/proc/%d/cmdline" % pid, "rb") as cmdline:
            return b"supervisord" not in cmdline.read()

    wait_until("exec in " + repr(names), lambda: all(execed(name) for name in names))


def supervisord_pid():
    with open(os.path.join(DIRECTORY, "supervisord.pid")) as pidfile:
        return int(pidfile.read().strip())


def log_path(name, channel):
    return quiet("supervisor.getProcessInfo", name)["result"][channel + "_logfile"]


def read_config():
    with open(CONFIG) as config:
        return config.read()


def write_config(text):
    with open(CONFIG, "w") as config:
        config.write(text)


def introspection():
    names = call("listMethods", "system.listMethods")
    for name in METHOD_NAMES:
        call("methodHelp " + name, "system.methodHelp", name)
        call("methodSignature " + name, "system.methodSignature", name)
    call("methodHelp unknown", "system.methodHelp", "supervisor.nosuch")
    call("methodSignature unknown", "system.methodSignature", "nosuch")
    call("methodHelp wrong arity", "system.methodHelp")
    return names


def identity():
    call("getAPIVersion", "supervisor.getAPIVersion")
    call("getVersion", "supervisor.getVersion")
    call("getSupervisorVersion", "supervisor.getSupervisorVersion")
    call("getIdentification", "supervisor.getIdentification")
    call("getState", "supervisor.getState")
    pid = supervisord_pid()
    call(
        "getPID",
        "supervisor.getPID",
        transform=lambda value: "<supervisord pid>" if value == pid else value,
    )


def dispatch_faults():
    call("unknown method", "supervisor.nosuch")
    call("unknown namespace", "nosuch.getState")
    call("private method", "supervisor._update", "x")
    call("too many dots", "supervisor.getState.x")
    call("getState with a parameter", "supervisor.getState", 1)
    call("getProcessInfo without parameters", "supervisor.getProcessInfo")
    call("startProcess with three parameters", "supervisor.startProcess", "sleeper", True, 3)
    call("readLog with one parameter", "supervisor.readLog", 0)


def process_info():
    for name in [
        "sleeper",
        "quick",
        "failing",
        "manual",
        "nolog",
        "binary",
        "closedin",
        "nofile",
        "grp:ga",
        "grp:gb",
        "multi:multi_0",
        "multi:multi_1",
        "sleeper:sleeper",
    ]:
        call("getProcessInfo " + name, "supervisor.getProcessInfo", name)
    for name in ["nosuch", "grp", "grp:*", "grp:", "grp:nosuch", "nosuch:x", "multi"]:
        call("getProcessInfo bad " + name, "supervisor.getProcessInfo", name)
    call("getProcessInfo non-string", "supervisor.getProcessInfo", 1)
    call("getAllProcessInfo at start", "supervisor.getAllProcessInfo")
    call("getAllConfigInfo at start", "supervisor.getAllConfigInfo")


def process_logs():
    # quick's stdout is "quick\n" (6 bytes); failing's stderr "failing\n".
    for offset, length in [(0, 0), (0, 3), (2, 2), (-3, 0), (100, 0), (5, 100), (-100, 0)]:
        call(
            "readProcessStdoutLog quick %d %d" % (offset, length),
            "supervisor.readProcessStdoutLog",
            "quick",
            offset,
            length,
        )
    for offset, length in [(0, -1), (-1, 1), (-1, -1)]:
        call(
            "readProcessStdoutLog bad arguments %d %d" % (offset, length),
            "supervisor.readProcessStdoutLog",
            "quick",
            offset,
            length,
        )
    call("readProcessStdoutLog string offset", "supervisor.readProcessStdoutLog", "quick", "1", 0)
    call("readProcessLog alias", "supervisor.readProcessLog", "quick", 0, 0)
    call("readProcessStderrLog failing", "supervisor.readProcessStderrLog", "failing", 0, 0)
    call("readProcessStderrLog quick (empty)", "supervisor.readProcessStderrLog", "quick", 0, 0)
    call("readProcessStdoutLog nolog", "supervisor.readProcessStdoutLog", "nolog", 0, 0)
    call("readProcessStderrLog nolog", "supervisor.readProcessStderrLog", "nolog", 0, 0)
    call("readProcessStdoutLog never started", "supervisor.readProcessStdoutLog", "manual", 0, 0)
    call("readProcessStdoutLog bad name", "supervisor.readProcessStdoutLog", "nosuch", 0, 0)
    call("readProcessStdoutLog group", "supervisor.readProcessStdoutLog", "grp:*", 0, 0)
    for offset, length in [(0, 3), (0, 100), (6, 100), (3, 100), (10, 100), (-5, 10), (5, -10)]:
        call(
            "tailProcessStdoutLog quick %d %d" % (offset, length),
            "supervisor.tailProcessStdoutLog",
            "quick",
            offset,
            length,
        )
    call("tailProcessLog alias", "supervisor.tailProcessLog", "quick", 0, 100)
    call("tailProcessStderrLog failing", "supervisor.tailProcessStderrLog", "failing", 0, 100)
    call("tailProcessStdoutLog nolog", "supervisor.tailProcessStdoutLog", "nolog", 0, 100)
    call("tailProcessStderrLog nolog", "supervisor.tailProcessStderrLog", "nolog", 5, 100)
    call("tailProcessStdoutLog bad name", "supervisor.tailProcessStdoutLog", "nosuch", 0, 100)
    # binary's stdout is `café ESC[31mred ESC[0m \xff\xfe end\r\n`: valid UTF-8 up to byte 18, then not.
    call("readProcessStdoutLog binary utf8 prefix", "supervisor.readProcessStdoutLog", "binary", 0, 5)
    call("readProcessStdoutLog binary cut character", "supervisor.readProcessStdoutLog", "binary", 0, 4)
    call("readProcessStdoutLog binary control bytes", "supervisor.readProcessStdoutLog", "binary", 0, 19)
    call("readProcessStdoutLog binary whole", "supervisor.readProcessStdoutLog", "binary", 0, 0)
    call("tailProcessStdoutLog binary whole", "supervisor.tailProcessStdoutLog", "binary", 0, 100)
    call("tailProcessStdoutLog binary end", "supervisor.tailProcessStdoutLog", "binary", 0, 6)


def clearing_logs():
    call("clearProcessLogs quick", "supervisor.clearProcessLogs", "quick")
    call("readProcessStdoutLog quick after clear", "supervisor.readProcessStdoutLog", "quick", 0, 0)
    call("clearProcessLog alias", "supervisor.clearProcessLog", "failing")
    call("readProcessStderrLog failing after clear", "supervisor.readProcessStderrLog", "failing", 0, 0)
    call("clearProcessLogs nolog", "supervisor.clearProcessLogs", "nolog")
    call("clearProcessLogs running", "supervisor.clearProcessLogs", "grp:ga")
    call("clearProcessLogs bad name", "supervisor.clearProcessLogs", "nosuch")
    call("clearProcessLogs group", "supervisor.clearProcessLogs", "grp:*")
    # A directory where quick's log was: reading fails, unlinking fails (EISDIR).
    path = log_path("quick", "stdout")
    os.remove(path)
    os.mkdir(path)
    call("readProcessStdoutLog quick directory", "supervisor.readProcessStdoutLog", "quick", 0, 0)
    call("tailProcessStdoutLog quick directory", "supervisor.tailProcessStdoutLog", "quick", 5, 10)
    call("clearProcessLogs quick directory", "supervisor.clearProcessLogs", "quick")
    os.rmdir(path)
    # Supervisor's clear does nothing for a process that has exited (its log handlers are closed): the file
    # stays missing.
    call("clearProcessLogs quick after directory", "supervisor.clearProcessLogs", "quick")
    call("readProcessStdoutLog quick not recreated", "supervisor.readProcessStdoutLog", "quick", 0, 0)
    # For a running process the unlink is attempted and fails: FAILED.
    path = log_path("sleeper", "stdout")
    os.remove(path)
    os.mkdir(path)
    call("clearProcessLogs running directory", "supervisor.clearProcessLogs", "sleeper")
    os.rmdir(path)
    call("clearProcessLogs running after directory", "supervisor.clearProcessLogs", "sleeper")
    call("readProcessStdoutLog running recreated", "supervisor.readProcessStdoutLog", "sleeper", 0, 0)


def starting():
    call("startProcess running", "supervisor.startProcess", "sleeper")
    call("startProcess no file", "supervisor.startProcess", "nofile")
    call("startProcess not executable", "supervisor.startProcess", "notexec")
    call("startProcess directory", "supervisor.startProcess", "isdir")
    call("startProcess bad name", "supervisor.startProcess", "nosuch")
    call("startProcess bad process in group", "supervisor.startProcess", "grp:nosuch")
    call("startProcess bad group", "supervisor.startProcess", "nosuch:*")
    call("startProcess non-string", "supervisor.startProcess", 1)
    call("startProcess stopped", "supervisor.startProcess", "manual")
    call("getProcessInfo manual started", "supervisor.getProcessInfo", "manual")
    call("startProcess spawn error", "supervisor.startProcess", "failing")
    wait_states({"failing": "FATAL"})
    call("getProcessInfo failing after spawn error", "supervisor.getProcessInfo", "failing")
    call("startProcess no wait", "supervisor.startProcess", "failing", False)
    call("getProcessInfo failing starting", "supervisor.getProcessInfo", "failing")
    wait_states({"failing": "FATAL"})
    # ABNORMAL_TERMINATION: slow (startsecs=2) is stopped while a startProcess waits for it.
    waiting = {}

    def start_slow():
        waiting["outcome"] = invoke("supervisor.startProcess", ["slow"])

    thread = threading.Thread(target=start_slow)
    thread.start()
    wait_states({"slow": "STARTING"})
    wait_execed(["slow"])
    call("stopProcess while starting", "supervisor.stopProcess", "slow")
    thread.join()
    emit("startProcess abnormal termination", "supervisor.startProcess", ["slow"], waiting["outcome"])
    call("startProcessGroup", "supervisor.startProcessGroup", "grp")
    call("startProcessGroup all running", "supervisor.startProcessGroup", "grp")
    call("startProcessGroup bad name", "supervisor.startProcessGroup", "nosuch")
    call("startProcess group all running", "supervisor.startProcess", "grp:*")
    call("startProcess group colon", "supervisor.startProcess", "grp:")


def stopping():
    call("stopProcess", "supervisor.stopProcess", "grp:gb")
    call("getProcessInfo gb stopped", "supervisor.getProcessInfo", "grp:gb")
    call("stopProcess stopped", "supervisor.stopProcess", "grp:gb")
    call("stopProcess exited", "supervisor.stopProcess", "quick")
    call("stopProcess fatal", "supervisor.stopProcess", "failing")
    call("stopProcess bad name", "supervisor.stopProcess", "nosuch")
    call("stopProcessGroup", "supervisor.stopProcessGroup", "multi", transform=by_name)
    call("stopProcessGroup none running", "supervisor.stopProcessGroup", "multi")
    call("stopProcessGroup bad name", "supervisor.stopProcessGroup", "nosuch")
    call("startProcess group", "supervisor.startProcess", "multi:*")
    wait_execed(["multi:multi_0", "multi:multi_1"])
    call("stopProcess group no wait", "supervisor.stopProcess", "multi:*", False)
    wait_states({"multi:multi_0": "STOPPED", "multi:multi_1": "STOPPED"})
    call("startProcessGroup no wait", "supervisor.startProcessGroup", "multi", False)
    wait_states({"multi:multi_0": "RUNNING", "multi:multi_1": "RUNNING"})


def signalling():
    for signal in ["WINCH", "SIGWINCH", "winch", "28", 28]:
        call("signalProcess %r" % (signal,), "supervisor.signalProcess", "sleeper", signal)
    call("signalProcess bad signal", "supervisor.signalProcess", "sleeper", "BOGUS")
    call("signalProcess not running", "supervisor.signalProcess", "grp:gb", "WINCH")
    call("signalProcess bad signal not running", "supervisor.signalProcess", "grp:gb", "BOGUS")
    call("signalProcess bad name", "supervisor.signalProcess", "nosuch", "WINCH")
    call("signalProcess bad name and signal", "supervisor.signalProcess", "nosuch", "BOGUS")
    call("signalProcess group", "supervisor.signalProcess", "grp:*", "WINCH")
    call("signalProcessGroup", "supervisor.signalProcessGroup", "multi", "WINCH")
    call("signalProcessGroup bad signal", "supervisor.signalProcessGroup", "multi", "BOGUS")
    call("signalProcessGroup bad name", "supervisor.signalProcessGroup", "nosuch", "WINCH")
    call("signalAllProcesses", "supervisor.signalAllProcesses", "WINCH")
    call("signalAllProcesses bad signal", "supervisor.signalAllProcesses", "BOGUS")


def stdin():
    call("sendProcessStdin", "supervisor.sendProcessStdin", "sleeper", "hello\n")
    call("sendProcessStdin unicode", "supervisor.sendProcessStdin", "sleeper", "café\n")
    call("sendProcessStdin not running", "supervisor.sendProcessStdin", "grp:gb", "x")
    call("sendProcessStdin bad name", "supervisor.sendProcessStdin", "nosuch", "x")
    call("sendProcessStdin group", "supervisor.sendProcessStdin", "grp:*", "x")
    call("sendProcessStdin non-string", "supervisor.sendProcessStdin", "sleeper", 1)
    call("sendProcessStdin closed stdin", "supervisor.sendProcessStdin", "closedin", "x")
    call("sendProcessStdin closed stdin again", "supervisor.sendProcessStdin", "closedin", "x")
    call("sendRemoteCommEvent", "supervisor.sendRemoteCommEvent", "type", "data")


def all_processes():
    call("stopAllProcesses", "supervisor.stopAllProcesses", transform=by_name)
    call("getAllProcessInfo all stopped", "supervisor.getAllProcessInfo")
    call("stopAllProcesses none running", "supervisor.stopAllProcesses")
    call("startAllProcesses", "supervisor.startAllProcesses", transform=by_name)
    wait_states({"failing": "FATAL", "quick": "EXITED"})
    call("getAllProcessInfo all started", "supervisor.getAllProcessInfo")
    call("stopAllProcesses no wait", "supervisor.stopAllProcesses", False)
    wait_until(
        "everything stopped",
        lambda: all(
            info["statename"] in ("STOPPED", "EXITED", "FATAL")
            for info in quiet("supervisor.getAllProcessInfo")["result"]
        ),
    )
    call("startAllProcesses no wait", "supervisor.startAllProcesses", False)
    wait_states({"failing": "FATAL", "quick": "EXITED", "slow": "RUNNING"})
    call("stopProcess slow", "supervisor.stopProcess", "slow")
    call("clearAllProcessLogs", "supervisor.clearAllProcessLogs")


def config_changes():
    original = read_config()
    call("reloadConfig unchanged", "supervisor.reloadConfig")
    write_config(original + "\n[program:broken]\nstartsecs=1\n")
    call("reloadConfig broken", "supervisor.reloadConfig")
    write_config(original)
    call("reloadConfig restored", "supervisor.reloadConfig")
    # quick's section (up to the blank line after it) goes; manual's command changes.
    quick_start = original.index("[program:quick]\n")
    quick_end = original.index("\n\n", quick_start) + 2
    changed = (original[:quick_start] + original[quick_end:]).replace(
        "[program:manual]\ncommand=/bin/sleep 1000\n", "[program:manual]\ncommand=/bin/sleep 999\n"
    )
    assert changed.count("[program:") == original.count("[program:") - 1, "quick not removed"
    assert "sleep 999" in changed, "manual not changed"
    write_config(changed + "\n[program:added]\ncommand=/bin/sleep 1000\nstartsecs=0\n")
    call("reloadConfig changes", "supervisor.reloadConfig")
    call("getAllConfigInfo after reread", "supervisor.getAllConfigInfo")
    if FLAVOR == "ours":
        call("ours: planUpdate", "supervisor_rs.planUpdate")
    call("addProcessGroup", "supervisor.addProcessGroup", "added")
    call("addProcessGroup again", "supervisor.addProcessGroup", "added")
    call("addProcessGroup bad name", "supervisor.addProcessGroup", "nosuch")
    call("addProcessGroup non-string", "supervisor.addProcessGroup", 1)
    wait_states({"added": "RUNNING"})
    call("removeProcessGroup running", "supervisor.removeProcessGroup", "added")
    call("stopProcessGroup added", "supervisor.stopProcessGroup", "added")
    call("removeProcessGroup", "supervisor.removeProcessGroup", "added")
    call("removeProcessGroup again", "supervisor.removeProcessGroup", "added")
    call("removeProcessGroup exited", "supervisor.removeProcessGroup", "quick")
    call("getProcessInfo removed", "supervisor.getProcessInfo", "quick")
    call("reloadConfig after removals", "supervisor.reloadConfig")
    write_config(original)
    call("reloadConfig back to the original", "supervisor.reloadConfig")
    call("addProcessGroup quick", "supervisor.addProcessGroup", "quick")
    wait_states({"quick": "EXITED"})
    call("getAllProcessInfo after config changes", "supervisor.getAllProcessInfo")


def multicall():
    call(
        "multicall",
        "system.multicall",
        [
            {"methodName": "supervisor.getAPIVersion"},
            {"methodName": "supervisor.nosuch"},
            {"methodName": "system.multicall", "params": [[]]},
            {"params": []},
            {"methodName": "supervisor.getProcessInfo", "params": ["nosuch"]},
            {"methodName": "supervisor.startProcess", "params": [1]},
            {"methodName": "supervisor.getState", "params": [1]},
            {"methodName": "supervisor.stopProcess", "params": ["grp:gb"]},
            {"methodName": "supervisor.getProcessInfo", "params": ["grp:gb"]},
        ],
    )
    call("multicall empty", "system.multicall", [])
    call("multicall not an array", "system.multicall", "notalist")


def main_log():
    """Last before the restart: the main log is removed (and a directory put in its place for a while); the
    restart reopens it."""
    call("clearLog", "supervisor.clearLog")
    call("readLog bad arguments", "supervisor.readLog", 0, -1)
    call("readMainLog bad arguments", "supervisor.readMainLog", -1, 1)
    call("readLog string offset", "supervisor.readLog", "x", 0)
    call(
        "readLog after clear",
        "supervisor.readLog",
        0,
        0,
        transform=lambda text: "<main log text>" if isinstance(text, str) else text,
    )
    main_log = os.path.join(DIRECTORY, "supervisord.log")
    os.remove(main_log)
    call("readLog missing", "supervisor.readLog", 0, 0)
    call("clearLog missing", "supervisor.clearLog")
    os.mkdir(main_log)
    call("readLog directory", "supervisor.readLog", 0, 0)
    call("clearLog directory", "supervisor.clearLog")
    os.rmdir(main_log)


def restarting():
    call("restart", "supervisor.restart")
    # getState faults (SHUTDOWN_STATE) or cannot connect until the restart is over.
    settle()
    call("getState after restart", "supervisor.getState")
    call("getAllProcessInfo after restart", "supervisor.getAllProcessInfo")
    call(
        "readLog after restart",
        "supervisor.readLog",
        -10,
        0,
        transform=lambda text: "<main log text>" if isinstance(text, str) else text,
    )


def shutting_down():
    call("shutdown", "supervisor.shutdown")
    # stubborn ignores SIGTERM for stopwaitsecs=2: the daemon is still answering meanwhile.
    call("getState while shutting down", "supervisor.getState")
    call("getAPIVersion while shutting down", "supervisor.getAPIVersion")
    call("startProcess while shutting down", "supervisor.startProcess", "sleeper")
    call("signalAllProcesses while shutting down", "supervisor.signalAllProcesses", "WINCH")
    call("methodSignature while shutting down", "system.methodSignature", "supervisor.getState")
    call("sendRemoteCommEvent while shutting down", "supervisor.sendRemoteCommEvent", "t", "d")
    call("shutdown while shutting down", "supervisor.shutdown")


PHASES = [
    settle,
    introspection,
    identity,
    dispatch_faults,
    process_info,
    process_logs,
    clearing_logs,
    starting,
    stopping,
    signalling,
    stdin,
    multicall,
    all_processes,
    config_changes,
    main_log,
    restarting,
    shutting_down,
]


def wake_up_forever():
    """Keeps the daemon's main loop busy. Supervisor runs deferred RPC answers (startAllProcesses,
    clearAllProcessLogs, ...) one step per pass of its loop, and an idle loop passes once a second; any request wakes
    it. Without this, clearAllProcessLogs alone takes a second per process. The calls are not printed."""
    while True:
        quiet("supervisor.getState")
        time.sleep(0.01)


def main():
    threading.Thread(target=wake_up_forever, daemon=True).start()
    for phase in PHASES:
        begun = time.monotonic()
        phase()
        # How long each phase took, for whoever wonders why a run is slow.
        print("%s: %.2f s" % (phase.__name__, time.monotonic() - begun), file=sys.stderr)


if __name__ == "__main__":
    main()
