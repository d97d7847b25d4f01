"""`qingdan serve`: one waitress process, or gunicorn's workers x threads, on both databases."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from qingdan_api import serving
from tests import factories as f


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(database_url: str, instance: Path, port: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "qingdan_api", "serve", "--database", database_url,
            "--instance", str(instance), "--port", str(port), *options]  # fmt: skip


def children(pid: int) -> list[int]:
    """Child process ids (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def wait_for(url: str, process: subprocess.Popen, timeout: float = 300.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode()
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} not served in {timeout}s")


@pytest.fixture(scope="module")
def loaded(app, database_url):
    unit = f.unit_data(1)
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, [unit], [{"history": [f.record(unit, n)]} for n in range(1, 4)])
    return database_url


@pytest.mark.parametrize(("options", "processes"), [((), 0), (("--workers", "2"), 2)])
def test_serves_with_the_workers_asked_for(loaded, tmp_path, options, processes):
    port = free_port()
    process = subprocess.Popen(
        serve_command(loaded, tmp_path, port, "--threads", "2", *options),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        body = wait_for(f"http://127.0.0.1:{port}/api/items?limit=2", process)
        assert b'"items_total": 3' in body or b'"items_total":3' in body
        # Concurrent requests all answered (threads in each worker).
        for _ in range(6):
            wait_for(f"http://127.0.0.1:{port}/api/items?limit=1", process)
        assert len(children(process.pid)) == processes
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_refuses_a_database_without_the_schema(tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    done = subprocess.run(
        serve_command(empty, tmp_path, free_port(), "--workers", "2"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "qingdan init-db" in done.stderr


@pytest.mark.parametrize("option", ["--workers", "--threads"])
def test_zero_workers_or_threads_is_a_usage_error(tmp_path, option):
    done = subprocess.run(
        serve_command("sqlite://", tmp_path, free_port(), option, "0"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert "x>=1" in done.stderr


def test_serve_rejects_no_threads():
    with pytest.raises(ValueError):
        serving.serve(lambda: None, "127.0.0.1", 0, workers=1, threads=0)


def test_waitress_holds_at_most_a_mebibyte_per_connection(monkeypatch):
    """Beyond it the app's thread waits for the client (no spill to a temporary file)."""
    import waitress
    from flask import Flask

    made = []

    def create_server(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    class Started(Exception):
        pass

    def stop(_app):
        raise Started

    real = waitress.create_server
    monkeypatch.setattr(waitress, "create_server", create_server)
    with pytest.raises(Started):
        serving.serve(lambda: Flask("t"), "127.0.0.1", 0, on_start=stop)
    try:
        adj = made[0].adj
        assert adj.outbuf_high_watermark == serving.OUTBUF_HIGH_WATERMARK == 1 << 20
        assert adj.outbuf_high_watermark <= adj.outbuf_overflow
    finally:
        made[0].close()
