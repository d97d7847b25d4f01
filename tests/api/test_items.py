"""The public items API: shapes, filters, sorting, cursor paging, versions, withdrawals."""

from __future__ import annotations

import pytest

from qingdan_api.domain.fields import ITEM_FIELDS

from .conftest import (
    ACTIVE_TOTAL,
    DRAFT_CODES,
    SECRET,
    UNIT_A,
    UNIT_B,
    WITHDRAWN_CODE,
    WORKING_COPY_CODE,
)

pytestmark = pytest.mark.usefixtures("dataset")


def codes_of(body):
    return [item["code"] for item in body["items"]]


def test_listing_shape(client):
    body = client.get("/api/items").get_json()
    assert body["@id"] == "http://localhost/api/items"
    assert body["items_total"] == ACTIVE_TOTAL
    assert len(body["items"]) == 25
    first = body["items"][0]
    assert first["@type"] == "item"
    assert first["@id"] == f"http://localhost/api/items/{first['code']}"
    assert set(first) == {
        "@id",
        "@type",
        "code",
        "name",
        "sub_item_name",
        "category",
        "level",
        "unit",
        "disposition",
        "version",
        "published_at",
    }
    assert first["unit"]["@id"].startswith("http://localhost/api/units/")
    assert set(body["batching"]) == {"@id", "first", "last", "next"}


def test_full_item_has_every_field(client):
    code = f"{UNIT_A['credit_code']}3440111003000"
    response = client.get(f"/api/items/{code}")
    assert response.status_code == 200
    body = response.get_json()
    for spec in ITEM_FIELDS:
        assert spec.name in body, spec.name
    assert body["version"] == 2 and body["name"] == "许可事项03"
    assert len(body["content_hash"]) == 64
    assert body["legal_bases"][0]["title"] == "《中华人民共和国食品安全法》"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=01", 31),
        ("category=licensing", 31),
        ("category=02", 10),
        ("level=5", 5),
        ("target=1", 39),
        ("target=enterprise", ACTIVE_TOTAL),
        ("disposition=retain", ACTIVE_TOTAL),
        ("region=449901101000", 5),
        ("region=449901", ACTIVE_TOTAL),
        ("region=440000", ACTIVE_TOTAL),
        ("region=450000", 0),
        (f"unit={UNIT_B['credit_code']}", 5),
        (f"parent={UNIT_A['credit_code']}3440611040000", 2),
        ("status=withdrawn", 1),
        ("status=all", ACTIVE_TOTAL + 1),
        ("category=01&target=2&level=3", 31),
    ],
)
def test_filters(client, query, expected):
    response = client.get(f"/api/items?{query}&limit=200")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["items_total"] == expected
    assert len(body["items"]) == expected


