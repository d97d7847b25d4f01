"""Qingdan against datasette on the same published items: `python -m bench.peer_bench`.

One run: takes a Qingdan instance (a copy of `--instance DIR`, or a fresh demo of `--items
N`), serves it the way the README's "Serving in production" says (`qingdan serve --workers
W --threads T`, every `--qingdan WxT` given), copies its published items into a flat SQLite
file (bench/peer_export.py) served by datasette 0.65 (from .venv-bench, installed by
bench/requirements-peer.txt) as one deploys it as an API over published data: immutable
(`-i`, counts cached) and without facet suggestions (`--setting suggest_facets off`: they
cost ~70 ms per page, and Qingdan's listings suggest none). Then it runs the same
scenarios against every server with wrk (2 threads, 8 connections, a warm-up then
`--rounds` runs of `--duration` seconds each, the median counting), after writing the
instance's dump (as its last release would have: otherwise each server writes it on
start, beside the first scenario):

- page: one unit's items (the unit with most items), page of 50, JSON;
- search: 危险化学品, 20 results, JSON;
- item: one item's public record, JSON;
- csv: the whole list as CSV, `--csv-runs` sequential downloads each (datasette
  `items.csv?_stream=on`), and the sqlite3 command-line tool writing the same table.

Before measuring, the answers are compared: 200, non-empty, same page size, same total
and same codes on the unit's page, the same record for the item (links aside), the same
CSV header and row count; anything else stops the run with BenchError. Prints a table per
scenario (req/s, ratio to datasette) and appends JSON lines with the load average to
bench/results/peer_bench.jsonl. `--postgres URL` also loads the same demo (`--items N`)
into that database and measures Qingdan on it, still against datasette on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from bench import peer_checks as checks
from bench import peer_export
from bench.machine import reference_seconds
from bench.peer_tools import (
    BenchError,
    Server,
    ensure_tool,
    ensure_wrk,
    get_json,
    timed,
    timed_download,
    wrk,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "peer_bench.jsonl"
BENCH_VENV = ROOT / ".venv-bench"
QUERY = "危险化学品"
PAGE, HITS = 50, 20
SUMMARY_COLUMNS = (
    "name",
    "sub_item_name",
    "category",
    "level",
    "unit_credit_code",
    "unit_name",
    "disposition",
    "version",
    "published_at",
    "url",
)
SCENARIOS = {
    "page": "one unit's items, page of 50, JSON",
    "search": f"search {QUERY}, {HITS} results, JSON",
    "item": "one item, JSON",
}


@dataclass
class Target:
    name: str
    kind: str  # datasette | qingdan
    server: Server
    backend: str = "sqlite"
    workers: int = 1
    threads: int = 0

    def urls(self, unit: str, code: str) -> dict[str, str]:
        base = self.server.base
        if self.kind == "datasette":
            cols = "&".join(f"_col={c}" for c in SUMMARY_COLUMNS)
            listing = f"{base}/peer/items.json?_shape=objects&{cols}"
            return {
                "page": f"{listing}&unit_credit_code={unit}&_size={PAGE}",
                "search": f"{listing}&_search={quote(QUERY)}&_size={HITS}",
                "item": f"{base}/peer/records/{code}.json?_shape=objects",
                "csv": f"{base}/peer/items.csv?_stream=on&_size=max",
            }
        return {
            "page": f"{base}/api/items?unit={unit}&limit={PAGE}",
            "search": f"{base}/api/@search?q={quote(QUERY)}&limit={HITS}",
            "item": f"{base}/api/items/{code}",
            "csv": f"{base}/api/items.csv",
        }


def parse_config(text: str) -> tuple[int, int]:
    workers, _, threads = text.lower().partition("x")
    return int(workers), int(threads or 8)


def qingdan_server(work: Path, name: str, port: int, config: tuple[int, int], **where) -> Target:
    workers, threads = config
    command = [sys.executable, "-m", "qingdan_api", "serve", "--port", str(port)]
    command += ["--workers", str(workers), "--threads", str(threads)]
    for option, value in where.items():
        command += [f"--{option}", str(value)]
    server = Server(name, f"http://127.0.0.1:{port}", command, work / f"{name}.log")
    backend = "postgresql" if "database" in where else "sqlite"
    return Target(name, "qingdan", server, backend, workers, threads)


def copy_instance(source: Path, target: Path) -> None:
    """Copy an instance folder; its SQLite databases through SQLite's online backup.

    A plain file copy of a database in use can miss its -wal and -shm files (they come and
    go with connections) or copy them mid-write; the backup is a consistent snapshot.
    """
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.db", "*.db-wal", "*.db-shm"))
    for database in Path(source).glob("*.db"):
        src, dst = sqlite3.connect(database), sqlite3.connect(target / database.name)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()


def dump_once(instance: Path, public_url: str, database: str | None = None) -> None:
    """Write the instance's dump before serving, as its last release would have.

    A server that finds the newest release without a dump writes one on start
    (services/dump_upkeep.py), which would run beside the first scenarios; the dump also
    stores the export fragments that a published instance has after its releases. Its
    links are under `public_url`, the address the server is reached at (in production,
    QINGDAN_PUBLIC_URL), so that the whole-list CSV is the dump's file, as it would be.
    """
    command = [sys.executable, "-m", "qingdan_api", "dump", "--instance", str(instance)]
    if database:
        command += ["--database", database]
    started = time.perf_counter()
    environment = {**os.environ, "QINGDAN_PUBLIC_URL": public_url}
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=environment)
    print(f"dumped {instance} in {time.perf_counter() - started:.0f}s", flush=True)


def prepare_instance(args, work: Path) -> Path:
    """The Qingdan instance folder to serve: a copy (the original is never written)."""
    target = work / "qingdan"
    if target.exists() and args.reuse:
        return target
    shutil.rmtree(target, ignore_errors=True)
    if args.instance:
        print(f"copying {args.instance} -> {target}", flush=True)
        copy_instance(args.instance, target)
    else:
        print(f"loading a demo of {args.items} items into {target}", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "qingdan_api",
                "demo",
                "--instance",
                str(target),
                "--items",
                str(args.items),
                "--load-only",
            ],
            check=True,
        )
    return target


def prepare_postgres(args, work: Path) -> bool:
    """Make the database at args.postgres hold the demo; True when this run created it.

    The database is created when missing and loaded when empty (`qingdan demo --load-only`
    leaves a loaded one alone), so a second run reuses the load.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(args.postgres).set(drivername="postgresql+psycopg")
    admin = create_engine(url.set(database="postgres"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    print(f"PostgreSQL database {url.database}: the demo of {args.items} items", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "qingdan_api",
            "demo",
            "--database",
            args.postgres,
            "--instance",
            str(work / "pg-instance"),
            "--items",
            str(args.items),
            "--load-only",
        ],
        check=True,
    )
    return not exists


def drop_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(url).set(drivername="postgresql+psycopg")
    engine = create_engine(url.set(database="postgres"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    engine.dispose()


def ensure_datasette() -> Path:
    """.venv-bench/bin/datasette, creating that environment when it is missing."""
    binary = BENCH_VENV / "bin" / "datasette"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        requirements = ROOT / "bench" / "requirements-peer.txt"
        pip = BENCH_VENV / "bin" / "pip"
        subprocess.run([str(pip), "install", "-q", "-r", str(requirements)], check=True)
    return binary


def datasette_version(binary: Path) -> str:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout
    return out.strip().rsplit(" ", 1)[-1]


def wait_for_index(target: Target, timeout: float = 1800.0) -> None:
    """Measure only once the search index has caught up with the change feed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if get_json(target.server.base + "/api/@search/status").get("lag", 0) == 0:
            return
        time.sleep(5)
    raise BenchError(f"{target.name}: the search index did not catch up in {timeout:.0f}s")


def record(row: dict, meta: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as handle:
        handle.write(json.dumps({**meta, **row}, ensure_ascii=False) + "\n")


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure_rates(args, targets: list[Target], params: dict, meta: dict) -> dict:
    """req/s per scenario and target (interleaved per scenario, so ratios share a moment)."""
    results: dict[str, dict[str, dict]] = {}
    for scenario in SCENARIOS:
        results[scenario] = {}
        for target in targets:
            url = target.urls(params["unit"], params["code"])[scenario]
            wrk(url, args.warmup, args.wrk_threads, args.connections, warmup=True)
            before = load()
            # Each round opens its connections anew; the round with the median rate counts.
            rounds = sorted(
                (
                    wrk(url, args.duration, args.wrk_threads, args.connections)
                    for _ in range(args.rounds)
                ),
                key=lambda r: r["req_s"],
            )
            row = dict(rounds[len(rounds) // 2])
            row |= {
                "rounds_req_s": [r["req_s"] for r in rounds],
                "load_before": before,
                "load_after": load(),
                "bytes": params[scenario],
            }
            results[scenario][target.name] = row
            print(
                f"  {scenario:<6} {target.name:<28} {row['req_s']:>8.1f} req/s "
                f"(rounds {' '.join(f'{r:.0f}' for r in row['rounds_req_s'])})  load {before[0]}",
                flush=True,
            )
        base = results[scenario][targets[0].name]["req_s"]
        for target in targets:
            row = results[scenario][target.name]
            row["ratio"] = round(row["req_s"] / base, 2)
            record(
                {
                    "scenario": scenario,
                    "target": target.name,
                    "backend": target.backend,
                    "workers": target.workers,
                    "threads": target.threads,
                    **row,
                },
                meta,
            )
    return results


def measure_csv(args, targets: list[Target], params: dict, peer_db: Path, meta: dict) -> dict:
    """Seconds per whole-CSV download; the sqlite3 CLI writing the same table is the limit."""
    out: dict[str, dict] = {}
    scratch = peer_db.parent / "cli.csv"
    runs = [
        timed(["sqlite3", "-csv", "-header", str(peer_db), "select * from items"], scratch)
        for _ in range(args.csv_runs)
    ]
    out["sqlite3 CLI"] = {"seconds": runs, "bytes": scratch.stat().st_size}
    for target in targets:
        url = target.urls(params["unit"], params["code"])["csv"]
        # The checked download (to a file, before the rates) is the first run.
        first, size = params["csv_first"][target.name]
        before, runs = load(), [first]
        for _ in range(args.csv_runs - 1):
            seconds, size = timed_download(url)
            runs.append(seconds)
        out[target.name] = {"seconds": runs, "bytes": size, "load_before": before}
        print(f"  csv    {target.name:<28} {min(runs):>8.2f} s  load {before[0]}", flush=True)
    scratch.unlink(missing_ok=True)
    base = min(out[targets[0].name]["seconds"])
    for name, row in out.items():
        row["best"] = min(row["seconds"])
        row["speed_ratio"] = round(base / row["best"], 2)  # > 1: faster than datasette
        target = next((t for t in targets if t.name == name), None)
        record(
            {
                "scenario": "csv",
                "target": name,
                "rows": params["rows"],
                "backend": target.backend if target else "sqlite",
                "workers": target.workers if target else None,
                "threads": target.threads if target else None,
                "load_after": load(),
                **row,
            },
            meta,
        )
    return out


def report(results: dict, csv: dict, params: dict, targets: list[Target]) -> None:
    print(
        f"\n{params['rows']:,} published items; unit {params['unit']} "
        f"({params['unit_total']} items); item {params['code']}"
    )
    for scenario, title in SCENARIOS.items():
        print(f"\n{title}  (answer bytes: {params[scenario]})")
        print(
            f"  {'server':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'÷ datasette':>12} "
            "load  rounds"
        )
        for target in targets:
            r = results[scenario][target.name]
            rounds = " ".join(f"{x:.0f}" for x in r["rounds_req_s"])
            print(
                f"  {target.name:<28} {r['req_s']:>8.1f} {r['p50_ms']:>8.1f} "
                f"{r['p99_ms']:>8.1f} {r['ratio']:>11.2f}x {r['load_before'][0]}  {rounds}"
            )
    print(f"\nwhole list as CSV ({params['rows']:,} rows; best of the runs, seconds)")
    print(f"  {'producer':<28} {'best s':>8} {'MB':>8} {'datasette ÷':>12}  runs")
    for name, r in csv.items():
        runs = " ".join(f"{s:.2f}" for s in r["seconds"])
        print(
            f"  {name:<28} {r['best']:>8.2f} {r['bytes'] / 1e6:>8.1f} "
            f"{r['speed_ratio']:>11.2f}x  {runs}"
        )
    print(f"  search totals: {params['search_totals']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, help="Qingdan instance folder (copied)")
    parser.add_argument("--items", type=int, default=100_000, help="demo size (no --instance)")
    parser.add_argument(
        "--postgres",
        help="PostgreSQL database URL (created and loaded when missing or empty; dropped "
        "after the run only if this run created it): also measure Qingdan on it",
    )
    parser.add_argument(
        "--postgres-only",
        action="store_true",
        help="measure Qingdan on --postgres only (no SQLite instance; the copy comes from it)",
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="wrk runs per scenario and server, each with new connections; the median "
        "counts (gunicorn's gthread worker that wins accept() can take all 8 keep-alive "
        "connections, leaving the other worker idle for that run)",
    )
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--csv-runs", type=int, default=3)
    parser.add_argument(
        "--qingdan",
        action="append",
        metavar="WxT",
        help="workers x threads of `qingdan serve` (repeatable; default 2x4)",
    )
    parser.add_argument("--port", type=int, default=8730, help="first port (datasette)")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "results" / "peer")
    parser.add_argument("--reuse", action="store_true", help="reuse the work folder's copies")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    # Stopped by a signal, still stop the servers (finally below): nohup'd runs ignore ^C.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("peer_bench: terminated"))
    configs = [parse_config(c) for c in args.qingdan or ["2x4"]]
    if args.postgres_only and not args.postgres:
        parser.error("--postgres-only needs --postgres URL")
    ensure_wrk()
    ensure_tool("sqlite3")
    binary = ensure_datasette()
    args.work.mkdir(parents=True, exist_ok=True)
    instance = None if args.postgres_only else prepare_instance(args, args.work)
    targets: list[Target] = []
    created = False
    try:
        port = args.port + 1
        for config in configs if instance else ():
            name = f"qingdan {config[0]}x{config[1]}"
            dump_once(instance, f"http://127.0.0.1:{port}")
            targets.append(qingdan_server(args.work, name, port, config, instance=instance))
            port += 1
        if args.postgres:
            created = prepare_postgres(args, args.work)
            # Beside SQLite, the recommended (last) configuration; alone, every one.
            for config in configs if args.postgres_only else configs[-1:]:
                name = f"qingdan-pg {config[0]}x{config[1]}"
                pg_instance = args.work / "pg-instance"
                dump_once(pg_instance, f"http://127.0.0.1:{port}", args.postgres)
                targets.append(
                    qingdan_server(
                        args.work, name, port, config, instance=pg_instance, database=args.postgres
                    )
                )
                port += 1
        for target in targets:
            target.server.start()
        for target in targets:
            target.server.wait_ready("/api/")
            wait_for_index(target)
        peer_db = args.work / "peer.db"
        if not (args.reuse and peer_db.exists()):
            peer_db.unlink(missing_ok=True)
            started = time.perf_counter()
            rows = peer_export.build(
                peer_export.ndjson_lines(targets[0].server.base + "/api/items.ndjson"), peer_db
            )
            print(f"copied {rows} items to {peer_db} in {time.perf_counter() - started:.0f}s")
        metadata = args.work / "datasette.json"
        metadata.write_text(json.dumps(peer_export.datasette_metadata("peer")))
        command = [
            str(binary),
            "serve",
            "-i",
            str(peer_db),
            "-m",
            str(metadata),
            "--setting",
            "suggest_facets",
            "off",
            "-h",
            "127.0.0.1",
            "-p",
            str(args.port),
        ]
        datasette = Server(
            "datasette", f"http://127.0.0.1:{args.port}", command, args.work / "datasette.log"
        )
        targets.insert(0, Target("datasette", "datasette", datasette))
        datasette.start().wait_ready("/peer.json")
        params = checks.scenario_parameters(peer_db)
        checks.check_equivalence(targets, params, args.work)
        meta = {
            "bench": "peer",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "items": params["rows"],
            "duration": args.duration,
            "wrk": f"{args.wrk_threads}t{args.connections}c",
            "cores": os.cpu_count(),
            "datasette": datasette_version(binary),
            "python": platform.python_version(),
            "commit": checks.git_commit(ROOT),
            # How fast the shared machine ran at the start (bench.machine; lower is faster).
            "machine_before_s": reference_seconds(),
        }
        print(f"  machine reference: {meta['machine_before_s']} (s, lower is faster)")
        results = measure_rates(args, targets, params, meta)
        csv = measure_csv(args, targets, params, peer_db, meta)
        memory = {t.name: t.server.rss_mb() for t in targets}
        record({"scenario": "memory", "rss_mb": memory}, meta)
        machine_after = reference_seconds()
        record({"scenario": "machine", "machine_after_s": machine_after}, meta)
        report(results, csv, params, targets)
        print(f"  server memory after the run (RSS, MB, all processes): {memory}")
        print(f"  machine reference after the run: {machine_after}")
    finally:
        for target in targets:
            target.server.stop()
        if created and not args.keep:
            drop_postgres(args.postgres)
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        sys.exit(f"peer_bench: {error}")
