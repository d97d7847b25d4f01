"""One item's whole life, checking at each step what the public sees and what it does not."""

from __future__ import annotations

from sqlalchemy import select

from qingdan_api.models import Change
from tests import factories as f

from .conftest import TARGET_A, UNIT_A


def public_codes(client, **query) -> set[str]:
    codes, url = set(), "/api/items"
    params = {"limit": 200, **query}
    while url:
        body = client.get(url, query_string=params).get_json()
        codes |= {item["code"] for item in body["items"]}
        url, params = body["batching"].get("next"), None
    return codes


def assert_not_public(client, code: str) -> None:
    assert client.get(f"/api/items/{code}").status_code == 404
    assert client.get(f"/api/items/{code}/@versions").status_code == 404
    assert code not in public_codes(client, status="all")
    unit = client.get(f"/api/units/{UNIT_A['credit_code']}").get_json()
    assert unit["items_total"] == 1  # only the merge target, published beforehand


def test_whole_life(client, desk, session):
    # 1. A unit editor drafts an item and lets the server allocate its code.
    record = f.record(UNIT_A, 1, name="公路超限运输许可")
    del record["code"], record["basic_code"]
    created = desk.create(record)
    assert created.headers["ETag"] == '"1"'
    draft = created.get_json()
    code = draft["code"]
    assert code == f"{UNIT_A['credit_code']}3440131901000"  # after the taken 900
    assert draft["state"] == "draft" and draft["published_version"] is None
    assert_not_public(client, code)

    # 2. Submitted; the reviewer returns it with a comment; the unit fixes it.
    desk.move(code, "submit", "editor")
    desk.move(code, "review", "reviewer")
    assert_not_public(client, code)
    returned = desk.move(code, "return", "reviewer", comment="实施依据缺少条款号")
    assert returned["state"] == "returned"
    assert returned["history"][-1]["comment"] == "实施依据缺少条款号"
    assert_not_public(client, code)
    desk.patch(code, {"legal_bases": [{"title": "《公路法》", "article": "第五十条"}]})

    # 3. Resubmitted and approved, then on public notice: listed at @notices only.
    desk.move(code, "submit", "editor")
    desk.move(code, "review", "reviewer")
    desk.move(code, "approve", "reviewer")
    assert_not_public(client, code)
    desk.move(code, "notice", "reviewer", notice_days=0)
    notices = client.get("/api/@notices").get_json()
    assert code in [n["code"] for n in notices["items"]]
    assert_not_public(client, code)

    # 4. Published in a release: version 1, with its change-feed row.
    release = desk.release("2027年第1批调整", [code])
    assert [e["code"] for e in release["added"]] == [code]
    assert release["counts"]["added"] == {"01": 1}
    assert client.get("/api/@notices").get_json()["items_total"] == 0
    item = client.get(f"/api/items/{code}").get_json()
    assert item["version"] == 1 and item["name"] == "公路超限运输许可"
    assert item["legal_bases"] == [{"title": "《公路法》", "article": "第五十条"}]
    assert code in public_codes(client)
    versions = client.get(f"/api/items/{code}/@versions").get_json()["items"]
    assert versions[0]["published_by"] == "publisher"
    assert versions[0]["release_id"] == release["id"]
    v1_time = versions[0]["published_at"]

    # 5. Adjusted through a working copy: the public keeps seeing version 1.
    desk.patch(code, {"name": "公路超限运输车辆行驶许可"})
    working, _ = desk.draft(code)
    assert working["state"] == "draft" and working["published_version"] == 1
    assert working["record"]["name"] == "公路超限运输车辆行驶许可"
    assert client.get(f"/api/items/{code}").get_json()["name"] == "公路超限运输许可"
    listed = client.get("/api/items", query_string={"unit": UNIT_A["credit_code"]}).get_json()
    assert "公路超限运输车辆行驶许可" not in str(listed)

    # 6. Republished as version 2; version 1 stays citable; ?at= shows the past.
    desk.to_notice(code)
    release2 = desk.release("2027年第2批调整", [code])
    assert [e["code"] for e in release2["changed"]] == [code]
    item = client.get(f"/api/items/{code}").get_json()
    assert item["version"] == 2 and item["name"] == "公路超限运输车辆行驶许可"
    assert client.get(f"/api/items/{code}/@versions/1").get_json()["name"] == "公路超限运输许可"
    past = client.get(f"/api/items/{code}", query_string={"at": v1_time}).get_json()
    assert past["version"] == 1
    listed = client.get("/api/items", query_string={"at": v1_time, "fields": "code,name"})
    assert {"code": code, "name": "公路超限运输许可"} in [
        {k: i[k] for k in ("code", "name")} for i in listed.get_json()["items"]
    ]

    # 7. Diffed: a JSON Patch and a summary with Chinese labels.
    diff = client.get(f"/api/items/{code}/@diff?from=1&to=2").get_json()
    assert diff["patch"] == [
        {"op": "replace", "path": "/name", "value": "公路超限运输车辆行驶许可"}
    ]
    assert diff["summary"][0]["label"] == "事项名称"
    assert "公路超限运输许可" in diff["summary"][0]["text"]

    # 8. Merged away: the outcome is published and the item leaves the current list.
    desk.client.post(
        f"/api/items/{code}/@disposition",
        json={
            "disposition": "merge",
            "disposition_reason": "与道路运输经营许可整合",
            "merged_into": TARGET_A["code"],
        },
        headers={**desk.tokens["editor"], "If-Match": desk.etag(code)},
    )
    assert client.get(f"/api/items/{code}").get_json()["version"] == 2  # not yet
    desk.to_notice(code)
    release3 = desk.release("2027年第3批调整", [code])
    assert [e["code"] for e in release3["withdrawn"]] == [code]
    assert release3["counts"] == {"added": {}, "changed": {}, "withdrawn": {"01": 1}}
    gone = client.get(f"/api/items/{code}")
    assert gone.status_code == 410
    withdrawal = gone.get_json()["withdrawal"]
    assert withdrawal["merged_into"] == TARGET_A["code"]
    assert withdrawal["disposition"] == "merge" and withdrawal["version"] == 3
    assert withdrawal["reason"] == "与道路运输经营许可整合"
    assert code not in public_codes(client)
    assert code in public_codes(client, status="withdrawn")
    assert client.get(f"/api/items/{code}", query_string={"at": v1_time}).status_code == 200

    # The change feed: one row per publication, in order, the last a withdrawal.
    rows = session.scalars(select(Change).where(Change.code == code).order_by(Change.seq)).all()
    assert [(r.version, r.operation) for r in rows] == [
        (1, "upsert"),
        (2, "upsert"),
        (3, "withdraw"),
    ]
    assert [r.release_id for r in rows] == [release["id"], release2["id"], release3["id"]]
    history = desk.client.get(
        f"/api/items/{code}/@workflow", headers=desk.tokens["reviewer"]
    ).get_json()
    assert history["state"] == "withdrawn" and history["transitions"] == []
    assert [h["transition"] for h in history["history"]].count("publish") == 3
