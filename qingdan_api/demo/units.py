"""The units (实施主体) of 临江市, a fictional county-level city (region 449901)."""

from __future__ import annotations

import random

from qingdan_api.domain.codes import make_credit_code

CITY = "临江市"
CITY_REGION = "449901"

# Municipal departments: name, sector code (the basic codes' department segment), and
# how many items of each category a department of that kind typically lists
# ("category:weight"). The market regulator is first so that its credit code is the
# one used by tests/fixtures/sample_record.json (11449901MB0000019M).
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("市场监督管理局", "12", "01:40 02:330 03:25 04:2 06:40 07:8 08:6 10:12"),
    ("发展和改革局", "01", "01:12 02:30 06:8 07:3 08:2 10:10 11:3"),
    ("教育局", "02", "01:14 02:22 05:8 06:8 07:6 08:5 10:6"),
    ("科学技术局", "03", "02:8 06:4 07:4 08:6 10:4"),
    ("工业和信息化局", "04", "01:6 02:18 06:6 07:3 08:2 10:5"),
    ("公安局", "05", "01:45 02:260 03:40 06:18 07:20 08:6 10:14"),
    ("民政局", "06", "01:8 02:22 05:24 06:8 07:10 08:3 09:1 10:8"),
    ("司法局", "07", "01:10 02:30 05:3 06:6 07:4 08:3 10:6"),
    ("财政局", "08", "02:36 04:4 06:6 08:2 10:5"),
    ("人力资源和社会保障局", "09", "01:10 02:40 03:2 04:6 05:20 06:10 07:14 08:4 09:3 10:8"),
    ("自然资源局", "10", "01:26 02:60 03:6 04:6 06:10 07:10 09:3 10:10 11:8"),
    ("生态环境局", "11", "01:10 02:110 03:10 04:2 06:16 07:2 08:2 10:6"),
    ("住房和城乡建设局", "13", "01:40 02:140 03:6 04:6 06:16 07:10 08:3 10:12"),
    ("交通运输局", "14", "01:36 02:120 03:12 04:3 06:12 07:4 08:2 10:8"),
    ("水务局", "15", "01:18 02:50 03:6 04:4 06:8 07:3 09:2 10:6"),
    ("农业农村局", "16", "01:24 02:120 03:10 05:6 06:14 07:6 08:3 09:2 10:8"),
    ("商务局", "17", "01:6 02:24 06:6 07:4 08:2 10:6"),
    ("文化广电旅游体育局", "18", "01:22 02:70 03:4 06:12 07:4 08:6 10:8"),
    ("卫生健康委员会", "19", "01:34 02:110 03:8 05:6 06:14 07:8 08:6 10:8"),
    ("退役军人事务局", "20", "02:4 05:18 06:3 07:8 08:6 10:4"),
    ("应急管理局", "21", "01:12 02:90 03:8 06:12 07:2 08:3 10:6"),
    ("审计局", "22", "02:10 03:2 06:10 10:6"),
    ("统计局", "23", "02:26 06:6 08:2 10:3"),
    ("医疗保障局", "24", "02:26 05:10 06:8 07:6 10:4"),
    ("城市管理和综合执法局", "25", "01:20 02:200 03:12 04:2 06:10 10:6"),
    ("林业局", "26", "01:14 02:44 03:4 05:2 06:6 07:4 08:2 10:4"),
    ("税务局", "27", "01:2 02:60 03:8 04:16 06:6 07:10 08:2 10:10"),
    ("人民防空办公室", "28", "01:3 02:12 04:2 06:3 10:3"),
    ("民族宗教事务局", "29", "01:8 02:10 06:3 07:2 08:2 10:3"),
    ("粮食和物资储备局", "30", "02:16 06:4 08:1 10:3"),
)

TOWNSHIPS = ("江口镇", "石岭镇", "沙湾镇", "龙潭镇", "白沙镇", "青山镇", "新圩镇")
SUBDISTRICTS = ("城南街道", "城北街道", "滨江街道", "凤凰街道", "东湖街道")
TOWNSHIP_SECTOR = "90"
TOWNSHIP_PROFILE = "02:60 03:6 05:8 06:14 07:6 08:2 10:8"

