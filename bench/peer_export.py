"""The peer benchmark's flat SQLite copy of a Qingdan instance's published items.

Built from what Qingdan itself serves: the records of `GET {api}/items.ndjson` (every
published item, ordered by code), read once over HTTP, so the copy holds exactly the
public records and this module depends on no internals of the services. Three tables,
the shape a portal or a `sqlite-utils`/datasette user would publish:

- `items`: one row per item, the columns of Qingdan's CSV main table (`/api/items.csv`,
  exporters/tables.py `main_table`: code, name, category and its label, level, unit credit
  code and name, region, …, version, published_at, url), each cell the text the CSV writes
  (formula guard included) and integer columns as integers; indexed on the columns a
  portal filters by (unit, category, level, region).
- `items_fts`: FTS5 with the **trigram** tokenizer (SQLite >= 3.34), row ids aligned with
  `items`, over the very texts Qingdan's search indexes (search/documents.py
  `field_texts`: name; unit, office and legal-basis titles; legal-basis texts, conditions,
  responsibilities …). Datasette's `?_search=危险化学品` then matches that phrase as a
  substring. Qingdan cuts words with jieba instead (危险 AND 化学品/化学), so the totals
  can differ a little; the benchmark prints both.
- `records`: code -> the public JSON record as served (one NDJSON line), so "one item"
  sends the same content from both servers.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

from exporters.csv_export import cell
from exporters.tables import Column, main_table
from qingdan_api.search.documents import field_texts
from qingdan_api.services.export_schema import record_schema

FILTER_COLUMNS = ("unit_credit_code", "category", "level", "region_code")
BATCH = 2000


def item_columns() -> tuple[Column, ...]:
    """The columns of the `items` table: Qingdan's CSV main table, in order."""
    return main_table(record_schema()).columns


def _value(record: dict, column: Column) -> object:
    raw = column.get(record)
    if raw is None:
        return None
    if column.type == "integer" and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    return cell(raw, column)


def _fts_row(record: dict) -> tuple[str, str, str]:
    texts = field_texts(record)
    return tuple("\n".join(t for t in texts[f] if t) for f in ("name", "titles", "body"))


def ndjson_lines(url: str, timeout: float = 600.0) -> Iterator[str]:
    """The lines of an NDJSON download, streamed; raises urllib's HTTPError on non-2xx."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        for raw in response:
            line = raw.decode("utf-8").strip()
            if line:
                yield line


def build(lines: Iterable[str], path: Path) -> int:
    """Write the three tables of the module docstring to a new file at `path`.

    `lines` are NDJSON records (one JSON object each). Returns the number of items.
    Raises FileExistsError when `path` exists, ValueError when there is no record.
    """
    if path.exists():
        raise FileExistsError(path)
    columns = item_columns()
    names = [c.name for c in columns]
    kinds = {"integer": "INTEGER"}
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        defs = ", ".join(
            f"[{c.name}] {kinds.get(c.type, 'TEXT')}" + (" PRIMARY KEY" if c.name == "code" else "")
            for c in columns
        )
        conn.execute(f"CREATE TABLE items ({defs})")
        conn.execute(
            "CREATE VIRTUAL TABLE items_fts USING fts5(name, titles, body, tokenize='trigram')"
        )
        conn.execute("CREATE TABLE records (code TEXT PRIMARY KEY, record TEXT NOT NULL)")
        insert_item = (
            f"INSERT INTO items (rowid, {', '.join(f'[{n}]' for n in names)}) "
            f"VALUES (?, {', '.join('?' for _ in names)})"
        )
        count = 0
        items, texts, records = [], [], []
        for line in lines:
            record = json.loads(line)
            count += 1
            items.append((count, *(_value(record, c) for c in columns)))
            texts.append((count, *_fts_row(record)))
            records.append((record["code"], line))
            if len(items) >= BATCH:
                _flush(conn, insert_item, items, texts, records)
        _flush(conn, insert_item, items, texts, records)
        if count == 0:
            raise ValueError("no published item to copy")
        for column in FILTER_COLUMNS:
            conn.execute(f"CREATE INDEX items_{column} ON items ([{column}])")
        conn.execute("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()
        return count
    except BaseException:
        conn.close()
        path.unlink(missing_ok=True)
        raise
    finally:
        conn.close()


def _flush(conn: sqlite3.Connection, insert_item: str, items, texts, records) -> None:
    conn.executemany(insert_item, items)
    conn.executemany("INSERT INTO items_fts (rowid, name, titles, body) VALUES (?,?,?,?)", texts)
    conn.executemany("INSERT INTO records (code, record) VALUES (?, ?)", records)
    items.clear()
    texts.clear()
    records.clear()


def datasette_metadata(database: str) -> dict:
    """Datasette metadata: search `items` through `items_fts` (its row ids are the items')."""
    return {
        "databases": {
            database: {"tables": {"items": {"fts_table": "items_fts", "fts_pk": "rowid"}}}
        }
    }
