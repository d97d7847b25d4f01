"""运行流程图 from the published record: one per item, and common charts for shared processes.

The policy asks every power to be published with its process flowchart, drawn from its
process steps (运行流程), and lets items with the same process share one common chart
(同一流程的事项可使用通用流程图). An item's own chart adds its time limits and
supervision channels at the foot; a common chart shows the shared steps only. Charts are
rendered by exporters.flowchart, deterministically.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exporters.encoders import fragment
from exporters.flowchart import render_svg

from ..domain import vocabularies as vocab

STEP_KEYS = ("seq", "name", "office", "post", "time_limit", "description", "outcomes")
ZIP_DATE = (2000, 1, 1, 0, 0, 0)  # fixed timestamps: the same charts give the same zip
INDEX = "index.csv"


def limit_text(limit: dict[str, Any] | None) -> str | None:
    """A time limit in words: {"amount": 20, "unit": "working_day", "note": "自受理之日起"}

    -> "20个工作日（自受理之日起）"; an immediate one -> "即办"; None when there is none.
    """
    if not limit:
        return None
    unit = limit.get("unit")
    label = vocab.label("time-limit-units", unit) if unit else None
    if unit == "immediate":
        text = label or "即办"
    elif limit.get("amount") is not None:
        text = f"{limit['amount']}个{label or ''}"
    else:
        text = label or ""
    if limit.get("note"):
        text = f"{text}（{limit['note']}）" if text else limit["note"]
    return text or None


def steps_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's process steps in order, with only the keys a chart draws."""
    steps = sorted(record.get("process_steps") or [], key=lambda s: s.get("seq") or 0)
    return [{k: step.get(k) for k in STEP_KEYS} for step in steps]


def process_key(record: dict[str, Any]) -> str:
    """Identity of an item's process: items with equal keys can share one common chart."""
    canonical = json.dumps(steps_of(record), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def item_chart(record: dict[str, Any]) -> dict[str, Any]:
    """The chart of one item: its steps, its time limits and supervision at the foot."""
    name = record.get("name") or ""
    if record.get("sub_item_name"):
        name = f"{name}（{record['sub_item_name']}）"
    category = vocab.label("categories", record.get("category") or "") or ""
    unit = (record.get("unit") or {}).get("name") or ""
    foot = []
    for label, key in (("法定办结时限", "statutory_limit"), ("承诺办结时限", "promised_limit")):
        text = limit_text(record.get(key))
        if text:
            foot.append(f"{label}：{text}")
    for label, key in (
        ("监督投诉电话", "supervision_phone"),
        ("监督投诉地址", "supervision_address"),
        ("网上投诉渠道", "supervision_web"),
    ):
        if record.get(key):
            foot.append(f"{label}：{record[key]}")
    return {
        "title": name,
        "subtitle": " · ".join(p for p in (unit, category, record.get("code")) if p),
        "steps": steps_of(record),
        "foot": foot,
    }


def item_svg(record: dict[str, Any]) -> bytes:
    """SVG bytes of an item's flowchart (same record, same bytes)."""
    return render_svg(item_chart(record))


def common_chart(category: str, steps: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """The common chart of `count` items of one category that share `steps`."""
    label = vocab.label("categories", category) or category
    return {
        "title": f"{label}事项通用运行流程图",
        "subtitle": f"适用于流程相同的{count}个事项（见 {INDEX}）",
        "steps": steps,
        "foot": [],
    }


@dataclass
class _Process:
    category: str
    steps: list[dict[str, Any]]
    count: int = 0


class CommonCharts:
    """The common charts of records given one by one (`add`), written by `write`.

    One SVG per (category, process), named `{category}-{n}.svg` (n = 1 for the process
    most items of the category share), and `index.csv` mapping every item code to its
    chart. Codes are spooled to a temporary file, so memory holds one entry per process;
    `write` (or `close`) removes the spool.
    """

    def __init__(self) -> None:
        self._processes: dict[tuple[str, str], _Process] = {}
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115

    def add(self, record: dict[str, Any]) -> None:
        category = record.get("category") or ""
        key = (category, fragment(record, "process_key") or process_key(record))
        process = self._processes.get(key)
        if process is None:
            process = self._processes[key] = _Process(category, steps_of(record))
        process.count += 1
        name = " ".join((record.get("name") or "").split())  # no tab or newline inside
        self._spool.write(f"{record['code']}\t{name}\t{key[0]}\t{key[1]}\n")

    def close(self) -> None:
        self._spool.close()

    def write(self, path: Path) -> int:
        """Write the ZIP at `path`; returns the chart count."""
        try:
            return self._write(path)
        finally:
            self.close()

    def _write(self, path: Path) -> int:
        processes, spool = self._processes, self._spool
        ordered = sorted(processes.items(), key=lambda kv: (kv[0][0], -kv[1].count, kv[0]))
        names: dict[tuple[str, str], str] = {}
        numbers: dict[str, int] = {}
        for key, _process in ordered:
            numbers[key[0]] = numbers.get(key[0], 0) + 1
            names[key] = f"{key[0]}-{numbers[key[0]]}.svg"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for key, process in ordered:
                svg = render_svg(common_chart(process.category, process.steps, process.count))
                archive.writestr(_entry(names[key]), svg)
            spool.seek(0)
            with archive.open(_entry(INDEX), "w") as raw:
                out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(["code", "name", "category", "flowchart"])
                for line in spool:
                    code, name, category, key = line.rstrip("\n").split("\t")
                    writer.writerow([code, name, category, names[(category, key)]])
                out.flush()
                out.detach()
        return len(processes)


def write_common_charts(records: Iterable[dict[str, Any]], path: Path) -> int:
    """Write the common charts of `records` into a ZIP at `path`; returns the chart count.

    See CommonCharts for the layout.
    """
    charts = CommonCharts()
    try:
        for record in records:
            charts.add(record)
    except BaseException:
        charts.close()
        raise
    return charts.write(path)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
