"""Import a cleanup form: every row becomes a draft, or a new working copy of its item.

One transaction for the whole file. Rows are read one at a time from the streaming
reader, mapped, checked and written; every problem of every row is collected. Without
`accept_valid`, one problem anywhere rolls the whole file back (nothing half-written);
with it, the rows without problems are kept and the others reported. A dry run always
rolls back. Re-importing a file changes nothing: a row whose content equals its item's
current draft (or published version) is left alone.

A row finds its item by implementation code, else by local code, else by unit + name +
sub-item name + level among the unit's items that have no other local code. A row naming
several levels (`3,4`) becomes one item per level. Without a level, the unit's own level
is taken from its region code (a province 2, a city 3, a county 4, a township 5).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.codes import CodeError, normalise_unit_code
from ..domain.fields import CHILD_TABLES
from ..intake.form import (
    CODES_SHEET,
    INSTRUCTIONS_SHEET,
    MAIN_SHEET,
    child_columns,
    child_sheet_title,
    main_columns,
    resolve_headers,
)
from ..intake.mapping import MappedRow, Problem, map_child_row, map_main_row
from ..intake.messages import zh
from ..intake.reader import Sheet
from ..models import Unit
from .auth import EDITOR, Principal, require
from .editing import no_sector_message, record_problems, stored_record
from .errors import Conflict, InvalidArgument
from .import_store import CREATED, REJECTED, UNCHANGED, UPDATED, UnitIndex, Writer
from .items import DRAFT
from .unit_lookup import find_unit, find_unit_by_name


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a failed file, would have done)."""

    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    dry_run: bool = False
    committed: bool = False

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.counts[CREATED],
            "updated": self.counts[UPDATED],
            "unchanged": self.counts[UNCHANGED],
            "rejected_rows": self.counts[REJECTED],
            "dry_run": self.dry_run,
            "committed": self.committed,
            "problems": [p.as_dict() for p in self.problems],
            "warnings": [p.as_dict() for p in self.warnings],
            "items": self.items,
        }


def unit_level(unit: Unit) -> str:
    """The level a unit exercises its powers at, from its region code (GB/T 2260)."""
    region = unit.region_code
    if len(region) == 12 and region[6:] != "000000":
        return "5"
    if region[2:6] == "0000":
        return "2"
    if region[4:6] == "00":
        return "3"
    return "4"


def _main_and_children(sheets: list[Sheet]) -> tuple[Sheet | None, dict[str, Sheet], list[str]]:
    titles = {child_sheet_title(t): t for t in CHILD_TABLES}
    main, children, ignored = None, {}, []
    for sheet in sheets:
        if sheet.title in titles:
            children[titles[sheet.title]] = sheet
        elif sheet.title in (INSTRUCTIONS_SHEET, CODES_SHEET):
            continue
        elif main is None or (sheet.title == MAIN_SHEET and main.title != MAIN_SHEET):
            if main is not None:
                ignored.append(main.title)
            main = sheet
        else:
            ignored.append(sheet.title)
    return main, children, ignored


def _read_children(children: dict[str, Sheet], report: ImportReport) -> dict[str, dict]:
    """Child rows by table and main-row 序号: {table: {key: [(row, entry, problems)]}}.

    A child row's problems belong to its main row (which they reject); a child row that
    names no main row is a problem of the file.
    """
    out: dict[str, dict] = {}
    for table, sheet in children.items():
        columns, unknown = resolve_headers(sheet.headers, child_columns(table))
        for header in unknown:
            report.warnings.append(Problem(sheet.title, 1, header, None, "未识别的列，已忽略"))
        grouped: dict[int, list] = defaultdict(list)
        for number, values in sheet.rows:
            cells = {c: values[i] if i < len(values) else None for i, c in columns.items()}
            key, entry, problems = map_child_row(sheet.title, number, cells)
            if key is None:
                report.problems.extend(problems)
            else:
                grouped[key].append((number, entry, problems))
        out[table] = grouped
    return out


def _orphans(child_rows: dict[str, dict], attached: set[int], report: ImportReport) -> None:
    for table, grouped in child_rows.items():
        for key, entries in grouped.items():
            if key not in attached:
                for number, _entry, _problems in entries:
                    report.problems.append(
                        Problem(
                            child_sheet_title(table),
                            number,
                            "序号",
                            key,
                            f"“事项”表中没有序号为 {key} 的行",
                        )
                    )


