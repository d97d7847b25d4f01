"""Where imported rows go: matching them to a unit's items, and writing them in batches.

`UnitIndex` holds a unit's items (their editing base: the working version, else the
published one) by code, local code and name, and the next free main-item sequences, so a
file of thousands of rows needs one query per unit. `Writer` inserts items one by one
(their ids are needed) and buffers versions and audit entries for executemany. Updates
are compare-and-sets: on the working version's revision, or on a published item's state.
"""

from __future__ import annotations

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from ..domain.codes import CodeError, parse_basic_code
from ..domain.record import filter_columns
from ..intake.mapping import MappedRow
from ..models import AuditEntry, Item, ItemVersion, Unit, utcnow
from .auth import Principal
from .items import DRAFT, EDITABLE_STATES, PUBLISHED

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"


class UnitIndex:
    """A unit's items for matching rows, and its next free main-item sequences."""

    def __init__(self, session: Session, unit: Unit):
        self.unit = unit
        self.by_code: dict[str, dict] = {}
        self.by_local: dict[str, dict] = {}
        self.by_name: dict[tuple, dict] = {}
        self.sequences: dict[tuple[str, str], int] = {}
        self.subs: dict[tuple[str, str], int] = {}
        rows = session.execute(
            select(
                Item.id,
                Item.code,
                Item.state,
                ItemVersion.record,
                ItemVersion.id,
                ItemVersion.number,
                ItemVersion.revision,
            )
            .join(ItemVersion, ItemVersion.item_id == Item.id)
            .where(Item.unit_id == unit.id)
            .where(or_(ItemVersion.number.is_(None), ItemVersion.public_status.is_not(None)))
            .order_by(ItemVersion.id)
        )
        for item_id, code, state, record, version_id, number, revision in rows:
            self.remember(
                {
                    "item_id": item_id,
                    "code": code,
                    "state": state,
                    "record": record,
                    "version_id": version_id,
                    "working": number is None,
                    "revision": revision,
                }
            )

    def remember(self, entry: dict) -> None:
        record = entry["record"]
        self.by_code[entry["code"]] = entry  # a working version (later id) wins
        if record.get("local_code"):
            self.by_local[record["local_code"]] = entry
        key = (record.get("name"), record.get("sub_item_name") or None, record.get("level"))
        self.by_name[key] = entry
        code = entry["code"]
        self._taken(code[18], code[19:])

    def _taken(self, level: str, basic: str) -> None:
        prefix = (level, basic[:6])
        self.sequences[prefix] = max(self.sequences.get(prefix, 0), int(basic[6:9]))
        main = (level, basic[:9])
        self.subs[main] = max(self.subs.get(main, 0), int(basic[9:12]))

    def match(self, record: dict) -> dict | None:
        if record.get("code"):
            return self.by_code.get(record["code"])
        local = record.get("local_code")
        if local and local in self.by_local:
            return self.by_local[local]
        key = (record.get("name"), record.get("sub_item_name") or None, record.get("level"))
        found = self.by_name.get(key)
        if found and local and found["record"].get("local_code") not in (None, local):
            return None  # same name, but another item of the source
        return found

    def allocate(self, record: dict) -> None:
        """Give a new item its code: the next main (or sub-item) sequence of the unit."""
        unit, level, category = self.unit, record["level"], record["category"]
        parent = record.get("parent_code")
        if parent:
            main = (level, parent[19:28])
            following = self.subs.get(main, 0) + 1
            basic = f"{parent[19:28]}{following:03d}"
        else:
            prefix = f"{unit.region_code[:2]}{category}{unit.sector}"
            following = self.sequences.get((level, prefix), 0) + 1
            basic = f"{prefix}{following:03d}000"
        if following > 999:
            raise CodeError("基本编码", "sequence", f"{basic[:9]} 下已无可用序号")
        parse_basic_code(basic, category)
        record["basic_code"] = basic
        record["code"] = f"{unit.credit_code}{level}{basic}"


