"""The relevance set (relevance.json): realistic queries find the right items first."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import search

RELEVANCE = json.loads((Path(__file__).parent / "relevance.json").read_text())["queries"]


def test_relevance_set_is_big_enough():
    assert len(RELEVANCE) >= 30


def test_every_query_ranks_its_items_on_top(client):
    failures = []
    for case in RELEVANCE:
        top = [hit["code"] for hit in search(client, case["q"], limit=case["top"])["items"]]
        found = [code in top for code in case["codes"]]
        if not (all(found) if case["match"] == "all" else any(found)):
            failures.append((case["q"], case["names"], top))
    assert failures == []
