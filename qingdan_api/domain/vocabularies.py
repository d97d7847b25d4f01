"""National code sets (GB/T 39046-2020 Annex A and provincial practice) with Chinese labels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    code: str
    key: str
    label: str


def _terms(*rows: tuple[str, str, str]) -> tuple[Term, ...]:
    return tuple(Term(code, key, label) for code, key, label in rows)


# 行政权力事项类型. 11 is our extension code for 行政规划 (the standard reserves 11+).
CATEGORIES = _terms(
    ("01", "licensing", "行政许可"),
    ("02", "penalty", "行政处罚"),
    ("03", "coercion", "行政强制"),
    ("04", "levy", "行政征收"),
    ("05", "benefit", "行政给付"),
    ("06", "inspection", "行政检查"),
    ("07", "confirmation", "行政确认"),
    ("08", "reward", "行政奖励"),
    ("09", "adjudication", "行政裁决"),
    ("10", "other", "其他行政权力"),
    ("11", "planning", "行政规划"),
)

LEVELS = _terms(
    ("1", "national", "国家级"),
    ("2", "provincial", "省级"),
    ("3", "municipal", "市级"),
    ("4", "county", "县级"),
    ("5", "township", "乡镇（街道）级"),
    ("6", "village", "村（社区）级"),
    ("7", "graded", "分级管理"),
)

NATURES = _terms(
    ("1", "statutory_body", "法定机关"),
    ("2", "authorised_organisation", "授权组织"),
    ("3", "entrusted_organisation", "受委托组织"),
    ("9", "other", "其他"),
)

TARGETS = _terms(
    ("1", "natural_person", "自然人"),
    ("2", "enterprise", "企业法人"),
    ("3", "public_institution", "事业法人"),
    ("4", "social_organisation", "社会组织法人"),
    ("5", "administrative_body", "行政机关"),
    ("6", "other_organisation", "其他组织"),
)

SERVICE_METHODS = _terms(
    ("1", "counter", "窗口办理"),
    ("2", "web", "网上办理（电脑端）"),
    ("3", "mobile", "移动端办理"),
    ("4", "post", "快递办理"),
    ("9", "other", "其他"),
)

HANDLING_TYPES = _terms(
    ("1", "immediate", "即办件"),
    ("2", "promised", "承诺件"),
    ("9", "other", "其他"),
)

POWER_SOURCES = _terms(
    ("1", "statutory", "法定本级行使"),
    ("2", "delegated_down", "上级下放"),
    ("3", "authorised_by_higher", "上级授权"),
    ("4", "authorised_by_peer", "同级授权"),
    ("5", "entrusted_by_higher", "上级委托"),
    ("6", "entrusted_by_peer", "同级委托"),
)

DISPOSITIONS = _terms(
    ("1", "retain", "保留"),
    ("2", "cancel", "取消"),
    ("3", "transfer", "转移"),
    ("4", "merge", "整合"),
    ("5", "delegate", "下放"),
    ("6", "escalate", "上级调整"),
)

# Dispositions whose publication removes the item from the current list.
WITHDRAWING_DISPOSITIONS = frozenset({"cancel", "transfer", "merge"})

UNIT_KINDS = _terms(
    ("1", "department", "政府工作部门"),
    ("2", "township", "乡镇人民政府"),
    ("3", "subdistrict", "街道办事处"),
    ("4", "agency", "派出机构"),
    ("5", "institution", "事业单位"),
    ("9", "other", "其他行使行政权力的单位"),
)

TIME_LIMIT_UNITS = _terms(
    ("1", "working_day", "工作日"),
    ("2", "natural_day", "自然日"),
    ("3", "immediate", "即办"),
)

RISK_LEVELS = _terms(
    ("1", "high", "高"),
    ("2", "medium", "中"),
    ("3", "low", "低"),
)

VOCABULARIES: dict[str, tuple[Term, ...]] = {
    "categories": CATEGORIES,
    "levels": LEVELS,
    "natures": NATURES,
    "targets": TARGETS,
    "service-methods": SERVICE_METHODS,
    "handling-types": HANDLING_TYPES,
    "power-sources": POWER_SOURCES,
    "dispositions": DISPOSITIONS,
    "unit-kinds": UNIT_KINDS,
    "time-limit-units": TIME_LIMIT_UNITS,
    "risk-levels": RISK_LEVELS,
}

VOCABULARY_TITLES = {
    "categories": "事项类型",
    "levels": "行使层级",
    "natures": "实施主体性质",
    "targets": "服务对象",
    "service-methods": "办理形式",
    "handling-types": "办件类型",
    "power-sources": "权力来源",
    "dispositions": "清理意见",
    "unit-kinds": "单位类型",
    "time-limit-units": "时限单位",
    "risk-levels": "风险等级",
}


def codes(name: str) -> frozenset[str]:
    return frozenset(t.code for t in VOCABULARIES[name])


def keys(name: str) -> frozenset[str]:
    return frozenset(t.key for t in VOCABULARIES[name])


def label(name: str, code_or_key: str) -> str | None:
    """Chinese label of a term found by its code or its English key."""
    for term in VOCABULARIES[name]:
        if code_or_key in (term.code, term.key):
            return term.label
    return None


# Code sets of national standards are stored by code ("01"); our own sets by English key.
STORED_BY_KEY = frozenset(
    {"power-sources", "dispositions", "unit-kinds", "time-limit-units", "risk-levels"}
)
