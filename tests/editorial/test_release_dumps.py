"""Publishing a release writes its dump in the background; the publisher does not wait;
then the whole-list exports are sent from that dump's files."""

from __future__ import annotations

import time

from tests import factories as f

from .conftest import UNIT_A


def test_a_release_gets_its_dump(app, client, desk):
    code = desk.create(f.record(UNIT_A, 950, name="港口经营许可")).get_json()["code"]
    desk.to_notice(code)
    app.config["QINGDAN_DUMP_ON_RELEASE"] = True
    try:
        release = desk.release("2027年第1批调整", [code])
    finally:
        app.config["QINGDAN_DUMP_ON_RELEASE"] = False
    deadline = time.monotonic() + 30
    dumps = []
    while time.monotonic() < deadline:
        dumps = client.get("/api/@downloads").get_json()["items"]
        if any(d["release_id"] == release["id"] for d in dumps):
            break
        time.sleep(0.2)
    mine = [d for d in dumps if d["release_id"] == release["id"]]
    assert mine, "no dump was written for the release"
    ndjson = client.get("/api/@downloads/latest/items.ndjson").get_data(as_text=True)
    assert code in ndjson
    # Nothing published since: the whole-list export is the release dump's file.
    export = client.get("/api/items.ndjson", headers={"Accept-Encoding": "identity"})
    assert export.headers.get("Content-Length") == str(len(ndjson.encode()))
    assert export.get_data(as_text=True) == ndjson
