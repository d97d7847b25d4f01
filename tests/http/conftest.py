"""A small world for the request sweeps: every kind of resource exists once, per backend.

`world` loads a unit, a published item, a withdrawn one, a draft, an item on public
notice, a release and a catalogue edition (so that the alignment has findings), and
returns the value each path parameter of the API takes, so
that a sweep can fill any URL rule or OpenAPI path without knowing the endpoint.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest

from qingdan_api.services.auth import create_token
from tests import factories as f
from tests.imports.conftest import csv_bytes, upload

UNIT = f.unit_data(31, name="临江市卫生健康委员会")
PUBLISHED = f.record(UNIT, 1, name="医疗机构执业许可")
WITHDRAWN = f.record(UNIT, 2, name="已撤销的许可")
DRAFT = f.record(UNIT, 3, name="草稿事项")
ON_NOTICE = f.record(UNIT, 4, name="公示中的事项")
# Stored before the request checks existed (or harvested): characters XML cannot hold.
DIRTY_NAME = "含控制字符\x07\x1b的事项\ufffe"
DIRTY = f.record(UNIT, 5, name=DIRTY_NAME)

# The keys of the documented Error schema (api/smorest.py).
ENVELOPE_KEYS = {"code", "status", "message", "errors", "withdrawal", "current_revision"}


@pytest.fixture(scope="module")
def world(app) -> dict:
    """Path parameter values by name, and `tokens` (Authorization headers by role)."""
    state = app.extensions["qingdan"]
    with state.session_factory() as session:
        f.load(
            session,
            [UNIT],
            [
                {"history": [PUBLISHED]},
                {
                    "history": [
                        WITHDRAWN,
                        {**WITHDRAWN, "disposition": "cancel", "disposition_reason": "法律修改"},
                    ]
                },
                {"working": DRAFT, "state": "draft"},
                {"working": ON_NOTICE, "state": "approved"},
                {"history": [DIRTY]},
            ],
        )
        tokens = {}
        for role in ("admin", "publisher", "reviewer"):
            _, secret = create_token(session, role=role, name=role)
            tokens[role] = {"Authorization": f"Bearer {secret}"}
        _, secret = create_token(
            session, role="editor", name="editor", unit_credit_code=UNIT["credit_code"]
        )
        tokens["editor"] = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    code = ON_NOTICE["code"]
    etag = client.get(f"/api/items/{code}/@draft", headers=tokens["admin"]).headers["ETag"]
    moved = client.post(
        f"/api/items/{code}/@workflow/notice",
        json={"notice_days": 30},
        headers={**tokens["reviewer"], "If-Match": etag},
    )
    assert moved.status_code == 200, moved.get_json()
    basic_code = PUBLISHED["code"][19:31]
    catalogue = [
        {"基本编码": basic_code, "事项名称": "医疗机构执业许可", "事项类型": "01", "行使层级": "3"},
        # Not implemented by the city: an omission finding, for {finding_id}.
        {
            "基本编码": basic_code[:6] + "999000",
            "事项名称": "未实施的事项",
            "事项类型": "01",
            "行使层级": "3,4",
        },
    ]
    imported = upload(
        client,
        "/api/@catalogue/@imports?source=省政务服务数据管理局&edition_date=2026-03-01",
        csv_bytes(catalogue),
        tokens["admin"],
    )
    assert imported.status_code == 200, imported.get_json()["problems"]
    findings = client.get("/api/@alignment", headers=tokens["admin"]).get_json()["findings"]
    return {
        "tokens": tokens,
        "code": PUBLISHED["code"],
        "draft_code": DRAFT["code"],
        "notice_code": code,
        "withdrawn_code": WITHDRAWN["code"],
        "credit_code": UNIT["credit_code"],
        "number": 1,
        "release_id": 1,
        "transition": "submit",
        "name": "levels",
        "ext": "json",
        "dump_id": "latest",
        "source_id": 1,
        "filename": "swagger-ui.css",
        "basic_code": basic_code,
        "finding_id": findings[0]["id"],
    }


def assert_envelope(response, status: int | None = None) -> dict:
    """The body is the documented Error envelope, with the response's status."""
    body = response.get_json()
    assert isinstance(body, dict), response.data[:200]
    assert set(body) <= ENVELOPE_KEYS, set(body) - ENVELOPE_KEYS
    assert body["code"] == response.status_code
    assert body["status"] == HTTPStatus(response.status_code).phrase
    assert isinstance(body["message"], str) and body["message"]
    if "errors" in body:
        assert isinstance(body["errors"], dict)
    if status is not None:
        assert response.status_code == status, body
    return body
