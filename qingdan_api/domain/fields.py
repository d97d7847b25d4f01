"""The fields every published item discloses: names, Chinese labels, types and code lists.

This catalogue is the single description of the canonical public record. The API's
`@types/item`, the write-side validation, the CSV headers and the XML schema all follow it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str  # string | integer | boolean | date | datetime | object | array
    required: bool = False
    vocabulary: str | None = None  # name in vocabularies.VOCABULARIES
    items: tuple[Field, ...] = field(default=())  # members of an object, or of an array's objects
    item_type: str | None = None  # for arrays of scalars
    description: str = ""


def _f(name, label, type_="string", required=False, **kw) -> Field:
    return Field(name, label, type_, required, **kw)


TIME_LIMIT = (
    _f("amount", "时限数值", "integer"),
    _f("unit", "时限单位", required=True, vocabulary="time-limit-units"),
    _f("note", "时限说明"),
)

UNIT_REF = (
    _f("credit_code", "统一社会信用代码", required=True),
    _f("name", "单位名称", required=True),
)

# Child collections: each becomes its own CSV table keyed by item code.
LEGAL_BASIS = (
    _f("title", "法律法规名称", required=True),
    _f("article", "条款号"),
    _f("text", "条款内容"),
)
PROCESS_STEP = (
    _f("seq", "步骤序号", "integer", required=True),
    _f("name", "环节名称", required=True),
    _f("office", "承办机构"),
    _f("post", "岗位"),
    _f("time_limit", "环节时限"),
    _f("description", "环节说明"),
    _f("outcomes", "办理结果分支", "array", item_type="string"),
)
FEE_ITEM = (
    _f("name", "收费项目名称", required=True),
    _f("standard", "收费标准", required=True),
    _f("basis", "收费依据"),
)
RISK_POINT = (
    _f("stage", "环节"),
    _f("description", "风险点描述", required=True),
    _f("level", "风险等级", required=True, vocabulary="risk-levels"),
    _f("measures", "防控措施", required=True),
    _f("responsible_post", "责任岗位"),
)
RESPONSIBILITY = (
    _f("stage", "环节", required=True),
    _f("content", "责任事项内容", required=True),
    _f("basis", "设定依据"),
)
ACCOUNTABILITY = (
    _f("situation", "追责情形", required=True),
    _f("basis", "追责依据"),
)
DISCRETION = (
    _f("circumstance", "违法情节", required=True),
    _f("penalty", "处罚幅度", required=True),
)

ITEM_FIELDS: tuple[Field, ...] = (
    _f("code", "实施编码", required=True),
    _f("basic_code", "基本编码", required=True),
    _f("local_code", "地方编码"),
    _f("name", "事项名称", required=True),
    _f("sub_item_name", "子项名称"),
    _f("parent_code", "主项实施编码"),
    _f("category", "事项类型", required=True, vocabulary="categories"),
    _f("level", "行使层级", required=True, vocabulary="levels"),
    _f("power_source", "权力来源", required=True, vocabulary="power-sources"),
    _f("region_code", "行政区划代码", required=True),
    _f("unit", "实施主体", "object", required=True, items=UNIT_REF),
    _f("unit_nature", "实施主体性质", required=True, vocabulary="natures"),
    _f("handling_office", "承办机构"),
    _f("co_implementing_units", "共同实施部门", "array", items=UNIT_REF),
    _f("entrusting_unit", "委托部门", "object", items=UNIT_REF),
    _f("legal_bases", "实施依据", "array", required=True, items=LEGAL_BASIS),
    _f("targets", "服务对象", "array", required=True, vocabulary="targets", item_type="string"),
    _f("statutory_limit", "法定办结时限", "object", items=TIME_LIMIT),
    _f("promised_limit", "承诺办结时限", "object", items=TIME_LIMIT),
    _f("handling_type", "办件类型", vocabulary="handling-types"),
    _f("service_methods", "办理形式", "array", vocabulary="service-methods", item_type="string"),
    _f("acceptance_conditions", "受理条件"),
    _f("charged", "是否收费", "boolean", required=True),
    _f("fees", "收费项目", "array", items=FEE_ITEM),
    _f("process_steps", "运行流程", "array", required=True, items=PROCESS_STEP),
    _f("counterpart_rights", "相对人权利", "array", item_type="string"),
    _f("supervision_phone", "监督投诉电话"),
    _f("supervision_address", "监督投诉地址"),
    _f("supervision_web", "网上投诉渠道"),
    _f("risk_points", "廉政风险点", "array", items=RISK_POINT),
    _f("responsibilities", "责任事项", "array", required=True, items=RESPONSIBILITY),
    _f("accountabilities", "追责情形", "array", required=True, items=ACCOUNTABILITY),
    _f("discretion_standards", "行政裁量基准", "array", items=DISCRETION),
    _f("disposition", "清理意见", required=True, vocabulary="dispositions"),
    _f("disposition_reason", "清理意见理由"),
    _f("merged_into", "整合至事项实施编码"),
    _f("transferred_to", "转移承接单位"),
    _f("remarks", "备注"),
)

# Publication metadata that accompanies a record but is not part of its content.
VERSION_FIELDS: tuple[Field, ...] = (
    _f("version", "版本号", "integer", required=True),
    _f("published_at", "发布时间", "datetime", required=True),
    _f("release_id", "发布批次", "integer"),
    _f("content_hash", "内容摘要（SHA-256）"),
)

# Which collections the CSV export splits into child tables, in order.
CHILD_TABLES: dict[str, tuple[Field, ...]] = {
    "legal_bases": LEGAL_BASIS,
    "process_steps": PROCESS_STEP,
    "fees": FEE_ITEM,
    "risk_points": RISK_POINT,
    "responsibilities": RESPONSIBILITY,
    "accountabilities": ACCOUNTABILITY,
    "discretion_standards": DISCRETION,
}

FIELDS_BY_NAME = {f.name: f for f in ITEM_FIELDS + VERSION_FIELDS}


def labels() -> dict[str, str]:
    """English key -> Chinese label, for every top-level field and child-table member."""
    out = {f.name: f.label for f in ITEM_FIELDS + VERSION_FIELDS}
    for members in (UNIT_REF, TIME_LIMIT, *CHILD_TABLES.values()):
        for m in members:
            out.setdefault(m.name, m.label)
    return out
