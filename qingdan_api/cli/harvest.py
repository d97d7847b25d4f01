"""`qingdan harvest SOURCE_URL…`: mirror other Qingdan instances into this one (for cron)."""

from __future__ import annotations

import sys

import click
from tqdm import tqdm

from .core import _config, _current_app, database_option, instance_option, main


@main.command()
@instance_option
@database_option
@click.argument("sources", nargs=-1, required=True)
@click.option("--name", help="Name of the source (only with a single SOURCE_URL).")
@click.option("--region", help="Region code of the source (default: its units' region).")
@click.option("--page-size", default=500, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
def harvest(instance, database, sources, name, region, page_size, progress) -> None:
    """Mirror the published lists of each SOURCE_URL (its API root, e.g. http://host/api).

    Resumes from the last committed page, verifies every record's content hash and ends
    by comparing counts and the published-set checksum. Exits 1 if any source failed.
    """
    from ..services.harvest import harvest as harvest_source

    if name and len(sources) > 1:
        raise click.UsageError("--name names a single source")
    app = _current_app(_config(instance, database))
    state = app.extensions["qingdan"]
    show = sys.stderr.isatty() if progress is None else progress
    failed = 0
    for url in sources:
        with tqdm(disable=not show, desc=url, unit="change") as bar:
            result = harvest_source(
                state.session_factory,
                url,
                name=name,
                region=region,
                page_size=page_size,
                progress=bar,
            )
        s = result.stats
        line = (
            f"{result.name}: seq {result.start_seq} -> {result.end_seq} "
            f"(source at {result.source_last_seq}), {s.applied} applied, {s.skipped} "
            f"already held, {s.refused} refused, {result.items_total} items"
        )
        if result.error:
            failed += 1
            click.echo(f"{line}; FAILED: {result.error}", err=True)
        else:
            click.echo(f"{line}; verified, checksum {result.checksum}")
    state.engine.dispose()
    if failed:
        sys.exit(1)
