"""The committed OpenAPI document matches what the code generates."""

from __future__ import annotations

import json

from qingdan_api.openapi_doc import COMMITTED, generate


def test_committed_openapi_is_current():
    assert COMMITTED.read_text(encoding="utf-8") == generate(), (
        "openapi/openapi.json is out of date: run `make openapi` and commit the result"
    )


def test_document_describes_the_public_api():
    document = json.loads(generate())
    assert document["openapi"] == "3.0.3"  # what the bundled Swagger UI renders
    paths = document["paths"]
    for path in (
        "/api/items",
        "/api/items/{code}",
        "/api/items/{code}/@versions/{number}",
        "/api/units/{credit_code}",
        "/api/@types/{name}",
        "/api/@vocabularies/{name}",
    ):
        assert path in paths, path
    parameters = {p["name"] for p in paths["/api/items"]["get"]["parameters"]}
    assert {
        "unit",
        "category",
        "level",
        "target",
        "disposition",
        "region",
        "parent",
        "sort",
        "limit",
        "cursor",
        "fields",
    } <= parameters
    item = document["components"]["schemas"]["Item"]["properties"]
    assert item["category"]["title"] == "事项类型"
