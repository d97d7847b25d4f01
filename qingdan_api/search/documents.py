"""What of a published record is searchable, split into weighted fields of segmented terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rjieba

from .text import STOPWORDS, code_term, words

# Field -> weight. The same weights rank in FTS5 (bm25), PostgreSQL (ts_rank A-D) and
# Elasticsearch (field boosts), so the backends order results alike.
WEIGHTS = {"name": 10.0, "codes": 6.0, "titles": 3.0, "body": 1.0}
# Ranking tiers above the text score, identical on every backend: an item named exactly
# what was typed comes first, then items whose name (or code) holds every word.
EXACT_NAME_BOOST = 1000.0
NAME_MATCH_BOOST = 100.0
# Within the name tier, names the query covers more of come first: 施工许可 is closer to
# 建筑工程施工许可 than to a long penalty named after it, and a base item closer than its
# qualified variants (…（城区）). Worth at most this much, so a better text score still
# counts but a near-tie goes to the closer name.
NAME_CLOSENESS_BOOST = 20.0


def query_length(typed: str) -> int:
    """Characters of the input that can meet a name (spaces do not)."""
    return len("".join(typed.split()))


@dataclass(frozen=True)
class Document:
    """The searchable form of one item's public version."""

    item_id: int
    version_id: int
    code: str
    # Field name -> its terms in text order, joined by single spaces (terms hold none):
    # the form FTS5 takes, and one string to pickle across the indexer's pipe rather
    # than hundreds (unpickling term lists was 6 % of the writer's time at 100k items).
    fields: dict[str, str]
    record: dict[str, Any]  # its `indexed_part`
    # Its suggestion term's keys (`suffix_keys`): segmented where the document is built,
    # in the indexer's second process, rather than by the index's writer (6 % of its
    # time at 100k items).
    term_keys: tuple[str, ...]
    source_id: int | None = None  # the harvest source of harvested content (the `source` filter)

    def terms(self, field: str) -> list[str]:
        """The terms of one field (see `fields`), in text order."""
        return self.fields[field].split(" ") if self.fields[field] else []


def key_of(text: str | None) -> str:
    """The matching form of a term or of what was typed: [0-9a-z] and ideographs only."""
    return code_term(text) or ""


def term_of(record: dict[str, Any]) -> str:
    """What an item is suggested as: its name, and its sub-item's name if it has one."""
    sub = record.get("sub_item_name")
    return f"{record['name']} {sub}" if sub else record["name"]


def suffix_keys(term: str) -> list[str]:
    """The term's key from each word on: 经营许可 and 许可 find 食品经营许可 by prefix."""
    key = key_of(term)
    starts = {0} | {
        start for word, start, _end in rjieba.tokenize(key, mode="search") if word not in STOPWORDS
    }
    return [key[s:] for s in sorted(starts) if key[s:]]


def _texts(record: dict[str, Any], key: str, *members: str) -> list[str]:
    return [entry.get(m) or "" for entry in record.get(key) or () for m in members]


def field_texts(record: dict[str, Any]) -> dict[str, list[str]]:
    """The raw texts of each weighted field (also used to cut highlighted snippets)."""
    unit = record.get("unit") or {}
    return {
        "name": [record.get("name") or "", record.get("sub_item_name") or ""],
        "titles": [
            unit.get("name") or "",
            record.get("handling_office") or "",
            (record.get("entrusting_unit") or {}).get("name") or "",
            *_texts(record, "co_implementing_units", "name"),
            *_texts(record, "legal_bases", "title"),
        ],
        "body": [
            *_texts(record, "legal_bases", "text"),
            record.get("acceptance_conditions") or "",
            *_texts(record, "responsibilities", "content"),
            *_texts(record, "accountabilities", "situation"),
            *_texts(record, "discretion_standards", "circumstance", "penalty"),
            record.get("disposition_reason") or "",
            record.get("remarks") or "",
        ],
    }


def codes_of(record: dict[str, Any]) -> list[str]:
    """Code terms an item is found by: its implementation, basic and local codes."""
    raw = (record.get("code"), record.get("basic_code"), record.get("local_code"))
    return [t for t in map(code_term, raw) if t]


def indexed_part(record: dict[str, Any]) -> dict[str, Any]:
    """What the backends read of a record besides its fields: the name (suggestions), the
    facets and the cited laws' titles (Elasticsearch's source). A document carries only
    this: built in the indexer's second process, it crosses the pipe at a fraction of the
    record's size (unpickling whole records cost as much as building them)."""
    unit = record.get("unit") or {}
    return {
        "name": record.get("name"),
        "sub_item_name": record.get("sub_item_name"),
        "category": record.get("category"),
        "unit": {"credit_code": unit.get("credit_code")},
        "level": record.get("level"),
        "targets": record.get("targets"),
        "region_code": record.get("region_code"),
        "disposition": record.get("disposition"),
        "parent_code": record.get("parent_code"),
        "legal_bases": [
            {"title": entry.get("title")}
            for entry in record.get("legal_bases") or ()
            if isinstance(entry, dict)
        ],
    }


def build_document(
    item_id: int, version_id: int, record: dict[str, Any], source_id: int | None = None
) -> Document:
    fields = {
        name: " ".join(w for t in texts for w in words(t))
        for name, texts in field_texts(record).items()
    }
    fields["codes"] = " ".join(codes_of(record))
    return Document(
        item_id,
        version_id,
        record["code"],
        fields,
        indexed_part(record),
        tuple(suffix_keys(term_of(record))),
        source_id,
    )