def test_withdrawn_listing_shows_the_tombstone(client):
    body = client.get("/api/items?status=withdrawn&fields=code,disposition,merged_into").get_json()
    assert body["items"][0]["code"] == WITHDRAWN_CODE
    assert body["items"][0]["disposition"] == "merge"


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("category=99", "category"),
        ("level=8", "level"),
        ("target=7", "target"),
        ("disposition=keep", "disposition"),
        ("region=12345", "region"),
        ("unit=11440100007482575X", "unit"),
        ("status=drafts", "status"),
        ("sort=secret", "sort"),
        ("fields=code,password", "fields"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=eyJzIjoibmFtZSIsImQiOiJhZnRlciIsImsiOlsieCIsInkiXX0", "cursor"),
        ("categroy=01", "categroy"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, query, param):
    response = client.get(f"/api/items?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == 400 and body["status"] == "Bad Request"
    assert param in body["message"]
    assert param in body["errors"]["query"]


def test_several_bad_parameters_are_named_in_one_sentence(client):
    message = client.get("/api/items?limit=ten&categroy=01&colour=red").get_json()["message"]
    assert message.startswith("invalid query parameters ")
    assert all(f"'{name}'" in message for name in ("limit", "categroy", "colour"))
    assert message.count("query parameter") == 1


def test_fields_selection(client):
    body = client.get("/api/items?fields=code,legal_bases&limit=3").get_json()
    for item in body["items"]:
        assert set(item) == {"@id", "@type", "code", "legal_bases"}
        assert item["legal_bases"][0]["article"]


def walk(client, url):
    """Follow `next` links to the end; return every code in order."""
    seen = []
    pages = 0
    while url:
        body = client.get(url).get_json()
        seen += codes_of(body)
        url = body["batching"].get("next")
        pages += 1
        assert pages < 100
    return seen


@pytest.mark.parametrize(
    "sort", ["code", "-code", "name", "-name", "published_at", "-published_at", "category"]
)
def test_cursor_paging_covers_everything_once(client, sort):
    everything = codes_of(client.get(f"/api/items?sort={sort}&limit=200").get_json())
    assert len(everything) == ACTIVE_TOTAL
    paged = walk(client, f"/api/items?sort={sort}&limit=7")
    assert paged == everything


def test_sorting_orders_rows(client):
    names = [i["name"] for i in client.get("/api/items?sort=name&limit=200").get_json()["items"]]
    assert names == sorted(names)
    codes = codes_of(client.get("/api/items?sort=-code&limit=200").get_json())
    assert codes == sorted(codes, reverse=True)


def test_prev_and_last_links(client):
    everything = codes_of(client.get("/api/items?limit=200").get_json())
    first = client.get("/api/items?limit=10").get_json()
    second = client.get(first["batching"]["next"]).get_json()
    assert codes_of(second) == everything[10:20]
    back = client.get(second["batching"]["prev"]).get_json()
    assert codes_of(back) == everything[:10]
    assert "prev" not in first["batching"]
    last = client.get(first["batching"]["last"]).get_json()
    assert codes_of(last) == everything[-10:]
    assert "next" not in last["batching"]
    before_last = client.get(last["batching"]["prev"]).get_json()
    assert codes_of(before_last) == everything[-20:-10]
    assert client.get(before_last["batching"]["next"]).get_json()["items"] == last["items"]


def test_cursor_from_another_sort_is_rejected(client):
    cursor = client.get("/api/items?limit=5&sort=name").get_json()["batching"]["next"]
    token = cursor.split("cursor=")[1]
    response = client.get(f"/api/items?sort=code&cursor={token}")
    assert response.status_code == 400
    assert "cursor" in response.get_json()["errors"]["query"]


def test_unknown_code_is_404(client):
    response = client.get("/api/items/11440100007482575H3440111999000")
    assert response.status_code == 404
    assert response.get_json()["code"] == 404


def test_withdrawn_item_is_410_with_outcome(client):
    response = client.get(f"/api/items/{WITHDRAWN_CODE}")
    assert response.status_code == 410
    body = response.get_json()
    assert body["status"] == "Gone"
    assert body["withdrawal"]["disposition"] == "merge"
    assert body["withdrawal"]["disposition_label"] == "整合"
    assert body["withdrawal"]["reason"] == "与许可事项01整合"
    assert body["withdrawal"]["merged_into"].endswith("3440111001000")
    assert body["withdrawal"]["version"] == 2


def test_versions(client):
    code = f"{UNIT_A['credit_code']}3440111003000"
    body = client.get(f"/api/items/{code}/@versions").get_json()
    assert [v["version"] for v in body["items"]] == [1, 2]
    assert body["items"][0]["comment"] == "第1版"
    old = client.get(body["items"][0]["@id"]).get_json()
    assert old["name"] == "许可事项03（旧）" and old["version"] == 1
    assert client.get(f"/api/items/{code}/@versions/3").status_code == 404
    assert client.get(f"/api/items/{WITHDRAWN_CODE}/@versions").get_json()["items_total"] == 2


def test_working_copy_is_invisible(client):
    body = client.get(f"/api/items/{WORKING_COPY_CODE}").get_json()
    assert body["name"] == "已发布事项" and body["version"] == 1
    versions = client.get(f"/api/items/{WORKING_COPY_CODE}/@versions").get_json()
    assert versions["items_total"] == 1


@pytest.mark.parametrize("code", DRAFT_CODES)
def test_drafts_are_not_found(client, code):
    assert client.get(f"/api/items/{code}").status_code == 404
    assert client.get(f"/api/items/{code}/@versions").status_code == 404


def test_no_public_response_mentions_a_draft(client):
    urls = [
        "/api/",
        "/api/items?limit=200",
        "/api/items?limit=200&status=all&fields=" + ",".join(s.name for s in ITEM_FIELDS),
        "/api/units?limit=200",
        f"/api/units/{UNIT_A['credit_code']}",
        f"/api/items/{WORKING_COPY_CODE}",
        f"/api/items/{WORKING_COPY_CODE}/@versions",
        f"/api/items/{WORKING_COPY_CODE}/@versions/1",
    ]
    for url in urls:
        text = client.get(url).get_data(as_text=True)
        assert SECRET not in text, url
        for code in DRAFT_CODES:
            assert code not in text, url
