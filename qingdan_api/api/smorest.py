"""flask-smorest's Api with the one error envelope for every HTTP status.

Every error leaves as {"code", "status", "message", "errors"} (plus `withdrawal` on a 410):
webargs' validation errors, werkzeug's own (404 for an unknown URL, 405, 413, …), the
body checks of api/bodies.py and the domain errors (api/errors.py) alike. Headers that
the status needs (`Allow` on a 405, `Retry-After` on a 429) are kept.
"""

from __future__ import annotations

from apispec import BasePlugin
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from marshmallow import Schema, fields
from werkzeug.routing import IntegerConverter

from .bodies import MAX_INTEGER


class ErrorSchema(Schema):
    """The error envelope, documented as sent (api/errors.py builds it)."""

    code = fields.Integer(required=True, metadata={"description": "the HTTP status code"})
    status = fields.String(required=True, metadata={"description": "the HTTP reason phrase"})
    message = fields.String(metadata={"description": "what went wrong, for a person"})
    errors = fields.Dict(
        metadata={
            "description": "every problem at once: field path (or location, then name) "
            "to its messages"
        }
    )
    withdrawal = fields.Dict(
        metadata={"description": "410 only: how and when the item was withdrawn"}
    )
    current_revision = fields.Integer(
        metadata={"description": "412 only: the item's revision now (its ETag is that number)"}
    )
    missing = fields.List(
        fields.String(),
        metadata={"description": "422 of a submit only: the field paths still to be filled in"},
    )


class QingdanApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        data = getattr(error, "data", None) or {}
        # webargs reports {"query": {"limit": [...]}} without a message; name the params.
        if "messages" in data and "message" not in data:
            parts = []
            for location, fields_ in data["messages"].items():
                if not isinstance(fields_, dict) or not fields_:
                    continue
                noun = "field" if location == "json" else f"{location} parameter"
                plural = "s" if len(fields_) > 1 else ""
                parts.append(f"{noun}{plural} " + ", ".join(repr(name) for name in fields_))
            if parts:  # e.g. "invalid query parameters 'limit', 'colour'"
                data["message"] = "invalid " + "; ".join(parts)
        payload, status, headers = super().handle_http_exception(error)
        payload.setdefault("message", error.description or error.name)
        # werkzeug's own headers for the status (Allow on a 405), not its HTML content type.
        kept = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        return payload, status, {**kept, **(headers or {})}


# Statuses that the request checks (api/bodies.py) and the write preconditions send, as
# reusable responses in the OpenAPI document.
ERROR_RESPONSES = {
    "400": ("BadBody", "the body is not JSON, or is nested too deep"),
    "404": ("NotFound", "no such resource (or not public)"),
    "412": ("PreconditionFailed", "If-Match names a revision that is no longer current"),
    "413": ("ContentTooLarge", "the body is larger than QINGDAN_MAX_BODY_BYTES"),
    "415": ("UnsupportedMediaType", "the body is not declared application/json"),
    "428": ("PreconditionRequired", "the write needs If-Match with the item's ETag"),
    "429": ("RateLimited", "rate limited; Retry-After says how many seconds to wait"),
}


def integer_path_schema(converter: IntegerConverter) -> dict:
    """An `<int:…>` path parameter as documented: unsigned, at most a 32-bit column's
    maximum (api/bodies.py answers 404 beyond it)."""
    schema = integerconverter2paramschema(converter)
    schema.setdefault("maximum", MAX_INTEGER)
    return schema


def register_error_responses(spec) -> None:
    """Add the responses of ERROR_RESPONSES to the spec's components (Error bodies)."""
    for status, (name, description) in ERROR_RESPONSES.items():
        response = {
            "description": description,
            "content": {"application/json": {"schema": ErrorSchema}},
        }
        if status == "429":
            response["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}
            }
        spec.components.response(name, response)


class ErrorResponsesPlugin(BasePlugin):
    """Declares on each operation the error statuses the request checks send it.

    Every write (a JSON body): 400, 413, 415; every operation with path parameters: 404;
    every write taking If-Match: 412 and 428. Which operation sends what is decided here
    from the operation itself, so a new endpoint is documented without a decorator.
    """

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            added = []
            if method in ("post", "put", "patch"):
                added += ["400", "413", "415"]
            if "{" in (path or ""):
                added.append("404")
            parameters = operation.get("parameters", [])
            if any(isinstance(p, dict) and p.get("name") == "If-Match" for p in parameters):
                added += ["412", "428"]
            for status in added:
                responses.setdefault(status, ERROR_RESPONSES[status][0])
