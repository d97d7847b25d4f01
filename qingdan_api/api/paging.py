"""Page-size arguments shared by every listing."""

from __future__ import annotations

from flask import current_app

from ..services.errors import InvalidArgument


def page_size(requested: int | None) -> int:
    maximum = current_app.config["QINGDAN_MAX_PAGE_SIZE"]
    if requested is None:
        return min(current_app.config["QINGDAN_PAGE_SIZE"], maximum)
    if requested < 1:
        raise InvalidArgument("limit", "at least 1")
    if requested > maximum:
        raise InvalidArgument("limit", f"at most {maximum} per page")
    return requested
