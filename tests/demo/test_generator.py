"""The demo data generator: deterministic, valid codes, the record shape, lifecycle keys."""

from __future__ import annotations

import itertools
import json
import types
from collections import Counter
from pathlib import Path

import pytest

from qingdan_api.demo.generator import generate_items, generate_units, main
from qingdan_api.domain.codes import (
    parse_basic_code,
    parse_implementation_code,
    validate_credit_code,
    validate_region_code,
)
from qingdan_api.domain.vocabularies import codes, keys

SAMPLE = json.loads((Path(__file__).parents[1] / "fixtures" / "sample_record.json").read_text())
RECORD_KEYS = set(SAMPLE)
EXTRA_KEYS = {"_state", "_versions", "_published_at"}
STATES = {"published", "draft", "in_review", "returned", "withdrawn"}


@pytest.fixture(scope="module")
def units():
    return generate_units()


@pytest.fixture(scope="module")
def items(units):
    return list(generate_items(units, total=3000))


def test_units_are_deterministic_and_seeded():
    assert generate_units(seed=7) == generate_units(seed=7)
    assert generate_units(seed=1) != generate_units(seed=2)


def test_units(units):
    assert 35 <= len(units) <= 45
    assert len({u["credit_code"] for u in units}) == len(units)
    kinds = Counter(u["kind"] for u in units)
    assert kinds["department"] >= 28
    assert kinds["township"] >= 3 and kinds["subdistrict"] >= 2
    assert kinds["agency"] == 1 and kinds["institution"] == 1
    assert set(kinds) <= keys("unit-kinds")
    by_code = {u["credit_code"]: u for u in units}
    for unit in units:
        assert set(unit) == {
            "credit_code", "name", "kind", "region_code", "parent_credit_code",
            "zero_report", "zero_report_reason", "nature", "sector",
        }  # fmt: skip
        assert validate_credit_code(unit["credit_code"]).startswith("11")
        assert unit["name"].startswith("临江市")
        assert validate_region_code(unit["region_code"]).startswith("449901")
        assert unit["nature"] in codes("natures")
        assert len(unit["sector"]) == 2 and unit["sector"].isdigit()
        if unit["kind"] in ("township", "subdistrict"):
            assert len(unit["region_code"]) == 12 and unit["region_code"].endswith("000")
        if unit["kind"] == "agency":
            assert by_code[unit["parent_credit_code"]]["name"] == "临江市公安局"
        else:
            assert unit["parent_credit_code"] is None
    zero = [u for u in units if u["zero_report"]]
    assert len(zero) == 1 and zero[0]["zero_report_reason"]
    assert all(u["zero_report_reason"] is None for u in units if not u["zero_report"])


def test_the_fixture_code_is_generated(items):
    # tests/fixtures/sample_record.json names the market regulator's first licence.
    found = [i for i in items if i["code"] == SAMPLE["code"]]
    assert len(found) == 1
    assert found[0]["name"] == SAMPLE["name"]
    assert found[0]["unit"] == SAMPLE["unit"]


def test_items_stream():
    stream = generate_items(generate_units(), total=20_000)
    assert isinstance(stream, types.GeneratorType)
    first = next(stream)
    assert set(first) >= RECORD_KEYS
    assert sum(1 for _ in stream) == 19_999


def test_items_are_deterministic(units):
    first = list(generate_items(units, total=500, seed=3))
    assert first == list(generate_items(units, total=500, seed=3))
    assert first != list(generate_items(units, total=500, seed=4))


def test_counts(units, items):
    assert len(items) == 3000
    assert set(Counter(i["category"] for i in items)) == codes("categories") - {
        "20"
    }  # the demo city lists powers only
    states = Counter(i["_state"] for i in items)
    assert set(states) == STATES
    assert states["published"] > 0.85 * len(items)
    assert 0.1 * len(items) > sum(states[s] for s in ("draft", "in_review", "returned")) > 0
    zero = next(u for u in units if u["zero_report"])
    assert not [i for i in items if i["unit"]["credit_code"] == zero["credit_code"]]
    per_unit = Counter(i["unit"]["credit_code"] for i in items)
    assert len(per_unit) == len(units) - 1
    subs = sum(i["parent_code"] is not None for i in items)
    assert 0.05 * len(items) < subs < 0.15 * len(items)


def test_big_departments_have_many_penalties(units, items):
    penalties = Counter(i["unit"]["name"] for i in items if i["category"] == "02")
    top = {name for name, _ in penalties.most_common(4)}
    assert {"临江市市场监督管理局", "临江市公安局", "临江市城市管理和综合执法局"} <= top


