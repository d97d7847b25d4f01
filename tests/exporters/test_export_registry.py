"""The format registry, the file-digest helper and the schema adapter."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest

from exporters import registry
from exporters.files import write_file
from exporters.xml_export import XSD_PATH
from exporters.xsd import build_xsd
from qingdan_api.domain import fields


def test_every_format_is_registered_with_its_media_type():
    table = {n: (registry.get(n).media_type, registry.get(n).extension) for n in registry.names()}
    assert table == {
        "json": ("application/json", "json"),
        "ndjson": ("application/x-ndjson", "ndjson"),
        "csv": ("text/csv", "csv"),
        "xml": ("application/xml", "xml"),
        "csv-zip": ("application/zip", "csv.zip"),
    }
    assert registry.get("csv").content_type == "text/csv; charset=utf-8"
    assert registry.get("csv-zip").content_type == "application/zip"
    assert registry.by_media_type("application/x-ndjson; q=0.9").name == "ndjson"
    assert registry.by_media_type("text/html") is None


def test_unknown_format_and_duplicate_registration_fail():
    with pytest.raises(KeyError, match="known"):
        registry.get("xlsx")
    with pytest.raises(ValueError, match="already"):
        registry.register(registry.get("json"))


def test_bad_option_fails_before_any_output(records, schema):
    with pytest.raises(ValueError, match="labels"):
        registry.get("csv").write(records, schema=schema, labels="fr")
    with pytest.raises(ValueError, match="labels"):
        registry.get("csv-zip").write(records, schema=schema, labels="fr")
    with pytest.raises(ValueError, match="no table"):
        registry.get("csv").write(records, schema=schema, table="nope")


def test_write_file_reports_size_and_sha256(records, schema, tmp_path):
    chunks = list(registry.get("xml").write(records, schema=schema))
    written = write_file(iter(chunks), tmp_path / "items.xml")
    data = b"".join(chunks)
    assert written.path.read_bytes() == data
    assert (written.size, written.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_write_file_leaves_nothing_behind_on_failure(tmp_path):
    def broken():
        yield b"partial"
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_file(broken(), tmp_path / "items.json")
    assert list(tmp_path.iterdir()) == []


def test_schema_covers_every_catalogue_field(schema):
    names = [f.name for f in schema.fields]
    assert names == [f.name for f in fields.ITEM_FIELDS + fields.VERSION_FIELDS]
    assert schema.child_tables == tuple(fields.CHILD_TABLES)
    assert schema.term_label("power-sources", "statutory") == "法定本级行使"
    assert schema.term_label("categories", "01") == "行政许可"
    assert schema.term_label("categories", "99") is None


def test_committed_xsd_matches_the_field_catalogue(schema, update_golden):
    generated = build_xsd(schema)
    if update_golden:
        XSD_PATH.write_bytes(generated)
    assert XSD_PATH.read_bytes() == generated, "regenerate with QINGDAN_UPDATE_GOLDEN=1"


def test_exporters_import_nothing_from_the_app():
    # exporters/ is pure: Flask, SQLAlchemy and qingdan_api must stay out of it.
    forbidden = {"flask", "sqlalchemy", "qingdan_api"}
    package = Path(registry.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert not roots & forbidden, f"{path.name} imports {roots & forbidden}"
