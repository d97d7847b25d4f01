"""Nothing unpublished shows in any public response, count or listing.

Items are left in every unpublished state (and one published item gets a working copy
under review); then every GET route of the API is requested anonymously, with every
code, and no response may carry their content. Items on public notice are shown by
@notices and the portal's notice pages, and by nothing else. The portal's pages are
routes of the app, so the crawl requests them too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from qingdan_api.services.dumps import write_dump
from tests import factories as f

from .conftest import UNIT_A, UNIT_B

SECRET = "内部草稿绝密"
ON_NOTICE_NAME = "正在公示的事项"
PUBLISHED_NAME = "已经发布的事项"
# Path parameters the crawl fills in; a new route with another parameter fails the test.
STATIC_VALUES = {
    "credit_code": [UNIT_A["credit_code"], UNIT_B["credit_code"]],
    "number": [1, 2, 3],
    "name": ["item", "categories", "dispositions"],
    "source_id": [1],  # no harvest source here: the route must still answer without leaking
    "ext": ["json", "ndjson", "csv", "xml"],
    "dump_id": ["latest"],
}
DUMP_FILES = [
    "items.ndjson",
    "items.json",
    "items.xml",
    "items.csv",
    "withdrawn.ndjson",
    "manifest.json",
    "datapackage.json",
    "catalog.jsonld",
    "qingdan-items.xsd",
]
STATIC_VALUES["name"] = [*STATIC_VALUES["name"], *DUMP_FILES]
SKIP_ENDPOINTS = {"qingdan_docs.asset", "static", "qingdan_portal.static"}
# Where items on public notice may be shown: the API's @notices and the portal's notices.
NOTICE_PATHS = ("/api/@notices", "/notices")


@pytest.fixture(scope="module")
def world(app, tokens):
    """Hidden items in every state; returns (hidden codes, notice code, published code)."""
    from .conftest import Desk

    desk = Desk(app.test_client(), tokens)
    hidden = {}
    for n, state in enumerate(("draft", "submitted", "in_review", "returned", "approved")):
        code = desk.create(f.record(UNIT_A, 700 + n, name=f"{SECRET}{state}")).get_json()["code"]
        steps = {
            "submitted": [("submit", "editor")],
            "in_review": [("submit", "editor"), ("review", "reviewer")],
            "returned": [("submit", "editor"), ("review", "reviewer")],
            "approved": [("submit", "editor"), ("review", "reviewer"), ("approve", "reviewer")],
        }.get(state, [])
        for transition, role in steps:
            desk.move(code, transition, role)
        if state == "returned":
            desk.move(code, "return", "reviewer", comment="退回")
        hidden[state] = code
    notice = desk.create(f.record(UNIT_A, 710, name=ON_NOTICE_NAME)).get_json()["code"]
    desk.to_notice(notice, days=7)
    published = desk.create(f.record(UNIT_A, 720, name=PUBLISHED_NAME)).get_json()["code"]
    desk.to_notice(published)
    desk.release("可见批次", [published])
    desk.patch(published, {"name": f"{SECRET}working-copy"})
    desk.move(published, "submit", "editor")
    desk.move(published, "review", "reviewer")
    write_dump(app.extensions["qingdan"].session_factory, app.instance_path)
    return hidden, notice, published


def _urls(app, codes: list[str], release_ids: list[int]) -> list[str]:
    values = {**STATIC_VALUES, "code": codes, "release_id": release_ids}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP_ENDPOINTS:
            continue
        combos = [{}]
        for argument in sorted(rule.arguments):
            assert argument in values, f"add test values for <{argument}> of {rule.rule}"
            combos = [{**c, argument: v} for c in combos for v in values[argument]]
        for combo in combos:
            url = rule.rule
            for argument, value in combo.items():
                url = url.replace(f"<{argument}>", str(value))
                url = url.replace(f"<string:{argument}>", str(value))
                url = url.replace(f"<int:{argument}>", str(value))
                url = url.replace(f"<path:{argument}>", str(value))
            urls.append(url)
    listings = ["/api/items", "/api/units", "/api/@releases", "/api/@notices"]
    now = datetime.now(UTC).isoformat()
    queries = ["status=all", "status=withdrawn", f"unit={UNIT_A['credit_code']}", "limit=200"]
    queries += [f"at={now}", f"at={now[:10]}", "category=01", "sort=-published_at"]
    urls += [f"{u}?{q}" for u in listings[:1] for q in queries]
    urls += [f"{u}?limit=200" for u in listings[1:]]
    urls += [f"/api/items/{c}?at={now}" for c in codes]
    urls += [f"/api/items/{c}/@diff?from=1&to=2" for c in codes]
    return urls


def test_nothing_unpublished_in_any_public_response(app, client, world):
    hidden, notice, published = world
    releases = [r["id"] for r in client.get("/api/@releases").get_json()["items"]]
    codes = [*hidden.values(), notice, published]
    urls = _urls(app, codes, releases)
    assert len(urls) > 60
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        text = response.get_data().decode("utf-8", "replace")
        assert SECRET not in text, url
        for code in hidden.values():
            if code not in url:
                assert code not in text, (url, code)
            elif response.status_code < 400:
                pytest.fail(f"{url} answered {response.status_code} for a hidden item")
        if not url.startswith(NOTICE_PATHS):
            assert ON_NOTICE_NAME not in text, url
            if notice in url:
                assert response.status_code >= 400, url
    # The working copy under review leaves the published version in place.
    assert client.get(f"/api/items/{published}").get_json()["name"] == PUBLISHED_NAME


def test_counts_and_totals_count_published_items_only(client, world):
    hidden, notice, published = world
    unit = client.get(f"/api/units/{UNIT_A['credit_code']}").get_json()
    listing = client.get("/api/items", query_string={"unit": UNIT_A["credit_code"]}).get_json()
    codes = {item["code"] for item in listing["items"]}
    assert published in codes
    assert not codes & {*hidden.values(), notice}
    assert unit["items_total"] == listing["items_total"] == len(codes)
    notices = client.get("/api/@notices").get_json()
    assert [n["code"] for n in notices["items"]] == [notice]
    assert notices["items"][0]["record"]["name"] == ON_NOTICE_NAME
