"""An HTTP client for another Qingdan instance's public API: httpx, with tenacity retries.

Transient failures are retried with exponential backoff and jitter: connection errors,
timeouts, 5xx answers and unreadable bodies. A 429 or 503 with `Retry-After` (seconds or
an HTTP date, RFC 9110 10.2.3) waits as long as the source asks, up to `max_wait`.
A 404 is an answer (None); any other 4xx is a HarvestError at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

USER_AGENT = "qingdan-harvester/1"


class HarvestError(Exception):
    """A harvest cannot go on: the source is unreachable, answers wrongly, or disagrees."""


class _Transient(Exception):
    """A failure worth another try; `retry_after` in seconds when the source said."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date); None if absent
    or unreadable, never negative."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class SourceClient:
    """GETs JSON from one source's API root (e.g. `http://city.example/api`), with retries.

    `retries` is the number of attempts per request; `max_wait` caps one wait in seconds
    (a source's Retry-After included); `sleep` is for tests that should not wait.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60,
        retries: int = 4,
        max_wait: float = 120,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.http = httpx.Client(
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            follow_redirects=True,
            transport=transport,
        )
        self._backoff = wait_exponential_jitter(multiplier=0.5, max=max_wait, jitter=0.5)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Transient) and error.retry_after is not None:
            return min(error.retry_after, self.max_wait)
        return self._backoff(state)

    def get(self, path_or_url: str, **params: Any) -> dict[str, Any] | None:
        """The decoded JSON body; None on 404; HarvestError when retries are used up."""
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        query = {k: v for k, v in params.items() if v is not None}
        retrying = Retrying(
            stop=stop_after_attempt(self.retries),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(self._get_once, url, query)
        except _Transient as exc:
            raise HarvestError(f"GET {url}: {exc}") from exc

    def _get_once(self, url: str, query: dict[str, Any]) -> dict[str, Any] | None:
        try:
            response = self.http.get(url, params=query or None)
        except httpx.TransportError as exc:  # refused, reset, timed out
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status == 404:
            return None
        if status == 429 or status >= 500:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            raise _Transient(f"HTTP {status} {_message(response)}".strip(), retry_after=wait)
        if status >= 400:
            raise HarvestError(f"GET {response.url}: HTTP {status} {_message(response)}".strip())
        try:
            return response.json()
        except ValueError as exc:  # a body cut short: worth another try
            raise _Transient(f"unreadable JSON: {exc}") from exc

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


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return body.get("message", "") if isinstance(body, dict) else ""
