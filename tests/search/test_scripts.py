"""Search folds Chinese scripts and widths, at index and query time, on every backend."""

from __future__ import annotations

import pytest

from qingdan_api.search.documents import build_document
from qingdan_api.search.text import normalize, parse, words
from tests.factories import SAMPLE

from .conftest import search
from .dataset import code_of

FOOD = code_of("食品经营许可")


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("食品經營許可", "食品经营许可"),
        ("行政處罰", "行政处罚"),
        ("營業執照", "营业执照"),
        ("食品经营许可", "食品经营许可"),
    ],
)
def test_traditional_queries_find_what_simplified_ones_find(client, typed, same_as):
    folded, simplified = search(client, typed, limit=50), search(client, same_as, limit=50)
    assert simplified["items_total"] > 0
    assert folded["items_total"] == simplified["items_total"]
    assert [h["code"] for h in folded["items"]] == [h["code"] for h in simplified["items"]]
    assert folded["q"] == typed  # the query is echoed as typed


def test_full_width_codes_and_letters_find_the_item(client):
    wide = FOOD.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert search(client, wide)["items"][0]["code"] == FOOD


def test_traditional_suggestions_complete_simplified_names(client):
    response = client.get("/api/@suggest", query_string={"q": "食品經"})
    assert response.status_code == 200
    assert any(s["name"].startswith("食品经") for s in response.get_json()["items"])


def test_index_terms_are_folded_too():
    traditional = {**SAMPLE, "name": "食品經營許可", "basis_text": "國家對食品生產經營實行許可制度"}
    simplified = {**SAMPLE, "name": "食品经营许可", "basis_text": "国家对食品生产经营实行许可制度"}
    a, b = build_document(1, 1, traditional), build_document(1, 1, simplified)
    assert a.fields == b.fields


def test_normalize_folds_width_script_and_case():
    assert normalize("ＡＢＣ１２３經營") == "abc123经营"
    assert words("食品經營許可") == words("食品经营许可")
    assert parse("食品經營許可") == parse("食品经营许可")
