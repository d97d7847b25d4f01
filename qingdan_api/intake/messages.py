"""Chinese wording of the record checks' messages, for editors reading an import report."""

from __future__ import annotations

import re

_FIXED = {
    "required": "必填：提交审核前须填写",
    "needs at least one entry": "至少填写一项",
    "unknown field": "未知字段",
    "lists a value twice": "同一个值填了两次",
    "must be a list": "应为多个值的列表",
    "must be an object": "格式不对",
    "must be a non-empty string": "不能为空",
    "a charged item lists its fee items": "收费的事项须填写收费项目",
    "an item that charges nothing has no fee items": "不收费的事项不应填写收费项目",
    "cannot exceed the statutory limit (即办)": "法定时限为即办，承诺时限也只能是即办",
    "a promised item (承诺件) needs its promised limit": "承诺件须填写承诺办结时限",
    "required unless the limit is immediate (即办)": "除“即办”外须写明天数",
    "only a merge names a surviving item": "只有清理意见为“整合”时才填写整合至的事项",
    "only a transfer names who takes the power over": "只有清理意见为“转移”时才填写承接单位",
    "a merge names the surviving item's code": "清理意见为“整合”时须填写整合至的事项编码",
    "a transfer names who takes the power over": "清理意见为“转移”时须填写承接单位",
    "an item cannot be merged into itself": "事项不能整合到自身",
    "required for a sub-item": "子项须填写子项名称",
    "only sub-items (sub-item sequence not 000) have a main item": "只有子项才填写主项实施编码",
}
_PATTERNS = (
    (re.compile(r"at most (\d+) characters"), "最多 {0} 个字"),
    (re.compile(r"(\d+) exceeds the statutory limit of (\d+)"), "承诺时限 {0} 超过法定时限 {1}"),
    (
        re.compile(r"steps are numbered 1, 2, 3… in order: expected (\d+)"),
        "环节序号应依次为 1、2、3……，此处应为 {0}",
    ),
    (re.compile(r"a (\w+) disposition needs its reason"), "清理意见不是“保留”时须说明理由"),
    (re.compile(r"must lie within the unit's region (\d+)"), "行政区划应在实施主体的区划 {0} 之内"),
    (
        re.compile(r"the unit's nature is (\d)"),
        "实施主体性质由单位决定（本单位为 {0}）：请修改单位信息，而不是事项",
    ),
    (re.compile(r"no main item (\w+)"), "找不到主项 {0}"),
    (re.compile(r"the main item belongs to another unit"), "主项属于其他单位"),
)


def zh(message: str) -> str:
    """The Chinese message for a record check's message (the English one when unknown)."""
    if message in _FIXED:
        return _FIXED[message]
    for pattern, template in _PATTERNS:
        match = pattern.search(message)
        if match:
            return template.format(*match.groups())
    return f"记录校验未通过：{message}"
