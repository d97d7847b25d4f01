"""How a nested record is laid out as flat tables: one main table plus keyed child tables.

Layout rules (shared by the CSV writer and the data-package builder):

- A scalar field is one column; a field with a vocabulary keeps its code in the column and
  gets a companion ``<name>_label`` column with the Chinese label, for people reading it.
- An object field is flattened into ``<object>_<member>`` columns
  (e.g. ``statutory_limit_amount``).
- An array of scalars is one cell, its entries joined with ``;`` (see ``join_multi``).
- An array of objects that is not a child table becomes one joined column per member
  (``co_implementing_units_name``: the names, in order, joined with ``;``).
- A child table (e.g. ``legal_bases``) has the record's ``code``, a 1-based ``position``
  and the entry's members.
- The main table ends with a ``url`` column holding the record's ``@id`` (its API address)
  when present; every other key starting with ``@`` and every unknown key is ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

from exporters.schema import FieldSpec, RecordSchema

MULTI_SEPARATOR = ";"
POSITION = "position"
POSITION_LABEL = "序号"
URL = "url"
URL_LABEL = "数据地址"
LABEL_SUFFIX = "_label"
LABEL_LABEL_SUFFIX = "名称"

Getter = Callable[[Mapping], object]


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str  # a Table Schema type: string | integer | boolean | date | datetime
    get: Getter
    required: bool = False
    vocabulary: str | None = None  # set on code columns (not on their label columns)
    multi: bool = False  # entries joined with MULTI_SEPARATOR


@dataclass(frozen=True)
class Table:
    name: str
    label: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    child_of: str | None = None  # the main table's field name for a child's `code`
    source: str | None = None  # the array field a child table is made from

    def header(self, labels: str = "en") -> list[str]:
        return [c.label if labels == "zh" else c.name for c in self.columns]


def join_multi(values: object) -> str:
    """Join entries with ';', escaping '\\' and ';' inside an entry with a backslash."""
    if not values:
        return ""
    parts = []
    for v in values:  # type: ignore[attr-defined]
        text = "" if v is None else str(v)
        parts.append(text.replace("\\", "\\\\").replace(MULTI_SEPARATOR, "\\" + MULTI_SEPARATOR))
    return MULTI_SEPARATOR.join(parts)


def split_multi(cell: str) -> list[str]:
    """Inverse of join_multi. An empty cell is an empty list, so [""] does not round-trip."""
    if cell == "":
        return []
    parts, buf, escaped = [], [], False
    for ch in cell:
        if escaped:
            buf.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == MULTI_SEPARATOR:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _member(getter: Getter, name: str) -> Getter:
    def get(row: Mapping) -> object:
        obj = getter(row)
        return obj.get(name) if isinstance(obj, Mapping) else None

    return get


def _key(name: str) -> Getter:
    return lambda row: row.get(name)


def _labels(schema: RecordSchema, vocabulary: str, getter: Getter, multi: bool) -> Getter:
    if multi:
        return lambda row: [schema.term_label(vocabulary, v) for v in (getter(row) or [])]
    return lambda row: schema.term_label(vocabulary, getter(row))


def _columns(
    schema: RecordSchema, f: FieldSpec, name: str, label: str, getter: Getter
) -> list[Column]:
    if f.is_scalar or f.is_scalar_array:
        multi = f.type == "array"
        col_type = "string" if multi else f.type
        cols = [Column(name, label, col_type, getter, f.required, f.vocabulary, multi)]
        if f.vocabulary:
            cols.append(
                Column(
                    name + LABEL_SUFFIX,
                    label + LABEL_LABEL_SUFFIX,
                    "string",
                    _labels(schema, f.vocabulary, getter, multi),
                    multi=multi,
                )
            )
        return cols
    if f.type == "object":
        out = []
        for m in f.members:
            # A required member of an optional object (entrusting_unit.name) may be empty.
            member = replace(m, required=m.required and f.required)
            getter_m = _member(getter, m.name)
            out += _columns(schema, member, f"{name}_{m.name}", f"{label}-{m.label}", getter_m)
        return out
    if f.type == "array":  # objects flattened into one joined column per member
        out = []
        for m in f.members:
            if not m.is_scalar:
                raise ValueError(f"cannot flatten {name}.{m.name}: make {name} a child table")
            member_as_array = FieldSpec(m.name, m.label, "array", vocabulary=m.vocabulary)
            out += _columns(
                schema,
                member_as_array,
                f"{name}_{m.name}",
                f"{label}-{m.label}",
                _entries(getter, m.name),
            )
        return out
    raise ValueError(f"unknown field type {f.type!r} for {name}")


def _entries(getter: Getter, member: str) -> Getter:
    def get(row: Mapping) -> object:
        entries = getter(row) or []
        return [e.get(member) if isinstance(e, Mapping) else None for e in entries]

    return get


def _checked(name: str, columns: list[Column]) -> tuple[Column, ...]:
    for attr in ("name", "label"):
        seen = [getattr(c, attr) for c in columns]
        dupes = {s for s in seen if seen.count(s) > 1}
        if dupes:
            raise ValueError(f"table {name}: duplicate column {attr}s {sorted(dupes)}")
    return tuple(columns)


def main_table(schema: RecordSchema) -> Table:
    cols: list[Column] = []
    for f in schema.fields:
        if f.name not in schema.child_tables:
            cols += _columns(schema, f, f.name, f.label, _key(f.name))
    cols.append(Column(URL, URL_LABEL, "string", _key("@id")))
    return Table(
        schema.main_table,
        schema.main_table_label,
        _checked(schema.main_table, cols),
        primary_key=(schema.key,),
    )


def child_table(schema: RecordSchema, name: str) -> Table:
    source = schema.field(name)
    key = schema.field(schema.key)
    cols = [
        Column(key.name, key.label, "string", _key(key.name), required=True),
        Column(POSITION, POSITION_LABEL, "integer", _key(POSITION), required=True),
    ]
    for m in source.members:
        cols += _columns(schema, m, m.name, m.label, _key(m.name))
    return Table(
        name,
        source.label,
        _checked(name, cols),
        primary_key=(key.name, POSITION),
        child_of=key.name,
        source=name,
    )


def tables(schema: RecordSchema) -> list[Table]:
    """The main table followed by every child table, in the schema's order."""
    return [main_table(schema)] + [child_table(schema, n) for n in schema.child_tables]


def child_rows(record: Mapping, table: Table, key: str) -> Iterator[Mapping]:
    """The rows a record contributes to a child table: each entry plus code and position."""
    for position, entry in enumerate(record.get(table.source or table.name) or [], start=1):
        yield {
            **(entry if isinstance(entry, Mapping) else {}),
            key: record.get(key),
            POSITION: position,
        }
