"""Dates and moments in query parameters, parsed one way everywhere (`at`, `since`, `until`).

Accepted: ISO 8601 dates in the compact (20261130) and extended (2026-11-30) forms, and
date-times in either form (20261130T083000, 2026-11-30T08:30:00, with seconds or minutes
only, with `Z` or an offset such as +08:00). A date-time without a zone is China time
(Asia/Shanghai, UTC+8, no daylight saving since 1991): the lists' own calendar.

A bare date names a whole day, so what it means depends on the side of the range:
- `start` (lower bounds, `since`): the day's first instant, 00:00 China time, included;
- `end` (upper bounds, `until`, and `at`, "as published at the end of that day"): the
  day's last instant, 23:59:59.999999 China time, included.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Literal

CHINA = timezone(timedelta(hours=8), "CST")
FORMS = "a date (2026-11-30 or 20261130) or an ISO date-time (2026-11-30T08:30, China time)"

Side = Literal["start", "end"]


class DateError(ValueError):
    """The text is not a date or date-time in an accepted form."""


def parse_moment(value: str, side: Side) -> datetime:
    """The aware datetime that `value` names; a bare date is its day's `side`.

    Raises DateError for anything else (week dates, ordinal dates, out-of-range fields).
    """
    text = value.strip()
    if not text or not text[0].isdigit() or "W" in text.upper().split("T")[0]:
        raise DateError(FORMS)  # ISO week dates are ISO, but not a calendar day
    try:
        if "T" not in text.upper() and len(text) in (8, 10):
            day = date.fromisoformat(text)
            if side == "start":
                return datetime.combine(day, time(), CHINA)
            return datetime.combine(day + timedelta(days=1), time(), CHINA) - timedelta(
                microseconds=1
            )
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError) as exc:
        raise DateError(FORMS) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)
