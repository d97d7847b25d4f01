"""Search benchmark: indexing throughput and @search / @suggest latency (p50, p95).

    python -m bench.search_bench --items 100000 [--database URL] [--queries 300]
        [--backend sql|elasticsearch|both] [--es-url URL] [--record]
    python -m bench.search_bench --instance COPY_OF_DEMO [--no-reindex] [--slice 50000] ...

Builds a throwaway SQLite database (or uses --database, which must be empty), loads N
items without the after-commit hook, then, for each backend over that one database, times
`catch_up` (the path the change feed takes), a full `reindex`, and HTTP requests through
the Flask test client. Item names and legal bases come from the search test city
(tests/search/dataset.py) spread over N / 31 units, until the demo generator can stand in.
The `elasticsearch` backend writes to a throwaway alias on the node at --es-url (default:
the test node of tests/servers/elasticsearch.sh) and also reports the node's resident
memory. --record appends one JSON line per backend to bench/results/search_bench.jsonl,
with the machine's load average (the machine is shared: figures are only comparable with
the load they ran under).

--instance takes an existing instance folder instead (a COPY of a `qingdan demo
--load-only` folder: the schema is upgraded and the `sql` index emptied, so catch-up
absorbs the whole change feed again) and queries it with the demo relevance set and the
names of its own items. Catch-up reports its rate per --slice changes, to show whether
indexing stays flat as the index grows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.machine import reference_seconds
from qingdan_api import create_app
from qingdan_api.db import make_engine
from qingdan_api.migrate import upgrade
from qingdan_api.services.loading import BulkLoader, Publication, add_units
from tests import factories as f
from tests.search import dataset

RELEVANCE = Path(__file__).resolve().parent.parent / "tests" / "search" / "relevance.json"
RELEVANCE_DEMO = RELEVANCE.with_name("relevance_demo.json")
RESULTS = Path(__file__).parent / "results" / "search_bench.jsonl"
ES_URL = os.environ.get("QINGDAN_TEST_ES_URL", "http://127.0.0.1:9200")
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


def _percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 of durations in seconds, in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(p95, 1), "n": len(ms)}


def _show(timing: dict[str, float]) -> str:
    return f"p50 {timing['p50_ms']:7.1f} ms   p95 {timing['p95_ms']:7.1f} ms   (n={timing['n']})"


def _time(client, path: str, queries: list[str]) -> list[float]:
    samples = []
    for q in queries:
        started = time.perf_counter()
        response = client.get(f"{path}?q={quote(q)}")
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (q, response.get_json())
    return samples


def node_memory(client) -> dict[str, float]:
    """The Elasticsearch node's resident memory and JVM heap in MB (RSS: same machine only)."""
    stats = client.nodes.stats(metric="jvm")["nodes"]
    (node,) = stats.values()
    memory = {"heap_used_mb": round(node["jvm"]["mem"]["heap_used_in_bytes"] / 2**20)}
    (info,) = client.nodes.info(metric="process")["nodes"].values()
    status = Path(f"/proc/{info['process']['id']}/status")
    if status.exists():
        rss = next(line for line in status.read_text().splitlines() if line.startswith("VmRSS"))
        memory["rss_mb"] = round(int(rss.split()[1]) / 1024)
    return memory


