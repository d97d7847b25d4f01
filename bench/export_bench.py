"""Export and dump throughput and peak memory per format: `python -m bench.export_bench`.

Loads N published items (records derived from tests/fixtures/sample_record.json, with
the real bulk loader) into a fresh database, then writes each dump file in its own child
process, the way `qingdan dump` does: one snapshot, keyset pages, exporter, file. Each
child reports its wall time and its peak RSS while writing (VmHWM, reset after the
imports; it includes the interpreter and libraries, whose RSS is the reported baseline).
Constant memory shows as the same peak at every N. Results are appended as JSON lines
to bench/results/export_bench.jsonl.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import platform
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

RESULTS = Path(__file__).parent / "results" / "export_bench.jsonl"
SAMPLE = Path(__file__).parents[1] / "tests" / "fixtures" / "sample_record.json"
ITEMS_PER_UNIT = 1000  # 10 categories x 100 main items
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def records(total: int):
    """Deterministic units and records: `total` items spread over units of 1000."""
    from qingdan_api.domain.codes import make_credit_code

    sample = json.loads(SAMPLE.read_text())
    units = []
    for u in range((total + ITEMS_PER_UNIT - 1) // ITEMS_PER_UNIT):
        units.append(
            {
                "credit_code": make_credit_code("449901", f"MB{u:06d}"),
                "name": f"临江市第{u + 1}局",
                "kind": "department",
                "nature": "1",
                "region_code": "449901",
                "sector": f"{u % 100:02d}",
            }
        )

    def items():
        for n in range(total):
            unit = units[n // ITEMS_PER_UNIT]
            category = f"{(n % 10) + 1:02d}"
            seq = (n % ITEMS_PER_UNIT) // 10 + 1
            basic = f"44{category}{unit['sector']}{seq:03d}000"
            record = copy.deepcopy(sample)
            record.update(
                code=f"{unit['credit_code']}3{basic}",
                basic_code=basic,
                local_code=None,
                name=f"测试事项{n:07d}",
                category=category,
                unit={"credit_code": unit["credit_code"], "name": unit["name"]},
            )
            yield record

    return units, items()


def fresh_database(kind: str, folder: Path, pg_url: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    name = f"qingdan_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(pg_url).set(drivername="postgresql+psycopg"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return (
        make_url(pg_url)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def drop_database(url: str, pg_url: str) -> None:
    if not url.startswith("postgresql"):
        return
    name = make_url(url).database
    admin = create_engine(make_url(pg_url).set(drivername="postgresql+psycopg"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def load(url: str, total: int) -> float:
    from qingdan_api.db import make_engine, make_session_factory
    from qingdan_api.migrate import upgrade
    from qingdan_api.services.loading import BulkLoader, Publication, add_units

    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    units, items = records(total)
    with make_session_factory(engine)() as session:
        loader = BulkLoader(session, add_units(session, units))
        for n, record in enumerate(items):
            loader.add([Publication(record, T0 + timedelta(seconds=n))])
        loader.finish()
        session.commit()
    engine.dispose()
    return time.perf_counter() - started


def _status_mb(field: str) -> float:
    """VmRSS / VmHWM of this process from /proc (Linux), in MB.

    Not ru_maxrss: Linux carries it over an exec, so a spawned child would report the
    parent's peak at fork time.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _child(url: str, name: str, folder: str, page_size: int, queue) -> None:
    """Runs in a fresh process: write one dump file (or the whole dump) and report."""
    from qingdan_api.db import make_engine, make_session_factory
    from qingdan_api.services import dump_files, dumps
    from qingdan_api.services.snapshot import Snapshot

    engine = make_engine(url)
    with engine.connect():
        pass
    baseline = _status_mb("VmRSS")
    _reset_peak()
    # One process: its peak RSS is the whole dump's (a second process would hide half).
    options = dumps.DumpOptions(
        api_root="https://qingdan.example.gov.cn/api", page_size=page_size, processes=1
    )
    started = time.perf_counter()
    if name == "whole-dump":
        dump = dumps.write_dump(make_session_factory(engine), folder, options=options)
        size, count = sum(f["size"] for f in dump.files), dump.item_count
    else:
        spec = next(s for s in dump_files.DATA_FILES if s.name == name)
        with Snapshot(engine) as snapshot:
            entry, count = dump_files.write_data_file(snapshot, spec, Path(folder), options)
        size = entry["size"]
    elapsed = time.perf_counter() - started
    queue.put({"seconds": elapsed, "bytes": size, "count": count, "baseline": baseline,
               "peak": _status_mb("VmHWM")})  # fmt: skip


def measure(url: str, name: str, page_size: int) -> dict:
    folder = tempfile.mkdtemp(prefix="qingdan-bench-out-")
    try:
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        process = context.Process(target=_child, args=(url, name, folder, page_size, queue))
        process.start()
        result = queue.get()
        process.join()
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    from qingdan_api.services.dump_files import DATA_FILES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--pg-url", default="postgresql://qingdan:qingdan@127.0.0.1:5432/qingdan_test"
    )
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--files", nargs="+", default=[s.name for s in DATA_FILES[:5]])
    parser.add_argument("--whole-dump", action="store_true", help="also time write_dump")
    args = parser.parse_args()
    names = args.files + (["whole-dump"] if args.whole_dump else [])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    for total in args.items:
        folder = Path(tempfile.mkdtemp(prefix="qingdan-bench-db-"))
        url = fresh_database(args.backend, folder, args.pg_url)
        try:
            load_seconds = load(url, total)
            print(f"{args.backend} {total} items loaded in {load_seconds:.1f}s", flush=True)
            for name in names:
                r = measure(url, name, args.page_size)
                row = {
                    "bench": "export",
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "backend": args.backend,
                    "items": total,
                    "file": name,
                    "records": r["count"],
                    "seconds": round(r["seconds"], 2),
                    "items_per_s": round(r["count"] / r["seconds"]),
                    "mb": round(r["bytes"] / 1e6, 1),
                    "mb_per_s": round(r["bytes"] / 1e6 / r["seconds"], 1),
                    "peak_rss_mb": round(r["peak"], 1),
                    "baseline_rss_mb": round(r["baseline"], 1),
                    "page_size": args.page_size,
                    "load_seconds": round(load_seconds, 1),
                    "python": platform.python_version(),
                }
                print(json.dumps(row, ensure_ascii=False), flush=True)
                with RESULTS.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
        finally:
            drop_database(url, args.pg_url)
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
