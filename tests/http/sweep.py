"""The API's operations, read from the committed OpenAPI document and the app's URL map.

Sweeps parametrize over these, so an endpoint added tomorrow is swept without a new test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from werkzeug.routing import IntegerConverter

DOCUMENT = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi" / "openapi.json").read_text()
)
METHODS = ("get", "post", "put", "patch", "delete")


def operations(*, body: bool | None = None, upload: bool = False) -> list[tuple[str, str]]:
    """(METHOD, path template) of every documented operation.

    `body` filters on a JSON request body; `upload=True` keeps only the file uploads
    (a `multipart/form-data` request body).
    """
    found = []
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            media = operation.get("requestBody", {}).get("content", {})
            if upload:
                if "multipart/form-data" in media:
                    found.append((method.upper(), path))
            elif body is None or body == ("application/json" in media):
                found.append((method.upper(), path))
    return found


def parameter_enum(path: str, name: str) -> list | None:
    for operation in DOCUMENT["paths"].get(path, {}).values():
        for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
            if parameter.get("name") == name and parameter.get("in") == "path":
                return parameter.get("schema", {}).get("enum")
    for parameter in DOCUMENT["paths"].get(path, {}).get("parameters", []):
        if parameter.get("name") == name:
            return parameter.get("schema", {}).get("enum")
    return None


def request_properties(method: str, path: str) -> list[str]:
    """The top-level properties of an operation's JSON body schema."""
    body = DOCUMENT["paths"][path][method.lower()]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return sorted(schema.get("properties", {})) or ["x"]


def fill(path: str, world: dict, write: bool = False) -> str:
    """The path template with each {name} replaced by the world's value for it."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "code" and write:
            return world["draft_code"]
        allowed = parameter_enum(path, name)
        if allowed and world[name] not in allowed:  # e.g. {ext}: json here, csv|xlsx there
            return str(allowed[0])
        return str(world[name])

    return re.sub(r"{(\w+)}", value, path)


def rules(app, prefix: str = "/api"):
    """The app's URL rules under the API prefix (docs and static files aside)."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix) and rule.endpoint.startswith("qingdan_"):
            yield rule


def integer_arguments(rule) -> list[str]:
    return [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]


def build(app, rule, world: dict, **override) -> str:
    """A URL for `rule`, arguments from the world unless overridden (unquoted values)."""
    values = {}
    for name in rule.arguments:
        if name in override:
            values[name] = override[name]
        elif name == "code" and rule.endpoint.startswith(("qingdan_editing", "qingdan_work")):
            values[name] = world["draft_code"]
        else:
            values[name] = world[name]
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values, force_external=False)
