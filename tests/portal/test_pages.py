"""The portal's pages through the test client: public content only, errors as pages,
the comment form's rules, and the configuration that mounts it or turns it off."""

from __future__ import annotations

import re

import pytest

from qingdan_api import create_app
from tests import factories as f
from tests.api.conftest import (
    ACTIVE_TOTAL,
    DRAFT_CODES,
    SECRET,
    UNIT_A,
    UNIT_Z,
    WITHDRAWN_CODE,
    WORKING_COPY_CODE,
    dataset,  # noqa: F401  (the fixture)
)

from .conftest import put_on_notice

pytestmark = pytest.mark.usefixtures("dataset")
ITEM = f.record(UNIT_A, 1)["code"]


@pytest.fixture(scope="module")
def on_notice(app, dataset):  # noqa: F811
    return put_on_notice(app, UNIT_A)


def html(response) -> str:
    assert response.mimetype == "text/html", response.data[:300]
    return response.get_data(as_text=True)


def test_home_counts_only_published_items(client):
    page = html(client.get("/"))
    assert f"{ACTIVE_TOTAL} 项已公布" in page
    assert SECRET not in page
    assert "零报告" in page and UNIT_Z["name"] in page


def test_drafts_never_appear(client, on_notice):
    assert "找到 0 个事项" in html(client.get("/search?q=" + SECRET))
    for path in (
        "/search",
        f"/units/{UNIT_A['credit_code']}",
        f"/items/{WORKING_COPY_CODE}",
        "/releases",
        "/open-data",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        text = html(response)
        assert SECRET not in text, path
        for code in DRAFT_CODES:
            assert code not in text, path
    for code in DRAFT_CODES:
        missing = client.get(f"/items/{code}")
        assert missing.status_code == 404 and "未找到该页面" in html(missing)
    # An item on notice is on the notice pages, not among the published items.
    code, _ = on_notice
    assert code in html(client.get("/notices"))
    assert client.get(f"/items/{code}").status_code == 404


def test_item_page_has_every_section_and_download_links(client):
    page = html(client.get(f"/items/{ITEM}"))
    for label in ("实施依据", "运行流程", "法定办结时限", "承诺办结时限", "收费", "相对人权利"):
        assert label in page
    for label in ("监督投诉电话", "责任事项", "追责情形", "廉政风险点", "版本历史"):
        assert label in page
    for link in (f"/api/items/{ITEM}.json", f"/api/items/{ITEM}.xml", f"/api/items/{ITEM}.csv"):
        assert link in page
    assert f"/api/items/{ITEM}/@flowchart.svg" in page


def test_version_history_shows_what_changed(client):
    code = f.record(UNIT_A, 3)["code"]  # every third licensing item has two versions
    page = html(client.get(f"/items/{code}"))
    assert "第 2 版" in page and "第 1 版" in page
    assert "事项名称：由“许可事项03（旧）”改为“许可事项03”" in page


def test_withdrawn_item_is_a_gone_page_that_points_on(client):
    response = client.get(f"/items/{WITHDRAWN_CODE}")
    assert response.status_code == 410
    page = html(response)
    assert "该事项已整合" in page and f"/items/{ITEM}" in page


def test_bad_input_is_a_page_with_4xx_never_a_500(client):
    cases = {
        "/search?q=" + "长" * 300: 400,
        "/search?q=许可&cursor=%%%": 400,
        "/search?category=99": 400,
        "/units/11449901MB0000019M?cursor=bad": 400,
        "/units/nope": 404,
        "/releases/999999": 404,
        "/notices/nope": 404,
        "/releases/abc": 404,  # no route matches: still the portal's page
        "/no-such-page": 404,
    }
    for path, status in cases.items():
        response = client.get(path)
        assert response.status_code == status, path
        html(response)
    api = client.get("/api/no-such-resource")  # the API keeps its JSON envelope
    assert api.status_code == 404 and api.get_json()["code"] == 404


def test_user_text_is_escaped(client):
    page = html(client.get("/search?q=<script>alert(1)</script>"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_search_highlights_and_facets(client):
    page = html(client.get("/search?q=许可"))
    assert "<mark>许可</mark>" in page
    assert re.search(r"行政许可</a> <span class=\"count\">\d+", page)


def test_comment_form_rules(client, on_notice, app):
    code, reviewer = on_notice
    page = html(client.get(f"/notices/{code}"))
    assert 'action="/notices/' in page and 'for="body"' in page
    assert "data:image/svg+xml;base64," in page  # its flowchart, though not yet published
    refused = client.post(f"/notices/{code}", data={"body": "  "})
    assert refused.status_code == 422 and 'aria-invalid="true"' in html(refused)
    too_long = client.post(f"/notices/{code}", data={"body": "长" * 2001, "author": "甲"})
    assert too_long.status_code == 422 and 'value="甲"' in html(too_long)
    sent = client.post(f"/notices/{code}", data={"body": "建议缩短时限", "contact": "123"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("sent=1#comment")
    assert "意见已收到" in html(client.get(sent.headers["Location"]))
    comments = client.get(f"/api/@notices/{code}/comments", headers=reviewer).get_json()
    assert [c["body"] for c in comments["items"]] == ["建议缩短时限"]
    limit = app.config["QINGDAN_COMMENT_RATE_LIMIT"]
    statuses = [
        client.post(f"/notices/{code}", data={"body": f"第{i}条"}).status_code for i in range(limit)
    ]
    assert statuses[-1] == 429
    assert client.post(f"/notices/{code}", data={"body": "再一条"}).status_code == 429


def test_pages_are_cached_compressed_and_locked_down(client):
    first = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert "script-src 'self'" in first.headers["Content-Security-Policy"]
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/static/portal/suggest.js").status_code == 200


def _app(database_url, tmp_path, **config):
    return create_app(
        {
            "QINGDAN_DATABASE_URL": database_url,
            "QINGDAN_INSTANCE": str(tmp_path),
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
            **config,
        }
    )


def test_portal_can_be_turned_off(database_url, tmp_path):
    client = _app(database_url, tmp_path, QINGDAN_PORTAL=False).test_client()
    response = client.get("/")
    assert response.status_code == 404 and response.get_json()["code"] == 404
    assert client.get("/api/").status_code == 200


def test_portal_can_be_mounted_elsewhere(database_url, tmp_path):
    client = _app(database_url, tmp_path, QINGDAN_PORTAL_PREFIX="/lists").test_client()
    assert client.get("/").status_code == 404
    page = html(client.get("/lists/"))
    assert 'href="/lists/search"' in page and "/lists/static/portal/portal.css" in page
    with pytest.raises(ValueError, match="must differ"):
        _app(database_url, tmp_path, QINGDAN_PORTAL_PREFIX="/api")


def test_the_portal_reads_through_services_only():
    """Layering: the portal (an api-level package) never imports models or the session."""
    import ast
    from pathlib import Path

    import qingdan_api.portal

    for path in Path(qingdan_api.portal.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                assert not module.startswith(("models", "sqlalchemy")), (path.name, module)
                assert ".models" not in f".{module}", (path.name, module)
