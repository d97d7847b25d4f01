"""The public units API: listing, item counts per category, zero reports."""

from __future__ import annotations

import pytest

from .conftest import AGENCY, UNIT_A, UNIT_B, UNIT_Z

pytestmark = pytest.mark.usefixtures("dataset")


def test_units_listing(client):
    body = client.get("/api/units").get_json()
    assert body["items_total"] == 4
    codes = [u["credit_code"] for u in body["items"]]
    assert codes == sorted(codes)
    assert {u["name"] for u in body["items"]} >= {UNIT_A["name"], UNIT_Z["name"]}


def test_unit_counts_only_published_items(client):
    body = client.get(f"/api/units/{UNIT_A['credit_code']}").get_json()
    # 30 licensing + the item with a working copy; drafts and the withdrawn item excluded.
    assert body["item_counts"] == {"01": 31, "02": 10, "06": 3}
    assert body["items_total"] == 44
    assert body["kind_label"] == "政府工作部门"
    assert body["items"].endswith(f"/api/items?unit={UNIT_A['credit_code']}")


def test_zero_report_unit(client):
    body = client.get(f"/api/units/{UNIT_Z['credit_code']}").get_json()
    assert body["zero_report"] is True
    assert body["zero_report_reason"] == "本单位无行政权力事项"
    assert body["items_total"] == 0 and body["item_counts"] == {}


def test_agency_links_its_parent(client):
    body = client.get(f"/api/units/{AGENCY['credit_code']}").get_json()
    assert body["parent"]["credit_code"] == UNIT_A["credit_code"]
    assert body["parent"]["@id"].endswith(f"/api/units/{UNIT_A['credit_code']}")


def test_unit_filters_and_paging(client):
    body = client.get("/api/units?kind=township").get_json()
    assert [u["credit_code"] for u in body["items"]] == [UNIT_B["credit_code"]]
    first = client.get("/api/units?limit=3").get_json()
    rest = client.get(first["batching"]["next"]).get_json()
    assert len(first["items"]) == 3 and len(rest["items"]) == 1
    assert client.get("/api/units?kind=ministry").status_code == 400
    assert client.get("/api/units?region=449901101000").get_json()["items_total"] == 1
    assert client.get("/api/units?region=449900").get_json()["items_total"] == 4
    assert client.get("/api/units?region=4499").get_json()["items_total"] == 4  # any level
    assert client.get("/api/units?region=449").status_code == 400


def test_unknown_unit_is_404(client):
    response = client.get("/api/units/11440100007482575H")
    assert response.status_code == 404
    assert response.get_json()["message"].startswith("no unit")
