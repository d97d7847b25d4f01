"""`sql` backend: words in more documents than the cutoff match but are not scored."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from qingdan_api import create_app
from qingdan_api.search.common_terms import scoring_node, scoring_plan
from qingdan_api.search.documents import EXACT_NAME_BOOST
from qingdan_api.search.fts import Fts5Index
from qingdan_api.search.text import AllOf, AnyOf, Term
from tests import factories as f

from .conftest import search
from .dataset import UNITS, records

CUTOFF = 3  # QINGDAN_SEARCH_CUTOFF_FREQUENCY: the test city has more 许可 items than this
CAP = 3  # QINGDAN_SEARCH_MATCH_CAP, for the approximate answers
QUERIES = ["食品经营许可", "燃气经营许可证核发", "许可", "建筑工程施工许可", "排污 许可"]

A, B, C, D = (Term(word) for word in ("食品", "经营", "许可", "营业执照"))


def test_an_and_loses_its_common_terms():
    assert scoring_node(AllOf((A, B, C)), frozenset({B, C})) == A
    assert scoring_node(AllOf((A, B, C)), frozenset({C})) == AllOf((A, B))
    assert scoring_node(AllOf((A, B)), frozenset({A, B})) is None


def test_an_or_left_with_an_empty_branch_scores_by_its_remaining_terms():
    node = AllOf((AnyOf((D, AllOf((A, C)))), B))
    # (营业执照 OR (食品 AND 许可)) AND 经营, 许可 and 经营 common: the OR still constrains.
    assert scoring_node(node, frozenset({C, B})) == AnyOf((D, A))
    # 食品 and 许可 common: one branch matches anything, so its remaining terms are OR-ed.
    assert scoring_node(AnyOf((D, AllOf((A, C)))), frozenset({A, C})) == D
    assert scoring_node(AnyOf((A, B)), frozenset({A})) == B


def test_the_plan_leaves_nothing_out_below_the_cutoff():
    node = AllOf((A, B))
    assert scoring_plan(node, {A: 3, B: 2}, cutoff=3, budget=10) == (frozenset(), node)
    assert scoring_plan(node, {}, cutoff=3, budget=10) == (frozenset(), node)  # PostgreSQL


def test_the_plan_keeps_the_scoring_query_within_its_budget():
    node = AllOf((A, B, C))
    # 许可 is common; 食品 AND 经营 may match 5 documents: within a budget of 5.
    assert scoring_plan(node, {A: 5, B: 8, C: 99}, cutoff=10, budget=5) == (
        frozenset({C}),
        AllOf((A, B)),
    )
    # An OR of the two may match 13: over a budget of 10, its more frequent term goes too.
    either = AnyOf((A, B))
    assert scoring_plan(AllOf((either, C)), {A: 5, B: 8, C: 99}, cutoff=10, budget=10) == (
        frozenset({B, C}),
        A,
    )
    assert scoring_plan(node, {A: 11, B: 12, C: 99}, cutoff=10, budget=5) == (
        frozenset({A, B, C}),
        None,
    )


@pytest.fixture(scope="module")
def apps(database_url, tmp_path_factory):
    """One database searched four ways: (cutoff, cap) in {3, unbounded}²."""
    made = {}
    for cutoff in (CUTOFF, 10**9):
        for cap in (CAP, 10**9):
            made[cutoff, cap] = create_app(
                {
                    "QINGDAN_DATABASE_URL": database_url,
                    "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
                    "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
                    "QINGDAN_SEARCH_CUTOFF_FREQUENCY": cutoff,
                    "QINGDAN_SEARCH_MATCH_CAP": cap,
                }
            )
    with made[CUTOFF, CAP].extensions["qingdan"].session_factory() as session:
        f.load(session, UNITS, [{"history": [record]} for record in records()])
    yield made
    for app in made.values():
        app.extensions["qingdan"].engine.dispose()


def _all_codes(client, q: str, **filters) -> list[str]:
    """Every hit's code, in ranked order, walking the pages."""
    codes, page = [], search(client, q, limit=100, **filters)
    while True:
        codes += [item["code"] for item in page["items"]]
        if "next" not in page["batching"]:
            return codes
        page = client.get(page["batching"]["next"]).get_json()


@pytest.mark.parametrize("cap", [CAP, 10**9])
@pytest.mark.parametrize("q", QUERIES)
def test_common_words_still_decide_what_matches_and_counts(apps, q, cap):
    common, scored = (apps[cutoff, cap].test_client() for cutoff in (CUTOFF, 10**9))
    left_out, full = search(common, q, limit=100), search(scored, q, limit=100)
    assert left_out["items_total"] == full["items_total"] > 0
    assert left_out["approximate"] == full["approximate"]
    assert left_out["facets"] == full["facets"]
    assert sorted(_all_codes(common, q)) == sorted(_all_codes(scored, q))
    filtered = {"category": "penalty"}
    assert sorted(_all_codes(common, q, **filtered)) == sorted(_all_codes(scored, q, **filtered))


@pytest.mark.parametrize("cap", [CAP, 10**9])
def test_the_item_named_as_typed_still_comes_first(apps, cap):
    page = search(apps[CUTOFF, cap].test_client(), "食品经营许可")
    assert page["items"][0]["name"] == "食品经营许可"
    assert page["items"][0]["score"] >= EXACT_NAME_BOOST
    scores = [(-item["score"], item["code"]) for item in page["items"]]
    assert scores == sorted(scores)


def test_bm25_never_walks_a_common_word(apps, backend):
    """The cost this exists for: FTS5's bm25 reads every document of each phrase it scores."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's ts_rank reads no document frequencies")
    app = apps[CUTOFF, 10**9]
    scored_phrases = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "bm25(" in statement:
            scored_phrases.extend(p for p in parameters if isinstance(p, str))

    engine = app.extensions["qingdan"].engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        page = search(app.test_client(), "燃气经营许可证核发")
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert page["items_total"] > 0 and page["items"][0]["score"] > 0
    assert scored_phrases, "the rare words are still scored"
    assert not any('"许可"' in phrase or '"经营"' in phrase for phrase in scored_phrases)


def test_counting_a_word_stops_at_its_limit(apps, backend):
    if backend != "sqlite":
        pytest.skip("FTS5 only")
    with apps[CUTOFF, CAP].extensions["qingdan"].session_factory() as session:
        counts = Fts5Index().count_documents(session, [Term("许可"), Term("燃气")], CUTOFF + 1)
    assert counts[Term("许可")] == CUTOFF + 1
    assert 0 < counts[Term("燃气")] <= CUTOFF + 1
