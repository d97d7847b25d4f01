"""运行流程图: a process flowchart as SVG, laid out in pure Python (no Flask, no SQLAlchemy).

Input is a plain chart dict (see `render_svg`); output is deterministic UTF-8 SVG bytes:
the same chart always gives the same bytes, so HTTP ETags and dump checksums hold.

Why no graph-layout library: the process of a power item is a chain (step 1 → 2 → …) whose
steps may end in side outcomes (不予受理, 补正材料 …) that never rejoin the chain. That
graph has one layout without crossings: the chain in a column, each step's outcomes beside
it. A general layered layout (Graphviz dot) would find the same picture at the cost of a
system package at run time, and would measure CJK text with fonts it may not have. Here
text is measured by East Asian width (CJK glyphs are one em, Latin about half), wrapped
greedily with the usual line-breaking rule that closing punctuation never starts a line.
The document is built with lxml, so any text is escaped and the output is well-formed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"
MEDIA_TYPE = "image/svg+xml"
# CJK faces first (Windows, macOS, Linux, Android), then the generic family.
FONT_FAMILY = (
    "'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','PingFang SC',"
    "'Hiragino Sans GB','Microsoft YaHei','WenQuanYi Micro Hei','WenQuanYi Zen Hei',sans-serif"
)

WIDTH = 720
MARGIN = 24
MAIN_X, MAIN_W = MARGIN, 420  # the chain of steps
SIDE_X = MAIN_X + MAIN_W + 44  # the outcome branches, beside their step
SIDE_W = WIDTH - MARGIN - SIDE_X
PAD = 10
GAP = 30  # vertical space between two boxes of the chain (holds the arrow)
LINE = 1.4  # line height, in ems
# Characters that may not start a line (GB/T 15834 and common practice).
NO_LINE_START = set("，。、；：？！）》」』】〕〉”’…—·,.;:?!)]}%")
XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

COLORS = {
    "ink": "#1a1a1a",
    "muted": "#555",
    "step_fill": "#eef4fb",
    "step_line": "#1f5aa6",
    "term_fill": "#1f5aa6",
    "out_fill": "#fdf1f0",
    "out_line": "#b3261e",
    "foot_fill": "#f6f6f6",
}


def clean(text: Any) -> str:
    """Text safe for XML 1.0: control characters and lone surrogates removed."""
    return XML_UNSAFE.sub("", "" if text is None else str(text)).strip()


@functools.lru_cache(maxsize=8192)
def char_width(ch: str) -> float:
    """Advance of one character in ems: wide and fullwidth (CJK) 1, others about 0.55."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if unicodedata.combining(ch):
        return 0.0
    return 0.55


def text_width(text: str, size: float) -> float:
    """Estimated width of `text` in pixels at font size `size`."""
    return sum(char_width(ch) for ch in text) * size


def wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of `text` no wider than `width` px at `size` (closing punctuation stays put).

    Breaks between any two CJK characters; a run of Latin letters or digits is kept whole
    when it fits on a line. An empty text gives no lines.
    """
    text = clean(text)
    if not text:
        return []
    tokens = re.findall(r"[A-Za-z0-9@._/:\-%+]+|\s+|.", text)
    lines: list[str] = []
    current, used = "", 0.0

    def add(piece: str, advance: float) -> None:
        nonlocal current, used
        if used + advance > width and current.strip():
            lines.append(current.rstrip())
            current, used = "", 0.0
        current, used = current + piece, used + advance

    for token in tokens:
        advance = text_width(token, size)
        if token.isspace():
            if current:
                current, used = current + " ", used + advance
        elif used + advance > width and current.strip() and token in NO_LINE_START:
            # Hang the punctuation at the end of the line rather than start one with it.
            current, used = current + token, used + advance
        elif advance > width:  # a Latin run longer than a line: cut it by characters
            for ch in token:
                add(ch, text_width(ch, size))
        else:
            add(token, advance)
    if current.strip():
        lines.append(current.rstrip())
    return lines


@dataclass
class _Block:
    """Wrapped lines of one box: (text, font size, weight, colour) each."""

    lines: list[tuple[str, float, str, str]]
    min_height: float = 0.0

    @property
    def height(self) -> float:
        return max(sum(size * LINE for _, size, _, _ in self.lines) + 2 * PAD, self.min_height)


def _block(parts: list[tuple[str, float, str, str]], width: float) -> _Block:
    lines = []
    for text, size, weight, color in parts:
        for line in wrap(text, width - 2 * PAD, size):
            lines.append((line, size, weight, color))
    return _Block(lines)


def _f(value: float) -> str:
    """Coordinates with at most one decimal, so output is stable and small."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Canvas:
    def __init__(self) -> None:
        self.root = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS})
        self.body = etree.Element(f"{{{SVG_NS}}}g")

    def el(self, tag: str, parent=None, text: str | None = None, **attrs) -> etree._Element:
        node = etree.SubElement(self.body if parent is None else parent, f"{{{SVG_NS}}}{tag}")
        for key, value in attrs.items():
            node.set(key.rstrip("_").replace("_", "-"), value)
        if text is not None:
            node.text = text
        return node

    def box(self, x, y, w, block: _Block, fill, stroke, *, rx=6, dashed=False, center=False):
        attrs = {"fill": fill, "stroke": stroke, "stroke_width": "1.5"}
        if dashed:
            attrs["stroke_dasharray"] = "5 3"
        self.el("rect", x=_f(x), y=_f(y), width=_f(w), height=_f(block.height), rx=str(rx), **attrs)
        cursor = y + PAD
        for text, size, weight, color in block.lines:
            cursor += size * LINE
            baseline = cursor - size * (LINE - 1) / 2 - size * 0.18
            attrs = {"font_size": _f(size), "fill": color}
            if weight != "normal":
                attrs["font_weight"] = weight
            if center:
                attrs["text_anchor"] = "middle"
                self.el("text", text=text, x=_f(x + w / 2), y=_f(baseline), **attrs)
            else:
                self.el("text", text=text, x=_f(x + PAD), y=_f(baseline), **attrs)

    def arrow(self, x1, y1, x2, y2, color, dashed=False):
        attrs = {"stroke": color, "stroke_width": "1.5", "marker_end": f"url(#{_marker(color)})"}
        if dashed:
            attrs["stroke_dasharray"] = "5 3"
        self.el("line", x1=_f(x1), y1=_f(y1), x2=_f(x2), y2=_f(y2), **attrs)


def _marker(color: str) -> str:
    return "qd-arrow-" + color.lstrip("#")


def _step_block(step: dict[str, Any]) -> _Block:
    c = COLORS
    title = f"{step.get('seq', '')}．{clean(step.get('name'))}".lstrip("．")
    parts = [(title, 15, "bold", c["ink"])]
    who = "，".join(p for p in (clean(step.get("office")), clean(step.get("post"))) if p)
    if who:
        parts.append((f"承办：{who}", 13, "normal", c["ink"]))
    if clean(step.get("time_limit")):
        parts.append((f"时限：{clean(step['time_limit'])}", 13, "normal", c["ink"]))
    if clean(step.get("description")):
        parts.append((clean(step["description"]), 12, "normal", c["muted"]))
    return _block(parts, MAIN_W)


