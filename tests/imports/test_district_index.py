"""The real district index (1,135 items, 34 departments) imports to its units and drafts."""

from __future__ import annotations

import json
from collections import Counter

from qingdan_api.intake.index_units import units_from_index
from qingdan_api.models import Item, Unit

from .conftest import csv_bytes, district_rows, upload


def test_district_index_imports_with_a_reason_for_every_rejected_row(client, admin, session):
    rows = district_rows()
    units, unnamed = units_from_index(rows)
    assert [p["department"] for p in unnamed] == ["区烟草专卖局"]
    response = upload(client, "/api/units/@import", csv_bytes(units), admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 33
    # Organisation codes name their units: 教科体局's rows give 083372204.
    assert client.get("/api/units/083372204").get_json()["name"] == "区教科体局"
    body = json.dumps(rows, ensure_ascii=False).encode()
    response = upload(client, "/api/@imports?accept_valid=true", body, admin, "index.json")
    report = response.get_json()
    assert response.status_code == 200, report["problems"][:3]
    assert report["rows"] == 1135
    assert report["created"] == 1128 and report["rejected_rows"] == 7
    reasons = Counter(p["message"] for p in report["problems"])
    assert len(reasons) == 1 and "找不到实施主体" in next(iter(reasons))
    assert {p["value"] for p in report["problems"]} == {"71181655-9、区烟草专卖局"}
    assert session.query(Item).count() == 1128
    assert session.query(Unit).count() == 33
    categories = Counter(code[21:23] for (code,) in session.query(Item.code))
    taken = [r for r in rows if r["department"] != "区烟草专卖局"]
    assert categories == Counter(f"{int(r['taskType']):02d}" for r in taken)
    assert categories["20"] == 348
    session.rollback()  # end the read transaction before the next writer comes
    # Importing it again changes nothing.
    again = upload(client, "/api/@imports?accept_valid=true", body, admin, "index.json")
    assert again.get_json()["created"] == 0 and again.get_json()["unchanged"] == 1128
    assert session.query(Item).count() == 1128
