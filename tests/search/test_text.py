"""Segmentation and query parsing: the same words at index and query time, nothing unsafe."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from qingdan_api.search.documents import build_document, suffix_keys
from qingdan_api.search.fts import fts5_expression, tsquery_expression, tsvector_literal
from qingdan_api.search.snippets import highlight, snippets
from qingdan_api.search.text import AllOf, AnyOf, Term, code_term, parse, terms_of, words
from tests.factories import SAMPLE

SAFE_TERM = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def test_search_mode_words_hold_long_words_and_their_parts():
    assert {"营业", "执照", "营业执照"} <= set(words("营业执照核发"))
    assert {"行政", "处罚", "行政处罚"} <= set(words("对无证排污的行政处罚"))
    assert "的" not in words("对无证排污的行政处罚")
    assert words("ＡＢＣ１２３") == ["abc123"]


def test_a_long_query_word_also_matches_its_parts():
    node = parse("行政处罚")
    assert node == AnyOf((Term("行政处罚"), AllOf((Term("行政"), Term("处罚")))))
    assert parse("处罚") == Term("处罚")


def test_code_like_input_is_also_a_code_prefix():
    assert parse("44011100") == AnyOf((Term("44011100", prefix=True, codes=True), Term("44011100")))
    node = parse("许可-00001")
    assert isinstance(node, AnyOf) and node.parts[0] == Term("许可00001", prefix=True, codes=True)
    assert code_term("许可-00757-001") == "许可00757001"


def test_autocomplete_makes_the_last_word_a_prefix():
    assert parse("食品经", prefix_last=True) == AllOf((Term("食品"), Term("经", prefix=True)))


def test_nothing_searchable_gives_none():
    for q in ("", "*", '"()"', "的", "\x00", "!!!"):
        assert parse(q) is None, q


@given(st.text(max_size=80))
def test_rendered_queries_hold_only_safe_terms(q):
    node = parse(q)
    if node is None:
        return
    assert all(SAFE_TERM.fullmatch(term) for term in terms_of(node))
    fts5 = fts5_expression(node)
    assert set(re.sub(r'"[^"]*"', "", fts5)) <= set("()* ANDORcodes:")
    tsquery = tsquery_expression(node)
    assert set(re.sub(r"'[^']*'", "", tsquery)) <= set("()*&| :B")


def test_documents_weigh_fields_apart():
    document = build_document(1, 2, SAMPLE)
    assert {"食品", "经营", "许可"} <= set(document.terms("name"))
    assert SAMPLE["code"].lower() in document.terms("codes")
    codes = document.terms("codes")
    assert "440112001000" in codes and "许可00001000" in codes
    assert {"中华人民共和国", "安全法", "临江市", "管理局"} <= set(document.terms("titles"))
    assert "许可制度" in "".join(document.terms("body"))  # legal basis text
    # Each field's terms travel as one string, split back on the writer's side.
    assert all(document.fields[f] == " ".join(document.terms(f)) for f in document.fields)
    # The suggestion term's keys come segmented with the document.
    assert document.term_keys == tuple(suffix_keys(SAMPLE["name"])) and document.term_keys
    literal = tsvector_literal(document)
    assert literal.startswith("'食品':1A")
    assert "'440112001000':5B" in literal and "'行政复议'" not in literal


def test_snippets_escape_html_and_cut_a_window():
    pattern = re.compile("许可")
    assert highlight("<b>许可</b>", pattern) == "&lt;b&gt;<mark>许可</mark>&lt;/b&gt;"
    record = {"name": "无关", "remarks": "前" * 100 + "许可" + "后" * 100}
    text = snippets(record, {"许可"})["text"]
    assert text.startswith("…") and text.endswith("…") and "<mark>许可</mark>" in text
    assert len(text) < 120
