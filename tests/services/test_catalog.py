"""Catalog reads: remembered counts follow every publication."""

from __future__ import annotations

from qingdan_api.services import catalog
from qingdan_api.services.loading import BulkLoader, Publication, add_units
from tests import factories as f


def test_counts_follow_publications(session):
    unit = f.unit_data(31, sector="31")
    ids = add_units(session, [unit])
    filters = catalog.ItemFilters(unit=(unit["credit_code"],))

    def total() -> int:
        return catalog.list_items(session, filters, limit=1).total

    loader = BulkLoader(session, ids)
    loader.add([Publication(f.record(unit, 1), f.T0)])
    loader.finish()
    session.commit()
    assert total() == 1
    assert total() == 1  # remembered

    loader = BulkLoader(session, ids)
    loader.add([Publication(f.record(unit, 2), f.T0)])
    loader.add([], working=f.record(unit, 3), state="draft")
    loader.finish()
    session.commit()
    assert total() == 2
    assert catalog.list_items(session, catalog.ItemFilters(category=("02",)), limit=1).total == 0
