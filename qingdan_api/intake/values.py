"""Real value shapes to record values: code lists, time limits, booleans, lists.

Each parser takes the cell as a source wrote it and returns the stored value, or raises
`ValueProblem` with a Chinese message saying what is accepted. The shapes come from real
provincial portals (reference/realworld/): unpadded numeric codes (`1` for 01), labels
instead of codes (`行政确认`), levels written `2,3`, targets `个人，法人`, limits
`45个工作日` or `即时办结`, booleans `0`/`是`.
"""

from __future__ import annotations

import re
from typing import Any

from ..domain import vocabularies as vocab


class ValueProblem(ValueError):
    """A cell cannot be read; `message` (Chinese) says what would be accepted."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Chinese and ASCII list separators; the slash too (市级/县级).
_SEPARATORS = re.compile(r"[,，、;；/\n|]+")
_SPACES = re.compile(r"\s+")


def text(value: Any) -> str | None:
    """A cell as trimmed text; None for empty. Numbers read by a spreadsheet lose `.0`."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    return result or None


def split_list(value: Any) -> list[str]:
    """`个人，法人` / `1,2` / `窗口、网上` -> their parts, trimmed, empty parts dropped."""
    raw = text(value)
    if raw is None:
        return []
    return [part.strip() for part in _SEPARATORS.split(raw) if part.strip()]


def _stored(name: str, term: vocab.Term) -> str:
    return term.key if name in vocab.STORED_BY_KEY else term.code


def vocabulary_terms(name: str, value: Any) -> list[str]:
    """One spelling of a term of code list `name` -> what records store (one or several).

    Accepted: the code, the code unpadded (`1` for `01`), the English key, the Chinese
    label, and the aliases real sources use (vocabularies.ALIASES; `法人` stands for
    three kinds of legal person).
    """
    raw = text(value)
    if raw is None:
        return []
    compact = _SPACES.sub("", raw)
    terms = vocab.VOCABULARIES[name]
    for term in terms:
        if compact in (term.code, term.key, term.label) or compact.lower() == term.key:
            return [_stored(name, term)]
        if compact.isdigit() and term.code.isdigit() and int(compact) == int(term.code):
            return [_stored(name, term)]
    aliased = vocab.ALIASES.get(name, {}).get(compact)
    if aliased:
        by_code = {t.code: t for t in terms}
        return [_stored(name, by_code[code]) for code in aliased]
    labels = "、".join(f"{t.code} {t.label}" for t in terms)
    raise ValueProblem(f"“{raw}”不是{vocab.VOCABULARY_TITLES[name]}的代码或名称；可填：{labels}")


def vocabulary_value(name: str, value: Any) -> str | None:
    """A single-valued code list cell; a spelling that stands for several terms is a problem."""
    found = vocabulary_terms(name, value)
    if len(found) > 1:
        raise ValueProblem(f"“{text(value)}”对应多个{vocab.VOCABULARY_TITLES[name]}，请只填一个")
    return found[0] if found else None


def vocabulary_list(name: str, value: Any) -> list[str]:
    """A multi-valued code list cell (`2,3`, `个人，法人`) -> stored values, in order, once each."""
    out: list[str] = []
    for part in split_list(value):
        for stored in vocabulary_terms(name, part):
            if stored not in out:
                out.append(stored)
    return out


_TRUE = {"是", "1", "true", "yes", "y", "收费", "有", "√"}
_FALSE = {"否", "0", "false", "no", "n", "不收费", "免费", "无", "×"}


def boolean(value: Any) -> bool | None:
    """是/否, 1/0, true/false, 收费/不收费 -> True/False; empty -> None."""
    if isinstance(value, bool):
        return value
    raw = text(value)
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueProblem(f"“{raw}”不是是/否：请填 是 或 否（也可填 1 或 0）")


def integer(value: Any) -> int | None:
    raw = text(value)
    if raw is None:
        return None
    if re.fullmatch(r"\d+", raw, re.ASCII):
        return int(raw)
    raise ValueProblem(f"“{raw}”不是非负整数")


_DIGITS = "零一二三四五六七八九"
_LIMIT = re.compile(r"(\d+|[零一二三四五六七八九十百]+)\s*(个)?\s*(工作日|自然日|日|天)", re.ASCII)
_IMMEDIATE = {"即办", "即时办结", "即时", "当场办结", "立即办理", "当场", "即来即办"}
_NONE = {"无", "无时限", "不适用", "/", "-", "—"}


def _chinese_number(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    total, current = 0, 0
    for char in raw:
        if char in _DIGITS:
            current = _DIGITS.index(char)
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def time_limit(value: Any, unit: Any = None) -> dict | None:
    """`20个工作日` / `30日` / `即办` / `即时办结` / `无` / `10` (+ a unit cell) -> a limit.

    Returns {"amount", "unit", "note"} (the note keeps the source's words when they say
    more than the amount), or None for no limit (`无`). `日`/`天` are natural days, as in
    the statutes that write them.
    """
    raw = text(value)
    if raw is None:
        return None
    compact = _SPACES.sub("", raw)
    if compact in _NONE:
        return None
    if compact in _IMMEDIATE:
        return {"amount": None, "unit": "immediate", "note": None}
    if compact.isdigit():
        unit_value = vocabulary_value("time-limit-units", unit) if text(unit) else "working_day"
        amount = None if unit_value == "immediate" else int(compact)
        return {"amount": amount, "unit": unit_value, "note": None}
    match = _LIMIT.search(compact)
    if match is None:
        raise ValueProblem(f"“{raw}”不是办结时限：请写成“20个工作日”“30日”“即办”或“无”")
    word = match.group(3)
    unit_value = "working_day" if word == "工作日" else "natural_day"
    note = None if match.group(0) == compact else raw
    return {"amount": _chinese_number(match.group(1)), "unit": unit_value, "note": note}
