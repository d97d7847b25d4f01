"""The `elasticsearch` backend: an alias over versioned indexes, fed by bulk requests.

Documents carry the same pre-segmented terms as the `sql` backend (whitespace analyzer),
so both find the same words, plus the CJK bigrams of those terms, which also find words
the Python segmenter cut differently. Codes are keyword fields matched by prefix. A rebuild
fills a new index and swaps the alias in one atomic `update_aliases` call.

Everything the index and its queries use is in the Elasticsearch server itself: no
analysis plugin (the text arrives segmented, the bigrams are cut here) and no script (the
name tier is a `function_score` over the stored name length). So any Elasticsearch 8 node
serves it, down to Elastic's minimal integration-test distribution the suite runs against.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError, helpers
from sqlalchemy.orm import Session

from ..domain.laws import law_keys
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
from .suggestions import FETCH_FACTOR, key_of, suffix_keys
from .text import _HAS_DIGIT, MIN_CODE_PREFIX, STOPWORDS, AllOf, Node, Term, ideographic

TEXT_FIELDS = ("name", "titles", "body")
FACET_FIELDS = {
    "category": "category",
    "unit": "unit",
    "level": "level",
    "target": "targets",
    "region": "region_code",
}
FACET_SIZE = 20
# Fields added after the first indexes were made: harvested documents carry their
# source (local ones have no such field: `source=0`); `laws` holds the law keys the
# legal bases cite (the `law` filter; documents indexed before it need `qingdan reindex`);
# `suggest` completes names (inputs: matching keys, a space, the name; see `completions`).
_COMPLETION = {"type": "completion", "analyzer": "keyword", "max_input_length": 600}
ADDED_FIELDS = {
    "source_id": {"type": "integer"},
    "laws": {"type": "keyword"},
    "suggest": _COMPLETION,
}
BULK_CHUNK = 1000
# Seconds a bulk request may take: a batch of 2,000 documents that waits for a refresh
# outlasted the client's default 10 s on a busy machine.
BULK_TIMEOUT = 120
# Lucene's BM25 summed over a term's field clauses and its bigram clauses comes out about
# twenty times FTS5's bm25 over the same weights. Scaled down, the text score weighs
# against the name tiers (documents.py) as it does on the `sql` backend, and the two
# backends put the same items on top.
TEXT_SCORE_SCALE = 0.05
_KEYWORD = {"type": "keyword"}
# The built-in whitespace analyzer: the terms arrive segmented and lowercased (text.words).
_TEXT = {"type": "text", "analyzer": "whitespace"}
COMPLETION_WEIGHT = 10000  # above any name length, so weights order start, then length


def cjk_field(field: str) -> str:
    """The field holding the CJK bigrams of a text field's terms."""
    return f"{field}_cjk"


def bigrams(terms: Iterable[str]) -> list[str]:
    """Each ideograph term as its overlapping two-character pieces; other terms as they are.

    What Lucene's `cjk_bigram` filter makes of a segmented text, cut here so the node needs
    no analysis plugin: 建筑工程 -> 建筑 筑工 工程, so 筑工 finds it whatever jieba's cut.
    """
    out: list[str] = []
    for term in terms:
        if len(term) > 1 and ideographic(term):
            out.extend(term[i : i + 2] for i in range(len(term) - 1))
        else:
            out.append(term)
    return out


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
                    "name_length": {"type": "integer"},
                    **{field: _TEXT for field in TEXT_FIELDS},
                    **{cjk_field(field): _TEXT for field in TEXT_FIELDS},
                    **{field: _KEYWORD for field in FACET_FIELDS.values()},
                    "disposition": _KEYWORD,
                    "parent_code": _KEYWORD,
                    **ADDED_FIELDS,
                },
            },
        },
    }


def completions(name: str) -> list[dict[str, Any]]:
    """The `suggest` inputs of an item name: each word-start suffix of its key, then the name.

    As the `sql` backend's name rows: 经营 completes 食品经营许可 through 经营许可. The name
    after the suffix makes inputs of different names differ (食品经营许可 and 药品经营许可
    share 经营许可), so `skip_duplicates` drops only items of the same name. Names that
    begin with the input weigh most, then shorter names.
    """
    keys = suffix_keys(name)
    if not keys:
        return []
    start = {"input": [f"{keys[0]} {name}"], "weight": 2 * COMPLETION_WEIGHT - len(name)}
    inside = [f"{key} {name}" for key in keys[1:]]
    return [start] + (
        [{"input": inside, "weight": COMPLETION_WEIGHT - len(name)}] if inside else []
    )


