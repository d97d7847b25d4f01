"""Export fragments through the editorial lifecycle: never a draft's, never a replaced version's.

A fragment belongs to one version (services.fragments): adjusting a published item
publishes a new version, withdrawing publishes a tombstone, and neither touches the old
version's fragment. These tests make that old fragment as dangerous as it can be (valid
stamp and content hash, text that would show) and check that no export splices it; that
no working version ever gets one; and that a release's dump renders the fragments of
what it published.
"""

from __future__ import annotations

import json
import time

from sqlalchemy import delete, func, insert, select, update

from qingdan_api.models import ExportCsvRow, ExportFragment, ItemVersion
from qingdan_api.services import fragments
from tests import factories as f

from .conftest import UNIT_A

SPOILED = "SPOILED-片段"
# Every export that splices fragments, and the ones that do not, both statuses.
URLS = [
    "/api/items.csv",
    "/api/items.xml",
    "/api/items.csv?table=legal_bases",
    "/api/items.csv.zip",
    "/api/items.ndjson",
    "/api/items.csv?status=withdrawn",
    "/api/items.xml?status=all",
    f"/api/units/{UNIT_A['credit_code']}/items.csv",
]


def _versions(app, code: str) -> list[tuple[int, str | None, int | None]]:
    """(id, public_status, number) of the item's versions, oldest first."""
    with app.extensions["qingdan"].session_factory() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(ItemVersion.id, ItemVersion.public_status, ItemVersion.number)
                .where(ItemVersion.code == code)
                .order_by(ItemVersion.id)
            )
        ]


def _stored(app, version_id: int) -> tuple[bool, bool]:
    """Whether the version has (its fragment row, its CSV line row)."""
    with app.extensions["qingdan"].session_factory() as session:
        return (
            session.get(ExportFragment, version_id) is not None,
            session.scalar(select(ExportCsvRow).where(ExportCsvRow.version_id == version_id))
            is not None,
        )


def _spoil(app, version_id: int) -> None:
    """The version's fragment keeps its stamp and hash (it looks valid) but shows SPOILED."""
    with app.extensions["qingdan"].session_factory() as session:
        children = session.scalar(
            select(ExportFragment.csv_children).where(ExportFragment.version_id == version_id)
        )
        assert children is not None, "the version had its fragment"
        session.execute(
            update(ExportFragment)
            .where(ExportFragment.version_id == version_id)
            .values(
                csv_children=json.dumps([f"{SPOILED}\r\n" for _ in json.loads(children)]),
                xml=f"<name>{SPOILED}</name>",
            )
        )
        session.execute(
            update(ExportCsvRow)
            .where(ExportCsvRow.version_id == version_id)
            .values(csv_row=SPOILED)
        )
        session.commit()


def _bodies(client) -> str:
    out = []
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        out.append(response.get_data().decode("utf-8", "replace"))
    return "\n".join(out)


def _published(desk, n: int, name: str) -> str:
    code = desk.create(f.record(UNIT_A, n, name=name)).get_json()["code"]
    desk.to_notice(code)
    desk.release(f"批次{n}", [code])
    return code


def test_an_adjusted_item_never_shows_its_old_fragment(app, client, desk):
    code = _published(desk, 610, "调整前的事项")
    fragments.refresh(app.extensions["qingdan"].engine)
    (old, status, _), *_ = _versions(app, code)
    assert status == "active"
    _spoil(app, old)
    assert SPOILED in client.get("/api/items.csv").get_data(as_text=True), "spliced while public"
    # The working copy of an adjustment: not public, no fragment, not shown.
    desk.patch(code, {"name": "调整后的事项"})
    fragments.refresh(app.extensions["qingdan"].engine)
    working = _versions(app, code)[-1]
    assert working[1] is None and working[2] is None
    assert _stored(app, working[0]) == (False, False)
    assert "调整后的事项" not in _bodies(client)
    desk.to_notice(code)
    desk.release("调整批次", [code])
    assert _stored(app, old) == (False, False), "the superseded version's rows are deleted"
    bodies = _bodies(client)
    assert SPOILED not in bodies, "the replaced version's fragment was spliced"
    assert "调整后的事项" in bodies and "调整前的事项" not in bodies


