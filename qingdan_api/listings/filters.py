"""The filters of the item listings, parsed and checked without a session.

`/items`, the exports, `@search` and the dumps all take these filters. A filter given
several times (`category=01&category=02`) means any of its values (OR); different filters
combine with AND. Values are checked and normalised here, once: vocabulary terms by code
or key become what records store, region codes of any level become the prefix their
sub-regions share. Each backend translates the parsed filters (listings/sql.py,
listings/elastic.py); a test checks that both translate every filter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from ..domain import laws
from ..domain import vocabularies as vocab
from ..domain.codes import (
    CodeError,
    normalise_unit_code,
    parse_basic_code,
    region_prefix,
    validate_credit_code,
    validate_org_code,
    validate_region_code,
)
from ..domain.errors import InvalidArguments
from .dates import DateError, parse_moment

ACTIVE = "active"
WITHDRAWN = "withdrawn"
STATUSES = {ACTIVE: (ACTIVE,), WITHDRAWN: (WITHDRAWN,), "all": (ACTIVE, WITHDRAWN)}
# Harvest source ids are an INTEGER column; 0 means local (not harvested) content.
MAX_SOURCE_ID = 2**31 - 1


@dataclass(frozen=True)
class ItemFilters:
    """Parsed filters: every tuple holds the accepted values of one filter (any of them)."""

    unit: tuple[str, ...] = ()  # unit credit codes, or 9-character organisation codes
    category: tuple[str, ...] = ()  # what records store (see domain/vocabularies.py)
    level: tuple[str, ...] = ()
    target: tuple[str, ...] = ()  # target codes ("1".."6"): bits of the target mask
    disposition: tuple[str, ...] = ()
    region: tuple[str, ...] = ()  # region prefixes: "44", "4401", "440118", ...
    parent: tuple[str, ...] = ()  # main item codes: their sub-items
    source: tuple[int, ...] = ()  # harvest source ids; 0 = local content
    basic_code: tuple[str, ...] = ()  # 12-digit basic codes: one power across units and levels
    law: tuple[str, ...] = ()  # law keys (domain/laws.py): items whose legal bases cite one
    status: str = ACTIVE
    at: datetime | None = None  # what was published at that moment instead of now
    codes: tuple[str, ...] = field(default=(), metadata={"internal": True})

    def given(self) -> dict[str, Any]:
        """The filters that restrict anything, by name."""
        out = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value not in ((), None) and not (spec.name == "status" and value == ACTIVE):
                out[spec.name] = value
        return out


class FilterError(ValueError):
    """One filter value is wrong; the message says why, in terms a caller can act on."""


def vocabulary_parser(name: str) -> Callable[[str], str]:
    """The parser of one vocabulary's terms: code or key in, what records store out."""

    def parse(value: str) -> str:
        for term in vocab.VOCABULARIES[name]:
            if value in (term.code, term.key):
                return term.key if name in vocab.STORED_BY_KEY else term.code
        raise FilterError(f"unknown value {value!r}; see @vocabularies/{name}")

    return parse


def _unit_code(value: str) -> str:
    """A unit's credit code, or its 9-character organisation code (the alias GB 11714 gives
    every unit; characters 9-17 of its credit code), tidied as sources write them."""
    tidy = normalise_unit_code(value)
    try:
        return validate_org_code(tidy) if len(tidy) == 9 else validate_credit_code(tidy)
    except CodeError as exc:
        raise FilterError(str(exc)) from exc


def _basic_code(value: str) -> str:
    try:
        parse_basic_code(value)
    except CodeError as exc:
        raise FilterError(str(exc)) from exc
    return value


def _law(value: str) -> str:
    key = laws.law_key(value)
    if not key:
        raise FilterError("a law title, e.g. 行政许可法")
    return key