class SliceRates:
    """A progress sink for `catch_up`: the rate of each `size`-change slice, printed, in
    changes and in documents written (an item changed twice is written once)."""

    def __init__(self, size: int, label: str, backend):
        self.size, self.label = size, label
        self.done = self.last_done = 0
        self.documents = self.last_documents = 0
        write = backend.write

        def counted(session, documents, removed, bulk=False) -> None:
            self.documents += len(documents)
            write(session, documents, removed, bulk=bulk)

        backend.write = counted  # this run's backend object only
        self.last = time.perf_counter()
        self.last_cpu = time.process_time()
        self.slices: list[dict] = []

    def update(self, n: int) -> None:
        self.done += n
        if self.done - self.last_done >= self.size:
            self.close()

    def close(self) -> None:
        """Record the slice in progress (also the last, partial one)."""
        now, cpu = time.perf_counter(), time.process_time()
        if self.done == self.last_done:
            return
        changes = self.done - self.last_done
        rate = changes / (now - self.last)
        documents = (self.documents - self.last_documents) / (now - self.last)
        # Per second of this process's CPU (SQLite runs in it too): what the indexer would
        # do with a core to itself, which the shared machine seldom gives it.
        cpu_rate = changes / max(cpu - self.last_cpu, 1e-9)
        self.slices.append(
            {
                "upto": self.done,
                "changes_per_s": round(rate),
                "items_per_s": round(documents),
                "changes_per_cpu_s": round(cpu_rate),
                "load": _load()[0],
            }
        )
        print(
            f"[{self.label}] catch-up up to {self.done:>9,}: {rate:7,.0f} changes/s "
            f"({cpu_rate:7,.0f}/cpu-s), {documents:7,.0f} documents/s  load {_load()}"
        )
        self.last, self.last_done, self.last_cpu = now, self.done, cpu
        self.last_documents = self.documents


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_backend(name: str, url: str, workdir: str, args, queries) -> dict:
    """Index and query one backend over the loaded database; its figures."""
    config = {
        "QINGDAN_DATABASE_URL": url,
        "QINGDAN_INSTANCE": workdir,
        "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
        "QINGDAN_SEARCH_BACKEND": name,
    }
    if name == "elasticsearch":
        config["QINGDAN_ELASTICSEARCH_URL"] = args.es_url
        config["QINGDAN_ELASTICSEARCH_INDEX"] = f"{args.es_prefix}-{uuid.uuid4().hex[:8]}"
    app = create_app(config)
    indexer = app.extensions["qingdan"].search
    result: dict = {"backend": name, "load_before": _load()}
    # The machine's speed around the catch-up (see bench.machine): rates from different
    # runs compare only next to it.
    result["machine_before_s"] = reference_seconds()
    print(f"[{name}] machine reference before: {result['machine_before_s']} (s, lower is faster)")
    try:
        if args.instance and name == "sql" and not args.reuse_index:
            indexer.clear()
        rates = SliceRates(args.slice, name, indexer.backend)
        started = time.perf_counter()
        absorbed = indexer.catch_up(progress=rates)
        elapsed = time.perf_counter() - started
        rates.close()
        result["machine_after_s"] = reference_seconds()
        print(f"[{name}] machine reference after:  {result['machine_after_s']}")
        result["catch_up_changes_per_s"] = round(absorbed / elapsed)
        result["catch_up_items_per_s"] = round(rates.documents / elapsed)
        result["catch_up_slices"] = rates.slices
        rate = absorbed / elapsed
        print(
            f"[{name}] catch-up: {absorbed} changes in {elapsed:.1f}s = {rate:,.0f}/s; "
            f"{rates.documents} documents = {rates.documents / elapsed:,.0f}/s"
        )
        if args.reindex:
            started = time.perf_counter()
            count = indexer.reindex()
            elapsed = time.perf_counter() - started
            result["reindex_items_per_s"] = round(count / elapsed)
            print(f"[{name}] reindex:  {count} items in {elapsed:.1f}s = {count / elapsed:,.0f}/s")
        searches, keystrokes, every = queries
        client = app.test_client()
        # Each distinct query once, before any is repeated: no answer is kept yet, as for
        # what a portal's users have never asked. One unrelated search loads the segmenter.
        _time(client, "/api/@search", ["预热"])
        distinct = list(dict.fromkeys(every))
        result["search_distinct"] = _percentiles(_time(client, "/api/@search", distinct))
        print(f"[{name}] @search, {len(distinct)} distinct queries once: ", end="")
        print(_show(result["search_distinct"]))
        _time(client, "/api/@search", searches[:20])  # warm caches
        result["search"] = _percentiles(_time(client, "/api/@search", searches))
        result["suggest"] = _percentiles(_time(client, "/api/@suggest", keystrokes))
        print(f"[{name}] @search:  {_show(result['search'])}")
        print(f"[{name}] @suggest: {_show(result['suggest'])}")
        status = indexer.status()
        result["documents"] = status.documents
        result["load_after"] = _load()
        print(f"[{name}] status:   {status}  load {result['load_after']}")
        if name == "elasticsearch":
            backend = indexer.backend
            (node,) = backend.client.nodes.info(metric="process")["nodes"].values()
            result["node"] = {"version": node["version"], **node_memory(backend.client)}
            print(f"[{name}] node:     {result['node']}")
            if not args.keep_index:
                stale = list(backend.client.indices.get(index=f"{backend.alias}-*"))
                backend.client.indices.delete(index=",".join(stale))
                backend.client.indices.delete_index_template(name=backend.alias)
    finally:
        app.extensions["qingdan"].engine.dispose()
    return result


