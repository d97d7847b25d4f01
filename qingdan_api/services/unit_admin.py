"""Units as managed resources: create, update and retire them, or import a units file.

No path stores an invalid credit code: every write checks both check characters (GB
32100 and, inside it, GB 11714). The organisation code alias is always characters 9-17
of the credit code: a given alias that differs is an error, not a second identity.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.codes import (
    CodeError,
    normalise_unit_code,
    validate_credit_code,
    validate_region_code,
)
from ..intake.values import ValueProblem, text, vocabulary_value
from ..models import Unit, utcnow
from . import audit
from .auth import ADMIN, Principal, require
from .errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired, ValidationFailed
from .unit_lookup import find_unit

FIELDS = (
    "credit_code",
    "org_code",
    "name",
    "short_name",
    "kind",
    "nature",
    "region_code",
    "parent",
    "sector",
)
# Headers a units file may use for each field (Chinese labels and English names).
HEADERS = {
    "credit_code": ("统一社会信用代码", "credit_code", "信用代码"),
    "org_code": ("组织机构代码", "org_code"),
    "name": ("单位名称", "name", "名称"),
    "short_name": ("单位简称", "short_name", "简称"),
    "kind": ("单位类型", "kind"),
    "nature": ("实施主体性质", "nature", "性质"),
    "region_code": ("行政区划代码", "region_code", "区划代码"),
    "parent": ("上级单位", "parent", "上级单位代码"),
    "sector": ("行业代码", "sector", "部门代码"),
}


def snapshot(unit: Unit) -> dict[str, Any]:
    return {
        "credit_code": unit.credit_code,
        "org_code": unit.org_code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "nature": unit.nature,
        "region_code": unit.region_code,
        "sector": unit.sector,
        "parent": unit.parent.credit_code if unit.parent else None,
        "retired_at": unit.retired_at.isoformat() if unit.retired_at else None,
    }


def clean(session: Session, data: dict[str, Any], *, partial: bool = False) -> tuple[dict, dict]:
    """Check unit fields as written by people; returns (values, errors by field).

    Kinds and natures take a code, key or Chinese label; codes are tidied (case, the org
    code's hyphen). With `partial`, absent fields are left out instead of required.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in data:
        if key not in FIELDS:
            errors[key] = ["unknown field"]
    required = () if partial else ("credit_code", "name", "kind", "region_code")
    for name in FIELDS:
        if name not in data:
            if name in required:
                errors[name] = ["required"]
            continue
        raw = text(data[name])
        if raw is None:
            if name in required or name in ("credit_code", "name", "kind", "region_code"):
                errors[name] = ["required"]
            else:
                values[name] = None
            continue
        try:
            values[name] = _field(session, name, raw)
        except (CodeError, ValueProblem) as exc:
            errors[name] = [
                exc.message
                if isinstance(exc, ValueProblem)
                else f"{exc.kind} {exc.segment}: {exc.message}"
            ]
    credit, org = values.get("credit_code"), values.get("org_code")
    if credit and org and org != credit[8:17]:
        errors["org_code"] = [f"组织机构代码应为统一社会信用代码的第9-17位：{credit[8:17]}"]
    return values, errors


def _field(session: Session, name: str, raw: str) -> Any:
    if name == "credit_code":
        return validate_credit_code(normalise_unit_code(raw))
    if name == "org_code":
        return normalise_unit_code(raw)
    if name == "kind":
        term = vocabulary_value("unit-kinds", raw)
        return term
    if name == "nature":
        return vocabulary_value("natures", raw)
    if name == "region_code":
        return validate_region_code(raw)
    if name == "sector":
        if len(raw) == 1 and raw.isdigit():
            raw = "0" + raw
        if not (len(raw) == 2 and raw.isdigit()):
            raise ValueProblem(f"“{raw}”不是两位数字的行业（部门）代码")
        return raw
    if name == "parent":
        parent = find_unit(session, raw)
        if parent is None:
            raise ValueProblem(f"找不到上级单位“{raw}”（先登记上级单位）")
        return parent.id
    return raw


def _apply(unit: Unit, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "parent":
            unit.parent_id = value
        elif name == "credit_code":
            unit.credit_code = value
            unit.org_code = value[8:17]
        elif name != "org_code":
            setattr(unit, name, value)


def create_unit(session: Session, principal: Principal | None, data: Any) -> Unit:
    """A new unit (admin). Raises ValidationFailed (every field problem), Conflict if taken."""
    principal = require(principal, ADMIN)
    if not isinstance(data, dict):
        raise ValidationFailed("a unit is a JSON object", errors={"": ["must be an object"]})
    values, errors = clean(session, data)
    if errors:
        raise ValidationFailed(f"the unit has {len(errors)} problem(s); see errors", errors=errors)
    if find_unit(session, values["credit_code"]) is not None:
        raise Conflict(f"unit {values['credit_code']} exists already")
    unit = Unit(nature=values.get("nature") or "1", credit_code=values["credit_code"])
    _apply(unit, values)
    session.add(unit)
    session.flush()
    audit.record(session, principal.actor, "unit.create", unit_id=unit.id, after=snapshot(unit))
    _commit(session, values["credit_code"])
    return unit


def _commit(session: Session, code: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"unit {code}: its credit or organisation code is taken") from exc


def _locked(session: Session, credit_code: str, if_match: int | None) -> Unit:
    unit = find_unit(session, credit_code)
    if unit is None:
        raise NotFound(f"no unit with credit code {credit_code}")
    if if_match is None:
        raise PreconditionRequired("send If-Match with the unit's ETag")
    if unit.revision != if_match:
        raise PreconditionFailed(
            f"the unit changed since revision {if_match}; it is now {unit.revision}",
            current_revision=unit.revision,
        )
    return unit


def _bump(session: Session, unit: Unit, if_match: int) -> None:
    done = session.execute(
        update(Unit)
        .where(Unit.id == unit.id, Unit.revision == if_match)
        .values(revision=if_match + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        session.rollback()
        raise PreconditionFailed(f"unit {unit.credit_code} was changed by someone else meanwhile")


def update_unit(
    session: Session, principal: Principal | None, credit_code: str, data: Any, if_match: int | None
) -> Unit:
    """Change some of a unit's fields (admin, If-Match). The credit code may be corrected
    only while the unit has no items (item codes start with it)."""
    principal = require(principal, ADMIN)
    unit = _locked(session, credit_code, if_match)
    if not isinstance(data, dict):
        raise ValidationFailed("a unit is a JSON object", errors={"": ["must be an object"]})
    values, errors = clean(session, data, partial=True)
    credit = values.get("credit_code") or unit.credit_code
    if values.get("org_code") and values["org_code"] != credit[8:17] and "org_code" not in errors:
        errors["org_code"] = [f"组织机构代码应为统一社会信用代码的第9-17位：{credit[8:17]}"]
    if values.get("parent") == unit.id:
        errors["parent"] = ["a unit cannot be its own parent"]
    if "credit_code" in values and values["credit_code"] != unit.credit_code:
        from ..models import Item

        if session.scalar(select(Item.id).where(Item.unit_id == unit.id).limit(1)):
            errors["credit_code"] = ["the unit has items whose codes start with its credit code"]
    if errors:
        raise ValidationFailed(f"the unit has {len(errors)} problem(s); see errors", errors=errors)
    before = snapshot(unit)
    _bump(session, unit, if_match)
    _apply(unit, values)
    audit.record(
        session,
        principal.actor,
        "unit.update",
        unit_id=unit.id,
        before=before,
        after=snapshot(unit),
    )
    _commit(session, unit.credit_code)
    session.refresh(unit)
    return unit


def retire_unit(
    session: Session, principal: Principal | None, credit_code: str, if_match: int | None
) -> Unit:
    """Mark a unit retired (admin, If-Match): it keeps its items and takes no new ones."""
    principal = require(principal, ADMIN)
    unit = _locked(session, credit_code, if_match)
    if unit.retired_at is not None:
        raise Conflict(f"unit {unit.credit_code} is retired already")
    before = snapshot(unit)
    _bump(session, unit, if_match)
    unit.retired_at = utcnow()
    audit.record(
        session,
        principal.actor,
        "unit.retire",
        unit_id=unit.id,
        before=before,
        after=snapshot(unit),
    )
    session.commit()
    session.refresh(unit)
    return unit


def import_units(
    session: Session, principal: Principal | None, sheets, *, dry_run: bool = False
) -> dict:
    """Create or update units from the first sheet of a units file (CSV/XLSX).

    All or nothing: any problem in any row and nothing is stored. Returns
    {"rows", "created", "updated", "unchanged", "problems": [{row, column, value, message}]}.
    Rows are taken in order, so a parent must come before its children.
    """
    principal = require(principal, ADMIN)
    sheet = sheets[0]
    positions: dict[str, int] = {}
    for position, header in enumerate(sheet.headers):
        label = str(header or "").strip().lstrip("*")
        for name, names in HEADERS.items():
            if label in names or label.lower() in names:
                positions.setdefault(name, position)
    report = {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "problems": []}
    labels = {name: names[0] for name, names in HEADERS.items()}
    try:
        for number, row in sheet.rows:
            report["rows"] += 1
            data = {name: row[i] if i < len(row) else None for name, i in positions.items()}
            values, errors = clean(session, data)
            for name, messages in errors.items():
                for message in messages:
                    report["problems"].append(
                        {
                            "row": number,
                            "column": labels.get(name, name),
                            "value": text(data.get(name)),
                            "message": message,
                        }
                    )
            if errors:
                continue
            unit = find_unit(session, values["credit_code"])
            if unit is None:
                unit = Unit(nature=values.get("nature") or "1", credit_code=values["credit_code"])
                _apply(unit, values)
                session.add(unit)
                session.flush()
                audit.record(
                    session, principal.actor, "unit.create", unit_id=unit.id, after=snapshot(unit)
                )
                report["created"] += 1
                continue
            before = snapshot(unit)
            _apply(unit, values)
            if snapshot(unit) == before:
                report["unchanged"] += 1
                continue
            unit.revision += 1
            session.flush()
            audit.record(
                session,
                principal.actor,
                "unit.update",
                unit_id=unit.id,
                before=before,
                after=snapshot(unit),
            )
            report["updated"] += 1
        if report["problems"] or dry_run:
            session.rollback()
        else:
            _commit(session, "(file)")
    except BaseException:
        session.rollback()
        raise
    report["committed"] = not report["problems"] and not dry_run
    return report
