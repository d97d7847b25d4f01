"""The catalogue imported, the city's list aligned with it: every planted finding, nothing else."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from qingdan_api.services.auth import create_token

from ..factories import load, record, unit_data
from ..imports.conftest import csv_bytes, upload

A = unit_data(1, region_code="440100", sector="11")
B = unit_data(2, region_code="440100", sector="12")
C = unit_data(3, region_code="440100", sector="11", name="临江市测试局丙")
SAMPLE_LAWS = "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》第四条"
REAL_BLOCK = (
    "1.【法律】《中华人民共和国食品安全法》（2021年修正）第三十五条第一款 国家对食品生产经营"
    "实行许可制度。\n2.【部门规章】《食品经营许可和备案管理办法》（2023年10月1日起施行）第四条 "
    "在中华人民共和国境内从事食品销售和餐饮服务活动，应当依法取得食品经营许可。"
)


def entry(code, name, category, levels, basis, **extra):
    return {
        "基本编码": code,
        "事项名称": name,
        "事项类型": category,
        "设定依据": basis,
        "行使层级": levels,
        **extra,
    }


CATALOGUE = [
    entry("440111001000", "测试事项1", "行政许可", "2,3", REAL_BLOCK),  # A1 and C1: overlap
    entry("440111002000", "测试事项二", "01", "3", SAMPLE_LAWS),  # A2: name differs
    entry("440111003000", "测试事项3", "行政确认", "3", SAMPLE_LAWS),  # A3: category differs
    entry(  # A4: one law missing, one extra
        "440111004000",
        "测试事项4",
        "1",
        "3,4",
        "【法律】《中华人民共和国食品安全法》（2021年修正）第三十五条；"
        "【法律】《中华人民共和国行政许可法》（2019年修正）第十二条第（一）项",
    ),
    entry("440112001000", "测试事项1", "01", "3", SAMPLE_LAWS),  # B1: aligned
    entry("440112002000", "未实施的事项", "01", "2,3", SAMPLE_LAWS),  # omission (unit B)
    entry("440112003000", "省级事项", "01", "2", SAMPLE_LAWS),  # provincial only: fine
    entry("442012004000", "公共服务事项", "公共服务", "3", ""),  # a category the city lacks
]


@pytest.fixture(scope="module")
def city(app):
    """The city's units and published items, an admin and a reviewer; the catalogue."""
    items = [{"history": [record(A, seq)]} for seq in (1, 2, 3, 4, 5)]
    items += [{"history": [record(B, 1)]}, {"history": [record(C, 1, name="测试事项1")]}]
    items.append({"working": record(B, 7), "state": "submitted"})  # waits for a reviewer
    with app.extensions["qingdan"].session_factory() as session:
        load(session, [A, B, C], items)
        _, admin = create_token(session, role="admin", name="catalogue-admin")
        _, reviewer = create_token(session, role="reviewer", name="catalogue-reviewer")
    admin, reviewer = {"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {reviewer}"}
    client = app.test_client()
    report = upload(client, URL, csv_bytes(CATALOGUE), admin).get_json()
    assert report["committed"], report
    return admin, reviewer, report


def code(unit, seq):
    return f"{unit['credit_code']}34401{unit['sector']}{seq:03d}000"


URL = "/api/@catalogue/@imports?source=广东省政务服务数据管理局&edition_date=2026-03-01"


