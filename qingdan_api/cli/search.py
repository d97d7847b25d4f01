"""`qingdan index` and `qingdan reindex`: bring the search index up to date, or rebuild it."""

from __future__ import annotations

import time

import click
from tqdm import tqdm

from ..app import create_app
from .core import database_option, instance_option, main


def _indexer(instance: str | None, database: str | None):
    # No background catch-up at start: these commands do the indexing themselves.
    config = {"QINGDAN_SEARCH_CATCH_UP_ON_START": False}
    if instance:
        config["QINGDAN_INSTANCE"] = instance
    if database:
        config["QINGDAN_DATABASE_URL"] = database
    return create_app(config).extensions["qingdan"].search


@main.command()
@instance_option
@database_option
def index(instance, database) -> None:
    """Index every publication not yet in the search index (catch up on the change feed)."""
    indexer = _indexer(instance, database)
    lag = indexer.status().lag
    started = time.perf_counter()
    with tqdm(total=lag, unit="change", desc="indexing") as progress:
        absorbed = indexer.catch_up(progress=progress)
    status = indexer.status()
    click.echo(
        f"absorbed {absorbed} changes in {time.perf_counter() - started:.1f}s; "
        f"{status.documents} documents, lag {status.lag}"
    )


@main.command()
@instance_option
@database_option
def reindex(instance, database) -> None:
    """Rebuild the search index from the database (Elasticsearch: new index, alias swap)."""
    indexer = _indexer(instance, database)
    started = time.perf_counter()
    with tqdm(unit="item", desc=f"reindexing ({indexer.backend.name})") as progress:
        count = indexer.reindex(progress=progress)
    click.echo(f"indexed {count} items in {time.perf_counter() - started:.1f}s")
