"""The OpenAPI document describes the editorial endpoints, their token and If-Match."""

from __future__ import annotations

import json

from qingdan_api.openapi_doc import generate


def test_editorial_endpoints_are_documented():
    document = json.loads(generate())
    paths = document["paths"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, method in [
        ("/api/items", "post"),
        ("/api/items/{code}", "put"),
        ("/api/items/{code}", "patch"),
        ("/api/items/{code}/@draft", "get"),
        ("/api/items/{code}/@disposition", "post"),
        ("/api/items/{code}/@workflow", "get"),
        ("/api/items/{code}/@workflow/{transition}", "post"),
        ("/api/units/{credit_code}/@zero-report", "post"),
        ("/api/@releases", "post"),
        ("/api/@audit", "get"),
        ("/api/@notices/{code}/comments", "get"),
    ]:
        assert paths[path][method]["security"] == [{"bearer": []}], (path, method)
    assert "get" in paths["/api/items/{code}"] and "get" in paths["/api/items"]
    patch = paths["/api/items/{code}"]["patch"]
    assert "If-Match" in {p["name"] for p in patch["parameters"] if p["in"] == "header"}
    body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/ItemWrite")
    for path in ("/api/@releases", "/api/@notices", "/api/items/{code}/@diff"):
        assert "get" in paths[path] and "security" not in paths[path]["get"]
