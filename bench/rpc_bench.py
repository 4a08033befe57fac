"""Benchmark of supervisord's XML-RPC API: supervisor-rs against Supervisor 4.3.0, side by side.

Run by hand (not in CI) with the reference venv's python, from the crate's directory, after `cargo build --release`:

    target/ref-venv/bin/python bench/rpc_bench.py
    target/ref-venv/bin/python bench/rpc_bench.py --sizes 500 --calls 10 --seconds 2 --clients 3

For each size (500 and 1000 by default), both daemons are started at once, each in its own temporary directory, on
the same config: that many `[program:x]` sections running `/bin/sleep`, startsecs=0, started from the config. Once
every process is RUNNING in both, each is measured in turn while the other idles:

- getAllProcessInfo latency: the median of `--calls` calls, over one kept-alive connection on the unix socket. The
  request is sent as raw bytes and the response read whole but not parsed, so that the client's XML parsing does
  not count (one response per daemon is parsed, to check it lists every process);
- getState throughput: calls per second over `--seconds`, from `--clients` client processes (processes, not
  threads: Python threads share one interpreter lock and the client would be what is measured), each with its own
  kept-alive connection sending raw requests.

Then it prints the numbers and the ratios against the targets: ours' getAllProcessInfo latency at most 1/30 of the
reference's, ours' getState throughput at least 10 times the reference's. The daemons are killed at the end (with
their children): an orderly shutdown of the reference would take a second per group.

Only the Python standard library and the reference venv (for the reference supervisord) are used.
"""

import argparse
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(HERE)

GET_STATE = xmlrpc.client.dumps((), "supervisor.getState").encode()
GET_ALL_PROCESS_INFO = xmlrpc.client.dumps((), "supervisor.getAllProcessInfo").encode()


def request_bytes(body):
    return (
        b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
        % len(body)
        + body
    )