def render_svg(chart: dict[str, Any]) -> bytes:
    """SVG bytes of `chart`: {"title": str, "subtitle": str, "steps": [{seq, name, office,

    post, time_limit, description, outcomes: [str]}], "foot": [str]} (every key optional
    but "steps"). The chart reads top to bottom: 开始, the steps with their outcome
    branches to the right, 办结, then the foot lines (time limits, supervision).
    """
    c = COLORS
    canvas = _Canvas()
    y = float(MARGIN)
    heading = _block(
        [
            (clean(chart.get("title")), 18, "bold", c["ink"]),
            (clean(chart.get("subtitle")), 13, "normal", c["muted"]),
        ],
        WIDTH - 2 * MARGIN + 2 * PAD,
    )
    for text, size, weight, color in heading.lines:
        y += size * LINE
        attrs = {"font_size": _f(size), "fill": color}
        if weight != "normal":
            attrs["font_weight"] = weight
        canvas.el("text", text=text, x=_f(MARGIN), y=_f(y - size * 0.3), **attrs)
    y += 16

    center = MAIN_X + MAIN_W / 2
    term_w = 120
    start = _block([("开始", 14, "bold", "#fff")], term_w)
    canvas.box(center - term_w / 2, y, term_w, start, c["term_fill"], c["term_fill"], rx=18,
               center=True)  # fmt: skip
    y += start.height
    for step in chart["steps"]:
        canvas.arrow(center, y, center, y + GAP - 2, c["step_line"])
        y += GAP
        block = _step_block(step)
        outcomes = [
            _block([(clean(o), 13, "normal", c["out_line"])], SIDE_W)
            for o in step.get("outcomes") or []
            if clean(o)
        ]
        side_height = sum(o.height for o in outcomes) + 8 * max(len(outcomes) - 1, 0)
        # The step box is as tall as its outcomes, so every branch leaves it horizontally.
        block.min_height = side_height
        canvas.box(MAIN_X, y, MAIN_W, block, c["step_fill"], c["step_line"])
        oy = y
        for outcome in outcomes:
            mid = oy + outcome.height / 2
            canvas.arrow(MAIN_X + MAIN_W, mid, SIDE_X - 2, mid, c["out_line"], dashed=True)
            canvas.box(SIDE_X, oy, SIDE_W, outcome, c["out_fill"], c["out_line"], dashed=True)
            oy += outcome.height + 8
        y += block.height
    canvas.arrow(center, y, center, y + GAP - 2, c["step_line"])
    y += GAP
    end = _block([("办结", 14, "bold", "#fff")], term_w)
    canvas.box(center - term_w / 2, y, term_w, end, c["term_fill"], c["term_fill"], rx=18,
               center=True)  # fmt: skip
    y += end.height

    foot_lines = [clean(line) for line in chart.get("foot") or [] if clean(line)]
    if foot_lines:
        y += 20
        foot = _block([(line, 13, "normal", c["ink"]) for line in foot_lines], WIDTH - 2 * MARGIN)
        canvas.box(MARGIN, y, WIDTH - 2 * MARGIN, foot, c["foot_fill"], "#bbb", rx=4)
        y += foot.height
    height = y + MARGIN
    return _document(canvas, chart, height)


def _document(canvas: _Canvas, chart: dict[str, Any], height: float) -> bytes:
    c = COLORS
    root = canvas.root
    for key, value in (
        ("width", str(WIDTH)),
        ("height", _f(height)),
        ("viewBox", f"0 0 {WIDTH} {_f(height)}"),
        ("role", "img"),
        ("aria-labelledby", "qd-title qd-desc"),
        ("font-family", FONT_FAMILY),
    ):
        root.set(key, value)
    title = etree.SubElement(root, f"{{{SVG_NS}}}title", id="qd-title")
    title.text = "运行流程图：" + clean(chart.get("title"))
    desc = etree.SubElement(root, f"{{{SVG_NS}}}desc", id="qd-desc")
    desc.text = " → ".join(
        clean(s.get("name"))
        + ("（" + "、".join(clean(o) for o in s["outcomes"]) + "）" if s.get("outcomes") else "")
        for s in chart["steps"]
    )
    defs = etree.SubElement(root, f"{{{SVG_NS}}}defs")
    for color in (c["step_line"], c["out_line"]):
        marker = etree.SubElement(
            defs,
            f"{{{SVG_NS}}}marker",
            id=_marker(color),
            viewBox="0 0 10 10",
            refX="9",
            refY="5",
            markerWidth="8",
            markerHeight="8",
            orient="auto",
        )
        etree.SubElement(marker, f"{{{SVG_NS}}}path", d="M0,0 L10,5 L0,10 z", fill=color)
    etree.SubElement(
        root, f"{{{SVG_NS}}}rect", width="100%", height="100%", fill="#fff"
    )  # opaque, so the chart reads the same on a dark page
    root.append(canvas.body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
