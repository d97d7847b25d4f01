"""A small HTTP client for another Qingdan instance's public API (standard library only)."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

USER_AGENT = "qingdan-harvester/1"


class HarvestError(Exception):
    """A harvest cannot go on: the source is unreachable, answers wrongly, or disagrees."""


class SourceClient:
    """GETs JSON from one source's API root (e.g. `http://city.example/api`), with retries."""

    def __init__(self, base_url: str, *, timeout: float = 60, retries: int = 3):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries

    def get(self, path_or_url: str, **params: Any) -> dict[str, Any] | None:
        """The decoded JSON body; None on 404; HarvestError when retries are used up."""
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        query = {k: v for k, v in params.items() if v is not None}
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        request = Request(
            url,
            headers={
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "User-Agent": USER_AGENT,
            },
        )
        for attempt in range(self.retries):
            try:
                with urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                    if response.headers.get("Content-Encoding") == "gzip":
                        body = gzip.decompress(body)
                return json.loads(body)
            except HTTPError as exc:
                if exc.code == 404:
                    return None
                if exc.code < 500 or attempt == self.retries - 1:
                    raise HarvestError(f"GET {url}: HTTP {exc.code} {_message(exc)}") from exc
            except (URLError, TimeoutError, ConnectionError, ValueError) as exc:
                if attempt == self.retries - 1:
                    raise HarvestError(f"GET {url}: {exc}") from exc
            time.sleep(0.5 * 2**attempt)  # transient: back off, then try again
        raise AssertionError("unreachable")

    def changes(self, since: int, limit: int) -> dict[str, Any]:
        page = self.get("/@changes", since=since, limit=limit, include="record")
        if page is None or "last_seq" not in page or "items" not in page:
            raise HarvestError(f"{self.base_url} has no change feed (@changes)")
        return page

    def checksum(self, seq: int) -> dict[str, Any]:
        result = self.get("/@changes/checksum", seq=seq)
        if result is None:
            raise HarvestError(f"{self.base_url} has no @changes/checksum")
        return result

    def units(self) -> Iterator[dict[str, Any]]:
        """Every unit of the source, following its batching links."""
        url: str | None = self.base_url + "/units?limit=200"
        pages = 0
        while url and pages < 100_000:  # bounded: a source cannot keep us here forever
            page = self.get(url) or {}
            yield from page.get("items", [])
            url = (page.get("batching") or {}).get("next")
            pages += 1

    def unit(self, credit_code: str) -> dict[str, Any] | None:
        return self.get(f"/units/{credit_code}")


def _message(exc: HTTPError) -> str:
    try:
        return json.loads(exc.read()).get("message", "")
    except (ValueError, AttributeError, OSError):
        return ""
