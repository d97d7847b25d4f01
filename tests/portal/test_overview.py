"""The overview queries behind the portal's home and release pages agree with publishing."""

from __future__ import annotations

import pytest

from qingdan_api.services import overview, publishing
from qingdan_api.services.demo import load_demo


@pytest.fixture(scope="module")
def demo(app):
    with app.extensions["qingdan"].session_factory() as session:
        load_demo(session, total=300, seed=11)
    return app


def test_release_overview_matches_the_full_release(demo, session):
    page = overview.release_summaries(session, limit=100)
    assert page.total == len(page.rows) >= 3
    for summary in page.rows:
        full = publishing.get_release(session, summary.release.id)
        brief = overview.release_overview(session, summary.release.id, shown=5)
        assert brief.counts == full.counts
        for kind in ("added", "changed", "withdrawn"):
            assert summary.counts[kind] == len(getattr(full, kind))
            expected = [(e["code"], e["version"]) for e in getattr(full, kind)[:5]]
            assert [(e["code"], e["version"]) for e in getattr(brief, kind)] == expected


def test_unknown_release_is_not_found(demo, session):
    from qingdan_api.services.errors import NotFound

    with pytest.raises(NotFound):
        overview.release_overview(session, 987654)


def test_category_totals_add_up_the_units(demo, session):
    from qingdan_api.services import units

    summed: dict[str, int] = {}
    for summary in units.list_units(session, limit=500).rows:
        for category, n in summary.item_counts.items():
            summed[category] = summed.get(category, 0) + n
    assert overview.category_totals(session) == summed


def test_home_is_kept_until_something_is_published(demo, session):
    from tests import factories as f

    first = overview.home(session)
    assert overview.home(session) is first  # nothing changed: the same answer
    assert first.units_total == len(first.units) and sum(first.totals.values()) > 0
    unit = f.unit_data(77, name="临江市新设局")
    f.load(session, [unit], [{"history": [f.record(unit, 1, category="01")]}])
    after = overview.home(session)
    assert after is not first
    assert after.units_total == first.units_total + 1
    assert after.totals["01"] == first.totals.get("01", 0) + 1
    line = next(u for u in after.units if u.unit.credit_code == unit["credit_code"])
    assert line.item_counts == {"01": 1} and line.items_total == 1
