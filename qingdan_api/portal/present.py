"""Turning public records into what the portal's templates show: Chinese labels and text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, request, url_for

from ..domain import vocabularies as vocab
from ..domain.fields import CHILD_TABLES, labels
from ..services.flowcharts import limit_text

LABELS = labels()
CST = timezone(timedelta(hours=8))  # the lists' own calendar: China Standard Time


def member_labels(table: str) -> dict[str, str]:
    """Chinese labels of the members of a child table (legal_bases, process_steps …)."""
    return {f.name: f.label for f in CHILD_TABLES[table]}


def vocab_label(value: Any, name: str) -> str:
    """The Chinese label of a code or key in a code list; the value itself when unknown."""
    if value is None or value == "":
        return ""
    return vocab.label(name, str(value)) or str(value)


def vocab_list(values: list[str] | None, name: str) -> str:
    return "、".join(vocab_label(v, name) for v in values or [])


def local_time(value: Any, with_time: bool = False) -> str:
    """An ISO string or datetime as a China-time date (and time): 2026年1月5日."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(CST)
    text = f"{moment.year}年{moment.month}月{moment.day}日"
    return f"{text} {moment:%H:%M}" if with_time else text


def basic_facts(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of the item's identity and handling facts, in the catalogue's order."""
    facts: list[tuple[str, Any]] = [
        ("code", record.get("code")),
        ("basic_code", record.get("basic_code")),
        ("local_code", record.get("local_code")),
        ("category", vocab_label(record.get("category"), "categories")),
        ("sub_item_name", record.get("sub_item_name")),
        ("level", vocab_label(record.get("level"), "levels")),
        ("power_source", vocab_label(record.get("power_source"), "power-sources")),
        ("region_code", record.get("region_code")),
        ("unit_nature", vocab_label(record.get("unit_nature"), "natures")),
        ("handling_office", record.get("handling_office")),
        (
            "co_implementing_units",
            "、".join(u["name"] for u in record.get("co_implementing_units") or []),
        ),
        ("entrusting_unit", (record.get("entrusting_unit") or {}).get("name")),
        ("targets", vocab_list(record.get("targets"), "targets")),
        ("handling_type", vocab_label(record.get("handling_type"), "handling-types")),
        ("service_methods", vocab_list(record.get("service_methods"), "service-methods")),
        ("acceptance_conditions", record.get("acceptance_conditions")),
        ("disposition", vocab_label(record.get("disposition"), "dispositions")),
        ("disposition_reason", record.get("disposition_reason")),
        ("merged_into", record.get("merged_into")),
        ("transferred_to", record.get("transferred_to")),
        ("remarks", record.get("remarks")),
    ]
    return [(LABELS[name], str(value)) for name, value in facts if value not in (None, "")]


def time_limits(record: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name in ("statutory_limit", "promised_limit"):
        out.append((LABELS[name], limit_text(record.get(name)) or "无"))
    return out


def supervision(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (LABELS[name], record[name])
        for name in ("supervision_phone", "supervision_address", "supervision_web")
        if record.get(name)
    ]


def register_filters(blp: Blueprint) -> None:
    """Template filters (app-wide in Flask, so prefixed qd_) and the portal's globals."""
    blp.add_app_template_filter(vocab_label, "qd_vocab")
    blp.add_app_template_filter(vocab_list, "qd_vocab_list")
    blp.add_app_template_filter(local_time, "qd_day")
    blp.add_app_template_filter(limit_text, "qd_limit")

    @blp.context_processor
    def _globals() -> dict[str, Any]:
        return {"LABELS": LABELS, "member_labels": member_labels, "here_with": here_with}


def here_with(**changes: Any) -> str:
    """The current page's URL with query arguments changed (None drops one); a new filter

    or cursor always starts from the first page, so `cursor` is dropped unless given.
    """
    args = request.args.to_dict()
    args.pop("cursor", None)
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)
