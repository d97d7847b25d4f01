"""Writing drafts: validation with every error at once, codes, ETags, dispositions."""

from __future__ import annotations

from qingdan_api.services.loading import add_units
from tests import factories as f

from .conftest import TARGET_A, UNIT_A, UNIT_B


def test_every_field_error_reported_at_once_with_its_path(desk):
    record = f.record(UNIT_A, 101)
    record["legal_bases"][0]["title"] = ""
    record["promised_limit"] = {"amount": 30, "unit": "working_day"}
    record["process_steps"][2]["seq"] = 7
    record["targets"] = ["1", "9"]
    record["category"] = "99"
    record["charged"] = "no"
    record["risk_points"][0]["level"] = "extreme"
    record["surprise"] = 1
    body = desk.create(record, status=422).get_json()
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
    # An empty title is something missing, not something wrong: that is checked at submit
    # (test_drafts_save_incomplete_and_submit_lists_what_is_missing).
    assert set(body["errors"]) == {
        "promised_limit",
        "process_steps.2.seq",
        "targets.1",
        "category",
        "charged",
        "risk_points.0.level",
        "surprise",
    }


def test_drafts_save_incomplete_and_submit_lists_what_is_missing(client, desk):
    record = f.record(UNIT_A, 130)
    for name in ("legal_bases", "process_steps", "responsibilities", "accountabilities"):
        record.pop(name)
    record["charged"] = True
    record["fees"] = []
    record["legal_bases"] = [{"title": "", "article": "第十二条"}]
    code = desk.create(record).get_json()["code"]
    body = desk.move(code, "submit", "editor", status=422)
    assert body["missing"] == [
        "accountabilities",
        "legal_bases.0.title",
        "process_steps",
        "responsibilities",
    ]
    assert "a charged item lists its fee items" in body["errors"]["fees"]
    assert "缺少" in body["message"]
    # What submit requires is published with the item type.
    described = client.get("/api/@types/item").get_json()
    assert {"process_steps", "legal_bases.title"} <= set(described["submit_requires"])
    assert described["save_requires"] == ["name", "category", "level"]
    # Completed, it goes through.
    complete = f.record(UNIT_A, 130)
    desk.patch(
        code,
        {
            k: complete[k]
            for k in (
                "legal_bases",
                "process_steps",
                "responsibilities",
                "accountabilities",
                "fees",
                "charged",
            )
        },
    )
    desk.move(code, "submit", "editor")


def test_a_draft_needs_its_name_category_and_level(desk):
    errors = desk.create({"remarks": "only this"}, status=422).get_json()["errors"]
    assert {"name", "category", "level"} <= set(errors)


def test_codes_must_match_unit_level_and_category(desk):
    record = f.record(UNIT_A, 102)
    record["level"] = "4"  # the code says 3
    errors = desk.create(record, status=422).get_json()["errors"]
    assert "level segment" in errors["code"][0]
    other = f.record(UNIT_A, 103)
    other["basic_code"] = other["basic_code"][:2] + "02" + other["basic_code"][4:]
    assert "basic_code" in desk.create(other, status=422).get_json()["errors"]


def test_editor_cannot_create_for_another_unit(desk):
    desk.create(f.record(UNIT_B, 104), status=403)


def test_sub_items_need_an_existing_main_item_of_the_same_unit(desk):
    orphan = f.record(UNIT_A, 105, sub=1)
    assert "no main item" in desk.create(orphan, status=422).get_json()["errors"]["parent_code"][0]
    # Under the published main item; the sub-item code is allocated after the last one.
    sub = f.record(UNIT_A, 900, sub=1, name="道路运输经营许可（子项）")
    del sub["code"], sub["basic_code"]
    first = desk.create(sub).get_json()["code"]
    second = desk.create(sub).get_json()["code"]
    assert first.endswith("900001") and second.endswith("900002")
    assert desk.draft(second)[0]["record"]["parent_code"] == TARGET_A["code"]


def test_promised_limit_may_not_exceed_statutory(desk):
    record = f.record(UNIT_A, 106, promised_limit={"amount": 21, "unit": "working_day"})
    errors = desk.create(record, status=422).get_json()["errors"]
    assert list(errors) == ["promised_limit"]


