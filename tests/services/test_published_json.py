"""Every published version holds its public JSON, whichever path published it.

The paths: the bulk loader (tests' factories), the demo loader, a release, a single-item
publish, an adjustment, a withdrawal (tombstone), a cancellation published in a release,
and the harvester mirroring all of that into another instance. After all of them, every
published version's stored bytes equal a fresh rendering, and that rendering equals what
the item schema and Flask's JSON provider make of the record (the response the API gave
before the bytes were stored). A new publish path that forgets to stamp fails here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qingdan_api import create_app
from qingdan_api.api.schemas import ItemSchema
from qingdan_api.domain.published_json import SUMMARY_FIELDS, with_root
from qingdan_api.models import ItemVersion
from qingdan_api.services.demo import load_demo
from qingdan_api.services.harvest import harvest
from qingdan_api.services.published import public_json_bytes, render_version
from qingdan_api.services.records import public_record
from tests import factories as f
from tests.api.conftest import AGENCY, UNIT_A, UNIT_B, UNIT_Z, _dataset
from tests.conftest import drop_database, make_database
from tests.sync import driver as d

ROOT = "http://localhost/api"
EDITED = f.unit_data(21, name="临江市应急管理局")


def _instance(backend, tmp_path_factory, made):
    url = make_database(backend, tmp_path_factory)
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
            "QINGDAN_DUMP_ON_RELEASE": False,
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
        }
    )
    made.append((app, url))
    return app


def _publish_every_way(app) -> None:
    factory = app.extensions["qingdan"].session_factory
    with factory() as s:
        f.load(s, [UNIT_A, UNIT_B, UNIT_Z, AGENCY], _dataset())  # bulk loader
    with factory() as s:
        d.add_units_to(s, [EDITED])
        codes = [d.draft(s, EDITED, n, name=f"危险化学品经营许可{n}") for n in range(1, 5)]
        d.publish_release(s, codes[:3], "首批")  # a release
        d._take(s, codes[3], "publish")  # a single-item publish
        d.adjust(s, codes[0], name="危险化学品经营许可（调整）")
        d.publish_release(s, [codes[0]], "调整")  # a new version
        d.withdraw(s, codes[1], "职能划转")  # a tombstone at once
        d.cancel(s, codes[2], "不再实施")
        d.publish_release(s, [codes[2]], "取消")  # a withdrawal through a release


@pytest.fixture(scope="module")
def instances(backend, tmp_path_factory):
    """(source, aggregator): the source published every way; the aggregator holds the demo
    city and has harvested the source."""
    made: list = []
    source = _instance(backend, tmp_path_factory, made)
    aggregator = _instance(backend, tmp_path_factory, made)
    _publish_every_way(source)
    with aggregator.extensions["qingdan"].session_factory() as s:
        load_demo(s, total=120, seed=3)
    with d.serving(source) as url:
        result = harvest(aggregator.extensions["qingdan"].session_factory, url, name="源")
    assert result.error is None and result.stats.applied > 0
    aggregator.extensions["qingdan"].search.catch_up()
    yield source, aggregator
    for app, url in made:
        app.extensions["qingdan"].engine.dispose()
        drop_database(url)


def _schema_bytes(app, version: ItemVersion, chosen=None) -> bytes:
    """What the item schema and Flask's JSON provider make of a version (no source label)."""
    record = public_record(version)
    if chosen is not None:
        record = {name: record.get(name) for name in chosen}
    if isinstance(record.get("unit"), dict):
        unit = record["unit"]
        record["unit"] = {**unit, "@id": f"{ROOT}/units/{unit['credit_code']}"}
    resource = {"@id": f"{ROOT}/items/{version.code}", "@type": "item", **record}
    with app.app_context():
        return app.json.dumps(ItemSchema().dump(resource), separators=(",", ":")).encode()


def _published(session):
    return list(session.scalars(select(ItemVersion).where(ItemVersion.number.is_not(None))))


@pytest.mark.parametrize("which", ["source", "aggregator"])
def test_every_published_version_holds_its_rendered_json(instances, which):
    app = instances[0] if which == "source" else instances[1]
    with app.extensions["qingdan"].session_factory() as session:
        versions = _published(session)
        assert versions
        kinds = {(v.public_status, v.source_id is not None) for v in versions}
        stored = public_json_bytes(session, [v.id for v in versions])
        for version in versions:
            assert version.public_json is not None, version.code
            fresh = render_version(version)
            assert version.public_json == fresh.full == stored[version.id]
            assert version.summary_json == fresh.summary
            root = ROOT.encode()
            assert with_root(fresh.full, root) == _schema_bytes(app, version), version.code
            assert with_root(fresh.summary, root) == _schema_bytes(app, version, SUMMARY_FIELDS)
    # Live, superseded and withdrawn versions were all checked (harvested ones too).
    assert {status for status, _ in kinds} >= {"active", "withdrawn", None}
    assert which == "source" or (True in {harvested for _, harvested in kinds})


