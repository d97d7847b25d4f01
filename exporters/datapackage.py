"""Frictionless Data Package descriptor (datapackage.json) for the multi-table CSV export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exporters.schema import RecordSchema
from exporters.tables import Column, Table, tables


def _field(column: Column, schema: RecordSchema, labels: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": column.label if labels == "zh" else column.name,
        "title": column.label,
        "type": column.type,
    }
    if column.type == "boolean":
        out["trueValues"], out["falseValues"] = ["true"], ["false"]
    constraints: dict[str, Any] = {}
    if column.required:
        constraints["required"] = True
    if column.vocabulary and not column.multi:
        constraints["enum"] = sorted(schema.vocabularies.get(column.vocabulary, {}))
    if constraints:
        out["constraints"] = constraints
    if column.vocabulary:
        out["description"] = f"代码表 {column.vocabulary}" + (
            "，多值以 ; 分隔" if column.multi else ""
        )
    elif column.multi:
        out["description"] = "多值以 ; 分隔（值内的 ; 与 \\ 以 \\ 转义）"
    return out


def _resource(
    table: Table,
    main: Table,
    schema: RecordSchema,
    labels: str,
    bom: bool,
    stats: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    def name(col: str, t: Table) -> str:
        return next(c.label if labels == "zh" else c.name for c in t.columns if c.name == col)

    table_schema: dict[str, Any] = {
        "fields": [_field(c, schema, labels) for c in table.columns],
        "primaryKey": [name(k, table) for k in table.primary_key],
    }
    if table.child_of:
        table_schema["foreignKeys"] = [
            {
                "fields": [name(table.child_of, table)],
                "reference": {"resource": main.name, "fields": [name(schema.key, main)]},
            }
        ]
    resource: dict[str, Any] = {
        "name": table.name,
        "title": table.label,
        "path": f"{table.name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig" if bom else "utf-8",
        "schema": table_schema,
    }
    # Size and checksum let a consumer verify each file (frictionless checks them).
    if table.name in stats:
        if "bytes" in stats[table.name]:
            resource["bytes"] = stats[table.name]["bytes"]
        if "sha256" in stats[table.name]:
            resource["hash"] = "sha256:" + stats[table.name]["sha256"]
    return resource


def build_datapackage(
    schema: RecordSchema,
    *,
    name: str = "qingdan-items",
    title: str = "权力清单和责任清单",
    labels: str = "en",
    bom: bool = False,
    stats: Mapping[str, Mapping[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The descriptor of the CSV tables `<table>.csv` written with the same labels/bom options.

    `stats` maps a table name to {"bytes": int, "sha256": hex}; `extra` adds top-level
    properties (e.g. version, created, licenses, sources).
    """
    all_tables = tables(schema)
    main = all_tables[0]
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        **(extra or {}),
        "resources": [_resource(t, main, schema, labels, bom, stats or {}) for t in all_tables],
    }
