"""The cleanup form (清理表格): its columns, derived from the field catalogue.

One main sheet (事项) with one column per scalar field, and one sheet per child table
(legal bases, process steps, fees, risk points, responsibilities, accountability,
discretion standards) whose rows name the main row they belong to by its 序号. Headers
are the catalogue's Chinese labels; on reading, a column is also found by its English
field name or by the short names real portals export (`taskType`, `itemCode`, `fdqx`…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..domain.fields import CHILD_TABLES, FIELDS_BY_NAME, ITEM_FIELDS, Field

ROW_KEY = "row"
ROW_LABEL = "序号"
MAIN_SHEET = "事项"
INSTRUCTIONS_SHEET = "填写说明"
CODES_SHEET = "代码表"


@dataclass(frozen=True)
class Column:
    key: str  # the field (or pseudo-field) the column fills
    header: str  # Chinese header of the template
    # text | integer | vocabulary | vocabularies | boolean | limit | list | legal | fees | unit
    kind: str
    vocabulary: str | None = None
    help: str = ""
    required: bool = False  # required at submit (the template marks it with *)


# Fields the main sheet does not carry as such: child tables have their own sheets (the
# legal basis and the fee names also have a main-sheet column each, for sources that
# write them as one block); unit references are named by a code or a name.
_NOT_IN_MAIN = {"co_implementing_units", "entrusting_unit", "unit", *CHILD_TABLES}
_KIND_OF_TYPE = {"string": "text", "integer": "integer", "boolean": "boolean"}


def _column(spec: Field) -> Column:
    if spec.name in ("statutory_limit", "promised_limit"):
        return Column(spec.name, spec.label, "limit", help="如“20个工作日”“30日”“即办”“无”")
    if spec.name == "level":
        return Column(
            "level",
            spec.label,
            "vocabularies",
            "levels",
            "可填多个（如“3,4”），每个层级生成一条事项；不填则取实施主体所在层级",
            spec.required,
        )
    if spec.type == "array":
        if spec.vocabulary:
            return Column(
                spec.name,
                spec.label,
                "vocabularies",
                spec.vocabulary,
                "可填多个，用逗号、顿号或分号分隔",
                spec.required,
            )
        return Column(spec.name, spec.label, "list", help="可填多个，用逗号、顿号或分号分隔")
    if spec.vocabulary:
        return Column(
            spec.name, spec.label, "vocabulary", spec.vocabulary, "可填代码或名称", spec.required
        )
    return Column(spec.name, spec.label, _KIND_OF_TYPE[spec.type], required=spec.required)


def main_columns() -> list[Column]:
    """The main sheet's columns, in catalogue order, after the row key and the unit."""
    columns = [
        Column(ROW_KEY, ROW_LABEL, "integer", help="本表内的行号，子表用它对应本行"),
        Column(
            "unit",
            "实施主体",
            "unit",
            help="统一社会信用代码、9位组织机构代码或单位名称（简称）",
            required=True,
        ),
    ]
    for spec in ITEM_FIELDS:
        if spec.name in _NOT_IN_MAIN:
            if spec.name == "legal_bases":
                columns.append(
                    Column(
                        "legal_bases",
                        spec.label,
                        "legal",
                        help=(
                            "可整段填写：每部法律法规以《》标明名称，可带【法律】等层级标签和条款；"
                            "也可在“实施依据”表中逐条填写"
                        ),
                        required=True,
                    )
                )
            elif spec.name == "fees":
                columns.append(
                    Column(
                        "fees",
                        "收费项目名称",
                        "fees",
                        help="可填多个；收费标准在“收费项目”表中填写",
                    )
                )
            continue
        columns.append(_column(spec))
    columns.append(Column("fee_basis", "收费依据", "text", help="与“收费项目名称”一起填写"))
    return columns


def child_columns(table: str) -> list[Column]:
    """A child sheet's columns: the main row's 序号, then the table's members."""
    columns = [Column(ROW_KEY, ROW_LABEL, "integer", help="对应“事项”表的序号", required=True)]
    for member in CHILD_TABLES[table]:
        if member.type == "array":
            columns.append(Column(member.name, member.label, "list"))
        elif member.vocabulary:
            columns.append(
                Column(
                    member.name,
                    member.label,
                    "vocabulary",
                    member.vocabulary,
                    required=member.required,
                )
            )
        else:
            kind = _KIND_OF_TYPE[member.type]
            columns.append(Column(member.name, member.label, kind, required=member.required))
    return columns


def child_sheet_title(table: str) -> str:
    return FIELDS_BY_NAME[table].label


# Column names real sources export, mapped to our columns. From the provincial portals'
# records in reference/realworld/ (pinyin initials) and the district item index.
SOURCE_ALIASES = {
    "department": "unit_name",
    "deptcode": "unit",
    "bljg": "unit_name",
    "itemcode": "local_code",
    "tasktype": "category",
    "type": "category",
    "areacode": "region_code",
    "zrcs": "handling_office",
    "fdqx": "statutory_limit",
    "cnqx": "promised_limit",
    "rqdw": "limit_unit",
    "fwdx": "targets",
    "sfsf": "charged",
    "sfyj": "fee_basis",
    "sfxm": "fees",
    "qlly": "power_source",
    "bjlx": "handling_type",
    "sltj": "acceptance_conditions",
    "fdyj": "legal_bases",
    "tsdh": "supervision_phone",
    "实施主体名称": "unit_name",
    "单位名称": "unit_name",
    "统一社会信用代码": "unit",
    "期限单位": "limit_unit",
    "时限单位": "limit_unit",
    "法定期限": "statutory_limit",
    "承诺期限": "promised_limit",
    "权力类型": "category",
    "职权类型": "category",
    "事项类别": "category",
    "权力编码": "local_code",
    "事项编码": "local_code",
}

# Extra columns understood when present (not in the template).
EXTRA_COLUMNS = {
    "unit_name": Column("unit_name", "实施主体名称", "text"),
    "limit_unit": Column("limit_unit", "期限单位", "vocabulary", "time-limit-units"),
}


def _norm(header: object) -> str:
    text = re.sub(r"[\s*＊（(]*(必填|选填)?[)）]?$", "", str(header or "")).strip()
    return re.sub(r"\s+", "", text.lstrip("*＊")).lower()


def resolve_headers(
    headers: list[object], columns: list[Column]
) -> tuple[dict[int, Column], list[str]]:
    """Sheet header cells -> {position: column}, and the headers nobody understood."""
    by_name: dict[str, Column] = {}
    for column in [*columns, *EXTRA_COLUMNS.values()]:
        by_name.setdefault(_norm(column.header), column)
        by_name.setdefault(column.key.lower(), column)
    keyed = {c.key: c for c in [*columns, *EXTRA_COLUMNS.values()]}
    found: dict[int, Column] = {}
    unknown: list[str] = []
    for position, header in enumerate(headers):
        name = _norm(header)
        if not name:
            continue
        column = by_name.get(name) or keyed.get(SOURCE_ALIASES.get(name, ""))
        if column is None or column in found.values():
            unknown.append(str(header))
        else:
            found[position] = column
    return found, unknown
