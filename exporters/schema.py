"""The description of a record that exporters receive as an argument instead of importing it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SCALAR_TYPES = frozenset({"string", "integer", "boolean", "date", "datetime"})


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record: a scalar, an object of members, or an array."""

    name: str
    label: str
    type: str = "string"  # string | integer | boolean | date | datetime | object | array
    required: bool = False
    vocabulary: str | None = None  # a key of RecordSchema.vocabularies
    members: tuple[FieldSpec, ...] = ()  # of an object, or of each object in an array
    item_type: str | None = None  # for arrays of scalars
    entry_name: str = "entry"  # XML element name of one array entry
    description: str = ""

    @property
    def is_scalar(self) -> bool:
        return self.type in SCALAR_TYPES

    @property
    def is_scalar_array(self) -> bool:
        return self.type == "array" and not self.members


@dataclass(frozen=True)
class RecordSchema:
    """Everything the CSV, XML and data-package writers need to know about a record."""

    fields: tuple[FieldSpec, ...]
    # Array fields split into their own CSV table (keyed by `key` plus a position), in order.
    child_tables: tuple[str, ...] = ()
    # vocabulary name -> (code or English key) -> Chinese label
    vocabularies: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    key: str = "code"
    main_table: str = "items"
    main_table_label: str = "事项"

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def term_label(self, vocabulary: str | None, value: object) -> str | None:
        """Chinese label of a code (or key) in a vocabulary; None when unknown or empty."""
        if vocabulary is None or value is None:
            return None
        return self.vocabularies.get(vocabulary, {}).get(str(value))
