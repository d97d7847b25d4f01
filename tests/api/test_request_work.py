"""Python work per public request: no marshmallow schema is built while answering."""

from __future__ import annotations

import marshmallow
import pytest

from qingdan_api.api.blueprint import Blueprint
from qingdan_api.extension import BLUEPRINTS

from .conftest import UNIT_A

pytestmark = pytest.mark.usefixtures("dataset")

ITEM = f"{UNIT_A['credit_code']}3440111003000"
URLS = [
    f"/api/items?unit={UNIT_A['credit_code']}&limit=5&sort=-code",
    f"/api/items/{ITEM}",
    f"/api/items/{ITEM}/@versions",
    "/api/@search?q=许可&limit=5",
    "/api/@suggest?q=许可",
    "/api/units?limit=5",
    "/api/@changes?limit=5",
]


def test_every_api_blueprint_builds_its_argument_schemas_once():
    assert all(isinstance(blp, Blueprint) for blp in BLUEPRINTS)


@pytest.mark.parametrize("url", URLS)
def test_no_schema_is_instantiated_per_request(client, monkeypatch, url):
    """webargs instantiated every argument schema class per request (marshmallow deep-
    copies its fields): about a tenth of a page of 50 items (api/blueprint.py)."""
    assert client.get(url).status_code == 200  # first request: anything lazy is built
    built: list[str] = []
    init = marshmallow.Schema.__init__

    def counted(self, *args, **kwargs):
        built.append(type(self).__name__)
        init(self, *args, **kwargs)

    monkeypatch.setattr(marshmallow.Schema, "__init__", counted)
    assert client.get(url).status_code == 200
    assert built == []


def test_one_schema_instance_still_rejects_bad_input_each_time(client):
    for _ in range(2):
        answer = client.get("/api/items?limit=abc")
        assert answer.status_code == 400 and "limit" in str(answer.get_json()["errors"])
