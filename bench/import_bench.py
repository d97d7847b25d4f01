"""Import a 10,000-row cleanup form (XLSX) into a fresh SQLite database: time and peak memory.

    .venv/bin/python -m bench.import_bench [--rows 10000]

Peak memory is the process's maximum resident set (ru_maxrss) minus what it held before
the import, and tracemalloc's peak of Python allocations during the import.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from qingdan_api import create_app
from qingdan_api.domain.codes import make_credit_code
from qingdan_api.intake.reader import read_form
from qingdan_api.migrate import upgrade
from qingdan_api.services.auth import ADMIN, Principal
from qingdan_api.services.importing import run_import
from qingdan_api.services.loading import add_units


def form(rows: int, credits: list[str]) -> bytes:
    """A cleanup form of `rows` rows over the units (a unit's sector holds at most 999 main
    items per category and level: the basic code's main sequence has three digits)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("事项")
    sheet.append(
        ["实施主体", "事项名称", "事项类型", "法定办结时限", "服务对象", "是否收费", "实施依据"]
    )
    for n in range(rows):
        sheet.append(
            [
                credits[n % len(credits)],
                f"测试事项{n}",
                ("01", "02", "20")[n // len(credits) % 3],
                "20个工作日",
                "个人，法人",
                "否",
                f"【法律】《测试法》第{n % 90 + 1}条：条文内容。",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--trace", action="store_true", help="tracemalloc (slows Python down)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server URL (role with CREATEDB): run in a throwaway database there",
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/b.db"
    if args.postgres:
        url = _throwaway(args.postgres)
    try:
        _run(args, folder, url)
    finally:
        if args.postgres:
            _drop(args.postgres, url)


def _admin(server: str):
    return create_engine(
        make_url(server).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )


def _throwaway(server: str) -> str:
    name = f"qingdan_bench_{os.getpid()}"
    with _admin(server).connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def _drop(server: str, url: str) -> None:
    with _admin(server).connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def _run(args, folder: str, url: str) -> None:
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_INSTANCE": folder,
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
        }
    )
    upgrade(app.extensions["qingdan"].engine)
    units = [
        {
            "credit_code": make_credit_code("440118", f"MB{s:06d}"),
            "name": f"单位{s}",
            "kind": "department",
            "nature": "1",
            "region_code": "440118",
            "sector": f"{s:02d}",
        }
        for s in range(1, 5)
    ]
    data = form(args.rows, [u["credit_code"] for u in units])
    with app.extensions["qingdan"].session_factory() as session:
        add_units(session, units)
        session.commit()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if args.trace:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        sheets, book = read_form(data, "bench.xlsx")
        report = run_import(session, Principal(0, "bench", ADMIN), sheets)
        book.close()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        _, peak = tracemalloc.get_traced_memory() if args.trace else (0, 0)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "benchmark": "import",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": args.rows,
        "xlsx_bytes": len(data),
        "database": make_url(url).get_backend_name(),
        "created": report.counts["created"],
        "rejected": report.counts["rejected"],
        "wall_seconds": round(elapsed, 1),
        "cpu_seconds": round(cpu, 1),
        "rss_growth_mb": round((after - before) / 1024),
        "tracemalloc_peak_mb": round(peak / 1e6) if args.trace else None,
        "load_average": round(os.getloadavg()[0], 1),
        "python": platform.python_version(),
    }
    print(json.dumps(result, ensure_ascii=False))
    with (Path(__file__).parent / "results" / "import_bench.jsonl").open("a") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
