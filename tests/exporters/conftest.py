"""Shared data set, schema and golden-file helper for the exporter tests.

Regenerate the golden files (and the committed XSD) after an intended format change with:

    QINGDAN_UPDATE_GOLDEN=1 .venv/bin/pytest tests/exporters

then review the diff under tests/exporters/golden/ before committing.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from exporters.schema import RecordSchema
from qingdan_api.services.export_schema import record_schema

GOLDEN = Path(__file__).parent / "golden"
FIXTURE = Path(__file__).parents[1] / "fixtures" / "sample_record.json"
UPDATE_GOLDEN = os.environ.get("QINGDAN_UPDATE_GOLDEN") == "1"
API = "https://qingdan.example.gov.cn/api/items/"


def _published(record: dict, version: int, release: int, digest: str) -> dict:
    record.update(
        version=version,
        published_at=f"2024-05-0{release}T09:30:00+08:00",
        release_id=release,
        content_hash=digest * 64,
    )
    record["@id"] = API + record["code"]
    record["@type"] = "Item"
    return record


def build_records() -> list[dict]:
    """Four published records: a licence, its sub-item, a merged item, a penalty item."""
    base = json.loads(FIXTURE.read_text(encoding="utf-8"))
    licence = _published(copy.deepcopy(base), 2, 1, "a")

    sub = copy.deepcopy(base)
    sub.update(
        code="11449901MB0000019M3440112001001",
        basic_code="440112001001",
        local_code="许可-00001-001",
        sub_item_name="仅销售预包装食品",
        parent_code=licence["code"],
        promised_limit={"amount": 5, "unit": "working_day", "note": "材料齐全的"},
        handling_type="1",
        charged=True,
        fees=[{"name": "工本费", "standard": "每证10元", "basis": "临价〔2020〕1号"}],
        service_methods=["2"],
    )
    sub = _published(sub, 1, 1, "b")

    merged = copy.deepcopy(base)
    merged.update(
        code="11449901MB0000019M3440107003000",
        basic_code="440107003000",
        local_code=None,
        name="食品小作坊登记",
        category="07",
        disposition="merge",
        disposition_reason="与食品经营许可整合实施",
        merged_into=licence["code"],
        process_steps=base["process_steps"][:2],
        risk_points=[],
        remarks="自2024年5月起停止受理",
    )
    merged = _published(merged, 3, 2, "c")

    penalty = copy.deepcopy(base)
    penalty.update(
        code="11449901MB0000019M3440212015000",
        basic_code="440212015000",
        local_code="处罚-00015-000",
        name="对未取得食品经营许可从事食品经营活动的处罚",
        category="02",
        power_source="entrusted_by_higher",
        unit_nature="3",
        handling_office="执法支队",
        co_implementing_units=[
            {"credit_code": "11449901MB0000027F", "name": "临江市公安局"},
            {"credit_code": "11449901MB0000035A", "name": "临江市农业农村局"},
        ],
        entrusting_unit={"credit_code": "11440000MB2D0164XH", "name": "省市场监督管理局"},
        targets=["1", "2", "6"],
        statutory_limit={"amount": 90, "unit": "natural_day", "note": "自立案之日起"},
        promised_limit=None,
        handling_type=None,
        service_methods=["1"],
        acceptance_conditions=None,
        discretion_standards=[
            {
                "circumstance": "违法所得不足一万元的",
                "penalty": "没收违法所得，并处五万元以上十万元以下罚款",
            },
            {
                "circumstance": "货值金额一万元以上的",
                "penalty": "并处货值金额十倍以上二十倍以下罚款",
            },
        ],
        risk_points=[
            {
                "stage": "决定",
                "description": "滥用自由裁量权，处罚畸轻畸重。",
                "level": "medium",
                "measures": "严格执行裁量基准；重大处罚集体讨论。",
                "responsible_post": None,
            }
        ],
    )
    penalty = _published(penalty, 1, 2, "d")
    return [licence, sub, merged, penalty]


@pytest.fixture(scope="session")
def schema() -> RecordSchema:
    return record_schema()


@pytest.fixture
def records() -> list[dict]:
    return build_records()


@pytest.fixture
def update_golden() -> bool:
    return UPDATE_GOLDEN


@pytest.fixture
def golden() -> Callable[[str, bytes], None]:
    def check(name: str, data: bytes) -> None:
        path = GOLDEN / name
        if UPDATE_GOLDEN:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        assert path.exists(), f"no golden file {name}: run with QINGDAN_UPDATE_GOLDEN=1"
        assert data == path.read_bytes(), f"{name} differs from its golden file"

    return check
