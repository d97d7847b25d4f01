"""Exports through `qingdan serve` and a whole `qingdan dump`, timed: `python -m bench.serve_bench`.

Runs against an instance folder that is already a copy (it is migrated and written to:
never point it at shared data). Steps, each a fresh process, in the order given:

- `serve`: `qingdan serve` on `--port`; `curl -o /dev/null` fetches `/api/items.csv` and
  `/api/items.ndjson` (identity encoding) one after the other; the server is stopped;
- `dump`: `qingdan dump` (every file of a dump, with checksums; with fragments, the
  rendering of what is missing comes first), its previous dumps removed; with
  `--keep-dump` its files stay, links under the served address, so that a `serve` step
  after it sends the whole-list exports from them (`from_dump_file` in its rows).

Every row gives the load average (os.getloadavg) before and after, and is appended to
bench/results/serve_bench.jsonl. The code measured is whatever `qingdan_api` imports as:
set PYTHONPATH to another checkout to measure it with the same script.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results" / "serve_bench.jsonl"
QINGDAN = Path(sys.executable).with_name("qingdan")
QUIET = {
    "QINGDAN_SEARCH_CATCH_UP_ON_START": "false",
    "QINGDAN_DUMP_ON_RELEASE": "false",
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _active(instance: Path) -> int:
    with sqlite3.connect(instance / "qingdan.db") as db:
        return db.execute(
            "SELECT count(*) FROM item_versions WHERE public_status = 'active'"
        ).fetchone()[0]


def _serve(instance: Path, port: int, formats: list[str]) -> list[dict]:
    env = {**os.environ, **QUIET}
    server = subprocess.Popen(
        [str(QINGDAN), "serve", "--instance", str(instance), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(f"{base}/api/", timeout=10).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("qingdan serve did not start")
            time.sleep(0.5)
        rows = []
        active = _active(instance)
        for ext in formats:
            # A whole-list export with no change since a dump under this root is its file.
            head = httpx.head(f"{base}/api/items.{ext}", headers={"Accept-Encoding": "identity"})
            load_before = _load()
            out = subprocess.run(
                [
                    "curl",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-H",
                    "Accept-Encoding: identity",
                    "-w",
                    "%{http_code} %{size_download} %{time_starttransfer} %{time_total}",
                    f"{base}/api/items.{ext}",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            status, size, first, total = int(out[0]), int(out[1]), float(out[2]), float(out[3])
            assert status == 200, status
            rows.append(
                {
                    "at": _now(),
                    "scenario": f"serve-{ext}",
                    "from_dump_file": "content-length" in head.headers,
                    "records": active,
                    "seconds": round(total, 2),
                    "first_byte_s": round(first, 3),
                    "rows_per_s": round(active / total),
                    "mb": round(size / 1e6, 1),
                    "mb_per_s": round(size / 1e6 / total, 1),
                    "load_before": load_before,
                    "load_after": _load(),
                }
            )
        return rows
    finally:
        server.terminate()
        server.wait(timeout=60)


def _dump(instance: Path, public_url: str, keep: bool) -> dict:
    shutil.rmtree(instance / "dumps", ignore_errors=True)
    load_before = _load()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [str(QINGDAN), "dump", "--instance", str(instance)],
        env={**os.environ, **QUIET, "QINGDAN_PUBLIC_URL": public_url},
        stdout=subprocess.DEVNULL,
        check=True,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    size = sum(p.stat().st_size for p in (instance / "dumps").rglob("*") if p.is_file())
    if not keep:
        shutil.rmtree(instance / "dumps", ignore_errors=True)
    return {
        "at": _now(),
        "scenario": "dump",
        "records": _active(instance),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(
            after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1
        ),
        "mb": round(size / 1e6, 1),
        "load_before": load_before,
        "load_after": _load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, required=True, help="a COPY of an instance")
    parser.add_argument("--port", type=int, default=5611)
    parser.add_argument("--steps", nargs="+", choices=("serve", "dump"), default=["serve", "dump"])
    parser.add_argument("--formats", nargs="+", default=["csv", "ndjson"])
    parser.add_argument(
        "--keep-dump",
        action="store_true",
        help="keep the dump step's files (links under --port): a later serve step then sends "
        "the whole-list exports from them, as a server does after a release",
    )
    parser.add_argument("--label", default="", help="free text saved with each row")
    parser.add_argument("--data", default="", help="the data set's name, saved with each row")
    parser.add_argument(
        "--no-upgrade",
        action="store_true",
        help="leave the schema as it is (older code on a newer schema: extra tables unused)",
    )
    args = parser.parse_args()
    if not args.no_upgrade:
        subprocess.run([str(QINGDAN), "init-db", "--instance", str(args.instance)], check=True)
    import qingdan_api

    for step in args.steps:
        rows = (
            _serve(args.instance, args.port, args.formats)
            if step == "serve"
            else [_dump(args.instance, f"http://127.0.0.1:{args.port}", args.keep_dump)]
        )
        for row in rows:
            row = {
                "bench": "serve",
                "label": args.label,
                "code": str(Path(qingdan_api.__file__).parent.parent),
                "data": args.data,
                **row,
            }
            print(json.dumps(row, ensure_ascii=False), flush=True)
            with RESULTS.open("a", encoding="utf-8") as out:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
