"""Comments on items on notice (stored, limited, for reviewers) and the admins' audit log."""

from __future__ import annotations

from click.testing import CliRunner

from qingdan_api.cli import main
from tests import factories as f

from .conftest import UNIT_A


def test_anyone_may_comment_reviewers_read(client, desk, tokens):
    code = desk.create(f.record(UNIT_A, 301, name="公示征求意见事项")).get_json()["code"]
    url = f"/api/@notices/{code}/comments"
    assert client.post(url, json={"body": "太早了"}).status_code == 404  # not on notice yet
    desk.to_notice(code, days=7)
    notice = client.get(f"/api/@notices/{code}").get_json()
    assert notice["comments"].endswith(url) and notice["ends_at"] > notice["starts_at"]
    env = {"REMOTE_ADDR": "203.0.113.7"}
    first = client.post(
        url, json={"body": "办理时限可以再缩短", "author": "市民"}, environ_base=env
    )
    assert first.status_code == 201
    too_long = client.post(url, json={"body": "长" * 2001}, environ_base=env)
    assert too_long.status_code == 422 and "body" in too_long.get_json()["errors"]
    assert client.post(url, json={}, environ_base=env).status_code == 422
    # Comments are for reviewers, not for the public.
    assert client.get(url).status_code == 401
    assert client.get(url, headers=tokens["publisher"]).status_code == 403
    seen = client.get(url, headers=tokens["reviewer"]).get_json()
    assert [c["body"] for c in seen["items"]] == ["办理时限可以再缩短"]
    assert "办理时限可以再缩短" not in client.get(f"/api/@notices/{code}").get_data(as_text=True)


def test_comments_are_rate_limited_per_client(client, desk):
    code = desk.create(f.record(UNIT_A, 302)).get_json()["code"]
    desk.to_notice(code, days=7)
    url = f"/api/@notices/{code}/comments"
    limit = client.application.config["QINGDAN_COMMENT_RATE_LIMIT"]
    noisy = {"REMOTE_ADDR": "198.51.100.9"}
    for n in range(limit):
        assert client.post(url, json={"body": f"意见{n}"}, environ_base=noisy).status_code == 201
    blocked = client.post(url, json={"body": "再来一条"}, environ_base=noisy)
    assert blocked.status_code == 429
    assert blocked.get_json()["code"] == 429 and blocked.get_json()["message"]
    quiet = {"REMOTE_ADDR": "198.51.100.10"}
    assert client.post(url, json={"body": "另一个人"}, environ_base=quiet).status_code == 201


def test_audit_log_records_writes_and_transitions(client, desk, tokens):
    code = desk.create(f.record(UNIT_A, 303, name="审计事项")).get_json()["code"]
    desk.patch(code, {"name": "审计事项（改）"})
    desk.move(code, "submit", "editor")
    body = client.get("/api/@audit", query_string={"item": code}, headers=tokens["admin"])
    assert body.status_code == 200 and body.headers["Cache-Control"] == "private, no-store"
    entries = body.get_json()["items"]
    assert [e["action"] for e in entries] == ["workflow.submit", "item.patch", "item.create"]
    patch = entries[1]
    assert patch["actor"] == "editor" and patch["unit"] == UNIT_A["credit_code"]
    assert patch["before"]["name"] == "审计事项" and patch["after"]["name"] == "审计事项（改）"
    assert entries[0]["before"]["state"] == "draft" and entries[0]["after"]["state"] == "submitted"
    desk.move(code, "review", "reviewer")  # this test's own reviewer entry: no other test's
    by_actor = client.get(
        "/api/@audit", query_string={"actor": "reviewer", "limit": 200}, headers=tokens["admin"]
    ).get_json()["items"]
    assert by_actor and {e["actor"] for e in by_actor} == {"reviewer"}
    by_unit = client.get(
        "/api/@audit",
        query_string={"unit": UNIT_A["credit_code"], "limit": 2},
        headers=tokens["admin"],
    ).get_json()
    assert len(by_unit["items"]) == 2 and "next" in by_unit["batching"]
    following = client.get(by_unit["batching"]["next"], headers=tokens["admin"]).get_json()
    assert following["items"][0]["id"] < by_unit["items"][-1]["id"]
    later = client.get(
        "/api/@audit", query_string={"since": "2999-01-01"}, headers=tokens["admin"]
    ).get_json()
    assert later["items"] == []
    bad = client.get("/api/@audit", query_string={"since": "soon"}, headers=tokens["admin"])
    assert bad.status_code == 400


def test_failed_writes_leave_nothing_behind(client, desk, tokens):
    desk.create(f.record(UNIT_A, 305))  # so that the log is not empty on any worker
    before = client.get("/api/@audit", headers=tokens["admin"]).get_json()["items"][0]["id"]
    desk.create(f.record(UNIT_A, 304, category="99"), status=422)
    assert client.get("/api/items/x/@draft", headers=tokens["admin"]).status_code == 404
    assert client.get("/api/@audit", headers=tokens["admin"]).get_json()["items"][0]["id"] == before


def test_token_cli_create_list_revoke(app, database_url):
    runner = CliRunner()
    env = {"QINGDAN_DATABASE_URL": database_url}
    created = runner.invoke(
        main,
        [
            "token",
            "create",
            "--role",
            "editor",
            "--unit",
            UNIT_A["credit_code"],
            "--expires",
            "30d",
        ],
        env=env,
    )
    assert created.exit_code == 0, created.output
    token_id = created.output.split()[1]
    secret = created.output.strip().splitlines()[-1]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/@audit", headers=headers).status_code == 403  # an editor
    listed = runner.invoke(main, ["token", "list"], env=env)
    assert f"{token_id}\teditor" in listed.output and secret not in listed.output
    revoked = runner.invoke(main, ["token", "revoke", token_id], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/@audit", headers=headers).status_code == 401
    bad = runner.invoke(main, ["token", "create", "--role", "editor"], env=env)
    assert bad.exit_code != 0 and "unit" in bad.output
