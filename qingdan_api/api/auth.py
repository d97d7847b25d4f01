"""Request credentials: the caller's bearer token, and the If-Match revision of a write."""

from __future__ import annotations

from flask import g, request

from ..services import auth
from ..services.errors import Unauthenticated
from .bodies import MAX_INTEGER
from .session import db_session

# Header documentation for the OpenAPI document.
SECURITY = [{"bearer": []}]
PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Authorization"}


def current_principal() -> auth.Principal | None:
    """The authenticated caller, None when anonymous; 401 for a bad or unknown token."""
    if "qingdan_principal" not in g:
        header = request.headers.get("Authorization")
        secret = None
        if header is not None:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise Unauthenticated("use Authorization: Bearer <token>")
            secret = value.strip()
        g.qingdan_principal = auth.authenticate(db_session(), secret)
    return g.qingdan_principal


def if_match_revision(header: str | None) -> int | None:
    """The revision named by If-Match; None when absent, -1 when it can never match.

    ETags here are strong ("3"); a weak tag (W/"3") or "*" never matches, since a write
    must name the exact revision it was based on.
    """
    if header is None or not header.strip():
        return None
    value = header.strip()
    digits = value[1:-1]
    # ASCII only: str.isdigit() is also true of "²" and "٣", which int() refuses or reads.
    if value.startswith('"') and value.endswith('"') and digits.isascii() and digits.isdigit():
        revision = int(digits)
        # Beyond the 32-bit revision column nothing matches (and PostgreSQL would refuse it).
        return revision if revision <= MAX_INTEGER else -1
    return -1


def etag(revision: int) -> dict[str, str]:
    return {"ETag": f'"{revision}"', **PRIVATE}
