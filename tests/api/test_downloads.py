"""Dumps and downloads: files and checksums, the seq snapshot, latest alias, catalog, CLI."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from frictionless import Package, system
from sqlalchemy import func, select

from qingdan_api.cli import main
from qingdan_api.models import Change, Dump
from qingdan_api.services import catalog
from qingdan_api.services.dumps import DumpOptions, dumps_dir, write_dump
from qingdan_api.services.errors import NotFound
from qingdan_api.services.exports import export_query, iter_records
from qingdan_api.services.snapshot import Snapshot
from tests import factories as f

from .conftest import ACTIVE_TOTAL, DRAFT_CODES, SECRET, UNIT_B, WITHDRAWN_CODE

pytestmark = pytest.mark.usefixtures("dataset")

API = "http://localhost/api"  # what the test client's URLs are built from
EXPECTED_FILES = [
    "items.ndjson",
    "items.json",
    "items.xml",
    "items.csv",
    "items.csv.zip",
    "withdrawn.ndjson",
    "flowcharts.zip",
    "datapackage.json",
    "catalog.jsonld",
]


def test_before_any_dump(client):
    """Runs before the module's dumps exist (the fixture below is created on first use)."""
    body = client.get("/api/@downloads").get_json()
    assert body["items"] == [] and body["latest"] is None
    assert client.get("/api/@downloads/latest").status_code == 404
    assert client.get("/api/@downloads/latest/items.csv").status_code == 404
    empty = client.get("/api/@catalog")
    assert empty.status_code == 200 and empty.headers["Content-Type"] == "application/ld+json"
    assert empty.get_json()["dcat:dataset"][0]["dcat:distribution"] == []


@pytest.fixture(scope="module")
def dumped(app, dataset):
    """Two dumps of the same data; the test client sees the instance folder they are in."""
    state = app.extensions["qingdan"]
    options = DumpOptions(api_root=API, page_size=8)
    first = write_dump(state.session_factory, app.instance_path, options=options)
    second = write_dump(state.session_factory, app.instance_path, options=options)
    return first, second


def folder(app, dump: Dump) -> Path:
    return dumps_dir(app.instance_path) / dump.id


