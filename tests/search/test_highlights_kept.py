"""Highlights are kept per published version of one database, never shared across databases."""

from __future__ import annotations

from qingdan_api import create_app
from tests import factories as f
from tests.conftest import drop_database, make_database

from .conftest import search


def _city(backend, tmp_path_factory, name: str):
    url = make_database(backend, tmp_path_factory)
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
        }
    )
    unit = f.unit_data(1)
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, [unit], [{"history": [f.record(unit, 1, name=name)]}])
    return app, url


def test_two_databases_with_the_same_version_ids_keep_their_own_highlights(
    backend, tmp_path_factory
):
    made = [_city(backend, tmp_path_factory, name) for name in ("食品经营许可", "食品生产许可")]
    try:
        names = [
            search(app.test_client(), "许可")["items"][0]["highlights"]["name"] for app, _ in made
        ]
        assert names == ["食品经营<mark>许可</mark>", "食品生产<mark>许可</mark>"]
    finally:
        for app, url in made:
            app.extensions["qingdan"].engine.dispose()
            drop_database(url)
