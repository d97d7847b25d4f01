"""HTTP caching, compression and CORS for every response the extension serves.

Negotiation goes by werkzeug's parsers, q-values included: `Accept-Encoding: gzip;q=0`
gets no gzip. A 304 carries the headers its 200 would (ETag, Cache-Control, Vary,
Last-Modified). CORS headers go on every answer under the API's prefix, including the
404 of an unknown URL and the 405 of a wrong method, which no blueprint sees.
"""

from __future__ import annotations

import gzip

from flask import Response, current_app, request

COMPRESSIBLE = (
    "application/json",
    "application/xml",
    "text/",
    "application/problem+json",
    "image/svg+xml",
)
MIN_COMPRESS_BYTES = 512


def accepts_gzip() -> bool:
    """Whether the request's Accept-Encoding prefers gzip to no encoding (RFC 9110 12.5.3)."""
    return request.accept_encodings.best_match(["gzip", "identity"]) == "gzip"


def finalize_response(response: Response) -> Response:
    """after_request hook of every blueprint: ETag + 304, Cache-Control, Vary, then gzip."""
    compressible = (response.mimetype or "").startswith(COMPRESSIBLE)
    # Vary before the conditional check, so that a 304 names the same Vary as its 200.
    if compressible:
        response.vary.add("Accept-Encoding")
    if current_app.config["QINGDAN_CORS_ORIGINS"].strip() != "*":
        response.vary.add("Origin")  # the CORS hook answers per origin
    if request.method in ("GET", "HEAD") and response.status_code in (200, 304):
        response.headers.setdefault(
            "Cache-Control", f"public, max-age={current_app.config['QINGDAN_CACHE_MAX_AGE']}"
        )
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        if not response.is_streamed and not response.get_etag()[0]:
            # Weak: the same tag stands for the gzip and the identity encodings.
            response.add_etag(weak=True)
        response.make_conditional(request)
    elif request.method in ("GET", "HEAD") and response.status_code >= 400:
        response.headers.setdefault("Cache-Control", "no-store")
    return _gzip(response) if compressible else response


def _gzip(response: Response) -> Response:
    if (
        response.status_code < 200
        or response.status_code in (204, 304)
        or response.is_streamed
        or response.direct_passthrough
        or "Content-Encoding" in response.headers
        or not accepts_gzip()
    ):
        return response
    body = response.get_data()
    if len(body) < MIN_COMPRESS_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response


def cors_under(prefix: str):
    """An app-wide after_request hook: CORS headers on every response under `prefix`."""

    def hook(response: Response) -> Response:
        path = request.path
        if not prefix or path == prefix or path.startswith(prefix + "/"):
            _cors(response)
        return response

    return hook


def _cors(response: Response) -> None:
    origins = current_app.config["QINGDAN_CORS_ORIGINS"]
    origin = request.headers.get("Origin")
    if not origin:
        return
    allowed = [o.strip() for o in origins.split(",")]
    if "*" in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    else:
        return
    response.headers["Access-Control-Expose-Headers"] = (
        "ETag, Link, Last-Modified, Location, Retry-After"
    )
    if request.method == "OPTIONS":  # preflight
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, PUT, PATCH, DELETE"
        response.headers["Access-Control-Allow-Headers"] = (
            "Authorization, Content-Type, If-Match, If-None-Match"
        )
        response.headers["Access-Control-Max-Age"] = "86400"
