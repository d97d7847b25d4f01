"""The two native full-text indexes behind the `sql` backend: SQLite FTS5 and PostgreSQL.

Both receive text already segmented by `search.text`, so neither needs a Chinese parser:
FTS5's unicode61 tokenizer splits only at the spaces we put in, and PostgreSQL gets a
ready tsvector literal (no text search configuration involved). Query trees are rendered
from terms restricted to [0-9a-z] and ideographs, so no user input reaches either syntax.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, column, delete, insert, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from ..models import SearchDocument
from .documents import WEIGHTS, Document
from .text import AllOf, Node, Term

FIELDS = ("name", "codes", "titles", "body")  # FTS5 column order


class Fts5Index:
    """SQLite: virtual table search_fts(name, codes, titles, body), rowid = item id."""

    def write(self, session: Session, documents: list[Document], removed: list[int]) -> None:
        ids = [d.item_id for d in documents] + removed
        for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[start : start + 500]
            session.execute(
                text("DELETE FROM search_fts WHERE rowid IN (SELECT value FROM json_each(:ids))"),
                {"ids": _json_ids(chunk)},
            )
            session.execute(delete(SearchDocument).where(SearchDocument.item_id.in_(chunk)))
        if documents:
            session.connection().execute(
                insert(SearchDocument.__table__), [_row(d) for d in documents]
            )
            session.execute(
                text(
                    "INSERT INTO search_fts (rowid, name, codes, titles, body) "
                    "VALUES (:rowid, :name, :codes, :titles, :body)"
                ),
                [
                    {"rowid": d.item_id, **{f: " ".join(d.fields[f]) for f in FIELDS}}
                    for d in documents
                ],
            )

    def clear(self, session: Session) -> None:
        session.execute(text("DELETE FROM search_fts"))
        session.execute(delete(SearchDocument))

    def matching_ids(self, node: Node, *, scope: str | None = None, name: str = "ids"):
        """The ids of the matching items, for `IN (…)` (evaluated once, not per row)."""
        return text(f"SELECT rowid FROM search_fts WHERE search_fts MATCH :{name}").bindparams(
            **{name: fts5_expression(node, scope)}
        )

    def match(
        self,
        node: Node,
        *,
        scope: str | None = None,
        name: str = "matches",
        cap: int | None = None,
        scored: bool = True,
    ) -> Subquery:
        """(item_id, score) of the matching documents; higher score = better.

        `name` names the subquery and its bound parameter, so that one statement can hold
        several matches. With `cap`, only the `cap` most recently indexed matches (highest
        item ids: FTS5 walks its doclists backwards, so the rest are never read). Without
        `scored`, the score is 0 (no bm25 to compute).
        """
        weights = ", ".join(str(WEIGHTS[f]) for f in FIELDS)
        # bm25() is lower-is-better and negative; negate it so every backend sorts descending.
        score = f"-bm25(search_fts, {weights})" if scored else "0.0"
        # LIMIT keeps SQLite from flattening this subquery into an outer join or GROUP BY,
        # where bm25() cannot be evaluated (-1: no limit).
        limit = f"ORDER BY rowid DESC LIMIT {int(cap)}" if cap else "LIMIT -1"
        return (
            text(
                f"SELECT rowid AS item_id, {score} AS score "
                f"FROM search_fts WHERE search_fts MATCH :{name} {limit}"
            )
            .bindparams(**{name: fts5_expression(node, scope)})
            .columns(column("item_id", Integer), column("score", Float))
            .subquery(name)
        )

    def more_than(self, session: Session, node: Node, count: int) -> bool:
        """Whether more than `count` documents match (reads at most count + 1 of them)."""
        found = session.scalar(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM search_fts "
                "WHERE search_fts MATCH :expression LIMIT :enough)"
            ),
            {"expression": fts5_expression(node), "enough": count + 1},
        )
        return found > count


def fts5_expression(node: Node, scope: str | None = None) -> str:
    """FTS5 MATCH syntax; `scope` limits plain (non-code) terms to one column."""
    if isinstance(node, Term):
        token = f'"{node.text}"' + ("*" if node.prefix else "")
        column_name = "codes" if node.codes else scope
        return f"{column_name} : {token}" if column_name else token
    joiner = " AND " if isinstance(node, AllOf) else " OR "
    return "(" + joiner.join(fts5_expression(p, scope) for p in node.parts) + ")"


# PostgreSQL weight letters per field; ts_rank's weight array is ordered {D, C, B, A}.
PG_WEIGHT = {"name": "A", "codes": "B", "titles": "C", "body": "D"}
_RANK_ORDER = ("body", "titles", "codes", "name")
PG_RANK_WEIGHTS = "{" + ",".join(str(WEIGHTS[f] / WEIGHTS["name"]) for f in _RANK_ORDER) + "}"
MAX_POSITION = 16383  # tsvector positions stop there


class PostgresIndex:
    """PostgreSQL: search_documents.tsv, a tsvector with weights A-D, under a GIN index."""

    def write(self, session: Session, documents: list[Document], removed: list[int]) -> None:
        if removed:
            session.execute(delete(SearchDocument).where(SearchDocument.item_id.in_(removed)))
        if documents:
            session.execute(
                text(
                    "INSERT INTO search_documents (item_id, version_id, code, tsv) "
                    "VALUES (:item_id, :version_id, :code, CAST(:tsv AS tsvector)) "
                    "ON CONFLICT (item_id) DO UPDATE SET version_id = excluded.version_id, "
                    "code = excluded.code, tsv = excluded.tsv"
                ),
                [{**_row(d), "tsv": tsvector_literal(d)} for d in documents],
            )

    def clear(self, session: Session) -> None:
        session.execute(delete(SearchDocument))

    def matching_ids(self, node: Node, *, scope: str | None = None, name: str = "ids"):
        return text(
            f"SELECT item_id FROM search_documents WHERE tsv @@ CAST(:{name} AS tsquery)"
        ).bindparams(**{name: tsquery_expression(node, scope)})

    def match(
        self,
        node: Node,
        *,
        scope: str | None = None,
        name: str = "matches",
        cap: int | None = None,
        scored: bool = True,
    ) -> Subquery:
        score = (
            f"CAST(ts_rank('{PG_RANK_WEIGHTS}', tsv, CAST(:{name} AS tsquery)) AS double precision)"
            if scored
            else "CAST(0 AS double precision)"
        )
        limit = f" ORDER BY item_id DESC LIMIT {int(cap)}" if cap else ""
        return (
            text(
                f"SELECT item_id, {score} AS score "
                f"FROM search_documents WHERE tsv @@ CAST(:{name} AS tsquery){limit}"
            )
            .bindparams(**{name: tsquery_expression(node, scope)})
            .columns(column("item_id", Integer), column("score", Float))
            .subquery(name)
        )

    def more_than(self, session: Session, node: Node, count: int) -> bool:
        found = session.scalar(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM search_documents "
                "WHERE tsv @@ CAST(:expression AS tsquery) LIMIT :enough) AS enough"
            ),
            {"expression": tsquery_expression(node), "enough": count + 1},
        )
        return found > count


def tsvector_literal(document: Document) -> str:
    """`'word':1A,7A 'other':2C …`: positions in text order, weighted by field."""
    positions: dict[str, list[str]] = {}
    position = 0
    for field in FIELDS:
        weight = PG_WEIGHT[field]
        for word in document.fields[field]:
            position = min(position + 1, MAX_POSITION)
            positions.setdefault(word, []).append(f"{position}{weight}")
    # Terms hold only [0-9a-z] and ideographs, so they need no escaping inside quotes.
    return " ".join(f"'{word}':{','.join(p)}" for word, p in positions.items())


def tsquery_expression(node: Node, scope: str | None = None) -> str:
    """tsquery syntax; `scope` ('name') limits plain terms to that field's weight."""
    if isinstance(node, Term):
        weight = PG_WEIGHT["codes"] if node.codes else (PG_WEIGHT[scope] if scope else "")
        suffix = ("*" if node.prefix else "") + weight
        return f"'{node.text}'" + (f":{suffix}" if suffix else "")
    joiner = " & " if isinstance(node, AllOf) else " | "
    return "(" + joiner.join(tsquery_expression(p, scope) for p in node.parts) + ")"


def _row(document: Document) -> dict:
    return {"item_id": document.item_id, "version_id": document.version_id, "code": document.code}


def _json_ids(ids: list[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def native_index(dialect: str) -> Fts5Index | PostgresIndex:
    if dialect == "sqlite":
        return Fts5Index()
    if dialect == "postgresql":
        return PostgresIndex()
    raise ValueError(f"the sql search backend supports SQLite and PostgreSQL, not {dialect}")
