"""The item filters as Elasticsearch filter clauses (the `elasticsearch` search backend).

The index holds what is published now, so `status` other than active and `at` cannot be
asked of it; @search does not take them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .filters import ACTIVE, ItemFilters

Clause = dict[str, Any]


def _source(ids: tuple[int, ...]) -> Clause:
    should: list[Clause] = []
    harvested = [i for i in ids if i != 0]
    if harvested:
        should.append({"terms": {"source_id": harvested}})
    if 0 in ids:
        should.append({"bool": {"must_not": {"exists": {"field": "source_id"}}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _unit(codes: tuple[str, ...]) -> Clause:
    credit = [c for c in codes if len(c) != 9]
    # A 9-character organisation code is characters 9-17 of its unit's credit code.
    should: list[Clause] = [{"terms": {"unit": credit}}] if credit else []
    should += [{"wildcard": {"unit": f"????????{c}?"}} for c in codes if len(c) == 9]
    return {"bool": {"should": should, "minimum_should_match": 1}}


# An item code is the unit's credit code (18), the level (1) and the basic code (12).
_BASIC_CODE_AT = 19


# Filter name -> its clause, for a non-empty tuple of values. Field names are those of
# search/elastic.py's mapping.
TRANSLATIONS: dict[str, Callable[[Any], Clause]] = {
    "unit": _unit,
    "category": lambda values: {"terms": {"category": list(values)}},
    "level": lambda values: {"terms": {"level": list(values)}},
    "target": lambda codes: {"terms": {"targets": list(codes)}},
    "disposition": lambda values: {"terms": {"disposition": list(values)}},
    "region": lambda prefixes: {
        "bool": {
            "should": [{"prefix": {"region_code": p}} for p in prefixes],
            "minimum_should_match": 1,
        }
    },
    "parent": lambda codes: {"terms": {"parent_code": list(codes)}},
    "source": _source,
    "basic_code": lambda codes: {
        "bool": {
            "should": [{"wildcard": {"code": "?" * _BASIC_CODE_AT + c}} for c in codes],
            "minimum_should_match": 1,
        }
    },
    "law": lambda keys: {"terms": {"laws": list(keys)}},
    "codes": lambda codes: {"terms": {"code": list(codes)}},
}


class UnsupportedFilter(ValueError):
    """A filter the search index cannot answer (it holds only what is published now)."""


def filter_clauses(filters: ItemFilters) -> list[Clause]:
    """The `filter` clauses of a bool query for `filters`; UnsupportedFilter for `at`."""
    if filters.at is not None or filters.status != ACTIVE:
        raise UnsupportedFilter("the search index holds what is published now")
    return [TRANSLATIONS[name](value) for name, value in filters.given().items()]
