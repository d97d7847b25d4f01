"""The `sql` backend's suggestion terms, adjusted batch by batch, equal a full re-count."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from qingdan_api import create_app
from qingdan_api.models import SearchCodeKey, SearchPendingTermKey, SearchTerm, SearchTermKey
from qingdan_api.search import suggestions
from tests import factories as f
from tests.conftest import drop_database, make_database

from .test_contract import _publish

SHARED = "燃气经营许可证核发"  # one name, published by several units


@pytest.fixture
def app(backend, tmp_path_factory):
    url = make_database(backend, tmp_path_factory)
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
        }
    )
    units = [f.unit_data(n) for n in range(1, 5)]
    items = [
        {"history": [f.record(unit, seq, name=SHARED if seq < 3 else f"测试事项{n}{seq}")]}
        for n, unit in enumerate(units)
        for seq in range(1, 5)
    ]
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, units, items)
    yield app
    app.extensions["qingdan"].engine.dispose()
    drop_database(url)


def name_rows(session) -> set[tuple]:
    """Every key of every term, with the term's count and least code; none pending, and
    no key or code key of a term that is gone."""
    assert not session.scalar(select(func.count()).select_from(SearchPendingTermKey))
    for table in (SearchTermKey, SearchCodeKey):
        assert not session.scalar(
            select(func.count())
            .select_from(table)
            .where(table.term_id.not_in(select(SearchTerm.id)))
        )
    return set(
        session.execute(
            select(
                SearchTermKey.key,
                SearchTerm.term,
                SearchTerm.code,
                SearchTermKey.start,
                SearchTerm.count,
            ).join_from(SearchTermKey, SearchTerm, SearchTerm.id == SearchTermKey.term_id)
        ).all()
    )


def recounted(session) -> set[tuple]:
    """The name rows as a full re-count of the code keys makes them."""
    counts = session.execute(
        select(
            SearchTerm.term,
            func.count(SearchCodeKey.item_id.distinct()),
            func.min(SearchCodeKey.code),
        )
        .join_from(SearchCodeKey, SearchTerm, SearchTerm.id == SearchCodeKey.term_id)
        .group_by(SearchTerm.term)
    ).all()
    return {
        (key, term, code, i == 0, count)
        for term, count, code in counts
        for i, key in enumerate(suggestions.suffix_keys(term))
    }


def codes_of(session, name: str) -> list[str]:
    return session.scalars(
        select(SearchCodeKey.code)
        .join_from(SearchCodeKey, SearchTerm, SearchTerm.id == SearchCodeKey.term_id)
        .where(SearchTerm.term == name)
        .distinct()
        .order_by(SearchCodeKey.code)
    ).all()


def test_counts_and_codes_follow_publications(app):
    factory = app.extensions["qingdan"].session_factory
    with factory() as session:
        assert name_rows(session) == recounted(session)
        shared = session.scalar(select(SearchTerm.count).where(SearchTerm.term == SHARED))
        assert shared == 8
        first = codes_of(session, SHARED)[0]
        steps = [
            (first, {"remarks": "再次公布"}),  # same name: nothing moves
            (first, {"name": "管道燃气特许经营许可"}),  # the least code leaves the term
            (first, {"name": SHARED}),  # and comes back
            (first, {"disposition": "cancel", "disposition_reason": "取消"}),  # withdrawn
        ]
        for code, changes in steps:
            _publish(session, code, **changes)
            assert name_rows(session) == recounted(session), changes
        for code in codes_of(session, SHARED):  # every carrier renamed away: the term goes
            _publish(session, code, name="改名事项")
        assert name_rows(session) == recounted(session)
        assert not session.scalar(select(func.count()).where(SearchTerm.term == SHARED))


def test_rebuild_makes_the_same_rows(app):
    state = app.extensions["qingdan"]
    with state.session_factory() as session:
        _publish(session, codes_of(session, SHARED)[0], name="管道燃气特许经营许可")
        before = name_rows(session)
    state.search.reindex()
    with state.session_factory() as session:
        assert name_rows(session) == before == recounted(session)
