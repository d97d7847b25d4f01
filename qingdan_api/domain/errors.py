"""Domain errors, raised by services and listings; api/errors.py maps each to one status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str, *, errors: dict[str, Any] | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.details = details


class NotFound(DomainError):
    """The thing asked for does not exist (or is not public)."""


class Gone(DomainError):
    """The thing existed and was withdrawn; `details` say how and when."""


class InvalidArgument(DomainError):
    """A caller-supplied parameter is malformed or unknown; `param` names it."""

    def __init__(self, param: str, message: str, location: str = "query"):
        super().__init__(f"{param}: {message}", errors={location: {param: [message]}}, param=param)


class ValidationFailed(DomainError):
    """Submitted content breaks the rules; `errors` maps each field path to its messages."""


class Unauthenticated(DomainError):
    """No valid credentials were given."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Conflict(DomainError):
    """The request conflicts with the current state (e.g. a transition not allowed now)."""


class PreconditionRequired(DomainError):
    """A write came without the If-Match it needs."""


class PreconditionFailed(DomainError):
    """A write's If-Match names a revision that is no longer current."""


class PayloadTooLarge(DomainError):
    """An upload is larger than accepted."""


class TooManyRequests(DomainError):
    """The caller exceeded a rate limit."""


class InvalidArguments(InvalidArgument):
    """Several caller-supplied parameters are wrong; `errors` maps each name to its messages."""

    def __init__(self, problems: dict[str, list[str]], location: str = "query"):
        message = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in problems.items())
        DomainError.__init__(self, message, errors={location: problems})
