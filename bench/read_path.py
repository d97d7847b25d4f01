"""The public read path, request by request: one item, a unit's page of 50, units, search.

    python -m bench.read_path --instance /tmp/copy-of-demo-100k --label before
    python -m bench.read_path --instance DIR --profile search   # pyinstrument, one scenario

Runs against an existing instance (a COPY of /work/bench-data/demo-100k: the app may
migrate it) through the WSGI app in-process (Flask test client, no network, one thread),
so the figures are the server's own work per request. Each scenario is warmed up, then
timed for `--seconds`; the result is requests per second and ms per request (p50, p95),
with the load average of the machine beside it. Appended as JSON lines to
bench/results/read_path.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from qingdan_api import create_app

RESULTS = Path(__file__).parent / "results" / "read_path.jsonl"
SEARCH_WORDS = "危险化学品"


def scenarios(client) -> dict[str, str]:
    """Name -> URL of each scenario, picked from what the instance holds."""
    units = client.get("/api/units?limit=200").get_json()["items"]
    busiest = max(units, key=lambda u: u.get("items_total") or 0)
    page = client.get(f"/api/items?unit={busiest['credit_code']}&limit=50").get_json()
    code = page["items"][len(page["items"]) // 2]["code"]
    return {
        "item": f"/api/items/{code}",
        "unit page of 50": f"/api/items?unit={busiest['credit_code']}&limit=50",
        "page of 50": "/api/items?limit=50",
        "units listing": "/api/units?limit=50",
        "search 20": f"/api/@search?q={SEARCH_WORDS}&limit=20",
        "search 20 cold": f"/api/@search?q={SEARCH_WORDS}&limit=20#cold",
    }


def _forget_search_answers() -> None:
    """Empty the kept backend answers (services/search.py), where this version has them."""
    from qingdan_api.services import search

    kept = getattr(search, "_RESULTS", None)
    if kept is not None:
        kept.clear()


def backend_cpu(app):
    """On PostgreSQL on this machine: a function giving the CPU seconds used so far by the
    server processes of the app's pooled connections (/proc), else None. One thread asks,
    so the pool holds one connection; its backend does the server's part of each request."""
    engine = app.extensions["qingdan"].engine
    if engine.dialect.name != "postgresql":
        return None
    from sqlalchemy import text

    with engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():  # a server on another host
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def used() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    return used


def measure(client, url: str, seconds: float, server=None) -> dict:
    cold = url.endswith("#cold")  # every request asks the search backend again
    url = url.removesuffix("#cold")
    for _ in range(5):  # warm: caches, statement cache, page cache
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.data[:300])
    samples: list[float] = []
    server_started = server() if server else None
    started, cpu_started = time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        if cold:
            _forget_search_answers()
        t0 = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(samples)
    ordered = sorted(samples)
    extra = {}
    if server is not None:
        # The database server's CPU per request: with it, what two cores could serve if
        # both were busy with this (app and database share the machine's cores).
        server_ms = (server() - server_started) * 1000 / len(samples)
        extra = {
            "server_cpu_ms": round(server_ms, 3),
            "two_cores_req_per_s": round(2000 / (cpu_ms + server_ms), 1),
        }
    return {
        "req_per_s": round(len(samples) / elapsed, 1),
        # CPU time of this process per request: what the server spends, whatever the load.
        "cpu_ms": round(cpu_ms, 3),
        "cpu_req_per_s": round(1000 / cpu_ms, 1),
        # The fastest request: the cost with no other process in the way (the machine is
        # shared; compare variants by this and by cpu_ms, measured in one round).
        "min_ms": round(ordered[0], 3),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "n": len(samples),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        **extra,
    }


def profile(client, url: str, seconds: float, cpu: bool) -> None:
    """pyinstrument (wall clock), or with `cpu` cProfile on process time, top 40 by own time
    (on a loaded machine wall-clock samples mostly show waiting for a core)."""
    client.get(url)
    if cpu:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        started = time.perf_counter()
        profiler.enable()
        while time.perf_counter() - started < seconds:
            client.get(url)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime"))
        stats.print_stats(int(os.environ.get("TOP", "40")))
        if os.environ.get("CALLERS"):
            pstats.Stats(profiler).print_callers(os.environ["CALLERS"])
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        client.get(url)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", required=True, help="instance folder (a copy: it migrates)")
    parser.add_argument("--database", help="SQLAlchemy URL (default: the instance's SQLite)")
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario")
    parser.add_argument("--label", default="", help="e.g. before / after step 1")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--profile", help="profile this scenario with pyinstrument instead")
    parser.add_argument("--cpu", action="store_true", help="with --profile: cProfile, CPU time")
    args = parser.parse_args()
    config = {"QINGDAN_INSTANCE": args.instance, "QINGDAN_SEARCH_CATCH_UP_ON_START": False}
    config["QINGDAN_PORTAL"] = False
    if args.database:
        config["QINGDAN_DATABASE_URL"] = args.database
    app = create_app(config)
    client = app.test_client()
    chosen = scenarios(client)
    if args.profile:
        profile(client, chosen[args.profile].removesuffix("#cold"), args.seconds, args.cpu)
        return
    names = args.only.split(",") if args.only else list(chosen)
    server = backend_cpu(app)
    timings = {name: measure(client, chosen[name], args.seconds, server) for name in names}
    result = {
        "benchmark": "read_path",
        "label": args.label,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": app.extensions["qingdan"].engine.dialect.name,
        "instance": args.instance,
        "python": platform.python_version(),
        "urls": {name: chosen[name] for name in names},
        "timings": timings,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    for name, timing in timings.items():
        print(
            f"{name:16} {timing['req_per_s']:7.1f} req/s  min {timing['min_ms']:6.2f} ms  "
            f"p50 {timing['p50_ms']:6.2f} ms  "
            f"cpu {timing['cpu_ms']:6.2f} ms/req ({timing['cpu_req_per_s']:6.1f}/s)  "
            + (
                f"+ server {timing['server_cpu_ms']:5.2f} ms "
                f"(2 cores: {timing['two_cores_req_per_s']:6.1f}/s)  "
                if "server_cpu_ms" in timing
                else ""
            )
            + f"load {timing['load_avg'][0]}"
        )


if __name__ == "__main__":
    main()
