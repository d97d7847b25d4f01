"""The `qingdan` command group, its shared options, and init-db, demo, serve."""

from __future__ import annotations

import time
from contextlib import contextmanager

import click
from tqdm import tqdm

from .. import __version__
from ..app import create_app
from ..config import from_environ
from ..serving import authority, origin, require_free


def _config(instance: str | None, database: str | None) -> dict:
    config = {}
    if instance:
        config["QINGDAN_INSTANCE"] = instance
    if database:
        config["QINGDAN_DATABASE_URL"] = database
    return config


def _app(instance: str | None, database: str | None, catch_up: bool = True):
    """The app of a command; `catch_up=False` for commands that are not the indexer's
    place (a migration holds the write lock for minutes; a dump wants the CPU)."""
    return _started(_config(instance, database), catch_up)


def _started(config: dict, catch_up: bool = True, require_current: bool = False):
    """`create_app(config)`, its search index catching up in the background (as
    QINGDAN_SEARCH_CATCH_UP_ON_START says) only on a schema at the newest migration.

    Started on an older one, the catch-up read tables the migrations have changed since,
    failed with a traceback beside the command's own error, or raced its upgrade. Raises
    ClickException when `require_current` and the schema is older.
    """
    from ..migrate import is_current
    from ..search.hooks import start_catch_up

    app = create_app(config | {"QINGDAN_SEARCH_CATCH_UP_ON_START": False})
    wanted = catch_up and {**from_environ(), **config}["QINGDAN_SEARCH_CATCH_UP_ON_START"]
    if not (wanted or require_current):
        return app
    state = app.extensions["qingdan"]
    current = is_current(state.engine)
    if require_current and not current:
        raise click.ClickException("the database schema is not current: run `qingdan init-db`")
    if wanted and current:
        start_catch_up(state.search)
    return app


# waitress took 99999 as 99999 % 65536 (34463) and announced 99999; 0 is "any free port".
PORT = click.IntRange(1, 65535)
instance_option = click.option(
    "--instance", envvar="QINGDAN_INSTANCE", help="Folder for the embedded database and dumps."
)
database_option = click.option(
    "--database", envvar="QINGDAN_DATABASE_URL", help="SQLAlchemy URL (default: SQLite file)."
)


@click.group()
@click.version_option(__version__, "--version", prog_name="qingdan")
def main() -> None:
    """Qingdan: open data for power lists and responsibility lists (权力清单、责任清单)."""


@main.command("init-db")
@instance_option
@database_option
def init_db(instance, database) -> None:
    """Create or upgrade the database schema."""
    from ..migrate import upgrade

    app = _app(instance, database, catch_up=False)
    upgrade(app.extensions["qingdan"].engine)
    click.echo(f"database ready: {app.extensions['qingdan'].engine.url}")


def _first_dump(app, host: str, port: int) -> None:
    """Give the fresh demo its downloadable files, linked to where it will be served."""
    from ..services.dumps import DumpOptions, write_dump

    state = app.extensions["qingdan"]
    options = DumpOptions(api_root=f"{origin(host, port)}{state.url_prefix}")
    dump = write_dump(state.session_factory, app.instance_path, None, options)
    click.echo(f"wrote dump {dump.id} ({len(dump.files)} files): see {state.url_prefix}/@downloads")


def _announce(app, host: str, port: int) -> None:
    prefix = app.config["QINGDAN_URL_PREFIX"]
    click.echo(f"Qingdan serving on {origin(host, port)}{prefix}/  (docs: {prefix}/docs)")
    if app.config["QINGDAN_PORTAL"]:
        portal = "/" + app.config["QINGDAN_PORTAL_PREFIX"].strip("/")
        click.echo(f"Public portal: {origin(host, port)}{portal.rstrip('/')}/")


def _on_start(app) -> None:
    """Once per server start, in the process that serves: finish a dump that never did."""
    from ..api.releases import dump_missed_release

    dump_missed_release(app)


def _serve(app, host: str, port: int, threads: int = 8) -> None:
    from ..serving import serve as run

    with _listening(host, port):
        run(
            lambda: app,
            host,
            port,
            threads=threads,
            on_start=_on_start,
            on_listen=lambda host, port: _announce(app, host, port),
        )


@contextmanager
def _listening(host: str, port: int):
    """One clear line instead of a traceback when host:port cannot be listened on."""
    try:
        yield
    except OSError as exc:  # the port is taken, or the address is not this host's
        raise click.ClickException(
            f"cannot listen on {authority(host, port)}: {exc.strerror or exc}; "
            "is another server running there? choose another with --port"
        ) from None


@main.command()
@instance_option
@database_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=PORT)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Processes; above 1, gunicorn forks them (README: Serving in production).",
)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(min=1),
    help="Threads per process.",
)
def serve(instance, database, host, port, workers, threads) -> None:
    """Serve the API and the portal (waitress; gunicorn workers with --workers N)."""
    from ..serving import serve as run

    if workers == 1:
        _serve(_current_app(_config(instance, database)), host, port, threads)
        return
    # The master only checks the schema: no catch-up thread, no connection left to fork.
    # Each worker builds its own app; concurrent catch-ups claim the checkpoint in turn.
    probe = _current_app(_config(instance, database) | {"QINGDAN_SEARCH_CATCH_UP_ON_START": False})
    probe.extensions["qingdan"].engine.dispose()

    def announce(host: str, port: int) -> None:
        _announce(probe, host, port)
        click.echo(f"{workers} worker processes x {threads} threads (gunicorn)")

    with _listening(host, port):
        run(
            lambda: _app(instance, database),
            host,
            port,
            workers=workers,
            threads=threads,
            on_start=_on_start,
            on_listen=announce,
        )


def _current_app(config: dict):
    """The app, or a ClickException when its database is not at the newest migration."""
    return _started(config, require_current=True)


@main.command()
@instance_option
@database_option
@click.option("--items", "total", default=3000, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="Drop existing content and load again.")
@click.option("--load-only", is_flag=True, help="Load the demo data, do not serve.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=PORT)
def demo(instance, database, total, seed, reset, load_only, host, port) -> None:
    """Create the database if needed, load the demo city's lists, and serve them."""
    from ..migrate import upgrade
    from ..search.hooks import start_catch_up
    from ..services.demo import has_content, load_demo, reset_content

    # The index catches up once the schema is current: started with the app, beside the
    # migration, it read an older schema's tables (PostgreSQL: "column
    # search_checkpoints.sweep_to does not exist") and gave up until the next publication.
    if not load_only:  # before loading, and before a dump is written with this port's links
        with _listening(host, port):  # serving checks again when it starts, minutes later
            require_free(host, port)
    app = _app(instance, database, catch_up=False)
    state = app.extensions["qingdan"]
    upgrade(state.engine)
    with state.session_factory() as session:
        if reset:
            reset_content(session)
        if has_content(session):
            click.echo("demo data already loaded (use --reset to load again)")
        else:
            started = time.perf_counter()
            with tqdm(unit="item", desc="loading demo") as bar:
                stats = load_demo(session, total=total, seed=seed, progress=bar)
            elapsed = time.perf_counter() - started
            click.echo(
                f"loaded {stats['units']} units, {stats['items']} items, "
                f"{stats['versions']} versions in {elapsed:.1f}s"
            )
            if reset:  # the search index may still hold what was deleted
                state.search.reindex()
            _first_dump(app, host, port)
    if load_only:  # the instance is complete when the command ends
        absorbed = state.search.catch_up()
        if absorbed:
            click.echo(f"search index: {absorbed} changes absorbed")
        return
    start_catch_up(state.search)
    _serve(app, host, port)
