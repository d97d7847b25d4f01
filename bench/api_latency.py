"""Listing and single-item latency of the public API at a given number of items.

    python -m bench.api_latency --items 3000
    python -m bench.api_latency --items 1000000 --database postgresql://qingdan:qingdan@127.0.0.1/bench

Loads the demo city into a fresh database (timing the load), then times requests through
the WSGI app in-process (no network), reporting p50/p95/max per scenario. Results are
appended as JSON lines to bench/results/api_latency.jsonl.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from qingdan_api import create_app
from qingdan_api.migrate import upgrade
from qingdan_api.models import Item, ItemVersion
from qingdan_api.services.demo import has_content, load_demo

RESULTS = Path(__file__).parent / "results" / "api_latency.jsonl"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def time_requests(client, url: str, repeat: int) -> dict:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.data[:300])
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "max_ms": round(max(samples), 2),
        "n": repeat,
    }


def deep_cursor(client, pages: int, limit: int) -> str:
    """Follow `next` links `pages` times; return the URL of the page reached."""
    url = f"/api/items?limit={limit}"
    for _ in range(pages):
        url = client.get(url).get_json()["batching"]["next"]
    return url.replace("http://localhost", "")


def run(total: int, database: str | None, repeat: int, instance: str | None = None) -> dict:
    workdir = Path(instance or tempfile.mkdtemp(prefix="qingdan-bench-"))
    config = {"QINGDAN_INSTANCE": str(workdir)}
    if database:
        config["QINGDAN_DATABASE_URL"] = database
    app = create_app(config)
    state = app.extensions["qingdan"]
    upgrade(state.engine)
    started = time.perf_counter()
    with state.session_factory() as session:
        if has_content(session):  # a kept instance: measure what it holds
            stats = {
                "items": session.scalar(select(func.count()).select_from(Item)),
                "versions": session.scalar(select(func.count()).select_from(ItemVersion)),
            }
            load_seconds = None
        else:
            stats = load_demo(session, total=total, seed=2026)
            load_seconds = round(time.perf_counter() - started, 1)

    client = app.test_client()
    listing = client.get("/api/items?limit=1").get_json()
    first, published = listing["items"][0], listing["items_total"]
    code = first["code"]
    unit = first["unit"]["credit_code"]
    deep_pages = min(200, max(1, published // 25 - 1))
    scenarios = {
        "list first page (25)": "/api/items",
        "list page of 100": "/api/items?limit=100",
        "list filtered category=02": "/api/items?category=02",
        "list filtered unit+category": f"/api/items?unit={unit}&category=01",
        "list sorted -published_at": "/api/items?sort=-published_at",
        f"list deep page (after {deep_pages} pages)": deep_cursor(client, deep_pages, 25),
        "list last page": client.get("/api/items")
        .get_json()["batching"]["last"]
        .replace("http://localhost", ""),
        "single item": f"/api/items/{code}",
        "item versions": f"/api/items/{code}/@versions",
        "unit with counts": f"/api/units/{unit}",
    }
    timings = {name: time_requests(client, url, repeat) for name, url in scenarios.items()}
    result = {
        "benchmark": "api_latency",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "items": stats["items"],
        "published_items": published,
        "versions": stats["versions"],
        "database": state.engine.dialect.name,
        "load_seconds": load_seconds,
        "python": platform.python_version(),
        "timings": timings,
    }
    state.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in a temp dir)")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--instance", help="keep the data in this folder and reuse it next time")
    args = parser.parse_args()
    result = run(args.items, args.database, args.repeat, args.instance)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
