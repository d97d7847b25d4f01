"""Server memory while several clients download whole exports at once, through `qingdan serve`.

    python -m bench.stream_memory --source /work/bench-data/demo-100k
    python -m bench.stream_memory --source /work/bench-data/demo-1m --per-format

Copies the instance folder (the original is never written), serves the copy with
`qingdan serve` exactly as the README says to serve it (waitress; no other settings),
then has `--clients` clients download whole exports at the same time, reading as fast
as they can: by default client i takes format i of `--formats` (NDJSON, XML, CSV, JSON:
four different exports at once); with `--per-format`, every format in turn is downloaded
by all clients at once. The server's RSS (psutil, the server process and any children)
is sampled every 0.2 s throughout. Per client: time to first byte, bytes, seconds, MB/s;
HEAD of every format is timed too. One JSON line per run is appended to
bench/results/stream_memory.jsonl, with the load average, and a table is printed.
The target: server RSS below 300 MB throughout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

RESULTS = Path(__file__).parent / "results" / "stream_memory.jsonl"
QINGDAN = Path(sys.executable).with_name("qingdan")
TARGET_RSS_MB = 300
SAMPLE_SECONDS = 0.2
PROGRESS_SECONDS = 30
# Beside the README's defaults, nothing runs in the server's background: a copy of a demo
# instance may have a search index behind its change feed (the lag is recorded) and a
# newest release without its dump, and the server would catch both up while measured.
SETTINGS = {"QINGDAN_DUMP_ON_RELEASE": "false", "QINGDAN_SEARCH_CATCH_UP_ON_START": "false"}


def copy_instance(source: Path, workdir: Path) -> Path:
    """A private copy of the instance folder (database, WAL, dumps); returns its path."""
    target = Path(tempfile.mkdtemp(prefix="stream-memory-", dir=workdir))
    for path in source.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)
    return target


def start_server(instance: Path, port: int, qingdan: Path = QINGDAN) -> subprocess.Popen:
    env = {**os.environ, "QINGDAN_INSTANCE": str(instance), **SETTINGS}
    env.pop("QINGDAN_DATABASE_URL", None)  # the copied SQLite file, nothing else
    process = subprocess.Popen(
        [str(qingdan), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/", timeout=10).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.5)
    process.kill()
    raise SystemExit(f"qingdan serve did not start: {process.stderr.read().decode()[-2000:]}")


class RssSampler(threading.Thread):
    """Samples the resident set of a process and its children every SAMPLE_SECONDS."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MB)
        self.stopped = threading.Event()
        self.started_at = time.perf_counter()

    def rss_mb(self) -> float:
        processes = [self.process, *self.process.children(recursive=True)]
        return sum(p.memory_info().rss for p in processes) / 1e6

    def run(self) -> None:
        while not self.stopped.is_set():
            self.samples.append((time.perf_counter() - self.started_at, self.rss_mb()))
            self.stopped.wait(SAMPLE_SECONDS)


def download(url: str, result: dict, gzip: bool) -> None:
    """Read `url` to its end as a stream; fill `result` with the client's figures."""
    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
    size = 0
    first = None
    # The clock starts after the client is built: building one (its TLS context) took
    # 21-53 ms, which the first session's figures counted as the server's first byte.
    with httpx.Client(timeout=None, headers=headers) as client:
        started = time.perf_counter()
        with client.stream("GET", url) as response:
            result["status"] = response.status_code
            result["content_length"] = response.headers.get("content-length")
            result["transfer_encoding"] = response.headers.get("transfer-encoding")
            # Chunks as they arrive: given a chunk size, httpx buffers up to it, and the
            # "first byte" measured the first MiB (213-535 ms at 1M in the first session).
            for chunk in response.iter_raw():
                if first is None and chunk:
                    first = time.perf_counter() - started
                    result["ttfb_ms"] = round(first * 1000, 1)
                size += len(chunk)
                result["bytes"] = size
    seconds = time.perf_counter() - started
    result.update(
        ttfb_ms=round((first or seconds) * 1000, 1),
        bytes=size,
        seconds=round(seconds, 2),
        mb_s=round(size / 1e6 / seconds, 1),
    )


def run_clients(
    base: str, formats: list[str], gzip: bool, sampler: RssSampler, results: list[dict]
) -> None:
    """One thread per entry of `formats`, all started together; appends to `results`.

    Prints a progress line every PROGRESS_SECONDS (RSS now and so far, MB per client).
    """
    round_results = [{"format": ext, "bytes": 0} for ext in formats]
    results += round_results
    threads = [
        threading.Thread(
            target=download, args=(f"{base}/api/items.{ext}", result, gzip), daemon=True
        )
        for ext, result in zip(formats, round_results, strict=True)
    ]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        deadline = time.monotonic() + PROGRESS_SECONDS
        while time.monotonic() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.5)
        rss = [mb for _, mb in sampler.samples] or [0.0]
        done = ", ".join(f"{r['format']} {r['bytes'] / 1e6:.0f} MB" for r in round_results)
        print(f"  RSS {rss[-1]:.0f} MB (max {max(rss):.0f}); {done}", flush=True)


