"""The `sql` search backend: full text inside the application database (the default)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..models import ItemVersion, SearchDocument, Unit
from ..services.catalog import filtered
from .documents import EXACT_NAME_BOOST, NAME_MATCH_BOOST, Document
from .fts import native_index
from .protocol import Hit, SearchQuery, SearchResults, Suggestion
from .text import Node

FACET_SIZE = 20
TARGET_CODES = tuple(str(n) for n in range(1, 7))
REBUILD_BATCH = 2000


class SqlBackend:
    """SQLite FTS5 or PostgreSQL full text, whichever the database is."""

    name = "sql"
    checkpoint_name = "sql"

    def write(self, session: Session, documents: list[Document], removed: list[int]) -> None:
        _native(session).write(session, documents, removed)

    def rebuild(self, session: Session, documents: Iterable[Document]) -> None:
        # One transaction: readers keep seeing the old index until it commits.
        index = _native(session)
        index.clear(session)
        iterator = iter(documents)
        while batch := list(islice(iterator, REBUILD_BATCH)):
            index.write(session, batch, [])

    def count(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(SearchDocument)) or 0

    def search(self, session: Session, query: SearchQuery) -> SearchResults:
        native = _native(session)
        matches = native.match(query.node)
        in_name = native.match(query.node, scope="name", name="name_matches")
        base = (
            filtered(session, query.filters)
            .join(matches, matches.c.item_id == ItemVersion.item_id)
            .outerjoin(in_name, in_name.c.item_id == ItemVersion.item_id)
        )
        score = (
            matches.c.score
            + case((ItemVersion.name == query.exact, EXACT_NAME_BOOST), else_=0.0)
            + case((in_name.c.item_id.is_not(None), NAME_MATCH_BOOST), else_=0.0)
        )
        ranked = base.with_only_columns(
            ItemVersion.code.label("code"), score.label("score")
        ).subquery("ranked")
        page = select(ranked.c.code, ranked.c.score)
        if query.after is not None:
            score, code = query.after
            page = page.where(
                or_(ranked.c.score < score, and_(ranked.c.score == score, ranked.c.code > code))
            )
        rows = session.execute(
            page.order_by(ranked.c.score.desc(), ranked.c.code).limit(query.limit)
        ).all()
        facet_rows = base.with_only_columns(
            ItemVersion.category,
            ItemVersion.unit_id,
            ItemVersion.level,
            ItemVersion.region_code,
            ItemVersion.target_mask,
        ).subquery("matched")
        total, facets = _facets(session, facet_rows)
        return SearchResults([Hit(code, float(score)) for code, score in rows], total, facets)

    def suggest(self, session: Session, node: Node, typed: str, limit: int) -> list[Suggestion]:
        matches = _native(session).match(node, scope="name")
        # Names that begin with what was typed come first, shorter (closer) names before.
        starts = func.max(case((func.substr(ItemVersion.name, 1, len(typed)) == typed, 1), else_=0))
        names = (
            select(
                ItemVersion.name,
                func.max(matches.c.score).label("score"),
                func.count().label("count"),
                func.min(ItemVersion.code).label("code"),
            )
            .join(matches, matches.c.item_id == ItemVersion.item_id)
            .where(ItemVersion.public_status == "active")
            .group_by(ItemVersion.name)
            .order_by(
                starts.desc(),
                func.length(ItemVersion.name),
                func.max(matches.c.score).desc(),
                ItemVersion.name,
            )
            .limit(limit)
        )
        return [
            Suggestion(name, code, count) for name, _score, count, code in session.execute(names)
        ]


def _native(session: Session):
    return native_index(session.get_bind().dialect.name)


def _facets(session: Session, matched) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """The total and the counts per facet value over the matched public versions."""
    facets: dict[str, list[tuple[str, int]]] = {}
    for name, col in (
        ("category", matched.c.category),
        ("level", matched.c.level),
        ("region", matched.c.region_code),
    ):
        rows = session.execute(
            select(col, func.count())
            .group_by(col)
            .order_by(func.count().desc(), col)
            .limit(FACET_SIZE)
        ).all()
        facets[name] = [(value, count) for value, count in rows]
    units = session.execute(
        select(Unit.credit_code, func.count())
        .select_from(matched)
        .join(Unit, Unit.id == matched.c.unit_id)
        .group_by(Unit.credit_code)
        .order_by(func.count().desc(), Unit.credit_code)
        .limit(FACET_SIZE)
    ).all()
    facets["unit"] = [(value, count) for value, count in units]
    sums = [
        func.sum(case((matched.c.target_mask.op("&")(1 << int(c)) != 0, 1), else_=0))
        for c in TARGET_CODES
    ]
    row = session.execute(select(func.count(), *sums).select_from(matched)).one()
    total = row[0]
    targets = [(code, int(n or 0)) for code, n in zip(TARGET_CODES, row[1:], strict=True)]
    facets["target"] = sorted((t for t in targets if t[1]), key=lambda t: (-t[1], t[0]))
    return total, facets
