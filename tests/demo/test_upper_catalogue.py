"""The demo's upper-level catalogue keeps one entry per basic code at any demo size."""

from __future__ import annotations

from qingdan_api.demo.upper import catalogue_rows


def _item(code: str) -> dict:
    return {
        "_state": "published",
        "basic_code": code,
        "name": f"事项{code}",
        "category": "01",
        "level": "3",
        "legal_bases": [],
    }


def test_planted_entries_yield_to_items_that_reach_their_codes():
    # A 1M-item demo generates sequences 990-992 itself (it failed with 与第 N 行重复).
    items = [_item(code) for code in ("440101990000", "440101991000", "442001992000")]
    rows = catalogue_rows(items, sectors=["01", "02"])
    codes = [row[0] for row in rows]
    assert len(codes) == len(set(codes))
    assert {"440102990000", "440102991000", "442002992000"} <= set(codes)  # still planted
    assert next(r for r in rows if r[0] == "440101991000")[1] == "事项440101991000"
