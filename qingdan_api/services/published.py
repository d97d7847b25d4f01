"""Stored public JSON of published versions: written when they publish, read as bytes.

Every path that publishes a version (services/publishing.py for releases, single-item
publishes and withdrawals; services/loading.py for bulk loads and the demo;
services/harvest/apply.py for mirrored content) stamps it here, in the same transaction.
tests/services/test_published_json.py checks, after each of them, that every published
version holds the bytes a fresh rendering gives.

For exports and dumps: `public_json_bytes` hands out the stored item resources by version
id, and `ItemVersion.public_json` can be selected like any column; `with_root` (domain/
published_json.py) turns the relative `@id`s into absolute ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.published_json import PublishedJson, render
from ..models import ItemVersion


def render_version(version: Any) -> PublishedJson:
    """The bytes of a published version (an ItemVersion, or a row with its attributes)."""
    return render(
        version.record,
        number=version.number,
        published_at=version.published_at,
        release_id=version.release_id,
        content_hash=version.content_hash,
    )


def stamp(version: ItemVersion) -> None:
    """Store the public JSON of `version`, whose number and publication are now set."""
    rendered = render_version(version)
    version.public_json = rendered.full
    version.summary_json = rendered.summary


def stamped_columns(record: dict[str, Any], **meta: Any) -> dict[str, bytes]:
    """`public_json` and `summary_json` for a version inserted as a row (bulk loads).

    `meta`: number, published_at, release_id and content_hash.
    """
    rendered = render(record, **meta)
    return {"public_json": rendered.full, "summary_json": rendered.summary}


def public_json_bytes(session: Session, version_ids: Iterable[int]) -> dict[int, bytes]:
    """Version id -> stored public JSON (the item resource, `@id`s relative to the API root).

    Only published versions have one; other ids are left out. One query per call: pass a
    page of ids (a few thousand at most), not a whole list.
    """
    ids = list(version_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ItemVersion.id, ItemVersion.public_json).where(
            ItemVersion.id.in_(ids), ItemVersion.public_json.is_not(None)
        )
    )
    return {version_id: bytes(body) for version_id, body in rows}
