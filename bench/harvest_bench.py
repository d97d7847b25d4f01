"""Harvest benchmark: a full bootstrap and an incremental harvest of N changes at scale.

    python -m bench.harvest_bench                      # 100,000 items, 1,000 changes
    python -m bench.harvest_bench --items 3000 --changes 100

A source instance (the demo city, loaded in bulk) is served by `qingdan serve` (waitress)
in a subprocess on a loopback port; the aggregator harvests it in this process: first from
seq 0 (bootstrap), then again after the source has published N changes through the real
editorial services (half adjustments published in one release, half withdrawals). Each
run ends with the harvester's own verification (counts + set checksum). Results are
appended as JSON lines to bench/results/harvest_bench.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from qingdan_api import create_app
from qingdan_api.migrate import upgrade
from qingdan_api.models import Item, utcnow
from qingdan_api.services import editing, publishing, workflow
from qingdan_api.services.auth import Principal
from qingdan_api.services.demo import load_demo
from qingdan_api.services.harvest import harvest
from qingdan_api.services.items import editing_base

RESULTS = Path(__file__).parent / "results" / "harvest_bench.jsonl"
ADMIN = Principal(0, "基准测试", "admin")


def _app(url: str, folder: Path):
    app = create_app({"QINGDAN_DATABASE_URL": url, "QINGDAN_INSTANCE": str(folder)})
    upgrade(app.extensions["qingdan"].engine)
    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(url: str, folder: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen(
        [sys.executable, "-m", "qingdan_api", "serve", "--database", url, "--port", str(port)],
        env={**env, "QINGDAN_INSTANCE": str(folder)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/api"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/", timeout=1).close()
            return process, base
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the source did not start")


def _revision(session, code: str) -> int:
    return editing_base(session, session.scalar(select(Item).where(Item.code == code))).revision


def make_changes(session, count: int) -> None:
    """count/2 adjustments published as one release, then count/2 withdrawals."""
    codes = list(
        session.scalars(
            select(Item.code).where(Item.state == "published").order_by(Item.code).limit(count)
        )
    )
    adjust, withdraw = codes[: count // 2], codes[count // 2 : count]
    for code in adjust:
        editing.patch_item(session, ADMIN, code, {"remarks": "基准调整"}, _revision(session, code))
        for name in ("submit", "review", "approve", "notice"):
            extra = {"notice_days": 0} if name == "notice" else {}
            workflow.transition(
                session, ADMIN, code, name, expected_revision=_revision(session, code), **extra
            )
    publishing.publish_release(
        session, ADMIN, name="基准调整", codes=adjust, now=utcnow() + timedelta(seconds=1)
    )
    for code in withdraw:
        workflow.transition(
            session,
            ADMIN,
            code,
            "withdraw",
            expected_revision=_revision(session, code),
            comment="基准",
        )


def _summary(result, seconds: float) -> dict:
    return {
        "seconds": round(seconds, 2),
        "changes_applied": result.stats.applied,
        "changes_per_second": round(result.stats.applied / seconds, 1) if seconds else None,
        "pages": result.pages,
        "items_total": result.items_total,
        "verified": result.verified,
        "error": result.error,
    }


def run(items: int, changes: int, page_size: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="qingdan-harvest-bench-"))
    source_url, mirror_url = f"sqlite:///{work}/source.db", f"sqlite:///{work}/mirror.db"
    source, mirror = _app(source_url, work / "s"), _app(mirror_url, work / "m")
    report: dict = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "items": items,
        "page_size": page_size,
        "database": "sqlite",
        "python": platform.python_version(),
    }
    started = time.perf_counter()
    with source.extensions["qingdan"].session_factory() as session:
        report["source_load"] = load_demo(session, total=items)
    report["source_load_seconds"] = round(time.perf_counter() - started, 1)
    process, base = _serve(source_url, work / "s")
    factory = mirror.extensions["qingdan"].session_factory
    try:
        started = time.perf_counter()
        bootstrap = harvest(factory, base, name="临江市", page_size=page_size)
        report["bootstrap"] = _summary(bootstrap, time.perf_counter() - started)
        started = time.perf_counter()
        with source.extensions["qingdan"].session_factory() as session:
            make_changes(session, changes)
        report["source_changes_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        incremental = harvest(factory, base, page_size=page_size)
        report["incremental"] = _summary(incremental, time.perf_counter() - started)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    report = run(args.items, args.changes, args.page_size)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a") as out:
        out.write(json.dumps(report, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