def time_heads(base: str, formats: list[str]) -> dict[str, dict]:
    """Per format: HEAD's milliseconds and its Content-Length (None when streamed)."""
    timings = {}
    with httpx.Client(timeout=None) as client:
        for ext in dict.fromkeys(formats):
            started = time.perf_counter()
            response = client.head(f"{base}/api/items.{ext}")
            timings[ext] = {
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "status": response.status_code,
                "content_length": response.headers.get("content-length"),
            }
    return timings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupt)  # `timeout` stops it: record what was measured
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, type=Path, help="instance folder to copy")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--formats", default="ndjson,xml,csv,json")
    parser.add_argument("--per-format", action="store_true", help="each format by all clients")
    parser.add_argument("--gzip", action="store_true", help="clients accept gzip")
    parser.add_argument("--keep", action="store_true", help="keep the copied instance")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="serve --source itself, not a copy (a 1M instance is ~20 GB; the server only reads)",
    )
    parser.add_argument(
        "--qingdan", type=Path, default=QINGDAN, help="the qingdan command (another checkout)"
    )
    args = parser.parse_args()
    formats = args.formats.split(",")
    if args.per_format:
        rounds = [[ext] * args.clients for ext in formats]
    else:
        rounds = [[formats[i % len(formats)] for i in range(args.clients)]]

    load_start = os.getloadavg()
    copied = time.perf_counter()
    instance = args.source if args.in_place else copy_instance(args.source, args.workdir)
    copied = time.perf_counter() - copied
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(instance, port, args.qingdan)
    sampler = RssSampler(process.pid)
    try:
        items = httpx.get(f"{base}/api/items?limit=1", timeout=120).json()["items_total"]
        search_lag = httpx.get(f"{base}/api/@search/status", timeout=120).json().get("lag")
        sampler.start()
        time.sleep(1)
        rss_idle = sampler.rss_mb()
        heads = time_heads(base, formats)
        clients: list[dict] = []
        started = time.perf_counter()
        complete = False
        try:
            for round_formats in rounds:
                run_clients(base, round_formats, args.gzip, sampler, clients)
            complete = True
        except KeyboardInterrupt:  # stopped early: the figures so far are still recorded
            print("interrupted: recording the figures so far", flush=True)
        elapsed = time.perf_counter() - started
    finally:
        sampler.stopped.set()
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        if not (args.keep or args.in_place):
            shutil.rmtree(instance, ignore_errors=True)
    rss = [mb for _, mb in sampler.samples]
    result = {
        "benchmark": "stream_memory",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(args.source),
        "published_items": items,
        "server": "qingdan serve (waitress, as the README says)",
        "qingdan": str(args.qingdan),
        "settings": SETTINGS,
        "search_lag_at_start": search_lag,
        "mode": "per-format" if args.per_format else "mixed",
        "complete": complete,
        "gzip": args.gzip,
        "copy_seconds": round(copied, 1),
        "seconds": round(elapsed, 1),
        "rss_mb": {
            "idle": round(rss_idle, 1),
            "max": round(max(rss), 1),
            "median": round(sorted(rss)[len(rss) // 2], 1),
            "samples": len(rss),
        },
        "rss_timeline_mb": [round(mb) for _, mb in sampler.samples[:: max(1, len(rss) // 60)]],
        "target_rss_mb": TARGET_RSS_MB,
        "under_target": max(rss) < TARGET_RSS_MB,
        "head_ms": heads,
        "clients": clients,
        "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    print(
        f"{items} published items; server RSS idle {rss_idle:.0f} MB, max {max(rss):.0f} MB "
        f"(target < {TARGET_RSS_MB}); load {result['loadavg_start']} -> {result['loadavg_end']}"
    )
    print(f"{'format':8} {'status':>6} {'TTFB ms':>9} {'MB':>9} {'s':>8} {'MB/s':>7}  length")
    for c in clients:
        print(
            f"{c['format']:8} {c.get('status', '-'):>6} {c.get('ttfb_ms', '-'):>9} "
            f"{c['bytes'] / 1e6:>9.1f} {c.get('seconds', '-'):>8} {c.get('mb_s', '-'):>7}  "
            f"{c.get('content_length') or c.get('transfer_encoding')}"
        )
    print("HEAD ms:", {ext: h["ms"] for ext, h in heads.items()})


if __name__ == "__main__":
    main()
