"""Builds the exporters' RecordSchema from the field catalogue and the code sets."""

from __future__ import annotations

from functools import cache

from exporters.schema import FieldSpec, RecordSchema
from qingdan_api.domain import fields, vocabularies

# XML element name of one entry of each array field (fields.py has no singular names).
ENTRY_NAMES = {
    "co_implementing_units": "unit",
    "legal_bases": "legal_basis",
    "targets": "target",
    "service_methods": "method",
    "fees": "fee",
    "process_steps": "step",
    "outcomes": "outcome",
    "counterpart_rights": "right",
    "risk_points": "risk_point",
    "responsibilities": "responsibility",
    "accountabilities": "accountability",
    "discretion_standards": "standard",
}


def field_spec(f: fields.Field) -> FieldSpec:
    if f.type == "array" and f.name not in ENTRY_NAMES:
        raise KeyError(f"add an XML entry name for array field {f.name!r} to ENTRY_NAMES")
    return FieldSpec(
        name=f.name,
        label=f.label,
        type=f.type,
        required=f.required,
        vocabulary=f.vocabulary,
        members=tuple(field_spec(m) for m in f.items),
        item_type=f.item_type,
        entry_name=ENTRY_NAMES.get(f.name, "entry"),
        description=f.description,
    )


def vocabulary_labels() -> dict[str, dict[str, str]]:
    """vocabulary -> code or English key -> Chinese label (records use either form)."""
    out: dict[str, dict[str, str]] = {}
    for name, terms in vocabularies.VOCABULARIES.items():
        labels = {t.key: t.label for t in terms}
        labels.update({t.code: t.label for t in terms})
        out[name] = labels
    return out


@cache
def record_schema() -> RecordSchema:
    """The published record (item fields then version metadata) as exporters see it."""
    return RecordSchema(
        fields=tuple(field_spec(f) for f in fields.ITEM_FIELDS + fields.VERSION_FIELDS),
        child_tables=tuple(fields.CHILD_TABLES),
        vocabularies=vocabulary_labels(),
        key="code",
        main_table="items",
        main_table_label="权力事项",
    )
