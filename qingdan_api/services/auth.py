"""Bearer API tokens and the roles they carry: create, revoke, authenticate, authorise."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ApiToken, utcnow
from .errors import Forbidden, InvalidArgument, NotFound, Unauthenticated
from .unit_lookup import find_unit

EDITOR = "editor"  # a unit's editor: drafts and adjusts its own unit's items only
REVIEWER = "reviewer"  # the review office: reviews, returns, approves, opens notices
PUBLISHER = "publisher"  # publishes approved items in releases, withdraws published ones
ADMIN = "admin"  # everything, and reads the audit log
ROLES = (EDITOR, REVIEWER, PUBLISHER, ADMIN)

TOKEN_PREFIX = "qd_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's name (the actor), role, and unit for editors."""

    token_id: int
    actor: str
    role: str
    unit_id: int | None = None

    def may_edit_unit(self, unit_id: int) -> bool:
        return self.role == ADMIN or (self.role == EDITOR and self.unit_id == unit_id)


def hash_token(secret: str) -> str:
    # The secrets are 256 random bits, so a plain SHA-256 is as strong as a slow hash here.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    role: str,
    name: str,
    unit_credit_code: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Store a new token's hash; returns the row and the secret (shown once, never stored)."""
    if role not in ROLES:
        raise InvalidArgument("role", f"one of {', '.join(ROLES)}")
    unit_id = None
    if role == EDITOR:
        if not unit_credit_code:
            raise InvalidArgument("unit", "an editor token needs the unit it edits for")
        unit = find_unit(session, unit_credit_code)
        unit_id = unit.id if unit is not None else None
        if unit_id is None:
            raise NotFound(f"no unit with credit code {unit_credit_code}")
    elif unit_credit_code:
        raise InvalidArgument("unit", "only editor tokens belong to a unit")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        token_hash=hash_token(secret),
        name=name,
        role=role,
        unit_id=unit_id,
        expires_at=expires_at,
    )
    session.add(token)
    session.commit()
    return token, secret


def revoke_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """ "revoked", "expired" (at or after `expires_at`) or "active": what `authenticate`
    would make of the token at `now`."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def authenticate(session: Session, secret: str | None) -> Principal | None:
    """The principal of a bearer secret; None without one; Unauthenticated if it is bad."""
    if secret is None:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        raise Unauthenticated("invalid or revoked token")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthenticated("token expired")
    return Principal(token.id, token.name, token.role, token.unit_id)


def require(principal: Principal | None, *roles: str) -> Principal:
    """The principal if it has one of `roles` (admin always does); else 401 or 403."""
    if principal is None:
        raise Unauthenticated("this needs an API token: Authorization: Bearer <token>")
    if principal.role != ADMIN and principal.role not in roles:
        raise Forbidden(f"role {principal.role!r} may not do this")
    return principal


def require_unit(principal: Principal | None, unit_id: int) -> Principal:
    """An editor of that unit, or an admin."""
    principal = require(principal, EDITOR)
    if not principal.may_edit_unit(unit_id):
        raise Forbidden("editors may only change their own unit's items")
    return principal
