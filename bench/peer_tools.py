"""Servers and load tools of the peer benchmark: start/stop, wrk, timed downloads."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


class BenchError(RuntimeError):
    """A scenario or a server did not behave: the run stops, loudly."""


@dataclass
class Server:
    """A server process this benchmark started (its own session, so stopping it stops
    its workers too), logging to `log`."""

    name: str
    base: str  # http://127.0.0.1:PORT
    command: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def start(self) -> Server:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            start_new_session=True,
        )
        return self

    def wait_ready(self, path: str, timeout: float = 300.0) -> None:
        """Poll `path` until it answers 200; raises BenchError if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BenchError(f"{self.name} exited ({self.process.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=10) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise BenchError(f"{self.name} not ready after {timeout:.0f}s; see {self.log}")

    def rss_mb(self) -> float:
        """Resident memory of the server and its worker processes, in MB (Linux /proc)."""
        if self.process is None:
            return 0.0
        pending, total = [self.process.pid], 0
        while pending:
            pid = pending.pop()
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                for task in Path(f"/proc/{pid}/task").iterdir():
                    pending += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            total += next(int(line.split()[1]) for line in status.splitlines()
                          if line.startswith("VmRSS:"))  # fmt: skip
        return round(total / 1024, 1)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # our own session: our server only
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def get(url: str, timeout: float = 120.0) -> tuple[int, bytes]:
    """Status and body of a GET; a 4xx/5xx is returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_json(url: str) -> dict:
    """The JSON body of a GET that must answer 200; BenchError otherwise."""
    status, body = get(url)
    if status != 200:
        raise BenchError(f"GET {url} answered {status}: {body[:300]!r}")
    return json.loads(body)


def ensure_tool(binary: str, package: str | None = None) -> str:
    """The path of `binary`, installing its Debian package when missing (root or sudo)."""
    found = shutil.which(binary)
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    install = [*sudo, "apt-get", "install", "-y", package or binary]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update"], check=True)
        subprocess.run(install, check=True)
    return shutil.which(binary) or binary


def ensure_wrk() -> str:
    return ensure_tool("wrk")


_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_REQUESTS = re.compile(r"(\d+) requests in")
_PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, seconds: float, threads: int, connections: int, *, warmup: bool = False) -> dict:
    """One wrk run against `url`; see parse_wrk for the result and the errors raised.

    A warm-up may end before any answer arrives (a slow scenario on a busy machine); its
    errors still count.
    """
    command = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "--latency",
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if warmup and (total := _REQUESTS.search(out)) and int(total.group(1)) == 0:
        return {"req_s": 0.0, "requests": 0, "p50_ms": 0.0, "p99_ms": 0.0}
    return parse_wrk(out, url)


def parse_wrk(out: str, url: str) -> dict:
    """{req_s, requests, p50_ms, p99_ms} of wrk's report (`--latency`).

    Raises BenchError when wrk made no request, got any non-2xx/3xx answer or any socket
    error (connect, read, write, timeout): a rate of errors is not a result.
    """
    rate, total = _RATE.search(out), _REQUESTS.search(out)
    if rate is None or total is None or int(total.group(1)) == 0:
        raise BenchError(f"wrk made no request to {url}:\n{out}")
    if (bad := _NON_2XX.search(out)) and int(bad.group(1)):
        raise BenchError(f"{bad.group(1)} non-2xx answers from {url}")
    if (errors := _ERRORS.search(out)) and any(int(n) for n in errors.groups()):
        raise BenchError(f"socket errors from {url}: {errors.group(0)}")
    percentiles = {p: float(v) * _UNIT[u] for p, v, u in _PERCENTILE.findall(out)}
    return {
        "req_s": float(rate.group(1)),
        "requests": int(total.group(1)),
        "p50_ms": round(percentiles.get("50", 0.0), 1),
        "p99_ms": round(percentiles.get("99", 0.0), 1),
    }


def timed_download(url: str, target: Path | None = None) -> tuple[float, int]:
    """Seconds (curl's time_total) and bytes of one whole download, to `target` or dropped.

    Raises BenchError unless it answers 200.
    """
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "-o",
            str(target or "/dev/null"),
            "-w",
            "%{http_code} %{size_download} %{time_total}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    code, size, seconds = out.split()
    if code != "200":
        raise BenchError(f"GET {url} answered {code}")
    return float(seconds), int(size)


def timed(command: list[str], stdout: Path) -> float:
    """Wall seconds of a command writing to `stdout`; raises CalledProcessError on failure."""
    started = time.perf_counter()
    with stdout.open("wb") as handle:
        subprocess.run(command, stdout=handle, check=True)
    return time.perf_counter() - started
