"""Stream the power-list items of the demo city, deterministically, in constant memory.

Items are generated unit by unit and category by category. Every (unit, category) gets
its count up front (largest remainder over the units' category weights), so codes are
allocated sequentially without a registry of taken codes: main items take sequences
001, 002 … under `44 + category + sector`, sub-items 001 … under their main item. When a
count exceeds 999 main items (only at very large totals) the rest become sub-items.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date

from qingdan_api.domain.vocabularies import codes as vocabulary_codes

from . import texts as t
from .catalogue import FIELDS, entries_for, law_owners
from .laws import LAWS, article
from .units import CITY, profile_of

ORIGIN = "44"  # basic codes of the Guangdong provincial catalogue
FIRST_DAY = date(2025, 1, 1).toordinal()
LAST_DAY = date(2026, 10, 31).toordinal()
SUB_SHARE = 0.10
UNPUBLISHED = (("draft", 0.03), ("in_review", 0.02), ("returned", 0.01))
WITHDRAWN_SHARE = 0.012
MULTI_VERSION_SHARE = 0.10

OFFICES = {
    "department": ("综合执法科", "行政审批科", "法规科", "监督管理科", "执法大队"),
    "township": ("综合行政执法办公室", "社会事务办公室", "党政综合办公室", "经济发展办公室"),
    "agency": ("治安组", "社区警务队"),
    "institution": ("归集管理科", "稽查科", "信贷科"),
}
OFFICE_BY_CATEGORY = {"01": 1, "02": 0, "03": 0, "06": 3}
CANCEL_REASONS = (
    "上位法已修改，该事项已无法定依据，予以取消。",
    "根据国务院关于取消和下放一批行政许可事项的决定，予以取消。",
    "该事项连续三年未发生，经评估无实施必要，予以取消。",
)
MERGE_REASONS = (
    "与同类事项合并实施，减少办事环节。",
    "按照“高效办成一件事”要求，整合至相关事项统一办理。",
)
LAW_OWNERS = law_owners()


def _ref(unit: dict) -> dict:
    return {"credit_code": unit["credit_code"], "name": unit["name"]}


def plan(units: list[dict], total: int) -> list[tuple[dict, str, int]]:
    """(unit, category, count) for every unit and category with items, summing to total."""
    cells = [(u, c, w) for u in units for c, w in sorted(profile_of(u).items())]
    weight = sum(w for _, _, w in cells)
    if not cells:
        return []
    shares = [total * w / weight for _, _, w in cells]
    counts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(cells)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return [(u, c, n) for (u, c, _), n in zip(cells, counts, strict=True) if n]


def _families(n: int, rng: random.Random) -> list[int]:
    """Number of sub-items of each main item, for n items in one (unit, category)."""
    mains = n - round(n * SUB_SHARE) if n >= 5 else n
    mains = max(min(mains, 999), math.ceil(n / 1000))
    if mains > 999:
        raise ValueError(f"{n} items do not fit in one unit and category (999 × 1000 codes)")
    subs = n - mains
    sizes = [0] * mains
    if subs:
        families = min(mains, max(1, subs // 3))
        base, extra = divmod(subs, families)
        for k, i in enumerate(sorted(rng.sample(range(mains), families))):
            sizes[i] = base + (k < extra)
    return sizes


AUTHORITIES = {"公安局": "公安机关", "税务局": "税务机关", "公安局江口派出所": "公安派出所"}


def _authority(short: str, kind: str) -> str:
    """How an article names the unit: 市场监督管理局 -> 市场监督管理部门."""
    if kind in ("township", "subdistrict"):
        return "乡镇人民政府、街道办事处"
    if short in AUTHORITIES:
        return AUTHORITIES[short]
    for suffix in ("委员会", "办公室", "局"):
        if short.endswith(suffix):
            stem = short.removesuffix(suffix)
            return f"县级以上人民政府{stem}{'部门' if stem.endswith('管理') else '主管部门'}"
    return short


class _UnitContext:
    """What every item of one unit shares, computed once."""

    def __init__(self, unit: dict, units_by_sector: dict[str, dict], seed: int):
        self.unit = unit
        self.rng = random.Random(f"items:{seed}:{unit['credit_code']}")
        self.ref = _ref(unit)
        self.kind = unit["kind"]
        # 449901 is a county-level code (GB/T 2260: not ending in 00): its departments act
        # at county level (4), its townships and sub-districts at township level (5).
        self.level = "5" if self.kind in ("township", "subdistrict") else "4"
        field, law = FIELDS[unit["sector"]]
        self.field, self.main_law = field, law
        short = unit["name"].removeprefix(CITY)
        self.authority = _authority(short, self.kind)
        self.offices = OFFICES["township" if self.level == "5" else self.kind]
        self.centre = "市政务服务中心" if self.level == "4" else f"{short[:3]}便民服务中心"
        serial = int(unit["credit_code"][10:16])
        self.phone = f"0759-{3300000 + serial * 37 % 100000:07d}"
        place = "人民路1号市行政服务中心" if self.level == "4" else f"{short[:3]}政府大院"
        self.address = f"{CITY}{place}"
        self.web = f"https://www.example.gov.cn/ts?unit={unit['credit_code']}"
        self.release = FIRST_DAY + self.rng.randrange(0, 120)
        self.units_by_sector = units_by_sector
        self.others = [u for u in units_by_sector.values() if u is not unit]
        self.entries = entries_for(unit["sector"])


def generate_items(units: list[dict], total: int = 3000, seed: int = 2025) -> Iterator[dict]:
    """Yield `total` item dicts: the record shape of tests/fixtures/sample_record.json plus

    `_state` (published / draft / in_review / returned / withdrawn), `_published_at` (ISO
    date of the item's newest published version, None if never published) and `_versions`
    (earlier published variants, oldest first, each a record with its own `_published_at`).
    """
    units_by_sector = {
        u["sector"]: u for u in units if u["kind"] == "department" and not u["zero_report"]
    }
    current = None
    for unit, category, n in plan(units, total):
        if current is None or current.unit is not unit:
            current = _UnitContext(unit, units_by_sector, seed)
        yield from _category_items(current, category, n)


def _category_items(ctx: _UnitContext, category: str, n: int) -> Iterator[dict]:
    rng = ctx.rng
    pool = ctx.entries.get(category) or ctx.entries["10"]
    office = ctx.offices[OFFICE_BY_CATEGORY.get(category, 2) % len(ctx.offices)]
    prefix = f"{ORIGIN}{category}{ctx.unit['sector']}"
    code_prefix = f"{ctx.unit['credit_code']}{ctx.level}{prefix}"
    abbreviation = t.ABBREVIATIONS[category]
    quals = t.QUALIFIERS.get(category, t.DEFAULT_QUALIFIERS)
    pattern = t.NAME_PATTERNS.get(category, "{}")
    last_published_main = None
    for i, sub_count in enumerate(_families(n, rng)):
        core, law, art = pool[i % len(pool)]
        name = pattern.format(core)
        variant = i // len(pool)
        if variant:
            name += quals[(variant - 1) % len(quals)]
            if variant > len(quals):  # a different article of the same law
                art = (art + (variant - 1) // len(quals) - 1) % 300 + 1
                name += f"（{article(art)}）"
        state = _family_state(rng)
        main_seq = f"{i + 1:03d}"
        main_code = f"{code_prefix}{main_seq}000"
        family = [(0, None)] + [(j, _sub_name(category, j - 1)) for j in range(1, sub_count + 1)]
        for sub, sub_name in family:
            record = _record(ctx, category, pool, name, core, law, art, office, rng)
            record["code"] = f"{code_prefix}{main_seq}{sub:03d}"
            record["basic_code"] = f"{prefix}{main_seq}{sub:03d}"
            record["local_code"] = f"{abbreviation}-{i + 1:05d}-{sub:03d}"
            record["sub_item_name"] = sub_name
            record["parent_code"] = main_code if sub else None
            # A main item with sub-items stays: its sub-items point at it.
            can_withdraw = sub_count == 0 or sub > 0
            item = _lifecycle(ctx, record, state, can_withdraw, last_published_main, rng)
            if not sub and item["_state"] == "published":
                last_published_main = main_code  # a live merge target
            yield item


def _family_state(rng: random.Random) -> str:
    r = rng.random()
    for state, share in UNPUBLISHED:
        if r < share:
            return state
        r -= share
    return "published"


def _sub_name(category: str, j: int) -> str:
    names = t.SUB_NAMES.get(category, t.DEFAULT_SUB_NAMES)
    base = names[j % len(names)]
    round_ = j // len(names)
    qualifier = t.SUB_QUALIFIERS[round_ % len(t.SUB_QUALIFIERS)]
    more = round_ // len(t.SUB_QUALIFIERS)
    return base + qualifier + (f"（第{more + 1}类）" if more else "")


def _record(ctx, category, pool, name, core, law, art, office, rng) -> dict:
    title = LAWS[law]
    text = t.ARTICLE_TEXTS[category].format(core=core, authority=ctx.authority)
    bases = [{"title": title, "article": article(art), "text": text}]
    if rng.random() < 0.45:
        _, other_law, other_art = rng.choice(pool)
        if other_law != law:
            bases.append({"title": LAWS[other_law], "article": article(other_art), "text": None})
    if category in t.PROCEDURE_LAW and rng.random() < 0.3:
        procedure = {"01": 12, "02": 9, "03": 9}[category]
        bases.append(
            {"title": LAWS[t.PROCEDURE_LAW[category]], "article": article(procedure), "text": None}
        )

    statutory = t.STATUTORY[category]
    handling_type = t.HANDLING_TYPES.get(category, "9")
    if statutory is None:
        statutory_limit = promised_limit = None
        review, decide = 10, 5
    else:
        amount, unit, note = statutory
        statutory_limit = {"amount": amount, "unit": unit, "note": note}
        if handling_type == "2" and rng.random() < 0.12:
            handling_type = "1"
            promised_limit = {"amount": None, "unit": "immediate", "note": "即来即办"}
        else:
            promised = max(1, round(amount * rng.choice((0.25, 0.4, 0.5, 0.5, 0.6, 0.75, 1.0))))
            promised_limit = {"amount": promised, "unit": unit, "note": None}
        review = max(1, amount // 3)
        decide = max(1, amount // 6)

    applied = category in t.APPLIED_FOR
    steps = []
    for seq, (step, post, limit, description, outcomes) in enumerate(t.STEPS[category], 1):
        at_counter = applied and step in ("申请", "送达")
        steps.append(
            {
                "seq": seq,
                "name": step,
                "office": ctx.centre if at_counter else office,
                "post": post,
                "time_limit": limit.format(review=review, decide=decide) or None,
                "description": description,
                "outcomes": list(outcomes),
            }
        )

    responsibilities = []
    procedure_law = t.PROCEDURE_LAW.get(category)
    for stage, content, number in t.RESPONSIBILITIES.get(category, t.GENERIC_RESPONSIBILITIES):
        basis = f"{LAWS[procedure_law]}{article(number)}" if number else title
        responsibilities.append({"stage": stage, "content": content, "basis": basis})
    accountabilities = [
        {"situation": situation, "basis": f"{LAWS[key]}{article(number)}"}
        for situation, key, number in t.ACCOUNTABILITIES.get(category, t.GENERIC_ACCOUNTABILITIES)
    ]
    risks = t.RISKS.get(category, t.GENERIC_RISKS)
    risk_points = [
        {"stage": stage, "description": d, "level": level, "measures": m, "responsible_post": p}
        for stage, d, level, m, p in risks[: 1 + rng.randrange(len(risks))]
    ]
    discretion = []
    if category == "02" and rng.random() < 0.85:
        low, mid, high = rng.choice(t.FINE_LEVELS)
        discretion = [
            {"circumstance": c, "penalty": p.format(low=low, mid=mid, high=high)}
            for c, p in t.DISCRETION
        ]
    fees = []
    if core == "不动产登记":
        fees = [dict(zip(("name", "standard", "basis"), t.FEES[1], strict=True))]
    elif category in ("01", "07") and rng.random() < 0.05:
        fees = [dict(zip(("name", "standard", "basis"), t.FEES[rng.choice((0, 2))], strict=True))]

    power_source, entrusting = "statutory", None
    if ctx.level == "5":
        r = rng.random()
        if r < 0.4:
            power_source = "delegated_down"
        elif r < 0.55 and LAW_OWNERS.get(law) in ctx.units_by_sector:
            # Entrusted by the department that applies the law the item rests on.
            owner = ctx.units_by_sector[LAW_OWNERS[law]]
            power_source, entrusting = "entrusted_by_higher", _ref(owner)
    elif rng.random() < 0.04:
        power_source = "delegated_down"
    co_units = [_ref(rng.choice(ctx.others))] if ctx.others and rng.random() < 0.04 else []

    return {
        "code": None,
        "basic_code": None,
        "local_code": None,
        "name": name,
        "sub_item_name": None,
        "parent_code": None,
        "category": category,
        "level": ctx.level,
        "power_source": power_source,
        "region_code": ctx.unit["region_code"],
        "unit": dict(ctx.ref),
        "unit_nature": ctx.unit["nature"],
        "handling_office": office,
        "co_implementing_units": co_units,
        "entrusting_unit": entrusting,
        "legal_bases": bases,
        "targets": list(rng.choice(t.TARGETS[category])),
        "statutory_limit": statutory_limit,
        "promised_limit": promised_limit,
        "handling_type": handling_type,
        "service_methods": _service_methods(applied, rng),
        "acceptance_conditions": t.ACCEPTANCE.get(category),
        "charged": bool(fees),
        "fees": fees,
        "process_steps": steps,
        "counterpart_rights": list(t.RIGHTS.get(category, t.DEFAULT_RIGHTS)),
        "supervision_phone": ctx.phone,
        "supervision_address": ctx.address,
        "supervision_web": ctx.web,
        "risk_points": risk_points,
        "responsibilities": responsibilities,
        "accountabilities": accountabilities,
        "discretion_standards": discretion,
        "disposition": "retain",
        "disposition_reason": None,
        "merged_into": None,
        "transferred_to": None,
        "remarks": rng.choice(t.REMARKS) if rng.random() < 0.08 else None,
    }


def _service_methods(applied: bool, rng: random.Random) -> list[str]:
    if not applied:  # powers exercised ex officio: handled by the office itself
        return ["1"]
    return ["1", "2", "3"] if rng.random() < 0.6 else ["1", "2"]


def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


def _lifecycle(ctx, record, state, can_withdraw, merge_target, rng) -> dict:
    if state != "published":
        record.update(_state=state, _published_at=None, _versions=[])
        return record
    r = rng.random()
    if can_withdraw and r < WITHDRAWN_SHARE:
        # Published as retained first, then withdrawn by a later cleanup decision.
        earlier = _earlier(record, 1, rng)
        first = ctx.release
        earlier["_published_at"] = _iso(first)
        if merge_target and rng.random() < 0.5:
            record.update(
                disposition="merge",
                merged_into=merge_target,
                disposition_reason=rng.choice(MERGE_REASONS),
            )
        else:
            record.update(disposition="cancel", disposition_reason=rng.choice(CANCEL_REASONS))
        record.update(
            _state="withdrawn",
            _versions=[earlier],
            _published_at=_iso(rng.randrange(first + 1, LAST_DAY + 1)),
        )
        return record
    if r < WITHDRAWN_SHARE + MULTI_VERSION_SHARE:
        count = 2 if rng.random() < 0.7 else 3
        days = sorted(rng.sample(range(ctx.release + 1, LAST_DAY + 1), count - 1))
        versions = []
        for k, day in enumerate([ctx.release, *days[:-1]]):
            earlier = _earlier(record, count - 1 - k, rng)
            earlier["_published_at"] = _iso(day)
            versions.append(earlier)
        record.update(_state="published", _versions=versions, _published_at=_iso(days[-1]))
        return record
    day = ctx.release if rng.random() < 0.85 else rng.randrange(ctx.release, LAST_DAY + 1)
    record.update(_state="published", _versions=[], _published_at=_iso(day))
    return record


def _earlier(record: dict, age: int, rng: random.Random) -> dict:
    """An older published variant: slower, fewer bases and channels (age 1 = previous)."""
    old = {k: v for k, v in record.items() if not k.startswith("_")}
    old["disposition"], old["disposition_reason"], old["merged_into"] = "retain", None, None
    promised, statutory = record["promised_limit"], record["statutory_limit"]
    if promised and promised["amount"] and statutory:
        longer = min(statutory["amount"], promised["amount"] + 5 * age)
        old["promised_limit"] = {**promised, "amount": longer}
    if len(record["legal_bases"]) > 1:
        old["legal_bases"] = [dict(b) for b in record["legal_bases"][:-1]]
    else:
        old["legal_bases"] = [dict(b) for b in record["legal_bases"]]
    if "3" in record["service_methods"]:
        old["service_methods"] = [m for m in record["service_methods"] if m != "3"]
    # The accountability situations were completed over time: every version differs.
    old["accountabilities"] = [dict(a) for a in record["accountabilities"][: -age or None]]
    if age > 1 or rng.random() < 0.5:
        old["risk_points"] = [dict(p) for p in record["risk_points"][:1]]
        old["remarks"] = None
    return old


# Sanity: every category code the generator uses is a known category.
# The demo city lists powers only: no public-service (20) items.
assert set(t.ABBREVIATIONS) == vocabulary_codes("categories") - {"20"}
