"""@suggest: completes names by their start or a word inside, codes by prefix; kept current."""

from __future__ import annotations

from .dataset import code_of
from .test_contract import _publish

FOOD = code_of("食品经营许可")


def suggest(client, q, **params) -> list[dict]:
    response = client.get("/api/@suggest", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_names_that_begin_with_the_input_come_first(client):
    names = [s["name"] for s in suggest(client, "食品")]
    assert names[0].startswith("食品")
    starting = [n.startswith("食品") for n in names]
    assert starting == sorted(starting, reverse=True)


def test_words_inside_a_name_complete_it(client):
    assert "食品经营许可" in [s["name"] for s in suggest(client, "经营许可")]
    assert "食品经营许可" in [s["name"] for s in suggest(client, "食品 经营")]


def test_codes_complete_by_prefix(client, search_backend):
    items = suggest(client, FOOD[:26].lower(), limit=20)
    assert "食品经营许可" in [s["name"] for s in items]
    assert all(s["code"].startswith(FOOD[:26]) for s in items)
    if search_backend == "sql":  # a B-tree range: in code order
        assert [s["code"] for s in items] == sorted(s["code"] for s in items)


def test_each_name_once_with_its_count(client):
    items = suggest(client, "许可", limit=20)
    assert len(items) == len({s["name"] for s in items}) > 0
    assert all(s["count"] >= 1 and s["@id"].endswith(s["code"]) for s in items)


def test_publications_and_withdrawals_reach_suggestions(city, client):
    code = code_of("燃气经营许可证核发")
    factory = city.extensions["qingdan"].session_factory
    with factory() as session:
        _publish(session, code, name="管道燃气特许经营许可")
    assert [s["code"] for s in suggest(client, "管道燃气")] == [code]
    assert "燃气经营许可证核发" not in [s["name"] for s in suggest(client, "燃气经营", limit=20)]
    with factory() as session:
        _publish(session, code, disposition="cancel", disposition_reason="取消")
    assert suggest(client, "管道燃气") == []
    assert city.extensions["qingdan"].search.reindex() > 0
    assert suggest(client, "管道燃气") == []
    assert "食品经营许可" in [s["name"] for s in suggest(client, "经营许可", limit=20)]
