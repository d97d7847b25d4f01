"""The alignment report as a table: CSV (UTF-8 with BOM, for Excel) or XLSX, Chinese headers."""

from __future__ import annotations

import csv
import io

from .xml_export import xml_text

COLUMNS = {
    "id": "编号",
    "kind": "类型代码",
    "kind_label": "类型",
    "basic_code": "基本编码",
    "item_code": "实施编码",
    "units": "单位",
    "message": "说明",
    "explained": "已解释",
    "reason": "解释理由",
}


def table(findings: list[dict]) -> list[list]:
    """Header row and one row per finding (dicts as Finding.as_dict gives them)."""
    rows = [list(COLUMNS.values())]
    for finding in findings:
        data = {
            **finding,
            "units": ",".join(finding.get("units") or []),
            "explained": "是" if finding.get("explained") else "否",
            "reason": (finding.get("explanation") or {}).get("reason"),
        }
        rows.append([data.get(name) for name in COLUMNS])
    return rows


def to_csv(findings: list[dict]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(table(findings))
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(findings: list[dict]) -> bytes:
    """An XLSX workbook (openpyxl, write-only) with one sheet 对应情况."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("对应情况")
    for row in table(findings):
        # XLSX is XML: stored text may hold characters XML cannot (harvested, or older).
        sheet.append([xml_text(v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
