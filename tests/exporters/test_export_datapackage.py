"""The ZIP's tables and datapackage.json validate with frictionless, keys and checksums included."""

from __future__ import annotations

import io
import zipfile

import pytest
from frictionless import Package, system

from exporters import zip_export


def _unpack(records, schema, tmp_path, **options):
    data = b"".join(zip_export.write(records, schema=schema, **options))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
    return tmp_path / "datapackage.json"


def _validate(descriptor):
    # trusted: the descriptor's relative paths point into our own tmp dir.
    with system.use_context(trusted=True):
        return Package(str(descriptor)).validate()


@pytest.mark.parametrize(
    "options", [{}, {"labels": "zh", "bom": True}], ids=["english-keys", "chinese-labels-bom"]
)
def test_export_package_validates(records, schema, tmp_path, options):
    report = _validate(_unpack(records, schema, tmp_path, **options))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["items"] == 4
    assert rows["discretion_standards"] == 2
    assert rows["process_steps"] == 5 + 5 + 2 + 5


def test_validation_catches_an_orphan_child_row(records, schema, tmp_path):
    descriptor = _unpack(records, schema, tmp_path)
    # Point a legal basis at an item that is not in the export (and drop the checksum).
    path = tmp_path / "legal_bases.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(records[0]["code"], "X" * 31, 1))
    descriptor.write_text(
        descriptor.read_text(encoding="utf-8").replace('"hash"', '"x-hash"'), encoding="utf-8"
    )
    report = _validate(descriptor)
    assert not report.valid
    types = {e[0] for e in report.flatten(["type"])}
    assert "foreign-key" in types


def test_validation_catches_a_tampered_file(records, schema, tmp_path):
    descriptor = _unpack(records, schema, tmp_path)
    path = tmp_path / "fees.csv"
    path.write_bytes(path.read_bytes().replace("工本费".encode(), "工费本".encode()))
    report = _validate(descriptor)
    assert not report.valid
    assert "hash-count" in {e[0] for e in report.flatten(["type"])}
