"""Check a submitted item record against the field catalogue and the cross-field rules.

Every problem is collected, keyed by its field path ("legal_bases.0.title"), so an editor
sees all of them at once. Checks that need the database (the unit, the main item, the
item merged into) live in services/editing.py; everything here is pure.

Two strengths: a draft is saved with what it has (real source material is never complete
on day one), so saving checks only what is there plus `SAVE_REQUIRED`; submitting checks
completeness too (`complete=True`): every required field, and the rules that ask for a
field because of another one (a charged item lists its fees, a promised item its limit).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from . import vocabularies as vocab
from .codes import (
    CodeError,
    parse_basic_code,
    parse_implementation_code,
    validate_credit_code,
    validate_region_code,
)
from .fields import ITEM_FIELDS, Field

Errors = dict[str, list[str]]

# What a draft needs to be saved at all: its name, and what its code is built from.
SAVE_REQUIRED = ("name", "category", "level")
MAX_TEXT = 4000
MAX_NAME = 300
# An immediate (即办) limit is shorter than any counted one.
_IMMEDIATE = "immediate"


def allowed_values(vocabulary: str) -> frozenset[str]:
    """What a record stores for a code list: codes for national sets, keys for ours."""
    if vocabulary in vocab.STORED_BY_KEY:
        return vocab.keys(vocabulary)
    return vocab.codes(vocabulary)


class _Checker:
    def __init__(self, complete: bool = True) -> None:
        self.errors: Errors = defaultdict(list)
        self.complete = complete

    def add(self, path: str, message: str) -> None:
        if message not in self.errors[path]:
            self.errors[path].append(message)

    def need(self, path: str, message: str) -> None:
        """A completeness problem: reported when submitting, or for `SAVE_REQUIRED` fields."""
        if self.complete or path in SAVE_REQUIRED:
            self.add(path, message)

    def members(self, specs: tuple[Field, ...], value: dict, path: str) -> None:
        known = {spec.name for spec in specs}
        for key in value:
            if key not in known and not key.startswith("@"):
                self.add(f"{path}{key}", "unknown field")
        for spec in specs:
            self.field(spec, value.get(spec.name), f"{path}{spec.name}")

    def field(self, spec: Field, value: Any, path: str) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                self.need(path, "required")
            return
        if spec.type == "object":
            if not isinstance(value, dict):
                self.add(path, "must be an object")
                return
            self.members(spec.items, value, f"{path}.")
        elif spec.type == "array":
            self.array(spec, value, path)
        else:
            self.scalar(spec, value, path)

    def array(self, spec: Field, value: Any, path: str) -> None:
        if not isinstance(value, list):
            self.add(path, "must be a list")
            return
        if spec.required and not value:
            self.need(path, "needs at least one entry")
        for index, entry in enumerate(value):
            entry_path = f"{path}.{index}"
            if spec.items:
                if not isinstance(entry, dict):
                    self.add(entry_path, "must be an object")
                else:
                    self.members(spec.items, entry, f"{entry_path}.")
            elif not isinstance(entry, str) or not entry.strip():
                self.add(entry_path, "must be a non-empty string")
            elif spec.vocabulary and entry not in allowed_values(spec.vocabulary):
                self.add(entry_path, _vocabulary_message(spec.vocabulary, entry))
        if spec.vocabulary and len(set(map(str, value))) != len(value):
            self.add(path, "lists a value twice")

    def scalar(self, spec: Field, value: Any, path: str) -> None:
        if spec.type == "string":
            if not isinstance(value, str):
                self.add(path, "must be a string")
                return
            limit = MAX_NAME if spec.name in ("name", "sub_item_name") else MAX_TEXT
            if len(value) > limit:
                self.add(path, f"at most {limit} characters")
            if spec.vocabulary and value not in allowed_values(spec.vocabulary):
                self.add(path, _vocabulary_message(spec.vocabulary, value))
        elif spec.type == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(path, "must be an integer")
            elif value < 0:
                self.add(path, "must not be negative")
        elif spec.type == "boolean" and not isinstance(value, bool):
            self.add(path, "must be true or false")


def _vocabulary_message(vocabulary: str, value: Any) -> str:
    stored = "key" if vocabulary in vocab.STORED_BY_KEY else "code"
    return f"{value!r} is not a {stored} of @vocabularies/{vocabulary}"


def check_record(record: Any, *, complete: bool = True) -> Errors:
    """Every problem of `record`, by field path; an empty dict when it is valid.

    `complete=False` checks a draft being saved: only what is there, plus SAVE_REQUIRED.
    """
    checker = _Checker(complete)
    if not isinstance(record, dict):
        checker.add("", "the item must be a JSON object")
        return dict(checker.errors)
    checker.members(ITEM_FIELDS, record, "")
    ok = lambda *paths: not any(p in checker.errors for p in paths)  # noqa: E731
    present = all(record.get(k) for k in ("code", "basic_code"))
    if present and ok("code", "basic_code", "unit.credit_code"):
        # A wrong category or level must not hide what is wrong with the codes: they are
        # checked anyway, only not against the wrong value.
        category = record.get("category") if ok("category") else None
        level = record.get("level") if ok("level") else None
        _check_codes(checker, record, category, level)
    if ok("region_code") and record.get("region_code"):
        try:
            validate_region_code(record["region_code"])
        except CodeError as exc:
            checker.add("region_code", exc.message)
    _check_limits(checker, record)
    _check_steps(checker, record.get("process_steps"))
    _check_fees(checker, record)
    if ok("disposition") and record.get("disposition"):
        _check_disposition(checker, record)
    return {path: messages for path, messages in checker.errors.items() if messages}


def _check_codes(checker: _Checker, record: dict, category: str | None, level: str | None) -> None:
    code, unit = record["code"], (record.get("unit") or {}).get("credit_code")
    if not isinstance(code, str) or not isinstance(record["basic_code"], str):
        return
    try:
        validate_credit_code(unit)
    except CodeError as exc:
        checker.add("unit.credit_code", f"{exc.segment}: {exc.message}")
        return
    try:
        basic = parse_basic_code(record["basic_code"], category)
    except CodeError as exc:
        checker.add("basic_code", f"{exc.segment}: {exc.message}")
        return
    try:
        parsed = parse_implementation_code(code, category)
    except CodeError as exc:
        checker.add("code", f"{exc.kind} {exc.segment}: {exc.message}")
        return
    if parsed.credit_code != unit:
        checker.add("code", f"must start with the unit's credit code {unit}")
    if level is not None and parsed.level != level:
        checker.add("code", f"level segment {parsed.level} does not match level {level}")
    if str(parsed.basic) != record["basic_code"]:
        checker.add("code", f"must end with the basic code {record['basic_code']}")
    parent = record.get("parent_code")
    if basic.is_sub_item:
        expected = f"{unit}{parsed.level}{basic.main_code}"
        if not parent:
            checker.need("parent_code", f"a sub-item needs its main item's code ({expected})")
        elif parent != expected:
            checker.add("parent_code", f"must be the main item's code {expected}")
        if not record.get("sub_item_name"):
            checker.need("sub_item_name", "required for a sub-item")
    elif parent:
        checker.add("parent_code", "only sub-items (sub-item sequence not 000) have a main item")


def _check_limits(checker: _Checker, record: dict) -> None:
    limits = {}
    for name in ("statutory_limit", "promised_limit"):
        limit = record.get(name)
        if not isinstance(limit, dict) or f"{name}.unit" in checker.errors:
            continue
        if not limit.get("unit"):
            continue
        if limit.get("unit") != _IMMEDIATE and limit.get("amount") is None:
            checker.need(f"{name}.amount", "required unless the limit is immediate (即办)")
        elif f"{name}.amount" not in checker.errors:
            limits[name] = limit
    if record.get("handling_type") == "2" and not record.get("promised_limit"):
        checker.need("promised_limit", "a promised item (承诺件) needs its promised limit")
    statutory, promised = limits.get("statutory_limit"), limits.get("promised_limit")
    if not (statutory and promised):
        return
    if statutory["unit"] == _IMMEDIATE and promised["unit"] != _IMMEDIATE:
        checker.add("promised_limit", "cannot exceed the statutory limit (即办)")
    elif (
        promised["unit"] == statutory["unit"] != _IMMEDIATE
        and promised["amount"] > statutory["amount"]
    ):
        checker.add(
            "promised_limit",
            f"{promised['amount']} exceeds the statutory limit of {statutory['amount']}",
        )
    # Working and natural days cannot be compared without a calendar; those pass here.


def _check_steps(checker: _Checker, steps: Any) -> None:
    if not isinstance(steps, list):
        return
    for index, step in enumerate(steps):
        seq = step.get("seq") if isinstance(step, dict) else None
        if isinstance(seq, int) and seq != index + 1:
            checker.add(
                f"process_steps.{index}.seq",
                f"steps are numbered 1, 2, 3… in order: expected {index + 1}",
            )


def _check_fees(checker: _Checker, record: dict) -> None:
    charged, fees = record.get("charged"), record.get("fees") or []
    if charged is True and not fees:
        checker.need("fees", "a charged item lists its fee items")
    if charged is False and fees:
        checker.add("fees", "an item that charges nothing has no fee items")


def _check_disposition(checker: _Checker, record: dict) -> None:
    disposition = record["disposition"]
    if disposition != "retain" and not record.get("disposition_reason"):
        checker.need("disposition_reason", f"a {disposition} disposition needs its reason")
    merged = record.get("merged_into")
    if disposition == "merge":
        if not merged:
            checker.need("merged_into", "a merge names the surviving item's code")
        elif merged == record.get("code"):
            checker.add("merged_into", "an item cannot be merged into itself")
        else:
            try:
                parse_implementation_code(merged)
            except CodeError as exc:
                checker.add("merged_into", f"{exc.kind} {exc.segment}: {exc.message}")
    elif merged:
        checker.add("merged_into", "only a merge names a surviving item")
    transferred = record.get("transferred_to")
    if disposition == "transfer" and not transferred:
        checker.need("transferred_to", "a transfer names who takes the power over")
    elif disposition != "transfer" and transferred:
        checker.add("transferred_to", "only a transfer names who takes the power over")


def submit_requires() -> list[str]:
    """Paths of the fields a draft must have before it is submitted (top level and members)."""
    paths = []
    for spec in ITEM_FIELDS:
        if spec.required:
            paths.append(spec.name)
        for member in spec.items:
            if member.required:
                paths.append(f"{spec.name}.{member.name}")
    return paths