def test_a_withdrawn_item_never_shows_its_old_fragment(app, client, desk):
    code = _published(desk, 620, "将被撤销的事项")
    fragments.refresh(app.extensions["qingdan"].engine)
    old = _versions(app, code)[0][0]
    _spoil(app, old)
    desk.move(code, "withdraw", "publisher", comment="职能调整，依法取消")
    tombstone = _versions(app, code)[-1]
    assert tombstone[1] == "withdrawn" and tombstone[0] != old
    assert _stored(app, old) == (False, False)
    assert SPOILED not in _bodies(client)
    withdrawn = client.get("/api/items.csv?status=withdrawn").get_data(as_text=True)
    assert code in withdrawn and "cancel" in withdrawn
    # Rendered by the next refresh, spliced from then on: the same bytes.
    before = client.get("/api/items.xml?status=withdrawn").get_data()
    fragments.refresh(app.extensions["qingdan"].engine)
    assert _stored(app, tombstone[0]) == (True, True)
    assert client.get("/api/items.xml?status=withdrawn").get_data() == before


def test_a_fragment_of_a_draft_is_never_served(app, client, desk):
    """Even one planted by hand, with a valid stamp and hash: drafts are not selected."""
    code = desk.create(f.record(UNIT_A, 630, name="内部草稿")).get_json()["code"]
    (draft, status, number), *_ = _versions(app, code)
    assert status is None and number is None
    fragments.refresh(app.extensions["qingdan"].engine)
    assert _stored(app, draft) == (False, False), "refresh rendered a draft"
    with app.extensions["qingdan"].session_factory() as session:
        content_hash = session.scalar(
            select(ItemVersion.content_hash).where(ItemVersion.id == draft)
        )
        valid = {"version_id": draft, "stamp": fragments.STAMP, "content_hash": content_hash}
        session.execute(
            insert(ExportFragment).values(
                **valid, csv_children=json.dumps([SPOILED] * 10), xml=SPOILED, process_key=""
            )
        )
        session.execute(insert(ExportCsvRow).values(**valid, code=code, csv_row=SPOILED))
        session.commit()
    try:
        bodies = _bodies(client)
    finally:  # the module's other tests count working versions with fragments
        with app.extensions["qingdan"].session_factory() as session:
            for table in (ExportFragment, ExportCsvRow):
                session.execute(delete(table).where(table.version_id == draft))
            session.commit()
    assert SPOILED not in bodies and "内部草稿" not in bodies and code not in bodies


def test_a_release_renders_the_fragments_of_what_it_published(app, client, desk):
    code = desk.create(f.record(UNIT_A, 640, name="随批次发布的事项")).get_json()["code"]
    desk.to_notice(code)
    live = client.get(f"/api/units/{UNIT_A['credit_code']}/items.csv")
    app.config["QINGDAN_DUMP_ON_RELEASE"] = True
    try:
        release = desk.release("带转储的批次", [code])
    finally:
        app.config["QINGDAN_DUMP_ON_RELEASE"] = False
    version = _versions(app, code)[-1][0]
    deadline = time.monotonic() + 60
    stored = None
    while stored is None and time.monotonic() < deadline:
        with app.extensions["qingdan"].session_factory() as session:
            stored = session.get(ExportFragment, version)
            dumped = client.get("/api/@downloads").get_json()["items"]
        if stored is None:
            time.sleep(0.2)
    assert stored is not None, "the release's dump rendered no fragment for its version"
    assert stored.stamp == fragments.STAMP
    deadline = time.monotonic() + 60
    while not any(d["release_id"] == release["id"] for d in dumped):
        assert time.monotonic() < deadline, "the release's dump did not finish"
        time.sleep(0.2)
        dumped = client.get("/api/@downloads").get_json()["items"]
    spliced = client.get(f"/api/units/{UNIT_A['credit_code']}/items.csv").get_data(as_text=True)
    assert "随批次发布的事项" in spliced
    assert "随批次发布的事项" not in live.get_data(as_text=True)  # was on notice, not public
    with app.extensions["qingdan"].session_factory() as session:
        drafts = session.scalar(
            select(func.count())
            .select_from(ExportFragment)
            .join(ItemVersion, ItemVersion.id == ExportFragment.version_id)
            .where(ItemVersion.public_status.is_(None), ItemVersion.number.is_(None))
        )
    assert drafts == 0, "a working version has a fragment"
