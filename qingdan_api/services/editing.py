"""Writing drafts: create, replace, patch, propose a disposition, declare a zero report.

Every save validates what the record holds (a draft may be incomplete: completeness is
checked when it is submitted, see `check_complete`) and is a compare-and-set on the
working version's `revision` (the ETag): the UPDATE names the revision the editor
started from, so of two concurrent writers with the same If-Match exactly one matches a
row and the other gets 412. Editing a published item first creates its working copy;
that is a compare-and-set on the item's state, so two editors cannot both start one.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.codes import (
    CodeError,
    next_basic_code,
    next_sub_item_code,
    parse_basic_code,
    region_prefix,
)
from ..domain.fields import ITEM_FIELDS
from ..domain.record import filter_columns
from ..domain.validation import check_record
from ..models import Item, ItemVersion, Unit, utcnow
from . import audit
from .auth import EDITOR, Principal, require, require_unit
from .errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)
from .items import (
    DRAFT,
    EDITABLE_STATES,
    PUBLISHED,
    WITHDRAWN,
    Draft,
    draft_of,
    editing_base,
    load_item,
)
from .unit_lookup import find_unit

DISPOSITION_FIELDS = ("disposition", "disposition_reason", "merged_into", "transferred_to")


def stored_record(record: dict[str, Any], unit: Unit) -> dict[str, Any]:
    """The record as stored: the unit's reference from the database, every field present."""
    record = dict(record)
    record["unit"] = {"credit_code": unit.credit_code, "name": unit.name}
    record.setdefault("region_code", unit.region_code)
    record.setdefault("unit_nature", unit.nature)
    for spec in ITEM_FIELDS:
        record.setdefault(spec.name, [] if spec.type == "array" and not spec.required else None)
    return record


def record_problems(
    session: Session, record: dict[str, Any], unit: Unit, *, complete: bool = False
) -> dict[str, list[str]]:
    """Every problem of the record by field path, the database checks included.

    `complete=False` is a save (what is there must be right), True a submit (and nothing
    required may be missing).
    """
    errors = check_record(record, complete=complete)
    _check_unit_facts(record, unit, errors)
    parent = record.get("parent_code")
    if parent and "parent_code" not in errors:
        found = session.scalar(select(Item.unit_id).where(Item.code == parent))
        if found is None:
            errors["parent_code"] = [f"no main item {parent}"]
        elif found != unit.id:
            errors["parent_code"] = ["the main item belongs to another unit"]
    merged = record.get("merged_into")
    if merged and "merged_into" not in errors:
        state = session.scalar(select(Item.state).where(Item.code == merged))
        if state is None:
            errors["merged_into"] = [f"no item {merged}"]
        elif state == WITHDRAWN:
            errors["merged_into"] = [f"item {merged} is withdrawn itself"]
    return errors


def _check_unit_facts(record: dict[str, Any], unit: Unit, errors: dict[str, list[str]]) -> None:
    """Facts of the unit hold for each of its items: its region and its nature."""
    region = record.get("region_code")
    if isinstance(region, str) and region and "region_code" not in errors:
        try:
            prefix = region_prefix(unit.region_code)
        except CodeError:
            prefix = None
        if prefix and not region.startswith(prefix):
            errors["region_code"] = [f"must lie within the unit's region {unit.region_code}"]
    nature = record.get("unit_nature")
    if nature and unit.nature and nature != unit.nature and "unit_nature" not in errors:
        errors["unit_nature"] = [
            f"the unit's nature is {unit.nature}: change the unit "
            f"(PATCH /api/units/{unit.credit_code}), not the item"
        ]


def _validate(session: Session, record: dict[str, Any], unit: Unit) -> None:
    """Raise ValidationFailed with every problem of the record being saved, by field path."""
    errors = record_problems(session, record, unit)
    if errors:
        raise ValidationFailed(
            f"the item has {sum(map(len, errors.values()))} problem(s); see errors",
            errors=errors,
        )


def check_complete(session: Session, record: dict[str, Any], unit: Unit) -> None:
    """Raise ValidationFailed listing what a draft still lacks before it can be submitted.

    The error's `missing` detail lists the field paths that are required and empty; its
    `errors` give every problem (missing or wrong) by path.
    """
    errors = record_problems(session, record, unit, complete=True)
    if errors:
        missing = sorted(
            path
            for path, messages in errors.items()
            if any(m in ("required", "needs at least one entry") for m in messages)
        )
        raise ValidationFailed(
            f"提交前请补全或改正 {len(errors)} 个字段"
            + (f"（缺少：{'、'.join(missing)}）" if missing else ""),
            errors=errors,
            missing=missing,
        )