@pytest.mark.parametrize("which", ["source", "aggregator"])
def test_working_versions_hold_no_public_json(instances, which):
    app = instances[0] if which == "source" else instances[1]
    with app.extensions["qingdan"].session_factory() as session:
        rows = session.execute(
            select(ItemVersion.public_json, ItemVersion.summary_json).where(
                ItemVersion.number.is_(None)
            )
        ).all()
    assert rows
    assert all(full is None and summary is None for full, summary in rows)


def test_schema_coercion_is_mirrored():
    """Values of the wrong type are dumped as the schema would dump them."""
    from datetime import UTC, datetime

    from flask import Flask

    record = f.record(UNIT_A, 1)
    record.update(
        charged="true",
        statutory_limit={"amount": "20", "unit": "working_day", "extra": 1},
        targets=[1, "2"],
        entrusting_unit={"@id": "http://elsewhere/x", "credit_code": "X", "name": "委托"},
        remarks='控制字符\x01\u2028和引号"\\',
    )
    record.pop("local_code", None)
    version = ItemVersion(
        code=record["code"],
        record=record,
        number=3,
        published_at=datetime(2026, 1, 1, tzinfo=UTC),
        release_id=None,
        content_hash="0" * 64,
    )
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    expected = _schema_bytes(app, version)
    # The one deliberate difference: a record's own @id is not kept (links are ours).
    expected = expected.replace(b'"@id":"http://elsewhere/x",', b"")
    assert with_root(render_version(version).full, ROOT.encode()) == expected


def _fixed_point(app, response, schema) -> dict:
    assert response.status_code == 200, response.data[:300]
    with app.app_context():
        expected = app.json.response(schema().dump(response.get_json())).get_data()
    assert response.get_data() == expected
    return response.get_json()


def test_harvested_and_searched_answers_are_what_the_schemas_dump(instances):
    """Items with a source label, listings mixing local and harvested items, search hits."""
    from qingdan_api.api.schemas import ItemListingSchema, SearchResultsSchema, UnitListingSchema

    _source, aggregator = instances
    client = aggregator.test_client()
    listing = _fixed_point(aggregator, client.get("/api/items?limit=200"), ItemListingSchema)
    labelled = [i for i in listing["items"] if "source" in i]
    assert labelled and len(labelled) < len(listing["items"])
    assert labelled[0]["source"]["name"] == "源"
    for entry in labelled:
        item = _fixed_point(aggregator, client.get(f"/api/items/{entry['code']}"), ItemSchema)
        assert item["source"] == entry["source"]
    fields = client.get("/api/items?limit=200&fields=name,remarks")
    assert any("source" in i for i in _fixed_point(aggregator, fields, ItemListingSchema)["items"])
    _fixed_point(aggregator, client.get("/api/units?limit=200"), UnitListingSchema)
    source_id = labelled[0]["source"]["@id"].rsplit("/", 1)[1]
    found = _fixed_point(
        aggregator,
        client.get(f"/api/@search?q=危险化学品&source={source_id}&limit=1"),
        SearchResultsSchema,
    )
    assert found["items"] and all("<mark>" in hit["highlights"]["name"] for hit in found["items"])
    assert all("source" in hit for hit in found["items"])
    assert "next" in found["batching"]
    following = client.get(found["batching"]["next"])
    _fixed_point(aggregator, following, SearchResultsSchema)


def test_migration_renders_what_was_published_before_it(database_url):
    """0010 fills the bytes of versions published before it (in batches), drafts left NULL."""
    from qingdan_api.db import make_engine, make_session_factory
    from qingdan_api.migrate import downgrade, upgrade

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            f.load(session, [UNIT_A, UNIT_B, UNIT_Z, AGENCY], _dataset())
        downgrade(engine, "0009")  # the columns go; the versions stay
        upgrade(engine)
        with make_session_factory(engine)() as session:
            versions = list(session.scalars(select(ItemVersion)))
            published = [v for v in versions if v.number is not None]
            assert published and len(published) < len(versions)
            for version in versions:
                if version.number is None:
                    assert version.public_json is None and version.summary_json is None
                else:
                    fresh = render_version(version)
                    assert (version.public_json, version.summary_json) == (
                        fresh.full,
                        fresh.summary,
                    )
    finally:
        engine.dispose()
