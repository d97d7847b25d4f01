"""Cleanup forms: real value shapes, every problem at once, re-import, hostile files, the walk."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from qingdan_api.domain.codes import make_credit_code
from qingdan_api.services.auth import create_token

from .conftest import csv_bytes, upload

CREDIT = make_credit_code("440118", "MC000001")
ORG = CREDIT[8:17]
OTHER = make_credit_code("440118", "MC000002")


@pytest.fixture(scope="module")
def unit(app, admin):
    client = app.test_client()
    body = {
        "credit_code": CREDIT,
        "name": "测试区市场监督管理局",
        "short_name": "区市监局",
        "kind": "政府工作部门",
        "nature": "法定机关",
        "region_code": "440118",
        "sector": "12",
    }
    response = client.post("/api/units", json=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


ROW = {
    "实施主体": ORG,
    "事项名称": "食品经营许可",
    "事项类型": "1",
    "行使层级": "3,4",
    "服务对象": "个人，法人",
    "法定办结时限": "45个工作日",
    "承诺办结时限": "即时办结",
    "是否收费": "0",
    "权力来源": "法定本级行使",
    "办件类型": "承诺件",
    "实施依据": "【法律】《中华人民共和国食品安全法》第三十五条：国家对食品生产经营实行许可制度。"
    "【地方性法规】《广东省食品安全条例》（2016年修订）第十条、第十一条 县级以上……",
}


def test_units_reject_invalid_credit_codes_and_take_their_alias(client, admin, unit):
    bad = {
        "credit_code": CREDIT[:-1] + ("0" if CREDIT[-1] != "0" else "1"),
        "name": "x",
        "kind": "department",
        "region_code": "440118",
    }
    errors = client.post("/api/units", json=bad, headers=admin).get_json()["errors"]
    assert "check character" in errors["credit_code"][0]
    assert unit["org_code"] == ORG
    assert client.get(f"/api/units/{ORG[:8]}-{ORG[8]}").get_json()["credit_code"] == CREDIT
    assert client.get(f"/api/items?unit={ORG}").status_code == 200
    stale = client.patch(
        f"/api/units/{CREDIT}", json={"short_name": "市监"}, headers={**admin, "If-Match": '"9"'}
    )
    assert stale.status_code == 412


def test_real_value_shapes(client, admin, unit):
    rows = [
        ROW,
        {
            **ROW,
            "事项名称": "婚姻登记记录证明",
            "事项类型": "行政确认",
            "行使层级": "县级",
            "法定办结时限": "30日",
            "承诺办结时限": "无",
            "是否收费": "是",
            "收费项目名称": "工本费",
            "服务对象": "自然人",
            "实施依据": "",
        },
        {
            **ROW,
            "事项名称": "学生资助政策咨询",
            "事项类型": "20",
            "行使层级": "4",
            "办件类型": "即办件",
            "承诺办结时限": "即办",
            "实施依据": "",
        },
    ]
    report = upload(client, "/api/@imports", csv_bytes(rows), admin).get_json()
    assert report["created"] == 4 and report["problems"] == [], report
    codes = [i["code"] for i in report["items"]]
    first = client.get(f"/api/items/{codes[0]}/@draft", headers=admin).get_json()["record"]
    assert first["level"] == "3" and codes[1][18] == "4"  # one item per level
    assert first["category"] == "01" and first["targets"] == ["1", "2", "3", "4"]
    assert first["statutory_limit"] == {"amount": 45, "unit": "working_day", "note": None}
    assert first["promised_limit"]["unit"] == "immediate" and first["charged"] is False
    assert first["power_source"] == "statutory" and first["handling_type"] == "2"
    assert [b["title"] for b in first["legal_bases"]] == [
        "中华人民共和国食品安全法",
        "广东省食品安全条例",
    ]
    assert first["legal_bases"][1]["article"] == "第十条、第十一条"
    assert first["legal_bases"][1]["text"].startswith(
        "【地方性法规】《广东省食品安全条例》（2016年修订）"
    )
    second = client.get(f"/api/items/{codes[2]}/@draft", headers=admin).get_json()["record"]
    assert second["category"] == "07" and second["statutory_limit"]["unit"] == "natural_day"
    assert second["promised_limit"] is None and second["fees"] == [
        {"name": "工本费", "standard": None, "basis": None}
    ]
    assert codes[3][21:23] == "20"
    # The same file again changes nothing; an edited row becomes a new revision, not a duplicate.
    again = upload(client, "/api/@imports", csv_bytes(rows), admin).get_json()
    assert again["unchanged"] == 4 and again["created"] == 0
    changed = upload(
        client, "/api/@imports", csv_bytes([{**rows[2], "法定办结时限": "20日"}]), admin
    )
    assert changed.get_json()["updated"] == 1
    # basic_code filters listings (nothing is published yet: an empty page, not an error).
    assert client.get(f"/api/items?basic_code={codes[0][19:]}").get_json()["items_total"] == 0
    assert client.get("/api/items?basic_code=12").status_code == 400


def test_every_problem_of_a_file_at_once_and_nothing_stored(client, admin, unit):
    rows = [
        {**ROW, "事项名称": "甲", "事项类型": "99", "是否收费": "也许"},
        {**ROW, "事项名称": "乙", "法定办结时限": "很快"},
        {**ROW, "事项名称": "丙", "实施主体": "不存在的单位"},
        {**ROW, "事项名称": "丁", "备注": "=1+1"},
    ]
    response = upload(client, "/api/@imports", csv_bytes(rows), admin)
    assert response.status_code == 422
    problems = {(p["row"], p["column"]) for p in response.get_json()["problems"]}
    assert problems == {
        (2, "事项类型"),
        (2, "是否收费"),
        (3, "法定办结时限"),
        (4, "实施主体"),
        (5, "备注"),
    }
    assert all(p["message"] for p in response.get_json()["problems"])
    assert response.get_json()["committed"] is False
    search = client.get(f"/api/units/{CREDIT}").get_json()
    assert search["items_total"] == 0
    annotated = upload(client, "/api/@imports?annotated=true", csv_bytes(rows), admin)
    book = load_workbook(io.BytesIO(annotated.data))
    sheet = book.worksheets[0]
    marked = [c for row in sheet.iter_rows() for c in row if c.comment]
    assert len(marked) == 5 and all(c.fill.start_color.rgb.endswith("FFC7CE") for c in marked)


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_hostile_files_get_4xx_and_store_nothing(client, admin, unit):
    assert upload(client, "/api/@imports", b"\x00\x01binary", admin, "a.xlsx").status_code == 422
    assert upload(client, "/api/@imports", b"PK\x03\x04broken", admin, "a.xlsx").status_code == 422
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    response = upload(client, "/api/@imports", bomb.getvalue(), admin, "bomb.xlsx")
    assert response.status_code == 422 and "压缩" in response.get_json()["message"]
    # Entities in a workbook part: defusedxml refuses them instead of expanding.
    good = _xlsx([["事项名称", "事项类型"], ["x", "01"]])
    evil = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(evil, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"<worksheet",
                    b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
                    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet',
                    1,
                )
            target.writestr(info, data)
    response = upload(client, "/api/@imports", evil.getvalue(), admin, "e.xlsx")
    assert response.status_code == 422 and "XML 实体" in response.get_json()["message"]
    big = b"a," * (26 * 1024 * 1024)
    assert upload(client, "/api/@imports", big, admin, "big.csv").status_code == 413
    empty = "事项名称,事项类型\n" + "\n" * 1_000_000 + "x,01\n"
    response = upload(client, "/api/@imports", empty.encode(), admin, "empty.csv")
    assert response.status_code == 422 and "空行" in response.get_json()["message"]
    book = Workbook()
    book.active.append(["事项名称", "事项类型"])
    book.active.cell(row=1_000_000, column=1, value="x")  # a million rows, all but two empty
    far = io.BytesIO()
    book.save(far)
    response = upload(client, "/api/@imports", far.getvalue(), admin, "far.xlsx")
    assert response.status_code == 422 and "空行" in response.get_json()["message"]
    formula = _xlsx([["事项名称", "事项类型", "实施主体"], ['=HYPERLINK("x")', "01", CREDIT]])
    response = upload(client, "/api/@imports", formula, admin, "f.xlsx")
    assert response.status_code == 422 and "公式" in response.get_json()["problems"][0]["message"]
    assert client.get(f"/api/units/{CREDIT}").get_json()["items_total"] == 0


def test_the_template_is_generated_with_drop_downs_and_child_sheets(client):
    response = client.get("/api/@imports/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:3] == ["填写说明", "代码表", "事项"]
    assert {
        "实施依据",
        "运行流程",
        "收费项目",
        "廉政风险点",
        "责任事项",
        "追责情形",
        "行政裁量基准",
    } <= set(book.sheetnames)
    main = book["事项"]
    assert main["F1"].value == "*事项名称" and main.data_validations.dataValidation
    assert main.cell(row=2, column=6).value == "食品经营许可"


def test_who_may_import(app, client, admin, unit):
    other_unit = {
        "credit_code": OTHER,
        "name": "测试区水务局",
        "kind": "department",
        "region_code": "440118",
        "sector": "15",
    }
    assert client.post("/api/units", json=other_unit, headers=admin).status_code == 201
    with app.extensions["qingdan"].session_factory() as session:
        reviewer = create_token(session, role="reviewer", name="form-reviewer")[1]
        editor = create_token(session, role="editor", name="form-editor", unit_credit_code=ORG)[1]
    body = csv_bytes([{**ROW, "事项名称": "权限测试"}])
    assert upload(client, "/api/@imports", body, {}).status_code == 401
    headers = {"Authorization": f"Bearer {reviewer}"}
    assert upload(client, "/api/@imports", body, headers).status_code == 403
    other = csv_bytes([{**ROW, "实施主体": OTHER, "事项名称": "别人的"}])
    headers = {"Authorization": f"Bearer {editor}"}
    response = upload(client, "/api/@imports?dry_run=true", other, headers)
    assert response.status_code == 422
    assert "只能导入本单位的事项" in response.get_json()["problems"][0]["message"]
    response = upload(client, "/api/@imports?dry_run=true", body, headers)
    assert response.status_code == 200 and response.get_json()["created"] == 2
    assert response.get_json()["committed"] is False
    unknown = upload(client, "/api/@imports?unit=12345678X", body, admin)
    assert unknown.status_code == 400 and unknown.get_json()["code"] == 400


def test_child_sheets_are_keyed_by_row_number(client, admin, unit):
    book = Workbook()
    main = book.active
    main.title = "事项"
    main.append(["序号", "实施主体", "事项名称", "事项类型"])
    main.append([1, CREDIT, "子表事项甲", "01"])
    main.append([2, CREDIT, "子表事项乙", "01"])
    risks = book.create_sheet("廉政风险点")
    risks.append(["序号", "环节", "风险点描述", "风险等级", "防控措施"])
    risks.append([1, "审查", "违规审批", "低", "双人审查"])
    risks.append([2, "决定", "超时办理", "极高", "限时提醒"])
    risks.append([9, "送达", "无主", "中", "无"])
    out = io.BytesIO()
    book.save(out)
    response = upload(client, "/api/@imports?accept_valid=true", out.getvalue(), admin, "c.xlsx")
    report = response.get_json()
    where = {(p["sheet"], p["row"], p["column"]) for p in report["problems"]}
    assert where == {("廉政风险点", 3, "风险等级"), ("廉政风险点", 4, "序号")}
    assert report["created"] == 1 and report["rejected_rows"] == 1
    code = report["items"][0]["code"]
    record = client.get(f"/api/items/{code}/@draft", headers=admin).get_json()["record"]
    assert record["risk_points"] == [
        {"stage": "审查", "description": "违规审批", "level": "low", "measures": "双人审查"}
    ]
