"""The demo relevance set (relevance_demo.json): citizens' queries on the demo city."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qingdan_api.services.demo import load_demo

from .conftest import search

RELEVANCE = json.loads((Path(__file__).parent / "relevance_demo.json").read_text())["queries"]
DEMO_ITEMS = 3000
DEMO_SEED = 2026  # what `qingdan demo` serves


@pytest.fixture(scope="module")
def demo_client(app):
    """The demo city, loaded once per backend; its commit triggers indexing."""
    state = app.extensions["qingdan"]
    with state.session_factory() as session:
        load_demo(session, total=DEMO_ITEMS, seed=DEMO_SEED)
    state.search.catch_up()  # a no-op unless the after-commit catch-up failed
    assert state.search.status().lag == 0
    return app.test_client()


def test_demo_relevance_set_is_big_enough():
    assert len(RELEVANCE) >= 30
    assert {case["match"] for case in RELEVANCE} <= {"all", "any"}


def _passes(case: dict, hits: list[dict]) -> bool:
    names = [hit["name"] for hit in hits]
    found = [name in names for name in case["names"]]
    codes = [hit["code"] for hit in hits]
    return (all(found) if case["match"] == "all" else any(found)) and all(
        code in codes for code in case.get("codes", [])
    )


def test_every_demo_query_ranks_its_items_on_top(demo_client):
    failures = []
    for case in RELEVANCE:
        hits = search(demo_client, case["q"], limit=case["top"])["items"]
        if not _passes(case, hits):
            failures.append((case["q"], case["names"], [(h["code"], h["name"]) for h in hits]))
    assert failures == []
