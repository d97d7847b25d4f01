"""The one keyset pager: newest-first paging; malformed or forged cursors are 400s, never 500s."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select

from qingdan_api.listings.paging import Order, keyset_page
from qingdan_api.models import Release
from qingdan_api.services.errors import InvalidArgument
from tests import factories as f

NEWEST_FIRST = Order("-id", (Release.id,), descending=True)


def newest_first(session, query, column, *, limit, cursor):
    page = keyset_page(session, query, NEWEST_FIRST, limit=limit, cursor=cursor, backwards=False)
    return page.rows, page.next


def token(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_pages_newest_first_to_the_end(session):
    for n in range(5):
        session.add(Release(name=f"批次{n}", published_at=f.T0))
    session.flush()
    seen, cursor = [], None
    while True:
        rows, following = newest_first(session, select(Release), Release.id, limit=2, cursor=cursor)
        seen += [r.id for r in rows]
        if following is None:
            break
        cursor = following.encode()
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) >= 5
    session.rollback()


@pytest.mark.parametrize(
    "payload",
    [
        {"s": "-id", "d": "after", "k": ["x"]},
        {"s": "-id", "d": "after", "k": [None]},
        {"s": "-id", "d": "before", "k": [3]},
        {"s": "-id", "d": "after", "k": []},
        {"s": "-id", "d": "after", "k": [2**63]},  # beyond the column: PostgreSQL would fail
        {"s": "-id", "d": "after", "k": [2**31]},
        {"s": "-id", "d": "after", "k": [True]},
        {"s": "-id", "d": "after", "k": "12"},
        {"s": "-id", "d": "after", "k": [1, 2]},
    ],
)
def test_malformed_cursors_are_invalid_arguments(session, payload):
    with pytest.raises(InvalidArgument):
        newest_first(session, select(Release), Release.id, limit=2, cursor=token(payload))
    session.rollback()
