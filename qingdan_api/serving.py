"""How `qingdan serve` runs the app: waitress in one process, or gunicorn workers x threads."""

from __future__ import annotations

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
    on_listen: Callable[[Flask, str, int], None] | None = None,
) -> None:
    """Serve the app built by `make_app` until interrupted.

    One worker: waitress, `threads` threads in this process (any OS); OSError when it
    cannot listen on host:port, before `on_listen(app, host, port)` and `on_start(app)`
    run. More: gunicorn's master with `workers` forked processes of `threads` threads each
    (gthread, POSIX only); each worker calls `make_app` after the fork, so no engine,
    connection or thread is shared between processes, and `on_start` runs once, in the
    first worker, never in the master that forks. Python runs one thread at a time per
    process, so on a box of N cores only N processes use them all (README, "Serving in
    production"). Raises ValueError for workers or threads below 1.
    """
    if workers < 1 or threads < 1:
        raise ValueError("workers and threads must be at least 1")
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
            on_listen(app, host, port)
        if on_start is not None:
            on_start(app)
        server.run()
        return
    _gunicorn(make_app, f"{host}:{port}", workers, threads, on_start).run()


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
                "proc_name": "qingdan",
                "accesslog": None,
                "post_worker_init": post_worker_init,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return make_app()

    return Application()
