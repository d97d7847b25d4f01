"""Alignment of the city's published lists with the upper-level catalogue.

The policy (policy-two-lists.zh.txt, 第一阶段 3 and 4) asks each unit to keep its list
aligned with the same items of the upper-level departments (上下对应和衔接), to explain
items that several departments exercise (交叉分散), and to drop powers without a legal
basis (清单之外无权力, both ways). The report compares the published (active) items with
the current catalogue edition and finds:

- `omission`: an entry for a level the city's units exercise (and a category the city
  publishes at all) with no published item of its basic code at any of those levels;
  attributed to the units whose sector and level the entry names;
- `extra`: an item whose basic code is not in the catalogue;
- `category`, `name`: the item differs from its entry;
- `law_missing` / `law_extra`: a law the entry cites and the item does not, and the
  reverse (laws compared by domain.laws.law_key; only when the entry cites any);
- `overlap` (交叉): one basic code at one level in one region exercised by several units.

Each finding's id hashes its kind and keys (never its wording), so a reviewer's
explanation (AlignmentExplanation) still applies when the report is computed again.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import AlignmentExplanation, CatalogueEdition, CatalogueEntry, ItemVersion, Unit
from . import audit
from .auth import ADMIN, REVIEWER, Principal, require
from .catalog import ACTIVE
from .catalogue_queries import current_edition
from .errors import InvalidArgument, NotFound
from .importing import unit_level
from .overview import publication_marker
from .unit_lookup import find_unit

KINDS = {
    "omission": "目录有、本市无（可能遗漏）",
    "extra": "本市有、目录无（可能无依据）",
    "category": "事项类型与目录不一致",
    "name": "事项名称与目录不一致",
    "law_missing": "目录引用的法律法规，事项未引用",
    "law_extra": "事项引用的法律法规，目录未引用",
    "overlap": "同一事项由多个单位行使（交叉）",
}


def finding_id(kind: str, *keys: str) -> str:
    """The stable id of a finding: 20 hex characters of SHA-256 over kind and keys."""
    return hashlib.sha256("\x1f".join((kind, *keys)).encode()).hexdigest()[:20]


@dataclass
class Finding:
    id: str
    kind: str
    message: str
    basic_code: str | None = None
    item_code: str | None = None
    units: list[str] = field(default_factory=list)  # credit codes concerned
    detail: dict = field(default_factory=dict)
    explanation: dict | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "kind_label": KINDS[self.kind],
            "message": self.message,
            "basic_code": self.basic_code,
            "item_code": self.item_code,
            "units": self.units,
            "detail": self.detail,
            "explained": self.explanation is not None,
            "explanation": self.explanation,
        }


@dataclass
class Report:
    edition: CatalogueEdition | None
    findings: list[Finding]
    unit: Unit | None = None

    def summary(self) -> dict:
        counts = {kind: 0 for kind in KINDS}
        unexplained = 0
        for finding in self.findings:
            counts[finding.kind] += 1
            unexplained += finding.explanation is None
        return {"total": len(self.findings), "unexplained": unexplained, "by_kind": counts}


def _keys(column: str | None) -> list[str]:
    return [k for k in (column or "").split("|") if k]


def _same_name(a: str, b: str) -> bool:
    return re.sub(r"[\s　]+", "", a or "") == re.sub(r"[\s　]+", "", b or "")


def compute(session: Session, *, unit: str | None = None, edition_id: int | None = None) -> Report:
    """The alignment report for the city, or for one unit (credit or organisation code).

    Raises InvalidArgument for an unknown unit, NotFound for an unknown edition. With no
    catalogue at all the report is empty.
    """
    edition = current_edition(session, edition_id)
    the_unit = None
    if unit:
        the_unit = find_unit(session, unit)
        if the_unit is None:
            raise InvalidArgument("unit", f"no unit with credit or organisation code {unit}")
    if edition is None:
        return Report(None, [], the_unit)
    units = {u.id: u for u in session.scalars(select(Unit))}
    levels_of = {uid: unit_level(u) for uid, u in units.items()}
    city_levels = {levels_of[uid] for uid, u in units.items() if u.retired_at is None}
    public = ItemVersion.public_status == ACTIVE
    city_categories = set(session.scalars(select(ItemVersion.category).where(public).distinct()))
    entry_query = select(
        CatalogueEntry.basic_code,
        CatalogueEntry.name,
        CatalogueEntry.category,
        CatalogueEntry.levels,
        CatalogueEntry.sector,
        CatalogueEntry.law_keys,
    ).where(CatalogueEntry.edition_id == edition.id)
    item_query = select(
        ItemVersion.code,
        ItemVersion.unit_id,
        ItemVersion.basic_code,
        ItemVersion.category,
        ItemVersion.name,
        ItemVersion.level,
        ItemVersion.region_code,
        ItemVersion.law_keys,
    ).where(public)
    if the_unit is not None:
        # Only the items that findings about this unit can depend on: its own, and those
        # sharing a basic code with it or with the entries of its sector.
        own_codes = select(ItemVersion.basic_code).where(public, ItemVersion.unit_id == the_unit.id)
        sector_codes = select(CatalogueEntry.basic_code).where(
            CatalogueEntry.edition_id == edition.id, CatalogueEntry.sector == the_unit.sector
        )
        item_query = item_query.where(
            or_(
                ItemVersion.unit_id == the_unit.id,
                ItemVersion.basic_code.in_(own_codes),
                ItemVersion.basic_code.in_(sector_codes),
            )
        )
    entries = {row.basic_code: row for row in session.execute(entry_query)}
    by_basic: dict[str | None, list] = defaultdict(list)
    findings: list[Finding] = []
    for item in session.execute(item_query):
        by_basic[item.basic_code].append(item)
        owner = [units[item.unit_id].credit_code]
        entry = entries.get(item.basic_code)
        if entry is None:
            findings.append(
                Finding(
                    finding_id("extra", item.code),
                    "extra",
                    f"事项“{item.name}”的基本编码 {item.basic_code} 不在基本目录中",
                    item.basic_code,
                    item.code,
                    owner,
                )
            )
            continue
        findings.extend(_differences(item, entry, owner))
    by_sector: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for uid, u in units.items():
        if u.retired_at is None:
            by_sector[(u.sector, levels_of[uid])].append(u.credit_code)
    for code, entry in entries.items():
        levels = set(entry.levels.split(",")) & city_levels
        if not levels or entry.category not in city_categories:
            continue
        if any(item.level in levels for item in by_basic.get(code, ())):
            continue
        candidates = sorted({c for lv in levels for c in by_sector.get((entry.sector, lv), ())})
        findings.append(
            Finding(
                finding_id("omission", code),
                "omission",
                f"基本目录事项“{entry.name}”（{code}，层级 {entry.levels}）本市没有对应事项",
                code,
                None,
                candidates,
                {"levels": sorted(levels)},
            )
        )
    findings.extend(_overlaps(by_basic, units))
    if the_unit is not None:
        findings = [f for f in findings if the_unit.credit_code in f.units]
    _attach_explanations(session, findings)
    findings.sort(key=lambda f: (f.kind, f.basic_code or "", f.item_code or "", f.id))
    return Report(edition, findings, the_unit)


def _differences(item, entry, owner: list[str]) -> list[Finding]:
    out = []
    if item.category != entry.category:
        out.append(
            Finding(
                finding_id("category", item.code),
                "category",
                f"事项类型为 {item.category}，基本目录为 {entry.category}",
                item.basic_code,
                item.code,
                owner,
                {"item": item.category, "entry": entry.category},
            )
        )
    if not _same_name(item.name, entry.name):
        out.append(
            Finding(
                finding_id("name", item.code),
                "name",
                f"事项名称“{item.name}”，基本目录为“{entry.name}”",
                item.basic_code,
                item.code,
                owner,
                {"item": item.name, "entry": entry.name},
            )
        )
    entry_laws = _keys(entry.law_keys)
    if entry_laws:
        item_laws = _keys(item.law_keys)
        for law in entry_laws:
            if law not in item_laws:
                out.append(
                    Finding(
                        finding_id("law_missing", item.code, law),
                        "law_missing",
                        f"基本目录引用《{law}》，事项未引用",
                        item.basic_code,
                        item.code,
                        owner,
                        {"law": law},
                    )
                )
        for law in item_laws:
            if law not in entry_laws:
                out.append(
                    Finding(
                        finding_id("law_extra", item.code, law),
                        "law_extra",
                        f"事项引用《{law}》，基本目录未引用",
                        item.basic_code,
                        item.code,
                        owner,
                        {"law": law},
                    )
                )
    return out


def _overlaps(by_basic: dict, units: dict[int, Unit]) -> list[Finding]:
    out = []
    for basic, items in by_basic.items():
        if basic is None or len(items) < 2:
            continue
        groups: dict[tuple[str, str], set[int]] = defaultdict(set)
        for item in items:
            groups[(item.level, item.region_code)].add(item.unit_id)
        for (level, region), unit_ids in sorted(groups.items()):
            if len(unit_ids) < 2:
                continue
            codes = sorted(units[u].credit_code for u in unit_ids)
            names = "、".join(units[u].name for u in sorted(unit_ids, key=lambda u: units[u].name))
            out.append(
                Finding(
                    finding_id("overlap", basic, level, region),
                    "overlap",
                    f"基本编码 {basic}（层级 {level}，区划 {region}）"
                    f"由 {len(codes)} 个单位行使：{names}",
                    basic,
                    None,
                    codes,
                    {"level": level, "region_code": region},
                )
            )
    return out


def _attach_explanations(session: Session, findings: list[Finding]) -> None:
    ids = [f.id for f in findings]
    found: dict[str, AlignmentExplanation] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        found.update(
            (e.finding_id, e)
            for e in session.scalars(
                select(AlignmentExplanation).where(AlignmentExplanation.finding_id.in_(chunk))
            )
        )
    for finding in findings:
        explanation = found.get(finding.id)
        if explanation is not None:
            finding.explanation = {
                "reason": explanation.reason,
                "by": explanation.explained_by,
                "at": explanation.explained_at.isoformat(),
            }


_COUNTS: OrderedDict[tuple, int] = OrderedDict()
_COUNTS_KEPT = 4096
_COUNTS_LOCK = threading.Lock()


def _alignment_marker(session: Session) -> tuple:
    """Changes whenever a unit's report may have changed: publications, units, catalogue
    editions and entries, explanations given or taken back. Index reads only."""
    row = session.execute(
        select(
            select(func.max(CatalogueEdition.id)).scalar_subquery(),
            select(func.count(CatalogueEntry.id)).scalar_subquery(),
            select(func.max(CatalogueEntry.id)).scalar_subquery(),
            select(func.count(AlignmentExplanation.finding_id)).scalar_subquery(),
            select(func.max(AlignmentExplanation.explained_at)).scalar_subquery(),
        )
    ).one()
    return (*publication_marker(session), *row)


def unexplained_count(session: Session, credit_code: str) -> int:
    """How many findings about one unit no reviewer has explained (0 without a catalogue).

    A unit's report costs seconds at 100k items (bench/alignment_bench.py) and is asked for
    on every GET of the unit, so each count is kept until `_alignment_marker` moves.
    """
    key = (_alignment_marker(session), credit_code)
    with _COUNTS_LOCK:
        if key in _COUNTS:
            _COUNTS.move_to_end(key)
            return _COUNTS[key]
    count = compute(session, unit=credit_code).summary()["unexplained"]
    with _COUNTS_LOCK:
        _COUNTS[key] = count
        while len(_COUNTS) > _COUNTS_KEPT:
            _COUNTS.popitem(last=False)
    return count


def explain(session: Session, principal: Principal | None, fid: str, reason: str) -> Finding:
    """Mark a finding of the current report explained (reviewer or admin; audited).

    Raises NotFound when the current report has no such finding, InvalidArgument for an
    empty reason.
    """
    principal = require(principal, REVIEWER, ADMIN)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidArgument("reason", "say why the finding is as it should be")
    finding = _find(session, fid)
    existing = session.get(AlignmentExplanation, fid)
    before = {"reason": existing.reason} if existing else None
    if existing is None:
        existing = AlignmentExplanation(finding_id=fid, kind=finding.kind)
        session.add(existing)
    existing.reason = reason
    existing.explained_by = principal.actor
    audit.record(
        session,
        principal.actor,
        "alignment.explain",
        item_code=finding.item_code,
        before=before,
        after={"finding": fid, "kind": finding.kind, "reason": reason},
    )
    session.commit()
    return _find(session, fid)


def unexplain(session: Session, principal: Principal | None, fid: str) -> None:
    """Withdraw an explanation (reviewer or admin; audited); NotFound if there is none."""
    principal = require(principal, REVIEWER, ADMIN)
    existing = session.get(AlignmentExplanation, fid)
    if existing is None:
        raise NotFound(f"finding {fid} has no explanation")
    audit.record(
        session,
        principal.actor,
        "alignment.unexplain",
        before={"finding": fid, "kind": existing.kind, "reason": existing.reason},
    )
    session.delete(existing)
    session.commit()


def _find(session: Session, fid: str) -> Finding:
    for finding in compute(session).findings:
        if finding.id == fid:
            return finding
    raise NotFound(f"no finding {fid} in the current alignment report")
