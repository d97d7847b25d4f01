"""End to end: a source publishes, adjusts and withdraws at random over several releases; an
aggregator harvests it at random points in a subprocess that is killed mid-harvest, and in
the end holds exactly the source's published set."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from qingdan_api.models import Source
from qingdan_api.services.harvest import harvest
from tests import factories as f
from tests.sync import driver as d
from tests.sync.conftest import session_of

ROOT = Path(__file__).resolve().parents[2]
UNITS = [f.unit_data(21, name="临江市自然资源局"), f.unit_data(22, name="临江市卫生健康委员会")]
NAME = "临江市"


def _command(url: str, page_size: int) -> list[str]:
    return [
        *(sys.executable, "-m", "qingdan_api", "harvest", url),
        *("--name", NAME, "--page-size", str(page_size), "--no-progress"),
    ]


def _env(app) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QINGDAN_DATABASE_URL": app.config["QINGDAN_DATABASE_URL"],
        "QINGDAN_INSTANCE": app.config["QINGDAN_INSTANCE"],
    }


def _checkpoint(aggregator) -> int:
    with session_of(aggregator) as a:
        return a.scalar(select(Source.last_seq).where(Source.name == NAME)) or 0


def _source_last_seq(source) -> int:
    return source.test_client().get("/api/@changes?limit=1").get_json()["last_seq"]


def harvest_in_subprocess(aggregator, url: str) -> None:
    done = subprocess.run(
        _command(url, 3), env=_env(aggregator), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


def harvest_and_kill(aggregator, source, url: str, gate: d.Gate, pages: int) -> bool:
    """Start a harvest with one change per page, let `pages` pages through and SIGKILL it
    once it has committed one (polling alone missed that window on a starved machine).

    True when it died mid-way (its checkpoint moved but had not reached the source's end).
    """
    start, target = _checkpoint(aggregator), _source_last_seq(source)
    feed = gate.hold("/@changes", pages)
    process = subprocess.Popen(
        _command(url, 1), env=_env(aggregator), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if _checkpoint(aggregator) > start:
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        feed.release()
        process.wait(timeout=30)
        process.stderr.close()
    return start < _checkpoint(aggregator) < target


class City:
    """The source's editors: random adjustments over the real workflow."""

    def __init__(self, app, rng: random.Random):
        self.app, self.rng = app, rng
        self.active: list[str] = []
        self.next = 1
        with session_of(app) as s:
            d.add_units_to(s, UNITS)

    def release(self, number: int, new: int) -> None:
        rng = self.rng
        with session_of(self.app) as s:
            fresh = []
            for _ in range(new):
                unit = rng.choice(UNITS)
                fresh.append(d.draft(s, unit, self.next, name=f"事项{self.next}"))
                self.next += 1
            pool = list(self.active)
            rng.shuffle(pool)
            adjusted = pool[: rng.randint(0, min(4, len(pool)))]
            cancelled = pool[len(adjusted) : len(adjusted) + rng.randint(0, 2)]
            for code in adjusted:
                d.adjust(s, code, name=f"第{number}批调整", remarks=f"调整{rng.random()}")
            for code in cancelled:
                d.cancel(s, code, f"第{number}批取消")
            batch = fresh + adjusted + cancelled
            rng.shuffle(batch)
            d.publish_release(s, batch, f"第{number}批")
            self.active = [c for c in self.active if c not in cancelled] + fresh

    def withdraw_some(self) -> None:
        with session_of(self.app) as s:
            for code in self.rng.sample(self.active, min(len(self.active), 2)):
                d.withdraw(s, code, "立即撤销")
                self.active.remove(code)


def test_aggregator_ends_with_exactly_the_source_set(instances):
    rng = random.Random(20261127)
    source, aggregator = instances(), instances()
    city = City(source, rng)
    factory = aggregator.extensions["qingdan"].session_factory
    gate = source.wsgi_app = d.Gate(source.wsgi_app)
    kills = 0
    with d.serving(source) as url:
        city.release(1, new=30)
        kills += harvest_and_kill(aggregator, source, url, gate, rng.randint(1, 3))
        for number in range(2, 8):
            city.release(number, new=rng.randint(2, 8))
            if rng.random() < 0.5:
                city.withdraw_some()
            mode = rng.choice(["inline", "subprocess", "kill", "skip"])
            if mode == "inline":
                assert harvest(factory, url, page_size=rng.randint(1, 7)).verified
            elif mode == "subprocess":
                harvest_in_subprocess(aggregator, url)
            elif mode == "kill":
                kills += harvest_and_kill(aggregator, source, url, gate, rng.randint(1, 3))
        city.withdraw_some()
        harvest_in_subprocess(aggregator, url)
        final = harvest(factory, url, page_size=50)
    assert kills >= 1, "the harvester was never killed mid-way"
    assert final.error is None and final.verified and final.stats.applied == 0

    with session_of(source) as s, session_of(aggregator) as a:
        theirs, ours = d.public_set(s), d.public_set(a, final.source_id)
    assert ours.keys() == theirs.keys()
    for code, expected in theirs.items():
        assert ours[code] == expected, code
    assert {status for _, status, _, _ in theirs.values()} == {"active", "withdrawn"}

    source_http, aggregator_http = source.test_client(), aggregator.test_client()
    checksum = source_http.get("/api/@changes/checksum").get_json()
    health = aggregator_http.get(f"/api/@sources/{final.source_id}").get_json()
    assert health["set_checksum"] == checksum["checksum"] and health["healthy"] is True
    assert health["last_seq"] == checksum["seq"] and health["items_total"] == len(theirs)
    # The aggregator serves the same records, and 410 for the same withdrawn items.
    for code in theirs:
        mine, original = (
            aggregator_http.get(f"/api/items/{code}"),
            source_http.get(f"/api/items/{code}"),
        )
        assert mine.status_code == original.status_code
        if mine.status_code == 200:
            a, b = mine.get_json(), original.get_json()
            assert a.pop("source")["name"] == NAME
            a.pop("release_id"), b.pop("release_id")  # release ids are the source's own
            assert a == b