def test_catalogue_and_alignment(city, client):
    admin, reviewer, report = city
    data = csv_bytes(CATALOGUE)
    url = URL
    assert report["created"] == len(CATALOGUE), report
    # The category that disagrees with the code's segment is taken as written, with a warning.
    assert [w["row"] for w in report["warnings"]] == [4]
    again = upload(client, url, data, admin).get_json()
    assert again["unchanged"] == len(CATALOGUE) and again["created"] == 0

    body = client.get("/api/@alignment").get_json()
    found = {
        (f["kind"], f["item_code"] or f["basic_code"], f["detail"].get("law"))
        for f in body["findings"]
    }
    assert found == {
        ("name", code(A, 2), None),
        ("category", code(A, 3), None),
        ("law_missing", code(A, 4), "行政许可法"),
        ("law_extra", code(A, 4), "食品经营许可和备案管理办法"),
        ("extra", code(A, 5), None),
        ("omission", "440112002000", None),
        ("overlap", "440111001000", None),
    }
    by_kind = {f["kind"]: f for f in body["findings"]}
    assert by_kind["omission"]["units"] == [B["credit_code"]]
    assert by_kind["overlap"]["units"] == sorted([A["credit_code"], C["credit_code"]])
    assert body["summary"]["unexplained"] == 7

    # Per unit, and counted on the unit resource.
    mine = client.get(f"/api/@alignment?unit={B['credit_code']}").get_json()
    assert [f["kind"] for f in mine["findings"]] == ["omission"]
    assert client.get(f"/api/units/{A['credit_code']}").get_json()["alignment_unexplained"] == 6

    # A reviewer explains the overlap; it stays explained when the report runs again.
    overlap = by_kind["overlap"]["id"]
    response = client.put(
        f"/api/@alignment/{overlap}/explanation",
        json={"reason": "市、区两级分工，已报编办"},
        headers=reviewer,
    )
    assert response.status_code == 200, response.get_json()
    assert client.put(
        f"/api/@alignment/{overlap}/explanation", json={"reason": "x"}
    ).status_code in (401, 403)
    assert (
        client.put(
            "/api/@alignment/0000/explanation", json={"reason": "x"}, headers=reviewer
        ).status_code
        == 404
    )
    rerun = client.get("/api/@alignment").get_json()
    assert rerun["summary"]["unexplained"] == 6
    assert {f["id"] for f in rerun["findings"]} == {f["id"] for f in body["findings"]}
    assert client.get(f"/api/units/{A['credit_code']}").get_json()["alignment_unexplained"] == 5
    audit = client.get("/api/@audit?action=alignment.explain", headers=admin).get_json()
    assert audit["items"], audit

    # Downloads.
    rows = list(csv.reader(io.StringIO(client.get("/api/@alignment.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 8 and rows[0][0] == "编号"
    book = load_workbook(io.BytesIO(client.get("/api/@alignment.xlsx").data))
    assert book.active.max_row == 8

    # The catalogue itself: one entry with the city's items implementing it, filters, exports.
    one = client.get("/api/@catalogue/440111001000").get_json()
    assert {i["code"] for i in one["items"]} == {code(A, 1), code(C, 1)}
    assert one["legal_refs"][0]["rank"] == "法律" and one["legal_refs"][0]["article"] == "35"
    assert one["legal_refs"][0]["paragraph"] == 1
    listed = client.get("/api/@catalogue?level=2").get_json()
    assert [e["basic_code"] for e in listed["items"]] == [
        "440111001000",
        "440112002000",
        "440112003000",
    ]
    assert client.get("/api/@catalogue?law=行政许可法").get_json()["items_total"] == 1
    exported = client.get("/api/@catalogue.csv?category=20").data.decode()
    assert exported.count("\n") == 2 and "442012004000" in exported
    assert len(client.get("/api/@catalogue.json").get_json()) == len(CATALOGUE)
    assert client.get("/api/@catalogue/440199999000").status_code == 404
    assert client.get("/api/@catalogue?bogus=1").status_code == 400


def test_laws_and_law_filter(city, client):
    laws = client.get("/api/@laws").get_json()["items"]
    assert laws[0]["law"] == "食品安全法" and laws[0]["rank"] == "法律"
    assert laws[0]["items_total"] == 7
    # Any spelling of the title finds the same law.
    for spelling in ("《中华人民共和国食品安全法》（2021年修正）", "食品安全法"):
        listed = client.get("/api/items", query_string={"law": spelling}).get_json()
        assert listed["items_total"] == 7
    assert client.get("/api/items?law=行政许可法").get_json()["items_total"] == 0
    exported = client.get("/api/items.csv?law=食品安全法").data.decode()
    assert exported.strip().count("\n") == 7
    articles = client.get("/api/@laws?law=食品安全法").get_json()["articles"]
    assert [a["article"] for a in articles] == ["食品安全法#35"]


def test_catalogue_import_reports_every_problem(app, client):
    with app.extensions["qingdan"].session_factory() as session:
        _, secret = create_token(session, role="admin", name="catalogue-admin-2")
    admin = {"Authorization": f"Bearer {secret}"}
    rows = [
        entry("4401110010", "短编码", "01", "3", ""),
        entry("440111009000", "", "没有的类型", "3", ""),
        entry("440111010000", "无层级", "01", "", "", 行业代码="1x"),
        entry("440111011000", "公式", "01", "=1+1", ""),
    ]
    response = upload(
        client, "/api/@catalogue/@imports?source=省&edition_date=2026-04-01", csv_bytes(rows), admin
    )
    assert response.status_code == 422
    problems = {(p["row"], p["column"]) for p in response.get_json()["problems"]}
    assert problems == {
        (2, "基本编码"),
        (3, "事项名称"),
        (3, "事项类型"),
        (4, "行使层级"),
        (4, "行业代码"),
        (5, "行使层级"),
    }
    listed = client.get("/api/@catalogue").get_json()
    assert all(e["edition_date"] != "2026-04-01" for e in listed["editions"])
    hostile = upload(
        client,
        "/api/@catalogue/@imports?source=省&edition_date=2026-04-01",
        b"PK\x03\x04not a zip",
        admin,
        "c.xlsx",
    )
    assert hostile.status_code == 422
    assert upload(client, "/api/@catalogue/@imports", csv_bytes(rows), {}).status_code == 401


def test_alignment_cli(city, database_url, tmp_path):
    from click.testing import CliRunner

    from qingdan_api.cli import main

    runner = CliRunner()
    cli = ["--database", database_url, "--instance", str(tmp_path)]
    result = runner.invoke(main, ["alignment", *cli, "--unit", B["credit_code"]])
    assert result.exit_code == 0, result.output
    assert '"kind": "omission"' in result.output
    out = tmp_path / "report.xlsx"
    result = runner.invoke(main, ["alignment", *cli, "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).active.max_row == 8
    result = runner.invoke(main, ["alignment", *cli, "--format", "csv"])
    assert result.output.count("\n") >= 8
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_bytes(csv_bytes(CATALOGUE))
    result = runner.invoke(
        main,
        [
            "catalogue",
            "import",
            *cli,
            str(catalogue),
            "--source",
            "广东省政务服务数据管理局",
            "--edition-date",
            "2026-03-01",
        ],
    )
    assert result.exit_code == 0 and f"未变 {len(CATALOGUE)}" in result.output, result.output


def test_review_queue_counts_unexplained_findings(city, client):
    _, reviewer, _ = city
    queue = client.get("/api/@review", headers=reviewer).get_json()
    assert [(u["credit_code"], u["alignment_unexplained"]) for u in queue["units"]] == [
        (B["credit_code"], 1)
    ]
    assert [i["code"] for i in queue["units"][0]["items"]] == [code(B, 7)]
    assert client.get("/api/@review").status_code == 401
