"""Absolute URLs for `@id` and batching links."""

from __future__ import annotations

from flask import g, request, url_for

from ..domain.published_json import item_path, unit_path
from ..listings.paging import Cursor, Page


def absolute(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def api_root() -> str:
    """The absolute URL of the API root for this request, without a trailing slash.

    Routed once per request; item and unit URLs are formatted from it (the same strings
    `url_for` builds: tests/api/test_links.py), which costs a fraction of a routing lookup.
    """
    if "qingdan_api_root" not in g:
        g.qingdan_api_root = absolute("qingdan_meta.root").rstrip("/")
    return g.qingdan_api_root


def item_url(code: str) -> str:
    return api_root() + item_path(code)


def unit_url(credit_code: str) -> str:
    return api_root() + unit_path(credit_code)


def _with_cursor(cursor: str | None) -> str:
    # Every value of a repeated filter stays in the links (`category=01&category=02`).
    args = {k: request.args.getlist(k) for k in request.args if k != "cursor"}
    if cursor:
        args["cursor"] = [cursor]
    return url_for(request.endpoint, _external=True, **(request.view_args or {}), **args)


def batching(page: Page, sort: str, backwards: bool = True) -> dict[str, str]:
    """Plone-style batching links; `last` is a cursor that reads backwards from the end."""
    links = {"@id": _with_cursor(request.args.get("cursor")), "first": _with_cursor(None)}
    if backwards:
        links["last"] = _with_cursor(Cursor(sort, "before", None).encode())
    if page.prev:
        links["prev"] = _with_cursor(page.prev.encode())
    if page.next:
        links["next"] = _with_cursor(page.next.encode())
    return links


def listing(page: Page, items: list, sort: str, backwards: bool = True) -> dict:
    return {
        "@id": _with_cursor(request.args.get("cursor")),
        "items": items,
        "items_total": page.total,
        "batching": batching(page, sort, backwards),
    }
