"""`sql` backend: words matching more than the cap are answered from bounded candidates."""

from __future__ import annotations

import pytest

from qingdan_api import create_app
from qingdan_api.search.documents import EXACT_NAME_BOOST, NAME_MATCH_BOOST
from tests import factories as f
from tests.conftest import drop_database, make_database

from .conftest import search
from .dataset import UNITS, records

CAP = 3  # QINGDAN_SEARCH_MATCH_CAP: the test city has more than this many 许可 items


@pytest.fixture(scope="module")
def apps(backend, tmp_path_factory):
    """One database, searched with the cap and without it (the same index)."""
    url = make_database(backend, tmp_path_factory)
    made = []
    for cap in (CAP, 10**9):
        app = create_app(
            {
                "QINGDAN_DATABASE_URL": url,
                "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
                "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
                "QINGDAN_SEARCH_MATCH_CAP": cap,
            }
        )
        made.append(app)
    with made[0].extensions["qingdan"].session_factory() as session:
        f.load(session, UNITS, [{"history": [record]} for record in records()])
    yield [app.test_client() for app in made]
    for app in made:
        app.extensions["qingdan"].engine.dispose()
    drop_database(url)


def test_a_common_word_is_answered_approximately(apps):
    capped, exact = (search(client, "许可") for client in apps)
    assert exact["approximate"] is False and exact["items_total"] > 2 * CAP + 1
    assert capped["approximate"] is True
    # Counted over the candidates: at most cap matches + cap name matches + exact names.
    assert 0 < capped["items_total"] <= 2 * CAP + 1
    for values in capped["facets"].values():
        assert sum(v["count"] for v in values) <= capped["items_total"]
    assert len(capped["items"]) == min(25, capped["items_total"])


def test_the_item_named_as_typed_still_comes_first(apps):
    capped, exact = (search(client, "食品经营许可") for client in apps)
    assert capped["approximate"] is True
    assert capped["items"][0]["name"] == exact["items"][0]["name"] == "食品经营许可"
    # Its tiers hold even when it is not among the capped text matches (no text score).
    assert capped["items"][0]["score"] >= EXACT_NAME_BOOST + NAME_MATCH_BOOST


def test_paging_an_approximate_answer_walks_its_candidates_once(apps):
    client = apps[0]
    seen, page = [], search(client, "许可", limit=2)
    while True:
        seen += [(item["score"], item["code"]) for item in page["items"]]
        if "next" not in page["batching"]:
            break
        page = client.get(page["batching"]["next"]).get_json()
    assert len(seen) == len(set(seen)) == page["items_total"]
    assert seen == sorted(seen, key=lambda hit: (-hit[0], hit[1]))


def test_filtered_and_rare_searches_stay_exact(apps):
    capped, exact = (search(client, "许可", category="penalty") for client in apps)
    assert capped["approximate"] is exact["approximate"] is False
    assert capped["items_total"] == exact["items_total"]
    assert capped["facets"] == exact["facets"]
    rare = search(apps[0], "燃气经营许可证核发")
    assert rare["approximate"] is False
