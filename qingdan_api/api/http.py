"""HTTP caching, compression and CORS for every read the extension serves.

Streamed responses (a generator body: the exports) are never measured, hashed or
buffered here: their ETag comes from the view, their gzip is a stream (api/streaming.py).
"""

from __future__ import annotations

import gzip

from flask import Response, current_app, request

from . import streaming

COMPRESSIBLE = (
    "application/json",
    "application/x-ndjson",
    "application/xml",
    "text/",
    "application/problem+json",
    "image/svg+xml",
)
MIN_COMPRESS_BYTES = 512


def finalize_response(response: Response) -> Response:
    """after_request hook of every blueprint: CORS, ETag + 304, Cache-Control, then gzip."""
    _cors(response)
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.headers.setdefault(
            "Cache-Control", f"public, max-age={current_app.config['QINGDAN_CACHE_MAX_AGE']}"
        )
        if response.is_streamed:
            streaming.prepare(response)  # its own ETag or none; never a hash of the body
        else:
            if not response.get_etag()[0]:
                # Weak: the same tag stands for the gzip and the identity encodings.
                response.add_etag(weak=True)
            response.make_conditional(request)
    elif request.method in ("GET", "HEAD") and response.status_code >= 400:
        response.headers.setdefault("Cache-Control", "no-store")
    return _gzip(response)


def _gzip(response: Response) -> Response:
    if (
        response.status_code < 200
        or response.status_code in (204, 304)
        or response.direct_passthrough  # send_file: a file, with its Content-Length
        or "Content-Encoding" in response.headers
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
    ):
        return response
    response.vary.add("Accept-Encoding")
    if "gzip" not in request.headers.get("Accept-Encoding", ""):
        return response
    if response.is_streamed:
        streaming.gzip_response(response)
        return response
    body = response.get_data()
    if len(body) < MIN_COMPRESS_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response


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
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link, Last-Modified"
    if request.method == "OPTIONS":  # preflight
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, PUT, PATCH, DELETE"
        response.headers["Access-Control-Allow-Headers"] = (
            "Authorization, Content-Type, If-Match, If-None-Match"
        )
        response.headers["Access-Control-Max-Age"] = "86400"
