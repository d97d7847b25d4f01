"""The portal in headless Chromium against a live server, on SQLite and PostgreSQL.

A citizen's path: home → search (suggestions while typing, highlights, facets) → an item
(complete disclosure, its flowchart drawn) → a download → a comment on an item on public
notice. Each main page is written as a screenshot to tests/portal/screenshots/.
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.request import Request, urlopen

import pytest

from .conftest import NOTICE_NAME, shoot

pytestmark = pytest.mark.usefixtures("site")
SECTIONS = (
    "基本信息",
    "实施依据",
    "运行流程",
    "办理时限",
    "收费",
    "相对人权利",
    "监督投诉途径",
    "责任事项",
    "追责情形",
    "廉政风险点",
    "版本历史",
    "下载",
)


def test_home_lists_units_counts_and_releases(page, site, backend):
    base, _ = site
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "权力清单和责任清单"
    rows = page.locator("table.units tbody tr")
    assert rows.count() >= 35
    assert page.locator("td.zero").first.inner_text() == "零报告"
    assert page.locator("ul.releases li").count() >= 1
    banner = page.locator(".notice-banner a")
    assert re.fullmatch(r"\d+ 个事项正在公示，欢迎提出意见", banner.inner_text())
    shoot(page, backend, "home")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways page
    shoot(page, backend, "home-phone")


def test_search_suggests_highlights_and_opens_an_item(page, site, backend):
    base, _ = site
    page.goto(base + "/search")
    box = page.get_by_label("搜索事项名称、编码或法律依据")
    box.press_sequentially("许可", delay=30)
    options = page.get_by_role("option")
    options.first.wait_for()
    assert options.count() >= 1 and "许可" in options.first.inner_text()
    box.press("Escape")
    box.press("Enter")  # no option chosen: the form searches
    page.wait_for_url("**/search?q=*")
    assert page.locator("h2#h-results").inner_text().startswith("找到")
    assert page.locator(".hits mark").first.inner_text() == "许可"
    facet = page.locator(".facets a").first
    facet_text = facet.inner_text()
    facet.click()
    page.wait_for_load_state()
    assert page.locator(".facets a.chosen").first.inner_text() == facet_text
    shoot(page, backend, "search")
    page.locator(".hits h3 a").first.click()
    page.wait_for_url("**/items/*")
    assert "许可" in page.locator("h1").inner_text()


def test_keyboard_choice_of_a_suggestion_opens_its_page(page, site):
    base, _ = site
    page.goto(base + "/")
    box = page.get_by_role("combobox")
    box.press_sequentially("食品", delay=30)
    page.get_by_role("option").first.wait_for()
    box.press("ArrowDown")
    option = page.get_by_role("option").first
    assert option.get_attribute("aria-selected") == "true"
    name = option.evaluate("li => li.firstChild.textContent")
    box.press("Enter")  # one item: its page; a name several items share: their search
    page.wait_for_url(lambda url: "/items/" in url or "/search?q=" in url)
    if "/items/" in page.url:
        assert page.locator("h1").inner_text().startswith(name)
    else:
        assert page.get_by_role("combobox").input_value() == name


def test_item_page_discloses_everything_and_draws_the_flowchart(page, site, backend):
    base, _ = site
    page.goto(base + "/search?category=01")
    page.locator(".hits h3 a").first.click()
    page.wait_for_url("**/items/*")
    headings = page.locator("main h2").all_inner_texts()
    for section in SECTIONS:
        assert section in headings, section
    chart = page.locator("figure.flowchart img")
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
    )
    assert "受理" in chart.get_attribute("alt")
    assert page.locator("#s-process + figure, #s-process ~ div table").count() >= 1
    shoot(page, backend, "item")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing runs off
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, backend, "item-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as info:
        page.get_by_role("link", name="JSON", exact=True).click()
    download = info.value
    data = json.loads(download.path().read_text(encoding="utf-8"))
    code = page.url.rsplit("/", 1)[1]
    assert [r["code"] for r in data] == [code]
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    assert info.value.suggested_filename.endswith(".csv")


def test_item_with_history_shows_the_differences(page, site, backend):
    base, _ = site
    page.goto(base + "/releases")
    page.locator("tbody th a").first.click()  # the newest release
    page.wait_for_url("**/releases/*")
    shoot(page, backend, "release")
    changed = page.locator("#h-changed + p + ul a, #h-changed ~ ul a").first
    changed.click()
    page.wait_for_url("**/items/*")
    history = page.locator("ol.history > li")
    assert history.count() >= 2
    assert page.locator("ul.changes li").count() >= 1


def test_a_comment_on_an_item_on_notice(page, site, backend):
    base, facts = site
    code = facts["notice_code"]
    page.goto(base + "/notices")
    page.get_by_role("link", name=NOTICE_NAME).click()
    page.wait_for_url("**/notices/*")
    page.get_by_role("button", name="提交意见").click()  # empty: refused, form kept
    assert page.get_by_role("alert").first.inner_text() == "意见未能提交，请检查后重试。"
    assert page.get_by_label("意见内容（必填，2000字以内）").get_attribute("aria-invalid") == "true"
    page.get_by_label("意见内容（必填，2000字以内）").fill("建议明确占道施工的最长期限。")
    page.get_by_label("姓名或单位（选填）").fill("王先生")
    page.get_by_role("button", name="提交意见").click()
    page.wait_for_url("**sent=1*")
    assert page.get_by_role("status").inner_text() == "意见已收到，感谢您的参与。"
    shoot(page, backend, "notice")
    assert "建议明确占道施工" not in page.content()  # comments are for the reviewers
    request = Request(f"{base}/api/@notices/{code}/comments", headers=facts["reviewer"])
    with urlopen(request) as response:
        comments = json.load(response)["items"]
    assert [(c["body"], c["author"]) for c in comments] == [
        ("建议明确占道施工的最长期限。", "王先生")
    ]


def test_releases_and_open_data_pages(page, site, backend):
    base, _ = site
    page.goto(base + "/releases")
    assert page.locator("tbody tr").count() >= 2
    shoot(page, backend, "releases")
    page.goto(base + "/open-data")
    rows = page.locator(".dump tbody tr")
    assert rows.count() >= 8
    assert "flowcharts.zip" in page.locator(".dump").first.inner_text()
    href = page.get_by_role("link", name="items.csv", exact=True).get_attribute("href")
    request = Request(base + href if href.startswith("/") else href)
    with urlopen(request) as response:  # the checksum shown is the file's
        digest = hashlib.sha256(response.read()).hexdigest()
    assert digest in page.locator(".dump").first.inner_text()
    shoot(page, backend, "open-data")


def test_unit_page_and_zero_report(page, site, backend):
    base, _ = site
    page.goto(base + "/")
    page.locator("table.units tbody th a").first.click()
    page.wait_for_url("**/units/*")
    assert page.locator("table tbody tr").count() >= 1
    shoot(page, backend, "unit")
    page.goto(base + "/")
    zero = page.locator("table.units tbody tr", has=page.locator("td.zero")).first
    zero.locator("th a").click()
    page.wait_for_url("**/units/*")
    assert page.get_by_role("note").locator("h2").inner_text() == "零报告"
