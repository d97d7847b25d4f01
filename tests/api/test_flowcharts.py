"""GET /api/items/{code}/@flowchart.svg: public items only, stable bytes, ETag and 304."""

from __future__ import annotations

import pytest
from lxml import etree

from tests import factories as f

from .conftest import DRAFT_CODES, UNIT_A, WITHDRAWN_CODE, WORKING_COPY_CODE

pytestmark = pytest.mark.usefixtures("dataset")
CODE = f.record(UNIT_A, 1, category="01")["code"]


def url(code: str) -> str:
    return f"/api/items/{code}/@flowchart.svg"


def test_flowchart_is_svg_with_a_stable_etag(client):
    first = client.get(url(CODE))
    assert first.status_code == 200
    assert first.mimetype == "image/svg+xml"
    root = etree.fromstring(first.data)
    assert root.find("{http://www.w3.org/2000/svg}title").text == "运行流程图：许可事项01"
    again = client.get(url(CODE))
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    cached = client.get(url(CODE), headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304
    zipped = client.get(url(CODE), headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"


def test_drafts_have_no_flowchart_and_working_copies_stay_hidden(client):
    for code in DRAFT_CODES:
        response = client.get(url(code))
        assert response.status_code == 404
        assert response.get_json()["code"] == 404
    published = client.get(url(WORKING_COPY_CODE))
    assert published.status_code == 200
    assert "尚未公开的草稿名称".encode() not in published.data


def test_withdrawn_item_is_gone_and_bad_args_are_400(client):
    assert client.get(url(WITHDRAWN_CODE)).status_code == 410
    assert client.get(url(CODE) + "?at=yesterday").status_code == 400
    assert client.get(url(CODE) + "?colour=red").status_code == 400