AGENCY = ("公安局江口派出所", "05", "02:60 03:4 06:6 07:6")
INSTITUTION = ("住房公积金管理中心", "31", "02:12 03:2 04:4 05:10 06:4 07:8")

ZERO_REPORT_CANDIDATES = (
    (
        "人民政府研究室",
        "本单位为市政府综合文稿起草和政策研究机构，不直接行使对公民、法人和其他组织的行政权力事项，经自查，报告行政权力事项为零。",
    ),
    (
        "人民政府参事室",
        "本单位主要承担参政议政、咨询国是工作，不行使行政权力，经自查无行政权力事项。",
    ),
    (
        "机关事务管理局",
        "本单位负责市直机关后勤服务保障，现行法律法规未赋予本单位行政权力，行政权力事项为零。",
    ),
)


def parse_profile(profile: str) -> dict[str, int]:
    """'02:60 06:14' -> {'02': 60, '06': 14}."""
    return {c: int(w) for c, w in (part.split(":") for part in profile.split())}


_PROFILES = {
    name: parse_profile(profile) for name, _, profile in (*DEPARTMENTS, AGENCY, INSTITUTION)
}


def profile_of(unit: dict) -> dict[str, int]:
    """How many items of each category (relative weights) the unit lists; {} for none."""
    if unit["zero_report"]:
        return {}
    name = unit["name"].removeprefix(CITY)
    if name in _PROFILES:
        return _PROFILES[name]
    profile = parse_profile(TOWNSHIP_PROFILE)
    if unit["kind"] == "subdistrict":  # no farmland: fewer benefits and confirmations
        profile = {c: max(1, w * 2 // 3) for c, w in profile.items()}
    return profile


def _unit(name, kind, region, serial, sector, nature, parent=None, zero=None):
    # Government bodies: registration department 1 (机构编制), body type 1 (机关).
    credit_code = make_credit_code(CITY_REGION, f"MB{serial:06d}")
    return {
        "credit_code": credit_code,
        "name": CITY + name,
        "kind": kind,
        "region_code": region,
        "parent_credit_code": parent,
        "zero_report": zero is not None,
        "zero_report_reason": zero,
        "nature": nature,
        "sector": sector,
    }


def generate_units(seed: int = 2025) -> list[dict]:
    """The units of 临江市: departments, townships, sub-districts, an agency, an institution.

    Departments keep the same credit codes for every seed, so that codes in docs and
    fixtures stay stable; the seed picks which townships and sub-districts exist and
    which body files the zero report.
    """
    rng = random.Random(f"units:{seed}")
    units = [
        _unit(name, "department", CITY_REGION, i + 1, sector, "1")
        for i, (name, sector, _) in enumerate(DEPARTMENTS)
    ]
    serial = 100
    # 江口镇 always exists: the police station (the agency) sits there.
    towns = [0, *sorted(rng.sample(range(1, len(TOWNSHIPS)), 3))]
    subdistricts = sorted(rng.sample(range(len(SUBDISTRICTS)), 3))
    places = [(TOWNSHIPS[i], "township", i + 1) for i in towns]
    places += [(SUBDISTRICTS[i], "subdistrict", 101 + i) for i in subdistricts]
    for place, kind, number in places:
        serial += 1
        suffix = "人民政府" if kind == "township" else "办事处"
        region = f"{CITY_REGION}{number:03d}000"
        units.append(_unit(place + suffix, kind, region, serial, TOWNSHIP_SECTOR, "1"))

    police = next(u for u in units if u["name"].endswith("公安局"))
    name, sector, _ = AGENCY
    region = f"{CITY_REGION}001000"  # 江口镇
    units.append(_unit(name, "agency", region, 201, sector, "2", parent=police["credit_code"]))
    name, sector, _ = INSTITUTION
    units.append(_unit(name, "institution", CITY_REGION, 301, sector, "2"))

    name, reason = ZERO_REPORT_CANDIDATES[rng.randrange(len(ZERO_REPORT_CANDIDATES))]
    units.append(_unit(name, "department", CITY_REGION, 90, "32", "1", zero=reason))
    return units
