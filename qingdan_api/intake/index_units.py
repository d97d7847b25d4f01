"""Derive a units file from a portal's item index, reporting the units it cannot name.

Item indexes name departments by short name and give a code per row that is sometimes
the credit code, sometimes the old organisation code, sometimes malformed; the credit
code also sits inside each row's local item code. The rule, per department:

1. candidates are the valid credit codes (both check characters) found in its rows'
   `deptCode` or inside their `itemCode`, tidied (case, spaces);
2. a candidate that embeds a valid organisation code given as `deptCode` wins; else
   government bodies' codes (registration `11`) before others; then the most frequent;
3. a code already chosen by an earlier department is not taken twice;
4. a department with no candidate gets no unit: it is reported, and its rows will be
   rejected by the import with the reason.

Sectors (the basic codes' department segment) are numbered 01, 02 … in the order the
departments first appear: the district assigns its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from ..domain.codes import CodeError, normalise_unit_code, validate_credit_code, validate_org_code


def _valid_credit(code: str) -> str | None:
    try:
        return validate_credit_code(normalise_unit_code(code))
    except CodeError:
        return None


def _valid_org(code: str) -> str | None:
    try:
        return validate_org_code(normalise_unit_code(code))
    except CodeError:
        return None


def units_from_index(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(units rows for `qingdan units import`, problems {department, codes, message})."""
    order: list[str] = []
    candidates: dict[str, Counter] = defaultdict(Counter)
    given: dict[str, Counter] = defaultdict(Counter)
    regions: dict[str, str] = {}
    for row in rows:
        department = row["department"]
        if department not in order:
            order.append(department)
        given[department][row.get("deptCode") or ""] += 1
        regions.setdefault(department, (row.get("areaCode") or "")[:6])
        parts = (row.get("itemCode") or "").split("-")
        for code in (row.get("deptCode") or "", parts[-3] if len(parts) >= 3 else ""):
            valid = _valid_credit(code)
            if valid:
                candidates[department][valid] += 1
    units, problems, taken = [], [], set()
    for number, department in enumerate(order, start=1):
        orgs = {_valid_org(code) for code in given[department]} - {None}
        ranked = sorted(
            (c for c in candidates[department] if c not in taken),
            key=lambda c: (c[8:17] not in orgs, not c.startswith("11"), -candidates[department][c]),
        )
        if not ranked:
            codes = "、".join(sorted(given[department]))
            problems.append(
                {
                    "department": department,
                    "codes": sorted(given[department]),
                    "message": f"{department}没有有效的统一社会信用代码（原始代码：{codes}）："
                    "请查明后登记单位",
                }
            )
            continue
        credit = ranked[0]
        taken.add(credit)
        units.append(
            {
                "统一社会信用代码": credit,
                "单位名称": department,
                "单位简称": department,
                "单位类型": "政府工作部门",
                "实施主体性质": "法定机关",
                "行政区划代码": regions[department],
                "行业代码": f"{number:02d}",
            }
        )
    return units, problems
