"""Conflicting edits from several threads at once: one winner per ETag, no lost update."""

from __future__ import annotations

import threading

from sqlalchemy import select

from qingdan_api.models import Change
from tests import factories as f

from .conftest import UNIT_A

THREADS = 8


def run_together(work, count: int = THREADS) -> list:
    """Run work(i) in `count` threads released at the same moment; returns the results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_one_winner_per_etag(app, desk, tokens):
    code = desk.create(f.record(UNIT_A, 501)).get_json()["code"]
    for round_ in range(3):
        etag = desk.etag(code)

        def edit(i: int, etag=etag, round_=round_) -> tuple[int, str]:
            client = app.test_client()
            response = client.patch(
                f"/api/items/{code}",
                json={"remarks": f"round {round_} writer {i}"},
                headers={**tokens["editor"], "If-Match": etag},
            )
            return response.status_code, response.get_json().get("record", {}).get("remarks")

        results = run_together(edit)
        statuses = sorted(status for status, _ in results)
        assert statuses == [200] + [412] * (THREADS - 1), statuses
        winner = next(remarks for status, remarks in results if status == 200)
        draft, new_etag = desk.draft(code)
        assert draft["record"]["remarks"] == winner
        assert new_etag == f'"{int(etag.strip(chr(34))) + 1}"'


def test_no_lost_update_with_retries(app, desk, tokens):
    code = desk.create(f.record(UNIT_A, 502, remarks="")).get_json()["code"]
    per_thread = 3

    def append(i: int) -> int:
        client = app.test_client()
        conflicts = 0
        for k in range(per_thread):
            while True:
                current = client.get(f"/api/items/{code}/@draft", headers=tokens["editor"])
                remarks = current.get_json()["record"]["remarks"] or ""
                response = client.patch(
                    f"/api/items/{code}",
                    json={"remarks": f"{remarks}[{i}.{k}]"},
                    headers={**tokens["editor"], "If-Match": current.headers["ETag"]},
                )
                if response.status_code == 200:
                    break
                assert response.status_code == 412, response.get_json()
                conflicts += 1
        return conflicts

    conflicts = run_together(append)
    remarks = desk.draft(code)[0]["record"]["remarks"]
    for i in range(THREADS):
        for k in range(per_thread):
            assert f"[{i}.{k}]" in remarks
    assert desk.etag(code) == f'"{1 + THREADS * per_thread}"'
    assert sum(conflicts) > 0  # they really did collide


def test_concurrent_transitions_one_winner(app, desk, tokens):
    code = desk.create(f.record(UNIT_A, 503)).get_json()["code"]
    desk.move(code, "submit", "editor")
    desk.move(code, "review", "reviewer")
    etag = desk.etag(code)

    def decide(i: int) -> int:
        name, body = ("approve", {}) if i % 2 else ("return", {"comment": "请补充"})
        response = app.test_client().post(
            f"/api/items/{code}/@workflow/{name}",
            json=body,
            headers={**tokens["reviewer"], "If-Match": etag},
        )
        return response.status_code

    statuses = sorted(run_together(decide))
    assert statuses == [200] + [412] * (THREADS - 1), statuses


def test_concurrent_releases_feed_has_no_visible_gaps(app, desk, session):
    codes = []
    for n in range(THREADS):
        code = desk.create(f.record(UNIT_A, 510 + n)).get_json()["code"]
        desk.to_notice(code)
        codes.append(code)
    before = session.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1)) or 0
    session.rollback()  # on SQLite an open transaction of this session would hold the writers
    factory = app.extensions["qingdan"].read_session_factory
    done = threading.Event()
    observed: list[list[int]] = []

    def follow() -> None:
        # A feed reader polling as the releases commit: it must never see seq n+1
        # before seq n, or it would skip n for good.
        while not done.is_set():
            with factory() as reader:
                observed.append(list(reader.scalars(select(Change.seq).where(Change.seq > before))))

    reader = threading.Thread(target=follow)
    reader.start()

    def publish(i: int) -> int:
        response = app.test_client().post(
            "/api/@releases",
            json={"name": f"并发批次{i}", "items": [codes[i]]},
            headers=desk.tokens["publisher"],
        )
        return response.status_code

    try:
        assert run_together(publish) == [201] * THREADS
    finally:
        done.set()
        reader.join()
    session.rollback()  # end the read transaction: SQLite would keep showing its snapshot
    final = sorted(session.scalars(select(Change.seq).where(Change.seq > before)))
    assert final == list(range(before + 1, before + 1 + THREADS))
    assert len(observed) > 1
    for seen in observed:
        assert sorted(seen) == list(range(before + 1, before + 1 + len(seen))), seen
