"""Units as managed resources: admin writes with If-Match, a units file, the alias."""

from __future__ import annotations

import openpyxl.xml

from qingdan_api.domain.codes import make_credit_code
from qingdan_api.services.auth import create_token

from .conftest import csv_bytes, upload

PARENT = make_credit_code("330106", "ME000001")
CHILD = make_credit_code("330106", "ME000002")
FILE_PARENT = make_credit_code("330106", "ME000003")


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def test_create_update_retire_with_if_match(app, client, admin):
    with app.extensions["qingdan"].session_factory() as session:
        _, secret = create_token(session, role="reviewer", name="unit-reviewer")
    body = {
        "credit_code": PARENT.lower(),
        "name": "西湖区民政局",
        "kind": "department",
        "region_code": "330106",
    }
    assert (
        client.post(
            "/api/units", json=body, headers={"Authorization": f"Bearer {secret}"}
        ).status_code
        == 403
    )
    created = client.post("/api/units", json=body, headers=admin)
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    assert created.get_json()["credit_code"] == PARENT  # tidied to capitals, then checked
    assert client.post("/api/units", json=body, headers=admin).status_code == 409
    url = f"/api/units/{PARENT}"
    assert client.patch(url, json={"sector": "6"}, headers=admin).status_code == 428
    changed = client.patch(
        url, json={"sector": "6", "kind": "事业单位"}, headers={**admin, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["sector"] == "06" and changed.get_json()["kind"] == "institution"
    wrong = client.patch(url, json={"org_code": "12345678-9"}, headers={**admin, "If-Match": '"2"'})
    assert wrong.status_code == 422 and "org_code" in wrong.get_json()["errors"]
    retired = client.delete(url, headers={**admin, "If-Match": '"2"'})
    assert retired.status_code == 200 and retired.get_json()["retired_at"]
    item = {"name": "x", "category": "01", "level": "4", "unit": {"credit_code": PARENT}}
    assert client.post("/api/items", json=item, headers=admin).status_code == 409


def test_a_units_file_is_all_or_nothing_with_every_problem(client, admin):
    rows = [
        {
            "统一社会信用代码": FILE_PARENT,
            "单位名称": "西湖区公安分局",
            "单位类型": "政府工作部门",
            "行政区划代码": "330106",
            "上级单位": "",
        },
        {
            "统一社会信用代码": CHILD,
            "单位名称": "西湖区某所",
            "单位类型": "派出机构",
            "行政区划代码": "330106",
            "上级单位": FILE_PARENT[8:17],
        },
        {
            "统一社会信用代码": CHILD[:-1] + "0",
            "单位名称": "坏代码",
            "单位类型": "部门",
            "行政区划代码": "33010",
        },
    ]
    response = upload(client, "/api/units/@import", csv_bytes(rows), admin)
    assert response.status_code == 422
    columns = {(p["row"], p["column"]) for p in response.get_json()["problems"]}
    assert {(4, "统一社会信用代码"), (4, "单位类型"), (4, "行政区划代码")} <= columns
    assert client.get(f"/api/units/{CHILD}").status_code == 404
    response = upload(client, "/api/units/@import", csv_bytes(rows[:2]), admin)
    assert response.status_code == 200 and response.get_json()["created"] == 2
    assert client.get(f"/api/units/{CHILD}").get_json()["parent"]["credit_code"] == FILE_PARENT
    again = upload(client, "/api/units/@import", csv_bytes(rows[:2]), admin)
    assert again.get_json()["unchanged"] == 2


NO_SECTOR = make_credit_code("330106", "ME000009")


def test_messages_say_what_to_do_and_hide_nothing(client, admin):
    unit = {
        "credit_code": NO_SECTOR,
        "name": "西湖区未设行业的局",
        "kind": "department",
        "region_code": "330106",
    }
    assert client.post("/api/units", json=unit, headers=admin).status_code == 201
    item = {"name": "某许可", "category": "01", "level": "4", "unit": {"credit_code": NO_SECTOR}}
    body = client.post("/api/items", json=item, headers=admin).get_json()
    assert "sector" in body["message"] and f"PATCH /api/units/{NO_SECTOR}" in body["message"]
    # A wrong category does not hide what is wrong with the codes.
    code = f"{NO_SECTOR[:-1]}X4330101001000"
    wrong = {**item, "category": "99", "code": code, "basic_code": "330101001000"}
    errors = client.post("/api/items", json=wrong, headers=admin).get_json()["errors"]
    assert "category" in errors and "code" in errors
