"""The laws the city's published items cite: most cited first, and one law's articles.

What a reviewer needs when a law is revised: which items cite it (`/items?law=`), and
which of its articles, recognised as the same however they are written (domain.laws).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import laws
from ..models import CatalogueEntry, ItemVersion
from .catalog import ACTIVE
from .catalogue_queries import current_edition, like_law


def most_cited(session: Session, *, limit: int = 50) -> list[dict]:
    """[{law, rank, items, catalogue_entries}] by the number of items citing each law.

    `items` counts published (active) items; `catalogue_entries` the entries of the
    current catalogue edition citing the same law.
    """
    counts: Counter[str] = Counter()
    for keys in session.scalars(
        select(ItemVersion.law_keys).where(
            ItemVersion.public_status == ACTIVE, ItemVersion.law_keys.is_not(None)
        )
    ):
        counts.update(k for k in keys.split("|") if k)
    entry_counts: Counter[str] = Counter()
    edition = current_edition(session)
    if edition is not None:
        for keys in session.scalars(
            select(CatalogueEntry.law_keys).where(
                CatalogueEntry.edition_id == edition.id, CatalogueEntry.law_keys.is_not(None)
            )
        ):
            entry_counts.update(k for k in keys.split("|") if k)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [
        {
            "law": law,
            "rank": laws.infer_rank(law),
            "items_total": count,
            "catalogue_entries": entry_counts.get(law, 0),
        }
        for law, count in ranked
    ]


def law_articles(session: Session, law: str) -> dict:
    """One law: how many published items cite it, and each article (normal form) with the
    codes of the items citing it. Raises InvalidArgument for an empty title."""
    key = laws.law_key(law)
    articles: dict[str, list[str]] = {}
    items = 0
    query = select(ItemVersion.code, ItemVersion.record).where(
        ItemVersion.public_status == ACTIVE, like_law(ItemVersion.law_keys, law)
    )
    for code, record in session.execute(query.order_by(ItemVersion.code)):
        items += 1
        for entry in record.get("legal_bases") or []:
            ref = laws.reference(entry)
            if ref["law"] != key:
                continue
            article = laws.article_key(ref) or key
            codes = articles.setdefault(article, [])
            if code not in codes:
                codes.append(code)
    return {
        "law": key,
        "rank": laws.infer_rank(key),
        "items_total": items,
        "articles": [
            {"article": a, "items_total": len(c), "items": c} for a, c in sorted(articles.items())
        ],
    }
