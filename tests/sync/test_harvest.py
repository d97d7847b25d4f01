"""Harvesting one source into an aggregator: bootstrap, increments, replays, refusals, health."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from qingdan_api.domain.record import content_hash
from qingdan_api.models import ExportCsvRow, ExportFragment, HarvestConflict, ItemVersion, Source
from qingdan_api.services import fragments
from qingdan_api.services.harvest import harvest
from tests import factories as f
from tests.sync import driver as d
from tests.sync.conftest import session_of

UNIT = f.unit_data(11, name="临江市水利局")
ZERO = f.unit_data(12, name="临江市地方志办公室", zero_report=True, zero_report_reason="无权力")


def _fill_source(app) -> None:
    """Seven changes: five items published, one adjusted, one withdrawn."""
    with session_of(app) as s:
        d.add_units_to(s, [UNIT, ZERO])
        codes = [d.draft(s, UNIT, n) for n in range(1, 6)]
        d.publish_release(s, codes, "首批")
        d.adjust(s, codes[0], name="水利许可（调整）")
        d.publish_release(s, [codes[0]], "调整")
        d.withdraw(s, codes[1], "职能划转")


# Each test builds its own source and aggregator: tests that shared one module-wide pair
# depended on running in file order on one worker, and failed under `pytest -n 4`.
@pytest.fixture
def app(instances):
    """The source instance, holding the seven changes of `_fill_source`."""
    source = instances()
    _fill_source(source)
    return source


@pytest.fixture
def source_url(app):
    with d.serving(app) as url:
        yield url


@pytest.fixture
def aggregator(instances):
    return instances()


@pytest.fixture
def bootstrapped(aggregator, source_url):
    """The aggregator after its first harvest of the source (seq 0 to 7)."""
    result = _run(aggregator, source_url, name="临江市")
    assert result.error is None and result.verified and result.end_seq == 7
    return aggregator


def _run(aggregator, url, **kw):
    return harvest(aggregator.extensions["qingdan"].session_factory, url, page_size=2, **kw)


def _assert_mirrors(app, aggregator, source_id):
    with session_of(app) as s, session_of(aggregator) as a:
        assert d.public_set(a, source_id) == d.public_set(s)


def test_bootstrap_from_zero_mirrors_everything(app, aggregator, source_url):
    result = _run(aggregator, source_url, name="临江市")
    assert result.error is None and result.verified
    assert (result.start_seq, result.end_seq, result.stats.applied) == (0, 7, 7)
    assert result.pages == 4
    _assert_mirrors(app, aggregator, result.source_id)
    client = aggregator.test_client()
    code = f.record(UNIT, 1)["code"]
    item = client.get(f"/api/items/{code}").get_json()
    assert item["name"] == "水利许可（调整）" and item["version"] == 2
    assert item["source"]["name"] == "临江市" and item["source"]["base_url"] == source_url
    assert client.get(f"/api/items/{f.record(UNIT, 2)['code']}").status_code == 410
    assert client.get(f"/api/items/{code}/@versions/1").get_json()["name"] == "测试事项1"
    unit = client.get(f"/api/units/{ZERO['credit_code']}").get_json()
    assert unit["zero_report"] is True and unit["source"]["name"] == "临江市"
    listing = client.get(f"/api/items?source={result.source_id}&status=all").get_json()
    assert listing["items_total"] == 5
    assert client.get("/api/items?source=0").get_json()["items_total"] == 0


@pytest.mark.usefixtures("bootstrapped")
def test_the_aggregator_can_itself_be_followed(app, aggregator, source_url):
    ours = aggregator.test_client().get("/api/@changes/checksum").get_json()
    theirs = app.test_client().get("/api/@changes/checksum").get_json()
    assert ours["checksum"] == theirs["checksum"]  # one source, no local content


@pytest.mark.usefixtures("bootstrapped")
def test_a_second_run_changes_nothing(aggregator, source_url):
    result = _run(aggregator, source_url)
    assert result.error is None and result.verified and result.stats.applied == 0
    assert result.pages == 0


@pytest.mark.usefixtures("bootstrapped")
def test_increments_are_applied_in_order(app, aggregator, source_url):
    with session_of(app) as s:
        d.adjust(s, f.record(UNIT, 3)["code"], name="再调整")
        d.adjust(s, f.record(UNIT, 4)["code"], name="再调整4")
        d.publish_release(s, [f.record(UNIT, 3)["code"], f.record(UNIT, 4)["code"]], "二批")
        d.cancel(s, f.record(UNIT, 3)["code"], "取消")
        d.publish_release(s, [f.record(UNIT, 3)["code"]], "三批")
    result = _run(aggregator, source_url)
    assert result.error is None and result.verified
    assert (result.start_seq, result.end_seq, result.stats.applied) == (7, 10, 3)
    _assert_mirrors(app, aggregator, result.source_id)


@pytest.mark.usefixtures("bootstrapped")
def test_a_harvested_adjustment_deletes_the_fragments_it_supersedes(app, aggregator, source_url):
    engine = aggregator.extensions["qingdan"].engine
    code = f.record(UNIT, 3)["code"]
    fragments.refresh(engine)
    with session_of(aggregator) as a:
        (old,) = a.scalars(
            select(ItemVersion.id).where(
                ItemVersion.code == code, ItemVersion.public_status.is_not(None)
            )
        )
        assert a.get(ExportFragment, old) is not None
    with session_of(app) as s:
        d.adjust(s, code, name="再调整")
        d.publish_release(s, [code], "二批")
    assert _run(aggregator, source_url).verified
    with session_of(aggregator) as a:
        assert a.get(ExportFragment, old) is None
        assert a.scalar(select(ExportCsvRow).where(ExportCsvRow.version_id == old)) is None
    assert fragments.refresh(engine) == 1  # the new version only


@pytest.mark.usefixtures("bootstrapped")
def test_replaying_from_zero_is_a_no_op(app, aggregator, source_url):
    with session_of(aggregator) as a:
        a.execute(update(Source).values(last_seq=0))
        a.commit()
        before = a.scalar(select(ItemVersion.id).order_by(ItemVersion.id.desc()).limit(1))
    result = _run(aggregator, source_url)
    assert result.error is None and result.verified
    assert (result.stats.applied, result.stats.skipped) == (0, 7)
    with session_of(aggregator) as a:
        assert a.scalar(select(ItemVersion.id).order_by(ItemVersion.id.desc()).limit(1)) == before
    _assert_mirrors(app, aggregator, result.source_id)


@pytest.mark.usefixtures("bootstrapped")
def test_a_record_that_does_not_match_its_hash_stops_the_harvest(app, aggregator, source_url):
    code = f.record(UNIT, 5)["code"]
    with session_of(app) as s:
        d.adjust(s, code, name="将被篡改")
        d.publish_release(s, [code], "四批")
        s.execute(
            update(ItemVersion)
            .where(ItemVersion.code == code, ItemVersion.number == 2)
            .values(content_hash="0" * 64)
        )
        s.commit()
    result = _run(aggregator, source_url)
    assert result.verified is False and "hashes to" in result.error
    assert result.end_seq == 7  # the checkpoint stays before the bad entry
    health = aggregator.test_client().get("/api/@sources").get_json()["items"][0]
    assert health["healthy"] is False and "hashes to" in health["last_error"]
    assert health["last_seq"] == 7 and health["lag"] == 1
    with session_of(app) as s:
        version = s.scalar(
            select(ItemVersion).where(ItemVersion.code == code, ItemVersion.number == 2)
        )
        s.execute(
            update(ItemVersion)
            .where(ItemVersion.id == version.id)
            .values(content_hash=content_hash(version.record))
        )
        s.commit()
    result = _run(aggregator, source_url)
    assert result.error is None and result.verified and result.end_seq == 8


@pytest.mark.usefixtures("bootstrapped")
def test_local_content_is_never_overwritten(app, aggregator, source_url):
    taken = f.record(UNIT, 6)["code"]
    with session_of(aggregator) as a:
        # Local content, edited here, that holds the code the source is about to publish.
        d.publish_release(a, [d.draft(a, UNIT, 6, name="本地内容")], "本地发布")
    with session_of(app) as s:
        d.publish_release(s, [d.draft(s, UNIT, 6, name="来源内容")], "五批")
    result = _run(aggregator, source_url)
    assert result.stats.refused == 1 and result.end_seq == 8
    assert "1 change(s) refused" in result.error
    with session_of(aggregator) as a:
        assert a.scalar(select(ItemVersion.name).where(ItemVersion.code == taken)) == "本地内容"
        conflict = a.scalar(select(HarvestConflict))
        assert (conflict.code, conflict.seq) == (taken, 8)
        assert "local content" in conflict.reason
    health = aggregator.test_client().get("/api/@sources").get_json()["items"][0]
    assert health["conflicts"] == 1 and health["healthy"] is False