def no_sector_message(unit: Unit) -> str:
    """What to do when a unit without a sector needs a new item code."""
    return (
        f"本单位（{unit.name}）未设置行业代码（sector），无法分配事项编码：请管理员先通过 "
        f"PATCH /api/units/{unit.credit_code} 或 `qingdan units import` 设置 sector，"
        "或在记录中给出 code 和 basic_code"
    )


def _allocate_code(session: Session, record: dict[str, Any], unit: Unit) -> None:
    """Fill in `code` and `basic_code` from the unit's next free sequence (or leave them)."""
    category, level = record.get("category"), record.get("level")
    if not (isinstance(category, str) and isinstance(level, str)):
        return  # validation reports what is missing
    if not unit.sector:
        raise ValidationFailed(no_sector_message(unit), errors={"code": [no_sector_message(unit)]})
    taken = session.scalars(select(Item.code).where(Item.unit_id == unit.id))
    basics = [code[19:] for code in taken if code[18:19] == level]
    origin = unit.region_code[:2]
    try:
        parent = record.get("parent_code")
        if parent:
            basic = next_sub_item_code(parse_basic_code(parent[19:]).main_code, basics)
        else:
            basic = next_basic_code(origin, category, unit.sector, basics)
    except CodeError:
        return
    record["basic_code"] = basic
    record["code"] = f"{unit.credit_code}{level}{basic}"


def _resolve_unit(session: Session, principal: Principal | None, data: dict) -> Unit:
    principal = require(principal, EDITOR)
    given = data.get("unit") if isinstance(data.get("unit"), dict) else {}
    credit_code = given.get("credit_code")
    if principal.role == EDITOR:
        unit = session.get(Unit, principal.unit_id)
        if credit_code and credit_code != unit.credit_code:
            raise Forbidden("editors may only create items of their own unit")
        return unit
    if not credit_code:
        raise ValidationFailed(
            "say which unit the item belongs to", errors={"unit.credit_code": ["required"]}
        )
    unit = find_unit(session, credit_code)
    if unit is None:
        raise ValidationFailed(
            "unknown unit", errors={"unit.credit_code": [f"no unit {credit_code}"]}
        )
    if unit.retired_at is not None:
        raise Conflict(f"unit {unit.credit_code} is retired; it takes no new items")
    return unit


def create_item(session: Session, principal: Principal | None, data: dict[str, Any]) -> Draft:
    """A new item as a draft; the code is allocated when the client gives none."""
    if not isinstance(data, dict):
        raise ValidationFailed("the item must be a JSON object", errors={"": ["must be an object"]})
    unit = _resolve_unit(session, principal, data)
    record = stored_record(data, unit)
    if not record.get("code"):
        _allocate_code(session, record, unit)
    _validate(session, record, unit)
    if not record.get("code"):  # only when validation found nothing else to say
        raise ValidationFailed("the item needs a code", errors={"code": ["required"]})
    if session.scalar(select(Item.id).where(Item.code == record["code"])) is not None:
        raise Conflict(f"an item with code {record['code']} already exists")
    item = Item(code=record["code"], unit_id=unit.id, category=record["category"], state=DRAFT)
    session.add(item)
    session.flush()
    session.add(
        ItemVersion(
            item_id=item.id,
            unit_id=unit.id,
            number=None,
            revision=1,
            record=record,
            created_by=principal.actor,
            **filter_columns(record),
        )
    )
    audit.record(
        session, principal.actor, "item.create", unit_id=unit.id, item_code=item.code, after=record
    )
    _commit(session, f"an item with code {record['code']} already exists")
    return draft_of(session, item)


