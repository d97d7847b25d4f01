"""Page weight and server time of the portal's home, search and item pages.

    python -m bench.portal_pages --instance /tmp/demo3k      # after `qingdan demo --load-only`

Requests go through the WSGI app in-process (no network), so the time is the server's:
median and max of `--repeat` requests after one warm-up. The weight is the HTML as sent
(identity and gzip) plus what the page loads from the server (stylesheet, script, the
item's flowchart). Results are appended as JSON lines to bench/results/portal_pages.jsonl.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from qingdan_api import create_app

RESULTS = Path(__file__).parent / "results" / "portal_pages.jsonl"
ASSETS = ("/static/portal/portal.css", "/static/portal/suggest.js")


def _get(client, url: str) -> tuple[bytes, float]:
    started = time.perf_counter()
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return body, elapsed


def measure(client, url: str, repeat: int, extra: tuple[str, ...] = ()) -> dict:
    _get(client, url)  # warm-up: templates compiled, caches filled
    samples = []
    for _ in range(repeat):
        body, elapsed = _get(client, url)
        samples.append(elapsed * 1000)
    assets = [_get(client, a)[0] for a in ASSETS + extra]
    return {
        "url": url,
        "html_bytes": len(body),
        "html_gzip_bytes": len(gzip.compress(body, 6)),
        "with_assets_bytes": len(body) + sum(len(a) for a in assets),
        "with_assets_gzip_bytes": len(gzip.compress(body, 6))
        + sum(len(gzip.compress(a, 6)) for a in assets),
        "server_ms_p50": round(statistics.median(samples), 1),
        "server_ms_max": round(max(samples), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", required=True)
    parser.add_argument("--database")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--q", default="食品经营许可")
    args = parser.parse_args()
    config = {"QINGDAN_INSTANCE": args.instance, "QINGDAN_SEARCH_CATCH_UP_ON_START": False}
    if args.database:
        config["QINGDAN_DATABASE_URL"] = args.database
    app = create_app(config)
    client = app.test_client()
    listing = client.get("/api/items?limit=1&sort=-published_at").get_json()
    code = listing["items"][0]["code"]
    total = listing["items_total"]
    pages = {
        "home": measure(client, "/", args.repeat),
        "search": measure(client, f"/search?q={quote(args.q)}", args.repeat),
        "item": measure(
            client, f"/items/{code}", args.repeat, (f"/api/items/{code}/@flowchart.svg",)
        ),
    }
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "items": total,
        "database": app.extensions["qingdan"].engine.dialect.name,
        "python": platform.python_version(),
        # A shared machine: the 1-minute load average says how busy it was (2 cores).
        "load_average": round(os.getloadavg()[0], 1),
        "pages": pages,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
