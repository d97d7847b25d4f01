"""Export fragments: spliced output equals rendered output; stale or missing ones are rendered.

Every format and option is fetched before any fragment exists (everything rendered live),
then after services.fragments.refresh (CSV and XML spliced from stored text, records not
read), then with fragments made stale in each way that must not be trusted.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from qingdan_api import create_app
from qingdan_api.models import ExportCsvRow, ExportFragment, ItemVersion
from qingdan_api.services import fragments
from tests import factories as f
from tests.conftest import drop_database, make_database

from .conftest import AGENCY, UNIT_A, UNIT_B, UNIT_Z
from .conftest import _dataset as dataset_items

URLS = [
    "/api/items.csv",
    "/api/items.csv?labels=zh&bom=true",
    "/api/items.csv?table=legal_bases",
    "/api/items.csv?table=process_steps",
    "/api/items.xml",
    "/api/items.csv.zip",
    "/api/items.json",
    "/api/items.ndjson",
    f"/api/units/{UNIT_A['credit_code']}/items.xml",
    "/api/items.csv?status=withdrawn",
]


@pytest.fixture
def own(backend, tmp_path_factory):
    """An instance of its own: these tests write and spoil fragments."""
    url = make_database(backend, tmp_path_factory)
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
            "QINGDAN_DUMP_ON_RELEASE": False,
            "QINGDAN_EXPORT_PAGE_SIZE": 7,
        }
    )
    app.config["TESTING"] = True
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, [UNIT_A, UNIT_B, UNIT_Z, AGENCY], dataset_items())
        session.commit()
    yield app
    app.extensions["qingdan"].engine.dispose()
    drop_database(url)


def _bodies(app) -> dict[str, bytes]:
    client = app.test_client()
    out = {}
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        out[url] = response.get_data()
    return out


def _count(app) -> int:
    with app.extensions["qingdan"].session_factory() as session:
        return session.scalar(select(func.count()).select_from(ExportFragment))


def test_spliced_exports_equal_rendered_ones(own):
    rendered = _bodies(own)
    engine = own.extensions["qingdan"].engine
    stored = fragments.refresh(engine, batch=5)
    with own.extensions["qingdan"].session_factory() as session:
        public = session.scalar(select(func.count()).where(ItemVersion.public_status.is_not(None)))
    assert stored == public == _count(own)
    assert fragments.refresh(engine) == 0, "nothing is rendered twice"
    assert _bodies(own) == rendered


@pytest.mark.parametrize(
    "spoil",
    [
        {"stamp": "0" * 16},  # rendered by other writers or another schema
        {"content_hash": "f" * 64},  # rendered from other content
    ],
)
def test_stale_fragments_are_not_spliced(own, spoil):
    rendered = _bodies(own)
    engine = own.extensions["qingdan"].engine
    fragments.refresh(engine)
    with own.extensions["qingdan"].session_factory() as session:
        # Spoiled text that would show if it were used.
        session.execute(update(ExportFragment).values(xml="<SPOILED/>", **spoil))
        session.execute(update(ExportCsvRow).values(csv_row="SPOILED", **spoil))
        session.commit()
    assert _bodies(own) == rendered
    assert fragments.refresh(engine) == _count(own), "stale ones are rendered again"
    assert _bodies(own) == rendered


@pytest.mark.parametrize("table", [ExportFragment, ExportCsvRow], ids=lambda t: t.__tablename__)
def test_versions_without_fragments_are_read_and_rendered(own, table):
    """With either of the two tables missing a version's row, it is rendered whole."""
    rendered = _bodies(own)
    engine = own.extensions["qingdan"].engine
    fragments.refresh(engine)
    with own.extensions["qingdan"].session_factory() as session:
        ids = sorted(session.scalars(select(table.version_id)).all())
        # Every other one removed: pages mix spliced and rendered records.
        session.execute(table.__table__.delete().where(table.version_id.in_(ids[::2])))
        session.commit()
    assert _bodies(own) == rendered
    assert fragments.refresh(engine) == len(ids[::2]), "the versions missing a row"
    assert _bodies(own) == rendered
