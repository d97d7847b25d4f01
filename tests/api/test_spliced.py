"""Answers spliced from stored bytes are exactly what their schema would dump.

For each answer, the body equals Flask's JSON provider applied to the schema's dump of
the body's own parse: same members, same order, same coercions, nothing extra. (The
stored item bytes are checked against the record itself in
tests/services/test_published_json.py.)
"""

from __future__ import annotations

import pytest

from qingdan_api.api.schemas import ItemListingSchema, ItemSchema

from .conftest import UNIT_A, WITHDRAWN_CODE

pytestmark = pytest.mark.usefixtures("dataset")


def assert_fixed_point(app, response, schema) -> None:
    assert response.status_code == 200, response.data[:300]
    with app.app_context():
        expected = app.json.response(schema().dump(response.get_json())).get_data()
    assert response.get_data() == expected


@pytest.mark.parametrize(
    "url",
    [
        "/api/items",
        "/api/items?limit=50",
        "/api/items?sort=-published_at&limit=7",
        "/api/items?sort=name",
        f"/api/items?unit={UNIT_A['credit_code']}&category=02",
        "/api/items?status=withdrawn",
        "/api/items?status=all&limit=200",
        "/api/items?at=2026-01-06",
        "/api/items?fields=code,unit,legal_bases,name",
        "/api/items?fields=remarks,version,content_hash,co_implementing_units",
        "/api/items?region=450000",
    ],
)
def test_listings_are_what_the_schema_dumps(app, client, url):
    assert_fixed_point(app, client.get(url), ItemListingSchema)


def test_listing_pages_link_up(app, client):
    body = client.get("/api/items?limit=10").get_json()
    seen = [i["code"] for i in body["items"]]
    while "next" in body["batching"]:
        response = client.get(body["batching"]["next"])
        assert_fixed_point(app, response, ItemListingSchema)
        body = response.get_json()
        seen += [i["code"] for i in body["items"]]
    assert seen == sorted(seen) and len(seen) == len(set(seen))


def test_every_item_is_what_the_schema_dumps(app, client):
    codes = [i["code"] for i in client.get("/api/items?limit=200").get_json()["items"]]
    for code in codes:
        response = client.get(f"/api/items/{code}")
        assert_fixed_point(app, response, ItemSchema)
        assert response.get_json()["@id"] == f"http://localhost/api/items/{code}"


def test_item_etag_names_the_version_and_answers_304(client):
    code = client.get("/api/items?limit=1").get_json()["items"][0]["code"]
    response = client.get(f"/api/items/{code}")
    body = response.get_json()
    etag = response.headers["ETag"]
    assert etag == f'W/"{body["content_hash"][:32]}.{body["version"]}"'
    again = client.get(f"/api/items/{code}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    older = client.get(f"/api/items/{code}?at=2000-01-01")
    assert older.status_code == 404


def test_withdrawn_item_is_still_gone(client):
    response = client.get(f"/api/items/{WITHDRAWN_CODE}")
    assert response.status_code == 410
    assert response.get_json()["withdrawal"]["code"] == WITHDRAWN_CODE


def test_links_are_url_fors_own(app, client):
    """Formatted URLs equal url_for's, under another host and a script root too."""
    from flask import url_for

    from qingdan_api.api.links import item_url, unit_url

    odd = "11449901MB0000019M 甲/乙?"
    for base, root in (("http://localhost/", ""), ("https://example.org:8443/", "/lists")):
        with app.test_request_context("/api/items", base_url=base + root.lstrip("/")):
            assert item_url(odd) == url_for("qingdan_items.get_item", code=odd, _external=True)
            assert unit_url(odd) == url_for(
                "qingdan_units.get_unit", credit_code=odd, _external=True
            )


@pytest.mark.parametrize("url", ["/api/units", "/api/units?limit=2", "/api/units?kind=township"])
def test_unit_listings_are_what_the_schema_dumps(app, client, url):
    from qingdan_api.api.schemas import UnitListingSchema

    assert_fixed_point(app, client.get(url), UnitListingSchema)
    for unit in client.get(url).get_json()["items"]:
        assert unit["items"] == f"http://localhost/api/items?unit={unit['credit_code']}"
