"""Every write endpoint refuses bodies it cannot store, with the right 4xx, never a 500.

Swept over every operation with a JSON body in the committed OpenAPI document, on
SQLite and PostgreSQL: Content-Type (415), size (413), JSON nesting and syntax (400),
and text or integers no column can hold (422 naming the field). The checks come before
authentication and the view, so one anonymous request per case exercises them.
"""

from __future__ import annotations

import json

import pytest

from .conftest import assert_envelope
from .sweep import fill, operations, request_properties, rules

pytestmark = pytest.mark.usefixtures("world")

WRITES = operations(body=True)
UPLOADS = operations(upload=True)
# Text that storage or XML cannot hold, as it arrives inside JSON (escaped).
UNSTORABLE = {
    "lone surrogate": r"\ud800",
    "low surrogate": r"x\udfffy",
    "NUL": r"a\u0000b",
    "bell": r"\u0007",
    "escape": r"\u001b[31m",
    "DEL": r"\u007f",
    "non-character": r"\uffff",
}


def _post(client, method, path, world, data, content_type="application/json", headers=None):
    url = fill(path, world, write=True)
    return client.open(
        url,
        method=method,
        data=data,
        content_type=content_type,
        headers={**world["tokens"]["admin"], **(headers or {})},
    )


def test_every_write_rule_is_documented_with_a_body(app):
    """The sweeps read the OpenAPI document; this keeps it complete for writes.

    Every POST, PUT and PATCH takes a JSON body or is a file upload (multipart); a
    DELETE takes none.
    """
    documented = {(m, p) for m, p in WRITES + UPLOADS}
    for rule in rules(app):
        path = rule.rule
        template = path.replace("<string:", "{").replace("<int:", "{").replace(">", "}")
        for method in rule.methods & {"POST", "PUT", "PATCH"}:
            assert (method, template) in documented, (method, template)
        if "DELETE" in rule.methods:
            assert ("DELETE", template) not in documented, template


@pytest.mark.parametrize(("method", "path"), UPLOADS)
@pytest.mark.parametrize("content_type", ["application/json", "text/csv", None])
def test_an_upload_not_sent_as_multipart_is_415(client, world, method, path, content_type):
    response = _post(client, method, path, world, "{}", content_type=content_type)
    body = assert_envelope(response, 415)
    assert "multipart/form-data" in body["message"]


@pytest.mark.parametrize(("method", "path"), UPLOADS)
def test_an_upload_without_its_file_part_is_422(client, world, method, path):
    response = _post(
        client, method, path, world, {"other": "x"}, content_type="multipart/form-data"
    )
    body = assert_envelope(response, 422)
    assert "file" in body["errors"]


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_not_declared_json_is_415(client, world, method, path, content_type):
    response = _post(client, method, path, world, "{}", content_type=content_type)
    body = assert_envelope(response, 415)
    assert "application/json" in body["message"]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_no_body_at_all_is_415(client, world, method, path):
    url = fill(path, world, write=True)
    response = client.open(url, method=method, headers=world["tokens"]["admin"])
    assert_envelope(response, 415)


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("kind", sorted(UNSTORABLE))
def test_unstorable_text_is_422_naming_the_field(client, world, method, path, kind):
    field = request_properties(method, path)[0]
    text = UNSTORABLE[kind]
    data = f'{{"{field}": "{text}", "nested": [{{"deep": "ok {text}"}}]}}'
    response = _post(client, method, path, world, data)
    body = assert_envelope(response, 422)
    assert set(body["errors"]) == {field, "nested.0.deep"}


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_unstorable_field_names_are_422(client, world, method, path):
    response = _post(client, method, path, world, r'{"a\u0000": 1}')
    assert_envelope(response, 422)


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_overlong_text_is_422(app, client, world, method, path):
    field = request_properties(method, path)[-1]
    limit = app.config["QINGDAN_MAX_TEXT_LENGTH"]
    response = _post(client, method, path, world, json.dumps({field: "长" * (limit + 1)}))
    body = assert_envelope(response, 422)
    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("number", [2**31, -(2**31), 2**63, 2**70])
