"""Chinese word segmentation and the query language, shared by every search backend.

Index and query text go through the same `words()` so that SQLite FTS5, PostgreSQL and
Elasticsearch all see identical terms. `normalize()` folds what a reader would call the
same text: full-width letters and digits to ASCII (NFKC), traditional characters to
simplified (OpenCC's t2s), upper case to lower; so 食品經營許可 finds what 食品经营许可
finds. Terms are restricted to lowercase ASCII letters, digits and CJK ideographs:
whatever a user types, nothing else reaches a backend's query syntax, which is what
makes user input safe to splice into FTS5 and tsquery expressions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import rjieba
from opencc import OpenCC

# Ideographs: CJK Unified (incl. Extension A) and Compatibility Ideographs.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TERM = re.compile(rf"[0-9a-z{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_HAS_DIGIT = re.compile(r"[0-9]")
# Function words that carry no meaning on their own in list item names and texts.
STOPWORDS = frozenset(["的", "了", "和", "与", "及", "或", "等", "之", "其", "并"])
MAX_QUERY_WORDS = 16
MIN_CODE_PREFIX = 4


# OpenCC's converter is immutable once loaded; loading its dictionaries costs ~50 ms.
_TRADITIONAL_TO_SIMPLIFIED = OpenCC("t2s")


def fold_script(text: str) -> str:
    """Traditional characters (and phrases) as simplified ones: 經營許可 -> 经营许可."""
    return _TRADITIONAL_TO_SIMPLIFIED.convert(text)


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), simplified script, lowercase."""
    return fold_script(unicodedata.normalize("NFKC", text)).lower()


def ideographic(term: str) -> bool:
    """True when `term` is all CJK ideographs (a word jieba segments)."""
    return _CJK_RUN.fullmatch(term) is not None


@lru_cache(maxsize=65536)
def _segment(run: str) -> tuple[str, ...]:
    # Repeated strings (legal basis texts, unit names) are segmented once.
    return tuple(rjieba.cut_for_search(run))


def words(text: str | None) -> list[str]:
    """Index terms of `text`: jieba search-mode words (long words and their parts)."""
    if not text:
        return []
    out: list[str] = []
    for token in TERM.findall(normalize(text)):
        if _CJK_RUN.fullmatch(token):
            out.extend(w for w in _segment(token) if w not in STOPWORDS)
        else:
            # Mixed runs (e.g. 许可00001) split into their ideograph and ASCII parts.
            for part in re.findall(rf"[{_CJK}]+|[0-9a-z]+", token):
                out.extend(_segment(part) if _CJK_RUN.fullmatch(part) else (part,))
    return out


def code_term(code: str | None) -> str | None:
    """A code as one term: local codes such as 许可-00757-001 lose their separators."""
    if not code:
        return None
    term = "".join(TERM.findall(normalize(code)))
    return term or None


# ---- the query language: a small tree every backend renders in its own syntax ----


@dataclass(frozen=True)
class Term:
    """A word; `prefix` matches words starting with it; `codes` restricts to code fields."""

    text: str
    prefix: bool = False
    codes: bool = False


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]


Node = Term | AllOf | AnyOf


def _word_node(word: str, *, last_is_prefix: bool) -> Node:
    """A query word: the word itself, or all of its parts (so 营业执照 also finds 营业 执照)."""
    if last_is_prefix:
        return Term(word, prefix=True)
    parts = tuple(p for p in _segment(word) if p != word and len(p) > 1) if len(word) > 2 else ()
    if not parts:
        return Term(word)
    return AnyOf((Term(word), AllOf(tuple(Term(p) for p in parts))))


def parse(text: str, *, prefix_last: bool = False) -> Node | None:
    """The query tree for user input, or None when it holds nothing searchable.

    Every word must match (AND). A code-like input (letters/digits with at least one digit,
    e.g. part of an implementation code or a local code) also matches as a prefix of an
    item's codes. With `prefix_last` (autocomplete) the last word matches as a prefix.
    """
    normalized = normalize(text)
    tokens: list[str] = []
    for token in TERM.findall(normalized):
        if _CJK_RUN.fullmatch(token):
            tokens.extend(w for w in rjieba.cut(token) if w not in STOPWORDS)
        else:
            tokens.extend(re.findall(rf"[{_CJK}]+|[0-9a-z]+", token))
    tokens = list(dict.fromkeys(tokens))[:MAX_QUERY_WORDS]
    if not tokens:
        return None
    nodes = []
    for i, token in enumerate(tokens):
        last = prefix_last and i == len(tokens) - 1
        if _HAS_DIGIT.search(token) and len(token) >= MIN_CODE_PREFIX:
            nodes.append(AnyOf((Term(token, prefix=True, codes=True), Term(token))))
        else:
            nodes.append(_word_node(token, last_is_prefix=last))
    query: Node = nodes[0] if len(nodes) == 1 else AllOf(tuple(nodes))
    whole = code_term(text)
    if whole and len(tokens) > 1 and _HAS_DIGIT.search(whole) and len(whole) >= MIN_CODE_PREFIX:
        query = AnyOf((Term(whole, prefix=True, codes=True), query))
    return query


def terms_of(node: Node) -> set[str]:
    """Every word in a query tree (for highlighting)."""
    if isinstance(node, Term):
        return {node.text}
    return set().union(*(terms_of(p) for p in node.parts))
