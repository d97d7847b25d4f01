"""HTTP by the book on every endpoint: negotiation with q-values, 304s, CORS, errors.

Swept over every GET operation of the committed OpenAPI document (filled from the
world), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import gzip
import io

import pytest
from lxml import etree
from openpyxl import load_workbook

from .conftest import DIRTY, assert_envelope
from .sweep import fill, operations, parameter_enum

pytestmark = pytest.mark.usefixtures("world")

READS = [path for method, path in operations() if method == "GET"]
ORIGIN = {"Origin": "https://portal.example.cn"}


def _read(client, world, path, **headers):
    return client.get(fill(path, world), headers={**world["tokens"]["admin"], **headers})


@pytest.mark.parametrize("path", READS)
def test_a_304_carries_the_headers_of_its_200(client, world, path):
    first = _read(client, world, path)
    if first.status_code != 200 or "ETag" not in first.headers:
        pytest.skip(f"{path}: {first.status_code}, no ETag")
    again = _read(client, world, path, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    # RFC 9110 15.4.5; werkzeug leaves out Last-Modified, which an ETag makes moot.
    for header in ("ETag", "Cache-Control", "Vary"):
        assert again.headers.get(header) == first.headers.get(header), header


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("accept", ["gzip;q=0", "identity", "br", "gzip;q=0, identity"])
def test_no_gzip_unless_accepted(client, world, path, accept):
    response = _read(client, world, path, **{"Accept-Encoding": accept})
    assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize("path", ["/api/@types/item", "/api/items", "/api/items.csv"])
@pytest.mark.parametrize("accept", ["gzip", "gzip;q=0.5", "*", "br, gzip;q=0.1"])
def test_gzip_when_accepted(client, world, path, accept):
    response = _read(client, world, path, **{"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == "gzip"
    gzip.decompress(response.get_data())
    assert "Accept-Encoding" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("application/xml, text/html;q=0", "application/xml"),
        ("text/csv; charset=utf-8", "text/csv"),
        ("text/csv;charset=UTF-8;q=0.9, application/json;q=0.5", "text/csv"),
        ("application/x-ndjson", "application/x-ndjson"),
        ("text/html, application/xml;q=0.9, */*;q=0.8", "application/json"),
        ("*/*", "application/json"),
        ("application/json, text/csv;q=0", "application/json"),
    ],
)
def test_the_listing_negotiates_export_types(client, accept, mimetype):
    response = client.get("/api/items", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "Accept" in response.headers["Vary"]


def test_a_304_of_an_export_keeps_its_headers(client):
    first = client.get("/api/items.csv")
    again = client.get("/api/items.csv", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    # RFC 9110 15.4.5; werkzeug leaves out Last-Modified, which an ETag makes moot.
    for header in ("ETag", "Cache-Control", "Vary"):
        assert again.headers.get(header) == first.headers.get(header), header


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/no-such-thing", 404),
        ("GET", "/api/items/x/y/z", 404),
        ("DELETE", "/api/units", 405),
        ("PUT", "/api/@releases", 405),
        ("POST", "/api/@changes", 405),
    ],
)
def test_routing_errors_have_the_envelope_and_cors(client, method, url, status):
    response = client.open(url, method=method, headers=ORIGIN)
    assert_envelope(response, status)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if status == 405:
        assert "GET" in response.headers["Allow"]


def test_410_412_428_401_have_the_envelope(client, world):
    gone = client.get(f"/api/items/{world['withdrawn_code']}", headers=ORIGIN)
    body = assert_envelope(gone, 410)
    assert body["withdrawal"]["disposition"] == "cancel"
    assert gone.headers["Access-Control-Allow-Origin"] == "*"
    code, editor = world["draft_code"], world["tokens"]["editor"]
    required = client.patch(f"/api/items/{code}", json={"name": "x"}, headers=editor)
    assert_envelope(required, 428)
    stale = client.patch(
        f"/api/items/{code}", json={"name": "x"}, headers={**editor, "If-Match": '"999"'}
    )
    assert_envelope(stale, 412)
    anonymous = client.post("/api/@releases", json={"name": "x", "items": []})
    assert_envelope(anonymous, 401)


def test_429_says_when_to_retry(app, client, world):
    url = f"/api/@notices/{world['notice_code']}/comments"
    environ = {"REMOTE_ADDR": "198.51.100.7"}  # a client address of this test alone
    statuses = []
    for n in range(app.config["QINGDAN_COMMENT_RATE_LIMIT"] + 1):
        response = client.post(url, json={"body": f"意见{n}"}, headers=ORIGIN, environ_base=environ)
        statuses.append(response.status_code)
    assert statuses[-1] == 429, statuses
    assert_envelope(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


def _every_representation() -> list[str]:
    """Each GET path once per value of its enumerated path parameters ({ext}: csv, xlsx...)."""
    expanded = []
    for path in READS:
        values = parameter_enum(path, "ext") if "{ext}" in path else None
        expanded += [path.replace("{ext}", v) for v in values] if values else [path]
    return expanded


@pytest.mark.parametrize("path", _every_representation())
def test_every_representation_is_served_whole(client, world, path):
    """The dirty item (control characters stored before the checks) is in every list, so
    every writer of every format (JSON, CSV, XML, Atom, XLSX, SVG) meets it: no 5xx, and
    what is served parses."""
    response = _read(client, world, path)
    assert response.status_code < 500, (path, response.data[:300])
    if response.status_code != 200:
        return
    mimetype = response.mimetype
    if mimetype.endswith("xml") or mimetype == "image/svg+xml":
        etree.fromstring(response.data)
    elif mimetype.endswith("spreadsheetml.sheet"):
        load_workbook(io.BytesIO(response.data))
    elif mimetype == "application/json":
        response.get_json()


def test_stored_control_characters_do_not_break_the_xml_writers(client):
    """Text stored before the request checks (or harvested) still makes well-formed XML."""
    atom = client.get("/api/@changes.atom")
    assert atom.status_code == 200
    titles = etree.fromstring(atom.data).findall(".//{http://www.w3.org/2005/Atom}title")
    assert any("含控制字符" in t.text for t in titles)
    for url in ("/api/items.xml", f"/api/items/{DIRTY['code']}.xml"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "含控制字符" in etree.fromstring(response.data).xpath("string(.)")
