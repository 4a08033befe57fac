#!/usr/bin/env python3
"""Side-by-side benchmark of supervisor-rs's supervisord against the reference Supervisor 4.3.0.

Run by hand, never in CI. Python 3 standard library only; Linux only (it reads /proc).

Both daemons run in the foreground (-n) on the same generated configs, one after the other, alternating which goes
first, several times; the table shows medians and the ratio ours / reference against the targets. Events are
taken from the main log (both write Supervisor's `YYYY-MM-DD HH:MM:SS,mmm LEVL message` lines), using the
timestamp written on the line rather than the moment the poller noticed it, so the polling interval does not add
to the times measured. CPU and RSS come from /proc/PID/stat and /proc/PID/status, context switches from
/proc/PID/task/*/status. No network is used: the configs have no HTTP server section.

See bench/README.md for what each measurement does.
"""

import argparse
import ctypes
import datetime
import fcntl
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REFERENCE_VERSION = "4.3.0"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024

OURS = "ours"
REFERENCE = "reference"

# Every daemon started and not yet ended, so that an interrupted run still ends them (by PID).
LIVE_DAEMONS = []


# --------------------------------------------------------------------------------------------------------------
# Setup: binaries, the reference venv, subreaping


def target_dir():
    return Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))


def build_ours():
    print("building ours: cargo build --release --bin supervisord", flush=True)
    subprocess.run(["cargo", "build", "--release", "--bin", "supervisord"], cwd=REPO, check=True)
    return target_dir() / "release" / "supervisord"


def ensure_reference():
    """The reference venv at target/ref-venv, made as tests/integration/reference.rs makes it (same marker file,
    same lock), so the tests and this script share it."""
    venv = target_dir() / "ref-venv"
    marker = venv / f".supervisor-{REFERENCE_VERSION}-installed"
    supervisord = venv / "bin" / "supervisord"

    def ready():
        return marker.is_file() and supervisord.is_file()

    if ready():
        return supervisord
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / "ref-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready():
            print(f"creating the reference venv at {venv} (supervisor=={REFERENCE_VERSION})", flush=True)
            python = venv / "bin" / "python"
            if not python.is_file():
                subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 f"supervisor=={REFERENCE_VERSION}"],
                check=True,
            )
            marker.write_text(f"supervisor=={REFERENCE_VERSION}\n")
    return supervisord


def become_subreaper():
    """PR_SET_CHILD_SUBREAPER: children orphaned by a daemon we had to kill become ours, so we can reap them
    (PID 1 of a container may not). Returns whether it worked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


# --------------------------------------------------------------------------------------------------------------
# /proc readers


def proc_cpu_seconds(pid):
    """utime + stime of the whole process (all its threads, live and dead), in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def proc_cpu_precise(pid):
    """On-CPU time of every live thread of `pid` in seconds, from /proc/PID/task/*/schedstat (nanoseconds, where
    utime + stime count 10 ms ticks). A thread that exited takes its time with it; the daemons measured here
    keep their threads. Falls back to utime + stime when schedstat is missing."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as schedstat:
                    total += int(schedstat.read().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                pass
    except FileNotFoundError:
        return proc_cpu_seconds(pid)
    return total / 1e9


def proc_status_field(path, name):
    with open(path) as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return None


def proc_rss_kib(pid):
    return proc_status_field(f"/proc/{pid}/status", "VmRSS")


def proc_context_switches(pid):
    """{tid: voluntary + nonvoluntary context switches} for every thread of `pid`."""
    result = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return result
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as status:
                total = 0
                for line in status:
                    if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                        total += int(line.split()[1])
            result[int(tid)] = total
        except (FileNotFoundError, ProcessLookupError):
            pass
    return result


def proc_children(pid):
    pids = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return pids
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as children:
                pids.extend(int(word) for word in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return pids


# --------------------------------------------------------------------------------------------------------------
# The main log


class LogLine:
    __slots__ = ("stamp", "level", "message", "seen")

    def __init__(self, stamp, level, message, seen):
        self.stamp = stamp
        self.level = level
        self.message = message
        self.seen = seen


def parse_stamp(text):
    """`YYYY-MM-DD HH:MM:SS,mmm` (local time, milliseconds truncated) as Unix seconds, at the middle of its
    millisecond; None when the text is not a timestamp."""
    try:
        whole = time.mktime(time.strptime(text[:19], "%Y-%m-%d %H:%M:%S"))
        return whole + int(text[20:23]) / 1000 + 0.0005
    except (ValueError, OverflowError):
        return None


class LogTail:
    """Reads what was appended to a main log since the last call (only complete lines)."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.lines = []

    def poll(self):
        try:
            with open(self.path, "rb") as log:
                log.seek(self.offset)
                data = log.read()
        except FileNotFoundError:
            return []
        if not data:
            return []
        seen = time.time()
        self.offset += len(data)
        data = self.partial + data
        *complete, self.partial = data.split(b"\n")
        new = []
        for raw in complete:
            text = raw.decode("utf-8", "replace")
            stamp = parse_stamp(text) if len(text) > 29 and text[19:20] == "," else None
            if stamp is None:
                continue  # a continuation line of a multi-line message
            new.append(LogLine(stamp, text[24:28], text[29:], seen))
        self.lines.extend(new)
        return new


