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


def free_port(host: str = "127.0.0.1") -> int:
    """A free port of `host` (IPv6 for an address with a colon)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
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
    home = tmp_path / "home"
    environment = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    process = subprocess.Popen(
        serve_command(loaded, tmp_path, port, "--threads", "2", *options),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**environment, "HOME": str(home)},
    )
    try:
        body = wait_for(f"http://127.0.0.1:{port}/api/items?limit=2", process)
        assert b'"items_total": 3' in body or b'"items_total":3' in body
        # Concurrent requests all answered (threads in each worker).
        for _ in range(6):
            wait_for(f"http://127.0.0.1:{port}/api/items?limit=1", process)
        assert len(children(process.pid)) == processes
        # No gunicorn control socket: it is one path per user, which servers side by
        # side replaced and, when stopped, deleted under each other.
        assert not (home / ".gunicorn").exists()
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


def listener(reuse_port: bool = False, host: str = "127.0.0.1") -> socket.socket:
    """A socket listening on a free port of `host`, as another server's would."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    busy = socket.socket(family)
    if reuse_port:  # as a gunicorn worker's (or another `qingdan serve --workers`)
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    busy.bind((host, 0))
    busy.listen()
    return busy


def run_to_end(command: list[str], timeout: float = 120.0) -> subprocess.CompletedProcess:
    """Run a server command that must exit; its whole process group is killed if not."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError("the server started on a port another server listens on") from None
    return subprocess.CompletedProcess(command, process.returncode, out, err)


@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain", "reuseport"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_another_server_listens_on_is_refused(loaded, tmp_path, workers, reuse_port):
    """Also one whose listener has SO_REUSEPORT, as the workers' own sockets have: the
    workers would otherwise join its group and split its connections with it."""
    with listener(reuse_port) as busy:
        port = busy.getsockname()[1]
        done = run_to_end(serve_command(loaded, tmp_path, port, "--workers", workers))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr and "serving on" not in done.stdout


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def server_side_inodes(port: int) -> dict[int, int]:
    """{client port: inode} of the server's accepted IPv4 connections on `port` (Linux)."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        remote_port = int(fields[2].split(":")[1], 16)
        if local_port == port and remote_port:
            found[remote_port] = int(fields[9])
    return found


def test_connections_are_spread_over_the_workers(loaded, tmp_path):
    """Kept-alive connections opened at once land on both workers, not all on one.

    On one shared listening socket a gthread worker accepts as long as connections come
    (peer_bench.md: in 10 of 26 rounds of 8 wrk connections, one worker took them all).
    With a socket per worker the kernel spreads them: 16 connections all on one of two
    workers has a chance of 2 in 65,536.
    """
    from http.client import HTTPConnection

    port = free_port()
    process = subprocess.Popen(
        serve_command(loaded, tmp_path, port, "--workers", "2", "--threads", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    connections = [HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(16)]
    try:
        wait_for(f"http://127.0.0.1:{port}/api/items?limit=1", process)
        for connection in connections:
            connection.connect()
        for connection in connections:  # each served, so each accepted by a worker
            connection.request("GET", "/api/items?limit=1")
            response = connection.getresponse()
            assert response.status == 200 and not response.will_close
            response.read()
        clients = {connection.sock.getsockname()[1] for connection in connections}
        inodes = server_side_inodes(port)
        held = [
            clients & {client for client, inode in inodes.items() if inode in socket_inodes(pid)}
            for pid in children(process.pid)
        ]
        assert len(held) == 2 and set.union(*held) == clients
        assert all(held), [len(h) for h in held]
    finally:
        for connection in connections:
            connection.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def ipv6_loopback() -> bool:
    try:
        free_port("::1")
    except OSError:
        return False
    return True


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback on this machine")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_serves_on_an_ipv6_address(loaded, tmp_path, workers):
    """gunicorn took "::1:8000" for host "" and port "": a RuntimeError, no server."""
    port = free_port("::1")
    command = [*serve_command(loaded, tmp_path, port, "--workers", workers), "--host", "::1"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        body = wait_for(f"http://[::1]:{port}/api/items?limit=1", process)
        assert b'"items_total"' in body
        assert f"serving on http://[::1]:{port}/api/".encode() in process.stdout.readline()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.parametrize("command", ["serve", "demo"])
@pytest.mark.parametrize("port", ["0", "65536", "99999", "-1"])
def test_a_port_outside_1_to_65535_is_a_usage_error(tmp_path, command, port):
    """waitress listened on 99999 % 65536 and announced 99999; gunicorn raised OverflowError."""
    done = run_to_end(
        [sys.executable, "-m", "qingdan_api", command, "--instance", str(tmp_path), "--port", port]
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "1<=x<=65535" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_host_that_does_not_resolve_is_one_clear_line(loaded, tmp_path, workers):
    """waitress raised ValueError (a traceback) for a name it could not resolve."""
    command = serve_command(loaded, tmp_path, free_port(), "--workers", workers)
    done = run_to_end([*command, "--host", "nosuchhost.invalid"])
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cannot listen on nosuchhost.invalid:" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_demo_checks_its_port_before_loading(tmp_path):
    """It loaded the data and wrote a dump linked to the busy port, then failed."""
    with listener() as busy:
        port = busy.getsockname()[1]
        command = [sys.executable, "-m", "qingdan_api", "demo", "--items", "5"]
        done = run_to_end([*command, "--instance", str(tmp_path), "--port", str(port)])
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "loading" not in done.stdout + done.stderr and not any(tmp_path.iterdir())


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_a_busy_ipv6_port_is_named_in_brackets(loaded, tmp_path):
    with listener(host="::1") as busy:
        port = busy.getsockname()[1]
        command = serve_command(loaded, tmp_path, port, "--workers", "2")
        done = run_to_end([*command, "--host", "::1"])
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"cannot listen on [::1]:{port}:" in done.stderr
