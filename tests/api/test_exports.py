"""Streamed exports: formats, filters, keyset pages, gzip, validators, negotiation, errors."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile

import pytest
from frictionless import Package, system
from lxml import etree

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

PAGE_SIZE = 7  # 49 active items: seven keyset pages, the last one full


@pytest.fixture(scope="module", autouse=True)
def small_pages(app):
    app.config["QINGDAN_EXPORT_PAGE_SIZE"] = PAGE_SIZE


def ndjson(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


def csv_rows(data: bytes) -> list[dict]:
    csv.field_size_limit(1 << 24)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def all_listed_codes(client, query: str = "") -> list[str]:
    body = client.get(f"/api/items?limit=200&{query}").get_json()
    assert "next" not in body["batching"]
    return sorted(item["code"] for item in body["items"])


@pytest.mark.parametrize(
    ("url", "content_type", "filename"),
    [
        ("/api/items.json", "application/json; charset=utf-8", "items.json"),
        ("/api/items.ndjson", "application/x-ndjson; charset=utf-8", "items.ndjson"),
        ("/api/items.csv", "text/csv; charset=utf-8", "items.csv"),
        ("/api/items.xml", "application/xml; charset=utf-8", "items.xml"),
        ("/api/items.csv.zip", "application/zip", "items.csv.zip"),
        ("/api/items.csv?format=zip", "application/zip", "items.csv.zip"),
        ("/api/items.csv?table=legal_bases", "text/csv; charset=utf-8", "items-legal_bases.csv"),
    ],
)
def test_content_type_and_attachment(client, url, content_type, filename):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.headers["ETag"].startswith('W/"')
    assert response.headers["Last-Modified"]


def test_every_record_exactly_once_across_keyset_pages(client):
    codes = [r["code"] for r in ndjson(client.get("/api/items.ndjson").data)]
    assert len(codes) == ACTIVE_TOTAL > 6 * PAGE_SIZE
    assert codes == sorted(set(codes)) == all_listed_codes(client)


def test_json_export_equals_the_item_resources(client):
    records = json.loads(client.get("/api/items.json").data)
    assert len(records) == ACTIVE_TOTAL
    for record in records:
        assert record["@type"] == "item"
        assert record == client.get(record["@id"]).get_json(), record["code"]


@pytest.mark.parametrize(
    "query",
    [
        "category=01",
        "category=penalty",
        "level=5",
        "target=1",
        "region=449901101000",
        f"unit={UNIT_B['credit_code']}",
        f"parent={UNIT_A['credit_code']}3440611040000",
        "status=withdrawn",
        "status=all",
        "category=02&target=2",
    ],
)
@pytest.mark.parametrize("ext", ["ndjson", "csv", "xml"])
def test_filters_of_the_listing_apply(client, query, ext):
    response = client.get(f"/api/items.{ext}?{query}")
    assert response.status_code == 200
    if ext == "ndjson":
        codes = [r["code"] for r in ndjson(response.data)]
    elif ext == "csv":
        codes = [row["code"] for row in csv_rows(response.data)]
    else:
        root = etree.fromstring(response.data)
        codes = root.xpath("//q:item/q:code/text()", namespaces={"q": "urn:qingdan:two-lists:1"})
    assert codes == all_listed_codes(client, query)


def test_unit_export(client):
    url = f"/api/units/{UNIT_B['credit_code']}/items.ndjson"
    response = client.get(url)
    assert response.status_code == 200
    records = ndjson(response.data)
    assert len(records) == 5
    assert {r["unit"]["credit_code"] for r in records} == {UNIT_B["credit_code"]}
    filename = f"items-{UNIT_B['credit_code']}.ndjson"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert len(ndjson(client.get(f"{url}?category=07&level=5").data)) == 5
    assert ndjson(client.get(f"{url}?category=01").data) == []
    assert client.get(f"{url}?unit={UNIT_A['credit_code']}").status_code == 400
    assert client.get("/api/units/11449901MB0099999X/items.csv").status_code == 404


def test_one_item_export_and_route_order(client):
    code = WORKING_COPY_CODE
    response = client.get(f"/api/items/{code}.json")
    assert response.status_code == 200
    assert json.loads(response.data) == [client.get(f"/api/items/{code}").get_json()]
    assert response.headers["Content-Disposition"] == f'attachment; filename="{code}.json"'
    xml = client.get(f"/api/items/{code}.xml")
    assert xml.status_code == 200 and b"\xe5\xb7\xb2\xe5\x8f\x91\xe5\xb8\x83" in xml.data  # 已发布
    assert client.get(f"/api/items/{code}.csv.zip").headers["Content-Type"] == "application/zip"
    assert client.get(f"/api/items/{code}").headers["Content-Type"] == "application/json"
    assert client.get(f"/api/items/{WITHDRAWN_CODE}.json").status_code == 410
    assert client.get(f"/api/items/{DRAFT_CODES[0]}.json").status_code == 404
    assert client.get(f"/api/items/{code}.json?category=01").status_code == 400


@pytest.mark.parametrize("ext", ["json", "ndjson", "csv", "xml"])
def test_gzip_round_trip(client, ext):
    plain = client.get(f"/api/items.{ext}")
    zipped = client.get(f"/api/items.{ext}", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert zipped.headers["ETag"] == plain.headers["ETag"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 3
    assert "Content-Encoding" not in plain.headers


def test_zip_is_not_compressed_twice(client):
    response = client.get("/api/items.csv.zip", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    assert zipfile.ZipFile(io.BytesIO(response.data)).testzip() is None


def test_not_modified(client):
    first = client.get("/api/items.csv?category=01")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/api/items.csv?category=01", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    since = client.get("/api/items.csv?category=01", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    # The tag covers the query and the format, not only the data.
    assert client.get("/api/items.csv?category=02").headers["ETag"] != etag
    assert client.get("/api/items.xml?category=01").headers["ETag"] != etag
    assert client.get("/api/items.csv?category=01", headers={"If-None-Match": 'W/"x"'}).data


@pytest.mark.parametrize(
    "url",
    [
        "/api/items.json?limit=10",
        "/api/items.json?cursor=abc",
        "/api/items.json?fields=name",
        "/api/items.json?sort=name",
        "/api/items.json?labels=zh",
        "/api/items.xml?bom=1",
        "/api/items.csv?labels=fr",
        "/api/items.csv?bom=maybe",
        "/api/items.csv?table=nope",
        "/api/items.csv.zip?table=legal_bases",
        "/api/items.csv?format=tar",
        "/api/items.xml?format=zip",
        "/api/items.ndjson?category=99",
        "/api/items.ndjson?region=123",
        "/api/items.ndjson?status=draft",
        "/api/items.ndjson?unit=123",
    ],
)
def test_bad_parameters_are_400_before_streaming(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Content-Disposition" not in response.headers
    body = response.get_json()
    assert body["code"] == 400 and body["status"] == "Bad Request" and body["message"]


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/csv", "text/csv; charset=utf-8"),
        ("application/x-ndjson", "application/x-ndjson; charset=utf-8"),
        ("application/xml", "application/xml; charset=utf-8"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("text/csv;q=0.5, application/json", "application/json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"),
    ],
)
def test_accept_negotiation_on_items(client, accept, content_type):
    response = client.get("/api/items?category=02", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert "Accept" in response.headers["Vary"]
    if content_type == "application/json":
        assert response.get_json()["items_total"] == 10
    else:
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_accept_negotiation_takes_export_options(client):
    response = client.get("/api/items?labels=zh&bom=1", headers={"Accept": "text/csv"})
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "事项名称" in csv_rows(response.data)[0]
    refused = client.get("/api/items?cursor=x", headers={"Accept": "text/csv"})
    assert refused.status_code == 400


def test_csv_options(client):
    rows = csv_rows(client.get("/api/items.csv?labels=zh&category=01").data)
    assert len(rows) == 31
    assert rows[0]["事项类型"] == "01" and rows[0]["事项类型名称"] == "行政许可"
    assert client.get("/api/items.csv?bom=1").data.startswith(b"\xef\xbb\xbf")
    assert not client.get("/api/items.csv").data.startswith(b"\xef\xbb\xbf")
    bases = csv_rows(client.get("/api/items.csv?table=legal_bases").data)
    assert {"code", "position", "title"} <= set(bases[0])
    assert {r["code"] for r in bases} == set(all_listed_codes(client))


@pytest.mark.parametrize("query", ["", "?labels=zh&bom=1"])
def test_zip_package_validates_with_frictionless(client, tmp_path, query):
    data = client.get(f"/api/items.csv.zip{query}").data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist()[0] == "items.csv" and "datapackage.json" in zf.namelist()
        zf.extractall(tmp_path)
    with system.use_context(trusted=True):
        report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert {t.name: t.stats for t in report.tasks}["items"]["rows"] == ACTIVE_TOTAL, report.tasks


def test_xml_validates_against_the_served_xsd(client):
    xsd = client.get("/api/@schemas/qingdan-items.xsd")
    assert xsd.status_code == 200
    schema = etree.XMLSchema(etree.fromstring(xsd.data))
    for query in ("", "?status=all"):
        document = etree.fromstring(client.get(f"/api/items.xml{query}").data)
        schema.assertValid(document)
    category = document.find(".//{urn:qingdan:two-lists:1}category")
    assert category.get("label") == "行政许可"


@pytest.mark.parametrize("ext", ["json", "ndjson", "csv", "xml", "csv.zip"])
def test_no_draft_or_working_copy_in_any_export(client, ext):
    for query in ("", "?status=all", "?status=withdrawn"):
        data = client.get(f"/api/items.{ext}{query}").data
        if ext == "csv.zip":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                data = b"".join(zf.read(name) for name in zf.namelist())
        text = data.decode("utf-8-sig")
        assert SECRET not in text
        for code in DRAFT_CODES:
            assert code not in text
        if query != "?status=withdrawn":
            # The published version of the item whose working copy is under review.
            assert WORKING_COPY_CODE in text and "已发布事项" in text


def test_withdrawn_only_when_asked(client):
    assert WITHDRAWN_CODE not in client.get("/api/items.ndjson").data.decode()
    tombstones = ndjson(client.get("/api/items.ndjson?status=withdrawn").data)
    assert [t["code"] for t in tombstones] == [WITHDRAWN_CODE]
    assert tombstones[0]["disposition"] == "merge" and tombstones[0]["merged_into"]


def test_head_request(client):
    response = client.head("/api/items.csv")
    assert response.status_code == 200 and response.data == b""
