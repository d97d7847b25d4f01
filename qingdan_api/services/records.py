"""Turn stored versions into the canonical public record (plain dicts)."""

from __future__ import annotations

from typing import Any

from ..models import ItemVersion

VERSION_KEYS = ("version", "published_at", "release_id", "content_hash")


def public_record(version: ItemVersion) -> dict[str, Any]:
    """The full public record of a published version: its content plus version metadata."""
    record = dict(version.record)
    record["version"] = version.number
    record["published_at"] = version.published_at.isoformat() if version.published_at else None
    record["release_id"] = version.release_id
    record["content_hash"] = version.content_hash
    return record
