"""A small published city list, with drafts and withdrawn items mixed in, per backend."""

from __future__ import annotations

import pytest

from tests import factories as f

UNIT_A = f.unit_data(1, name="临江市市场监督管理局")
UNIT_B = f.unit_data(
    2, name="临江市东湖镇人民政府", kind="township", region_code="449901101000", sector="90"
)
UNIT_Z = f.unit_data(
    3,
    name="临江市档案馆",
    kind="institution",
    nature="2",
    zero_report=True,
    zero_report_reason="本单位无行政权力事项",
)
AGENCY = f.unit_data(
    4, name="临江市市场监督管理局东湖分局", kind="agency", parent_credit_code=UNIT_A["credit_code"]
)

SECRET = "尚未公开的草稿名称"


def _dataset():
    items = []
    for seq in range(1, 31):  # licensing, every third with two versions
        latest = f.record(UNIT_A, seq, category="01", name=f"许可事项{seq:02d}")
        history = [latest]
        if seq % 3 == 0:
            history = [
                f.record(UNIT_A, seq, category="01", name=f"许可事项{seq:02d}（旧）"),
                latest,
            ]
        items.append({"history": history})
    for seq in range(1, 11):  # penalties for enterprises only
        items.append(
            {
                "history": [
                    f.record(UNIT_A, seq, category="02", targets=["2"], name=f"处罚事项{seq:02d}")
                ]
            }
        )
    items.append({"history": [f.record(UNIT_A, 40, category="06", name="主项检查")]})
    for sub in (1, 2):
        items.append({"history": [f.record(UNIT_A, 40, category="06", sub=sub, name="主项检查")]})
    for seq in range(1, 6):
        items.append(
            {"history": [f.record(UNIT_B, seq, category="07", level="5", name=f"镇确认事项{seq}")]}
        )
    # A withdrawn item: published, then merged into licensing item 1.
    merged = f.record(UNIT_A, 50, category="01", name="被整合的许可")
    items.append(
        {
            "history": [
                merged,
                {
                    **merged,
                    "disposition": "merge",
                    "disposition_reason": "与许可事项01整合",
                    "merged_into": f.record(UNIT_A, 1)["code"],
                },
            ]
        }
    )
    # Never published: a draft, and one returned to the unit.
    items.append({"working": f.record(UNIT_A, 60, name=SECRET), "state": "draft"})
    items.append({"working": f.record(UNIT_A, 61, name=SECRET), "state": "returned"})
    # Published once, with a working copy under review that the public must not see.
    items.append(
        {
            "history": [f.record(UNIT_A, 62, name="已发布事项")],
            "working": f.record(UNIT_A, 62, name=SECRET),
            "state": "in_review",
        }
    )
    return items


# 30 licensing + 10 penalties + 1 main + 2 sub-items + 5 township + 1 with working copy
ACTIVE_TOTAL = 49
DRAFT_CODES = [f.record(UNIT_A, 60)["code"], f.record(UNIT_A, 61)["code"]]
WITHDRAWN_CODE = f.record(UNIT_A, 50)["code"]
WORKING_COPY_CODE = f.record(UNIT_A, 62)["code"]


@pytest.fixture(scope="module")
def dataset(app):
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, [UNIT_A, UNIT_B, UNIT_Z, AGENCY], _dataset())
    return app
