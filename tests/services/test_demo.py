"""The demo city loads through the real loader and the API shows exactly what is published."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from qingdan_api import create_app
from qingdan_api.cli import main
from qingdan_api.demo import generate_items, generate_units
from qingdan_api.domain.codes import parse_implementation_code
from qingdan_api.migrate import downgrade, is_current
from qingdan_api.services.demo import has_content, load_demo, reset_content
from tests.conftest import drop_database, make_database

TOTAL = 400


@pytest.fixture(scope="module")
def demo_app(app):
    with app.extensions["qingdan"].session_factory() as session:
        stats = load_demo(session, total=TOTAL, seed=7)
    app.demo_stats = stats
    return app


def expected():
    units = generate_units(seed=7)
    items = list(generate_items(units, total=TOTAL, seed=7))
    return units, items


def test_counts_match_the_generator(demo_app):
    units, items = expected()
    client = demo_app.test_client()
    active = [i for i in items if i["_state"] == "published"]
    assert client.get("/api/items").get_json()["items_total"] == len(active)
    withdrawn = [i for i in items if i["_state"] == "withdrawn"]
    body = client.get("/api/items?status=withdrawn&limit=200").get_json()
    assert body["items_total"] == len(withdrawn)
    assert client.get("/api/units").get_json()["items_total"] == len(units)
    assert demo_app.demo_stats["items"] == TOTAL


def test_unpublished_items_are_invisible(demo_app):
    _, items = expected()
    client = demo_app.test_client()
    hidden = [i for i in items if i["_state"] in ("draft", "in_review", "returned")]
    assert hidden
    for item in hidden:
        assert client.get(f"/api/items/{item['code']}").status_code == 404


def test_history_and_releases(demo_app):
    _, items = expected()
    client = demo_app.test_client()
    revised = next(i for i in items if i["_state"] == "published" and i["_versions"])
    body = client.get(f"/api/items/{revised['code']}/@versions").get_json()
    assert body["items_total"] == len(revised["_versions"]) + 1
    times = [v["published_at"] for v in body["items"]]
    assert times == sorted(times) and len(set(times)) == len(times)
    releases = [v["release_id"] for v in body["items"]]
    assert len(set(releases)) == len(releases)


def test_every_published_code_is_valid(demo_app):
    client = demo_app.test_client()
    url = "/api/items?limit=200&fields=code,category"
    while url:
        body = client.get(url).get_json()
        for item in body["items"]:
            parse_implementation_code(item["code"], item["category"])
        url = body["batching"].get("next")


def test_zero_report_unit_is_published(demo_app):
    client = demo_app.test_client()
    units = client.get("/api/units?limit=200").get_json()["items"]
    zero = [u for u in units if u["zero_report"]]
    assert len(zero) == 1 and zero[0]["items_total"] == 0 and zero[0]["zero_report_reason"]


def test_cli_demo_load_only_is_idempotent_and_resets(tmp_path):
    runner = CliRunner()
    args = ["demo", "--instance", str(tmp_path), "--items", "150", "--load-only"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "loaded 40 units, 150 items" in first.output
    again = runner.invoke(main, args)
    assert "already loaded" in again.output
    app = create_app({"QINGDAN_INSTANCE": str(tmp_path)})
    client = app.test_client()
    assert client.get("/api/units").get_json()["items_total"] == 40
    with app.extensions["qingdan"].session_factory() as session:
        reset_content(session)
        assert not has_content(session)
    assert client.get("/api/items").get_json()["items_total"] == 0
    app.extensions["qingdan"].engine.dispose()


@pytest.fixture
def migrated_url(backend, tmp_path_factory):
    url = make_database(backend, tmp_path_factory)
    yield url
    drop_database(url)


def test_cli_demo_upgrades_an_older_instance_then_catches_up(migrated_url, tmp_path):
    """An instance loaded by an older version: its schema a migration behind and its
    index behind the feed. The demo command upgrades it first, then indexes."""
    settings = {
        "QINGDAN_INSTANCE": str(tmp_path),
        "QINGDAN_DATABASE_URL": migrated_url,
        "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
    }
    args = ["demo", "--instance", str(tmp_path), "--database", migrated_url]
    args += ["--items", "150", "--load-only"]
    assert CliRunner().invoke(main, args).exit_code == 0
    app = create_app(settings)
    engine = app.extensions["qingdan"].engine
    app.extensions["qingdan"].search.clear()
    downgrade(engine, "-1")
    engine.dispose()
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output and "changes absorbed" in again.output
    app = create_app(settings)
    assert is_current(app.extensions["qingdan"].engine)
    status = app.extensions["qingdan"].search.status()
    assert status.lag == 0 and status.documents > 0
    app.extensions["qingdan"].engine.dispose()


def test_serve_refuses_an_uninitialised_database(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--instance", str(tmp_path)])
    assert result.exit_code != 0
    assert "qingdan init-db" in result.output


def test_loader_refuses_an_invalid_code(session):
    from qingdan_api.domain.codes import CodeError
    from qingdan_api.services.loading import BulkLoader, Publication, add_units
    from tests import factories as f

    unit = f.unit_data(777, sector="77")  # a serial the demo city does not use
    ids = add_units(session, [unit])
    bad = f.record(unit, 1)
    bad["code"] = bad["code"][:-1] + "X"
    with pytest.raises(CodeError) as error:
        BulkLoader(session, ids).add([Publication(bad, f.T0)])
    assert error.value.segment == "length" or "basic" in error.value.segment
    mismatched = f.record(unit, 2, category="02")
    mismatched["category"] = "01"
    with pytest.raises(CodeError) as error:
        BulkLoader(session, ids).add([Publication(mismatched, f.T0)])
    assert error.value.segment == "category"
    session.rollback()


def test_demo_ships_a_catalogue_with_planted_gaps(demo_app):
    """The demo catalogue follows the items, with every kind of gap planted (demo/upper.py)."""
    client = demo_app.test_client()
    assert demo_app.demo_stats["catalogue_entries"] > 0
    summary = client.get("/api/@alignment").get_json()["summary"]
    for kind in ("omission", "extra", "name", "law_missing"):
        assert summary["by_kind"][kind] > 0, summary
    assert summary["by_kind"]["category"] == 0


def test_change_times_follow_the_feed_order(demo_app):
    """The feed's seq follows time, so the newest change is the newest publication:
    Last-Modified, the Atom feed and the catalog were a year stale before."""
    from sqlalchemy import func, select

    from qingdan_api.models import Change, ItemVersion

    with demo_app.extensions["qingdan"].session_factory() as session:
        times = list(session.scalars(select(Change.created_at).order_by(Change.seq)))
        newest = session.scalar(select(func.max(ItemVersion.published_at)))
    assert times == sorted(times)
    assert times[-1] == newest
    client = demo_app.test_client()
    stamp = newest.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert client.get("/api/items.csv").headers["Last-Modified"] == stamp
    assert f"<updated>{newest.isoformat(timespec='seconds')}" in client.get(
        "/api/@changes.atom"
    ).get_data(as_text=True)
