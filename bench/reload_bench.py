"""Reload benchmark: our supervisord against Supervisor 4.3.0, side by side, with 500 running programs.

Run by hand from the crate's root, with the reference venv's Python (it has Supervisor's XML-RPC transport):

    cargo build --release --bin supervisord
    cargo test --test integration reference_venv      # makes target/ref-venv on first use
    target/ref-venv/bin/python bench/reload_bench.py

Both daemons start in their own temporary directories on the same config: N programs (default 500), each its own
group, `command=/bin/sleep ...`, `startsecs=0`. Then, for each daemon, one program's command is changed in the
config and the time is taken from the edit until that program is RUNNING again (the `success: NAME entered RUNNING
state` line in the main log; its timestamp, not the moment this script noticed it), and the pids of every other
process are compared before and after:

- ours, SIGHUP (the minimal plan);
- ours, `supervisor_rs.applyUpdate([])` over XML-RPC (the call returns once the plan is applied);
- ours, the reference's `supervisorctl update` (reloadConfig, then the client stops, removes and re-adds the group);
- the reference, `supervisorctl update` (its way: the one changed group is stopped, removed and added again);
- the reference, the same XML-RPC calls made in-process, without supervisorctl's Python start-up.

Each is measured `--rounds` times (default 5), each time on another program, and the medians are compared: the
reference looks at its timers once a second unless something wakes its loop, so a single sample of it can land
anywhere from about 150 ms to over a second (an in-process client that keeps its connection open never wakes it,
and waits for the tick).

Then SIGHUP with nothing changed: for ours, the time until the main log's `SIGHUP: config reread; plan:` line (and
the round trip of applyUpdate with nothing to do), and no process may restart; for the reference, which restarts
everything on SIGHUP, the time until all N are RUNNING again.

The detectors only read the main logs, never ask the daemons while a measurement runs (an XML-RPC request would
wake the reference's loop, which otherwise looks at its timers once a second, and flatter it). Only processes this
script started are ended, by pid.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

try:
    from supervisor.xmlrpc import SupervisorTransport
except ImportError:
    sys.exit("run this with the reference venv's Python: target/ref-venv/bin/python bench/reload_bench.py")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) (\w+) (.*)$")
SLEEP = 100000
TARGET_RATIO = 5.0
NO_CHANGE_LIMIT = 0.050


def log_time(stamp, millis):
    return time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S")) + int(millis) / 1000.0


class MainLog:
    """Reads a main log as it grows: (timestamp, message) for each line that starts an entry."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = ""
        self.entries = []

    def poll(self):
        try:
            with open(self.path, encoding="utf-8", errors="replace") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
                self.offset = handle.tell()
        except FileNotFoundError:
            return
        text = self.partial + chunk
        lines = text.split("\n")
        self.partial = lines.pop()
        for line in lines:
            match = LINE.match(line)
            if match:
                self.entries.append((log_time(match.group(1), match.group(2)), match.group(4)))

    def mark(self):
        self.poll()
        return len(self.entries)

    def since(self, mark):
        self.poll()
        return self.entries[mark:]

    def wait(self, mark, predicate, what, timeout):
        """Polls until some entry after `mark` satisfies `predicate`; returns it."""
        deadline = time.time() + timeout
        while True:
            for entry in self.since(mark):
                if predicate(entry[1]):
                    return entry
            if time.time() > deadline:
                raise TimeoutError("%s: no %s within %ss" % (self.path, what, timeout))
            time.sleep(0.002)

    def wait_count(self, mark, predicate, count, what, timeout, progress=None):
        """Polls until `count` entries after `mark` satisfy `predicate`; returns the last of them."""
        deadline = time.time() + timeout
        reported = time.time()
        while True:
            matching = [entry for entry in self.since(mark) if predicate(entry[1])]
            if len(matching) >= count:
                return matching[count - 1]
            if time.time() > deadline:
                raise TimeoutError("%s: %d of %d %s within %ss" % (self.path, len(matching), count, what, timeout))
            if progress and time.time() - reported > 30:
                reported = time.time()
                progress("  ... %d of %d %s" % (len(matching), count, what))
            time.sleep(0.01)