def source(document: Document) -> dict[str, Any]:
    record = document.record
    return {
        "item_id": document.item_id,
        "version_id": document.version_id,
        "code": document.code,
        "codes": document.terms("codes"),
        "name_exact": record["name"],
        "name_length": len(record["name"]),  # as SQL's length(name) counts it
        **{field: document.fields[field] for field in TEXT_FIELDS},
        **{cjk_field(field): " ".join(bigrams(document.terms(field))) for field in TEXT_FIELDS},
        "category": record["category"],
        "unit": record["unit"]["credit_code"],
        "level": record["level"],
        "targets": list(record.get("targets") or []),
        "region_code": record["region_code"],
        "disposition": record["disposition"],
        "parent_code": record.get("parent_code"),
        "laws": law_keys(record.get("legal_bases")),
        **({"source_id": document.source_id} if document.source_id is not None else {}),
        "suggest": completions(record["name"]),
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
                        cjk_field(field): {
                            "query": " ".join(bigrams([node.text])),
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


def name_tier(node: Node, typed_length: int) -> list[dict[str, Any]]:
    """Items whose name holds every word, scored as `SqlBackend.search` scores them.

    Two `should` clauses over the same filter: NAME_MATCH_BOOST, plus the closeness
    NAME_CLOSENESS_BOOST * min(1, typed / len(name)). The closeness is a `field_value_factor`
    (reciprocal of len(name) / typed, weighted) capped by `max_boost`: no script needed.
    """
    in_name = node_query(node, "name")
    clauses: list[dict[str, Any]] = [
        {"constant_score": {"filter": in_name, "boost": NAME_MATCH_BOOST}}
    ]
    if typed_length > 0:  # nothing typed that can meet a name: no closeness (as in SQL)
        clauses.append(
            {
                "function_score": {
                    "query": {"constant_score": {"filter": in_name}},
                    "functions": [
                        {
                            "field_value_factor": {
                                "field": "name_length",
                                "factor": 1.0 / typed_length,
                                "modifier": "reciprocal",
                            },
                            "weight": NAME_CLOSENESS_BOOST,
                        }
                    ],
                    "max_boost": NAME_CLOSENESS_BOOST,
                    "boost_mode": "replace",
                }
            }
        )
    return clauses


def search_body(query: SearchQuery) -> dict[str, Any]:
    """Keyword arguments of `Elasticsearch.search` for one page with facets."""
    body: dict[str, Any] = {
        "query": {
            "bool": {
                "must": [{"bool": {"must": [node_query(query.node)], "boost": TEXT_SCORE_SCALE}}],
                "filter": filter_clauses(query.filters),
                "should": [
                    {
                        "constant_score": {
                            "filter": {"term": {"name_exact": query.exact}},
                            "boost": EXACT_NAME_BOOST,
                        }
                    },
                    *name_tier(query.node, query_length(query.exact)),
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
    """Keyword arguments of `Elasticsearch.search`: the best item of each distinct name.

    The hits are collapsed on the name, best first; each group's inner-hit total is how many
    matching items carry that name.
    """
    return {
        "size": limit,
        "query": {
            "bool": {
                "must": [node_query(node, "name")],
                "should": [{"prefix": {"name_exact": {"value": typed, "boost": NAME_MATCH_BOOST}}}],
            }
        },
        "collapse": {"field": "name_exact", "inner_hits": {"name": "same_name", "size": 0}},
        "sort": [{"_score": "desc"}, {"name_exact": "asc"}],
        "_source": False,
        "fields": ["code", "name_exact"],
    }


def completion_body(key: str, limit: int) -> dict[str, Any]:
    """Keyword arguments of `Elasticsearch.search`: names completing `key` (a matching key)."""
    return {
        "size": 0,
        "_source": ["name_exact", "code"],
        "suggest": {
            "names": {
                "prefix": key,
                "completion": {
                    "field": "suggest",
                    "size": limit * FETCH_FACTOR,
                    "skip_duplicates": True,
                },
            }
        },
    }


def name_counts_body(names: list[str]) -> dict[str, Any]:
    """Keyword arguments of `Elasticsearch.search`: how many items carry each name."""
    return {
        "size": 0,
        "query": {"terms": {"name_exact": names}},
        "aggs": {"names": {"terms": {"field": "name_exact", "size": max(1, len(names))}}},
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
            # Indexes made before a field existed: adding a field to a mapping is
            # allowed in place, so they take new documents without a rebuild (what they
            # hold gets name completions at the next `qingdan reindex`).
            self.client.indices.put_mapping(index=self.alias, properties=ADDED_FIELDS)
        self._ready = True

    def write(
        self, session: Session, documents: list[Document], removed: list[int], bulk: bool = False
    ) -> None:
        self._ensure_alias()
        helpers.bulk(
            self.client.options(request_timeout=BULK_TIMEOUT),
            bulk_actions(self.alias, documents, removed),
            # One request per catch-up batch (the client still splits at 100 MB): each
            # request waits for a refresh, up to a second, so chunks would each wait.
            chunk_size=max(BULK_CHUNK, len(documents) + len(removed)),
            ignore_status=(404,),  # deleting what was never indexed is fine
            refresh="wait_for",  # a client that publishes, then searches, finds it
        )

    def settle(self, session: Session, bulk: bool = False) -> None:
        """Nothing deferred: each `write` waits for its refresh."""

    def rebuild(self, session: Session, documents: Iterable[Document]) -> None:
        old = self._current_indexes()
        index = self._new_index()
        helpers.bulk(
            self.client.options(request_timeout=BULK_TIMEOUT),
            bulk_actions(index, documents),
            chunk_size=BULK_CHUNK,
        )
        self.client.indices.refresh(index=index)
        self.client.indices.update_aliases(actions=alias_swap(self.alias, index, old))
        for stale in old:
            self.client.indices.delete(index=stale)
        self._ready = True

    def _search(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """One search request on the alias; None while there is no index yet.

        One round trip: asking whether the alias exists first tripled the requests. A search
        that lost shards (a rebuild deleted the old index while it ran) is asked again: the
        alias already names the new index.
        """
        for _attempt in range(2):
            try:
                response = self.client.search(index=self.alias, **body)
            except NotFoundError:
                return None
            if not response["_shards"]["failed"]:
                break
        return response.body

    def count(self, session: Session) -> int:
        try:
            return int(self.client.count(index=self.alias)["count"])
        except NotFoundError:
            return 0

    def search(self, session: Session, query: SearchQuery) -> SearchResults:
        response = self._search(search_body(query))
        if response is None:
            return SearchResults([], 0, {name: [] for name in FACETS})
        hits = [Hit(h["fields"]["code"][0], float(h["_score"])) for h in response["hits"]["hits"]]
        facets = {
            name: [(b["key"], b["doc_count"]) for b in response["aggregations"][name]["buckets"]]
            for name in FACETS
        }
        return SearchResults(hits, response["hits"]["total"]["value"], facets)

    def suggest(self, session: Session, node: Node, typed: str, limit: int) -> list[Suggestion]:
        key = key_of(typed)
        if key in STOPWORDS:
            return []
        if key and not (_HAS_DIGIT.search(key) and len(key) >= MIN_CODE_PREFIX):
            return self._complete(key, limit)
        response = self._search(suggest_body(node, typed, limit))
        if response is None:
            return []
        return [
            Suggestion(
                hit["fields"]["name_exact"][0],
                hit["fields"]["code"][0],
                hit["inner_hits"]["same_name"]["hits"]["total"]["value"],
            )
            for hit in response["hits"]["hits"]
        ]

    def _complete(self, key: str, limit: int) -> list[Suggestion]:
        """Names from the completion suggester (an in-memory prefix automaton), then counts.

        Matching names with a `collapse` on them, and an inner hit per group to count its
        items, cost about ten times the `sql` backend's prefix range at 100k items.
        """
        response = self._search(completion_body(key, limit))
        if response is None:
            return []
        found: dict[str, str] = {}
        for option in response["suggest"]["names"][0]["options"]:
            found.setdefault(option["_source"]["name_exact"], option["_source"]["code"])
        names = list(found)[:limit]
        if not names:
            return []
        counted = self._search(name_counts_body(names)) or {
            "aggregations": {"names": {"buckets": []}}
        }
        counts = {b["key"]: b["doc_count"] for b in counted["aggregations"]["names"]["buckets"]}
        return [Suggestion(name, found[name], counts.get(name, 1)) for name in names]
