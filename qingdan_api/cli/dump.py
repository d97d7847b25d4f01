"""`qingdan dump`: write a complete dump of the published lists into the instance folder."""

from __future__ import annotations

import time

import click

from .core import _app, database_option, instance_option, main


@main.command()
@instance_option
@database_option
@click.option("--release", "release_id", type=int, help="Record the dump as this release's.")
def dump(instance, database, release_id) -> None:
    """Dump every published item in every format, with checksums and a DCAT catalog."""
    from ..api.releases import dump_options
    from ..migrate import upgrade
    from ..services.dumps import write_dump
    from ..services.errors import DomainError

    app = _app(instance, database, catch_up=False)
    state = app.extensions["qingdan"]
    upgrade(state.engine)
    options = dump_options(app)  # links under QINGDAN_PUBLIC_URL
    started = time.perf_counter()
    try:
        written = write_dump(state.session_factory, app.instance_path, release_id, options)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    elapsed = time.perf_counter() - started
    click.echo(
        f"dump {written.id}: {written.item_count} items, {written.withdrawn_count} withdrawn, "
        f"seq {written.seq}, {len(written.files)} files in {elapsed:.1f}s"
    )
    for entry in written.files:
        click.echo(f"  {entry['name']:<20} {entry['size']:>12} bytes  sha256 {entry['sha256']}")