# --------------------------------------------------------------------------------------------------------------
# One daemon in its temp dir


class BenchError(Exception):
    pass


class Daemon:
    """A supervisord (either implementation) started in the foreground on a config in a fresh temp dir."""

    def __init__(self, implementation, binary, workdir, config):
        self.implementation = implementation
        self.binary = binary
        self.dir = workdir
        self.config_path = workdir / "supervisord.conf"
        self.config_path.write_text(config)
        self.log = LogTail(workdir / "supervisord.log")
        self.process = None
        self.exited_at = None  # time.time() when waitpid returned
        self.exited = threading.Event()
        self.started_at = None

    def start(self):
        stderr = open(self.dir / "daemon.stderr", "wb")
        self.started_at = time.time()
        self.process = subprocess.Popen(
            [str(self.binary), "-n", "-c", str(self.config_path)],
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
        stderr.close()
        LIVE_DAEMONS.append(self)
        # A blocking waitpid in a thread notes the exit to the microsecond (Popen.wait(timeout) polls with sleeps).
        threading.Thread(target=self._wait, daemon=True).start()

    def _wait(self):
        self.process.wait()
        self.exited_at = time.time()
        self.exited.set()

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return not self.exited.is_set()

    def describe_failure(self, what):
        tail = "\n".join(f"  {line.level} {line.message}" for line in self.log.lines[-15:])
        try:
            stderr = (self.dir / "daemon.stderr").read_text(errors="replace")[-2000:]
        except OSError:
            stderr = ""
        status = "running" if self.alive() else f"exited with {self.process.returncode}"
        return f"{self.implementation}: {what} ({status}); main log tail:\n{tail}\nstderr:\n{stderr}"

    def wait_for(self, what, match, timeout, interval=0.02, since=0):
        """Polls the main log until a line at index >= `since` satisfies `match`; returns (index, line)."""
        deadline = time.monotonic() + timeout
        index = since
        while True:
            alive = self.alive()
            self.log.poll()
            while index < len(self.log.lines):
                line = self.log.lines[index]
                index += 1
                if match(line):
                    return index - 1, line
            if not alive:
                raise BenchError(self.describe_failure(f"exited while waiting for {what}"))
            if time.monotonic() > deadline:
                raise BenchError(self.describe_failure(f"timed out after {timeout:.0f} s waiting for {what}"))
            time.sleep(interval)

    def wait_for_count(self, prefix, count, timeout, interval=0.02, since=0):
        """Waits for the `count`-th line (from index `since`) whose message starts with `prefix`."""
        seen = 0

        def match(line):
            nonlocal seen
            if line.message.startswith(prefix):
                seen += 1
            return seen == count

        return self.wait_for(f"{count} x {prefix!r}", match, timeout, interval, since)

    def stop(self, timeout):
        """SIGTERM and wait; returns the seconds from the signal to the exit, or None if it had to be killed."""
        if not self.alive():
            return None
        children = proc_children(self.pid)
        sent = time.time()
        os.kill(self.pid, signal.SIGTERM)
        if self.exited.wait(timeout):
            reap_orphans(children)
            return self.exited_at - sent
        self.kill()
        return None

    def kill(self):
        """The hard way: freeze the daemon (so it spawns nothing more), note its children, kill it, kill them."""
        if self.process is None or not self.alive():
            return
        try:
            os.kill(self.pid, signal.SIGSTOP)
        except ProcessLookupError:
            pass
        children = proc_children(self.pid)
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.exited.wait(10)
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap_orphans(children)

    def close(self, keep):
        self.kill()
        if self in LIVE_DAEMONS:
            LIVE_DAEMONS.remove(self)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def reap_orphans(pids):
    """Children left by a daemon that died became ours (subreaper); wait (5 s at most) for the ones we know of."""
    deadline = time.monotonic() + 5
    pending = set(pids)
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                # Not our child: still the daemon's (it reaps it) or reparented elsewhere; gone once /proc says so.
                done = pid if not os.path.exists(f"/proc/{pid}") else 0
            if done:
                pending.discard(pid)
        if pending:
            time.sleep(0.01)


# --------------------------------------------------------------------------------------------------------------
# Configs


def supervisord_section(workdir, minfds):
    return (
        "[supervisord]\n"
        f"logfile={workdir}/supervisord.log\n"
        "logfile_maxbytes=0\n"
        f"pidfile={workdir}/supervisord.pid\n"
        f"childlogdir={workdir}/childlogs\n"
        "loglevel=info\n"
        "nodaemon=true\n"
        f"minfds={minfds}\n"
    )


def program_section(name, command, **options):
    lines = [f"[program:{name}]", f"command={command}"]
    lines += [f"{key}={value}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def tool(name):
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"this benchmark needs `{name}` on PATH")
    return path


CHATTY_PERL = r"""
use Time::HiRes qw(time sleep);
$| = 1;
my ($name, $period) = @ARGV;
my $next = time;
my $n = 0;
while (1) {
    $n++;
    print "$name line $n: the quick brown fox jumps over the lazy dog\n";
    $next += $period;
    my $delay = $next - time;
    if ($delay > 0) { sleep($delay) } else { $next = time }
}
"""

CHATTY_PYTHON = r"""
import sys, time
name, period = sys.argv[1], float(sys.argv[2])
next_time = time.monotonic()
n = 0
while True:
    n += 1
    sys.stdout.write(f"{name} line {n}: the quick brown fox jumps over the lazy dog\n")
    sys.stdout.flush()
    next_time += period
    delay = next_time - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    else:
        next_time = time.monotonic()
"""


def chatty_command(workdir, name, period):
    perl = shutil.which("perl")
    if perl:
        script = workdir / "chatty.pl"
        script.write_text(CHATTY_PERL)
        return f"{perl} {script} {name} {period}"
    script = workdir / "chatty.py"
    script.write_text(CHATTY_PYTHON)
    return f"{sys.executable} -u {script} {name} {period}"


# --------------------------------------------------------------------------------------------------------------
# The measurements. Each takes (context, daemon factory) and returns {metric: value} for one run.


class Context:
    def __init__(self, args, binaries):
        self.args = args
        self.binaries = binaries
        self.sleep = tool("sleep")
        self.sh = tool("sh")
        self.dd = tool("dd")
        self.date = tool("date")

    def daemon(self, implementation, config_body, minfds=1024):
        workdir = Path(tempfile.mkdtemp(prefix=f"supervisor-bench-{implementation}-"))
        (workdir / "childlogs").mkdir()
        (workdir / "logs").mkdir()
        body = config_body(workdir)
        config = supervisord_section(workdir, minfds) + body
        return Daemon(implementation, self.binaries[implementation], workdir, config)


def run_with(context, implementation, config_body, minfds, body):
    daemon = context.daemon(implementation, config_body, minfds)
    try:
        daemon.start()
        return body(daemon)
    finally:
        daemon.close(context.args.keep)


def measure_startup(context, implementation, startsecs, idle):
    """Measurements 1-3: N programs to RUNNING, RSS after settle, and (when `idle`) the idle window."""
    count = context.args.programs
    sleep = context.sleep

    def config(workdir):
        return "".join(
            program_section(f"p{index:04d}", f"{sleep} 100000", startsecs=startsecs)
            for index in range(count)
        )

    def body(daemon):
        result = {}
        _, last = daemon.wait_for_count("success: ", count, timeout=60 + count * 0.2)
        result[f"start{startsecs}"] = last.stamp - daemon.started_at
        if startsecs == 0:
            # Where the time went: reading the config, creating the groups (AUTO log files), the spawn pass.
            lines = daemon.log.lines
            started = next((line for line in lines if line.message.startswith("supervisord started")), None)
            spawned = [line for line in lines if line.message.startswith("spawned: ")]
            result["phase_first_line"] = lines[0].stamp - daemon.started_at
            if started is not None:
                result["phase_started"] = started.stamp - daemon.started_at
            if spawned:
                result["phase_first_spawn"] = spawned[0].stamp - daemon.started_at
                result["phase_last_spawn"] = spawned[-1].stamp - daemon.started_at
        time.sleep(context.args.settle)
        result[f"rss{startsecs}"] = proc_rss_kib(daemon.pid) / 1024
        if idle:
            result.update(idle_window(daemon, context.args.idle_seconds))
        daemon.stop(timeout=context.args.stop_timeout)
        return result

    # Per child: stdin, stdout and stderr pipe ends plus two AUTO log files, with room to spare.
    return run_with(context, implementation, config, max(1024, count * 6 + 256), body)


def idle_window(daemon, seconds):
    """CPU and context switches of the daemon while nothing happens. Threads are sampled every half second so a
    thread that appears mid-window is counted from zero (a thread that exits loses its last half second)."""
    daemon.log.poll()
    lines_before = len(daemon.log.lines)
    first = proc_context_switches(daemon.pid)
    last = dict(first)
    cpu_before = proc_cpu_seconds(daemon.pid)
    precise_before = proc_cpu_precise(daemon.pid)
    start = time.monotonic()
    end = start + seconds
    while True:
        now = time.monotonic()
        if now >= end:
            break
        time.sleep(min(0.5, end - now))
        for tid, switches in proc_context_switches(daemon.pid).items():
            last[tid] = switches
    cpu_after = proc_cpu_seconds(daemon.pid)
    precise_after = proc_cpu_precise(daemon.pid)
    elapsed = time.monotonic() - start
    daemon.log.poll()
    switches = sum(count - first.get(tid, 0) for tid, count in last.items())
    return {
        "idle_cpu": (cpu_after - cpu_before) / elapsed * seconds,  # CPU seconds over exactly `seconds`
        "idle_cpu_precise": (precise_after - precise_before) / elapsed * seconds,
        "idle_wakeups": switches / elapsed * seconds,
        "idle_threads": len(last),
        "idle_log_lines": len(daemon.log.lines) - lines_before,
    }


def measure_chatty(context, implementation):
    """Measurement 4: daemon CPU while 50 children each print a line every 10 ms."""
    count = context.args.chatty_programs

    def config(workdir):
        return "".join(
            program_section(
                f"chatty{index:02d}",
                chatty_command(workdir, f"chatty{index:02d}", 0.01),
                startsecs=0,
                redirect_stderr="true",
                stdout_logfile=f"{workdir}/logs/chatty{index:02d}.log",
                stdout_logfile_maxbytes=0,
            )
            for index in range(count)
        )

    def body(daemon):
        daemon.wait_for_count("success: ", count, timeout=60)
        time.sleep(1)
        logs = [daemon.dir / "logs" / f"chatty{index:02d}.log" for index in range(count)]
        bytes_before = sum(path.stat().st_size for path in logs)
        cpu_before = proc_cpu_precise(daemon.pid)
        start = time.monotonic()
        time.sleep(context.args.chatty_seconds)
        cpu_after = proc_cpu_precise(daemon.pid)
        elapsed = time.monotonic() - start
        bytes_after = sum(path.stat().st_size for path in logs)
        daemon.stop(timeout=context.args.stop_timeout)
        lines = (bytes_after - bytes_before) / 62  # the lines are about 62 bytes
        return {
            "chatty_cpu": (cpu_after - cpu_before) / elapsed * context.args.chatty_seconds,
            "chatty_lines_per_s": lines / elapsed,
        }

    return run_with(context, implementation, config, 1024, body)


def measure_capture(context, implementation):
    """Measurement 5: one child writes `capture_mib` MiB flat out (dd from /dev/zero, 64 KiB writes) into a
    stdout_logfile with maxbytes=0. Throughput from the moment the child starts dd (it writes the time to a file
    first) to the moment the log file holds every byte; daemon CPU over the same span."""
    total = context.args.capture_mib * MIB

    def config(workdir):
        script = workdir / "writer.sh"
        script.write_text(
            "sleep 1\n"
            f"{context.date} +%s.%N > {workdir}/writer.start\n"
            f"exec {context.dd} if=/dev/zero bs=65536 count={total // 65536} status=none\n"
        )
        return program_section(
            "writer",
            f"{context.sh} {script}",
            startsecs=0,
            autorestart="false",
            redirect_stderr="true",
            stdout_logfile=f"{workdir}/logs/writer.log",
            stdout_logfile_maxbytes=0,
        )

    def body(daemon):
        daemon.wait_for_count("spawned: 'writer'", 1, timeout=30)
        # The writer sleeps a second before dd starts: the daemon's start-up CPU is behind us by now.
        cpu_before = proc_cpu_precise(daemon.pid)
        start_file = daemon.dir / "writer.start"
        log = daemon.dir / "logs" / "writer.log"
        deadline = time.monotonic() + 120
        while not (start_file.exists() and start_file.stat().st_size > 0):
            if time.monotonic() > deadline or not daemon.alive():
                raise BenchError(daemon.describe_failure("the writer never started"))
            time.sleep(0.005)
        while True:
            try:
                size = log.stat().st_size
            except FileNotFoundError:
                size = 0
            if size >= total:
                done = time.time()
                break
            if time.monotonic() > deadline or not daemon.alive():
                raise BenchError(daemon.describe_failure(f"log holds {size} of {total} bytes"))
            time.sleep(0.002)
        cpu_after = proc_cpu_precise(daemon.pid)
        started = float(start_file.read_text().strip())
        daemon.stop(timeout=context.args.stop_timeout)
        mib = total / MIB
        return {
            "capture_mib_s": mib / (done - started),
            "capture_cpu_per_mib": (cpu_after - cpu_before) / mib,
        }

    return run_with(context, implementation, config, 1024, body)


def measure_respawn(context, implementation):
    """Measurement 6: kill -9 a RUNNING child (autorestart=true, startsecs=0), time to its next `spawned:` line."""
    sleep = context.sleep

    def config(workdir):
        return program_section("victim", f"{sleep} 100000", startsecs=0, autorestart="true")

    def body(daemon):
        def spawned_pid(line):
            if line.message.startswith("spawned: 'victim' with pid "):
                return int(line.message.rsplit(" ", 1)[1])
            return None

        def is_success(line):
            return line.message.startswith("success: victim ")

        index, line = daemon.wait_for("the first spawn", lambda line: spawned_pid(line) is not None, timeout=30)
        pid = spawned_pid(line)
        index, _ = daemon.wait_for("the first success", is_success, timeout=30, since=index + 1)
        times = []
        for _ in range(context.args.kills):
            time.sleep(0.2)  # let the daemon go back to waiting
            killed_at = time.time()
            os.kill(pid, signal.SIGKILL)
            index, line = daemon.wait_for(
                "the respawn", lambda line: spawned_pid(line) not in (None, pid), timeout=30, interval=0.005,
                since=index + 1)
            times.append(max(line.stamp - killed_at, 0.0))
            pid = spawned_pid(line)
            index, _ = daemon.wait_for("the success", is_success, timeout=30, interval=0.005, since=index + 1)
        daemon.stop(timeout=context.args.stop_timeout)
        return {"respawn": times}

    return run_with(context, implementation, config, 1024, body)


def measure_shutdown(context, implementation):
    """Measurement 7: SIGTERM with 50 RUNNING programs (50 groups) until the daemon has exited."""
    count = context.args.shutdown_programs
    sleep = context.sleep

    def config(workdir):
        return "".join(
            program_section(f"g{index:02d}", f"{sleep} 100000", startsecs=0) for index in range(count)
        )

    def body(daemon):
        daemon.wait_for_count("success: ", count, timeout=60)
        time.sleep(1)
        elapsed = daemon.stop(timeout=120)
        if elapsed is None:
            raise BenchError(daemon.describe_failure("did not exit within 120 s of SIGTERM"))
        return {"shutdown": elapsed}

    return run_with(context, implementation, config, 1024, body)


# --------------------------------------------------------------------------------------------------------------
# Metrics, targets and the table


class Metric:
    def __init__(self, key, label, unit, target, digits=3):
        self.key = key
        self.label = label
        self.unit = unit
        # ("le", x): ours / ref <= x;  ("ge", x): ours / ref >= x;  ("zero", None): ours == 0 in every run;
        # None: report only.
        self.target = target
        self.digits = digits


def metrics(args):
    n = args.programs
    return [
        Metric("start0", f"{n} programs to RUNNING, startsecs=0", "s", ("le", 1 / 5)),
        Metric("phase_first_line", "  of which: first main-log line", "s", None),
        Metric("phase_started", "  of which: `supervisord started`", "s", None),
        Metric("phase_first_spawn", "  of which: first `spawned:`", "s", None),
        Metric("phase_last_spawn", f"  of which: {n}th `spawned:`", "s", None),
        Metric("start1", f"{n} programs to RUNNING, startsecs=1", "s", ("le", 1 / 5)),
        Metric("rss0", f"RSS after settle, {n} programs (startsecs=0)", "MiB", ("le", 1 / 5), 1),
        Metric("rss1", f"RSS after settle, {n} programs (startsecs=1)", "MiB", ("le", 1 / 5), 1),
        Metric("idle_cpu", f"idle CPU over {args.idle_seconds:g} s, {n} children (utime+stime)", "s", None),
        Metric("idle_cpu_precise", "  the same from schedstat", "ms", None, 2),
        Metric("idle_wakeups", f"context switches over {args.idle_seconds:g} s idle (all threads)", "", ("zero", None), 0),
        Metric("idle_threads", "threads of the daemon", "", None, 0),
        Metric("idle_log_lines", "main log lines during the idle window", "", None, 0),
        Metric("chatty_cpu", f"CPU over {args.chatty_seconds:g} s, {args.chatty_programs} chatty children", "s", ("le", 1 / 5)),
        Metric("chatty_lines_per_s", "  lines/s reaching the child logs", "", None, 0),
        Metric("capture_mib_s", f"log capture, {args.capture_mib} MiB, maxbytes=0", "MiB/s", ("ge", 1.5), 1),
        Metric("capture_cpu_per_mib", "  daemon CPU per MiB captured", "ms", ("le", 1 / 2), 3),
        Metric("respawn", f"kill -9 to next spawned: ({args.kills} kills per run)", "ms", ("le", 1 / 50), 2),
        Metric("shutdown", f"SIGTERM to exit, {args.shutdown_programs} programs in {args.shutdown_programs} groups", "s", ("le", 1 / 20)),
    ]


# Values are stored in seconds / MiB / seconds-per-MiB; these metrics are shown scaled.
DISPLAY_SCALE = {"respawn": 1000, "capture_cpu_per_mib": 1000, "idle_cpu_precise": 1000}


def format_value(metric, value):
    if value is None:
        return "n/a"
    value *= DISPLAY_SCALE.get(metric.key, 1)
    return f"{value:.{metric.digits}f}"


def verdict(metric, ours, reference, ours_values):
    if metric.target is None or ours is None:
        return "", ""
    kind, bound = metric.target
    if kind == "zero":
        return "0", "yes" if max(ours_values) == 0 else "NO"
    if reference is None:
        return "", ""
    if reference == 0:
        return ("<= %g x" if kind == "le" else ">= %g x") % bound, "n/a (ref 0)"
    ratio = ours / reference
    met = ratio <= bound if kind == "le" else ratio >= bound
    text = f"<= 1/{round(1 / bound)}" if kind == "le" and bound < 1 else f"{'<=' if kind == 'le' else '>='} {bound:g}x"
    return text, "yes" if met else "NO"


def print_table(args, results):
    rows = [("measurement", "unit", "ours", "reference", "ours/ref", "target", "met")]
    for metric in metrics(args):
        ours_values = results.get(metric.key, {}).get(OURS, [])
        reference_values = results.get(metric.key, {}).get(REFERENCE, [])
        if not ours_values and not reference_values:
            continue
        ours = statistics.median(ours_values) if ours_values else None
        reference = statistics.median(reference_values) if reference_values else None
        ratio = f"{ours / reference:.3f}" if ours is not None and reference else ""
        target, met = verdict(metric, ours, reference, ours_values)
        ours_text = format_value(metric, ours)
        if metric.target and metric.target[0] == "zero" and ours_values:
            ours_text += f" (max {max(ours_values):.0f})"
        rows.append((metric.label, metric.unit, ours_text, format_value(metric, reference), ratio, target, met))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:5], widths[2:5])]
        cells += [row[5].ljust(widths[5]), row[6]]
        print("  ".join(cells).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def machine_summary(args, binaries):
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    except OSError:
        model = "?"
    try:
        revision = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                  capture_output=True, text=True).stdout.strip()
    except OSError:
        revision = "?"
    return [
        f"date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"machine: nproc={os.cpu_count()} ({len(os.sched_getaffinity(0))} usable), {model}, "
        f"kernel {platform.release()}, python {platform.python_version()}",
        f"ours: {binaries[OURS]} (git {revision})",
        f"reference: {binaries[REFERENCE]} (Supervisor {REFERENCE_VERSION})",
        f"mode: {'quick' if args.quick else 'full'}, {args.reps} repetitions per measurement, alternating order",
    ]


