"""Hostile text survives every format intact, or neutralised exactly as documented."""

from __future__ import annotations

import copy
import csv
import io
import json
import sys
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from exporters import registry
from exporters.tables import join_multi, split_multi
from exporters.xml_export import NAMESPACE, XSD_PATH, xml_text

NS = {"q": NAMESPACE}
HOSTILE = {
    "quotes": '他说"你好"，\'ok\'""',
    "newlines": "第一行\n第二行\r\n第三行\r末行\n",
    "commas": "a,b,,c,",
    "formula": '=HYPERLINK("http://evil.example","点我")',
    "plus": "+1+1",
    "minus": "-2+3",
    "at": "@SUM(A1:A9)",
    "tab": "\tcmd",
    "cr": "\rcmd",
    "control": "a\x00b\x01c\x07d\x1be\x7ff",
    "xml_invalid": "x\ufffey\uffffz\x0b\x0c",
    "surrogate": "lone\ud800high\udfffx",
    "emoji_rare_cjk": "😀👨‍👩‍👧 𠀀𪚥\u200b\u2028",
    "separator": "陈述;申辩\\听证\\;",
    "html": "<b>&amp;</b>]]>",
}
LONG = "依法" * (1 << 19) + "=末"  # 1 Mi characters, 3 MB in UTF-8


@pytest.fixture(scope="module")
def xsd():
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def csv_raw(text: str) -> str:
    """CSV text without the formula guard: lone surrogates become U+FFFD."""
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def csv_cell(text: str) -> str:
    """The documented CSV treatment of a text cell: csv_raw, then the formula guard."""
    text = csv_raw(text)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def hostile_record(base: dict, texts: list[str]) -> dict:
    record = copy.deepcopy(base)
    record["name"] = texts[0]
    record["remarks"] = texts[-1]
    record["unit"]["name"] = texts[len(texts) // 2]
    record["counterpart_rights"] = list(texts)
    record["legal_bases"] = [{"title": t, "article": None, "text": t} for t in texts]
    record["process_steps"][1]["outcomes"] = list(texts)
    record["@id"] = "https://x.example/items/" + texts[0]
    return record


def _export(name, records, schema, **options) -> bytes:
    return b"".join(registry.get(name).write(records, schema=schema, **options))


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def check_every_format(record: dict, schema, xsd) -> None:
    texts = record["counterpart_rights"]
    # JSON and NDJSON: exact round trip, lone surrogates included.
    assert json.loads(_export("json", [record], schema)) == [record]
    (line,) = _export("ndjson", [record], schema).splitlines()
    assert json.loads(line) == record

    # CSV: the documented cell treatment, nothing else.
    (row,) = _csv_rows(_export("csv", [record], schema))
    assert row["name"] == csv_cell(texts[0])
    assert row["remarks"] == csv_cell(texts[-1])
    assert row["unit_name"] == csv_cell(texts[len(texts) // 2])
    joined = csv_cell(join_multi(texts))
    assert row["counterpart_rights"] == joined
    raw = _csv_rows(_export("csv", [record], schema, formula_guard=False))[0]
    entries = [csv_raw(t) for t in texts]
    # Documented ambiguity: a list holding one empty string reads back as an empty list.
    assert split_multi(raw["counterpart_rights"]) == ([] if texts == [""] else entries)
    legal = _csv_rows(_export("csv", [record], schema, table="legal_bases"))
    assert [r["text"] for r in legal] == [csv_cell(t) for t in texts]

    # XML: well-formed, valid, texts equal after the documented replacement.
    doc = etree.fromstring(_export("xml", [record], schema))
    xsd.assertValid(doc)
    item = doc.find("q:item", NS)
    assert item.findtext("q:name", namespaces=NS) == xml_text(texts[0])
    assert item.get("url") == xml_text(record["@id"])
    rights = [r.text or "" for r in item.findall("q:counterpart_rights/q:right", NS)]
    assert rights == [xml_text(t) for t in texts]
    legal_texts = item.findall("q:legal_bases/q:legal_basis/q:text", NS)
    assert [t.text or "" for t in legal_texts] == [xml_text(t) for t in texts]


@pytest.fixture(autouse=True)
def _big_csv_fields():
    old = csv.field_size_limit(sys.maxsize)
    yield
    csv.field_size_limit(old)


def test_named_hostile_texts(records, schema, xsd):
    check_every_format(hostile_record(records[0], list(HOSTILE.values())), schema, xsd)


def test_one_megabyte_text(records, schema, xsd):
    check_every_format(hostile_record(records[0], [LONG, "短", LONG]), schema, xsd)


def test_formula_guard_spares_numbers_in_integer_columns(records, schema):
    record = copy.deepcopy(records[0])
    record["statutory_limit"]["amount"] = -5
    record["statutory_limit"]["note"] = "-5"
    (row,) = _csv_rows(_export("csv", [record], schema))
    assert row["statutory_limit_amount"] == "-5"  # a number, not a text cell
    assert row["statutory_limit_note"] == "'-5"  # text: neutralised


def test_xml_replaces_each_illegal_character(schema):
    assert (
        xml_text("a\x00b\x0bc\ud800d\ufffee\uffff\t\n\r")
        == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffd\t\n\r"
    )
    assert xml_text("😀𠀀\x7f\x85") == "😀𠀀\x7f\x85"


def test_zip_tables_parse_with_hostile_content(records, schema, tmp_path):
    hostile = hostile_record(records[0], [*HOSTILE.values(), LONG])
    data = _export("csv-zip", [hostile, *records[1:]], schema, labels="zh", bom=True)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        legal = _csv_rows(zf.read("legal_bases.csv"))
        items = _csv_rows(zf.read("items.csv"))
    assert len(items) == 4 and items[0]["事项名称"] == csv_cell(HOSTILE["quotes"])
    mine = [r["条款内容"] for r in legal if r["实施编码"] == hostile["code"]]
    assert mine == [csv_cell(t) for t in [*HOSTILE.values(), LONG]]


any_text = st.text(st.characters(exclude_categories=()), max_size=40)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(any_text, min_size=1, max_size=4))
def test_any_text_survives_every_format(records, schema, xsd, texts):
    check_every_format(hostile_record(records[0], texts), schema, xsd)
