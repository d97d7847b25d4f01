"""The public portal: server-rendered pages for citizens over the same public services.

Mounted by the extension at QINGDAN_PORTAL_PREFIX ("/" by default) unless QINGDAN_PORTAL
is false (headless deployments). It reads only through services (catalog, search, units,
notices, overview, dumps), the same ones the public API uses, so drafts never appear.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException, NotFound

from .views import blp, render_error


def init_portal(app: Flask, prefix: str) -> None:
    """Register the portal under `prefix` ("/" or "/portal"); raises ValueError when it

    would share the API's prefix (their URLs would collide).
    """
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    api_prefix = app.config["QINGDAN_URL_PREFIX"]
    if prefix == api_prefix:
        raise ValueError("QINGDAN_PORTAL_PREFIX must differ from QINGDAN_URL_PREFIX")
    app.register_blueprint(blp, url_prefix=prefix or None)
    api_error = app.extensions["qingdan"].api.handle_http_exception

    def not_found(error: HTTPException):
        """A URL that matches no route (`/releases/abc`): the portal's HTML page under the
        portal's prefix, the API's JSON envelope under the API's (and for other clients)."""
        path = request.path
        in_api = path == api_prefix or path.startswith(api_prefix.rstrip("/") + "/")
        if request.blueprint is None and not in_api and path.startswith(prefix or "/"):
            return render_error(error)
        return api_error(error)

    app.register_error_handler(NotFound, not_found)