def test_duplicate_code_is_a_conflict(desk):
    desk.create(f.record(UNIT_A, 107))
    assert desk.create(f.record(UNIT_A, 107), status=409).get_json()["code"] == 409


def test_if_match_is_required_and_checked(client, desk, tokens):
    code = desk.create(f.record(UNIT_A, 108)).get_json()["code"]
    url = f"/api/items/{code}"
    assert client.patch(url, json={"remarks": "x"}, headers=tokens["editor"]).status_code == 428
    # "¹" and "²" are digits to str.isdigit() (and not to int()); headers arrive as Latin-1.
    for stale in ('"7"', 'W/"1"', "*", "1", '"\u00b9"', '"\u00b2"', '"1_0"', '" 1"'):
        headers = {**tokens["editor"], "If-Match": stale}
        response = client.patch(url, json={"remarks": "x"}, headers=headers)
        assert response.status_code == 412, stale
    ok = client.patch(url, json={"remarks": "x"}, headers={**tokens["editor"], "If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    # The same ETag cannot win twice.
    again = client.patch(
        url, json={"remarks": "y"}, headers={**tokens["editor"], "If-Match": '"1"'}
    )
    assert again.status_code == 412


def test_put_replaces_the_record_and_keeps_the_code(client, desk, tokens):
    code = desk.create(f.record(UNIT_A, 109)).get_json()["code"]
    replacement = f.record(UNIT_A, 109, name="整体替换")
    del replacement["code"]
    headers = {**tokens["editor"], "If-Match": desk.etag(code)}
    body = client.put(f"/api/items/{code}", json=replacement, headers=headers).get_json()
    assert body["record"]["name"] == "整体替换" and body["code"] == code
    moved = {**replacement, "code": f.record(UNIT_A, 110)["code"]}
    headers = {**tokens["editor"], "If-Match": desk.etag(code)}
    response = client.put(f"/api/items/{code}", json=moved, headers=headers)
    assert response.status_code == 422 and "code" in response.get_json()["errors"]


def test_submitted_items_cannot_be_edited(desk):
    code = desk.create(f.record(UNIT_A, 111)).get_json()["code"]
    desk.move(code, "submit", "editor")
    desk.patch(code, {"remarks": "late"}, status=409)
    desk.move(code, "retract", "editor")
    desk.patch(code, {"remarks": "in time"})


def test_disposition_rules(client, desk, tokens):
    code = desk.create(f.record(UNIT_A, 112)).get_json()["code"]
    url = f"/api/items/{code}/@disposition"

    def propose(body):
        return client.post(
            url, json=body, headers={**tokens["editor"], "If-Match": desk.etag(code)}
        )

    # A merge without its reason and surviving item is an incomplete draft: it saves, and
    # submitting it says what is missing.
    assert propose({"disposition": "merge"}).status_code == 200
    errors = desk.move(code, "submit", "editor", status=422)["errors"]
    assert set(errors) == {"disposition_reason", "merged_into"}
    errors = propose({"disposition": "merge", "disposition_reason": "r", "merged_into": code})
    assert "itself" in errors.get_json()["errors"]["merged_into"][0]
    assert propose({"disposition": "transfer", "disposition_reason": "r"}).status_code == 200
    assert "transferred_to" in desk.move(code, "submit", "editor", status=422)["errors"]
    assert propose({"disposition": "explode"}).status_code == 422
    done = propose({"disposition": "escalate", "disposition_reason": "需省级决定"})
    assert done.status_code == 200
    assert done.get_json()["record"]["disposition"] == "escalate"


def test_workflow_shows_state_history_and_my_transitions(client, desk, tokens):
    code = desk.create(f.record(UNIT_A, 113)).get_json()["code"]
    mine = client.get(f"/api/items/{code}/@workflow", headers=tokens["editor"]).get_json()
    assert mine["state"] == "draft" and [t["name"] for t in mine["transitions"]] == ["submit"]
    desk.move(code, "submit", "editor")
    reviewer = client.get(f"/api/items/{code}/@workflow", headers=tokens["reviewer"]).get_json()
    assert [t["name"] for t in reviewer["transitions"]] == ["review", "return"]
    assert reviewer["history"][0]["transition"] == "submit"
    assert reviewer["history"][0]["actor"] == "editor"
    desk.move(code, "approve", "reviewer", status=409)
    desk.move(code, "return", "reviewer", status=422)  # a return needs a comment
    desk.move(code, "fly", "reviewer", status=404)


def test_publishing_waits_for_the_notice_period(desk):
    code = desk.create(f.record(UNIT_A, 114)).get_json()["code"]
    desk.to_notice(code, days=7)
    body = desk.release("提前发布", [code], status=409)
    assert "on public notice until" in body["errors"]["items.0"][0]
    desk.move(code, "publish", "publisher", status=409)
    desk.move(code, "return", "reviewer", comment="公示期间收到异议")
    assert desk.client.get("/api/@notices").get_json()["items_total"] == 0


def test_a_release_publishes_all_or_nothing(client, desk):
    ready = desk.create(f.record(UNIT_A, 115)).get_json()["code"]
    desk.to_notice(ready)
    draft = desk.create(f.record(UNIT_A, 116)).get_json()["code"]
    body = desk.release("混合批次", [ready, draft, "nope"], status=409)
    assert set(body["errors"]) == {"items.1", "items.2"}
    assert client.get(f"/api/items/{ready}").status_code == 404
    release = desk.release("单独批次", [ready])
    assert release["counts"]["added"] == {"01": 1}
    listed = client.get("/api/@releases").get_json()
    assert listed["items"][0]["id"] == release["id"]
    assert listed["items"][0]["counts"]["added"] == {"01": 1}
    assert "added" not in listed["items"][0]  # the entries are on the release itself
    one = client.get(f"/api/@releases/{release['id']}").get_json()
    assert one["added"][0]["code"] == ready and one["name"] == "单独批次"
    assert client.get("/api/@releases/99999").status_code == 404


def test_withdrawing_a_published_item_leaves_a_tombstone(client, desk):
    code = desk.create(f.record(UNIT_A, 117)).get_json()["code"]
    desk.to_notice(code)
    desk.release("发布后撤销", [code])
    desk.move(code, "withdraw", "publisher", status=422)  # needs a reason
    desk.move(code, "withdraw", "publisher", comment="法律修改，事项取消")
    gone = client.get(f"/api/items/{code}")
    assert gone.status_code == 410
    assert gone.get_json()["withdrawal"]["disposition"] == "cancel"
    assert gone.get_json()["withdrawal"]["reason"] == "法律修改，事项取消"
    desk.patch(code, {"remarks": "x"}, status=409)


def test_zero_report(client, desk, tokens):
    url = f"/api/units/{UNIT_B['credit_code']}/@zero-report"
    headers = tokens["other_editor"]
    # Unit B has a published item (ITEM_B), so it cannot report zero.
    assert client.post(url, json={"reason": "无"}, headers=headers).status_code == 409
    archive = f.unit_data(23, name="临江市档案局")
    with client.application.extensions["qingdan"].session_factory() as session:
        add_units(session, [archive])
        session.commit()
    credit = archive["credit_code"]
    done = client.post(
        f"/api/units/{credit}/@zero-report",
        json={"reason": "本单位无行政权力"},
        headers=tokens["admin"],
    )
    assert done.status_code == 200 and done.get_json()["zero_report"] is True
    assert client.get(f"/api/units/{credit}").get_json()["zero_report_reason"] == "本单位无行政权力"


def test_diff_and_at_arguments(client):
    code = TARGET_A["code"]
    assert client.get(f"/api/items/{code}/@diff?from=1").status_code == 400
    assert client.get(f"/api/items/{code}/@diff?from=1&to=9").status_code == 404
    assert client.get(f"/api/items/{code}/@diff?from=1&to=1").get_json()["patch"] == []
    assert client.get(f"/api/items/{code}?at=yesterday").status_code == 400
    assert client.get(f"/api/items/{code}?at=2000-01-01").status_code == 404
    assert client.get("/api/items?at=2000-01-01").get_json()["items_total"] == 0
