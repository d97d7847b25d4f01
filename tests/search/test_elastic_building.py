"""Elasticsearch requests built without a server: template, bulk actions, queries, alias swap."""

from __future__ import annotations

from qingdan_api.listings.filters import ItemFilters, parse_filters
from qingdan_api.search.documents import (
    EXACT_NAME_BOOST,
    NAME_CLOSENESS_BOOST,
    NAME_MATCH_BOOST,
    build_document,
)
from qingdan_api.search.elastic import (
    alias_swap,
    bulk_actions,
    filter_clauses,
    index_template,
    node_query,
    search_body,
    suggest_body,
)
from qingdan_api.search.protocol import SearchQuery
from qingdan_api.search.text import parse
from tests.factories import SAMPLE


def test_template_analyses_segmented_words_and_cjk_bigrams():
    template = index_template("qingdan-items")
    assert template["index_patterns"] == ["qingdan-items-*"]
    analysis = template["template"]["settings"]["analysis"]
    assert analysis["analyzer"]["qingdan_words"]["tokenizer"] == "whitespace"
    assert "cjk_bigram" in analysis["analyzer"]["qingdan_cjk"]["filter"]
    properties = template["template"]["mappings"]["properties"]
    for field in ("name", "titles", "body"):
        assert properties[field]["analyzer"] == "qingdan_words"
        assert properties[field]["fields"]["cjk"]["analyzer"] == "qingdan_cjk"
    assert properties["codes"] == {"type": "keyword", "normalizer": "qingdan_code"}
    for field in ("category", "unit", "level", "targets", "region_code"):
        assert properties[field] == {"type": "keyword"}


def test_bulk_actions_index_the_same_terms_as_sql_and_delete_by_item():
    document = build_document(7, 9, SAMPLE)
    index, delete = bulk_actions("idx", [document], [8])
    assert index["_op_type"] == "index" and index["_id"] == "7" and index["_index"] == "idx"
    source = index["_source"]
    assert source["name"].split() == document.fields["name"]
    assert source["codes"] == document.fields["codes"]
    assert source["unit"] == SAMPLE["unit"]["credit_code"] and source["targets"] == ["1", "2"]
    assert set(source) <= set(index_template("idx")["template"]["mappings"]["properties"])
    assert delete == {"_op_type": "delete", "_index": "idx", "_id": "8"}


def test_queries_mirror_the_query_tree():
    query = node_query(parse("食品 4401"))
    # Either the whole input as a code prefix, or every word.
    whole, words = query["bool"]["should"]
    assert whole == {"prefix": {"codes": {"value": "食品4401", "boost": 6.0}}}
    must = words["bool"]["must"]
    assert must[0]["bool"]["should"][0] == {"term": {"name": {"value": "食品", "boost": 10.0}}}
    assert {"prefix": {"codes": {"value": "4401", "boost": 6.0}}} in must[1]["bool"]["should"]
    scoped = node_query(parse("食品经", prefix_last=True), "name")
    assert scoped["bool"]["must"][1]["bool"]["should"] == [
        {"prefix": {"name": {"value": "经", "boost": 10.0}}}
    ]


def test_search_body_filters_facets_and_pages():
    filters = parse_filters({"category": ["penalty"], "target": ["2"], "region": ["449901101000"]})
    body = search_body(
        SearchQuery(parse("许可"), filters, exact="许可", limit=26, after=(3.5, "X"))
    )
    assert body["query"]["bool"]["filter"] == filter_clauses(filters)
    assert {"terms": {"category": ["02"]}} in body["query"]["bool"]["filter"]
    assert {"terms": {"targets": ["2"]}} in body["query"]["bool"]["filter"]
    region = {"bool": {"should": [{"prefix": {"region_code": "449901101"}}]}}
    assert {**region["bool"], "minimum_should_match": 1} in [
        c["bool"] for c in body["query"]["bool"]["filter"] if "bool" in c
    ]
    should = body["query"]["bool"]["should"]
    assert should[0] == {"term": {"name_exact": {"value": "许可", "boost": EXACT_NAME_BOOST}}}
    assert body["sort"] == [{"_score": "desc"}, {"code": "asc"}]
    assert body["search_after"] == [3.5, "X"] and body["size"] == 26
    assert set(body["aggs"]) == {"category", "unit", "level", "target", "region"}
    assert body["aggs"]["target"] == {"terms": {"field": "targets", "size": 20}}


def test_suggest_groups_by_name():
    body = suggest_body(parse("食品", prefix_last=True), "食品", 10)
    assert body["aggs"]["names"]["terms"]["field"] == "name_exact"
    assert body["size"] == 0


def test_alias_swap_is_one_atomic_action_list():
    assert alias_swap("a", "a-2", ["a-1"]) == [
        {"remove": {"index": "a-1", "alias": "a"}},
        {"add": {"index": "a-2", "alias": "a"}},
    ]
    assert alias_swap("a", "a-1", []) == [{"add": {"index": "a-1", "alias": "a"}}]


def test_name_tier_scores_closeness_like_the_sql_backend():
    body = search_body(SearchQuery(parse("施工许可"), ItemFilters(), exact="施工 许可"))
    tier = body["query"]["bool"]["should"][1]["script_score"]
    assert tier["query"]["constant_score"]["filter"] == node_query(parse("施工许可"), "name")
    assert tier["script"]["params"] == {
        "tier": NAME_MATCH_BOOST,
        "closeness": NAME_CLOSENESS_BOOST,
        "typed": 4.0,  # spaces do not count
    }