def test_dump_files_match_the_manifest_and_the_table(app, dumped, session):
    dump = dumped[0]
    assert [entry["name"] for entry in dump.files] == EXPECTED_FILES
    manifest = json.loads((folder(app, dump) / "manifest.json").read_text())
    row = session.get(Dump, dump.id)
    assert manifest["files"] == row.files == dump.files
    for entry in manifest["files"]:
        data = (folder(app, dump) / entry["name"]).read_bytes()
        assert len(data) == entry["size"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert manifest["seq"] == row.seq == session.scalar(select(func.max(Change.seq)))
    assert manifest["item_count"] == row.item_count == ACTIVE_TOTAL
    assert manifest["withdrawn_count"] == row.withdrawn_count == 1
    assert manifest["follow"] == f"{API}/@changes?since={row.seq}"
    assert sorted(p.name for p in dumps_dir(app.instance_path).iterdir()) == sorted(
        d.id for d in dumped
    )


def test_dump_json_equals_the_export_and_the_item_resources(app, dumped, client):
    records = json.loads((folder(app, dumped[0]) / "items.json").read_bytes())
    assert records == json.loads(client.get("/api/items.json").data)
    assert records[0] == client.get(records[0]["@id"]).get_json()
    lines = (folder(app, dumped[0]) / "items.ndjson").read_text().splitlines()
    assert [json.loads(line) for line in lines] == records


def test_withdrawn_tombstones_travel_separately(app, dumped):
    lines = (folder(app, dumped[0]) / "withdrawn.ndjson").read_text().splitlines()
    tombstones = [json.loads(line) for line in lines]
    assert [t["code"] for t in tombstones] == [WITHDRAWN_CODE]
    assert tombstones[0]["disposition"] == "merge"
    assert WITHDRAWN_CODE not in (folder(app, dumped[0]) / "items.csv").read_text()


def test_no_draft_content_in_any_dump_file(app, dumped):
    for path in folder(app, dumped[0]).iterdir():
        data = path.read_bytes()
        if path.suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                data = b"".join(zf.read(name) for name in zf.namelist())
        text = data.decode("utf-8")
        assert SECRET not in text, path.name
        for code in DRAFT_CODES:
            assert code not in text, path.name


def test_datapackages_validate_with_frictionless(app, dumped, tmp_path):
    with system.use_context(trusted=True):
        report = Package(str(folder(app, dumped[0]) / "datapackage.json")).validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
        tasks = {t.name: t for t in report.tasks}
        assert tasks["items"].stats["rows"] == ACTIVE_TOTAL
        assert {"items-json", "items-csv-zip", "withdrawn-ndjson"} <= set(tasks)
        with zipfile.ZipFile(folder(app, dumped[0]) / "items.csv.zip") as zf:
            zf.extractall(tmp_path)
        inner = Package(str(tmp_path / "datapackage.json"))
        assert inner.custom["qingdan:seq"] == dumped[0].seq
        assert inner.validate().valid


def test_downloads_listing_newest_first(client, dumped):
    body = client.get("/api/@downloads").get_json()
    assert body["items_total"] == 2
    assert [d["id"] for d in body["items"]] == [dumped[1].id, dumped[0].id]
    assert body["latest"] == f"{API}/@downloads/latest"
    entry = body["items"][1]
    assert entry["@id"] == f"{API}/@downloads/{dumped[0].id}"
    assert entry["seq"] == dumped[0].seq and entry["item_count"] == ACTIVE_TOTAL
    csv_file = next(f for f in entry["files"] if f["name"] == "items.csv")
    assert csv_file["url"] == f"{API}/@downloads/{dumped[0].id}/items.csv"
    assert csv_file["media_type"] == "text/csv" and len(csv_file["sha256"]) == 64
    assert client.get("/api/@downloads/latest").get_json()["id"] == dumped[1].id


def test_files_are_served_with_their_checksum_as_etag(client, dumped):
    for dump in dumped:  # older dumps stay available
        for entry in dump.files:
            url = f"/api/@downloads/{dump.id}/{entry['name']}"
            response = client.get(url)
            assert response.status_code == 200, url
            assert hashlib.sha256(response.data).hexdigest() == entry["sha256"]
            assert response.headers["ETag"] == f'"{entry["sha256"]}"'
            assert "immutable" in response.headers["Cache-Control"]
            again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
            assert again.status_code == 304
    manifest = client.get(f"/api/@downloads/{dumped[0].id}/manifest.json").get_json()
    assert manifest["id"] == dumped[0].id


def test_latest_alias(client, dumped):
    newest = dumped[1]
    response = client.get("/api/@downloads/latest/items.xml")
    entry = next(f for f in newest.files if f["name"] == "items.xml")
    assert hashlib.sha256(response.data).hexdigest() == entry["sha256"]
    assert response.headers["Content-Location"] == f"{API}/@downloads/{newest.id}/items.xml"
    assert response.headers["Content-Disposition"] == "attachment; filename=items.xml"


@pytest.mark.parametrize(
    "url",
    [
        "/api/@downloads/nope",
        "/api/@downloads/nope/items.csv",
        "/api/@downloads/latest/nope.csv",
        "/api/@downloads/latest/..%2F..%2Fqingdan.db",
        "/api/@schemas/other.xsd",
    ],
)
def test_unknown_downloads_are_404(client, dumped, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_json()["code"] == 404


def test_catalog_describes_the_latest_dump(client, dumped):
    response = client.get("/api/@catalog")
    assert response.headers["Content-Type"] == "application/ld+json"
    catalog_doc = response.get_json()
    dataset = catalog_doc["dcat:dataset"][0]
    assert dataset["@id"] == f"{API}/@downloads/{dumped[1].id}"
    urls = {d["dcat:downloadURL"]["@id"]: d for d in dataset["dcat:distribution"]}
    for entry in dumped[1].files[:-1]:  # the catalog cannot describe itself
        distribution = urls[f"{API}/@downloads/{dumped[1].id}/{entry['name']}"]
        assert distribution["spdx:checksum"]["spdx:checksumValue"]["@value"] == entry["sha256"]


def test_service_root_links(client, dumped):
    links = client.get("/api/").get_json()["links"]
    assert links["downloads"] == f"{API}/@downloads"
    assert links["catalog"] == f"{API}/@catalog"
    assert client.get(links["schemas"]).status_code == 200


def test_snapshot_is_pinned_to_its_seq(app, dumped, session, client):
    """A publication committed while a snapshot is open is neither in it nor before its seq."""
    state = app.extensions["qingdan"]
    etag = client.get("/api/items.csv").headers["ETag"]
    with Snapshot(state.session_factory) as snapshot:
        before = snapshot.position.seq
        f.load(session, [], [{"history": [f.record(UNIT_B, 90, category="07", level="5")]}])
        query = export_query(snapshot.session, catalog.ItemFilters())
        codes = [r["code"] for r in iter_records(snapshot.session, query, API, page_size=5)]
    new_code = f.record(UNIT_B, 90, category="07", level="5")["code"]
    assert new_code not in codes and len(codes) == ACTIVE_TOTAL
    assert session.scalar(select(Change.seq).where(Change.code == new_code)) > before
    session.rollback()  # end this session's transaction: on SQLite it holds the write lock
    assert client.get("/api/items.csv", headers={"If-None-Match": etag}).status_code == 200
    later = write_dump(state.session_factory, app.instance_path, options=DumpOptions(API))
    assert later.item_count == ACTIVE_TOTAL + 1 and later.seq > before


def test_failed_dump_leaves_nothing(app, dumped, session):
    before = sorted(p.name for p in dumps_dir(app.instance_path).iterdir())
    count = session.scalar(select(func.count()).select_from(Dump))
    with pytest.raises(NotFound):
        write_dump(app.extensions["qingdan"].session_factory, app.instance_path, release_id=999)
    assert sorted(p.name for p in dumps_dir(app.instance_path).iterdir()) == before
    assert session.scalar(select(func.count()).select_from(Dump)) == count


def test_dump_command(app, database_url, tmp_path):
    runner = CliRunner()
    args = ["dump", "--instance", str(tmp_path), "--database", database_url]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "items.csv.zip" in result.output
    (written,) = (tmp_path / "dumps").iterdir()
    manifest = json.loads((written / "manifest.json").read_text())
    assert manifest["url"].startswith(app.config["QINGDAN_PUBLIC_URL"])
    refused = runner.invoke(main, [*args, "--release", "999"])
    assert refused.exit_code != 0 and "no release 999" in refused.output
