"""Time the alignment report: N published items (default 100,000) against a catalogue of M
entries (default 10,000), on a fresh SQLite database (or PostgreSQL with --postgres).

    .venv/bin/python -m bench.alignment_bench [--items 100000] [--entries 10000]

Items are spread over 100 units (1,000 each: categories 01 and 02, sequences 1-500; the
sector repeats after 90 units, so some basic codes are exercised by two units: overlaps).
The catalogue takes every basic code in turn until it has M entries, with planted gaps
(every 20th skipped, every 30th renamed, every 50th citing one more law) and 100 entries
that no item implements. Times: loading the catalogue through the importer, the whole
city's report, one unit's report.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from qingdan_api import create_app
from qingdan_api.domain.codes import make_credit_code
from qingdan_api.intake.reader import Sheet
from qingdan_api.migrate import upgrade
from qingdan_api.services import alignment
from qingdan_api.services.auth import ADMIN, Principal
from qingdan_api.services.basic_catalogue import import_catalogue
from qingdan_api.services.loading import BulkLoader, Publication, add_units

from .import_bench import _drop, _throwaway

SAMPLE = json.loads(
    (Path(__file__).parents[1] / "tests" / "fixtures" / "sample_record.json").read_text()
)
PUBLISHED = datetime(2026, 1, 5, tzinfo=UTC)
BLOCK = (
    "【法律】《中华人民共和国食品安全法》（2021年修正）第三十五条；"
    "【部门规章】《食品经营许可和备案管理办法》第四条"
)


def _units(n: int = 100) -> list[dict]:
    return [
        {
            "credit_code": make_credit_code("440100", f"MA{i:06d}"),
            "name": f"基准单位{i}",
            "kind": "department",
            "nature": "1",
            "region_code": "440100",
            "sector": f"{i % 90 + 10:02d}",
        }
        for i in range(n)
    ]


def _records(units: list[dict], total: int):
    per_unit = max(1, total // len(units))
    made = 0
    for unit in units:
        for n in range(per_unit):
            if made >= total:
                return
            category, seq = ("01", "02")[n % 2], n // 2 + 1
            basic = f"44{category}{unit['sector']}{seq:03d}000"
            record = copy.deepcopy(SAMPLE)
            record.update(
                code=f"{unit['credit_code']}3{basic}",
                basic_code=basic,
                level="3",
                local_code=None,
                name=f"事项{category}-{seq}",
                category=category,
                region_code=unit["region_code"],
                unit={"credit_code": unit["credit_code"], "name": unit["name"]},
            )
            made += 1
            yield record


def _catalogue(codes: list[tuple[str, str, str]], entries: int) -> list[list]:
    rows = []
    for n, (basic, name, category) in enumerate(codes):
        if len(rows) >= entries - 100:
            break
        if n % 20 == 3:
            continue
        block = BLOCK + ("；【法律】《中华人民共和国行政许可法》第十二条" if n % 50 == 5 else "")
        rows.append([basic, name + ("（目录）" if n % 30 == 7 else ""), category, block, "2,3"])
    for i in range(entries - len(rows)):
        rows.append(
            [f"4401{i % 90 + 10:02d}{900 + i // 90:03d}000", f"未实施{i}", "01", BLOCK, "3"]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--postgres", metavar="URL", help="run in a throwaway database there")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = _throwaway(args.postgres) if args.postgres else f"sqlite:///{folder}/b.db"
    try:
        _run(args, folder, url)
    finally:
        if args.postgres:
            _drop(args.postgres, url)


def _run(args, folder: str, url: str) -> None:
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_INSTANCE": folder,
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
        }
    )
    upgrade(app.extensions["qingdan"].engine)
    units = _units()
    factory = app.extensions["qingdan"].session_factory
    started = time.perf_counter()
    codes: dict[str, tuple[str, str, str]] = {}
    with factory() as session:
        loader = BulkLoader(session, add_units(session, units), batch_size=5000)
        for record in _records(units, args.items):
            loader.add([Publication(record, PUBLISHED)])
            codes.setdefault(
                record["basic_code"], (record["basic_code"], record["name"], record["category"])
            )
        loader.finish()
        session.commit()
    load_seconds = time.perf_counter() - started
    rows = _catalogue(sorted(codes.values()), args.entries)
    headers = ["基本编码", "事项名称", "事项类型", "设定依据", "行使层级"]
    with factory() as session:
        started = time.perf_counter()
        report = import_catalogue(
            session,
            Principal(0, "bench", ADMIN),
            [Sheet("基本目录", headers, iter(enumerate(rows, start=2)))],
            source="基准",
            edition_date="2026-01-01",
        )
        import_seconds = time.perf_counter() - started
        assert report.committed, report.problems[:3]
    with factory() as session:
        started, cpu = time.perf_counter(), time.process_time()
        city = alignment.compute(session)
        city_seconds, city_cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        one = alignment.compute(session, unit=units[5]["credit_code"])
        unit_seconds = time.perf_counter() - started
    result = {
        "benchmark": "alignment",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "items": args.items,
        "entries": len(rows),
        "database": make_url(url).get_backend_name(),
        "load_items_seconds": round(load_seconds, 1),
        "catalogue_import_seconds": round(import_seconds, 1),
        "city_report_seconds": round(city_seconds, 2),
        "city_report_cpu_seconds": round(city_cpu, 2),
        "city_findings": city.summary()["by_kind"],
        "unit_report_seconds": round(unit_seconds, 2),
        "unit_findings": one.summary()["total"],
        "load_average": round(os.getloadavg()[0], 1),
        "python": platform.python_version(),
    }
    print(json.dumps(result, ensure_ascii=False))
    with (Path(__file__).parent / "results" / "alignment_bench.jsonl").open("a") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
