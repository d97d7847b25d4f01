"""The flowchart renderer: CJK wrapping, well-formed SVG whatever the text, stable bytes."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from exporters.flowchart import FONT_FAMILY, SVG_NS, render_svg, text_width, wrap
from qingdan_api.services.flowcharts import item_chart, item_svg, limit_text, process_key

SAMPLE = json.loads((Path(__file__).parents[1] / "fixtures" / "sample_record.json").read_text())
NS = {"svg": SVG_NS}


def test_cjk_text_wraps_within_the_width_and_keeps_punctuation_off_line_starts():
    text = "对申请材料进行审查，必要时现场核查；审查、决定分离。" * 3
    lines = wrap(text, 200, 13)
    assert "".join(lines) == text
    assert all(text_width(line, 13) <= 200 + 13 for line in lines)  # a hung mark at most
    assert all(line[0] not in "，。；、" for line in lines)
    assert len(lines) > 3


def test_latin_runs_stay_whole_when_they_fit():
    lines = wrap("网上投诉渠道：https://www.example.gov.cn/ts 电话 0759-12345", 260, 13)
    assert any("https://www.example.gov.cn/ts" in line for line in lines)
    assert any("0759-12345" in line for line in lines)


def test_item_chart_has_steps_outcomes_limits_and_supervision():
    svg = item_svg(SAMPLE)
    root = etree.fromstring(svg)
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root.get("font-family") == FONT_FAMILY and "Noto Sans CJK SC" in FONT_FAMILY
    texts = " ".join(t.text or "" for t in root.iterfind(".//svg:text", NS))
    for step in SAMPLE["process_steps"]:
        assert step["name"] in texts and step["post"] in texts
    assert "不予受理" in texts and "不予许可" in texts
    assert "法定办结时限：20个工作日（自受理之日起）" in texts
    assert "承诺办结时限：10个工作日" in texts
    assert "监督投诉电话：0759-12345" in texts
    assert root.find("svg:title", NS).text == "运行流程图：食品经营许可"
    assert "受理（不予受理）" in root.find("svg:desc", NS).text


def test_same_record_same_bytes():
    assert item_svg(SAMPLE) == item_svg(json.loads(json.dumps(SAMPLE)))
    changed = {**SAMPLE, "supervision_phone": "0759-99999"}
    assert item_svg(changed) != item_svg(SAMPLE)
    # Only the steps make the process: a new phone number keeps the common chart.
    assert process_key(changed) == process_key(SAMPLE)


def test_limits_in_words():
    assert limit_text({"amount": 20, "unit": "working_day", "note": None}) == "20个工作日"
    immediate = {"amount": None, "unit": "immediate", "note": "即来即办"}
    assert limit_text(immediate) == "即办（即来即办）"
    assert limit_text(None) is None


def test_a_record_without_optional_parts_still_charts():
    bare = {"name": "某事项", "process_steps": [{"seq": 1, "name": "办理"}]}
    root = etree.fromstring(render_svg(item_chart(bare)))
    assert root.find("svg:desc", NS).text == "办理"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "seq": st.integers(0, 99),
                "name": st.text(max_size=40),
                "post": st.one_of(st.none(), st.text(max_size=30)),
                "description": st.one_of(st.none(), st.text(max_size=120)),
                "outcomes": st.lists(st.text(max_size=20), max_size=4),
            }
        ),
        max_size=8,
    ),
    st.text(max_size=60),
)
def test_any_text_gives_well_formed_svg(steps, name):
    """Control characters, surrogates, markup: escaped or dropped, never a broken file."""
    svg = render_svg(item_chart({"name": name, "process_steps": steps}))
    root = etree.fromstring(svg)
    assert float(root.get("height")) > 0