def run_import(
    session: Session,
    principal: Principal | None,
    sheets: list[Sheet],
    *,
    unit_code: str | None = None,
    dry_run: bool = False,
    accept_valid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the sheets of a cleanup form (see the module docstring); returns the report.

    `unit_code` (credit or organisation code) is the unit of rows that name none; an
    editor's own unit is the default and the only one allowed. Raises Unauthenticated or
    Forbidden for a caller who may not edit, InvalidArgument for an unknown `unit_code`,
    Conflict when a concurrent writer took an allocated code (nothing is stored then).
    """
    principal = require(principal, EDITOR)
    report = ImportReport(dry_run=dry_run)
    default_unit = None
    if unit_code:
        default_unit = find_unit(session, unit_code)
        if default_unit is None:
            raise InvalidArgument("unit", f"no unit with credit or organisation code {unit_code}")
    elif principal.role == EDITOR:
        default_unit = session.get(Unit, principal.unit_id)
    main, children, ignored = _main_and_children(sheets)
    for title in ignored:
        report.warnings.append(Problem(title, 1, "", None, "未识别的工作表，已忽略"))
    if main is None:
        report.problems.append(Problem("", 1, "", None, "文件中没有“事项”表"))
        return report
    columns, unknown = resolve_headers(main.headers, main_columns())
    for header in unknown:
        report.warnings.append(Problem(main.title, 1, header, None, "未识别的列，已忽略"))
    if not columns:
        report.problems.append(
            Problem(main.title, 1, "", None, "第一行应为表头（如“事项名称”“事项类型”）")
        )
        return report
    child_rows = _read_children(children, report)
    indexes: dict[int, UnitIndex] = {}
    seen: dict[int, int] = {}  # item id -> the row that took it in this file
    writer = Writer(session, principal)
    attached: set[int] = set()  # 序号 of the main rows read
    try:
        for number, values in main.rows:
            cells = {c: values[i] if i < len(values) else None for i, c in columns.items()}
            row = map_main_row(main.title, number, cells)
            report.rows += 1
            _attach_children(row, child_rows, attached)
            _import_row(session, principal, row, default_unit, indexes, seen, report, writer)
            if progress:
                progress(1)
        writer.flush()
        _orphans(child_rows, attached, report)
        failed = bool(report.problems) and not accept_valid
        if dry_run or failed:
            session.rollback()
        else:
            session.commit()
            report.committed = True
    except IntegrityError as exc:  # a concurrent writer took a code this file allocated
        session.rollback()
        raise Conflict(
            "另一项写入同时占用了本次分配的事项编码：没有保存任何内容，请重新导入"
        ) from exc
    except BaseException:
        session.rollback()
        raise
    return report


def _attach_children(row: MappedRow, child_rows: dict[str, dict], attached: set[int]) -> None:
    key = row.key if row.key is not None else row.row - 1
    attached.add(key)
    for table, grouped in child_rows.items():
        entries = grouped.get(key)
        if entries:
            row.record[table] = [entry for _, entry, _ in entries]
            row.columns[table] = child_sheet_title(table)
            for _, _, problems in entries:
                row.problems.extend(problems)
    steps = row.record.get("process_steps")
    if steps:
        for index, step in enumerate(steps, start=1):
            step.setdefault("seq", index)


def _lookup(session, cache: dict, code: str | None, name: str | None) -> Unit | None:
    """The unit a row names (by code, else by name); looked up once per spelling."""
    key = (code, name)
    if key not in cache:
        unit = find_unit(session, code) if code else None
        if unit is None and name:
            unit = find_unit_by_name(session, name)
        if unit is None and code and not name:
            unit = find_unit_by_name(session, code)
        cache[key] = unit
    return cache[key]


def _resolve_row_unit(session, principal, row, default_unit, cache) -> Unit | None:
    unit = _lookup(session, cache, row.unit_code, row.unit_name)
    if unit is None and not (row.unit_code or row.unit_name):
        unit = default_unit
    if unit is None:
        named = "、".join(v for v in (row.unit_code, row.unit_name) if v)
        row.problem(
            "实施主体",
            named or None,
            (
                f"找不到实施主体“{named}”：请填写已登记单位的统一社会信用代码、组织机构代码或名称"
                "（单位由管理员通过 qingdan units import 或 POST /api/units 登记）"
                if named
                else "请填写实施主体，或导入时用 --unit 指定单位"
            ),
        )
        return None
    if row.unit_code and normalise_unit_code(row.unit_code) not in (
        unit.credit_code,
        unit.org_code,
    ):
        # The code did not name the unit, its name did: say so, and go on.
        row.warnings.append(
            Problem(
                row.sheet,
                row.row,
                "实施主体",
                row.unit_code,
                f"代码“{row.unit_code}”无效或未登记，"
                f"已按单位名称对应到 {unit.name}（{unit.credit_code}）",
            )
        )
    if not principal.may_edit_unit(unit.id):
        row.problem(
            "实施主体", row.unit_code or unit.name, f"只能导入本单位的事项（{unit.name}不是本单位）"
        )
        return None
    if unit.retired_at is not None:
        row.problem("实施主体", unit.credit_code, f"{unit.name}已撤销，不能再增加事项")
        return None
    return unit


def _import_row(session, principal, row, default_unit, indexes, seen, report, writer):
    unit = _resolve_row_unit(session, principal, row, default_unit, writer.units)
    report.warnings.extend(row.warnings)
    if "name" not in row.record:
        row.problem("事项名称", None, "请填写事项名称")
    if "category" not in row.record:
        row.problem("事项类型", None, "请填写事项类型（代码或名称，如“01”或“行政许可”）")
    if unit is None or row.problems:
        return _reject(row, report)
    index = indexes.get(unit.id)
    if index is None:
        index = indexes[unit.id] = UnitIndex(session, unit)
    levels = row.levels or [unit_level(unit)]
    if row.record.get("code") and len(levels) > 1:
        row.problem("行使层级", ",".join(levels), "填写了实施编码的行只能有一个层级")
        return _reject(row, report)
    planned = []
    for level in levels:
        record = {**row.record, "level": level}
        entry = index.match(record)
        if entry is not None and entry["item_id"] in seen:
            row.problem("事项名称", record["name"], f"与第 {seen[entry['item_id']]} 行是同一事项")
            continue
        planned.append((record, entry))
    for record, entry in planned:
        if entry is None and not record.get("code"):
            if not unit.sector:
                row.problem("实施主体", unit.credit_code, no_sector_message(unit))
                continue
            try:
                index.allocate(record)
            except CodeError as exc:
                row.problem("实施编码", None, exc.message)
                continue
        base = entry["record"] if entry else {}
        merged = stored_record({**base, **record}, unit) if entry else stored_record(record, unit)
        if entry:
            merged["code"], merged["basic_code"] = entry["code"], base.get("basic_code")
        for path, messages in record_problems(session, merged, unit).items():
            root = path.split(".")[0]
            column = row.columns.get(root, root)
            value = merged.get(root) if isinstance(merged.get(root), (str, int)) else None
            for message in messages:
                where = "" if path == root else f"（{path}）"
                row.problem(column, value, zh(message) + where)
        planned_entry = (merged, entry)
        record["_planned"] = planned_entry
    if row.problems:
        return _reject(row, report)
    for record, entry in planned:
        merged, entry = record.pop("_planned")
        action = writer.write(unit, merged, entry, row)
        if action is None:
            return _reject(row, report)
        item_id = entry["item_id"] if entry else action[1]
        seen[item_id] = row.row
        report.counts[action[0]] += 1
        report.items.append({"row": row.row, "code": merged["code"], "action": action[0]})
        if action[0] != UNCHANGED:
            # Only what matching needs: a later row naming this item is a duplicate anyway
            # (`seen`), so its whole record need not stay in memory.
            slim = {k: merged.get(k) for k in ("name", "sub_item_name", "level", "local_code")}
            index.remember(
                {
                    "item_id": item_id,
                    "code": merged["code"],
                    "state": DRAFT,
                    "record": slim,
                    "version_id": None,
                    "working": True,
                    "revision": (entry or {}).get("revision", 0) + 1,
                }
            )
    return None


def _reject(row: MappedRow, report: ImportReport) -> None:
    report.problems.extend(row.problems)
    report.counts[REJECTED] += 1
    report.items.append({"row": row.row, "code": None, "action": REJECTED})
