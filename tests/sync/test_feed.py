"""The change feed: order, paging, immutable records, tombstones, validation, checksum, Atom."""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree

from tests import factories as f
from tests.sync import driver as d

UNIT = f.unit_data(7, name="临江市交通运输局")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def source(app):
    with app.extensions["qingdan"].session_factory() as s:
        d.add_units_to(s, [UNIT])
        codes = [d.draft(s, UNIT, n, name=f"运输许可{n}") for n in (1, 2, 3)]
        d.publish_release(s, codes, "第一批")  # seqs 1-3
        d.adjust(s, codes[0], name="运输许可1（调整）")
        d.publish_release(s, [codes[0]], "第二批")  # seq 4
        d.withdraw(s, codes[1], "上位法废止")  # seq 5
        d.cancel(s, codes[2], "职能取消")
        d.publish_release(s, [codes[2]], "第三批")  # seq 6
    return codes


def test_entries_come_in_seq_order_with_every_operation(client, source):
    body = client.get("/api/@changes").get_json()
    assert body["last_seq"] == 6 and body["items_total"] == 6
    got = [(e["seq"], e["code"], e["version"], e["operation"]) for e in body["items"]]
    assert got == [
        (1, source[0], 1, "upsert"),
        (2, source[1], 1, "upsert"),
        (3, source[2], 1, "upsert"),
        (4, source[0], 2, "upsert"),
        (5, source[1], 2, "withdraw"),
        (6, source[2], 2, "withdraw"),
    ]
    assert "next" not in body["batching"]
    assert all("record" not in e for e in body["items"])
    first = body["items"][0]
    assert first["@id"].endswith(f"/api/items/{source[0]}/@versions/1")
    assert first["release"] is not None and first["time"]


def test_paging_follows_next_until_last_seq(client, source):
    seen, url, pages = [], "/api/@changes?limit=4", 0
    while url and pages < 10:
        body = client.get(url).get_json()
        seen += [e["seq"] for e in body["items"]]
        url = body["batching"].get("next")
        pages += 1
    assert seen == [1, 2, 3, 4, 5, 6] and pages == 2
    after = client.get("/api/@changes?since=6").get_json()
    assert after["items"] == [] and after["last_seq"] == 6 and after["items_total"] == 0


def test_include_record_gives_the_version_named_in_the_row(client, source):
    items = client.get("/api/@changes?include=record").get_json()["items"]
    assert items[0]["record"]["name"] == "运输许可1"  # v1, though v2 is current
    assert items[3]["record"]["name"] == "运输许可1（调整）"
    assert items[5]["record"]["disposition"] == "cancel"
    for entry in items:
        assert hashlib.sha256(_canonical(entry["record"])).hexdigest() == entry["content_hash"]


def _canonical(record) -> bytes:
    import json

    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def test_tombstones_stay_and_the_item_is_gone(client, source):
    assert client.get(f"/api/items/{source[1]}").status_code == 410
    body = client.get("/api/@changes?since=4&limit=1").get_json()
    assert body["items"][0]["operation"] == "withdraw"
    assert body["batching"]["next"].endswith("since=5&limit=1")


@pytest.mark.parametrize(
    "query",
    ["since=-1", "since=abc", "limit=0", "limit=1001", "include=everything", "cursor=x"],
)
def test_bad_arguments_are_400_in_the_envelope(client, source, query):
    response = client.get(f"/api/@changes?{query}")
    assert response.status_code == 400
    assert response.get_json()["code"] == 400 and response.get_json()["errors"]


def test_checksum_is_defined_over_the_set_at_a_seq(client, source):
    entries = client.get("/api/@changes?include=record").get_json()["items"]

    def expected(seq):
        latest = {}
        for e in entries:
            if e["seq"] <= seq:
                latest[e["code"]] = e
        status = {"upsert": "active", "withdraw": "withdrawn"}
        lines = sorted(
            f"{c} {e['version']} {e['content_hash']} {status[e['operation']]}\n"
            for c, e in latest.items()
        )
        return hashlib.sha256("".join(lines).encode()).hexdigest()

    now = client.get("/api/@changes/checksum").get_json()
    assert now["seq"] == 6 and now["checksum"] == expected(6)
    assert (now["items_total"], now["active"], now["withdrawn"]) == (3, 1, 2)
    at3 = client.get("/api/@changes/checksum?seq=3").get_json()
    assert at3["checksum"] == expected(3) and at3["active"] == 3
    empty = client.get("/api/@changes/checksum?seq=0").get_json()
    assert empty["checksum"] == hashlib.sha256(b"").hexdigest()
    assert client.get("/api/@changes/checksum?seq=7").status_code == 400


def test_atom_feed_lists_newest_first(client, source):
    response = client.get("/api/@changes.atom?limit=3")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = etree.fromstring(response.data)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == ["撤销：运输许可3", "撤销：运输许可2", "调整：运输许可1（调整）（第2版）"]
    ids = [e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry")]
    assert len(set(ids)) == 3
    assert client.get("/api/@changes.atom?limit=0").status_code == 400


def test_root_links_the_feed(client, source):
    links = client.get("/api/").get_json()["links"]
    assert links["changes"].endswith("/api/@changes")
    assert links["changes_atom"].endswith("/api/@changes.atom")
    assert links["sources"].endswith("/api/@sources")
