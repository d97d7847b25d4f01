"""How `qingdan serve` runs the app: waitress in one process, or gunicorn workers x threads."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

DEFAULT_THREADS = 8


def serve(
    make_app: Callable[[], Flask],
    host: str,
    port: int,
    *,
    workers: int = 1,
    threads: int = DEFAULT_THREADS,
) -> None:
    """Serve the app built by `make_app` until interrupted.

    One worker: waitress, `threads` threads in this process (any OS). More: gunicorn's
    master with `workers` forked processes of `threads` threads each (gthread, POSIX only);
    each worker calls `make_app` after the fork, so no engine, connection or thread is
    shared between processes. Python runs one thread at a time per process, so on a box
    of N cores only N or more processes use them all (README, "Serving in production").
    Raises ValueError for workers or threads below 1.
    """
    if workers < 1 or threads < 1:
        raise ValueError("workers and threads must be at least 1")
    if workers == 1:
        from waitress import serve as waitress_serve

        waitress_serve(make_app(), host=host, port=port, threads=threads, ident="qingdan")
        return
    _gunicorn(make_app, f"{host}:{port}", workers, threads).run()


def _gunicorn(make_app: Callable[[], Flask], bind: str, workers: int, threads: int):
    from gunicorn.app.base import BaseApplication

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
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return make_app()

    return Application()
