"""Mirroring a source's units: created here labelled with their source, never taken over."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.codes import CodeError, validate_credit_code
from ...domain.vocabularies import VOCABULARIES
from ...models import Source, Unit, utcnow
from .client import HarvestError, SourceClient

UNIT_KIND_KEYS = frozenset(term.key for term in VOCABULARIES["unit-kinds"])


class UnitMirror:
    """Credit code -> unit id here; creates the units a source's items need.

    A unit that already exists here (local, or from another source) is used as it is and
    never changed: only the units this source created are updated from it. Nothing here
    asks the source while a transaction is open: the caller fetches units first
    (`SourceClient.units`, `fetch_missing`), because on SQLite an open writing session
    holds the single write lock, and every editor would wait for the source's network.
    """

    def __init__(self, session: Session, source: Source, client: SourceClient):
        self.source = source
        self.client = client
        self.ids: dict[str, int] = {}
        self.owners: dict[str, int | None] = {}
        self.fetched: dict[str, dict[str, Any] | None] = {}
        for credit_code, unit_id, owner in session.execute(
            select(Unit.credit_code, Unit.id, Unit.source_id)
        ):
            self.ids[credit_code] = unit_id
            self.owners[credit_code] = owner

    def sync_all(self, session: Session, units: list[dict[str, Any]]) -> str | None:
        """Create or update every unit of the source (`units`, as its /units lists them);
        returns their most common region (6-digit administrative division code)."""
        parents: dict[str, str] = {}
        regions: Counter[str] = Counter()
        for data in units:
            try:
                self.upsert(session, data)
            except HarvestError:
                continue  # an invalid credit code: no valid item code can name this unit

            regions[(data.get("region_code") or "")[:6]] += 1
            parent = (data.get("parent") or {}).get("credit_code")
            if parent:
                parents[data["credit_code"]] = parent
        session.flush()
        for child, parent in parents.items():
            if self.owners.get(child) == self.source.id and parent in self.ids:
                unit = session.get(Unit, self.ids[child])
                unit.parent_id = self.ids[parent]
        return regions.most_common(1)[0][0] if regions else None

    def upsert(self, session: Session, data: dict[str, Any]) -> int:
        """The id here of a source's unit, created or updated; HarvestError for a unit
        whose credit code is invalid (no path stores one)."""
        credit_code = data["credit_code"]
        try:
            validate_credit_code(credit_code)
        except CodeError as exc:
            raise HarvestError(f"unit {credit_code!r}: {exc}") from exc
        kind = data.get("kind") if data.get("kind") in UNIT_KIND_KEYS else "other"
        values = {
            "name": data.get("name") or credit_code,
            "kind": kind,
            "nature": data.get("nature") or "9",
            "region_code": data.get("region_code") or "",
            "zero_report": bool(data.get("zero_report")),
            "zero_report_reason": data.get("zero_report_reason"),
        }
        if credit_code not in self.ids:
            unit = Unit(credit_code=credit_code, source_id=self.source.id, **values)
            session.add(unit)
            session.flush()
            self.ids[credit_code] = unit.id
            self.owners[credit_code] = self.source.id
        elif self.owners[credit_code] == self.source.id:
            unit = session.get(Unit, self.ids[credit_code])
            changed = {k: v for k, v in values.items() if getattr(unit, k) != v}
            for key, value in changed.items():
                setattr(unit, key, value)
            if changed:
                unit.updated_at = utcnow()
        return self.ids[credit_code]

    def fetch_missing(self, records: Iterable[dict[str, Any]]) -> None:
        """Ask the source for the units of `records` not known here, before the page's
        transaction opens (`resolve` then finds them); SourceClient's HarvestError."""
        for record in records:
            credit_code = (record.get("unit") or {}).get("credit_code")
            if credit_code and credit_code not in self.ids and credit_code not in self.fetched:
                self.fetched[credit_code] = self.client.unit(credit_code)

    def resolve(self, session: Session, record: dict[str, Any]) -> int:
        """The id here of the record's unit: as `fetch_missing` got it from the source, or
        made from the record."""
        reference = record.get("unit") or {}
        credit_code = reference.get("credit_code")
        if credit_code in self.ids:
            return self.ids[credit_code]
        data = self.fetched.get(credit_code) or {
            "credit_code": credit_code,
            "name": reference.get("name"),
            "kind": "other",
            "nature": record.get("unit_nature"),
            "region_code": record.get("region_code"),
        }
        return self.upsert(session, data)
