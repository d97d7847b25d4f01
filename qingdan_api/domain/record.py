"""Pure helpers over the canonical public record: hashing and derived columns."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .laws import law_keys_column


def canonical_json(record: dict[str, Any]) -> bytes:
    """The byte form that content hashes are computed over: sorted keys, no spaces, UTF-8."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(record)).hexdigest()


def target_mask(targets: list[str]) -> int:
    """Bit n is set when target code n applies; lets listings filter on one integer column."""
    mask = 0
    for code in targets:
        mask |= 1 << int(code)
    return mask


def filter_columns(record: dict[str, Any]) -> dict[str, Any]:
    """The indexed columns of an item version, copied out of its record."""
    return {
        "code": record["code"],
        "name": record["name"],
        "basic_code": record.get("basic_code"),
        "category": record["category"],
        "level": record["level"],
        # A draft may not have its disposition yet (it is required when submitted).
        "disposition": record.get("disposition") or "",
        "region_code": record["region_code"],
        "parent_code": record.get("parent_code"),
        "target_mask": target_mask(record.get("targets") or []),
        "law_keys": law_keys_column(record.get("legal_bases")),
        "content_hash": content_hash(record),
    }
