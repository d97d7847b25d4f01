"""The CSV writer as it was before exports were rendered per record (reference for tests).

CSV writer: one table of the flattened record (RFC 4180, CRLF), streamed row by row.

Cell rules, chosen for people opening the file in a spreadsheet:

- Formula guard (OWASP "CSV Injection"): a cell starting with ``=``, ``+``, ``-``, ``@``,
  tab or carriage return is prefixed with a single quote ``'`` so a spreadsheet shows it
  as text instead of running it. Well-formed numbers in integer columns (``-5``) are
  left alone: they are numbers, not text. ``formula_guard=False`` writes cells raw, for
  machine consumers.
- ``None`` is an empty cell; booleans are ``true`` / ``false``.
- Lone surrogates (not encodable in UTF-8) become U+FFFD; every other character,
  control characters included, is kept and quoted as RFC 4180 requires.
- Headers are the English keys, or the Chinese labels with ``labels="zh"``.
- ``bom=True`` starts the file with a UTF-8 byte order mark so Excel detects UTF-8.
- Cells can be long (a legal text of 1 MB): readers using Python's csv module need
  ``csv.field_size_limit`` raised above its 128 KiB default.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping

from exporters.schema import RecordSchema
from exporters.tables import Column, Table, child_rows, join_multi, main_table, tables

MEDIA_TYPE = "text/csv"
EXTENSION = "csv"

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")
CHUNK_SIZE = 64 * 1024


def cell(value: object, column: Column, *, formula_guard: bool = True) -> str:
    """The text of one CSV cell."""
    if value is None:
        return ""
    if column.multi:
        text = join_multi([value] if isinstance(value, str) else value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    text = _SURROGATE.sub("\ufffd", text)
    if (
        formula_guard
        and text.startswith(FORMULA_TRIGGERS)
        and not (column.type == "integer" and _NUMBER.match(text))
    ):
        text = "'" + text
    return text


class RowEncoder:
    """Turns mappings into CSV lines of one table; reuses one small buffer."""

    def __init__(self, table: Table, *, formula_guard: bool = True) -> None:
        self.table = table
        self.formula_guard = formula_guard
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, lineterminator="\r\n")

    def _line(self, cells: list[str]) -> str:
        self._buf.seek(0)
        self._buf.truncate()
        self._writer.writerow(cells)
        return self._buf.getvalue()

    def header(self, labels: str = "en") -> str:
        return self._line(self.table.header(labels))

    def row(self, row: Mapping) -> str:
        return self._line(
            [cell(c.get(row), c, formula_guard=self.formula_guard) for c in self.table.columns]
        )


def encode_rows(
    rows: Iterable[Mapping],
    table: Table,
    *,
    labels: str = "en",
    bom: bool = False,
    formula_guard: bool = True,
) -> Iterator[bytes]:
    """Header plus one line per row, as UTF-8 chunks of about CHUNK_SIZE."""
    # Checked here, not in the generator, so a bad option fails before a response starts.
    if labels not in ("en", "zh"):
        raise ValueError("labels must be 'en' or 'zh'")
    return _encode(rows, table, labels, bom, formula_guard)


def _encode(
    rows: Iterable[Mapping], table: Table, labels: str, bom: bool, formula_guard: bool
) -> Iterator[bytes]:
    encoder = RowEncoder(table, formula_guard=formula_guard)
    pending = [("\ufeff" if bom else "") + encoder.header(labels)]
    size = 0
    for row in rows:
        line = encoder.row(row)
        pending.append(line)
        size += len(line)
        if size >= CHUNK_SIZE:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    yield "".join(pending).encode("utf-8")


def table_rows(records: Iterable[Mapping], table: Table, key: str) -> Iterator[Mapping]:
    """The rows of `table` drawn from the records (records themselves for the main table)."""
    if table.source is None:
        yield from records
    else:
        for record in records:
            yield from child_rows(record, table, key)


def write(
    records: Iterable[Mapping],
    *,
    schema: RecordSchema,
    table: str | None = None,
    labels: str = "en",
    bom: bool = False,
    formula_guard: bool = True,
) -> Iterator[bytes]:
    """One CSV table: the main table by default, or the child table named by `table`."""
    chosen = main_table(schema) if table is None else _table(schema, table)
    rows = table_rows(records, chosen, schema.key)
    return encode_rows(rows, chosen, labels=labels, bom=bom, formula_guard=formula_guard)


def _table(schema: RecordSchema, name: str) -> Table:
    for t in tables(schema):
        if t.name == name:
            return t
    raise ValueError(f"no table {name!r}; tables: {[t.name for t in tables(schema)]}")