# --------------------------------------------------------------------------------------------------------------
# Main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ours", type=Path, help="our supervisord binary (default: cargo build --release)")
    parser.add_argument("--reference", type=Path,
                        help="the reference supervisord (default: target/ref-venv, created on first use)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and smaller N (a few minutes)")
    parser.add_argument("--reps", type=int, help="repetitions of each measurement per implementation")
    parser.add_argument("--only", default="1,2,3,4,5,6,7",
                        help="comma-separated measurement numbers (2 and 3 ride on 1's runs)")
    parser.add_argument("--json", type=Path, help="also write every raw value to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs (printed as they are made)")
    args = parser.parse_args()
    quick = args.quick
    args.reps = args.reps or (2 if quick else 5)
    args.programs = 200 if quick else 500
    args.idle_seconds = 10.0 if quick else 20.0
    args.chatty_programs = 50
    args.chatty_seconds = 5.0 if quick else 10.0
    args.capture_mib = 200
    # Capture runs are short and the noisiest (page cache, the other core's load): twice as many.
    args.capture_reps = args.reps * 2
    args.kills = 10 if quick else 20
    # The reference needs about 2 s per kill (1 s to respawn, 1 s more to report success), so fewer daemon runs.
    args.respawn_reps = 1 if quick else 2
    args.shutdown_programs = 50
    args.settle = 2.0 if quick else 3.0
    args.stop_timeout = 60.0
    args.only = {int(part) for part in args.only.split(",") if part.strip()}
    return args


