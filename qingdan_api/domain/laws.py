"""Legal bases as references: law title, rank, article in a normal form, so that the same
article cited in two places is recognised as the same.

A reference is {law, title, rank, article, paragraph, item, text}. `law` is the title
normalised for comparison: without 《》, without revision notes such as （2021年修正）
(inside or after the brackets), without the leading 中华人民共和国, without spaces.
Articles are numbers in a normal form: 第十二条 -> "12", 第十二条之一 -> "12-1";
第一款 -> paragraph 1, 第三项 -> item 3. Chinese numerals are read up to the thousands
(第一千二百六十条 -> 1260, 第一百零五条 -> 105), Arabic and full-width digits as they are.

Ranks follow the Legislation Law (立法法) hierarchy. An explicit rank tag in the text
(【法律】【行政法规】【地方性法规】【部门规章】【地方政府规章】【规章】【规范性文件】) wins;
otherwise the rank is inferred from the title's form: a 法 (not 办法) is a law, a 条例 of
a province or city a local regulation, other 条例 an administrative regulation, a 办法 or
规定 of a province or city a local government rule, others a department rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LAW = "法律"
ADMINISTRATIVE_REGULATION = "行政法规"
LOCAL_REGULATION = "地方性法规"
DEPARTMENT_RULE = "部门规章"
LOCAL_RULE = "地方政府规章"
RULE = "规章"
NORMATIVE = "规范性文件"
RANKS = (
    LAW,
    ADMINISTRATIVE_REGULATION,
    LOCAL_REGULATION,
    DEPARTMENT_RULE,
    LOCAL_RULE,
    RULE,
    NORMATIVE,
)
_TAG_ALIASES = {"法规": ADMINISTRATIVE_REGULATION, "国务院决定": ADMINISTRATIVE_REGULATION}

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "0-9０-９零〇一二两三四五六七八九十百千"
_ARTICLE = re.compile(
    rf"第([{_NUMERAL}]+)条(?:之([{_NUMERAL}]+))?(?:第([{_NUMERAL}]+)款)?(?:第([{_NUMERAL}]+)项)?"
)
_TITLE = re.compile(r"《([^《》]{1,200})》")
_TAG = re.compile(r"【([^【】]{1,12})】")
_REVISION = re.compile(
    r"[（(][^（）()]{0,40}(?:修正|修订|修改|公布|施行|颁布|通过)[^（）()]{0,10}[）)]"
)
_PREFIX = "中华人民共和国"
_LOCAL = re.compile(r"(省|自治区|市|州|县|区)")


def chinese_number(text: str) -> int:
    """`十二` -> 12, `一百零五` -> 105, `一千二百六十` -> 1260, `12`/`１２` -> 12.

    Raises ValueError for text that is not a numeral.
    """
    text = text.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char in _UNITS:
            total += (current or 1) * _UNITS[char]
            current = 0
        else:
            raise ValueError(f"not a numeral: {text}")
    return total + current


def law_key(title: str | None) -> str | None:
    """The comparison form of a law title (see the module docstring); None for none."""
    if not title:
        return None
    key = title.replace("《", "").replace("》", "").strip()
    key = _REVISION.sub("", key)
    key = re.sub(r"[\s　]+", "", key)
    if key.startswith(_PREFIX) and len(key) > len(_PREFIX):
        key = key[len(_PREFIX) :]
    return key or None


def infer_rank(title: str, tag: str | None = None) -> str | None:
    """The rank from an explicit tag, else from the title's form; None when unknown."""
    if tag:
        tag = tag.strip()
        if tag in RANKS:
            return tag
        if tag in _TAG_ALIASES:
            return _TAG_ALIASES[tag]
    key = law_key(title) or ""
    local = bool(_LOCAL.search(key[:8]))
    if key.endswith("法") and not key.endswith("办法"):
        return LAW
    if key.endswith("条例"):
        return LOCAL_REGULATION if local else ADMINISTRATIVE_REGULATION
    if key.endswith(("办法", "规定", "细则", "规则")):
        return LOCAL_RULE if local else DEPARTMENT_RULE
    return None


def parse_article(text: str | None) -> dict | None:
    """The first article reference of `text` in normal form, or None.

    Returns {"article": "12" | "12-1", "paragraph": int | None, "item": int | None}.
    """
    if not text:
        return None
    match = _ARTICLE.search(text)
    if match is None:
        return None
    number = str(chinese_number(match.group(1)))
    if match.group(2):
        number += f"-{chinese_number(match.group(2))}"
    return {
        "article": number,
        "paragraph": chinese_number(match.group(3)) if match.group(3) else None,
        "item": chinese_number(match.group(4)) if match.group(4) else None,
    }


def reference(entry: dict) -> dict:
    """A legal-basis entry {title, article, text} -> a reference (module docstring)."""
    title = entry.get("title") or ""
    text = entry.get("text") or ""
    tag = _TAG.search(text)
    found = parse_article(entry.get("article")) or parse_article(
        text[text.find("》") + 1 :] if "》" in text else text
    )
    return {
        "law": law_key(title),
        "title": _REVISION.sub("", title).strip(),
        "rank": infer_rank(title, tag.group(1) if tag else None),
        "article": found["article"] if found else None,
        "paragraph": found["paragraph"] if found else None,
        "item": found["item"] if found else None,
        "text": text or None,
    }


def article_key(ref: dict) -> str | None:
    """`行政许可法#12.1`: the law and article (and paragraph) a reference points at."""
    if not ref.get("law"):
        return None
    key = ref["law"]
    if ref.get("article"):
        key += f"#{ref['article']}"
        if ref.get("paragraph"):
            key += f".{ref['paragraph']}"
    return key


def law_keys(legal_bases: Iterable[dict] | None) -> list[str]:
    """The distinct law keys a record's legal bases cite, in first-cited order."""
    keys: list[str] = []
    for entry in legal_bases or ():
        if isinstance(entry, dict):
            key = law_key(entry.get("title"))
            if key and key not in keys:
                keys.append(key)
    return keys


def law_keys_column(legal_bases: Iterable[dict] | None) -> str | None:
    """The indexed column form `|key1|key2|` (None for none), for `?law=` as one LIKE."""
    keys = law_keys(legal_bases)
    return f"|{'|'.join(keys)}|" if keys else None
