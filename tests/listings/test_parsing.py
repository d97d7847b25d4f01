"""Filters and dates are parsed without a session, one way, with every problem named."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from qingdan_api.domain.errors import InvalidArguments
from qingdan_api.listings.dates import DateError, parse_moment
from qingdan_api.listings.filters import ItemFilters, parse_filters, region_filter

CHINA = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("text", "side", "expected"),
    [
        ("20261130", "start", datetime(2026, 11, 30, tzinfo=CHINA)),
        ("2026-11-30", "start", datetime(2026, 11, 30, tzinfo=CHINA)),
        ("2026-11-30", "end", datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=CHINA)),
        ("20261130", "end", datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=CHINA)),
        ("2026-11-30T08:30", "end", datetime(2026, 11, 30, 8, 30, tzinfo=CHINA)),
        ("20261130T083000", "start", datetime(2026, 11, 30, 8, 30, tzinfo=CHINA)),
        ("2026-11-30T00:30Z", "start", datetime(2026, 11, 30, 8, 30, tzinfo=CHINA)),
        ("2026-11-30T08:30:00+08:00", "end", datetime(2026, 11, 30, 8, 30, tzinfo=CHINA)),
    ],
)
def test_dates_in_compact_and_extended_forms(text, side, expected):
    assert parse_moment(text, side) == expected


@pytest.mark.parametrize(
    "text", ["", "soon", "2026-13-01", "2026-02-30", "2026W481", "9999-12-31T25:00"]
)
def test_other_text_is_not_a_date(text):
    with pytest.raises(DateError):
        parse_moment(text, "start")


def test_the_last_day_of_the_calendar_is_not_an_overflow():
    with pytest.raises(DateError):
        parse_moment("9999-12-31", "end")


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("44", "44"),
        ("4401", "4401"),
        ("440100", "4401"),
        ("440118", "440118"),
        ("440118101", "440118101"),
        ("440118101000", "440118101"),
        ("440000", "44"),
    ],
)
def test_region_codes_of_any_level(code, prefix):
    assert region_filter(code) == prefix


def test_filters_parse_to_tuples_and_report_every_problem():
    filters = parse_filters({"category": ["01", "penalty", "01"], "region": "4401"})
    assert filters == ItemFilters(category=("01", "02"), region=("4401",))
    with pytest.raises(InvalidArguments) as caught:
        parse_filters({"category": ["99"], "region": ["4"], "source": ["2147483648"], "at": "x"})
    assert set(caught.value.errors["query"]) == {"category", "region", "source", "at"}
