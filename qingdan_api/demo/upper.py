"""The demo city's upper-level catalogue, derived from its own items, with planted gaps.

Deterministic: the entries follow the published items' basic codes in order (the items
come from demo/catalogue.py's templates, seeded), and every gap is planted by position,
so that the alignment report of `make demo` is non-trivial and the same on every run:

- every 40th basic code (from the 8th) has no entry: the city's items are "extra";
- every 50th entry (from the 12th) words the name differently;
- every 60th entry (from the 14th) also cites the Administrative Penalty Law;
- one entry per sector (sequence 990) that no unit implements: possible omissions;
- provincial-only entries and public-service (20) entries that are not omissions.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..domain.laws import infer_rank

SOURCE = "广东省政务服务数据管理局（示例）"
EDITION_DATE = "2026-06-30"
HEADERS = ["基本编码", "事项名称", "事项类型", "设定依据", "行使层级", "行业代码"]
_EXTRA_LAW = "【法律】《中华人民共和国行政处罚法》（2021年修订）第十八条"


def _block(legal_bases: list[dict]) -> str:
    parts = []
    for basis in legal_bases:
        title = basis.get("title") or ""
        rank = infer_rank(title)
        tag = f"【{rank}】" if rank else ""
        parts.append(f"{tag}{title}{basis.get('article') or ''}")
    return "；".join(parts)


def catalogue_rows(items: Iterable[dict], sectors: Iterable[str]) -> list[list]:
    """Rows (HEADERS order) of the demo catalogue from the generated items (module doc)."""
    first: dict[str, dict] = {}
    for item in items:
        if item.get("_state") == "published" and item.get("basic_code"):
            first.setdefault(item["basic_code"], item)
    rows = []
    for n, (code, item) in enumerate(sorted(first.items())):
        if n % 40 == 7:
            continue
        name = item["name"] + ("（省级目录表述）" if n % 50 == 11 else "")
        block = _block(item.get("legal_bases") or [])
        if n % 60 == 13 and "行政处罚法" not in block:
            block = f"{block}；{_EXTRA_LAW}" if block else _EXTRA_LAW
        rows.append([code, name, item["category"], block, f"2,{item['level']}", code[4:6]])
    for sector in sorted(set(sectors)):
        planted = [
            [
                f"4401{sector}990000",
                f"示例：本市尚未实施的事项（行业{sector}）",
                "01",
                "",
                "3,4",
                sector,
            ],
            [f"4401{sector}991000", "示例：省级保留事项", "01", "", "2", sector],
            [f"4420{sector}992000", "示例：公共服务事项", "20", "", "4", sector],
        ]
        # A large demo (1M items) reaches these sequences itself: its own entry stays.
        rows.extend(row for row in planted if row[0] not in first)
    return rows