def _commit(session: Session, conflict: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:  # a concurrent writer took the same code first
        session.rollback()
        raise Conflict(conflict) from exc


def _start(
    session: Session, principal: Principal | None, code: str, expected_revision: int | None
) -> tuple[Item, ItemVersion, Unit]:
    item = load_item(session, code)
    principal = require_unit(principal, item.unit_id)
    if expected_revision is None:
        raise PreconditionRequired("send If-Match with the ETag of the draft you edited")
    base = editing_base(session, item)
    if base.revision != expected_revision:
        raise PreconditionFailed(
            f"the draft changed since revision {expected_revision}; it is now {base.revision}",
            current_revision=base.revision,
        )
    if item.state not in EDITABLE_STATES and item.state != PUBLISHED:
        raise Conflict(f"item {code} is {item.state}; only drafts and returned items can be edited")
    return item, base, session.get(Unit, item.unit_id)


def _save(
    session: Session,
    principal: Principal,
    item: Item,
    base: ItemVersion,
    record: dict[str, Any],
    expected_revision: int,
    action: str,
) -> None:
    now = utcnow()
    if base.number is None:
        done = session.execute(
            update(ItemVersion)
            .where(
                ItemVersion.id == base.id,
                ItemVersion.revision == expected_revision,
                ItemVersion.number.is_(None),
            )
            .values(record=record, revision=expected_revision + 1, **filter_columns(record))
            .execution_options(synchronize_session=False)
        ).rowcount
    else:
        # A published item: start its working copy, unless someone else just did.
        done = session.execute(
            update(Item)
            .where(Item.id == item.id, Item.state == PUBLISHED)
            .values(state=DRAFT, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if done:
            session.execute(
                insert(ItemVersion).values(
                    item_id=item.id,
                    unit_id=item.unit_id,
                    number=None,
                    revision=expected_revision + 1,
                    record=record,
                    created_by=principal.actor,
                    created_at=now,
                    **filter_columns(record),
                )
            )
    if done != 1:
        session.rollback()
        raise PreconditionFailed(f"item {item.code} was changed by someone else meanwhile")
    audit.record(
        session,
        principal.actor,
        action,
        unit_id=item.unit_id,
        item_code=item.code,
        before=base.record,
        after=record,
    )
    session.commit()
    session.expire_all()  # the Core UPDATEs above bypassed the identity map


def replace_item(
    session: Session,
    principal: Principal | None,
    code: str,
    data: Any,
    expected_revision: int | None,
) -> Draft:
    """PUT: the whole record anew (the code and unit stay what they are)."""
    item, base, unit = _start(session, principal, code, expected_revision)
    if not isinstance(data, dict):
        raise ValidationFailed("the item must be a JSON object", errors={"": ["must be an object"]})
    record = stored_record({k: v for k, v in data.items() if not k.startswith("@")}, unit)
    _keep_code(record, item, base)
    _validate(session, record, unit)
    _save(session, principal, item, base, record, expected_revision, "item.replace")
    return draft_of(session, item)


def patch_item(
    session: Session,
    principal: Principal | None,
    code: str,
    patch: Any,
    expected_revision: int | None,
) -> Draft:
    """PATCH: an RFC 7396 JSON merge patch over the current draft."""
    item, base, unit = _start(session, principal, code, expected_revision)
    if not isinstance(patch, dict):
        raise ValidationFailed("a merge patch is a JSON object", errors={"": ["must be an object"]})
    record = stored_record(merge_patch(base.record, patch), unit)
    _keep_code(record, item, base)
    _validate(session, record, unit)
    _save(session, principal, item, base, record, expected_revision, "item.patch")
    return draft_of(session, item)


def propose_disposition(
    session: Session,
    principal: Principal | None,
    code: str,
    data: Any,
    expected_revision: int | None,
) -> Draft:
    """Set the cleanup disposition (保留/取消/转移/整合/下放/上级调整) and its reason."""
    item, base, unit = _start(session, principal, code, expected_revision)
    if not isinstance(data, dict):
        raise ValidationFailed("a disposition is a JSON object", errors={"": ["must be an object"]})
    unknown = {key: ["unknown field"] for key in data if key not in DISPOSITION_FIELDS}
    if unknown:
        raise ValidationFailed("unknown fields in the disposition", errors=unknown)
    record = dict(base.record)
    record.update({name: data.get(name) for name in DISPOSITION_FIELDS})
    record = stored_record(record, unit)
    _validate(session, record, unit)
    _save(session, principal, item, base, record, expected_revision, "item.disposition")
    return draft_of(session, item)


def _keep_code(record: dict[str, Any], item: Item, base: ItemVersion) -> None:
    """The code is the item's identity: a write may leave it out, but never change it."""
    if record.get("code") not in (None, item.code):
        raise ValidationFailed(
            "the code of an item cannot change", errors={"code": [f"must stay {item.code}"]}
        )
    record["code"] = item.code
    if not record.get("basic_code"):
        record["basic_code"] = base.record.get("basic_code")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def declare_zero_report(
    session: Session, principal: Principal | None, credit_code: str, reason: Any
) -> Unit:
    """Declare that a unit exercises no powers (零报告); public at once, like the unit itself."""
    unit = find_unit(session, credit_code)
    if unit is None:
        raise NotFound(f"no unit with credit code {credit_code}")
    principal = require_unit(principal, unit.id)
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("a zero report gives its reason", errors={"reason": ["required"]})
    live = session.scalar(
        select(Item.code).where(Item.unit_id == unit.id, Item.state != WITHDRAWN).limit(1)
    )
    if live is not None:
        raise Conflict(f"unit {credit_code} has items (e.g. {live}); it cannot report zero")
    before = {"zero_report": unit.zero_report, "zero_report_reason": unit.zero_report_reason}
    unit.zero_report, unit.zero_report_reason = True, reason.strip()
    audit.record(
        session,
        principal.actor,
        "unit.zero_report",
        unit_id=unit.id,
        before=before,
        after={"zero_report": True, "zero_report_reason": unit.zero_report_reason},
    )
    session.commit()
    return unit