class Writer:
    """Writes rows' records: one INSERT of the item each (its id is needed), versions and
    audit entries buffered and inserted `BATCH` at a time with executemany."""

    BATCH = 500

    def __init__(self, session: Session, principal: Principal):
        self.session = session
        self.principal = principal
        self.units: dict = {}  # row spelling of a unit -> Unit, for _lookup
        self.versions: list[dict] = []
        self.audits: list[dict] = []

    def flush(self) -> None:
        if self.versions:
            self.session.execute(insert(ItemVersion.__table__), self.versions)
        if self.audits:
            self.session.execute(insert(AuditEntry.__table__), self.audits)
        self.versions, self.audits = [], []

    def _audit(self, unit: Unit, code: str, before: dict | None, after: dict, now) -> None:
        self.audits.append(
            {
                "actor": self.principal.actor,
                "action": "item.import",
                "unit_id": unit.id,
                "item_code": code,
                "before": before,
                "after": after,
                "comment": None,
                "at": now,
            }
        )

    def _version(self, item_id: int, unit: Unit, record: dict, revision: int, now) -> None:
        self.versions.append(
            {
                "item_id": item_id,
                "unit_id": unit.id,
                "number": None,
                "public_status": None,
                "revision": revision,
                "record": record,
                "created_by": self.principal.actor,
                "created_at": now,
                "published_at": None,
                "published_by": None,
                "superseded_at": None,
                "release_id": None,
                "comment": None,
                "source_id": None,
                **filter_columns(record),
            }
        )
        if len(self.versions) >= self.BATCH:
            self.flush()

    def write(self, unit: Unit, record: dict, entry: dict | None, row: MappedRow):
        """Store one record; returns (action, item id), or None after adding a problem."""
        session, now = self.session, utcnow()
        if entry is None:
            # The code starts with this unit's credit code (checked), and the unit's own
            # codes are all in its index: no other item can hold it.
            item_id = session.execute(
                insert(Item.__table__)
                .values(
                    code=record["code"],
                    unit_id=unit.id,
                    category=record["category"],
                    state=DRAFT,
                    created_at=now,
                    updated_at=now,
                    source_id=None,
                )
                .returning(Item.__table__.c.id)
            ).scalar_one()
            self._version(item_id, unit, record, 1, now)
            self._audit(unit, record["code"], None, record, now)
            return CREATED, item_id
        if record == entry["record"]:
            return UNCHANGED, entry["item_id"]
        state = entry["state"]
        if entry["working"] and state in EDITABLE_STATES:
            self.flush()  # the working version may still be in the buffer
            # Compare-and-set on the revision read when the unit's items were indexed: an
            # editor's save in between wins, and this row says so.
            done = session.execute(
                update(ItemVersion.__table__)
                .where(
                    ItemVersion.__table__.c.id == entry["version_id"],
                    ItemVersion.__table__.c.revision == entry["revision"],
                )
                .values(record=record, revision=entry["revision"] + 1, **filter_columns(record))
            ).rowcount
        elif state == PUBLISHED:
            # The item's state is the lock, as when an editor starts a working copy.
            done = session.execute(
                update(Item.__table__)
                .where(Item.__table__.c.id == entry["item_id"], Item.__table__.c.state == PUBLISHED)
                .values(state=DRAFT, updated_at=now)
            ).rowcount
            if done:
                self._version(entry["item_id"], unit, record, entry["revision"] + 1, now)
        else:
            row.problem(
                "事项名称",
                record.get("name"),
                f"事项 {entry['code']} 正在审核或公示（{state}），不能导入修改："
                "请先撤回或等审核结束",
            )
            return None
        if done != 1:
            row.problem(
                "事项名称",
                record.get("name"),
                f"事项 {entry['code']} 在导入期间被他人修改：请重新导入",
            )
            return None
        self._audit(unit, entry["code"], entry["record"], record, now)
        return UPDATED, entry["item_id"]
