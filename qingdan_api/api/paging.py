"""The page size of a listing: the `limit` given (checked by api/arguments.py) or the default."""

from __future__ import annotations

from flask import current_app


def page_size(requested: int | None) -> int:
    """`requested`, already bounded by the page-argument schema, else QINGDAN_PAGE_SIZE."""
    maximum = current_app.config["QINGDAN_MAX_PAGE_SIZE"]
    if requested is None:
        return min(current_app.config["QINGDAN_PAGE_SIZE"], maximum)
    return min(requested, maximum)
