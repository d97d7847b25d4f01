"""National code sets (GB/T 39046-2020 Annex A and provincial practice) with Chinese labels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    code: str
    key: str
    label: str
    source: str = "GB/T 39046-2020 附录A"


def _terms(*rows: tuple[str, ...]) -> tuple[Term, ...]:
    return tuple(Term(*row) for row in rows)


GB_CATEGORIES = "GB/T 39046-2020 附录A.1"
NATIONAL_PLATFORM = "全国一体化政务服务平台事项类型（taskType）"
# 行政权力事项类型. 11 is our extension code for 行政规划 (the standard reserves 11+);
# 20 公共服务 is the national service platform's type for public-service items, which
# real catalogues and item indexes publish beside the powers (31% of one district's).
CATEGORIES = _terms(
    ("01", "licensing", "行政许可", GB_CATEGORIES),
    ("02", "penalty", "行政处罚", GB_CATEGORIES),
    ("03", "coercion", "行政强制", GB_CATEGORIES),
    ("04", "levy", "行政征收", GB_CATEGORIES),
    ("05", "benefit", "行政给付", GB_CATEGORIES),
    ("06", "inspection", "行政检查", GB_CATEGORIES),
    ("07", "confirmation", "行政确认", GB_CATEGORIES),
    ("08", "reward", "行政奖励", GB_CATEGORIES),
    ("09", "adjudication", "行政裁决", GB_CATEGORIES),
    ("10", "other", "其他行政权力", GB_CATEGORIES),
    (
        "11",
        "planning",
        "行政规划",
        "本系统扩展码（GB/T 39046 保留 11 及以上）；政策文件列为第10类权力",
    ),
    ("20", "public_service", "公共服务", NATIONAL_PLATFORM),
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

PROVINCIAL = "省级政务服务平台通行代码"
POWER_SOURCES = _terms(
    ("1", "statutory", "法定本级行使", PROVINCIAL),
    ("2", "delegated_down", "上级下放", PROVINCIAL),
    ("3", "authorised_by_higher", "上级授权", PROVINCIAL),
    ("4", "authorised_by_peer", "同级授权", PROVINCIAL),
    ("5", "entrusted_by_higher", "上级委托", PROVINCIAL),
    ("6", "entrusted_by_peer", "同级委托", PROVINCIAL),
)

POLICY = "权力清单和责任清单制度实施方案（清理意见）"
DISPOSITIONS = _terms(
    ("1", "retain", "保留", POLICY),
    ("2", "cancel", "取消", POLICY),
    ("3", "transfer", "转移", POLICY),
    ("4", "merge", "整合", POLICY),
    ("5", "delegate", "下放", POLICY),
    ("6", "escalate", "上级调整", POLICY),
)

# Dispositions whose publication removes the item from the current list.
WITHDRAWING_DISPOSITIONS = frozenset({"cancel", "transfer", "merge"})

SCOPE = "权力清单和责任清单制度实施方案（实施范围）"
UNIT_KINDS = _terms(
    ("1", "department", "政府工作部门", SCOPE),
    ("2", "township", "乡镇人民政府", SCOPE),
    ("3", "subdistrict", "街道办事处", SCOPE),
    ("4", "agency", "派出机构", SCOPE),
    ("5", "institution", "事业单位", SCOPE),
    ("9", "other", "其他行使行政权力的单位", SCOPE),
)

TIME_LIMIT_UNITS = _terms(
    ("1", "working_day", "工作日", PROVINCIAL),
    ("2", "natural_day", "自然日", PROVINCIAL),
    ("3", "immediate", "即办", PROVINCIAL),
)

RISK_LEVELS = _terms(
    ("1", "high", "高", "廉政风险防控通行分级"),
    ("2", "medium", "中", "廉政风险防控通行分级"),
    ("3", "low", "低", "廉政风险防控通行分级"),
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


# Other spellings real sources use for a term, by vocabulary: spelling -> code(s). Codes,
# keys and labels are always accepted; these are the rest (older names, short forms, and
# one spelling that stands for several terms, like 法人 for every kind of legal person).
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "categories": {
        "行政审批": ("01",),
        "审批": ("01",),
        "许可": ("01",),
        "处罚": ("02",),
        "强制": ("03",),
        "征收": ("04",),
        "给付": ("05",),
        "检查": ("06",),
        "确认": ("07",),
        "奖励": ("08",),
        "裁决": ("09",),
        "其他权力": ("10",),
        "其他职权": ("10",),
        "其他": ("10",),
        "规划": ("11",),
        "公共服务事项": ("20",),
    },
    "levels": {
        "国家": ("1",),
        "省": ("2",),
        "省级": ("2",),
        "市": ("3",),
        "市级": ("3",),
        "县": ("4",),
        "县级": ("4",),
        "区县级": ("4",),
        "区级": ("4",),
        "县（区）级": ("4",),
        "乡镇": ("5",),
        "街道": ("5",),
        "乡镇级": ("5",),
        "乡级": ("5",),
        "乡镇（街道）": ("5",),
        "村": ("6",),
        "社区": ("6",),
        "村级": ("6",),
    },
    "natures": {"法定": ("1",), "授权": ("2",), "委托": ("3",), "受委托": ("3",)},
    "targets": {
        "个人": ("1",),
        "公民": ("1",),
        "企业": ("2",),
        "事业单位": ("3",),
        "社会组织": ("4",),
        "机关": ("5",),
        "其他": ("6",),
        "法人": ("2", "3", "4"),
        "法人和其他组织": ("2", "3", "4", "6"),
    },
    "service-methods": {
        "窗口": ("1",),
        "现场办理": ("1",),
        "网上办理": ("2",),
        "网办": ("2",),
        "电脑端": ("2",),
        "移动端": ("3",),
        "掌上办": ("3",),
        "快递": ("4",),
        "邮寄": ("4",),
    },
    "handling-types": {"即办": ("1",), "承诺": ("2",)},
    "power-sources": {"法定": ("1",), "本级": ("1",), "下放": ("2",)},
    "dispositions": {"合并": ("4",), "整合为": ("4",)},
    "time-limit-units": {"日": ("2",), "天": ("2",), "个工作日": ("1",), "即时办结": ("3",)},
    "risk-levels": {"高风险": ("1",), "中风险": ("2",), "低风险": ("3",), "较高": ("1",)},
}
