"""Differences between published versions (RFC 6902 JSON Patch and a readable summary)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..domain.fields import labels
from .catalog import get_version
from .errors import InvalidArgument

LABELS = labels()


def _pointer(path: list[str | int]) -> str:
    # RFC 6901: "~" and "/" inside a key are escaped.
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def json_patch(old: Any, new: Any, path: list[str | int] | None = None) -> list[dict[str, Any]]:
    """Operations that turn `old` into `new`: objects key by key, lists index by index."""
    path = path or []
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        ops: list[dict[str, Any]] = []
        for key in old:
            if key not in new:
                ops.append({"op": "remove", "path": _pointer([*path, key])})
        for key, value in new.items():
            if key not in old:
                ops.append({"op": "add", "path": _pointer([*path, key]), "value": value})
            else:
                ops.extend(json_patch(old[key], value, [*path, key]))
        return ops
    if isinstance(old, list) and isinstance(new, list):
        ops = []
        for index in range(min(len(old), len(new))):
            ops.extend(json_patch(old[index], new[index], [*path, index]))
        # Remove from the end first so earlier indexes stay valid while applying.
        for index in range(len(old) - 1, len(new) - 1, -1):
            ops.append({"op": "remove", "path": _pointer([*path, index])})
        for index in range(len(old), len(new)):
            ops.append({"op": "add", "path": _pointer([*path, index]), "value": new[index]})
        return ops
    return [{"op": "replace", "path": _pointer(path), "value": new}]


def _text(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return f"{len(value)}项" if isinstance(value, list) else "（对象）"
    return str(value)


def summary(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per changed top-level field, with its Chinese label and a sentence."""
    out = []
    for name in dict.fromkeys([*old, *new]):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        label = LABELS.get(name, name)
        if isinstance(before, list) and isinstance(after, list):
            text = f"{label}：由{len(before)}项变为{len(after)}项"
            if len(before) == len(after):
                text = f"{label}：内容有修改（{len(after)}项）"
        elif isinstance(before, dict) or isinstance(after, dict):
            text = f"{label}：内容有修改"
        else:
            text = f"{label}：由“{_text(before)}”改为“{_text(after)}”"
        out.append({"field": name, "label": label, "before": before, "after": after, "text": text})
    return out


@dataclass
class Diff:
    code: str
    from_version: int
    to_version: int
    patch: list[dict[str, Any]]
    summary: list[dict[str, Any]]


def diff_versions(session: Session, code: str, from_: int | None, to: int | None) -> Diff:
    """The difference between two published versions of an item."""
    for name, value in (("from", from_), ("to", to)):
        if value is None:
            raise InvalidArgument(name, "required: a published version number")
    old, new = get_version(session, code, from_), get_version(session, code, to)
    return Diff(
        code, from_, to, json_patch(old.record, new.record), summary(old.record, new.record)
    )
