"""Every listing filter is translated by every backend, and means the same on each.

The filters come from `ItemFilters` itself, so a new filter fails here until both the SQL
and the Elasticsearch translations handle it. The semantic check runs @search on every
backend available here (Elasticsearch when QINGDAN_TEST_ES_URL is set) and compares it
with /items, which the SQL translation answers.
"""

from __future__ import annotations

from dataclasses import fields

import pytest

from qingdan_api.listings import elastic as es_filters
from qingdan_api.listings import sql as sql_filters
from qingdan_api.listings.filters import SEARCH_FILTERS, ItemFilters, parse_filters

from .conftest import search

INTERNAL = {"codes"}  # set by the server (one item's export), never by a client


def test_every_filter_has_a_sql_and_an_elasticsearch_translation():
    names = {f.name for f in fields(ItemFilters)}
    assert names <= sql_filters.HANDLED
    assert set(SEARCH_FILTERS) | INTERNAL <= set(es_filters.TRANSLATIONS)
    assert names - set(SEARCH_FILTERS) - INTERNAL == {"status", "at"}  # what search refuses
    for name in es_filters.TRANSLATIONS:
        assert name in names, name


@pytest.mark.parametrize("name", SEARCH_FILTERS)
def test_each_translation_restricts(name):
    example = {
        "unit": "11449901MB0000019M",
        "category": "01",
        "level": "3",
        "target": "2",
        "disposition": "retain",
        "region": "4499",
        "parent": "11449901MB0000019M3440111001000",
        "source": "0",
        "basic_code": "440111001000",
        "law": "《中华人民共和国行政许可法》（2019年修正）",
    }
    filters = parse_filters({name: [example[name]]})
    assert len(es_filters.filter_clauses(filters)) == 1
    unfiltered = str(sql_filters.filtered(ItemFilters()).compile())
    assert str(sql_filters.filtered(filters).compile()) != unfiltered


def test_search_refuses_what_its_index_does_not_hold():
    for filters in (ItemFilters(status="all"), parse_filters({"at": "2026-01-01"})):
        with pytest.raises(es_filters.UnsupportedFilter):
            es_filters.filter_clauses(filters)


def _codes_of_items(client, query: list[tuple[str, str]]) -> set[str]:
    codes, url = set(), "/api/items"
    params = [*query, ("limit", "200"), ("fields", "code")]
    while url:
        body = client.get(url, query_string=params).get_json()
        codes |= {item["code"] for item in body["items"]}
        url, params = body["batching"].get("next"), None
    return codes


def _codes_of_search(client, q: str, query: list[tuple[str, str]]) -> set[str]:
    codes, url, params = set(), "/api/@search", [("q", q), ("limit", "200"), *query]
    while url:
        response = client.get(url, query_string=params)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        codes |= {hit["code"] for hit in body["items"]}
        url, params = body["batching"].get("next"), None
    assert len(codes) == body["items_total"]
    return codes


def _examples(client, q: str) -> dict[str, list[list[str]]]:
    """Values of each filter taken from the hits' facets and records: one value, then two."""
    body = search(client, q, limit=40)
    facet = {name: [v["value"] for v in values] for name, values in body["facets"].items()}
    records = [client.get(f"/api/items/{hit['code']}").get_json() for hit in body["items"]]
    region = records[0]["region_code"]
    with_parent = next((r for r in records if r.get("parent_code")), None)
    cited = [b["title"] for r in records for b in r.get("legal_bases") or [] if b.get("title")]
    return {
        # A unit by credit code, by its 9-character organisation code alias, and both.
        "unit": [facet["unit"][:1], facet["unit"][:2], [facet["unit"][0][8:17], facet["unit"][1]]],
        "category": [facet["category"][:1], facet["category"][-2:]],
        "level": [facet["level"][:1], facet["level"][-2:]],
        "target": [facet["target"][-1:], facet["target"][:2]],
        "disposition": [[records[0]["disposition"]], ["retain", "delegate"]],
        "region": [[region[:2]], [region[:4]], [region], facet["region"][-2:]],
        "parent": [[with_parent["parent_code"]]] if with_parent else [],
        "source": [["0"], ["1"], ["0", "1"]],
        "basic_code": [[records[0]["code"][19:]], [r["code"][19:] for r in records[:3]]],
        "law": [cited[:1], [cited[0], "不存在的法"]],
    }


@pytest.mark.parametrize("q", ["许可", "处罚"])
def test_every_filter_means_on_search_what_it_means_on_items(client, q):
    everything = _codes_of_search(client, q, [])
    examples = _examples(client, q)
    assert set(examples) == set(SEARCH_FILTERS)
    for name, cases in examples.items():
        for values in cases:
            query = [(name, value) for value in values]
            expected = everything & _codes_of_items(client, query)
            assert _codes_of_search(client, q, query) == expected, (name, values)
