"""Exports and dumps of a real instance, timed: `python -m bench.dump_bench --copy-from DIR`.

Copies a loaded instance folder (e.g. /work/bench-data/demo-1m, made by `qingdan demo
--load-only`) into a temporary folder, never touching the original, then runs each
scenario in a fresh child process:

- `csv`, `ndjson`, `json`, `xml`, `csv-zip`: the whole active list through the export
  path the API uses (one snapshot, keyset pages, the format's writer), written to a file;
- `http-csv`, `http-ndjson`: the same through the WSGI app (`GET /api/items.csv`), the
  body drained chunk by chunk as a server would send it;
- `refresh`: render the export fragments every published version lacks (the first
  time: all of them; services.fragments), which the scenarios after it then splice;
- `dump`: `write_dump`, every file of a dump with checksums, data package and DCAT.

The copy is migrated to the head revision first (timed, printed). Scenarios run in the
order given, so `csv refresh csv` measures an export without and with fragments.

Each child reports wall seconds, bytes, records, peak RSS (VmHWM, reset after imports)
and the load average around the run; rows are appended as JSON lines to
bench/results/dump_bench.jsonl. `--profile` writes a cProfile of each scenario next to
the results (`bench/results/profiles/`), sorted by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import os
import platform
import pstats
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "dump_bench.jsonl"
PROFILES = Path(__file__).parent / "results" / "profiles"
SCENARIOS = (
    "csv",
    "ndjson",
    "json",
    "xml",
    "csv-zip",
    "http-csv",
    "http-ndjson",
    "refresh",
    "dump",
)
API_ROOT = "https://qingdan.example.gov.cn/api"


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _export(instance: Path, fmt_name: str, out: Path) -> tuple[int, int]:
    from exporters import registry
    from qingdan_api.db import make_engine
    from qingdan_api.services import exports
    from qingdan_api.services.catalog import ItemFilters
    from qingdan_api.services.export_schema import record_schema
    from qingdan_api.services.snapshot import Snapshot

    engine = make_engine(f"sqlite:///{instance / 'qingdan.db'}")
    fmt = registry.get(fmt_name)
    count = size = 0
    with Snapshot(engine) as snapshot, open(out, "wb") as sink:
        if hasattr(exports, "reading_plan"):
            parts, records = exports.reading_plan([fmt_name], {})
            query = exports.export_query(snapshot.session, ItemFilters(), parts, records)
        else:  # before fragments (to measure older commits with this script)
            query = exports.export_query(snapshot.session, ItemFilters())
        records = exports.iter_records(snapshot.session, query, API_ROOT)

        def counted():
            nonlocal count
            for record in records:
                count += 1
                yield record

        for chunk in fmt.write(counted(), schema=record_schema()):
            size += len(chunk)
            sink.write(chunk)
    return count, size


def _http(instance: Path, ext: str) -> tuple[int, int]:
    from qingdan_api.app import create_app

    app = create_app({"QINGDAN_INSTANCE": str(instance), "QINGDAN_PUBLIC_URL": API_ROOT[:-4]})
    client = app.test_client()
    response = client.get(f"/api/items.{ext}", buffered=False)
    assert response.status_code == 200, response.status_code
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    return (lines - 1 if ext == "csv" else lines), size


def _dump(instance: Path) -> tuple[int, int]:
    from qingdan_api.db import make_engine, make_session_factory
    from qingdan_api.services import dumps

    engine = make_engine(f"sqlite:///{instance / 'qingdan.db'}")
    options = dumps.DumpOptions(api_root=API_ROOT)
    dump = dumps.write_dump(make_session_factory(engine), instance, options=options)
    return dump.item_count, sum(f["size"] for f in dump.files)


def _refresh(instance: Path) -> tuple[int, int]:
    from qingdan_api.db import make_engine
    from qingdan_api.services import fragments

    engine = make_engine(f"sqlite:///{instance / 'qingdan.db'}")
    return fragments.refresh(engine), 0


def _child(instance: str, scenario: str, out_dir: str, profile: str | None, queue) -> None:
    """Runs in a fresh process: one scenario, then its figures on the queue."""
    # Imported before the baseline RSS is read.
    import qingdan_api.app
    import qingdan_api.services.dumps  # noqa: F401

    folder = Path(instance)
    baseline = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current RSS
    load_before = os.getloadavg()
    cpu_before = time.process_time()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    if scenario == "dump":
        count, size = _dump(folder)
    elif scenario == "refresh":
        count, size = _refresh(folder)
    elif scenario.startswith("http-"):
        count, size = _http(folder, scenario.removeprefix("http-"))
    else:
        count, size = _export(folder, scenario, Path(out_dir) / f"out.{scenario}")
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    if profiler:
        with open(profile, "w") as text:
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(60)
    queue.put(
        {
            "seconds": elapsed,
            "cpu_seconds": time.process_time() - cpu_before,
            "records": count,
            "bytes": size,
            "baseline": baseline,
            "peak": _status_mb("VmHWM"),
            "load_before": load_before,
            "load_after": os.getloadavg(),
        }
    )


def run(instance: Path, scenario: str, profile: str | None) -> dict:
    out_dir = tempfile.mkdtemp(prefix="qingdan-bench-out-", dir=instance.parent)
    try:
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        args = (str(instance), scenario, out_dir, profile, queue)
        process = context.Process(target=_child, args=args)
        process.start()
        result = queue.get()
        process.join()
        return result
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def _upgrade(instance: Path) -> None:
    from qingdan_api.db import make_engine
    from qingdan_api.migrate import upgrade

    engine = make_engine(f"sqlite:///{instance / 'qingdan.db'}")
    upgrade(engine)
    engine.dispose()


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copy-from", type=Path, required=True, help="a loaded instance folder")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--keep", type=Path, help="keep the migrated copy here (a folder)")
    parser.add_argument("--label", default="", help="free text saved with each row")
    parser.add_argument("--profile", action="store_true", help="cProfile each scenario")
    parser.add_argument("--work-dir", type=Path, default=None, help="where the copy goes")
    args = parser.parse_args()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="qingdan-bench-", dir=args.work_dir))
    instance = work / "instance"
    try:
        started = time.perf_counter()
        # The dumps folder is not copied: the dump scenario writes its own.
        shutil.copytree(args.copy_from, instance, ignore=shutil.ignore_patterns("dumps"))
        print(f"copied {args.copy_from} in {time.perf_counter() - started:.0f}s", flush=True)
        started = time.perf_counter()
        _upgrade(instance)
        print(f"migrated in {time.perf_counter() - started:.0f}s", flush=True)
        for scenario in args.scenarios:
            profile = None
            if args.profile:
                PROFILES.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
                profile = str(PROFILES / f"{stamp}-{args.copy_from.name}-{scenario}.txt")
            r = run(instance, scenario, profile)
            row = {
                "bench": "dump",
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "commit": _commit(),
                "label": args.label,
                "data": args.copy_from.name,
                "scenario": scenario,
                "records": r["records"],
                "seconds": round(r["seconds"], 2),
                "cpu_seconds": round(r["cpu_seconds"], 2),
                "rows_per_s": round(r["records"] / r["seconds"]),
                "mb": round(r["bytes"] / 1e6, 1),
                "mb_per_s": round(r["bytes"] / 1e6 / r["seconds"], 1),
                "peak_rss_mb": round(r["peak"], 1),
                "baseline_rss_mb": round(r["baseline"], 1),
                "load_before": [round(x, 2) for x in r["load_before"]],
                "load_after": [round(x, 2) for x in r["load_after"]],
                "profiled": bool(profile),
                "python": platform.python_version(),
            }
            print(json.dumps(row, ensure_ascii=False), flush=True)
            with RESULTS.open("a", encoding="utf-8") as out:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
