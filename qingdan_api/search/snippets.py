"""Highlighted snippets, cut from the stored record in Python so every backend agrees."""

from __future__ import annotations

import html
import re
from typing import Any

from .documents import field_texts
from .text import normalize

SNIPPET_CHARS = 80
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"


def _pattern(terms: set[str]) -> re.Pattern[str] | None:
    # Longest first, so 营业执照 is marked whole rather than as 营业 + 执照.
    alternatives = sorted((t for t in terms if t), key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile("|".join(re.escape(t) for t in alternatives))


def highlight(text: str, pattern: re.Pattern[str]) -> str:
    """`text`, HTML-escaped, with every match of `pattern` wrapped in <mark>."""
    out, last = [], 0
    # NFKC keeps CJK text the same length, so offsets in the folded text fit the original;
    # the rare string it changes in length is searched as is.
    folded = normalize(text)
    haystack = folded if len(folded) == len(text) else text
    for match in pattern.finditer(haystack):
        out.append(html.escape(text[last : match.start()]))
        out.append(MARK_OPEN + html.escape(text[match.start() : match.end()]) + MARK_CLOSE)
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def snippets(record: dict[str, Any], terms: set[str]) -> dict[str, str]:
    """{"name": highlighted name, "text": the best highlighted passage elsewhere, if any}."""
    pattern = _pattern(terms)
    name = record.get("name") or ""
    if pattern is None:
        return {"name": html.escape(name)}
    result = {"name": highlight(name, pattern)}
    texts = field_texts(record)
    best: tuple[int, str] | None = None
    for field in ("name", "titles", "body"):
        for text in texts[field]:
            if not text or text == name:
                continue
            hits = {m.group(0) for m in pattern.finditer(normalize(text))}
            if hits and (best is None or len(hits) > best[0]):
                best = (len(hits), text)
    if best is not None:
        result["text"] = highlight(_window(best[1], pattern), pattern)
    return result


def _window(text: str, pattern: re.Pattern[str]) -> str:
    """At most SNIPPET_CHARS characters of `text` around its first match."""
    if len(text) <= SNIPPET_CHARS:
        return text
    match = pattern.search(normalize(text))
    start = max(0, (match.start() if match else 0) - SNIPPET_CHARS // 4)
    end = min(len(text), start + SNIPPET_CHARS)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
