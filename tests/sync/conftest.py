"""Fixtures for sync tests: extra Qingdan instances (own database each) on the same backend."""

from __future__ import annotations

import pytest

from qingdan_api import create_app
from tests.conftest import drop_database, make_database


@pytest.fixture(scope="module")
def instances(backend, tmp_path_factory):
    """A factory of fresh instances (apps with their own migrated database)."""
    made = []

    def make():
        url = make_database(backend, tmp_path_factory)
        folder = tmp_path_factory.mktemp("instance")
        app = create_app({"QINGDAN_DATABASE_URL": url, "QINGDAN_INSTANCE": str(folder)})
        app.config["TESTING"] = True
        made.append((app, url))
        return app

    yield make
    for app, url in made:
        app.extensions["qingdan"].engine.dispose()
        drop_database(url)


def session_of(app):
    return app.extensions["qingdan"].session_factory()
