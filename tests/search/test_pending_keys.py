"""New terms' keys wait in `search_pending_term_keys` and are merged in key order.

They are merged once they are as many as the merged ones (so that merging costs about as
much as the keys it adds) and whenever the indexer settles a catch-up; @suggest sees only
merged keys.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingdan_api.db import make_engine
from qingdan_api.models import SearchPendingTermKey, SearchTerm, SearchTermKey
from qingdan_api.search import suggestions
from qingdan_api.search.documents import Document


@pytest.fixture
def session(database_url):
    engine = make_engine(database_url)
    with Session(engine) as session:
        suggestions.clear(session)
        session.commit()
        yield session
        session.rollback()
        suggestions.clear(session)
        session.commit()
    engine.dispose()


def _document(item_id: int, name: str) -> Document:
    code = f"11440100MB00000{item_id:02d}X4440112001000"
    keys = tuple(suggestions.suffix_keys(name))
    return Document(item_id, item_id, code, {"codes": code.lower()}, {"name": name}, keys)


def _pending(session) -> int:
    return session.scalar(select(func.count()).select_from(SearchPendingTermKey))


def _suggested(session, typed: str) -> list[str]:
    return [s.name for s in suggestions.suggest(session, typed, 10)]


def test_a_new_term_is_suggested_once_settled(session):
    suggestions.write(session, [_document(1, "燃气经营许可"), _document(2, "燃气供应许可")], [])
    assert _pending(session) == 0  # nothing merged yet: as many pending as merged
    suggestions.write(session, [_document(3, "燃气设施改动许可")], [])
    assert _pending(session) == len(suggestions.suffix_keys("燃气设施改动许可"))
    assert "燃气设施改动许可" not in _suggested(session, "燃气")
    suggestions.merge(session, everything=True)
    assert _pending(session) == 0
    assert "燃气设施改动许可" in _suggested(session, "燃气")
    assert "燃气设施改动许可" in _suggested(session, "改动")  # a key from a word inside


def test_pending_keys_merge_once_as_many_as_merged(session):
    suggestions.write(session, [_document(1, "燃气经营许可"), _document(2, "燃气供应许可")], [])
    suggestions.write(session, [_document(3, "燃气设施改动许可")], [])
    assert _pending(session) > 0  # one new term against two merged
    suggestions.write(session, [_document(4, "燃气燃烧器具安装许可")], [])
    assert _pending(session) == 0  # two against two
    keys = session.scalars(select(SearchTermKey.key)).all()
    expected = [k for n in ("燃气经营许可", "燃气供应许可") for k in suggestions.suffix_keys(n)]
    expected += [
        k for n in ("燃气设施改动许可", "燃气燃烧器具安装许可") for k in suggestions.suffix_keys(n)
    ]
    assert sorted(keys) == sorted(expected)


def test_a_term_emptied_before_its_merge_leaves_no_keys(session):
    suggestions.write(session, [_document(1, "燃气经营许可"), _document(2, "燃气供应许可")], [])
    suggestions.write(session, [_document(3, "燃气设施改动许可")], [])
    suggestions.write(session, [_document(3, "燃气设施迁移许可")], [])  # renamed: term 3 is empty
    suggestions.write(session, [], [2])  # withdrawn: a merged term empties
    suggestions.merge(session, everything=True)
    terms = set(session.scalars(select(SearchTerm.term)))
    assert terms == {"燃气经营许可", "燃气设施迁移许可"}
    key_terms = set(session.scalars(select(SearchTermKey.term_id).distinct()))
    assert key_terms == set(session.scalars(select(SearchTerm.id)))
    assert _suggested(session, "燃气") == ["燃气经营许可", "燃气设施迁移许可"]


def test_bulk_writes_leave_every_new_key_pending_until_the_merge(session):
    """A sweep or a rebuild merges once, at its end, not each time the pending keys
    have doubled (see `suggestions.write`)."""
    names = ["燃气经营许可", "燃气供应许可", "燃气设施改动许可", "燃气燃烧器具安装许可"]
    for n, name in enumerate(names, start=1):
        suggestions.write(session, [_document(n, name)], [], bulk=True)
    assert _pending(session) == sum(len(suggestions.suffix_keys(n)) for n in names)
    assert _suggested(session, "燃气") == []
    suggestions.merge(session, everything=True)
    assert _pending(session) == 0
    assert sorted(_suggested(session, "燃气")) == sorted(names)
