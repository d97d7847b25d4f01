"""CSV writer: one table of the flattened record (RFC 4180, CRLF), streamed row by row.

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
import re
from collections.abc import Iterable, Iterator, Mapping

from exporters.encoders import fragment, stream
from exporters.schema import RecordSchema
from exporters.tables import URL, Column, Table, child_rows, join_multi, main_table, tables

MEDIA_TYPE = "text/csv"
EXTENSION = "csv"

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")


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


_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)  # all single characters
_NEEDS_QUOTES = re.compile('[,"\r\n]')  # what makes csv quote a cell (QUOTE_MINIMAL)


def _utf8(line: str) -> bytes:
    """UTF-8 of a line; lone surrogates (the only unencodable characters) become U+FFFD.

    Replacing them in the finished line instead of in each cell is the same: neither a
    surrogate nor U+FFFD is a formula trigger, a digit, or a character csv quotes for.
    """
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", line).encode("utf-8")


class _LastLine:
    """The file object of a csv.writer that keeps only the line written last."""

    line = ""

    def write(self, text: str) -> int:
        self.line = text
        return len(text)


class RowEncoder:
    """Turns mappings into CSV lines of one table: `cell` for each column, in one loop."""

    def __init__(self, table: Table, *, formula_guard: bool = True) -> None:
        self.table = table
        self.formula_guard = formula_guard
        self._plan = tuple((c.get, c.multi, c.type == "integer") for c in table.columns)
        self._out = _LastLine()
        self._writer = csv.writer(self._out, lineterminator="\r\n")

    def _line(self, cells: list[str]) -> str:
        self._writer.writerow(cells)
        return self._out.line

    def header(self, labels: str = "en") -> str:
        return self._line(self.table.header(labels))

    def cells(self, row: Mapping) -> list[str]:
        """The cells of one row, as `cell` gives them but for lone surrogates (see _utf8)."""
        guard = self.formula_guard
        out = []
        for get, multi, integer in self._plan:
            value = get(row)
            if value is None:
                out.append("")
                continue
            if multi:
                text = join_multi([value] if isinstance(value, str) else value)
            elif value is True or value is False:
                text = "true" if value else "false"
            else:
                text = value if type(value) is str else str(value)
            if guard and text and text[0] in _TRIGGER_SET and not (integer and _NUMBER.match(text)):
                text = "'" + text
            out.append(text)
        return out

    def row(self, row: Mapping) -> str:
        """One CSV line (CRLF) as text, lone surrogates replaced."""
        return _SURROGATE.sub("\ufffd", self._line(self.cells(row)))

    def encode(self, row: Mapping) -> bytes:
        """One CSV line (CRLF) as UTF-8."""
        return _utf8(self._line(self.cells(row)))

    def head(self, row: Mapping) -> str:
        """The line without its last cell and line end: line = head + "," + last + CRLF,
        since csv quotes each cell on its own."""
        cells = self.cells(row)[:-1]
        return _SURROGATE.sub("\ufffd", self._line(cells)[:-2]) if cells else ""

    def last_cell(self, value: object) -> str:
        """The last cell of a line as CSV text, for a plain text column (the url)."""
        if value is None:
            return ""
        text = value if type(value) is str else str(value)
        if self.formula_guard and text and text[0] in _TRIGGER_SET:
            text = "'" + text
        if _NEEDS_QUOTES.search(text) is not None:
            text = self._line([text, ""])[:-3]  # quoted by csv itself
        return _SURROGATE.sub("\ufffd", text)


class CsvEncoder:
    """One CSV table: the header, then the rows each record gives (one, or its children)."""

    def __init__(
        self,
        table: Table,
        key: str,
        *,
        labels: str = "en",
        bom: bool = False,
        formula_guard: bool = True,
        child_index: int | None = None,
    ) -> None:
        if labels not in ("en", "zh"):
            raise ValueError("labels must be 'en' or 'zh'")
        self.table = table
        self._key = key
        self._labels = labels
        self._bom = bom
        self.rows = RowEncoder(table, formula_guard=formula_guard)
        # Fragments are rendered with the formula guard; without it they do not apply.
        self._fragments = formula_guard
        self._child_index = child_index
        last = table.columns[-1]
        if table.source is None and (last.name != URL or last.multi or last.type != "string"):
            raise ValueError(f"the main table must end with the text column {URL}")

    def start(self) -> bytes:
        return (("\ufeff" if self._bom else "") + self.rows.header(self._labels)).encode("utf-8")

    def add(self, record: Mapping) -> bytes:
        if self.table.source is None:
            head = fragment(record, "csv_row") if self._fragments else None
            if head is None:
                return self.rows.encode(record)
            return f"{head},{self.rows.last_cell(record.get('@id'))}\r\n".encode()
        if self._fragments and self._child_index is not None:
            children = fragment(record, "csv_children")
            if children is not None:
                return children[self._child_index].encode("utf-8")  # type: ignore[index]
        return b"".join(self.rows.encode(r) for r in child_rows(record, self.table, self._key))

    def finish(self) -> bytes:
        return b""


def table_rows(records: Iterable[Mapping], table: Table, key: str) -> Iterator[Mapping]:
    """The rows of `table` drawn from the records (records themselves for the main table)."""
    if table.source is None:
        yield from records
    else:
        for record in records:
            yield from child_rows(record, table, key)


def csv_encoder(
    *,
    schema: RecordSchema,
    table: str | None = None,
    labels: str = "en",
    bom: bool = False,
    formula_guard: bool = True,
) -> CsvEncoder:
    """The encoder of one CSV table: the main table by default, or the child table named."""
    chosen = main_table(schema) if table is None else _table(schema, table)
    index = schema.child_tables.index(chosen.name) if chosen.source else None
    return CsvEncoder(
        chosen,
        schema.key,
        labels=labels,
        bom=bom,
        formula_guard=formula_guard,
        child_index=index,
    )


class RowFragments:
    """Renders the CSV parts of a record once, for encoders.Prerendered: the main-table
    line without its url cell and line end ("csv_row"), and the lines of every child
    table ("csv_children"). Build one per schema and reuse it."""

    def __init__(self, schema: RecordSchema) -> None:
        self._key = schema.key
        self._main = RowEncoder(main_table(schema))
        self._children = [RowEncoder(_table(schema, name)) for name in schema.child_tables]

    def render(self, record: Mapping) -> tuple[str, list[str]]:
        children = [
            "".join(rows.row(r) for r in child_rows(record, rows.table, self._key))
            for rows in self._children
        ]
        return self._main.head(record), children


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
    encoder = csv_encoder(
        schema=schema, table=table, labels=labels, bom=bom, formula_guard=formula_guard
    )
    return stream(encoder, records)


def _table(schema: RecordSchema, name: str) -> Table:
    for t in tables(schema):
        if t.name == name:
            return t
    raise ValueError(f"no table {name!r}; tables: {[t.name for t in tables(schema)]}")
