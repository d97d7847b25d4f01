"""Map the rows of a cleanup form to partial item records, collecting every problem.

Nothing stops at the first problem: each cell is read on its own and a bad cell becomes a
`Problem` (sheet, row, column, value, Chinese message) while the rest of the row is still
read, so an editor fixes a whole file in one round trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .form import Column
from .legal import split_legal_basis
from .values import (
    ValueProblem,
    boolean,
    integer,
    split_list,
    text,
    time_limit,
    vocabulary_list,
    vocabulary_value,
)


@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    value: Any
    message: str

    def as_dict(self) -> dict:
        value = (
            self.value
            if self.value is None or isinstance(self.value, (int, float))
            else str(self.value)
        )
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": value,
            "message": self.message,
        }


@dataclass
class MappedRow:
    """One main row: its partial record and how to find its unit and levels."""

    sheet: str
    row: int
    key: int | None
    record: dict[str, Any] = field(default_factory=dict)
    unit_code: str | None = None
    unit_name: str | None = None
    levels: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Field name -> the header of the column it came from, to report record problems.
    columns: dict[str, str] = field(default_factory=dict)

    def problem(self, column: str, value: Any, message: str) -> None:
        self.problems.append(Problem(self.sheet, self.row, column, value, message))


def _formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=") and len(value) > 1


def _cell(column: Column, value: Any, limit_unit: Any = None) -> Any:
    """One cell's stored value (or raise ValueProblem)."""
    if column.kind == "text":
        return text(value)
    if column.kind == "integer":
        return integer(value)
    if column.kind == "boolean":
        return boolean(value)
    if column.kind == "vocabulary":
        return vocabulary_value(column.vocabulary, value)
    if column.kind == "vocabularies":
        return vocabulary_list(column.vocabulary, value)
    if column.kind == "limit":
        return time_limit(value, limit_unit)
    if column.kind == "list":
        return split_list(value)
    if column.kind == "legal":
        return split_legal_basis(text(value))
    if column.kind == "fees":
        return [{"name": name, "standard": None, "basis": None} for name in split_list(value)]
    if column.kind == "unit":
        return text(value)
    raise AssertionError(column.kind)


def map_main_row(sheet: str, number: int, cells: dict[Column, Any]) -> MappedRow:
    """A main-sheet row -> MappedRow (its problems included)."""
    row = MappedRow(sheet, number, None)
    by_key = {column.key: (column, value) for column, value in cells.items()}
    limit_unit = by_key.get("limit_unit", (None, None))[1]
    for column, value in cells.items():
        if column.key == "limit_unit":
            continue
        if _formula(value):
            row.problem(
                column.header, value, "不接受公式：请填写数值或文字（复制后“选择性粘贴—数值”）"
            )
            continue
        try:
            stored = _cell(column, value, limit_unit)
        except ValueProblem as exc:
            row.problem(column.header, value, exc.message)
            continue
        if column.key == "row":
            row.key = stored
        elif column.key == "unit":
            row.unit_code = stored
        elif column.key == "unit_name":
            row.unit_name = stored
        elif column.key == "level":
            row.levels = stored
        elif column.key == "fee_basis":
            continue
        elif stored not in (None, []):
            row.record[column.key] = stored
            row.columns[column.key] = column.header
    basis = text(by_key.get("fee_basis", (None, None))[1])
    if basis and row.record.get("fees"):
        for fee in row.record["fees"]:
            fee["basis"] = basis
    return row


def map_child_row(
    sheet: str, number: int, cells: dict[Column, Any]
) -> tuple[int | None, dict[str, Any], list[Problem]]:
    """A child-sheet row -> (the main row's 序号, the entry, problems)."""
    entry: dict[str, Any] = {}
    problems: list[Problem] = []
    key = None
    for column, value in cells.items():
        if _formula(value):
            problems.append(
                Problem(sheet, number, column.header, value, "不接受公式：请填写数值或文字")
            )
            continue
        try:
            stored = _cell(column, value)
        except ValueProblem as exc:
            problems.append(Problem(sheet, number, column.header, value, exc.message))
            continue
        if column.key == "row":
            key = stored
        elif stored not in (None, []):
            entry[column.key] = stored
    if key is None and not problems:
        problems.append(Problem(sheet, number, "序号", None, "请填写本行对应“事项”表的序号"))
    return key, entry, problems
