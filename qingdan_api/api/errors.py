"""The one error envelope, and the one table from domain error to HTTP status.

Every error leaves as {"code": <status>, "status": <reason>, "message": …, "errors": …},
the envelope flask-smorest uses for HTTP exceptions, so webargs validation errors,
unknown URLs and domain errors all look the same to a client.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, jsonify

from ..services import errors as domain

STATUS_OF: dict[type[domain.DomainError], HTTPStatus] = {
    domain.InvalidArgument: HTTPStatus.BAD_REQUEST,
    domain.ValidationFailed: HTTPStatus.UNPROCESSABLE_ENTITY,
    domain.Unauthenticated: HTTPStatus.UNAUTHORIZED,
    domain.Forbidden: HTTPStatus.FORBIDDEN,
    domain.NotFound: HTTPStatus.NOT_FOUND,
    domain.Conflict: HTTPStatus.CONFLICT,
    domain.Gone: HTTPStatus.GONE,
    domain.PreconditionFailed: HTTPStatus.PRECONDITION_FAILED,
    domain.PreconditionRequired: HTTPStatus.PRECONDITION_REQUIRED,
    domain.TooManyRequests: HTTPStatus.TOO_MANY_REQUESTS,
    domain.PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
}


# Details of a domain error that the envelope carries; the others are for logs or headers.
BODY_DETAILS = frozenset({"withdrawal", "current_revision"})


def status_of(error: domain.DomainError) -> HTTPStatus:
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return HTTPStatus.INTERNAL_SERVER_ERROR


def envelope(status: HTTPStatus, message: str | None = None, errors=None, **extra) -> dict:
    """The error body: code, status, message (the reason phrase when none is given)."""
    body = {"code": status.value, "status": status.phrase, "message": message or status.phrase}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def render_domain_error(error: domain.DomainError):
    status = status_of(error)
    # Only what the documented Error schema holds goes into the body (api/smorest.py).
    extra = {k: v for k, v in error.details.items() if k in BODY_DETAILS}
    response = jsonify(envelope(status, error.message, error.errors, **extra))
    response.status_code = status.value
    if status is HTTPStatus.UNAUTHORIZED:
        response.headers["WWW-Authenticate"] = 'Bearer realm="qingdan"'
    if "retry_after" in error.details:  # seconds (RFC 9110 section 10.2.3)
        response.headers["Retry-After"] = str(int(error.details["retry_after"]))
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(domain.DomainError, render_domain_error)
