"""The public portal: server-rendered pages for citizens over the same public services.

Mounted by the extension at QINGDAN_PORTAL_PREFIX ("/" by default) unless QINGDAN_PORTAL
is false (headless deployments). It reads only through services (catalog, search, units,
notices, overview, dumps), the same ones the public API uses, so drafts never appear.
"""

from __future__ import annotations

from flask import Flask

from .views import blp


def init_portal(app: Flask, prefix: str) -> None:
    """Register the portal under `prefix` ("/" or "/portal"); raises ValueError when it

    would share the API's prefix (their URLs would collide).
    """
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    if prefix == app.config["QINGDAN_URL_PREFIX"]:
        raise ValueError("QINGDAN_PORTAL_PREFIX must differ from QINGDAN_URL_PREFIX")
    app.register_blueprint(blp, url_prefix=prefix or None)
