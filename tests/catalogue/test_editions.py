"""Several catalogue editions are kept; the current one is the latest edition date."""

from __future__ import annotations

from qingdan_api.services.auth import create_token

from ..imports.conftest import csv_bytes, upload


def row(code, name, date):
    return {
        "基本编码": code,
        "事项名称": name,
        "事项类型": "01",
        "行使层级": "3",
        "发布机关": "省政务服务数据管理局",
        "版本日期": date,
    }


def test_editions_are_kept_and_the_latest_is_current(app, client):
    with app.extensions["qingdan"].session_factory() as session:
        _, secret = create_token(session, role="admin", name="editions-admin")
    admin = {"Authorization": f"Bearer {secret}"}
    old = [row("440111001000", "旧名称", "2025年6月1日"), row("440111002000", "已取消", "2025/6/1")]
    new = [row("440111001000", "新名称", "2026-06-01")]
    # Imported out of order: the edition date decides which one is current.
    assert upload(client, "/api/@catalogue/@imports", csv_bytes(new), admin).status_code == 200
    assert upload(client, "/api/@catalogue/@imports", csv_bytes(old), admin).status_code == 200
    listed = client.get("/api/@catalogue").get_json()
    assert listed["edition"]["edition_date"] == "2026-06-01"
    assert [e["edition_date"] for e in listed["editions"]] == ["2026-06-01", "2025-06-01"]
    assert [e["name"] for e in listed["items"]] == ["新名称"]
    assert client.get("/api/@catalogue/440111002000").status_code == 404
    previous = listed["editions"][1]["id"]
    older = client.get(f"/api/@catalogue/440111002000?edition={previous}")
    assert older.status_code == 200 and older.get_json()["name"] == "已取消"
    assert client.get("/api/@catalogue?edition=999").status_code == 404
    # Rows that disagree on the edition are one problem, and nothing is stored.
    mixed = [row("440111003000", "甲", "2026-07-01"), row("440111004000", "乙", "2026-08-01")]
    response = upload(client, "/api/@catalogue/@imports", csv_bytes(mixed), admin)
    assert response.status_code == 422
    assert len(client.get("/api/@catalogue").get_json()["editions"]) == 2