class Connection:
    """One kept-alive HTTP/1.1 connection to a unix socket, speaking just enough HTTP for XML-RPC answers."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buffer = b""

    def request(self, raw):
        """Sends a prepared request; returns the response body (bytes)."""
        self.sock.sendall(raw)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status = head.split(b" ", 2)[1]
        if status != b"200":
            raise RuntimeError("HTTP %s" % status.decode())
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise RuntimeError("no Content-Length")
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return body

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise RuntimeError("connection closed")
        self.buffer += data

    def close(self):
        self.sock.close()


def config_text(directory, size):
    lines = [
        "[supervisord]",
        "logfile=%s/supervisord.log" % directory,
        "pidfile=%s/supervisord.pid" % directory,
        "childlogdir=%s" % directory,
        "loglevel=info",
        # Three pipes and two log files per process.
        "minfds=%d" % (size * 6 + 100),
        "minprocs=%d" % (size + 100),
        "",
        "[unix_http_server]",
        "file=%s/supervisor.sock" % directory,
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
    ]
    for number in range(size):
        lines += [
            "[program:sleep_%04d]" % number,
            "command=/bin/sleep 100000",
            "startsecs=0",
            "",
        ]
    return "\n".join(lines)


class Daemon:
    def __init__(self, label, binary, size):
        self.label = label
        self.directory = tempfile.mkdtemp(prefix="rpc-bench-%s-" % label)
        self.socket = os.path.join(self.directory, "supervisor.sock")
        config = os.path.join(self.directory, "supervisord.conf")
        with open(config, "w") as handle:
            handle.write(config_text(self.directory, size))
        self.process = subprocess.Popen(
            [binary, "-n", "-c", config],
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.children = []

    def proxy_call(self, raw):
        connection = Connection(self.socket)
        try:
            return xmlrpc.client.loads(connection.request(raw))[0][0]
        finally:
            connection.close()

    def wait_running(self, size, deadline):
        while time.monotonic() < deadline:
            try:
                infos = self.proxy_call(request_bytes(GET_ALL_PROCESS_INFO))
                running = [info for info in infos if info["statename"] == "RUNNING"]
                if len(infos) == size and len(running) == size:
                    self.children = [info["pid"] for info in infos]
                    return
            except (OSError, RuntimeError, xmlrpc.client.Error):
                pass
            time.sleep(0.2)
        raise SystemExit("%s: not every process RUNNING in time" % self.label)

    def kill(self):
        """SIGKILL for the daemon and each of its children (by pid: the ones it reported, and any other whose parent
        it is)."""
        children = set(self.children) | set(children_of(self.process.pid))
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.directory, ignore_errors=True)


def children_of(parent):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            pids.append(int(entry))
    return pids


def all_process_info_latency(daemon, calls):
    """Median seconds of getAllProcessInfo over one kept-alive connection (3 warm-up calls first)."""
    raw = request_bytes(GET_ALL_PROCESS_INFO)
    connection = Connection(daemon.socket)
    try:
        for _ in range(3):
            connection.request(raw)
        times = []
        for _ in range(calls):
            begun = time.perf_counter()
            connection.request(raw)
            times.append(time.perf_counter() - begun)
    finally:
        connection.close()
    return statistics.median(times)


def get_state_client(path, start_at, seconds, results):
    connection = Connection(path)
    raw = request_bytes(GET_STATE)
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + seconds
    count = 0
    while time.time() < end:
        body = connection.request(raw)
        if b"RUNNING" not in body:
            raise RuntimeError("unexpected getState answer: %r" % body[:200])
        count += 1
    connection.close()
    results.put(count)


def get_state_throughput(daemon, clients, seconds):
    """getState calls per second over `seconds`, from `clients` processes."""
    results = multiprocessing.Queue()
    start_at = time.time() + 0.5
    workers = [
        multiprocessing.Process(target=get_state_client, args=(daemon.socket, start_at, seconds, results))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    total = sum(results.get(timeout=seconds + 30) for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def bench_size(size, ours_binary, reference_binary, options):
    print("== %d processes" % size, flush=True)
    ours = Daemon("ours", ours_binary, size)
    reference = Daemon("reference", reference_binary, size)
    try:
        begun = time.monotonic()
        deadline = begun + options.startup_timeout
        ours.wait_running(size, deadline)
        ours_started = time.monotonic() - begun
        reference.wait_running(size, deadline)
        reference_started = time.monotonic() - begun
        print(
            "   every process RUNNING after: ours %.2f s, reference %.2f s (started together)"
            % (ours_started, reference_started)
        )
        for daemon in (ours, reference):
            infos = daemon.proxy_call(request_bytes(GET_ALL_PROCESS_INFO))
            assert len(infos) == size, (daemon.label, len(infos))
        latency = {
            "ours": all_process_info_latency(ours, options.calls),
            "reference": all_process_info_latency(reference, options.calls),
        }
        throughput = {
            "ours": get_state_throughput(ours, options.clients, options.seconds),
            "reference": get_state_throughput(reference, options.clients, options.seconds),
        }
    finally:
        ours.kill()
        reference.kill()
    latency_ratio = latency["reference"] / latency["ours"]
    throughput_ratio = throughput["ours"] / throughput["reference"]
    print(
        "   getAllProcessInfo median of %d: ours %.2f ms, reference %.2f ms -> ours takes 1/%.1f of the "
        "reference's time (target: 1/30 or less) %s"
        % (
            options.calls,
            latency["ours"] * 1000,
            latency["reference"] * 1000,
            latency_ratio,
            "MET" if latency_ratio >= 30 else "MISSED",
        )
    )
    print(
        "   getState throughput, %d clients over %.1f s: ours %.0f calls/s, reference %.0f calls/s -> %.1fx "
        "(target: 10x or more) %s"
        % (
            options.clients,
            options.seconds,
            throughput["ours"],
            throughput["reference"],
            throughput_ratio,
            "MET" if throughput_ratio >= 10 else "MISSED",
        ),
        flush=True,
    )
    return latency_ratio >= 30 and throughput_ratio >= 10


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ours", default=os.path.join(CRATE, "target", "release", "supervisord"))
    parser.add_argument(
        "--reference", default=os.path.join(CRATE, "target", "ref-venv", "bin", "supervisord")
    )
    parser.add_argument("--sizes", default="500,1000", help="comma-separated process counts")
    parser.add_argument("--calls", type=int, default=20, help="getAllProcessInfo calls per daemon")
    parser.add_argument("--seconds", type=float, default=3.0, help="getState measuring time per daemon")
    parser.add_argument("--clients", type=int, default=4, help="getState client processes")
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    options = parser.parse_args()
    # The daemons run in their temporary directories.
    options.ours = os.path.abspath(options.ours)
    options.reference = os.path.abspath(options.reference)
    for binary in (options.ours, options.reference):
        if not os.access(binary, os.X_OK):
            raise SystemExit("not found: %s (build with `cargo build --release`; run the tests once for the venv)"
                             % binary)
    met = all(
        [bench_size(int(size), options.ours, options.reference, options) for size in options.sizes.split(",")]
    )
    print("all targets met" if met else "some targets missed")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
