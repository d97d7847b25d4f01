"""HTTP behaviour of every read: ETag and 304, Cache-Control, gzip, CORS, error envelope."""

from __future__ import annotations

import gzip

import pytest

from .conftest import UNIT_A

pytestmark = pytest.mark.usefixtures("dataset")

READS = [
    "/api/",
    "/api/items",
    f"/api/items/{UNIT_A['credit_code']}3440111001000",
    f"/api/items/{UNIT_A['credit_code']}3440111003000/@versions",
    "/api/units",
    f"/api/units/{UNIT_A['credit_code']}",
    "/api/@types/item",
    "/api/@vocabularies",
    "/api/@vocabularies/levels",
    "/api/openapi.json",
]


@pytest.mark.parametrize("url", READS)
def test_etag_and_304(client, url):
    response = client.get(url)
    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get(url, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200


def test_etag_changes_with_content(client):
    a = client.get("/api/items?category=01").headers["ETag"]
    b = client.get("/api/items?category=02").headers["ETag"]
    assert a != b


def test_gzip_when_asked(client):
    plain = client.get("/api/@types/item")
    zipped = client.get("/api/@types/item", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 2
    assert "Content-Encoding" not in plain.headers


def test_cors(client):
    response = client.get("/api/items", headers={"Origin": "https://portal.example.cn"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/items",
        headers={"Origin": "https://portal.example.cn", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/no-such-thing", 404),
        ("get", "/api/items/nope", 404),
        ("get", "/api/@vocabularies/colours", 404),
        ("get", "/api/@types/page", 404),
        ("post", "/api/items/nope/@versions", 405),
        ("delete", "/api/units", 405),
        ("get", "/api/items?limit=-1", 400),
    ],
)
def test_error_envelope(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    body = response.get_json()
    assert body["code"] == status
    assert isinstance(body["status"], str) and body["status"]
    assert set(body) <= {"code", "status", "message", "errors"}
    assert response.headers.get("Cache-Control", "no-store") == "no-store"


def test_docs_page_works_offline(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "swagger-ui-bundle.js" in page
    # Every asset is served by the app itself: no CDN.
    for src in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        url = f"http://localhost/api/docs/assets/{src}"
        assert url in page
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.data) > 1000
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