def program(name, seconds):
    return "[program:%s]\ncommand=/bin/sleep %d\nstartsecs=0\n" % (name, seconds)


class Supervisord:
    """One supervisord in its own temporary directory, in the foreground, on a config this script writes."""

    def __init__(self, label, binary, programs, ours):
        self.label = label
        self.binary = os.path.abspath(binary)
        self.ours = ours
        self.dir = tempfile.mkdtemp(prefix="reload-bench-%s-" % label)
        for sub in ("etc", "log"):
            os.mkdir(os.path.join(self.dir, sub))
        self.config = os.path.join(self.dir, "etc", "supervisord.conf")
        self.socket = os.path.join(self.dir, "supervisor.sock")
        self.names = ["p%03d" % index for index in range(programs)]
        self.commands = {name: SLEEP for name in self.names}
        self.log = MainLog(os.path.join(self.dir, "log", "supervisord.log"))
        self.process = None

    def write_config(self):
        head = (
            "[supervisord]\nlogfile={d}/log/supervisord.log\npidfile={d}/supervisord.pid\nchildlogdir={d}/log\n"
            "nodaemon=true\nloglevel=info\nminfds=8192\n"
            # Ours watches the config by default; the edits here are applied by SIGHUP or RPC, timed.
            "config_watch=off\n"
            "[unix_http_server]\nfile={s}\n[supervisorctl]\nserverurl=unix://{s}\n"
            "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        ).format(d=self.dir, s=self.socket)
        body = "".join(program(name, self.commands[name]) for name in self.names)
        temporary = self.config + ".new"
        with open(temporary, "w") as handle:
            handle.write(head + body)
        os.rename(temporary, self.config)

    def start(self):
        self.write_config()
        self.process = subprocess.Popen(
            [self.binary, "-n", "-c", self.config],
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.started_at = time.time()

    def wait_started(self, timeout):
        entry = self.log.wait_count(
            0, lambda message: message.startswith("success: "), len(self.names), "processes RUNNING", timeout
        )
        return entry[0] - self.started_at

    def proxy(self):
        return xmlrpc.client.ServerProxy(
            "http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + self.socket)
        )

    def pids(self):
        return {info["name"]: info["pid"] for info in self.proxy().supervisor.getAllProcessInfo()}

    def ctl(self, *args):
        ctl = os.path.join(os.path.dirname(sys.executable), "supervisorctl")
        return subprocess.run([ctl, "-c", self.config] + list(args), capture_output=True, text=True, check=False)

    def children(self):
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(entry))
        return found

    def stop(self):
        """Ours shuts down on SIGTERM; the reference would take a while per group, so it is killed with its
        children (each is its own process group leader)."""
        if self.process is None or self.process.poll() is not None:
            return
        children = self.children()
        if self.ours:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
                return
            except subprocess.TimeoutExpired:
                pass
        self.process.kill()
        self.process.wait()
        for pid in children:
            try:
                os.kill(-pid, signal.SIGKILL)
            except OSError:
                pass


def restart_one(daemon, name, how):
    """Changes `name`'s command, asks for the update `how`, and measures. Returns a result dict."""
    before = daemon.pids()
    mark = daemon.log.mark()
    daemon.commands[name] += 1
    daemon.write_config()
    edited = time.time()
    answered = None
    if how == "sighup":
        daemon.process.send_signal(signal.SIGHUP)
    elif how == "applyUpdate":
        daemon.proxy().supervisor_rs.applyUpdate([])
        answered = time.time()
    elif how == "supervisorctl update":
        result = daemon.ctl("update")
        answered = time.time()
        if result.returncode != 0:
            raise RuntimeError("supervisorctl update: %s %s" % (result.stdout, result.stderr))
    elif how == "reloadConfig + group calls":
        # What supervisorctl update sends, from a client already running.
        supervisor = daemon.proxy().supervisor
        added, changed, removed = supervisor.reloadConfig()[0]
        for group in changed:
            supervisor.stopProcessGroup(group)
            supervisor.removeProcessGroup(group)
            supervisor.addProcessGroup(group)
        answered = time.time()
    running = daemon.log.wait(
        mark, lambda message: message.startswith("success: %s entered RUNNING" % name), "RUNNING line", 120
    )
    seen = time.time()
    after = daemon.pids()
    restarted = sorted(
        other for other in before if other != name and other in after and after[other] != before[other]
    )
    spawned = [message for _, message in daemon.log.since(mark) if message.startswith("spawned: ")]
    return {
        "daemon": daemon.label,
        "how": how,
        "program": name,
        "seconds": running[0] - edited,
        "answered": None if answered is None else answered - edited,
        "noticed": seen - edited,
        "restarted": restarted,
        "spawned": len(spawned),
    }


def no_change_ours(daemon, rounds):
    """SIGHUP and applyUpdate with nothing changed: time to the plan line (or answer); restarts must be none."""
    before = daemon.pids()
    hangups = []
    for _ in range(rounds):
        mark = daemon.log.mark()
        sent = time.time()
        daemon.process.send_signal(signal.SIGHUP)
        entry = daemon.log.wait(
            mark, lambda message: message.startswith("SIGHUP: config reread; plan:"), "plan line", 30
        )
        hangups.append(entry[0] - sent)
    answers = []
    proxy = daemon.proxy()
    for _ in range(rounds):
        sent = time.time()
        answer = proxy.supervisor_rs.applyUpdate([])
        answers.append(time.time() - sent)
        if answer["changes"]:
            raise RuntimeError("applyUpdate with nothing changed changed %r" % answer["changes"])
    after = daemon.pids()
    restarted = sorted(name for name in before if after.get(name) != before[name])
    return {"sighup": hangups, "applyUpdate": answers, "restarted": restarted}


def no_change_reference(daemon, timeout, progress):
    """SIGHUP with nothing changed: the reference restarts everything; time until all are RUNNING again."""
    mark = daemon.log.mark()
    sent = time.time()
    daemon.process.send_signal(signal.SIGHUP)
    stopped = daemon.log.wait_count(
        mark, lambda message: message.startswith("stopped: "), len(daemon.names), "processes stopped", timeout,
        progress,
    )
    last = daemon.log.wait_count(
        mark, lambda message: message.startswith("success: "), len(daemon.names), "processes RUNNING again",
        timeout, progress,
    )
    return {"all_stopped": stopped[0] - sent, "all_running": last[0] - sent}


def milliseconds(seconds):
    return "%.1f ms" % (seconds * 1000.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--programs", type=int, default=500)
    parser.add_argument("--ours", default=os.path.join(ROOT, "target", "release", "supervisord"))
    parser.add_argument("--reference", default=os.path.join(os.path.dirname(sys.executable), "supervisord"))
    parser.add_argument("--rounds", type=int, default=5, help="repetitions of each measurement")
    parser.add_argument("--reference-hup-timeout", type=float, default=1800.0)
    parser.add_argument("--skip-reference-hup", action="store_true")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories (logs)")
    options = parser.parse_args()

    def say(text):
        print(text, flush=True)

    for path in (options.ours, options.reference):
        if not os.access(path, os.X_OK):
            sys.exit("not executable: %s" % path)

    ours = Supervisord("ours", options.ours, options.programs, ours=True)
    reference = Supervisord("reference", options.reference, options.programs, ours=False)
    results = {"programs": options.programs}
    try:
        ours.start()
        reference.start()
        results["startup"] = {
            "ours": ours.wait_started(120),
            "reference": reference.wait_started(600),
        }
        say("load average at the start: %s" % " ".join("%.2f" % load for load in os.getloadavg()))
        say("%d programs RUNNING: ours after %s, the reference after %s (both started at once)" % (
            options.programs, milliseconds(results["startup"]["ours"]), milliseconds(results["startup"]["reference"])))

        names = iter(ours.names[len(ours.names) // 2:])
        runs = [
            (ours, "sighup"),
            (ours, "applyUpdate"),
            (ours, "supervisorctl update"),
            (reference, "supervisorctl update"),
            (reference, "reloadConfig + group calls"),
        ]
        # The reference looks at its timers once a second unless something wakes its loop, so one sample can land
        # anywhere between a few hundred milliseconds and a couple of seconds: each way is measured several times,
        # each time on another program, and the medians are compared.
        changes = {}
        say("\nOne program's command changed: edit -> that program RUNNING again (%d rounds each)" % options.rounds)
        for daemon, how in runs:
            samples = [restart_one(daemon, next(names), how) for _ in range(options.rounds)]
            seconds = [sample["seconds"] for sample in samples]
            restarted = sorted({other for sample in samples for other in sample["restarted"]})
            answered = [sample["answered"] for sample in samples if sample["answered"] is not None]
            changes["%s: %s" % (daemon.label, how)] = {
                "samples": samples,
                "median": statistics.median(seconds),
                "min": min(seconds),
                "max": max(seconds),
                "others_restarted": restarted,
            }
            say("  %-9s %-27s median %9s  (min %s, max %s)   others restarted: %d%s" % (
                daemon.label, how, milliseconds(statistics.median(seconds)), milliseconds(min(seconds)),
                milliseconds(max(seconds)), len(restarted),
                "" if not answered else "   (answered after %s, median)" % milliseconds(statistics.median(answered))))
        results["one_changed"] = changes

        ours_hup = changes["ours: sighup"]["median"]
        ratio_ctl = changes["reference: supervisorctl update"]["median"] / ours_hup
        ratio_rpc = changes["reference: reloadConfig + group calls"]["median"] / ours_hup
        clean = all(not change["others_restarted"] for change in changes.values())
        results["ratio_reference_update_over_ours_sighup"] = ratio_ctl
        results["ratio_reference_rpc_over_ours_sighup"] = ratio_rpc
        say("  the reference's `supervisorctl update` / ours by SIGHUP (medians): %.1fx (target >= %.0fx): %s" % (
            ratio_ctl, TARGET_RATIO,
            "met" if ratio_ctl >= TARGET_RATIO and not changes["ours: sighup"]["others_restarted"] else "NOT met"))
        say("  the reference's in-process calls / ours by SIGHUP (medians): %.1fx" % ratio_rpc)
        say("  no other process restarted anywhere: %s" % ("yes" if clean else "NO"))

        say("\nSIGHUP with nothing changed (ours, %d rounds)" % options.rounds)
        quiet = no_change_ours(ours, options.rounds)
        results["no_change_ours"] = quiet
        worst = max(quiet["sighup"])
        say("  SIGHUP -> plan line: median %s, max %s (limit %s): %s" % (
            milliseconds(statistics.median(quiet["sighup"])), milliseconds(worst), milliseconds(NO_CHANGE_LIMIT),
            "met" if worst < NO_CHANGE_LIMIT else "NOT met"))
        say("  applyUpdate round trip: median %s, max %s" % (
            milliseconds(statistics.median(quiet["applyUpdate"])), milliseconds(max(quiet["applyUpdate"]))))
        say("  processes restarted: %d" % len(quiet["restarted"]))

        if not options.skip_reference_hup:
            say("\nSIGHUP with nothing changed (the reference restarts all %d)" % options.programs)
            hup = no_change_reference(reference, options.reference_hup_timeout, say)
            results["no_change_reference"] = hup
            say("  all stopped after %.1f s, all RUNNING again after %.1f s" % (hup["all_stopped"], hup["all_running"]))
    finally:
        ours.stop()
        reference.stop()
    if options.json:
        with open(options.json, "w") as handle:
            json.dump(results, handle, indent=2)
    if options.keep:
        say("\ntemporary directories kept: %s, %s" % (ours.dir, reference.dir))
    else:
        shutil.rmtree(ours.dir, ignore_errors=True)
        shutil.rmtree(reference.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
