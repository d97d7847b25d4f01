"""The fast renderers write exactly the bytes of the references they replaced, and
records carrying pre-rendered fragments give exactly the bytes of records rendered live.

XML was written element by element with lxml's xmlfile, JSON with the standard library,
CSV cell by cell; they are now rendered per record (orjson for JSON, string formatting
from a compiled plan for XML, one loop per row for CSV). Same records, same bytes: on
the golden data set, on every hostile text, and on arbitrary text.
"""

from __future__ import annotations

import json

# tests/exporters is not a package: pytest puts the folder on sys.path.
import csv_reference
import pytest
import xml_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_export_hostile import HOSTILE, hostile_record

from exporters import registry
from exporters.csv_export import RowFragments
from exporters.encoders import Prerendered
from exporters.json_export import _stdlib_dumps, dumps
from exporters.xml_export import item_body


def _new(name, records, schema, **options) -> bytes:
    return b"".join(registry.get(name).write(records, schema=schema, **options))


def _same_everywhere(records, schema) -> None:
    assert _new("xml", records, schema) == b"".join(xml_reference.write(records, schema=schema))
    for options in ({}, {"labels": "zh", "bom": True}, {"formula_guard": False}):
        old = b"".join(csv_reference.write(records, schema=schema, **options))
        assert _new("csv", records, schema, **options) == old
    for table in schema.child_tables:
        old = b"".join(csv_reference.write(records, schema=schema, table=table))
        assert _new("csv", records, schema, table=table) == old
    for record in records:
        assert dumps(record) == _stdlib_dumps(record)
    lines = b"".join(_stdlib_dumps(r) + b"\n" for r in records)
    assert _new("ndjson", records, schema) == lines


def _prerendered(records, schema, *, full: bool) -> list[Prerendered]:
    """The records with their fragments; without `full`, only what splicing needs."""
    rows = RowFragments(schema)
    out = []
    for record in records:
        head, children = rows.render(record)
        parts = {"csv_row": head, "csv_children": children, "xml": item_body(record, schema)}
        base = record if full else {"@id": record.get("@id"), "code": record["code"]}
        out.append(Prerendered(base, fragments=parts))
    return out


def _spliced_same(records, schema) -> None:
    for full in (True, False):
        spliced = _prerendered(records, schema, full=full)
        for name in ("csv", "xml", "csv-zip"):
            assert _new(name, spliced, schema) == _new(name, records, schema), name
        for table in schema.child_tables:
            live = _new("csv", records, schema, table=table)
            assert _new("csv", spliced, schema, table=table) == live
    # Other options than the fragments' are rendered from the record, never spliced.
    spliced = _prerendered(records, schema, full=True)
    assert _new("csv", spliced, schema, formula_guard=False) == _new(
        "csv", records, schema, formula_guard=False
    )


def test_golden_records(records, schema):
    _same_everywhere(records, schema)
    _same_everywhere([], schema)
    _spliced_same(records, schema)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_texts(records, schema, name):
    hostile = [hostile_record(records[0], [HOSTILE[name], "x"])]
    _same_everywhere(hostile, schema)
    _spliced_same(hostile, schema)


def test_values_orjson_refuses_fall_back_to_the_standard_library():
    record = {"big": 1 << 70, "text": "lone\ud800", 3: "non-string key"}
    expected = {"big": 1 << 70, "text": "lone\ud800", "3": "non-string key"}
    assert json.loads(dumps(record)) == expected


any_text = st.text(st.characters(exclude_categories=()), max_size=30)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(any_text, min_size=1, max_size=3))
def test_any_text(records, schema, texts):
    _same_everywhere([hostile_record(records[0], texts), records[1]], schema)
    _spliced_same([hostile_record(records[0], texts)], schema)
