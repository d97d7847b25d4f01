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
    TEXT_SCORE_SCALE,
    alias_swap,
    bigrams,
    bulk_actions,
    completion_body,
    completions,
    filter_clauses,
    index_template,
    node_query,
    search_body,
    suggest_body,
)
from qingdan_api.search.protocol import SearchQuery
from qingdan_api.search.text import parse
from tests.factories import SAMPLE


def test_template_uses_only_what_the_server_core_has():
    template = index_template("qingdan-items")
    assert template["index_patterns"] == ["qingdan-items-*"]
    analysis = template["template"]["settings"]["analysis"]
    assert "analyzer" not in analysis  # no analysis plugin: the terms arrive segmented
    properties = template["template"]["mappings"]["properties"]
    for field in ("name", "titles", "body"):
        assert properties[field] == {"type": "text", "analyzer": "whitespace"}
        assert properties[f"{field}_cjk"] == {"type": "text", "analyzer": "whitespace"}
    assert properties["codes"] == {"type": "keyword", "normalizer": "qingdan_code"}
    for field in ("category", "unit", "level", "targets", "region_code"):
        assert properties[field] == {"type": "keyword"}


def test_bulk_actions_index_the_same_terms_as_sql_and_delete_by_item():
    document = build_document(7, 9, SAMPLE)
    index, delete = bulk_actions("idx", [document], [8])
    assert index["_op_type"] == "index" and index["_id"] == "7" and index["_index"] == "idx"
    source = index["_source"]
    assert source["name"].split() == document.terms("name")
    assert source["name_cjk"].split() == bigrams(document.terms("name"))
    assert source["name_length"] == len(SAMPLE["name"])
    assert source["codes"] == document.terms("codes")
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


def test_bigrams_are_those_of_the_cjk_bigram_filter():
    assert bigrams(["建筑工程", "许", "abc12"]) == ["建筑", "筑工", "工程", "许", "abc12"]
    should = node_query(parse("筑工"))["bool"]["should"]
    assert {"match": {"name_cjk": {"query": "筑工", "operator": "and", "boost": 5.0}}} in should


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
    assert should[0] == {
        "constant_score": {"filter": {"term": {"name_exact": "许可"}}, "boost": EXACT_NAME_BOOST}
    }
    assert body["query"]["bool"]["must"][0]["bool"]["boost"] == TEXT_SCORE_SCALE
    assert body["sort"] == [{"_score": "desc"}, {"code": "asc"}]
    assert body["search_after"] == [3.5, "X"] and body["size"] == 26
    assert set(body["aggs"]) == {"category", "unit", "level", "target", "region"}
    assert body["aggs"]["target"] == {"terms": {"field": "targets", "size": 20}}


def test_suggest_collapses_by_name():
    body = suggest_body(parse("食品", prefix_last=True), "食品", 10)
    assert body["collapse"]["field"] == "name_exact"
    assert body["size"] == 10 and "aggs" not in body  # no script-ordered aggregation


def test_alias_swap_is_one_atomic_action_list():
    assert alias_swap("a", "a-2", ["a-1"]) == [
        {"remove": {"index": "a-1", "alias": "a"}},
        {"add": {"index": "a-2", "alias": "a"}},
    ]
    assert alias_swap("a", "a-1", []) == [{"add": {"index": "a-1", "alias": "a"}}]


def test_name_tier_scores_closeness_like_the_sql_backend():
    body = search_body(SearchQuery(parse("施工许可"), ItemFilters(), exact="施工 许可"))
    _exact, tier, closeness = body["query"]["bool"]["should"]
    in_name = node_query(parse("施工许可"), "name")
    assert tier == {"constant_score": {"filter": in_name, "boost": NAME_MATCH_BOOST}}
    scored = closeness["function_score"]
    assert scored["query"] == {"constant_score": {"filter": in_name}}
    # NAME_CLOSENESS_BOOST * min(1, typed / len(name)); spaces do not count: typed is 4.
    (function,) = scored["functions"]
    assert function["field_value_factor"] == {
        "field": "name_length",
        "factor": 0.25,
        "modifier": "reciprocal",
    }
    assert function["weight"] == scored["max_boost"] == NAME_CLOSENESS_BOOST
    assert scored["boost_mode"] == "replace"


def test_completions_start_at_each_word_and_keep_names_apart():
    start, inside = completions("食品经营许可")
    assert start == {"input": ["食品经营许可 食品经营许可"], "weight": 2 * 10000 - 6}
    assert "经营许可 食品经营许可" in inside["input"]
    assert inside["weight"] < start["weight"]
    # Another name with the same word inside completes as itself, not as a duplicate.
    assert "经营许可 药品经营许可" in completions("药品经营许可")[1]["input"]


def test_names_complete_by_the_completion_field():
    body = completion_body("食品", 10)
    completion = body["suggest"]["names"]["completion"]
    assert body["suggest"]["names"]["prefix"] == "食品"
    assert completion == {"field": "suggest", "size": 40, "skip_duplicates": True}
    assert index_template("a")["template"]["mappings"]["properties"]["suggest"]["type"] == (
        "completion"
    )