def region_filter(value: str) -> str:
    """The prefix shared by a region and the regions beneath it, from a code of any level.

    Province (44), prefecture (4401), county (440118), township (440118101) or a full 6- or
    12-digit code (440100, 440118101000). Raises FilterError for anything else.
    """
    if not value.isascii() or not value.isdigit() or len(value) not in (2, 4, 6, 9, 12):
        raise FilterError(
            "a region code: 2 (province), 4 (prefecture), 6 (county), 9 (township) or 12 digits"
        )
    try:
        if len(value) in (2, 4):
            validate_region_code(value.ljust(6, "0"))
            return value
        if len(value) == 9:
            return region_prefix(value + "000")
        return region_prefix(value)
    except CodeError as exc:
        raise FilterError(str(exc)) from exc


def _item_code(value: str) -> str:
    if not value.isascii() or not value.isalnum() or len(value) > 64:
        raise FilterError("an item code: letters and digits")
    return value


def _source(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) > MAX_SOURCE_ID:
        raise FilterError(f"a harvest source id from 0 to {MAX_SOURCE_ID} (see @sources)")
    return int(value)


# Filter name -> (parser of one value, description). Order is the documented order.
PARSERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "unit": (_unit_code, "unit credit code, or its 9-character organisation code"),
    "category": (vocabulary_parser("categories"), "code or key from @vocabularies/categories"),
    "level": (vocabulary_parser("levels"), "code or key from @vocabularies/levels"),
    "target": (vocabulary_parser("targets"), "code or key from @vocabularies/targets"),
    "disposition": (
        vocabulary_parser("dispositions"),
        "code or key from @vocabularies/dispositions",
    ),
    "region": (
        region_filter,
        "region code of any level (44, 4401, 440118, 440118101000): matches its sub-regions",
    ),
    "parent": (_item_code, "main item code: its sub-items"),
    "source": (_source, "harvest source id (see @sources); 0 = local content only"),
    "basic_code": (_basic_code, "12-digit basic code: the same power in every unit and level"),
    "law": (
        _law,
        "a law title (《》, 中华人民共和国 and revision notes optional): items citing it",
    ),
}
MULTI_FILTERS = tuple(PARSERS)  # the filters that take several values (OR)
# The filters of @search: what the index holds is what is published now.
SEARCH_FILTERS = MULTI_FILTERS


def parse_values(name: str, values: Sequence[str]) -> tuple[Any, ...]:
    """The parsed values of one multi-value filter; FilterError names every bad one."""
    parse = PARSERS[name][0]
    out: list[Any] = []
    problems: list[str] = []
    for value in values:
        try:
            parsed = parse(value)
        except FilterError as exc:
            problems.append(f"{value!r}: {exc}" if len(values) > 1 else str(exc))
            continue
        if parsed not in out:
            out.append(parsed)
    if problems:
        raise FilterError("; ".join(problems))
    return tuple(out)


def parse_status(value: str) -> str:
    if value not in STATUSES:
        raise FilterError(f"must be one of {', '.join(STATUSES)}")
    return value


def parse_at(value: str) -> datetime:
    """`at`: a moment, or a bare date meaning the end of that day (China time)."""
    try:
        return parse_moment(value, "end")
    except DateError as exc:
        raise FilterError(str(exc)) from exc


def parse_filters(raw: Mapping[str, Sequence[str] | str]) -> ItemFilters:
    """ItemFilters from raw text values by name; InvalidArguments lists every problem.

    For callers without an HTTP layer (the command line, tests); the API parses the same
    names with the same parsers through its query schemas.
    """
    values: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for name, given in raw.items():
        texts = [given] if isinstance(given, str) else list(given)
        try:
            if name in PARSERS:
                values[name] = parse_values(name, texts)
            elif name == "status" and len(texts) == 1:
                values[name] = parse_status(texts[0])
            elif name == "at" and len(texts) == 1:
                values[name] = parse_at(texts[0])
            else:
                raise FilterError("not a filter, or given more than once")
        except FilterError as exc:
            problems[name] = [str(exc)]
    if problems:
        raise InvalidArguments(problems)
    return ItemFilters(**values)
