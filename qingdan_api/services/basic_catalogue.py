"""The upper-level basic catalogue (基本目录): import editions, list and read entries.

A catalogue file is read by the cleanup-form reader (intake/reader.py: the same zip-bomb,
entity, size and row guards) and its rows by the cleanup-form mapping (intake/mapping.py:
the same value shapes, legal-basis splitting and per-cell Chinese problems). The whole
file is one edition (source + edition date); importing an edition again replaces its
entries, so re-importing the same file changes nothing. All problems come back at once
and one problem stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..domain import laws
from ..domain.codes import CodeError, parse_basic_code
from ..intake.form import Column, resolve_headers
from ..intake.mapping import Problem, map_main_row
from ..intake.reader import Sheet
from ..intake.values import text
from ..models import CatalogueEdition, CatalogueEntry, utcnow
from . import audit
from .auth import ADMIN, Principal, require
from .errors import InvalidArgument
from .importing import CREATED, UNCHANGED, UPDATED, ImportReport

SHEET = "基本目录"

COLUMNS = [
    Column("basic_code", "基本编码", "text", required=True, help="12位基本编码"),
    Column("name", "事项名称", "text", required=True),
    Column("category", "事项类型", "vocabulary", "categories", "可填代码或名称", True),
    Column("legal_bases", "设定依据", "legal", help="可整段填写，每部法律法规以《》标明"),
    Column("level", "行使层级", "vocabularies", "levels", "如“2,3”", True),
    Column("sector", "行业代码", "text", help="不填则取基本编码第5-6位"),
    Column("source", "发布机关", "text"),
    Column("edition_date", "版本日期", "text", help="如 2026-03-01"),
]
# Headers real catalogues use for the same columns.
ALIASES = {
    "目录编码": "基本编码",
    "基本目录编码": "基本编码",
    "basiccode": "基本编码",
    "basic_code": "基本编码",
    "事项编码": "基本编码",
    "权力类型": "事项类型",
    "职权类型": "事项类型",
    "实施依据": "设定依据",
    "法律依据": "设定依据",
    "设定和实施依据": "设定依据",
    "层级": "行使层级",
    "实施层级": "行使层级",
    "行业": "行业代码",
    "来源": "发布机关",
    "版本": "版本日期",
}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_edition_date(value) -> date:
    """`2026-03-01` / `2026/3/1` / `2026年3月1日` / a spreadsheet date -> date.

    Raises ValueError with a Chinese message.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value) or ""
    match = _DATE.fullmatch(raw)
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise ValueError(f"“{raw}”不是日期：请写成 2026-03-01")


def _headers(headers: list) -> list:
    out = []
    for header in headers:
        name = re.sub(r"\s+", "", str(header or "")).lstrip("*＊")
        out.append(ALIASES.get(name, ALIASES.get(name.lower(), header)))
    return out


@dataclass
class _Row:
    number: int
    values: dict


def _read_rows(sheet: Sheet, report: ImportReport) -> Iterator[_Row]:
    columns, unknown = resolve_headers(_headers(sheet.headers), COLUMNS)
    columns = {i: c for i, c in columns.items() if c in COLUMNS}
    for header in unknown:
        report.warnings.append(Problem(sheet.title, 1, header, None, "未识别的列，已忽略"))
    if not any(c.key == "basic_code" for c in columns.values()):
        report.problems.append(Problem(sheet.title, 1, "基本编码", None, "缺少“基本编码”列"))
        return
    legal_at = next((i for i, c in columns.items() if c.key == "legal_bases"), None)
    for number, values in sheet.rows:
        cells = {c: values[i] if i < len(values) else None for i, c in columns.items()}
        mapped = map_main_row(sheet.title, number, cells)
        report.rows += 1
        report.problems.extend(mapped.problems)
        record = dict(mapped.record)
        record["levels"] = mapped.levels
        if legal_at is not None and legal_at < len(values):
            record["legal_basis_text"] = text(values[legal_at])
        yield _Row(number, record)


def _entry(sheet: str, row: _Row, report: ImportReport) -> dict | None:
    """A checked entry from a mapped row, or None after adding its problems."""
    values, before = row.values, len(report.problems)

    def problem(column: str, value, message: str) -> None:
        report.problems.append(Problem(sheet, row.number, column, value, message))

    code = values.get("basic_code")
    if not code:
        problem("基本编码", None, "请填写12位基本编码")
    else:
        try:
            basic = parse_basic_code(code)
        except CodeError as exc:
            problem("基本编码", code, f"基本编码无效：{exc.message}")
        else:
            if values.get("category") and basic.category != values["category"]:
                report.warnings.append(
                    Problem(
                        sheet,
                        row.number,
                        "事项类型",
                        values["category"],
                        f"基本编码的类型段是 {basic.category}，与事项类型不一致（照录）",
                    )
                )
    for key, header in (("name", "事项名称"), ("category", "事项类型")):
        if not values.get(key) and not any(
            p.row == row.number and p.column == header for p in report.problems[before:]
        ):
            problem(header, None, f"请填写{header}")
    if not values.get("levels") and not any(
        p.row == row.number and p.column == "行使层级" for p in report.problems[before:]
    ):
        problem("行使层级", None, "请填写行使层级（如“2,3”）")
    sector = values.get("sector") or (code[4:6] if code else None)
    if sector and not re.fullmatch(r"\d{2}", sector):
        problem("行业代码", sector, "行业代码应为2位数字")
    if len(report.problems) > before:
        return None
    refs = [laws.reference(entry) for entry in values.get("legal_bases") or []]
    return {
        "basic_code": code,
        "name": values["name"],
        "category": values["category"],
        "levels": ",".join(values["levels"]),
        "sector": sector,
        "legal_basis_text": values.get("legal_basis_text"),
        "legal_refs": refs,
        "law_keys": laws.law_keys_column(values.get("legal_bases")),
        "row": row.number,
    }


