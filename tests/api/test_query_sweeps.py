"""Every kind of bad query argument, swept over every operation in the OpenAPI document.

The operations and their parameters come from the app's own OpenAPI document, so a new
endpoint or parameter is swept without touching this file: every GET that lists things
(`items` is an array) or takes query parameters. Kinds: unknown parameters, page
arguments, integers beyond their column, repeated parameters, dates, and every problem
reported at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests import factories as f
from tests.editorial.conftest import UNIT_A, UNIT_B, Desk, tokens  # noqa: F401 (fixture)
from tests.imports.conftest import csv_bytes, upload

CHINA = timezone(timedelta(hours=8))  # Asia/Shanghai: no daylight saving since 1991
INT64_OVERFLOW = 2**63
# Values for path parameters; a new one must be added here, or its operations fail loudly.
PATH_VALUES = {
    "ext": "json",
    "name": "categories",
    "number": "1",
}
# Values for required query parameters, sent along whatever else is being swept.
REQUIRED_VALUES = {"q": "扫描"}


@pytest.fixture(scope="module")
def world(app, tokens):  # noqa: F811
    """One item published today through the real workflow, one on notice, audit entries."""
    client = app.test_client()
    desk = Desk(client, tokens)
    published = desk.create(f.record(UNIT_A, 801, name="扫描事项")).get_json()["code"]
    desk.to_notice(published)
    release = desk.release("扫描批次", [published])
    noticed = desk.create(f.record(UNIT_A, 802, name="公示事项")).get_json()["code"]
    desk.to_notice(noticed, days=7)
    # A catalogue edition, so that the catalogue and alignment listings answer 200.
    basic_code = published[19:31]
    entry = {"基本编码": basic_code, "事项名称": "扫描事项", "事项类型": "01", "行使层级": "3"}
    imported = upload(
        client,
        "/api/@catalogue/@imports?source=省政务服务数据管理局&edition_date=2026-03-01",
        csv_bytes([entry]),
        tokens["admin"],
    )
    assert imported.status_code == 200, imported.get_json()
    return {
        "required": {
            path: {p["name"] for p in params if p.get("required")}
            for path, params in _operations(app)
        },
        "code": published,
        "credit_code": UNIT_A["credit_code"],
        "release_id": str(release["id"]),
        "basic_code": basic_code,
        "notice": noticed,
        "headers": tokens["admin"],
        "reviewer": tokens["reviewer"],
    }


def _operations(app) -> list[tuple[str, list[dict]]]:
    document = app.test_client().get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    def resolve(schema: dict) -> dict:
        while "$ref" in schema:
            schema = schemas[schema["$ref"].split("/")[-1]]
        return schema

    out = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        params = [p for p in get.get("parameters", []) if p["in"] == "query"]
        missing = {p["name"] for p in params if p.get("required")} - set(REQUIRED_VALUES)
        assert not missing, f"give test_query_sweeps.REQUIRED_VALUES a value for {missing}"
        content = get["responses"].get("200", {}).get("content", {})
        json_schema = content.get("application/json", {}).get("schema")
        items = resolve(json_schema).get("properties", {}).get("items") if json_schema else None
        listing = items is not None and items.get("type") == "array"
        if params or listing:
            out.append((path, params))
    return out


def _url(path: str, world: dict) -> str:
    def value(name: str) -> str:
        if name == "code" and "/@notices/" in path:
            return world["notice"]
        if name in world:
            return world[name]
        if name == "ext" and "/@alignment." in path:
            return "csv"  # the alignment report is CSV or XLSX
        if name in PATH_VALUES:
            return PATH_VALUES[name]
        raise AssertionError(f"give test_query_sweeps.PATH_VALUES a value for {{{name}}}")

    parts = []
    for segment in path.split("/"):
        while "{" in segment:
            start, end = segment.index("{"), segment.index("}")
            segment = segment[:start] + value(segment[start + 1 : end]) + segment[end + 1 :]
        parts.append(segment)
    return "/".join(parts)


def _get(client, world, path, query):
    url = _url(path, world)
    pairs = list(query.items()) if isinstance(query, dict) else list(query)
    given = {name for name, _ in pairs}
    for name, value in REQUIRED_VALUES.items():
        if name in world["required"][path] and name not in given:
            pairs.append((name, value))
    query = pairs
    headers = world["reviewer"] if path.endswith("/comments") else world["headers"]
    return client.get(url, query_string=query, headers=headers)


def _query_errors(response) -> dict:
    body = response.get_json()
    assert body["code"] == response.status_code, body
    assert set(body) >= {"code", "status", "message", "errors"}, body
    return body["errors"].get("query", {})


def _integer_params(params):
    for p in params:
        schema = p["schema"]
        if schema.get("type") == "array":
            schema = schema["items"]
        if schema.get("type") == "integer":
            yield p, schema


def _assert_each_refused(client, world, path: str, name: str, values: list[str]) -> None:
    """Each value of parameter `name` is a 400 whose errors name the parameter."""
    for value in values:
        response = _get(client, world, path, {name: value})
        assert response.status_code == 400, (path, name, value, response.get_json())
        assert name in _query_errors(response), (path, name, value)


def test_the_sweep_sees_every_listing(app, world):
    paths = {path for path, _ in _operations(app)}
    assert {
        "/api/items",
        "/api/units",
        "/api/@search",
        "/api/@releases",
        "/api/@notices",
        "/api/@audit",
        "/api/@changes",
        "/api/@sources",
        "/api/items.{ext}",
    } <= paths


def test_unknown_parameters_are_400_everywhere(app, client, world):
    for path, _params in _operations(app):
        response = _get(client, world, path, {"zz_unknown": "1"})
        assert response.status_code == 400, (path, response.get_json())
        assert "zz_unknown" in _query_errors(response), path


@pytest.mark.parametrize("limit", ["0", "-1", str(INT64_OVERFLOW), "ten", "1.5", "maximum+1"])
def test_page_arguments_are_checked_the_same_everywhere(app, client, world, limit):
    paged = [(path, params) for path, params in _operations(app) if "limit" in _names(params)]
    assert len(paged) >= 8
    for path, params in paged:
        value = limit
        if limit == "maximum+1":
            value = str(_param(params, "limit")["schema"]["maximum"] + 1)
        response = _get(client, world, path, {"limit": value})
        assert response.status_code == 400, (path, value, response.get_json())
        assert "limit" in _query_errors(response), path
        assert _get(client, world, path, {"limit": "1"}).status_code == 200, path


def test_cursors_are_checked_the_same_everywhere(app, client, world):
    with_cursor = [p for p, params in _operations(app) if "cursor" in _names(params)]
    assert len(with_cursor) >= 7
    forged = [
        "not-a-cursor",
        "eyJzIjoiLWlkIiwiZCI6ImFmdGVyIiwiayI6WzkyMjMzNzIwMzY4NTQ3NzU4MDhdfQ",  # -id, k=[2**63]
        "e30",  # {}
        "x" * 2000,
    ]
    for path in with_cursor:
        for cursor in forged:
            response = _get(client, world, path, {"cursor": cursor})
            assert response.status_code == 400, (path, cursor, response.get_json())
            assert "cursor" in _query_errors(response), path


def test_integers_are_bounded_by_their_column(app, client, world):
    seen = 0
    for path, params in _operations(app):
        for param, schema in _integer_params(params):
            seen += 1
            name = param["name"]
            assert "maximum" in schema, (path, name, "document a maximum")
            maximum = schema["maximum"]
            assert maximum <= 2**63 - 1, (path, name)
            beyond = (maximum + 1, INT64_OVERFLOW, -INT64_OVERFLOW, schema.get("minimum", 0) - 1)
            _assert_each_refused(client, world, path, name, [str(value) for value in beyond])
            response = _get(client, world, path, {name: str(maximum)})
            assert response.status_code < 500, (path, name, maximum, response.get_json())
    assert seen >= 10


# int() reads every one of these as a number (or raises ValueError: "²"); none is one here.
NOT_ASCII_INTEGERS = [
    "5_0",
    "+5",
    " 5",
    "5 ",
    "\u0663",
    "\uff15",
    "\u00b2",
    "0x10",
    "1e3",
    "5.0",
    "",
]


def test_integers_are_ascii_digits_only(app, client, world):
    seen = 0
    for path, params in _operations(app):
        for param, _schema in _integer_params(params):
            seen += 1
            name = param["name"]
            _assert_each_refused(client, world, path, name, NOT_ASCII_INTEGERS)
            response = _get(client, world, path, {name: "1"})
            assert response.status_code < 500, (path, name, response.get_json())
    assert seen >= 10


def test_query_text_that_is_not_utf8_is_a_400(app, client, world):
    """werkzeug kept undecodable escapes as text: q=%FF searched for "%FF"."""
    seen = 0
    for path, params in _operations(app):
        url = _url(path, world)
        headers = world["reviewer"] if path.endswith("/comments") else world["headers"]
        required = "".join(f"&{n}=%E6%89%AB" for n in sorted(world["required"][path]))
        for param in params:
            name = param["name"]
            for raw in ("%FF", "%ED%A0%80", "ok%C3"):  # a stray byte, a surrogate, cut short
                query = f"{name}={raw}" + required.replace(f"&{name}=%E6%89%AB", "")
                response = client.get(f"{url}?{query}", headers=headers)
                assert response.status_code == 400, (path, name, raw, response.get_json())
                assert name in _query_errors(response), (path, name, raw)
            seen += 1
    assert seen >= 30
    unnamed = client.get("/api/items?%FF=1")
    assert unnamed.status_code == 400 and "\ufffd" in _query_errors(unnamed)
    portal = client.get("/search?q=%FF")
    assert portal.status_code == 400 and portal.mimetype == "text/html"
    assert client.get("/search?q=%E5%8D%B1%E9%99%A9+%E5%8C%96").status_code == 200


def test_repeated_parameters_mean_or_or_are_a_400_saying_so(app, client, world):
    for path, params in _operations(app):
        for param in params:
            name = param["name"]
            response = _get(client, world, path, [(name, "1"), (name, "1")])
            errors = _query_errors(response) if response.status_code >= 400 else {}
            said = " ".join(errors.get(name, []))
            if param["schema"].get("type") == "array":
                assert "more than once" not in said, (path, name)
                assert param.get("explode", True), (path, name)
            else:
                assert response.status_code == 400, (path, name, response.get_json())
                assert "more than once" in said, (path, name, errors)


def test_repeated_filters_mean_any_of_them(client, world):
    a, b = UNIT_A["credit_code"], UNIT_B["credit_code"]
    union = client.get(f"/api/items?unit={a}&unit={b}&limit=1").get_json()
    one = client.get(f"/api/items?unit={a}&limit=1").get_json()["items_total"]
    other = client.get(f"/api/items?unit={b}&limit=1").get_json()["items_total"]
    assert union["items_total"] == one + other > one > 0
    following = client.get(union["batching"]["next"]).get_json()
    assert following["items_total"] == union["items_total"]  # links keep both values


def test_all_problems_are_reported_at_once(app, client, world):
    for path, params in _operations(app):
        query = [("zz_unknown", "1")]
        expected = {"zz_unknown"}
        for param, _schema in _integer_params(params):
            query.append((param["name"], "not-a-number"))
            expected.add(param["name"])
        response = _get(client, world, path, query)
        assert response.status_code == 400, path
        assert set(_query_errors(response)) >= expected, (path, response.get_json())


# Date parameters that must exist whatever the document declares (found ones add to them).
KNOWN_DATES = [
    ("/api/items", "at", "end"),
    ("/api/items/{code}", "at", "end"),
    ("/api/@audit", "since", "start"),
    ("/api/@audit", "until", "end"),
]


def _dates(app) -> list[tuple[str, str, str]]:
    found = list(KNOWN_DATES)
    for path, params in _operations(app):
        for param in params:
            side = param["schema"].get("x-qingdan-date")
            if side and (path, param["name"], side) not in found:
                found.append((path, param["name"], side))
    return found


def test_every_date_parameter_is_declared(app):
    declared = {
        (path, p["name"], p["schema"].get("x-qingdan-date"))
        for path, params in _operations(app)
        for p in params
    }
    assert set(KNOWN_DATES) <= declared


def _entries(response) -> list:
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.get_data(as_text=True)[:200]
    body = response.get_json(silent=True)
    if body is None:  # not JSON (a flowchart, an export): the body itself is the entry
        return [response.get_data()]
    entries = body.get("items", [body])
    return [e.get("@id", e.get("id")) for e in entries]


def test_dates_are_parsed_one_way_everywhere(app, client, world):
    """A bare date is its day in China time: `start` sides from 00:00, `end` sides to 24:00.

    `world` acted today, so a start-side date of today and an end-side date of today keep
    everything; tomorrow (start) and yesterday (end) lose what was done today. The compact
    and extended forms, and date-times without a zone (China time), agree.
    """
    today = datetime.now(CHINA).date()
    for path, name, side in _dates(app):
        params = {p["name"]: p for _path, ps in _operations(app) if _path == path for p in ps}
        base = {"limit": "200"} if "limit" in params else {}
        everything = _entries(_get(client, world, path, base))
        assert everything, (path, "the sweep needs something to see")
        keep = [today.isoformat(), today.strftime("%Y%m%d")]
        lose_day = today + timedelta(days=1) if side == "start" else today - timedelta(days=1)
        lose = [lose_day.isoformat(), lose_day.strftime("%Y%m%d")]
        if side == "start":
            keep.append(f"{today.isoformat()}T00:00")  # China time: today's first minute
            keep.append(f"{today.strftime('%Y%m%d')}T000000+08:00")
        else:
            keep.append(f"{today.isoformat()}T23:59:59.999")
            lose.append(f"{today.isoformat()}T00:00:00+08:00")  # before today's work
        for value in keep:
            got = _entries(_get(client, world, path, {**base, name: value}))
            assert got == everything, (path, name, value)
        for value in lose:
            got = _entries(_get(client, world, path, {**base, name: value}))
            assert len(got) < len(everything), (path, name, value)
        for value in ("2026-13-01", "2026-02-30", "2026W481", "soon", "99999999"):
            response = _get(client, world, path, {name: value})
            assert response.status_code == 400, (path, name, value)
            assert name in _query_errors(response)


def _names(params) -> set[str]:
    return {p["name"] for p in params}


def _param(params, name):
    return next(p for p in params if p["name"] == name)
