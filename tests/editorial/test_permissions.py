"""Every role against every write (and staff-only read) endpoint.

Permissions are checked before anything else, so a permitted caller gets the status of
the next check instead: 428 for a write without If-Match, 422 for an empty body, 200
for a read. That makes each cell of the matrix one cheap request.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from qingdan_api.services.auth import create_token, revoke_token
from qingdan_api.services.workflow import TRANSITIONS

from .conftest import ITEM_B, TARGET_A, UNIT_A

A = TARGET_A["code"]
UNIT = UNIT_A["credit_code"]
ROLES = ("anonymous", "editor", "other_editor", "reviewer", "publisher", "admin")


def _row(anonymous, editor, other_editor, reviewer, publisher, admin):
    return dict(
        zip(ROLES, (anonymous, editor, other_editor, reviewer, publisher, admin), strict=True)
    )


EDIT = _row(401, 428, 403, 403, 403, 428)
TRANSITION_ROWS = {
    "submit": EDIT,
    "retract": EDIT,
    "review": _row(401, 403, 403, 428, 403, 428),
    "return": _row(401, 403, 403, 428, 403, 428),
    "approve": _row(401, 403, 403, 428, 403, 428),
    "notice": _row(401, 403, 403, 428, 428, 428),
    "publish": _row(401, 403, 403, 403, 428, 428),
    "withdraw": _row(401, 403, 403, 403, 428, 428),
}
STAFF_READ = _row(401, 200, 403, 200, 200, 200)

MATRIX = [
    ("POST", "/api/items", {"unit": {"credit_code": UNIT}}, _row(401, 422, 403, 403, 403, 422)),
    ("PUT", f"/api/items/{A}", {}, EDIT),
    ("PATCH", f"/api/items/{A}", {}, EDIT),
    ("POST", f"/api/items/{A}/@disposition", {}, EDIT),
    ("POST", f"/api/units/{UNIT}/@zero-report", {}, _row(401, 422, 403, 403, 403, 422)),
    *[
        ("POST", f"/api/items/{A}/@workflow/{name}", {}, TRANSITION_ROWS[name])
        for name in TRANSITIONS
    ],
    ("POST", "/api/@releases", {}, _row(401, 403, 403, 403, 422, 422)),
    ("GET", f"/api/items/{A}/@draft", None, STAFF_READ),
    ("GET", f"/api/items/{A}/@workflow", None, STAFF_READ),
    ("GET", f"/api/@notices/{A}/comments", None, _row(401, 403, 403, 200, 403, 200)),
    ("GET", "/api/@audit", None, _row(401, 403, 403, 403, 403, 200)),
]


def test_the_matrix_covers_every_transition():
    assert set(TRANSITION_ROWS) == set(TRANSITIONS)


@pytest.mark.parametrize(("method", "url", "body", "expected"), MATRIX, ids=lambda v: str(v)[:40])
def test_permission_matrix(client, tokens, method, url, body, expected):
    seen = {}
    for role in ROLES:
        headers = tokens.get(role, {})
        response = client.open(url, method=method, json=body, headers=headers)
        seen[role] = response.status_code
        if response.status_code >= 400:
            envelope = response.get_json()
            assert envelope["code"] == response.status_code, envelope
    assert seen == expected


def test_editor_cannot_read_another_units_draft(client, tokens):
    response = client.get(f"/api/items/{ITEM_B['code']}/@draft", headers=tokens["editor"])
    assert response.status_code == 403


def test_bad_revoked_and_expired_tokens_are_401(client, tokens, session):
    url = f"/api/items/{A}/@draft"
    for header in ("Bearer nope", "Basic abc", "Bearer "):
        response = client.get(url, headers={"Authorization": header})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    row, secret = create_token(session, role="admin", name="temp")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get(url, headers=bearer).status_code == 200
    revoke_token(session, row.id)
    assert client.get(url, headers=bearer).status_code == 401
    _, old = create_token(
        session, role="admin", name="old", expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert client.get(url, headers={"Authorization": f"Bearer {old}"}).status_code == 401


def test_tokens_are_stored_only_as_hashes(session):
    from qingdan_api.models import ApiToken

    _, secret = create_token(session, role="reviewer", name="hash-check")
    stored = session.query(ApiToken).filter_by(name="hash-check").one()
    assert secret not in (stored.token_hash, stored.name) and len(stored.token_hash) == 64
