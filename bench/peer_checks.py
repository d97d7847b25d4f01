"""The peer benchmark's equivalence checks: both servers must answer the same question."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.peer_export import item_columns
from bench.peer_tools import BenchError, get, timed_download


def scenario_parameters(peer_db: Path) -> dict:
    """The unit (most items), its first page of codes, the item, the row count."""
    conn = sqlite3.connect(f"file:{peer_db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        unit, total = conn.execute(
            "SELECT unit_credit_code, count(*) FROM items GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        ).fetchone()
        codes = [
            c
            for (c,) in conn.execute(
                "SELECT code FROM items WHERE unit_credit_code = ? ORDER BY code LIMIT 50", (unit,)
            )
        ]
    finally:
        conn.close()
    if not codes:
        raise BenchError(f"{peer_db} holds no item")
    return {
        "rows": rows,
        "unit": unit,
        "unit_total": total,
        "page_codes": codes,
        "code": codes[0],
        "page": {},
        "search": {},
        "item": {},
        "search_totals": {},
        "csv_first": {},  # target -> (seconds, bytes) of the checked download
    }


def _listing(target, body: dict) -> tuple[list[str], int | None]:
    if target.kind == "datasette":
        return [r["code"] for r in body["rows"]], body.get("filtered_table_rows_count")
    return [i["code"] for i in body["items"]], body.get("items_total")


def _get(url: str) -> tuple[dict, int]:
    status, body = get(url)
    if status != 200:
        raise BenchError(f"GET {url} answered {status}: {body[:300]!r}")
    if not body:
        raise BenchError(f"GET {url} answered an empty body")
    return json.loads(body), len(body)


def _record(target, body: dict) -> dict:
    if target.kind == "datasette":
        rows = body.get("rows") or []
        if len(rows) != 1:
            raise BenchError(f"datasette found {len(rows)} records for the item")
        text = rows[0]["record"]
    else:
        text = json.dumps(body, ensure_ascii=False)
    # Links name the server that answered; the copy was made from the first Qingdan.
    for prefix in ("http://127.0.0.1:", "http://localhost:"):
        while prefix in text:
            start = text.index(prefix)
            end = text.index("/api/", start)
            text = text[:start] + "BASE" + text[end:]
    return json.loads(text)


def check_equivalence(targets: list, params: dict, work: Path) -> None:
    """Fetch every scenario from every target once and compare; BenchError on a difference.

    Fills params with answer sizes (bytes per target) and the search totals.
    """
    expected_page = params["page_codes"]
    reference = None
    header = [c.name for c in item_columns()]
    for target in targets:
        urls = target.urls(params["unit"], params["code"])
        body, size = _get(urls["page"])
        codes, total = _listing(target, body)
        if codes != expected_page or total != params["unit_total"]:
            raise BenchError(
                f"{target.name}: unit page has {len(codes)} items of {total}, expected "
                f"{len(expected_page)} of {params['unit_total']} (same codes, by code)"
            )
        params["page"][target.name] = size
        body, size = _get(urls["search"])
        codes, total = _listing(target, body)
        if not codes or (total is not None and len(codes) != min(20, total)):
            raise BenchError(f"{target.name}: search gave {len(codes)} results of {total}")
        params["search"][target.name] = size
        params["search_totals"][target.name] = total
        body, size = _get(urls["item"])
        record = _record(target, body)
        if record.get("code") != params["code"]:
            raise BenchError(f"{target.name}: item answered {record.get('code')}")
        if reference is None:
            reference = record
        elif record != reference:
            differing = sorted(
                k for k in reference.keys() | record.keys() if reference.get(k) != record.get(k)
            )
            message = f"{target.name}: the item's record differs in {differing}"
            if target.backend == "sqlite":
                raise BenchError(message)
            print(f"warning: {message}", file=sys.stderr)
        params["item"][target.name] = size
        params["csv_first"][target.name] = _check_csv(
            target, urls["csv"], work, header, params["rows"]
        )


def _check_csv(target, url: str, work: Path, header: list[str], rows: int) -> tuple[float, int]:
    """Download the whole CSV once, check header and row count; its seconds and bytes."""
    path = work / "check.csv"
    seconds, size = timed_download(url, path)
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            got = next(reader, [])
            count = sum(1 for _ in reader)
    finally:
        path.unlink(missing_ok=True)
    if got != header or count != rows:
        raise BenchError(
            f"{target.name}: CSV has {count} rows (expected {rows}); header "
            f"{'matches' if got == header else f'differs: {got[:5]}…'}"
        )
    return seconds, size


def git_commit(root: Path) -> str:
    out = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return out.stdout.strip()
