"""Real records in their source shape: the provincial service-guide record, a published item."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from qingdan_api.domain.codes import make_credit_code
from qingdan_api.models import Unit
from qingdan_api.services.loading import BulkLoader, Publication
from tests import factories as f

from .conftest import REALWORLD, csv_bytes, upload

CREDIT = make_credit_code("320000", "MF000001")


@pytest.fixture(scope="module")
def province_unit(app, admin):
    unit = {
        "credit_code": CREDIT,
        "name": "江苏省民政厅婚姻登记处",
        "kind": "institution",
        "nature": "2",
        "region_code": "320000",
        "sector": "06",
    }
    response = app.test_client().post("/api/units", json=unit, headers=admin)
    assert response.status_code == 201, response.get_json()


def test_service_guide_record_imports_as_a_draft(client, admin, province_unit):
    record = json.loads((REALWORLD / "service-guide-record.json").read_text())
    body = json.dumps([record], ensure_ascii=False).encode()
    report = upload(client, "/api/@imports", body, admin, "guide.json").get_json()
    assert report["created"] == 1, report["problems"]
    ignored = {w["column"] for w in report["warnings"]}
    assert {"zscs", "zxdh", "bllct", "bllc"} <= ignored  # said, not silently dropped
    code = report["items"][0]["code"]
    draft = client.get(f"/api/items/{code}/@draft", headers=admin).get_json()["record"]
    assert draft["category"] == "07" and draft["level"] == "2"  # a provincial unit
    assert draft["targets"] == ["1", "2", "3", "4"] and draft["charged"] is False
    assert draft["statutory_limit"] == {"amount": 10, "unit": "working_day", "note": None}
    assert draft["power_source"] == "statutory" and draft["handling_type"] == "2"
    assert draft["handling_office"] == "婚姻登记处"


def test_a_row_matching_a_published_item_becomes_its_working_copy(
    app, client, admin, province_unit
):
    unit = {
        "credit_code": CREDIT,
        "name": "江苏省民政厅婚姻登记处",
        "sector": "06",
        "region_code": "320000",
    }
    published = f.record(
        unit,
        77,
        category="07",
        level="2",
        name="收养登记",
        unit_nature="2",
        local_code="苏-确认-0077",
    )
    with app.extensions["qingdan"].session_factory() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.credit_code == CREDIT))
        loader = BulkLoader(session, {CREDIT: unit_id})
        loader.add([Publication(published, f.T0)])
        loader.finish()
        session.commit()
    code = published["code"]
    # Found by its local code alone; the row changes one field.
    row = {
        "地方编码": "苏-确认-0077",
        "实施主体": CREDIT,
        "事项名称": "收养登记",
        "事项类型": "07",
        "备注": "导入修改",
    }
    report = upload(client, "/api/@imports", csv_bytes([row]), admin).get_json()
    assert report["updated"] == 1 and report["items"][0]["code"] == code, report
    draft = client.get(f"/api/items/{code}/@draft", headers=admin)
    assert (
        draft.get_json()["state"] == "draft" and draft.get_json()["record"]["remarks"] == "导入修改"
    )
    assert draft.headers["ETag"] == '"2"'
    assert "remarks" not in client.get(f"/api/items/{code}").get_json() or (
        client.get(f"/api/items/{code}").get_json()["remarks"] != "导入修改"
    )
    again = upload(client, "/api/@imports", csv_bytes([row]), admin).get_json()
    assert again["unchanged"] == 1
    # The basic code finds the published item in listings and exports.
    basic = published["basic_code"]
    assert client.get(f"/api/items?basic_code={basic}").get_json()["items_total"] == 1
    exported = client.get(f"/api/items.ndjson?basic_code={basic}").data.decode().splitlines()
    assert len(exported) == 1
