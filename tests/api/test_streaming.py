"""Streamed responses really stream: through the real server, on HEAD, and on every route.

A demo city of a few thousand published items per backend. `qingdan serve` (waitress, a
subprocess) serves the same database, read with httpx as a stream: the first bytes of an
export arrive while the server is still producing the rest, which the server's own CPU
time shows (an export that is buffered before it is sent has spent all of it by then).
The sweep walks the app's URL map: a route whose 200 has no Content-Length streams, and
the OpenAPI document must say so (`x-streamed`); every route it marks must stream.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import event
from werkzeug.routing import AnyConverter

from qingdan_api.services.auth import create_token
from qingdan_api.services.demo import load_demo

ITEMS = 2000
EXPORTS = ("ndjson", "json", "csv", "xml")
QINGDAN = Path(sys.executable).with_name("qingdan")
IDENTITY = {"Accept-Encoding": "identity"}  # httpx asks for gzip unless told otherwise


@pytest.fixture(scope="module")
def world(app) -> dict:
    """The demo city, an admin token, and a value for every path parameter."""
    state = app.extensions["qingdan"]
    with state.session_factory() as session:
        load_demo(session, total=ITEMS, seed=12)
        _, secret = create_token(session, role="admin", name="streaming-admin")
    client = app.test_client()
    item = client.get("/api/items?limit=1").get_json()["items"][0]
    entry = client.get("/api/@catalogue?limit=1").get_json()["items"][0]
    release = client.get("/api/@releases?limit=1").get_json()["items"][0]
    return {
        "headers": {"Authorization": f"Bearer {secret}"},
        "code": item["code"],
        "credit_code": item["unit"]["credit_code"],
        "number": 1,
        "release_id": release["id"],
        "basic_code": entry["basic_code"],
        "dump_id": "latest",
        "name": "items.ndjson",
        "finding_id": "x",
        "source_id": 1,
        "filename": "portal.css",
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(app, world, database_url):
    """`qingdan serve` over the module's database, as the README says to run it."""
    port = _free_port()
    env = {
        **os.environ,
        "QINGDAN_DATABASE_URL": database_url,
        "QINGDAN_INSTANCE": app.instance_path,
        # Nothing in the background beside the exports: no indexing, no catch-up dump.
        "QINGDAN_SEARCH_CATCH_UP_ON_START": "false",
        "QINGDAN_DUMP_ON_RELEASE": "false",
    }
    process = subprocess.Popen(
        [str(QINGDAN), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded CI machine starts it slowly
    while True:
        try:
            if httpx.get(f"{base}/api/", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"qingdan serve did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)
    yield {"base": base, "process": psutil.Process(process.pid)}
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


@pytest.mark.parametrize("ext", EXPORTS)
def test_first_bytes_arrive_while_the_server_is_still_producing(server, ext):
    process = server["process"]
    url = f"{server['base']}/api/items.{ext}"
    with httpx.Client(timeout=60, headers=IDENTITY) as client:
        # What any answer costs before its body (the request, the snapshot, the ETag's
        # query): a HEAD's time. On a loaded machine it is a good part of a small export's.
        started = time.perf_counter()
        assert client.head(url).status_code == 200
        fixed = time.perf_counter() - started
        started, cpu_before = time.perf_counter(), _cpu(process)
        with client.stream("GET", url) as response:
            assert response.status_code == 200
            assert "content-length" not in response.headers
            assert response.headers["transfer-encoding"] == "chunked"
            chunks = response.iter_raw()
            first = next(chunks)
            first_byte, cpu_at_first = time.perf_counter() - started, _cpu(process) - cpu_before
            size = len(first) + sum(len(chunk) for chunk in chunks)
        total, cpu_total = time.perf_counter() - started, _cpu(process) - cpu_before
    assert first and size > 1_000_000, size  # a body far larger than any one chunk
    # Buffered, the first byte would come after the whole body was built: all the time
    # and all of the server's CPU. Streamed, it comes after the first few records.
    assert first_byte < fixed + total / 4, (first_byte, fixed, total)
    assert cpu_at_first < cpu_total / 2, (cpu_at_first, cpu_total)


def test_gzip_streams_too(server):
    url = f"{server['base']}/api/items.ndjson"
    with httpx.Client(timeout=60) as client:
        plain = client.get(url, headers=IDENTITY).content
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.headers["content-encoding"] == "gzip"
            assert "content-length" not in response.headers
            raw = list(response.iter_raw())
        # Every chunk is flushed: the first one alone already decodes to whole records.
        head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw[0])
        assert head and plain.startswith(head)
        assert zlib.decompress(b"".join(raw), 16 + zlib.MAX_WBITS) == plain
        assert len(raw) > 2 and sum(map(len, raw)) < len(plain) / 3


@pytest.mark.parametrize("ext", EXPORTS)
def test_head_has_the_headers_without_producing_the_body(server, ext):
    process = server["process"]
    url = f"{server['base']}/api/items.{ext}"
    with httpx.Client(timeout=60, headers=IDENTITY) as client:
        cpu_before = _cpu(process)
        head = client.head(url)
        cpu_head = _cpu(process) - cpu_before
        got = client.get(url)
        cpu_get = _cpu(process) - cpu_before - cpu_head
    assert head.status_code == 200 and head.content == b""
    assert "content-length" not in head.headers
    for name in ("etag", "last-modified", "content-type", "content-disposition"):
        assert head.headers[name] == got.headers[name]
    # A bound, not a timing: a HEAD that produced the body would cost what the GET does.
    assert cpu_head < cpu_get / 2, (cpu_head, cpu_get)


def test_head_runs_no_query_for_the_records(app, world):
    """In process: the statements a HEAD runs are the headers' (feed position, unit)."""
    engine = app.extensions["qingdan"].engine
    statements: list[str] = []

    here = threading.get_ident()

    def record(_conn, _cursor, statement, *_args):
        if threading.get_ident() == here:  # not the indexer's thread
            statements.append(statement)

    client = app.test_client()
    url = f"/api/units/{world['credit_code']}/items.xml"
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.head(url).status_code == 200
        on_head = list(statements)
        statements.clear()
        got = client.get(url)
        assert got.status_code == 200 and got.get_data()  # the body is read as it streams
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # Not even the versions: a GET may splice stored fragments without reading a record.
    assert on_head and not [s for s in on_head if "FROM item_versions" in s], on_head
    assert [s for s in statements if "FROM item_versions" in s]  # what HEAD skipped


def _template(rule) -> str:
    return re.sub(r"<(?:[^<>]*:)?(\w+)>", r"{\1}", rule.rule)


def _urls(app, world):
    """(template, URL) of every GET rule, one URL per value of an any() part."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        variants = [{}]
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                variants = [{**v, name: item} for v in variants for item in converter.items]
        for variant in variants:
            values = {n: variant.get(n, world.get(n)) for n in rule.arguments}
            yield _template(rule), adapter.build(rule.endpoint, values)


def test_every_streamed_route_is_declared_and_has_no_content_length(app, world):
    spec = app.extensions["qingdan"].api.spec.to_dict()
    declared = {
        path
        for path, operations in spec["paths"].items()
        if operations.get("get", {}).get("x-streamed")
    }
    client = app.test_client()
    streamed = set()
    for template, url in _urls(app, world):
        response = client.get(url, headers=world["headers"])
        if response.status_code != 200:
            continue
        # A file (send_file: dumps, schemas) has its size on disk as Content-Length.
        if "Content-Length" in response.headers:
            assert template not in declared, f"{url} is declared streamed but was buffered"
            continue
        streamed.add(template)
        head = client.head(url, headers=world["headers"])
        assert head.status_code == 200 and head.data == b"", url
        assert "Content-Length" not in head.headers, url
        assert head.headers.get("ETag") == response.headers.get("ETag"), url
    assert streamed == declared, "a streamed route must carry x-streamed in its OpenAPI doc"
    assert {"/api/items.{ext}", "/api/@catalogue.{ext}"} <= streamed