def import_catalogue(
    session: Session,
    principal: Principal | None,
    sheets: list[Sheet],
    *,
    source: str | None = None,
    edition_date: str | date | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import one edition of a catalogue (admin); returns the report (see importing).

    `source` and `edition_date` name the edition; rows may carry them instead (发布机关,
    版本日期), and then every row must agree. Raises Forbidden for a non-admin and
    InvalidArgument for an unreadable `edition_date`.
    """
    principal = require(principal, ADMIN)
    report = ImportReport(dry_run=dry_run)
    wanted = None
    if edition_date:
        try:
            wanted = parse_edition_date(edition_date)
        except ValueError as exc:
            raise InvalidArgument("edition_date", str(exc)) from exc
    sheet = next((s for s in sheets if s.title == SHEET), None) or (sheets[0] if sheets else None)
    if sheet is None:
        report.problems.append(Problem("", 1, "", None, "文件中没有数据表"))
        return report
    entries: dict[str, dict] = {}
    editions: set[tuple[str | None, date | None]] = set()
    for row in _read_rows(sheet, report):
        row_source = row.values.get("source") or source
        row_date = wanted
        if row.values.get("edition_date"):
            try:
                row_date = parse_edition_date(row.values["edition_date"])
            except ValueError as exc:
                report.problems.append(
                    Problem(
                        sheet.title, row.number, "版本日期", row.values["edition_date"], str(exc)
                    )
                )
        editions.add((row_source, row_date))
        entry = _entry(sheet.title, row, report)
        if entry is None:
            continue
        if entry["basic_code"] in entries:
            first = entries[entry["basic_code"]]["row"]
            report.problems.append(
                Problem(
                    sheet.title, row.number, "基本编码", entry["basic_code"], f"与第 {first} 行重复"
                )
            )
            continue
        entries[entry["basic_code"]] = entry
    if len(editions) > 1:
        report.problems.append(
            Problem(
                sheet.title, 1, "版本日期", None, "一个文件只能是一个版本：发布机关和版本日期须一致"
            )
        )
    (edition_source, edition_day) = next(iter(editions), (source, wanted))
    if not edition_source:
        report.problems.append(
            Problem(sheet.title, 1, "发布机关", None, "请填写发布机关（列“发布机关”或参数 source）")
        )
    if edition_day is None:
        report.problems.append(
            Problem(
                sheet.title,
                1,
                "版本日期",
                None,
                "请填写版本日期（列“版本日期”或参数 edition_date）",
            )
        )
    if report.problems:
        session.rollback()
        return report
    _store(session, principal, edition_source, edition_day, entries, report)
    if dry_run:
        session.rollback()
    else:
        session.commit()
        report.committed = True
    return report


_COMPARED = ("name", "category", "levels", "sector", "legal_basis_text")


def _store(session, principal, source, day, entries, report) -> None:
    edition = session.scalar(
        select(CatalogueEdition).where(
            CatalogueEdition.source == source, CatalogueEdition.edition_date == day
        )
    )
    old: dict[str, CatalogueEntry] = {}
    if edition is None:
        edition = CatalogueEdition(source=source, edition_date=day, imported_by=principal.actor)
        session.add(edition)
        session.flush()
    else:
        old = {e.basic_code: e for e in edition.entries}
    for code, entry in entries.items():
        previous = old.get(code)
        if previous is None:
            report.counts[CREATED] += 1
        elif all(getattr(previous, k) == entry[k] for k in _COMPARED):
            report.counts[UNCHANGED] += 1
        else:
            report.counts[UPDATED] += 1
        report.items.append({"row": entry["row"], "code": code, "action": "stored"})
    if report.counts[CREATED] or report.counts[UPDATED] or set(old) != set(entries):
        session.execute(delete(CatalogueEntry).where(CatalogueEntry.edition_id == edition.id))
        rows = [{**e, "edition_id": edition.id} for e in entries.values()]
        for start in range(0, len(rows), 1000):
            session.execute(insert(CatalogueEntry), rows[start : start + 1000])
        edition.entries_total = len(rows)
        edition.imported_at = utcnow()
        edition.imported_by = principal.actor
        audit.record(
            session,
            principal.actor,
            "catalogue.import",
            after={"source": source, "edition_date": day.isoformat(), "entries": len(rows)},
        )