def demo_queries(url: str, count: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """Searches from the demo relevance set, keystrokes from names the database holds."""
    relevance = [case["q"] for case in json.loads(RELEVANCE_DEMO.read_text())["queries"]]
    engine = make_engine(url)
    with engine.connect() as connection:
        top = connection.scalar(text("SELECT max(id) FROM item_versions")) or 0
        ids = [rng.randint(1, top) for _ in range(count * 4)]
        names = connection.scalars(
            text(
                "SELECT name FROM item_versions WHERE public_status = 'active' "
                "AND id IN (SELECT value FROM json_each(:ids))"
            ),
            {"ids": json.dumps(ids)},
        ).all()
    engine.dispose()
    return [rng.choice(relevance) for _ in range(count)], names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--database", help="empty database URL (default: temporary SQLite)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--backend", choices=["sql", "elasticsearch", "both"], default="sql")
    parser.add_argument("--es-url", default=ES_URL, help="Elasticsearch node (elasticsearch)")
    parser.add_argument("--es-prefix", default="qingdan-bench", help="index alias prefix")
    parser.add_argument("--keep-index", action="store_true", help="keep the ES index")
    parser.add_argument("--record", action="store_true", help=f"append results to {RESULTS}")
    parser.add_argument(
        "--instance", help="a COPY of an existing instance folder (SQLite): no loading"
    )
    parser.add_argument("--slice", type=int, default=50000, help="changes per rate report")
    parser.add_argument("--no-reindex", dest="reindex", action="store_false")
    parser.add_argument(
        "--reuse-index", action="store_true", help="--instance: keep its `sql` index (latency only)"
    )
    args = parser.parse_args()
    rng = random.Random(2026)
    if args.instance:
        workdir = str(Path(args.instance).resolve())
        url = f"sqlite:///{workdir}/qingdan.db"
        engine = make_engine(url)
        upgrade(engine)
        with engine.connect() as connection:
            args.items = connection.scalar(
                text("SELECT count(*) FROM item_versions WHERE public_status = 'active'")
            )
        engine.dispose()
        searches, names = demo_queries(url, args.queries, rng)
        print(f"instance {workdir}: {args.items} published items")
    else:
        workdir = tempfile.mkdtemp(prefix="qingdan-search-bench-")
        url = args.database or f"sqlite:///{workdir}/bench.db"
        started = time.perf_counter()
        load(url, args.items)
        load_seconds = time.perf_counter() - started
        print(f"loaded {args.items} items in {load_seconds:.1f}s ({url})")
        relevance = [case["q"] for case in json.loads(RELEVANCE.read_text())["queries"]]
        searches = [rng.choice(relevance) for _ in range(args.queries)]
        names = [r["name"] for r in dataset.records()]
    keystrokes: list[str] = []
    while len(keystrokes) < args.queries:
        name = rng.choice(names)
        keystrokes += [name[:n] for n in range(1, min(len(name), 6) + 1)]
    relevance_set = RELEVANCE_DEMO if args.instance else RELEVANCE
    every = [case["q"] for case in json.loads(relevance_set.read_text())["queries"]]
    queries = (searches, keystrokes[: args.queries], every)

    backends = ["sql", "elasticsearch"] if args.backend == "both" else [args.backend]
    for name in backends:
        result = run_backend(name, url, workdir, args, queries)
        if args.record:
            line = {
                "benchmark": "search",
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "items": args.items,
                "data": "demo instance" if args.instance else "search test city",
                "database": url.split(":", 1)[0].split("+", 1)[0],
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                **result,
            }
            with RESULTS.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
