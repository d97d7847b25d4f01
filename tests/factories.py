"""Factories for test content, built from the sample record and loaded by the real loader."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from qingdan_api.domain.codes import make_credit_code
from qingdan_api.services.loading import BulkLoader, Publication, add_units

SAMPLE = json.loads((Path(__file__).parent / "fixtures" / "sample_record.json").read_text())

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def unit_data(n: int, **overrides) -> dict[str, Any]:
    data = {
        "credit_code": make_credit_code("449901", f"MB{n:06d}"),
        "name": f"临江市测试局{n}",
        "kind": "department",
        "nature": "1",
        "region_code": "449901",
        "sector": f"{10 + n:02d}",
        "parent_credit_code": None,
        "zero_report": False,
        "zero_report_reason": None,
    }
    data.update(overrides)
    return data


def record(unit: dict, seq: int, *, category: str = "01", sub: int = 0, **overrides) -> dict:
    """A complete valid record for `unit`, main item number `seq` (sub-item `sub`)."""
    rec = copy.deepcopy(SAMPLE)
    basic = f"44{category}{unit['sector']}{seq:03d}{sub:03d}"
    level = overrides.pop("level", "3")
    rec.update(
        code=f"{unit['credit_code']}{level}{basic}",
        level=level,
        basic_code=basic,
        local_code=None,
        name=f"测试事项{seq}",
        category=category,
        region_code=unit["region_code"],
        unit={"credit_code": unit["credit_code"], "name": unit["name"]},
    )
    if sub:
        main_basic = f"44{category}{unit['sector']}{seq:03d}000"
        rec["parent_code"] = f"{unit['credit_code']}{level}{main_basic}"
        rec["sub_item_name"] = f"子项{sub}"
    rec.update(overrides)
    return rec


def load(session, units: list[dict], items: list[dict]) -> None:
    """Load units and items. Each item: {"history": [records], "working": rec, "state": s}."""
    ids = add_units(session, units)
    loader = BulkLoader(session, ids)
    for item in items:
        history = [
            Publication(rec, T0 + timedelta(days=30 * i), comment=f"第{i + 1}版")
            for i, rec in enumerate(item.get("history", []))
        ]
        loader.add(history, working=item.get("working"), state=item.get("state"))
    loader.finish()
    session.commit()
