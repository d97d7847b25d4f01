"""What a request may carry before any view sees it: JSON bodies and path parameters.

Every POST, PUT and PATCH of the API takes a JSON object, except the file uploads marked
with `accepts_upload`, which take `multipart/form-data` (else 415; their views bound the
file's size themselves). Before the view (and webargs) reads a JSON body, `check_request`
makes sure that

- it is declared JSON (`application/json` or `*/*+json`), else 415;
- it is at most `QINGDAN_MAX_BODY_BYTES` long, else 413 (werkzeug's limit, which also
  stops chunked bodies);
- it is UTF-8 JSON without `NaN`/`Infinity` (RFC 8259 has none) nested at most
  `MAX_DEPTH` deep, else 400; and a JSON object, else 422;
- every string in it (keys too) is text the databases and XML can hold: no lone
  surrogates, no NUL, no control characters other than tab, LF and CR, and at most
  `QINGDAN_MAX_TEXT_LENGTH` characters; every integer fits a 32-bit column
  (|n| <= 2^31 - 1), else 422 naming each offending field by path ("legal_bases.0.title").

Such text is rejected rather than cleaned, so what an editor sent is either stored as
sent or refused with the reason, identically on SQLite and PostgreSQL.

Path parameters get the same treatment: an integer beyond 2^31 - 1 or a string with a
character the storage cannot hold names nothing that can exist, so the answer is 404.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import current_app, request
from flask_smorest import abort

from ..services.errors import InvalidArgument
from .blueprint import Blueprint

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_DEPTH = 32
# Every integer column is 32-bit on PostgreSQL (and day counts beyond it overflow dates).
MAX_INTEGER = 2**31 - 1
# Characters neither XML 1.0 nor PostgreSQL text can hold: C0 controls but tab, LF and CR
# (NUL among them), DEL and C1 controls, lone surrogates, and the non-characters FFFE/FFFF.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
UPLOAD_MEDIA_TYPE = "multipart/form-data"


def accepts_upload(blp: Blueprint, description: str) -> Callable:
    """Decorator for a view method that takes a file upload instead of a JSON body.

    Documents the request body as `multipart/form-data` with one required binary part
    `file` (OpenAPI 3.1 `contentMediaType`), and marks the method so that `check_request`
    wants multipart (415 otherwise) and leaves the JSON checks out.
    """
    body = {
        "required": True,
        "description": description,
        "content": {
            UPLOAD_MEDIA_TYPE: {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }

    def decorate(method: Callable) -> Callable:
        method = blp.doc(requestBody=body)(method)
        method.accepts_upload = True
        return method

    return decorate


def check_query_encoding() -> None:
    """before_request of the API and the portal: every query parameter is UTF-8.

    werkzeug decodes a query string's percent-escapes as UTF-8 and, where the bytes are
    not UTF-8, keeps the escapes as text: `q=%FF` searched for the three characters
    "%FF", as `q=%25FF` does. Raises InvalidArgument (400) naming the first parameter
    whose name or value is not UTF-8 once its escapes are decoded (RFC 3986, 2.5).
    """
    raw = request.query_string
    if _is_utf8(raw):  # the usual case, in one pass; '&' and '=' never split a character
        return
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        if not (_is_utf8(name) and _is_utf8(value)):
            label = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
            raise InvalidArgument(label, "not UTF-8: percent-encode the text's UTF-8 bytes")


def _is_utf8(escaped: bytes) -> bool:
    try:
        unquote_to_bytes(escaped).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_request() -> None:
    """before_request of every API blueprint: the query's encoding, path parameters, then
    the JSON body.

    Raises (through flask-smorest's `abort`, so the error envelope is the usual one)
    404, 413, 415, 400 or 422 as described in the module docstring, and InvalidArgument
    (400) from `check_query_encoding`.
    """
    check_query_encoding()
    _check_path()
    if request.method not in WRITE_METHODS or request.url_rule is None:
        return
    if _is_upload():
        if request.mimetype != UPLOAD_MEDIA_TYPE:
            declared = request.mimetype or "no Content-Type"
            abort(
                415, message=f"send the file as {UPLOAD_MEDIA_TYPE} (part `file`), not {declared}"
            )
        return
    _check_body()


def _is_upload() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class else view
    return bool(getattr(method, "accepts_upload", False))


def _check_path() -> None:
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_INTEGER:
            abort(404, message=f"{name} {value} does not exist (at most {MAX_INTEGER})")
        if isinstance(value, str) and UNSTORABLE.search(value):
            abort(404, message=f"{name}: no such value (it holds a control character)")


def _check_body() -> None:
    if not request.is_json:
        declared = request.mimetype or "no Content-Type"
        abort(415, message=f"send the body as application/json, not {declared}")
    request.max_content_length = current_app.config["QINGDAN_MAX_BODY_BYTES"]
    raw = request.get_data(cache=True)  # 413 from werkzeug beyond the limit
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, message="the body is not UTF-8")
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        abort(400, message=f"the body is nested more than {MAX_DEPTH} levels deep")
    except ValueError as exc:  # JSONDecodeError, and the constants refused above
        abort(400, message=f"the body is not valid JSON: {exc}")
    if not isinstance(document, dict):  # every write takes an object (null is not `{}`)
        kind = "null" if document is None else type(document).__name__
        abort(422, message=f"the body must be a JSON object, not {kind}", errors={"json": [kind]})
    errors = problems(document, current_app.config["QINGDAN_MAX_TEXT_LENGTH"])
    if errors:
        fields = ", ".join(list(errors)[:5])
        abort(422, message=f"the body holds values that cannot be stored: {fields}", errors=errors)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def problems(document: Any, max_text: int) -> dict[str, list[str]]:
    """Every unstorable value of a parsed JSON document, by dotted path ("" for the root).

    Walks iteratively (a deep document cannot exhaust the stack); nesting beyond
    MAX_DEPTH aborts with 400 at once, since nothing below it is worth reporting.
    """
    errors: dict[str, list[str]] = {}
    stack: list[tuple[str, Any, int]] = [("", document, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                abort(400, message=f"the body is nested more than {MAX_DEPTH} levels deep")
            pairs = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in pairs:
                child_path = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and (problem := _text_problem(key, max_text)):
                    errors.setdefault(child_path, []).append(f"field name: {problem}")
                stack.append((child_path, child, depth + 1))
        elif isinstance(value, str):
            if problem := _text_problem(value, max_text):
                errors.setdefault(path, []).append(problem)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            errors.setdefault(path, []).append(f"at most {MAX_INTEGER} in magnitude")
    return errors


def _text_problem(text: str, max_text: int) -> str | None:
    if len(text) > max_text:
        return f"at most {max_text} characters"
    found = UNSTORABLE.search(text)
    if found:
        return f"holds the character U+{ord(found.group()):04X}, which cannot be stored"
    return None
