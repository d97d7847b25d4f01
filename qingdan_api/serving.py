"""How `qingdan serve` runs the app: waitress in one process, or gunicorn workers x threads."""

from __future__ import annotations

import socket
from collections.abc import Callable

from flask import Flask

DEFAULT_THREADS = 8
# Output waitress may hold for one connection before the app's thread waits for the
# client: its default (16 MiB) spilled all beyond 1 MiB (`outbuf_overflow`) to a temporary
# file. At 1 MiB, with four clients downloading the 1M-item NDJSON, XML, CSV and JSON at
# once, server RSS was 176 MB instead of 270 (median over 45 s), at the same speed.
OUTBUF_HIGH_WATERMARK = 1 << 20

AppHook = Callable[[Flask], None]


def serve(
    make_app: Callable[[], Flask],
    host: str,
    port: int,
    *,
    workers: int = 1,
    threads: int = DEFAULT_THREADS,
    on_start: AppHook | None = None,
    on_listen: Callable[[str, int], None] | None = None,
) -> None:
    """Serve the app built by `make_app` until interrupted.

    First, OSError (EADDRINUSE, or the resolver's error) when host:port cannot be bound
    (`require_free`); then `on_listen(host, port)`, once the address is known to be ours.
    One worker: waitress, `threads` threads in this process (any OS), `on_start(app)` once
    it listens. More: gunicorn's master with `workers` forked processes of `threads`
    threads each (gthread, POSIX only); each worker calls `make_app` after the fork, so no
    engine, connection or thread is shared between processes, and `on_start` runs once,
    in the first worker, never in the master that forks. Python runs one thread at a time
    per process, so on a box of N cores only N processes use them all (README, "Serving in
    production"). Raises ValueError for workers or threads below 1.
    """
    if workers < 1 or threads < 1:
        raise ValueError("workers and threads must be at least 1")
    # Also for waitress, which says ValueError (not OSError) for a name it cannot resolve.
    require_free(host, port)
    if workers == 1:
        from waitress import create_server

        app = make_app()
        server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="qingdan",
            outbuf_high_watermark=OUTBUF_HIGH_WATERMARK,
        )
        if on_listen is not None:
            on_listen(host, port)
        if on_start is not None:
            on_start(app)
        server.run()
        return
    if on_listen is not None:
        on_listen(host, port)
    # gunicorn reads "::1:8000" as host "" and port "": an IPv6 address goes in brackets.
    _gunicorn(make_app, authority(host, port), workers, threads, on_start).run()


def authority(host: str, port: int) -> str:
    """host:port, an IPv6 address in brackets (RFC 3986, 3.2.2): "[::1]:8000"."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def origin(host: str, port: int) -> str:
    """The http:// origin of host:port: "http://[::1]:8000"."""
    return f"http://{authority(host, port)}"


def require_free(host: str, port: int) -> None:
    """Raise OSError (EADDRINUSE, or the resolver's error) when host:port cannot be bound.

    With SO_REUSEPORT each worker binds its own listening socket, so a second server on
    the same port would not fail: it would join the first's group and take half its
    connections (a stale server answering from another database). A socket bound here
    without SO_REUSEPORT fails against any listener, with or without it; SO_REUSEADDR
    keeps a restart from failing on the old server's connections in TIME_WAIT. The
    address is the one gunicorn binds: IPv6 for an address with a colon, else IPv4 (a
    name such as localhost resolves to its IPv4 address).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _gunicorn(
    make_app: Callable[[], Flask], bind: str, workers: int, threads: int, on_start: AppHook | None
):
    from gunicorn.app.base import BaseApplication

    def post_worker_init(worker) -> None:
        # Ages count spawned workers from 1: the first worker of this master only.
        if on_start is not None and worker.age == 1:
            on_start(worker.wsgi)

    class Application(BaseApplication):
        def load_config(self) -> None:
            # gthread keeps connections alive and lets a long export stream run past
            # `timeout` (the main thread of the worker keeps beating); sync would kill it.
            settings = {
                "bind": bind,
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                # One listening socket per worker (SO_REUSEPORT), the kernel spreading
                # new connections over them. On one shared socket a gthread worker
                # accepts greedily: in 10 of 26 wrk rounds (8 connections, page and
                # search) one worker took them all and the other idled (a unit's page:
                # 249-301 req/s instead of 570-733); with a socket each, in 0 of 26
                # (681-814 req/s).
                # bench/results/peer_bench.md, ninth session.
                "reuse_port": hasattr(socket, "SO_REUSEPORT"),
                # gunicorn's control socket is one path per user ($HOME/.gunicorn or
                # $XDG_RUNTIME_DIR): a second server replaced it, and stopping either
                # deleted the other's. Nothing here uses gunicornc.
                "control_socket_disable": True,
                # gunicorn's largest bounded request line (default 4,094): a listing with
                # a hundred repeated filter values must not be a 414 under workers when
                # waitress (256 KiB of headers) serves it.
                "limit_request_line": 8190,
                "proc_name": "qingdan",
                "accesslog": None,
                "post_worker_init": post_worker_init,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return make_app()

    return Application()
