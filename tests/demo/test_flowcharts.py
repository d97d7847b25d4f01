"""Every item of the 3k demo city gets a valid flowchart; shared processes share a chart."""

from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from exporters.flowchart import SVG_NS
from qingdan_api.demo.generator import generate_items, generate_units
from qingdan_api.services.flowcharts import item_svg, process_key, write_common_charts


@pytest.fixture(scope="module")
def records():
    items = generate_items(generate_units(seed=2026), 3000, seed=2026)
    return [{k: v for k, v in item.items() if not k.startswith("_")} for item in items]


def test_every_demo_item_renders_a_valid_svg(records):
    assert len(records) == 3000
    for record in records:
        svg = item_svg(record)
        root = etree.fromstring(svg)  # raises on anything not well-formed
        assert root.tag == f"{{{SVG_NS}}}svg", record["code"]
        names = [s["name"] for s in record["process_steps"]]
        assert root.find(f"{{{SVG_NS}}}desc").text.count("→") == len(names) - 1


def test_common_charts_cover_every_item_once(records, tmp_path):
    path = tmp_path / "flowcharts.zip"
    count = write_common_charts(records, path)
    processes = {(r["category"], process_key(r)) for r in records}
    assert count == len(processes) < len(records) / 5  # far fewer charts than items
    with zipfile.ZipFile(path) as archive:
        charts = [n for n in archive.namelist() if n.endswith(".svg")]
        assert len(charts) == count
        for name in charts:
            etree.fromstring(archive.read(name))
        index = archive.read("index.csv").decode().splitlines()
    assert index[0] == "code,name,category,flowchart"
    assert sorted(line.split(",")[0] for line in index[1:]) == sorted(r["code"] for r in records)
    again = tmp_path / "again.zip"
    write_common_charts(records, again)
    assert again.read_bytes() == path.read_bytes()  # deterministic, so checksums hold
