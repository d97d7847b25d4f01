"""Golden-file tests: every format, on the fixed four-record data set of conftest.py."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from lxml import etree

from exporters import catalog, registry
from exporters.datapackage import build_datapackage
from exporters.xml_export import XSD_PATH


def _export(name, records, schema, **options) -> bytes:
    return b"".join(registry.get(name).write(records, schema=schema, **options))


def test_json_golden_and_round_trip(records, schema, golden):
    data = _export("json", records, schema)
    golden("items.json", data)
    assert json.loads(data) == records


def test_ndjson_golden_and_round_trip(records, schema, golden):
    data = _export("ndjson", records, schema)
    golden("items.ndjson", data)
    assert [json.loads(line) for line in data.splitlines()] == records


def test_csv_main_table_golden(records, schema, golden):
    data = _export("csv", records, schema)
    golden("items.csv", data)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert [r["code"] for r in rows] == [r["code"] for r in records]
    licence, sub, merged, penalty = rows
    assert (licence["category"], licence["category_label"]) == ("01", "行政许可")
    assert (penalty["category"], penalty["category_label"]) == ("02", "行政处罚")
    assert licence["statutory_limit_amount"] == "20"
    assert licence["statutory_limit_unit_label"] == "工作日"
    assert licence["targets"] == "1;2" and licence["targets_label"] == "自然人;企业法人"
    assert licence["url"] == records[0]["@id"]
    assert sub["parent_code"] == licence["code"] and sub["charged"] == "true"
    assert merged["disposition_label"] == "整合" and merged["merged_into"] == licence["code"]
    assert penalty["co_implementing_units_name"] == "临江市公安局;临江市农业农村局"
    assert penalty["promised_limit_amount"] == "" and penalty["promised_limit_unit"] == ""


def test_csv_chinese_headers_with_bom_golden(records, schema, golden):
    data = _export("csv", records, schema, labels="zh", bom=True)
    golden("items.zh.csv", data)
    assert data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:4] == ["实施编码", "基本编码", "地方编码", "事项名称"]
    assert "事项类型名称" in header and "法定办结时限-时限数值" in header


def test_csv_child_tables_golden(records, schema, golden):
    for table in schema.child_tables:
        data = _export("csv", records, schema, table=table)
        golden(f"{table}.csv", data)
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
        expected = [(r["code"], i) for r in records for i, _ in enumerate(r[table], start=1)]
        assert [(row["code"], int(row["position"])) for row in rows] == expected
    risks = _export("csv", records, schema, table="risk_points").decode()
    assert "medium,中," in risks


def test_csv_zip_members_match_the_tables(records, schema, golden):
    data = _export("csv-zip", records, schema)
    assert data == _export("csv-zip", records, schema), "same records give the same bytes"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        tables = [f"{t}.csv" for t in schema.child_tables]
        assert names == ["items.csv", *tables, "datapackage.json"]
        assert zf.read("items.csv") == _export("csv", records, schema)
        for table in schema.child_tables:
            assert zf.read(f"{table}.csv") == _export("csv", records, schema, table=table)
        golden("zip-datapackage.json", zf.read("datapackage.json"))


def test_xml_golden_and_valid(records, schema, golden):
    data = _export("xml", records, schema)
    golden("items.xml", data)
    doc = etree.fromstring(data)
    etree.XMLSchema(etree.parse(str(XSD_PATH))).assertValid(doc)
    ns = {"q": "urn:qingdan:two-lists:1"}
    items = doc.findall("q:item", ns)
    assert [i.findtext("q:code", namespaces=ns) for i in items] == [r["code"] for r in records]
    category = items[3].find("q:category", ns)
    assert (category.text, category.get("label")) == ("02", "行政处罚")
    assert items[0].get("url") == records[0]["@id"]
    assert items[3].find("q:promised_limit", ns) is None  # None omits the element
    assert len(items[0].find("q:fees", ns)) == 0  # an empty list is an empty container


def test_datapackage_golden(schema, golden):
    package = build_datapackage(schema)
    golden("datapackage.json", (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode())
    legal = next(r for r in package["resources"] if r["name"] == "legal_bases")
    assert legal["schema"]["primaryKey"] == ["code", "position"]
    assert legal["schema"]["foreignKeys"] == [
        {"fields": ["code"], "reference": {"resource": "items", "fields": ["code"]}}
    ]


def test_dcat_catalog_golden(golden):
    dist = {
        "file_name": "items.csv.zip",
        "media_type": "application/zip",
        "size": 1234,
        "sha256": "ab" * 32,
        "url": "https://qingdan.example.gov.cn/dumps/7/items.csv.zip",
    }
    cat = catalog.build_catalog(
        catalog_url="https://qingdan.example.gov.cn/api/@catalog",
        dataset_url="https://qingdan.example.gov.cn/api/@releases/7",
        title="临江市权力清单和责任清单",
        description="临江市各单位公布的权力事项及其责任清单。",
        publisher="临江市人民政府",
        distributions=[dist],
        modified="2024-05-02T09:30:00+08:00",
        license_url="https://creativecommons.org/licenses/by/4.0/",
    )
    golden("catalog.jsonld", (json.dumps(cat, ensure_ascii=False, indent=2) + "\n").encode())
    (d,) = cat["dcat:dataset"][0]["dcat:distribution"]
    assert d["dcat:downloadURL"] == {"@id": dist["url"]}
    assert d["spdx:checksum"]["spdx:checksumValue"]["@value"] == "ab" * 32
    assert d["dcat:mediaType"]["@id"].endswith("/application/zip")
