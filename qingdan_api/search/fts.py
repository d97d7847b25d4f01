"""The two native full-text indexes behind the `sql` backend: SQLite FTS5 and PostgreSQL.

Both receive text already segmented by `search.text`, so neither needs a Chinese parser:
FTS5's unicode61 tokenizer splits only at the spaces we put in, and PostgreSQL gets a
ready tsvector literal (no text search configuration involved). Query trees are rendered
from terms restricted to [0-9a-z] and ideographs, so no user input reaches either syntax.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, column, delete, insert, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect

from ..models import SearchDocument
from .documents import WEIGHTS, Document
from .text import AllOf, Node, Term

FIELDS = ("name", "codes", "titles", "body")  # FTS5 column order
# bm25() is lower-is-better and negative; negated so every backend sorts descending.
SCORE = "-bm25(search_fts, " + ", ".join(str(WEIGHTS[f]) for f in FIELDS) + ")"


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
                [{"rowid": d.item_id, **{f: d.fields[f] for f in FIELDS}} for d in documents],
            )

    def optimize(self, session: Session) -> None:
        """Merge FTS5's segments into one.

        A bulk catch-up leaves several segments (9 after the whole 1M feed, 8 after the
        100k one), and a query reads each: on the 1M index, @search on 49 new queries
        had p95 50.9 ms before and 41.6 ms after, pages warm both times. FTS5's own
        `optimize` took 27-47 s at 1M and 2.3 s at 100k.
        """
        session.execute(text("INSERT INTO search_fts (search_fts) VALUES ('optimize')"))

    def clear(self, session: Session) -> None:
        """Empty the index: the table is dropped and made again from its own definition.

        FTS5 deletes row by row, adding each row's terms to the index as tombstones that
        later merges must read: emptying the 1M-item index that way wrote a 14 GB WAL,
        and the inserts after it ran at a third of their speed. Inside the caller's
        transaction, readers keep the old index until it commits.
        """
        definition = session.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'search_fts'")
        )
        connection = session.connection()
        connection.exec_driver_sql("DROP TABLE search_fts")
        connection.exec_driver_sql(definition)
        session.execute(delete(SearchDocument))

    def listed(self, ids: list[int], name: str = "listed") -> TextClause:
        """`ids` for `IN (…)`, in one bound JSON text: 2,000 bound parameters cost more to
        compile and bind than the statement took to run."""
        return text(f"SELECT value FROM json_each(:{name})").bindparams(**{name: _json_ids(ids)})

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
    ) -> TextualSelect:
        """(item_id, score) of the matching documents; higher score = better.

        `name` names its bound parameter, so that one statement can hold several matches
        (the caller makes it a subquery or a CTE). With `cap`, only the `cap` most recently
        indexed matches (highest item ids: FTS5 walks its doclists backwards, so the rest
        are never read). Without `scored`, the score is 0 (no bm25 to compute).
        """
        score = SCORE if scored else "0.0"
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
        )

    def count_documents(self, session: Session, terms: list[Term], limit: int) -> dict[Term, int]:
        """term -> the documents holding it, counted up to `limit` (see `common_terms`).

        One statement; each term's doclist is read up to `limit` rows, not further.
        """
        counts = ", ".join(
            f"(SELECT count(*) FROM (SELECT 1 FROM search_fts "
            f"WHERE search_fts MATCH :t{i} LIMIT :limit))"
            for i in range(len(terms))
        )
        found = session.execute(
            text(f"SELECT {counts}"),
            {"limit": limit, **{f"t{i}": fts5_expression(t) for i, t in enumerate(terms)}},
        ).one()
        return dict(zip(terms, found, strict=True))

    def text_scores(
        self, session: Session, node: Node, lowest: int, highest: int
    ) -> dict[int, float]:
        """item id -> bm25 text score of the documents matching `node` with ids in a range."""
        return dict(
            session.execute(
                text(
                    f"SELECT rowid, {SCORE} FROM search_fts "
                    "WHERE search_fts MATCH :expression AND rowid BETWEEN :lowest AND :highest"
                ),
                {"expression": fts5_expression(node), "lowest": lowest, "highest": highest},
            ).all()
        )


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

    def optimize(self, session: Session) -> None:
        """Nothing: GIN merges its pending list itself (autovacuum)."""

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

    def listed(self, ids: list[int], name: str = "listed") -> TextClause:
        """`ids` for `IN (…)`, in one bound array."""
        return text(f"SELECT unnest(CAST(:{name} AS integer[]))").bindparams(
            **{name: [int(i) for i in ids]}
        )

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
    ) -> TextualSelect:
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
        )

    def count_documents(self, session: Session, terms: list[Term], limit: int) -> dict[Term, int]:
        """None counted: ts_rank uses no document frequencies, no term costs more to score."""
        return {}


def tsvector_literal(document: Document) -> str:
    """`'word':1A,7A 'other':2C …`: positions in text order, weighted by field."""
    positions: dict[str, list[str]] = {}
    position = 0
    for field in FIELDS:
        weight = PG_WEIGHT[field]
        for word in document.terms(field):
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
