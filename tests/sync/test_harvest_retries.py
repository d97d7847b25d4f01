"""The harvester's HTTP client retries what is transient and honours 429 / Retry-After.

The source is a scripted HTTP server on a local port (a stand-in for another city's
instance), reached through a real socket by the real client.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from qingdan_api.services.harvest.client import HarvestError, SourceClient, retry_after_seconds


class _Script(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, dict[str, str]]]] = []
    seen: ClassVar[list[str]] = []

    def do_GET(self):
        self.seen.append(self.path)
        status, headers = self.answers.pop(0) if self.answers else (200, {})
        body = json.dumps({"ok": True} if status == 200 else {"message": "slow down"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def source():
    """A scripted source: set `answers` (status, headers) in order; `seen` records paths."""
    handler = type("Script", (_Script,), {"answers": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def _client(url: str, waits: list[float], **kwargs) -> SourceClient:
    return SourceClient(url, sleep=waits.append, timeout=5, **kwargs)


def test_429_waits_as_long_as_retry_after_says(source):
    handler, url = source
    handler.answers = [(429, {"Retry-After": "7"}), (429, {"Retry-After": "3"}), (200, {})]
    waits: list[float] = []
    with _client(url, waits) as client:
        assert client.get("/@changes", since=0) == {"ok": True}
    assert waits == [7, 3]
    assert len(handler.seen) == 3


def test_retry_after_as_a_date_and_capped(source):
    handler, url = source
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    handler.answers = [(503, {"Retry-After": later}), (200, {})]
    waits: list[float] = []
    with _client(url, waits, max_wait=30) as client:
        assert client.get("/units") == {"ok": True}
    assert waits == [30]


def test_5xx_backs_off_then_gives_up(source):
    handler, url = source
    handler.answers = [(502, {})] * 5
    waits: list[float] = []
    with _client(url, waits, retries=3) as client, pytest.raises(HarvestError, match="502"):
        client.get("/units")
    assert len(handler.seen) == 3
    assert len(waits) == 2 and all(0 < w <= 120 for w in waits)


def test_other_4xx_fail_at_once_and_404_is_none(source):
    handler, url = source
    handler.answers = [(400, {}), (404, {})]
    waits: list[float] = []
    with _client(url, waits) as client:
        with pytest.raises(HarvestError, match="400"):
            client.get("/@changes", since=-1)
        assert client.get("/units/x") is None
    assert waits == []


def test_an_unreachable_source_is_retried_then_a_harvest_error():
    waits: list[float] = []
    with _client("http://127.0.0.1:9/api", waits, retries=2) as client, pytest.raises(HarvestError):
        client.get("/@changes")
    assert len(waits) == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), (" 5 ", 5.0), ("", None), ("soon", None), (None, None)],
)
def test_retry_after_values(header, seconds):
    assert retry_after_seconds(header) == seconds
