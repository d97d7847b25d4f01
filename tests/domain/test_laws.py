"""Legal bases as references: article numbers in normal form, titles compared, ranks."""

from __future__ import annotations

import pytest

from qingdan_api.domain import laws
from qingdan_api.intake.legal import split_legal_basis


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第十二条", {"article": "12", "paragraph": None, "item": None}),
        ("第十二条第一款", {"article": "12", "paragraph": 1, "item": None}),
        ("第三十五条第二款第三项", {"article": "35", "paragraph": 2, "item": 3}),
        ("第十二条之一", {"article": "12-1", "paragraph": None, "item": None}),
        ("第一百零五条", {"article": "105", "paragraph": None, "item": None}),
        ("第一千二百六十条", {"article": "1260", "paragraph": None, "item": None}),
        ("第２０条", {"article": "20", "paragraph": None, "item": None}),
        ("第10条第2款", {"article": "10", "paragraph": 2, "item": None}),
    ],
)
def test_article_normal_form(text, expected):
    assert laws.parse_article(text) == expected


def test_same_article_cited_two_ways_is_the_same():
    one = laws.reference({"title": "中华人民共和国行政许可法", "article": "第十二条第一款"})
    two = laws.reference({"title": "《行政许可法（2019年修正）》", "article": "第12条第1款"})
    assert laws.article_key(one) == laws.article_key(two) == "行政许可法#12.1"


@pytest.mark.parametrize(
    ("title", "tag", "rank"),
    [
        ("中华人民共和国食品安全法", None, "法律"),
        ("食品生产许可管理办法", None, "部门规章"),
        ("广东省食品安全条例", None, "地方性法规"),
        ("危险化学品安全管理条例", None, "行政法规"),
        ("广州市城市道路管理办法", None, "地方政府规章"),
        ("某某办法", "规范性文件", "规范性文件"),
    ],
)
def test_rank(title, tag, rank):
    assert laws.infer_rank(title, tag) == rank


def test_a_real_block_becomes_references():
    block = (
        "【法律】《中华人民共和国食品安全法》（2021年修正）第三十五条第一款 国家对食品生产经营"
        "实行许可制度。；【行政法规】《中华人民共和国食品安全法实施条例》第十五条之一 ……"
    )
    refs = [laws.reference(e) for e in split_legal_basis(block)]
    assert [(r["law"], r["rank"], r["article"], r["paragraph"]) for r in refs] == [
        ("食品安全法", "法律", "35", 1),
        ("食品安全法实施条例", "行政法规", "15-1", None),
    ]
    assert laws.law_keys_column(split_legal_basis(block)) == "|食品安全法|食品安全法实施条例|"
