"""Split a legal-basis block, as real portals publish it, into legal-basis entries.

Real sources write the legal basis as one block: several laws, each maybe with a rank
tag (【法律】【行政法规】【地方性法规】【规章】…), a revision note in brackets, one or
more articles and their text. Each entry becomes {title, article, text}: the title is
the name in 《》, the article the first article reference after it (`第十二条`, `第三十五条第二款`),
and the text is the entry's own words verbatim (rank tag and revision note included),
so nothing of the original is lost.
"""

from __future__ import annotations

import re

_NUM = "0-9零〇一二三四五六七八九十百千"
ARTICLE = re.compile(
    rf"第[{_NUM}]+条(?:之[{_NUM}]+)?(?:第[{_NUM}]+款)?(?:第[{_NUM}]+项)?"
    rf"(?:[、和及至][第]?[{_NUM}]+条(?:第[{_NUM}]+款)?(?:第[{_NUM}]+项)?)*"
)
_RANK = re.compile(r"【[^【】]{1,12}】")
_TITLE = re.compile(r"《([^《》]{1,200})》")
# What may stand between an entry boundary and the 《 that opens the next entry:
# whitespace and list numbering such as `1.` `2、` `（三）` `③`.
_NUMBERING = re.compile(
    r"[ \t　]*(?:[0-9]+[.、．)）]|[（(][一二三四五六七八九十0-9]+[）)]|[①-⑳])?[ \t　]*$"
)
_BOUNDARY = set("；;。\n")


def _starts(block: str) -> list[int]:
    starts = []
    for match in re.finditer(r"【|《", block):
        at = match.start()
        if block[at] == "【":
            if _RANK.match(block, at):
                starts.append(at)
            continue
        before = block[:at]
        if before.rstrip().endswith("】"):
            continue  # the title right after a rank tag belongs to that tag's entry
        head = _NUMBERING.search(before)
        rest = before[: head.start()] if head else before
        rest = rest.rstrip(" \t　")
        if not rest.strip() or rest[-1] in _BOUNDARY:
            starts.append(head.start() if head else at)
    return starts


def split_legal_basis(block: str | None) -> list[dict]:
    """The entries of a legal-basis block, in order; [] for an empty block or `无`.

    A block without any 《title》 becomes one entry whose title is its first line (up to
    its first article reference), so that no basis is dropped.
    """
    if block is None:
        return []
    block = block.strip()
    if not block or block in ("无", "/", "-"):
        return []
    starts = sorted(set(_starts(block)))
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    pieces = [block[a:b] for a, b in zip(starts, [*starts[1:], len(block)], strict=True)]
    entries = []
    for piece in pieces:
        piece = piece.strip().rstrip("；;").strip()
        if not piece:
            continue
        title_match = _TITLE.search(piece)
        if title_match:
            title = title_match.group(1).strip()
            article_match = ARTICLE.search(piece, title_match.end())
        else:
            article_match = ARTICLE.search(piece)
            head = piece[: article_match.start()] if article_match else piece
            head = _RANK.sub("", head).strip().splitlines()[0] if head.strip() else piece
            title = head.strip("：:，, ")[:200] or piece[:200]
        entries.append(
            {
                "title": title,
                "article": article_match.group(0) if article_match else None,
                "text": piece,
            }
        )
    # A leading fragment without a title (e.g. "依据：") merges into the next entry.
    if len(entries) > 1 and not _TITLE.search(entries[0]["text"]) and len(entries[0]["text"]) < 8:
        first = entries.pop(0)
        entries[0]["text"] = f"{first['text']}{entries[0]['text']}"
    return entries
