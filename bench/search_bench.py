"""Search benchmark: indexing throughput and @search / @suggest latency (p50, p95).

    python -m bench.search_bench --items 100000 [--database URL] [--queries 300]

Builds a throwaway SQLite database (or uses --database, which must be empty), loads N
items without the after-commit hook, then times `catch_up` (the path the change feed
takes), a full `reindex`, and HTTP requests through the Flask test client. Item names and
legal bases come from the search test city (tests/search/dataset.py) spread over
N / 31 units, until the demo generator can stand in.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.orm import Session

from qingdan_api import create_app
from qingdan_api.db import make_engine
from qingdan_api.migrate import upgrade
from qingdan_api.services.loading import BulkLoader, Publication, add_units
from tests import factories as f
from tests.search import dataset

RELEVANCE = Path(__file__).resolve().parent.parent / "tests" / "search" / "relevance.json"
UNIT_NAMES = [u["name"] for u in dataset.UNITS]


def _units(count: int) -> list[dict]:
    return [
        f.unit_data(
            n,
            name=f"{UNIT_NAMES[n % len(UNIT_NAMES)]}第{n}分局",
            sector=f"{n % 90 + 10:02d}",
        )
        for n in range(1, count + 1)
    ]


def load(url: str, total: int) -> None:
    """N published items, written without the hook (as a bulk import in another process)."""
    template = dataset.records()
    per_unit = len(template) // len(dataset.UNITS)
    units = _units(max(1, -(-total // per_unit)))
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        ids = add_units(session, units)
        loader = BulkLoader(session, ids, batch_size=5000)
        made = 0
        for unit in units:
            source = dataset.UNITS[int(unit["credit_code"][10:16]) % len(dataset.UNITS)]
            for seq, base in enumerate(r for r in template if r["unit"]["name"] == source["name"]):
                if made == total:
                    break
                record = f.record(unit, seq + 1, category=base["category"], name=base["name"])
                record["legal_bases"] = base["legal_bases"]
                loader.add([Publication(record, f.T0)])
                made += 1
        loader.finish()
        session.commit()
    engine.dispose()


def _percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ms)})"


def _time(client, path: str, queries: list[str]) -> list[float]:
    samples = []
    for q in queries:
        started = time.perf_counter()
        response = client.get(f"{path}?q={quote(q)}")
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (q, response.get_json())
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--database", help="empty database URL (default: temporary SQLite)")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="qingdan-search-bench-")
    url = args.database or f"sqlite:///{workdir}/bench.db"

    started = time.perf_counter()
    load(url, args.items)
    print(f"loaded {args.items} items in {time.perf_counter() - started:.1f}s ({url})")

    app = create_app(
        {
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_INSTANCE": workdir,
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
        }
    )
    indexer = app.extensions["qingdan"].search
    started = time.perf_counter()
    absorbed = indexer.catch_up()
    elapsed = time.perf_counter() - started
    print(f"catch-up: {absorbed} changes in {elapsed:.1f}s = {absorbed / elapsed:,.0f} items/s")
    started = time.perf_counter()
    count = indexer.reindex()
    elapsed = time.perf_counter() - started
    print(f"reindex:  {count} items in {elapsed:.1f}s = {count / elapsed:,.0f} items/s")

    rng = random.Random(2026)
    relevance = [case["q"] for case in json.loads(RELEVANCE.read_text())["queries"]]
    searches = [rng.choice(relevance) for _ in range(args.queries)]
    names = [r["name"] for r in dataset.records()]
    keystrokes = []
    while len(keystrokes) < args.queries:
        name = rng.choice(names)
        keystrokes += [name[:n] for n in range(1, min(len(name), 6) + 1)]
    client = app.test_client()
    _time(client, "/api/@search", searches[:20])  # warm caches
    print(f"@search:  {_percentiles(_time(client, '/api/@search', searches))}")
    print(f"@suggest: {_percentiles(_time(client, '/api/@suggest', keystrokes[: args.queries]))}")
    print(f"status:   {indexer.status()}")
    app.extensions["qingdan"].engine.dispose()


if __name__ == "__main__":
    main()
