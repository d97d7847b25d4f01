"""Editorial fixtures: two units with a published item each, and a token per role."""

from __future__ import annotations

import pytest

from qingdan_api.services.auth import create_token
from tests import factories as f

UNIT_A = f.unit_data(21, name="临江市交通运输局")
UNIT_B = f.unit_data(22, name="临江市水务局")
# Published before the editors start: a merge target in A, and an item of B.
TARGET_A = f.record(UNIT_A, 900, name="道路运输经营许可")
ITEM_B = f.record(UNIT_B, 900, name="取水许可")

ROLES = {
    "editor": ("editor", UNIT_A),
    "other_editor": ("editor", UNIT_B),
    "reviewer": ("reviewer", None),
    "publisher": ("publisher", None),
    "admin": ("admin", None),
}


@pytest.fixture(scope="module")
def tokens(app) -> dict[str, dict[str, str]]:
    """Authorization headers by role name; also loads the units and published items."""
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, [UNIT_A, UNIT_B], [{"history": [TARGET_A]}, {"history": [ITEM_B]}])
        headers = {}
        for name, (role, unit) in ROLES.items():
            _, secret = create_token(
                session, role=role, name=name, unit_credit_code=unit and unit["credit_code"]
            )
            headers[name] = {"Authorization": f"Bearer {secret}"}
    return headers


class Desk:
    """A small client for the editorial API: remembers ETags, asserts statuses."""

    def __init__(self, client, tokens):
        self.client = client
        self.tokens = tokens

    def create(self, record: dict, role: str = "editor", status: int = 201):
        response = self.client.post("/api/items", json=record, headers=self.tokens[role])
        assert response.status_code == status, response.get_json()
        return response

    def draft(self, code: str, role: str = "editor") -> tuple[dict, str]:
        response = self.client.get(f"/api/items/{code}/@draft", headers=self.tokens[role])
        assert response.status_code == 200, response.get_json()
        return response.get_json(), response.headers["ETag"]

    def etag(self, code: str) -> str:
        return self.draft(code, "admin")[1]

    def patch(self, code: str, patch: dict, role: str = "editor", status: int = 200):
        headers = {**self.tokens[role], "If-Match": self.etag(code)}
        response = self.client.patch(f"/api/items/{code}", json=patch, headers=headers)
        assert response.status_code == status, response.get_json()
        return response

    def move(self, code: str, transition: str, role: str, status: int = 200, **body):
        headers = {**self.tokens[role], "If-Match": self.etag(code)}
        response = self.client.post(
            f"/api/items/{code}/@workflow/{transition}", json=body, headers=headers
        )
        assert response.status_code == status, response.get_json()
        return response.get_json()

    def to_notice(self, code: str, days: int = 0) -> None:
        """From draft (or returned) to on public notice."""
        self.move(code, "submit", "editor")
        self.move(code, "review", "reviewer")
        self.move(code, "approve", "reviewer")
        self.move(code, "notice", "reviewer", notice_days=days)

    def release(self, name: str, codes: list[str], status: int = 201):
        response = self.client.post(
            "/api/@releases", json={"name": name, "items": codes}, headers=self.tokens["publisher"]
        )
        assert response.status_code == status, response.get_json()
        return response.get_json()


@pytest.fixture
def desk(client, tokens) -> Desk:
    return Desk(client, tokens)


@pytest.fixture(autouse=True)
def _content(tokens) -> None:
    """Every editorial test sees the units and published items, whatever runs first."""
