"""A real server for the portal (werkzeug, a loopback port in 8120-8139) and headless Chromium.

The server runs the app of tests/conftest.py (SQLite and PostgreSQL) loaded with a small
demo city, one item put on public notice through the editorial API, and one dump. The
browser is Debian's chromium (`make services` installs it: tests/servers/chromium.sh),
driven by Playwright for Python; no browser is ever downloaded. Without chromium the
browser tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from qingdan_api.demo import generate_units
from qingdan_api.services.auth import create_token
from qingdan_api.services.demo import load_demo
from qingdan_api.services.dumps import DumpOptions, write_dump
from tests import factories as f

CHROMIUM = os.environ.get("QINGDAN_TEST_CHROMIUM", "/usr/bin/chromium")
PORTS = range(8120, 8140)
SCREENSHOTS = Path(__file__).parent / "screenshots"
DEMO_ITEMS = 400
NOTICE_NAME = "临时占道施工许可"


def _serve(app):
    for port in PORTS:
        try:
            return make_server("127.0.0.1", port, app, threaded=True), port
        except (OSError, SystemExit):  # taken (werkzeug exits on it): try the next port
            continue
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def put_on_notice(app, unit: dict | None = None) -> tuple[str, dict[str, str]]:
    """A new item of `unit` (a demo department by default), drafted, reviewed and put on

    notice through the editorial API; returns its code and a reviewer's auth header.
    """
    unit = unit or next(u for u in generate_units(seed=2026) if u["kind"] == "department")
    with app.extensions["qingdan"].session_factory() as session:
        _, editor = create_token(
            session, role="editor", name="editor", unit_credit_code=unit["credit_code"]
        )
        _, reviewer = create_token(session, role="reviewer", name="reviewer")
    client = app.test_client()
    record = f.record(unit, 990, category="01", level="4", name=NOTICE_NAME)
    auth = {"editor": {"Authorization": f"Bearer {editor}"}}
    auth["reviewer"] = {"Authorization": f"Bearer {reviewer}"}
    created = client.post("/api/items", json=record, headers=auth["editor"])
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["code"]
    for role, transition, body in (
        ("editor", "submit", {}),
        ("reviewer", "review", {}),
        ("reviewer", "approve", {}),
        ("reviewer", "notice", {"notice_days": 20}),
    ):
        etag = client.get(f"/api/items/{code}/@draft", headers=auth["reviewer"]).headers["ETag"]
        moved = client.post(
            f"/api/items/{code}/@workflow/{transition}",
            json=body,
            headers={**auth[role], "If-Match": etag},
        )
        assert moved.status_code == 200, moved.get_json()
    return code, auth["reviewer"]


@pytest.fixture(scope="module")
def site(app):
    """(base URL, facts) of a live server over the demo city; stopped after the module."""
    state = app.extensions["qingdan"]
    with state.session_factory() as session:
        load_demo(session, total=DEMO_ITEMS)
    state.search.catch_up()
    notice_code, reviewer = put_on_notice(app)
    server, port = _serve(app)
    base = f"http://127.0.0.1:{port}"
    write_dump(state.session_factory, app.instance_path, options=DumpOptions(f"{base}/api"))
    thread = threading.Thread(target=server.serve_forever, name=f"portal-{port}", daemon=True)
    thread.start()
    yield base, {"notice_code": notice_code, "reviewer": reviewer}
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: run `make services` (tests/servers/chromium.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A refused form answers 422 on purpose: the browser logs it, and that is no fault.
    expected = "Failed to load resource: the server responded with a status of 422"
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and not m.text.startswith(expected) else None
        ),
    )
    yield page
    context.close()
    assert errors == [], errors  # no script error and no CSP violation on any page


ACCESSIBILITY_PROBLEMS = """() => {
  const problems = [];
  if (document.documentElement.lang !== "zh-CN") problems.push("html lang");
  if (document.querySelectorAll("h1").length !== 1) problems.push("not one h1");
  if (!document.querySelector("main")) problems.push("no main landmark");
  for (const img of document.querySelectorAll("img"))
    if (!img.getAttribute("alt")) problems.push("img without alt: " + img.src);
  for (const field of document.querySelectorAll("input:not([type=hidden]), select, textarea"))
    if (!field.labels.length && !field.getAttribute("aria-label"))
      problems.push("field without label: " + field.name);
  for (const table of document.querySelectorAll("table"))
    if (!table.querySelector("caption") || !table.querySelector("th")) problems.push("table");
  return problems;
}"""


def shoot(page, backend: str, name: str) -> Path:
    """Check the page's basic accessibility, then write a full-page screenshot for

    reviewers; returns its path (also printed).
    """
    assert page.evaluate(ACCESSIBILITY_PROBLEMS) == [], name
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{backend}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path
