"""The domain errors services raise (they live in domain/errors.py, below every layer)."""

from ..domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InvalidArgument,
    InvalidArguments,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
)

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "Gone",
    "InvalidArgument",
    "InvalidArguments",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "PreconditionRequired",
    "TooManyRequests",
    "Unauthenticated",
    "ValidationFailed",
]
