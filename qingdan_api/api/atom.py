"""Atom 1.0 rendering of recent changes, for people and their feed readers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lxml import etree

from exporters.xml_export import xml_text

from ..models import WITHDRAW, Change, ItemVersion, utcnow

ATOM = "http://www.w3.org/2005/Atom"
FEED_TITLE = "权力清单和责任清单：发布、调整与撤销"


def _sub(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    """A child element; text and attributes pass through xml_text, since stored text may
    hold characters XML forbids (stored before api/bodies.py refused them, or harvested)."""
    clean = {k: xml_text(v) for k, v in attrs.items() if v}
    element = etree.SubElement(parent, f"{{{ATOM}}}{tag}", clean)
    if text is not None:
        element.text = xml_text(text)
    return element


def _title(change: Change, version: ItemVersion) -> str:
    if change.operation == WITHDRAW:
        return f"撤销：{version.name}"
    if change.version == 1:
        return f"新增：{version.name}"
    return f"调整：{version.name}（第{change.version}版）"


def _summary(change: Change, version: ItemVersion) -> str:
    unit = (version.record.get("unit") or {}).get("name") or ""
    parts = [f"实施主体：{unit}", f"实施编码：{change.code}", f"版本：{change.version}"]
    reason = version.record.get("disposition_reason")
    if change.operation == WITHDRAW and reason:
        parts.append(f"撤销理由：{reason}")
    return "；".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def render_atom(
    rows: list[tuple[Change, ItemVersion]],
    *,
    feed_url: str,
    entry_url: Callable[[Change], str],
    version_url: Callable[[Change], str],
) -> bytes:
    """The feed document; entry ids are the feed URL that returns exactly that change."""
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "zh-CN")
    _sub(root, "id", feed_url)
    _sub(root, "title", FEED_TITLE)
    _sub(root, "updated", _stamp(rows[0][0].created_at if rows else utcnow()))
    _sub(root, "link", rel="self", href=feed_url, type="application/atom+xml")
    _sub(_sub(root, "author"), "name", "Qingdan")
    for change, version in rows:
        entry = _sub(root, "entry")
        _sub(entry, "id", entry_url(change))
        _sub(entry, "title", _title(change, version))
        _sub(entry, "updated", _stamp(change.created_at))
        if version.published_at:
            _sub(entry, "published", _stamp(version.published_at))
        _sub(entry, "link", rel="alternate", href=version_url(change), type="application/json")
        _sub(entry, "category", term=change.operation)
        _sub(entry, "summary", _summary(change, version))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
