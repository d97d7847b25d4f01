"""Whatever is typed into @search and @suggest, the answer is a 200 or a 400, never a 500."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HOSTILE = [
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(a b, 2)",
    "*",
    "^",
    ":",
    "a:b",
    "name:食品",
    "codes : x",
    "许可 AND 处罚",
    "许可 OR",
    "NOT 许可",
    "-许可",
    "+许可",
    '"',
    '""',
    "'",
    "''",
    "'许可'",
    '"未闭合',
    "(",
    ")",
    "((许可",
    "许可))",
    "[",
    "]",
    "{",
    "}",
    "{name}: 许可",
    "许可*",
    "*许可",
    "^许可",
    "许可:*",
    "许可 & 处罚",
    "许可 | 处罚",
    "!许可",
    "<->",
    "许可 <-> 处罚",
    "\\",
    "\\\\",
    "%",
    "_",
    "%许可%",
    "\x00",
    "许\x00可",
    "\x01\x02\x1f",
    "\t\n\r",
    "\u200b",
    "\ufeff许可",
    "\ud800",
    "\udfff许可",
    "\U0001f600",
    "ｆｏｏ１２３",
    "１１４４",
    "🙂许可",
    "\u202e许可",
    "a" * 201,
    "许" * 200,
    "许可 " * 40,
    "0" * 40,
    "1" * 31,
    "SELECT * FROM items; --",
    "'; DROP TABLE items; --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "%ff",
    " ",
    "",
    "的",
    "的的的",
    "-",
    "--",
    "许可-",
    "-00001-",
    "0",
    "00",
    "000",
    "0000",
]


def _get(app, path: str, q: str) -> int:
    # Encode by hand: lone surrogates cannot be UTF-8 encoded by the test client itself.
    raw = quote(q, safe="", errors="surrogatepass")
    return app.test_client().get(f"{path}?q={raw}").status_code


def test_fixed_hostile_strings(city):
    for q in HOSTILE:
        for path in ("/api/@search", "/api/@suggest"):
            assert _get(city, path, q) in (200, 400), (path, q)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(q=st.text(max_size=60))
def test_generated_strings(city, q):
    for path in ("/api/@search", "/api/@suggest"):
        assert _get(city, path, q) in (200, 400), (path, q)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    q=st.lists(
        st.sampled_from(
            [
                '"',
                "*",
                "(",
                ")",
                ":",
                "^",
                "AND",
                "OR",
                "NOT",
                "许可",
                "食品",
                "4401",
                "-",
                "'",
                "&",
                "|",
                "!",
                " ",
                "\x00",
                "NEAR",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_generated_operator_soup(city, q):
    for path in ("/api/@search", "/api/@suggest"):
        assert _get(city, path, q) in (200, 400), (path, q)


def test_bad_input_is_a_400_naming_q(client):
    for q in ("", "   ", "*", "a" * 201):
        body = client.get("/api/@search", query_string={"q": q}).get_json()
        assert body["code"] == 400 and "q" in body["errors"]["query"], q
    assert client.get("/api/@search").status_code == 400
