"""Whole-list exports sent from the current dump's files: the streamed bytes, or a stream.

Each format is fetched from the dump's file and streamed from the database (the setting
off): the bodies, ETags and 304s must be the same. Every way the file could be wrong for
a request (a filter, an option, a newer publication, another host, a missing or
truncated file) must fall back to the stream, never to a wrong file or a 500.
"""

from __future__ import annotations

import gzip

import pytest

from qingdan_api import create_app
from qingdan_api.services.dumps import DumpOptions, dumps_dir, write_dump
from tests import factories as f
from tests.conftest import drop_database, make_database

from .conftest import AGENCY, SECRET, UNIT_A, UNIT_B, UNIT_Z, WITHDRAWN_CODE
from .conftest import _dataset as dataset_items

API = "http://localhost/api"  # the test client's API root
WHOLE = {
    "/api/items.csv": "items.csv",
    "/api/items.json": "items.json",
    "/api/items.ndjson": "items.ndjson",
    "/api/items.xml": "items.xml",
}
STREAMED_ONLY = [
    "/api/items.csv?category=01",
    "/api/items.csv?labels=zh",
    "/api/items.csv?bom=true",
    "/api/items.csv?table=legal_bases",
    "/api/items.csv.zip",
    "/api/items.ndjson?status=withdrawn",
    f"/api/units/{UNIT_A['credit_code']}/items.csv",
]


@pytest.fixture
def dumped(backend, tmp_path_factory):
    """An instance of its own with one dump at the current position (tests change it)."""
    url = make_database(backend, tmp_path_factory)
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
            "QINGDAN_DUMP_ON_RELEASE": False,
            "QINGDAN_EXPORT_PAGE_SIZE": 7,
        }
    )
    app.config["TESTING"] = True
    factory = app.extensions["qingdan"].session_factory
    with factory() as session:
        f.load(session, [UNIT_A, UNIT_B, UNIT_Z, AGENCY], dataset_items())
    dump = write_dump(factory, app.instance_path, options=DumpOptions(api_root=API))
    app.dump_folder = dumps_dir(app.instance_path) / dump.id
    yield app
    app.extensions["qingdan"].engine.dispose()
    drop_database(url)


def _streamed(app, url: str, **kwargs):
    app.config["QINGDAN_EXPORTS_FROM_DUMPS"] = False
    try:
        return app.test_client().get(url, **kwargs)
    finally:
        app.config["QINGDAN_EXPORTS_FROM_DUMPS"] = True


def test_whole_list_exports_are_the_dump_files_byte_for_byte(dumped):
    client = dumped.test_client()
    for url, name in WHOLE.items():
        stored = (dumped.dump_folder / name).read_bytes()
        sent = client.get(url)
        assert sent.status_code == 200, url
        assert sent.headers["Content-Length"] == str(len(stored)), url
        assert sent.get_data() == stored, url
        streamed = _streamed(dumped, url)
        assert "Content-Length" not in streamed.headers, url
        assert streamed.get_data() == stored, url
        for header in ("ETag", "Last-Modified", "Content-Type", "Content-Disposition", "Vary"):
            assert sent.headers[header] == streamed.headers[header], (url, header)
        assert SECRET.encode() not in stored
        assert WITHDRAWN_CODE.encode() not in stored


def test_gzip_head_304_and_accept_negotiation_from_the_file(dumped):
    client = dumped.test_client()
    stored = (dumped.dump_folder / "items.csv").read_bytes()
    zipped = client.get("/api/items.csv", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == stored
    head = client.head("/api/items.csv")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == str(len(stored))
    etag = head.headers["ETag"]
    assert client.get("/api/items.csv", headers={"If-None-Match": etag}).status_code == 304
    negotiated = client.get("/api/items", headers={"Accept": "text/csv"})
    assert negotiated.headers["Content-Length"] == str(len(stored))
    assert negotiated.get_data() == stored


def test_filters_and_options_are_streamed(dumped):
    client = dumped.test_client()
    for url in STREAMED_ONLY:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Length" not in response.headers, url
        assert response.get_data() == _streamed(dumped, url).get_data(), url


def test_another_host_gets_its_own_links(dumped):
    client = dumped.test_client()
    mirror = "http://mirror.example"
    response = client.get("/api/items.ndjson", base_url=mirror)
    assert "Content-Length" not in response.headers
    body = response.get_data(as_text=True)
    assert f"{mirror}/api/items/" in body and f"{API}/items/" not in body
    # A second dump at the same position, under the mirror's root: each host gets its own.
    factory = dumped.extensions["qingdan"].session_factory
    write_dump(factory, dumped.instance_path, options=DumpOptions(api_root=f"{mirror}/api"))
    again = client.get("/api/items.ndjson", base_url=mirror)
    assert again.headers.get("Content-Length") and again.get_data(as_text=True) == body
    local = client.get("/api/items.ndjson")
    assert local.get_data() == (dumped.dump_folder / "items.ndjson").read_bytes()


def test_a_publication_after_the_dump_is_streamed(dumped):
    late = f.record(UNIT_B, 90, category="07", level="5", name="转储之后发布的事项")
    with dumped.extensions["qingdan"].session_factory() as session:
        f.load(session, [], [{"history": [late]}])
    for url in WHOLE:
        response = dumped.test_client().get(url)
        assert "Content-Length" not in response.headers, url
        assert late["code"].encode() in response.get_data(), url


def test_a_missing_or_truncated_file_is_streamed(dumped):
    client = dumped.test_client()
    expected = {url: client.get(url).get_data() for url in ("/api/items.xml", "/api/items.csv")}
    (dumped.dump_folder / "items.xml").unlink()
    path = dumped.dump_folder / "items.csv"
    path.write_bytes(path.read_bytes()[:100])
    for url, body in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Length" not in response.headers, url
        assert response.get_data() == body, url
    assert client.get("/api/items.json").headers.get("Content-Length"), "the others still are"
