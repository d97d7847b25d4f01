"""The SearchBackend contract, through the API, on every backend available here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingdan_api.domain.record import filter_columns
from qingdan_api.models import UPSERT, WITHDRAW, Change, ItemVersion

from .conftest import search
from .dataset import code_of

FOOD = code_of("食品经营许可")


@pytest.mark.parametrize("word", ["审批", "处罚", "许可", "登记", "给付"])
def test_two_character_words_are_found(client, word):
    body = search(client, word, limit=50)
    assert body["items_total"] > 0
    for hit in body["items"]:
        marked = hit["highlights"]["name"] + hit["highlights"].get("text", "")
        assert f"<mark>{word}</mark>" in marked or word in hit["name"], hit


def test_codes_whole_and_by_prefix(client):
    for q in (FOOD, FOOD.lower(), "许可-11001"):
        assert search(client, q)["items"][0]["code"] == FOOD, q
    for prefix in (FOOD[:24], FOOD[19:27]):
        hits = search(client, prefix, limit=100)["items"]
        assert FOOD in [hit["code"] for hit in hits]
        assert all(prefix in hit["code"] for hit in hits), prefix
    unit_prefix = search(client, FOOD[:18], limit=200)
    assert unit_prefix["items_total"] == 31 + 12  # every item of that unit
    assert {hit["unit"]["credit_code"] for hit in unit_prefix["items"]} == {FOOD[:18]}


def test_highlights_mark_the_words(client):
    hit = search(client, "食品经营许可")["items"][0]
    assert hit["highlights"]["name"] == "<mark>食品</mark><mark>经营</mark><mark>许可</mark>"
    assert hit["highlights"]["text"].startswith("国家对<mark>食品</mark>生产<mark>经营</mark>")
    assert hit["score"] > 0 and hit["@id"].endswith(f"/api/items/{FOOD}")


def test_filters_are_those_of_items(client):
    penalties = search(client, "许可", category="penalty", limit=200)
    assert penalties["items_total"] > 0
    assert {hit["category"] for hit in penalties["items"]} == {"02"}
    township = search(client, "登记", region="449901101000", limit=200)
    assert township["items_total"] > 0 and {hit["level"] for hit in township["items"]} == {"5"}
    unit = search(client, "许可", unit=FOOD[:18], limit=200)
    assert {hit["unit"]["credit_code"] for hit in unit["items"]} == {FOOD[:18]}
    assert (
        search(client, "食品", target="natural_person")["items_total"]
        < search(client, "食品")["items_total"]
    )
    for bad in ({"category": "nope"}, {"unit": "123"}, {"region": "x"}, {"cursor": "%%%"}):
        response = client.get("/api/@search", query_string={"q": "许可", **bad})
        assert response.status_code == 400, bad


def test_facets_count_every_hit(client):
    body = search(client, "许可", limit=1)
    facets = body["facets"]
    assert set(facets) == {"category", "unit", "level", "target", "region"}
    assert sum(v["count"] for v in facets["category"]) == body["items_total"]
    for entry in facets["category"]:
        narrowed = search(client, "许可", category=entry["value"], limit=1)
        assert narrowed["items_total"] == entry["count"]
    labels = {v["value"]: v["label"] for v in facets["category"]}
    assert labels["01"] == "行政许可"
    assert all(v["label"] for v in facets["unit"])


def test_paging_walks_every_hit_once_best_first(client):
    first = search(client, "许可", limit=7)
    seen, scores, body = [], [], first
    while True:
        seen += [hit["code"] for hit in body["items"]]
        scores += [hit["score"] for hit in body["items"]]
        if "next" not in body["batching"]:
            break
        body = client.get(body["batching"]["next"]).get_json()
    assert len(seen) == len(set(seen)) == first["items_total"]
    assert scores == sorted(scores, reverse=True)


def test_suggest_completes_names_and_codes(client):
    body = client.get("/api/@suggest", query_string={"q": "食品经"}).get_json()
    names = [s["name"] for s in body["items"]]
    assert names[0] == "食品经营许可"
    assert "对未取得食品经营许可从事食品经营活动的行政处罚" in names
    assert len(names) == len(set(names))
    by_code = client.get("/api/@suggest", query_string={"q": FOOD[:26]}).get_json()
    assert "食品经营许可" in [s["name"] for s in by_code["items"]]
    assert client.get("/api/@suggest", query_string={"q": "的"}).get_json()["items"] == []


def _publish(session: Session, code: str, **changes) -> None:
    """What the editorial workflow does on publication: a new public version + a change row."""
    current = session.scalar(
        select(ItemVersion).where(ItemVersion.code == code, ItemVersion.public_status == "active")
    )
    now = datetime.now(UTC)
    record = {**current.record, **changes}
    withdrawing = record["disposition"] in ("cancel", "transfer", "merge")
    current.public_status, current.superseded_at = None, now
    session.flush()
    version = ItemVersion(
        item_id=current.item_id,
        number=current.number + 1,
        public_status="withdrawn" if withdrawing else "active",
        unit_id=current.unit_id,
        record=record,
        published_at=now,
        **filter_columns(record),
    )
    session.add(version)
    session.flush()
    session.add(
        Change(
            item_id=current.item_id,
            code=code,
            version_id=version.id,
            version=version.number,
            operation=WITHDRAW if withdrawing else UPSERT,
        )
    )
    session.commit()


def _status(client):
    return client.get("/api/@search/status").get_json()


def test_publication_is_indexed_after_commit_and_withdrawal_removes(city, client):
    code = code_of("燃气经营许可证核发")
    factory = city.extensions["qingdan"].session_factory
    with factory() as session:
        _publish(session, code, name="城镇燃气经营许可证核发")
    assert search(client, "城镇燃气")["items"][0]["code"] == code
    with factory() as session:
        _publish(session, code, disposition="cancel", disposition_reason="取消")
    assert code not in [h["code"] for h in search(client, "燃气经营", limit=100)["items"]]
    assert _status(client)["lag"] == 0


def test_a_crash_before_indexing_loses_nothing(city, client):
    """Commit through a session without the hook (as if the process died after commit)."""
    code = code_of("烟花爆竹经营（零售）许可")
    with Session(city.extensions["qingdan"].engine) as session:
        _publish(session, code, name="烟花爆竹零售许可（春节专项）")
    assert _status(client)["lag"] == 1
    assert search(client, "春节专项")["items_total"] == 0  # not indexed yet
    assert city.extensions["qingdan"].search.catch_up() == 1
    assert search(client, "春节专项")["items"][0]["code"] == code
    assert _status(client)["lag"] == 0


def test_status_and_reindex(city, client):
    before = _status(client)
    assert before["backend"] in ("sql", "elasticsearch")
    assert before["lag"] == 0 and before["checkpoint"] == before["last_change"]
    with city.extensions["qingdan"].session_factory() as session:
        active = session.query(ItemVersion).filter_by(public_status="active").count()
    assert before["documents"] == active
    ranked = _scores(search(client, "许可", limit=20))
    assert city.extensions["qingdan"].search.reindex() == active
    after = _status(client)
    assert after["documents"] == active and after["lag"] == 0
    # The same items with about the same scores, not always in the same order:
    # Elasticsearch's term statistics still count the versions replaced before the
    # rebuild, which moves scores by a hundredth and can swap near-ties.
    again = _scores(search(client, "许可", limit=40))  # a tie at the 20th may move past it
    assert all(abs(again[code] - ranked[code]) < 0.1 for code in ranked)


def _scores(body) -> dict[str, float]:
    return {hit["code"]: hit["score"] for hit in body["items"]}
