"""The search backends by name; configuration (QINGDAN_SEARCH_BACKEND) picks one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .protocol import SearchBackend


def _sql(config: dict[str, Any]) -> SearchBackend:
    from .common_terms import CUTOFF_FREQUENCY
    from .sql import MATCH_CAP, SqlBackend

    return SqlBackend(
        match_cap=config.get("QINGDAN_SEARCH_MATCH_CAP") or MATCH_CAP,
        cutoff_frequency=config.get("QINGDAN_SEARCH_CUTOFF_FREQUENCY") or CUTOFF_FREQUENCY,
    )


def _elasticsearch(config: dict[str, Any]) -> SearchBackend:
    from .elastic import ElasticsearchBackend

    return ElasticsearchBackend.from_config(config)


BACKENDS: dict[str, Callable[[dict[str, Any]], SearchBackend]] = {
    "sql": _sql,
    "elasticsearch": _elasticsearch,
}


def make_backend(config: dict[str, Any]) -> SearchBackend:
    name = config.get("QINGDAN_SEARCH_BACKEND") or "sql"
    if name not in BACKENDS:
        raise ValueError(f"QINGDAN_SEARCH_BACKEND={name!r}: one of {', '.join(BACKENDS)}")
    return BACKENDS[name](config)
