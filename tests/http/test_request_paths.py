"""Path parameters that can name nothing are a 404 on every route, never a 500.

Swept over the app's URL map on SQLite and PostgreSQL: every integer parameter with
values beyond a 32-bit column (PostgreSQL failed from 2^31, SQLite from 2^63), and every
string parameter with characters no column holds (NUL made PostgreSQL fail).
"""

from __future__ import annotations

import pytest

from .conftest import assert_envelope
from .sweep import build, integer_arguments, rules

pytestmark = pytest.mark.usefixtures("world")

BIG = [2**31, 2**31 + 1, 2**63 - 1, 2**63, 2**64, 10**30]
UNSTORABLE = ["\x00", "a\x00b", "\x07", "x\x1b[0m", "\x7f"]


def _routes(app):
    for rule in rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _call(client, world, method, url):
    headers = world["tokens"]["admin"]
    if method == "GET":
        return client.get(url, headers=headers)
    return client.open(url, method=method, json={}, headers=headers)


def test_the_sweep_sees_integer_parameters(app):
    """So that the sweeps below cannot pass by finding nothing."""
    names = {name for rule in rules(app) for name in integer_arguments(rule)}
    assert {"release_id", "number", "source_id"} <= names


def test_integers_beyond_a_column_are_404(app, client, world):
    failures = []
    for rule, method in _routes(app):
        for name in integer_arguments(rule):
            for number in BIG:
                url = build(app, rule, world, **{name: number})
                response = _call(client, world, method, url)
                if response.status_code != 404:
                    failures.append((method, url, response.status_code))
                else:
                    assert_envelope(response)
    assert not failures


def test_unstorable_characters_in_path_strings_are_404(app, client, world):
    failures = []
    for rule, method in _routes(app):
        strings = [n for n in rule.arguments if n not in integer_arguments(rule)]
        for name in strings:
            if name in ("ext", "filename"):  # a fixed choice, and static assets
                continue
            for text in UNSTORABLE:
                url = build(app, rule, world, **{name: world[name] + text})
                response = _call(client, world, method, url)
                if response.status_code >= 500 or response.status_code < 400:
                    failures.append((method, url, response.status_code))
                elif response.is_json:
                    assert_envelope(response)
    assert not failures


def test_a_huge_if_match_is_412_not_500(client, world):
    code = world["draft_code"]
    response = client.patch(
        f"/api/items/{code}",
        json={"name": "改名"},
        headers={**world["tokens"]["editor"], "If-Match": f'"{2**63}"'},
    )
    assert_envelope(response, 412)
