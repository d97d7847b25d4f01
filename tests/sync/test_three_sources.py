"""Three city instances harvested into one provincial aggregator stay apart and complete."""

from __future__ import annotations

import random

import pytest

from qingdan_api.services.harvest import harvest
from tests import factories as f
from tests.sync import driver as d
from tests.sync.conftest import session_of

# Three cities: different regions, so unit credit codes (and item codes) differ.
CITIES = [("临江市", "449901"), ("平川市", "449902"), ("青山市", "449903")]


def _city_unit(region: str) -> dict:
    n = int(region[-1])
    return f.unit_data(n, name=f"{region}市场监管局", region_code=region)


@pytest.fixture(scope="module")
def cities(instances):
    rng = random.Random(6)
    made = []
    for name, region in CITIES:
        app = instances()
        unit = _city_unit(region)
        with session_of(app) as s:
            d.add_units_to(s, [unit])
            codes = [d.draft(s, unit, n) for n in range(1, rng.randint(4, 7))]
            d.publish_release(s, codes, f"{name}首批")
            d.withdraw(s, codes[0], "取消")
        made.append((name, region, app, unit, codes))
    return made


def test_three_sources_stay_apart_and_complete(cities, instances):
    aggregator = instances()
    factory = aggregator.extensions["qingdan"].session_factory
    with (
        d.serving(cities[0][2]) as u1,
        d.serving(cities[1][2]) as u2,
        d.serving(cities[2][2]) as u3,
    ):
        urls = [u1, u2, u3]
        for (name, _, _, _, _), url in zip(cities, urls, strict=True):
            assert harvest(factory, url, name=name, page_size=3).verified
        # Each city adjusts one item; harvest again, in another order.
        for name, _, app, _, codes in cities:
            with session_of(app) as s:
                d.adjust(s, codes[1], name=f"{name}调整")
                d.publish_release(s, [codes[1]], "调整")
        results = [harvest(factory, url, page_size=3) for url in reversed(urls)]
        assert all(r.verified and r.error is None for r in results)
    by_name = {r.name: r for r in results}
    with session_of(aggregator) as a:
        total = 0
        for name, _region, app, _, _ in cities:
            source_id = by_name[name].source_id
            with session_of(app) as s:
                assert d.public_set(a, source_id) == d.public_set(s)
            total += len(d.public_set(a, source_id))
        assert len(d.public_set(a)) == total  # nothing outside the three sources
    client = aggregator.test_client()
    sources = client.get("/api/@sources").get_json()["items"]
    assert sorted(s["name"] for s in sources) == sorted(c[0] for c in cities)
    for entry in sources:
        region = dict((n, r) for n, r, *_ in cities)[entry["name"]]
        assert entry["region_code"] == region and entry["healthy"] is True
        listed = client.get(entry["items"]).get_json()
        assert listed["items_total"] == entry["items_total"]
        assert {i["source"]["name"] for i in listed["items"]} == {entry["name"]}
    for _, region, _, unit, _ in cities:
        body = client.get(f"/api/items?region={region}&status=all").get_json()
        assert {i["unit"]["credit_code"] for i in body["items"]} == {unit["credit_code"]}
