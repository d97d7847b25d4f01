"""The `elasticsearch` backend: an alias over versioned indexes, fed by bulk requests.

Documents carry the same pre-segmented terms as the `sql` backend (whitespace analyzer),
so both find the same words, plus a CJK-bigram subfield that also finds words the Python
segmenter cut differently. Codes are keyword fields matched by prefix. A rebuild fills a
new index and swaps the alias in one atomic `update_aliases` call.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from elasticsearch import Elasticsearch, helpers
from sqlalchemy.orm import Session

from ..listings.elastic import filter_clauses
from .documents import (
    EXACT_NAME_BOOST,
    NAME_CLOSENESS_BOOST,
    NAME_MATCH_BOOST,
    WEIGHTS,
    Document,
    query_length,
)
from .protocol import FACETS, Hit, SearchQuery, SearchResults, Suggestion
from .text import AllOf, Node, Term

TEXT_FIELDS = ("name", "titles", "body")
FACET_FIELDS = {
    "category": "category",
    "unit": "unit",
    "level": "level",
    "target": "targets",
    "region": "region_code",
}
FACET_SIZE = 20
# Harvested documents carry their source; local ones have no such field (`source=0`).
SOURCE_FIELD = {"source_id": {"type": "integer"}}
BULK_CHUNK = 1000
_KEYWORD = {"type": "keyword"}
_TEXT = {
    "type": "text",
    "analyzer": "qingdan_words",
    "fields": {"cjk": {"type": "text", "analyzer": "qingdan_cjk"}},
}


def index_template(alias: str) -> dict[str, Any]:
    """Keyword arguments of `indices.put_index_template` for every index behind `alias`."""
    return {
        "name": alias,
        "index_patterns": [f"{alias}-*"],
        "template": {
            "settings": {
                # One shard: term statistics, and so scores, are those of the whole list.
                "number_of_shards": 1,
                "analysis": {
                    "analyzer": {
                        # The text arrives segmented by rjieba: split on spaces only.
                        "qingdan_words": {
                            "type": "custom",
                            "tokenizer": "whitespace",
                            "filter": ["lowercase"],
                        },
                        "qingdan_cjk": {
                            "type": "custom",
                            "tokenizer": "standard",
                            "filter": ["cjk_width", "lowercase", "cjk_bigram"],
                        },
                    },
                    "normalizer": {"qingdan_code": {"type": "custom", "filter": ["lowercase"]}},
                },
            },
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    "item_id": {"type": "integer"},
                    "version_id": {"type": "integer"},
                    "code": _KEYWORD,
                    "codes": {"type": "keyword", "normalizer": "qingdan_code"},
                    "name_exact": _KEYWORD,
                    **{field: _TEXT for field in TEXT_FIELDS},
                    **{field: _KEYWORD for field in FACET_FIELDS.values()},
                    "disposition": _KEYWORD,
                    "parent_code": _KEYWORD,
                    **SOURCE_FIELD,
                },
            },
        },
    }


def source(document: Document) -> dict[str, Any]:
    record = document.record
    return {
        "item_id": document.item_id,
        "version_id": document.version_id,
        "code": document.code,
        "codes": document.fields["codes"],
        "name_exact": record["name"],
        **{field: " ".join(document.fields[field]) for field in TEXT_FIELDS},
        "category": record["category"],
        "unit": record["unit"]["credit_code"],
        "level": record["level"],
        "targets": list(record.get("targets") or []),
        "region_code": record["region_code"],
        "disposition": record["disposition"],
        "parent_code": record.get("parent_code"),
        **({"source_id": document.source_id} if document.source_id is not None else {}),
    }


def bulk_actions(
    index: str, documents: Iterable[Document], removed: Iterable[int] = ()
) -> Iterator[dict[str, Any]]:
    """Actions for `helpers.bulk`: index each document, delete each removed item (by id)."""
    for document in documents:
        yield {
            "_op_type": "index",
            "_index": index,
            "_id": str(document.item_id),
            "_source": source(document),
        }
    for item_id in removed:
        yield {"_op_type": "delete", "_index": index, "_id": str(item_id)}


def node_query(node: Node, scope: str | None = None) -> dict[str, Any]:
    """The bool query of a query tree; `scope` ('name') limits plain terms to one field."""
    if isinstance(node, Term):
        if node.codes:
            return {"prefix": {"codes": {"value": node.text, "boost": WEIGHTS["codes"]}}}
        fields = (scope,) if scope else TEXT_FIELDS
        kind = "prefix" if node.prefix else "term"
        should: list[dict[str, Any]] = [
            {kind: {field: {"value": node.text, "boost": WEIGHTS[field]}}} for field in fields
        ]
        if not node.prefix and len(node.text) > 1:
            # Bigrams find the word where jieba cut the indexed text differently.
            should += [
                {
                    "match": {
                        f"{field}.cjk": {
                            "query": node.text,
                            "operator": "and",
                            "boost": WEIGHTS[field] / 2,
                        }
                    }
                }
                for field in fields
            ]
        return {"bool": {"should": should, "minimum_should_match": 1}}
    parts = [node_query(part, scope) for part in node.parts]
    if isinstance(node, AllOf):
        return {"bool": {"must": parts}}
    return {"bool": {"should": parts, "minimum_should_match": 1}}


# The name tier of the sql backend: NAME_MATCH_BOOST plus the closeness of the name.
_NAME_TIER_SCRIPT = (
    "double n = doc['name_exact'].value.length();"
    " return params.tier + params.closeness * (n <= params.typed ? 1.0 : params.typed / n);"
)


def name_tier(node: Node, typed_length: int) -> dict[str, Any]:
    """Items whose name holds every word, scored as `SqlBackend.search` scores them."""
    return {
        "script_score": {
            "query": {"constant_score": {"filter": node_query(node, "name")}},
            "script": {
                "source": _NAME_TIER_SCRIPT,
                "params": {
                    "tier": NAME_MATCH_BOOST,
                    "closeness": NAME_CLOSENESS_BOOST,
                    "typed": float(typed_length),
                },
            },
        }
    }


def search_body(query: SearchQuery) -> dict[str, Any]:
    """Keyword arguments of `Elasticsearch.search` for one page with facets."""
    body: dict[str, Any] = {
        "query": {
            "bool": {
                "must": [node_query(query.node)],
                "filter": filter_clauses(query.filters),
                "should": [
                    {"term": {"name_exact": {"value": query.exact, "boost": EXACT_NAME_BOOST}}},
                    name_tier(query.node, query_length(query.exact)),
                ],
            }
        },
        "sort": [{"_score": "desc"}, {"code": "asc"}],
        "size": query.limit,
        "track_total_hits": True,
        "_source": False,
        "fields": ["code"],
        "aggs": {
            name: {"terms": {"field": FACET_FIELDS[name], "size": FACET_SIZE}} for name in FACETS
        },
    }
    if query.after is not None:
        body["search_after"] = list(query.after)
    return body


def suggest_body(node: Node, typed: str, limit: int) -> dict[str, Any]:
    return {
        "size": 0,
        "query": {
            "bool": {
                "must": [node_query(node, "name")],
                "should": [{"prefix": {"name_exact": {"value": typed, "boost": NAME_MATCH_BOOST}}}],
            }
        },
        "aggs": {
            "names": {
                "terms": {"field": "name_exact", "size": limit, "order": {"best": "desc"}},
                "aggs": {
                    "best": {"max": {"script": "_score"}},
                    "top": {"top_hits": {"size": 1, "_source": False, "fields": ["code"]}},
                },
            }
        },
    }


def alias_swap(alias: str, new_index: str, old_indexes: Iterable[str]) -> list[dict[str, Any]]:
    """`update_aliases` actions that move `alias` to `new_index` in one atomic step."""
    actions: list[dict[str, Any]] = [
        {"remove": {"index": old, "alias": alias}} for old in sorted(old_indexes)
    ]
    actions.append({"add": {"index": new_index, "alias": alias}})
    return actions


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, client: Elasticsearch, alias: str):
        self.client = client
        self.alias = alias
        self._ready = False

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ElasticsearchBackend:
        url = config.get("QINGDAN_ELASTICSEARCH_URL")
        if not url:
            raise ValueError("QINGDAN_SEARCH_BACKEND=elasticsearch needs QINGDAN_ELASTICSEARCH_URL")
        return cls(Elasticsearch(url), config["QINGDAN_ELASTICSEARCH_INDEX"])

    @property
    def checkpoint_name(self) -> str:
        return f"elasticsearch:{self.alias}"

    def _current_indexes(self) -> list[str]:
        if not self.client.indices.exists_alias(name=self.alias):
            return []
        return list(self.client.indices.get_alias(name=self.alias))

    def _new_index(self) -> str:
        self.client.indices.put_index_template(**index_template(self.alias))
        index = f"{self.alias}-{time.time_ns()}"
        self.client.indices.create(index=index)
        return index

    def _ensure_alias(self) -> None:
        if self._ready:
            return
        if not self._current_indexes():
            index = self._new_index()
            self.client.indices.update_aliases(actions=alias_swap(self.alias, index, []))
        else:
            # Indexes made before `source_id` existed: adding a field to a mapping is
            # allowed in place, so they take harvested documents without a rebuild.
            self.client.indices.put_mapping(index=self.alias, properties=SOURCE_FIELD)
        self._ready = True

    def write(self, session: Session, documents: list[Document], removed: list[int]) -> None:
        self._ensure_alias()
        helpers.bulk(
            self.client,
            bulk_actions(self.alias, documents, removed),
            chunk_size=BULK_CHUNK,
            ignore_status=(404,),  # deleting what was never indexed is fine
            refresh="wait_for",
        )

    def rebuild(self, session: Session, documents: Iterable[Document]) -> None:
        old = self._current_indexes()
        index = self._new_index()
        helpers.bulk(self.client, bulk_actions(index, documents), chunk_size=BULK_CHUNK)
        self.client.indices.refresh(index=index)
        self.client.indices.update_aliases(actions=alias_swap(self.alias, index, old))
        for stale in old:
            self.client.indices.delete(index=stale)
        self._ready = True

    def count(self, session: Session) -> int:
        if not self._current_indexes():
            return 0
        return int(self.client.count(index=self.alias)["count"])

    def search(self, session: Session, query: SearchQuery) -> SearchResults:
        if not self._current_indexes():
            return SearchResults([], 0, {name: [] for name in FACETS})
        response = self.client.search(index=self.alias, **search_body(query))
        hits = [Hit(h["fields"]["code"][0], float(h["_score"])) for h in response["hits"]["hits"]]
        facets = {
            name: [(b["key"], b["doc_count"]) for b in response["aggregations"][name]["buckets"]]
            for name in FACETS
        }
        return SearchResults(hits, response["hits"]["total"]["value"], facets)

    def suggest(self, session: Session, node: Node, typed: str, limit: int) -> list[Suggestion]:
        if not self._current_indexes():
            return []
        response = self.client.search(index=self.alias, **suggest_body(node, typed, limit))
        return [
            Suggestion(b["key"], b["top"]["hits"]["hits"][0]["fields"]["code"][0], b["doc_count"])
            for b in response["aggregations"]["names"]["buckets"]
        ]