def test_every_code_is_valid_and_unique(units, items):
    sectors = {u["credit_code"]: u["sector"] for u in units}
    for item in items:
        code = parse_implementation_code(item["code"], item["category"])
        assert code.credit_code == item["unit"]["credit_code"]
        assert code.level == item["level"]
        assert str(code.basic) == item["basic_code"] == item["code"][19:]
        assert parse_basic_code(item["basic_code"]).sector == sectors[code.credit_code]
        assert item["basic_code"].startswith("44")
    assert len({i["code"] for i in items}) == len(items)


def test_sub_items_point_to_main_items_of_the_same_unit(items):
    by_code = {i["code"]: i for i in items}
    for item in items:
        if item["parent_code"] is None:
            assert item["basic_code"].endswith("000") and item["sub_item_name"] is None
            continue
        main = by_code[item["parent_code"]]
        assert main["parent_code"] is None
        assert main["unit"] == item["unit"]
        assert main["basic_code"][:9] == item["basic_code"][:9]
        assert item["name"] == main["name"] and item["sub_item_name"]


def test_names_are_unique_ish_per_unit(items):
    names = Counter((i["unit"]["credit_code"], i["name"], i["sub_item_name"]) for i in items)
    assert names.most_common(1)[0][1] == 1


def _records(item):
    yield item
    yield from item["_versions"]


def _check_limits(record):
    statutory, promised = record["statutory_limit"], record["promised_limit"]
    if promised is None or promised["unit"] == "immediate":
        return
    assert statutory["unit"] == promised["unit"]
    assert 0 < promised["amount"] <= statutory["amount"]


def test_every_record_has_exactly_the_sample_keys(items):
    for item in items:
        assert set(item) == RECORD_KEYS | EXTRA_KEYS
        for version in item["_versions"]:
            assert set(version) == RECORD_KEYS | {"_published_at"}
            assert version["code"] == item["code"]


def test_record_values(items):
    for item in items:
        for record in _records(item):
            _check_limits(record)
            assert record["legal_bases"] and record["process_steps"]
            assert record["responsibilities"] and record["accountabilities"]
            assert [s["seq"] for s in record["process_steps"]] == list(
                range(1, len(record["process_steps"]) + 1)
            )
            assert set(record["targets"]) <= codes("targets")
            assert set(record["service_methods"]) <= codes("service-methods")
            assert record["power_source"] in keys("power-sources")
            assert record["disposition"] in keys("dispositions")
            assert record["charged"] == bool(record["fees"])
            for risk in record["risk_points"]:
                assert risk["level"] in keys("risk-levels")
            for basis in record["legal_bases"]:
                assert basis["title"].startswith("《") and basis["article"].startswith("第")
    penalties = [i for i in items if i["category"] == "02"]
    assert sum(bool(i["discretion_standards"]) for i in penalties) > 0.5 * len(penalties)
    assert any(i["charged"] for i in items)


def test_referenced_units_exist(units, items):
    known = {(u["credit_code"], u["name"]) for u in units}
    for item in items:
        refs = [item["unit"], *item["co_implementing_units"]]
        if item["entrusting_unit"]:
            assert item["power_source"] == "entrusted_by_higher"
            refs.append(item["entrusting_unit"])
        assert {(r["credit_code"], r["name"]) for r in refs} <= known
        assert item["unit"]["credit_code"] not in {
            r["credit_code"] for r in item["co_implementing_units"]
        }
    township = [i for i in items if i["level"] == "5"]
    assert township and any(i["entrusting_unit"] for i in township)


def test_lifecycle(items):
    by_code = {i["code"]: i for i in items}
    multi = 0
    for item in items:
        state = item["_state"]
        dates = [v["_published_at"] for v in item["_versions"]] + [item["_published_at"]]
        if state in ("draft", "in_review", "returned"):
            assert item["_published_at"] is None and item["_versions"] == []
            continue
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert dates[0] >= "2025-01-01" and dates[-1] <= "2026-10-31"
        multi += len(item["_versions"]) >= 1
        assert all(v["disposition"] == "retain" for v in item["_versions"])
        if state == "withdrawn":
            assert item["_versions"]
            assert item["disposition"] in ("cancel", "merge") and item["disposition_reason"]
            if item["disposition"] == "merge":
                target = by_code[item["merged_into"]]
                assert target["unit"] == item["unit"] and target["_state"] == "published"
        else:
            assert item["disposition"] == "retain"
    assert 0.06 * len(items) < multi < 0.16 * len(items)
    assert {i["disposition"] for i in items if i["_state"] == "withdrawn"} == {"cancel", "merge"}


def test_earlier_versions_differ(items):
    for item in items:
        if item["_state"] == "published" and item["_versions"]:
            contents = [
                {k: v for k, v in r.items() if not k.startswith("_")} for r in _records(item)
            ]
            assert all(a != b for a, b in itertools.pairwise(contents))


def test_command_line_summary(capsys):
    main(["--items", "300"])
    out = capsys.readouterr().out
    assert "items: 300" in out and "by category" in out
