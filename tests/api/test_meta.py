"""Self-description: service root, field schema with Chinese labels, vocabularies."""

from __future__ import annotations

from qingdan_api.domain import vocabularies as vocab
from qingdan_api.domain.fields import ITEM_FIELDS


def test_service_root_links_resolve(client):
    body = client.get("/api/").get_json()
    assert body["@type"] == "service"
    assert {"items", "units", "types", "vocabularies", "openapi", "docs"} <= set(body["links"])
    for url in body["links"].values():
        assert client.get(url).status_code == 200, url


def test_types_item_lists_every_field_with_label(client):
    body = client.get("/api/@types/item").get_json()
    by_name = {f["name"]: f for f in body["fields"]}
    for spec in ITEM_FIELDS:
        assert by_name[spec.name]["label"] == spec.label
        assert by_name[spec.name]["required"] == spec.required
    assert by_name["category"]["vocabulary"] == "categories"
    members = {m["name"]: m for m in by_name["legal_bases"]["members"]}
    assert members["title"]["label"] == "法律法规名称" and members["title"]["required"]


def test_vocabularies(client):
    everything = client.get("/api/@vocabularies").get_json()
    assert {v["name"] for v in everything} == set(vocab.VOCABULARIES)
    categories = client.get("/api/@vocabularies/categories").get_json()
    assert categories["items_total"] == 12
    by_code = {term["code"]: term for term in categories["items"]}
    assert by_code["02"] == {
        "code": "02",
        "key": "penalty",
        "label": "行政处罚",
        "source": "GB/T 39046-2020 附录A.1",
    }
    # Public-service items, as real catalogues publish them beside the powers.
    assert by_code["20"]["label"] == "公共服务" and "taskType" in by_code["20"]["source"]
    assert categories["stored_as"] == "code"
    assert client.get("/api/@vocabularies/dispositions").get_json()["stored_as"] == "key"
