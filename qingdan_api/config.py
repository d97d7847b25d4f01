"""Configuration: defaults, overridden by QINGDAN_* environment variables, then by code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes")


# name -> (default, parser). Every key is also read from the environment under its name.
SETTINGS: dict[str, tuple[Any, Any]] = {
    "QINGDAN_INSTANCE": ("instance", str),
    "QINGDAN_DATABASE_URL": (None, str),  # default: SQLite file in the instance folder
    "QINGDAN_URL_PREFIX": ("/api", str),
    "QINGDAN_SEARCH_BACKEND": ("sql", str),
    "QINGDAN_ELASTICSEARCH_URL": (None, str),
    "QINGDAN_ELASTICSEARCH_INDEX": ("qingdan-items", str),
    # Absorb changes published while the service was down, in a background thread.
    "QINGDAN_SEARCH_CATCH_UP_ON_START": (True, _flag),
    # `sql` backend: an unfiltered search matching more items is answered approximately
    # from this many candidates per source (qingdan_api.search.sql._capped_rows).
    "QINGDAN_SEARCH_MATCH_CAP": (2000, int),
    # `sql` backend on SQLite: words in more documents still match but are not scored
    # (qingdan_api.search.common_terms: FTS5's bm25 walks each word's documents per query).
    "QINGDAN_SEARCH_CUTOFF_FREQUENCY": (10000, int),
    # 2: catching up 20,000 changes or more, search documents are built by a second
    # process while the index writes (qingdan_api.search.builder).
    "QINGDAN_INDEX_PROCESSES": (2, int),
    "QINGDAN_PAGE_SIZE": (25, int),
    "QINGDAN_MAX_PAGE_SIZE": (200, int),
    # Rows per keyset query of an export or dump: 250 decoded records are ~8 MB per export
    # running; 1000 put four simultaneous downloads over 300 MB (bench/stream_memory.py).
    "QINGDAN_EXPORT_PAGE_SIZE": (250, int),
    # Public address of the service (scheme and host), for links in dumps made offline.
    "QINGDAN_PUBLIC_URL": ("http://localhost:8000", str),
    # Write a complete dump in the background after every published release.
    "QINGDAN_DUMP_ON_RELEASE": (True, _flag),
    # Dumps kept in the instance folder: older ones are deleted after each new dump (0 = all).
    "QINGDAN_DUMPS_KEPT": (10, int),
    # 2: a dump of 20,000 active items or more writes its CSV files in a second process.
    "QINGDAN_DUMP_PROCESSES": (2, int),
    # Answer a whole-list export from the current dump's file when it is the same bytes
    # (api/exports.py, services/dumped_exports.py); off = always stream from the database.
    "QINGDAN_EXPORTS_FROM_DUMPS": (True, _flag),
    "QINGDAN_CACHE_MAX_AGE": (60, int),
    "QINGDAN_CORS_ORIGINS": ("*", str),
    # Comments on items on public notice: at most LIMIT per client address per WINDOW seconds.
    "QINGDAN_COMMENT_RATE_LIMIT": (5, int),
    "QINGDAN_COMMENT_RATE_WINDOW": (3600, int),
    "QINGDAN_SQL_ECHO": (False, _flag),
    # The public portal (server-rendered pages for citizens); off for headless deployments.
    "QINGDAN_PORTAL": (True, _flag),
    "QINGDAN_PORTAL_PREFIX": ("/", str),
    "QINGDAN_PORTAL_TITLE": ("权力清单和责任清单", str),
    # Request bodies: at most this many bytes (413), and this many characters per string
    # (422); see api/bodies.py.
    "QINGDAN_MAX_BODY_BYTES": (1024 * 1024, int),
    "QINGDAN_MAX_TEXT_LENGTH": (4000, int),
    # Reverse proxies in front of the service whose X-Forwarded-For / -Proto / -Host to
    # trust (werkzeug's ProxyFix); 0 = none, the client is the socket's peer.
    "QINGDAN_PROXY_COUNT": (0, int),
}


def from_environ(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Settings with their defaults, overridden by the environment."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, (default, parse) in SETTINGS.items():
        raw = environ.get(name)
        values[name] = default if raw in (None, "") else parse(raw)
    return values


def database_url(config: dict[str, Any]) -> str:
    if config.get("QINGDAN_DATABASE_URL"):
        return config["QINGDAN_DATABASE_URL"]
    instance = Path(config["QINGDAN_INSTANCE"]).resolve()
    return f"sqlite:///{instance / 'qingdan.db'}"
