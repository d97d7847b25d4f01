"""`qingdan token create|revoke|list`: manage the bearer API tokens of editorial staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from ..services import auth
from ..services.errors import DomainError
from .core import _app


def _expiry(value: str | None) -> datetime | None:
    """`30d` (days from now), a date (end of that day, UTC) or an ISO datetime."""
    if not value:
        return None
    try:
        if value.endswith("d") and value[:-1].isdigit():
            return datetime.now(UTC) + timedelta(days=int(value[:-1]))
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use 30d, a date (2027-12-31) or an ISO datetime") from exc
    if len(value) == 10:
        moment += timedelta(days=1)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _session(instance: str | None, database: str | None):
    return _app(instance, database).extensions["qingdan"].session_factory()


@click.group("token")
def token() -> None:
    """Create, revoke and list API tokens (only their hashes are stored)."""


@token.command("create")
@click.option("--instance", envvar="QINGDAN_INSTANCE")
@click.option("--database", envvar="QINGDAN_DATABASE_URL")
@click.option("--role", required=True, type=click.Choice(auth.ROLES))
@click.option("--unit", "unit", help="Credit code of the unit (editor tokens).")
@click.option("--name", help="Who uses it; recorded as the actor (default: role[@unit]).")
@click.option("--expires", help="30d, a date (2027-12-31) or an ISO datetime.")
def create(instance, database, role, unit, name, expires) -> None:
    """Create a token and print its secret (shown this once only)."""
    with _session(instance, database) as session:
        try:
            row, secret = auth.create_token(
                session,
                role=role,
                name=name or (f"{role}@{unit}" if unit else role),
                unit_credit_code=unit,
                expires_at=_expiry(expires),
            )
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"token {row.id} ({row.role}, {row.name}); keep this secret, it is not stored:")
        click.echo(secret)


@token.command("revoke")
@click.option("--instance", envvar="QINGDAN_INSTANCE")
@click.option("--database", envvar="QINGDAN_DATABASE_URL")
@click.argument("token_id", type=int)
def revoke(instance, database, token_id) -> None:
    """Revoke a token by its id (see `qingdan token list`)."""
    with _session(instance, database) as session:
        try:
            row = auth.revoke_token(session, token_id)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"token {row.id} ({row.name}) revoked at {row.revoked_at.isoformat()}")


@token.command("list")
@click.option("--instance", envvar="QINGDAN_INSTANCE")
@click.option("--database", envvar="QINGDAN_DATABASE_URL")
def list_(instance, database) -> None:
    """List tokens: id, role, name, unit, expiry and state (active, expired, revoked)."""
    with _session(instance, database) as session:
        for row in auth.list_tokens(session):
            unit = row.unit.credit_code if row.unit else "-"
            expires = row.expires_at.isoformat() if row.expires_at else "never"
            state = auth.token_state(row)
            click.echo(f"{row.id}\t{row.role}\t{row.name}\t{unit}\t{expires}\t{state}")