def main():
    args = parse_args()
    if not sys.platform.startswith("linux"):
        raise SystemExit("this benchmark reads /proc and runs on Linux only")
    binaries = {
        OURS: (args.ours or build_ours()).resolve(),
        REFERENCE: (args.reference or ensure_reference()).absolute(),
    }
    for implementation, binary in binaries.items():
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{implementation} supervisord not found or not executable: {binary}")
    if not become_subreaper():
        print("warning: cannot become a child subreaper; children of a killed daemon are left to PID 1")
    context = Context(args, binaries)
    summary = machine_summary(args, binaries)
    for line in summary:
        print(line)
    print(flush=True)

    plan = []
    if args.only & {1, 2, 3}:
        plan.append(("1-3 startsecs=0", lambda impl: measure_startup(context, impl, 0, idle=False)))
        plan.append(("1-3 startsecs=1", lambda impl: measure_startup(context, impl, 1, idle=bool(args.only & {3}))))
    if 4 in args.only:
        plan.append(("4 chatty", lambda impl: measure_chatty(context, impl)))
    if 5 in args.only:
        plan.append(("5 capture", lambda impl: measure_capture(context, impl)))
    if 6 in args.only:
        plan.append(("6 respawn", lambda impl: measure_respawn(context, impl)))
    if 7 in args.only:
        plan.append(("7 shutdown", lambda impl: measure_shutdown(context, impl)))

    results = {}
    failures = []
    loads = []  # the 1-minute load average as each run starts: other work on the machine skews everything
    began = time.monotonic()
    try:
        for name, measure in plan:
            reps = {"5": args.capture_reps, "6": args.respawn_reps}.get(name[0], args.reps)
            for rep in range(reps):
                order = [OURS, REFERENCE] if rep % 2 == 0 else [REFERENCE, OURS]
                for implementation in order:
                    run_began = time.monotonic()
                    load = os.getloadavg()[0]
                    loads.append(load)
                    try:
                        values = measure(implementation)
                    except BenchError as error:
                        failures.append(f"[{name}, rep {rep + 1}] {error}")
                        print(f"  {name} rep {rep + 1} {implementation}: FAILED (see the end)", flush=True)
                        continue
                    for key, value in values.items():
                        bucket = results.setdefault(key, {}).setdefault(implementation, [])
                        bucket.extend(value if isinstance(value, list) else [value])
                    shown = ", ".join(
                        f"{key}={statistics.median(value) if isinstance(value, list) else value:.4g}"
                        for key, value in values.items()
                    )
                    print(f"  {name} rep {rep + 1} {implementation:9s} ({time.monotonic() - run_began:5.1f} s, "
                          f"load {load:.2f}): {shown}", flush=True)
                    time.sleep(0.5)
    except KeyboardInterrupt:
        print("\ninterrupted; results so far:")
    finally:
        for daemon in list(LIVE_DAEMONS):
            daemon.close(args.keep)

    print()
    load_text = f"; 1-min load average at run starts: median {statistics.median(loads):.2f}, max {max(loads):.2f}" \
        if loads else ""
    print(f"medians ({time.monotonic() - began:.0f} s of measuring{load_text}):")
    print_table(args, results)
    if failures:
        print("\nfailures:")
        for failure in failures:
            print(failure)
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "results": results, "loads": loads, "failures": failures}, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