def test_integers_beyond_a_column_are_422(client, world, method, path, number):
    field = request_properties(method, path)[0]
    data = json.dumps({field: number, "statutory_limit": {"unit": "1", "amount": number}})
    response = _post(client, method, path, world, data)
    body = assert_envelope(response, 422)
    assert set(body["errors"]) == {field, "statutory_limit.amount"}


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deep_nesting_is_400(client, world, method, path, depth):
    data = '{"a": ' + "[" * depth + "]" * depth + "}"
    response = _post(client, method, path, world, data)
    body = assert_envelope(response, 400)
    assert "nested" in body["message"]


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize(
    "data", ["{", '{"a": NaN}', '{"a": Infinity}', b'{"a": "\xff"}', "[1,]"], ids=repr
)
def test_malformed_json_is_400(client, world, method, path, data):
    response = _post(client, method, path, world, data)
    assert_envelope(response, 400)


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("data", ["null", "[]", '"text"', "1", "true"])
def test_a_body_that_is_not_an_object_is_422(client, world, method, path, data):
    response = _post(client, method, path, world, data)
    body = assert_envelope(response, 422)
    assert "JSON object" in body["message"]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_body_beyond_the_limit_is_413(app, client, world, method, path):
    limit = app.config["QINGDAN_MAX_BODY_BYTES"]
    data = json.dumps({"x": ["a" * 1000] * (limit // 1000 + 1)})
    response = _post(client, method, path, world, data)
    assert_envelope(response, 413)


def test_a_text_plain_submit_does_not_submit(client, world):
    """The case the issue found: a text/plain submit was read as {} and took effect."""
    code = world["draft_code"]
    headers = world["tokens"]["editor"]
    before = client.get(f"/api/items/{code}/@workflow", headers=headers)
    response = client.post(
        f"/api/items/{code}/@workflow/submit",
        data='{"comment": "请审核"}',
        content_type="text/plain",
        headers={**headers, "If-Match": before.headers["ETag"]},
    )
    assert_envelope(response, 415)
    after = client.get(f"/api/items/{code}/@workflow", headers=headers)
    assert after.get_json()["state"] == before.get_json()["state"] == "draft"


def test_an_anonymous_comment_with_a_surrogate_is_422_and_not_stored(client, world):
    code = world["notice_code"]
    response = client.post(
        f"/api/@notices/{code}/comments",
        data=r'{"body": "意见\ud800"}',
        content_type="application/json",
    )
    assert_envelope(response, 422)
    comments = client.get(f"/api/@notices/{code}/comments", headers=world["tokens"]["reviewer"])
    assert all("\ud800" not in c["body"] for c in comments.get_json()["items"])


def test_a_huge_amount_is_not_stored(client, world):
    """statutory_limit.amount = 2**70 was stored and published."""
    code = world["draft_code"]
    etag = client.get(f"/api/items/{code}/@draft", headers=world["tokens"]["editor"]).headers[
        "ETag"
    ]
    response = client.patch(
        f"/api/items/{code}",
        json={"statutory_limit": {"unit": "1", "amount": 2**70}},
        headers={**world["tokens"]["editor"], "If-Match": etag},
    )
    body = assert_envelope(response, 422)
    assert "statutory_limit.amount" in body["errors"]
    draft = client.get(f"/api/items/{code}/@draft", headers=world["tokens"]["editor"])
    assert draft.headers["ETag"] == etag


def test_json_with_a_charset_and_vendor_json_are_accepted(client, world):
    code = world["draft_code"]
    headers = world["tokens"]["editor"]
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        etag = client.get(f"/api/items/{code}/@draft", headers=headers).headers["ETag"]
        response = client.patch(
            f"/api/items/{code}",
            data=json.dumps({"name": "草稿事项（改）"}),
            content_type=content_type,
            headers={**headers, "If-Match": etag},
        )
        assert response.status_code == 200, response.get_json()
