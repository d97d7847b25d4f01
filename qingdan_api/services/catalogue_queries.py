"""Reading the basic catalogue: editions, entries with filters, one entry and its items."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from ..domain import laws
from ..listings.filters import FilterError, vocabulary_parser
from ..listings.sql import cites_law
from ..models import CatalogueEdition, CatalogueEntry, ItemVersion
from .errors import InvalidArgument, NotFound


def current_edition(session: Session, edition_id: int | None = None) -> CatalogueEdition | None:
    """The edition asked for (NotFound if unknown), else the current one (None if none)."""
    if edition_id is not None:
        edition = session.get(CatalogueEdition, edition_id)
        if edition is None:
            raise NotFound(f"no catalogue edition {edition_id}")
        return edition
    return session.scalar(
        select(CatalogueEdition)
        .order_by(CatalogueEdition.edition_date.desc(), CatalogueEdition.id.desc())
        .limit(1)
    )


def list_editions(session: Session) -> list[CatalogueEdition]:
    return list(
        session.scalars(
            select(CatalogueEdition).order_by(
                CatalogueEdition.edition_date.desc(), CatalogueEdition.id.desc()
            )
        )
    )


@dataclass
class EntryFilters:
    edition: int | None = None
    category: str | None = None
    level: str | None = None
    sector: str | None = None
    law: str | None = None
    q: str | None = None


def like_law(column, law: str):
    """`column LIKE '%|key|%'` for a law named by any spelling of its title."""
    key = laws.law_key(law)
    if not key:
        raise InvalidArgument("law", "a law title, e.g. 行政许可法")
    return cites_law(column, key)


def vocabulary_value(name: str, value: str, param: str) -> str:
    """A term by its code or key, as records store it (listings/filters.py's parser);
    InvalidArgument naming `param` for an unknown one."""
    try:
        return vocabulary_parser(name)(value)
    except FilterError as exc:
        raise InvalidArgument(param, str(exc)) from exc


def entries_query(session: Session, filters: EntryFilters):
    """(edition, SELECT of its entries matching `filters`, ordered by basic code)."""
    edition = current_edition(session, filters.edition)
    if edition is None:
        return None, None
    query = select(CatalogueEntry).where(CatalogueEntry.edition_id == edition.id)
    if filters.category:
        query = query.where(
            CatalogueEntry.category == vocabulary_value("categories", filters.category, "category")
        )
    if filters.level:
        level = vocabulary_value("levels", filters.level, "level")
        padded = literal(",") + CatalogueEntry.levels + literal(",")
        query = query.where(padded.like(f"%,{level},%"))
    if filters.sector:
        query = query.where(CatalogueEntry.sector == filters.sector)
    if filters.law:
        query = query.where(like_law(CatalogueEntry.law_keys, filters.law))
    if filters.q:
        query = query.where(CatalogueEntry.name.contains(filters.q, autoescape=True))
    return edition, query.order_by(CatalogueEntry.basic_code)


def list_entries(session: Session, filters: EntryFilters, *, limit: int, after: str | None):
    """(edition, a page of entries after basic code `after`, total, next basic code)."""
    edition, query = entries_query(session, filters)
    if edition is None:
        return None, [], 0, None
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if after:
        query = query.where(CatalogueEntry.basic_code > after)
    rows = list(session.scalars(query.limit(limit + 1)))
    following = rows[limit - 1].basic_code if len(rows) > limit else None
    return edition, rows[:limit], total, following


def get_entry(session: Session, basic_code: str, edition_id: int | None = None) -> CatalogueEntry:
    """One entry of the current (or given) edition; NotFound if it has none."""
    edition = current_edition(session, edition_id)
    entry = None
    if edition is not None:
        entry = session.scalar(
            select(CatalogueEntry).where(
                CatalogueEntry.edition_id == edition.id, CatalogueEntry.basic_code == basic_code
            )
        )
    if entry is None:
        raise NotFound(f"no catalogue entry {basic_code} in the current edition")
    return entry


def entry_dict(entry: CatalogueEntry) -> dict:
    """An entry as a plain dict (API and exports)."""
    return {
        "basic_code": entry.basic_code,
        "name": entry.name,
        "category": entry.category,
        "levels": entry.levels.split(",") if entry.levels else [],
        "sector": entry.sector,
        "legal_basis_text": entry.legal_basis_text,
        "legal_refs": entry.legal_refs,
    }


def implementing_items(session: Session, basic_code: str) -> list[ItemVersion]:
    """The published (active) versions of the city's items with this basic code, by code."""
    from .catalog import ACTIVE

    return list(
        session.scalars(
            select(ItemVersion)
            .where(ItemVersion.public_status == ACTIVE, ItemVersion.basic_code == basic_code)
            .order_by(ItemVersion.code)
        )
    )
