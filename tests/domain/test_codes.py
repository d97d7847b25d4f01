"""Code checks and builders: credit codes, region codes, basic and implementation codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingdan_api.domain.codes import (
    CREDIT_CHARSET,
    CodeError,
    credit_check_char,
    is_implementation_code,
    make_credit_code,
    next_basic_code,
    next_sub_item_code,
    org_check_char,
    parse_basic_code,
    parse_implementation_code,
    validate_credit_code,
    validate_region_code,
)

REAL_CODES = ["11440100007482575H", "11440000MB2D0164XH"]
SAMPLE_UNIT = "11449901MB0000019M"
SAMPLE_ITEM = SAMPLE_UNIT + "3" + "440112001000"


def segment_of(call, *args, **kwargs) -> str:
    with pytest.raises(CodeError) as info:
        call(*args, **kwargs)
    return info.value.segment


# --- unified social credit codes --------------------------------------------------------


@pytest.mark.parametrize("code", [*REAL_CODES, SAMPLE_UNIT])
def test_real_credit_codes_pass(code):
    assert validate_credit_code(code) == code


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_other_final_check_char_fails(code):
    wrong = [c for c in CREDIT_CHARSET if c != code[-1]]
    assert len(wrong) == 30
    for c in wrong:
        assert segment_of(validate_credit_code, code[:-1] + c) == "check character"


def test_check_char_is_computed_from_the_weights():
    # 11440100007482575H: recompute by hand to pin the formula, not just the function.
    code = REAL_CODES[0]
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(code[:17], weights, strict=True))
    assert CREDIT_CHARSET[(31 - total % 31) % 31] == "H" == credit_check_char(code[:17])


@pytest.mark.parametrize("code", REAL_CODES)
def test_broken_organisation_code_check_is_named(code):
    # Change the organisation code's own check char, then re-seal the whole code so that
    # only the inner check is wrong.
    for c in "0123456789X":
        if c == code[16]:
            continue
        first17 = code[:16] + c
        broken = first17 + credit_check_char(first17)
        assert segment_of(validate_credit_code, broken) == "organisation code check"


def test_organisation_check_char_examples():
    assert org_check_char("00748257") == "5"
    assert org_check_char("MB2D0164") == "X"


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_outside_the_charset_are_rejected(letter):
    for position in (0, 9, 17):
        code = REAL_CODES[1][:position] + letter + REAL_CODES[1][position + 1 :]
        assert segment_of(validate_credit_code, code) == "charset"


@pytest.mark.parametrize("code", ["", "11440100007482575", "11440100007482575HH", None, 11])
def test_credit_code_length(code):
    assert segment_of(validate_credit_code, code) == "length"


def test_lowercase_is_not_accepted():
    assert segment_of(validate_credit_code, REAL_CODES[1].lower()) == "charset"


def test_credit_code_region_segment_is_checked():
    first17 = "1100990100748257"[:8] + "007482575"
    bad_region = first17 + credit_check_char(first17)
    assert segment_of(validate_credit_code, bad_region) == "province"


# --- region codes -----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["449901", "440100", "449901001000", "110101001001"])
def test_region_codes_of_6_and_12_digits(code):
    assert validate_region_code(code) == code


@pytest.mark.parametrize(
    "code", ["", "44990", "4499011", "44990100100", "4499010010001", "44990A", "44 901", None]
)
def test_region_codes_of_other_lengths_are_rejected(code):
    assert segment_of(validate_region_code, code) == "region"


def test_region_province_00_is_rejected():
    assert segment_of(validate_region_code, "009901") == "province"


@pytest.mark.parametrize("code", ["４４９９０１", "٤٤٩٩٠١", "449901\n"])
def test_region_codes_are_ascii_digits_only(code):
    assert segment_of(validate_region_code, code) == "region"


# --- basic codes ------------------------------------------------------------------------


def test_basic_code_parses_into_segments():
    basic = parse_basic_code("440118009000")
    assert (basic.origin, basic.category, basic.sector, basic.main, basic.sub) == (
        "44",
        "01",
        "18",
        "009",
        "000",
    )
    assert not basic.is_sub_item
    assert str(basic) == "440118009000"
    sub = parse_basic_code("440118009002", "01")
    assert sub.is_sub_item
    assert sub.main_code == "440118009000"


@pytest.mark.parametrize("code", ["", "44011800900", "4401180090000", "44011800900A", None])
def test_basic_code_length(code):
    assert segment_of(parse_basic_code, code) == "length"


@pytest.mark.parametrize("code", ["４４0118009000", "44011800900٠"])
def test_basic_code_ascii_digits_only(code):
    assert segment_of(parse_basic_code, code) == "length"


@pytest.mark.parametrize("category", ["00", "12", "99"])
def test_basic_code_unknown_category(category):
    assert segment_of(parse_basic_code, f"44{category}18009000") == "category"


def test_planning_extension_category_is_known():
    assert parse_basic_code("441118009000").category == "11"


def test_basic_code_category_must_match_the_item():
    assert parse_basic_code("440218009000", "02").category == "02"
    assert segment_of(parse_basic_code, "440218009000", "01") == "category"


def test_basic_code_main_000_is_rejected():
    assert segment_of(parse_basic_code, "440118000000") == "main item"
    assert segment_of(parse_basic_code, "440118000001") == "main item"


# --- implementation codes ---------------------------------------------------------------


def test_implementation_code_parses():
    code = parse_implementation_code(SAMPLE_ITEM, "01")
    assert code.credit_code == SAMPLE_UNIT
    assert code.level == "3"
    assert str(code.basic) == "440112001000"
    assert str(code) == SAMPLE_ITEM
    assert is_implementation_code(SAMPLE_ITEM)


@pytest.mark.parametrize("code", ["", SAMPLE_ITEM[:-1], SAMPLE_ITEM + "0", None])
def test_implementation_code_length(code):
    assert segment_of(parse_implementation_code, code) == "length"
    assert not is_implementation_code(code)


@pytest.mark.parametrize("level", ["0", "8", "9", "A"])
def test_implementation_code_bad_level(level):
    code = SAMPLE_UNIT + level + "440112001000"
    assert segment_of(parse_implementation_code, code) == "level"


@pytest.mark.parametrize(
    ("code", "category", "segment"),
    [
        (SAMPLE_UNIT[:-1] + "A" + "3440112001000", None, "check character"),
        (SAMPLE_UNIT[:-1] + "I" + "3440112001000", None, "charset"),
        (SAMPLE_UNIT + "3" + "449912001000", None, "category"),
        (SAMPLE_UNIT + "3" + "440112001000", "02", "category"),
        (SAMPLE_UNIT + "3" + "440112000000", None, "main item"),
        (SAMPLE_UNIT + "3" + "4401120010A0", None, "length"),
    ],
)
def test_implementation_code_inner_parts_name_their_segment(code, category, segment):
    assert len(code) == 31
    assert segment_of(parse_implementation_code, code, category) == segment


# --- allocation ---------------------------------------------------------------------------


def test_next_basic_code_starts_at_001():
    assert next_basic_code("44", "02", "12", []) == "440212001000"


def test_next_basic_code_allocates_after_the_max_of_its_prefix():
    taken = ["440212003000", "440212007002", "440212005000", "440213050000", "440112090000"]
    assert next_basic_code("44", "02", "12", taken) == "440212008000"
    assert next_basic_code("44", "02", "12", iter(taken)) == "440212008000"


def test_next_basic_code_refuses_past_999():
    assert next_basic_code("44", "02", "12", ["440212998000"]) == "440212999000"
    assert segment_of(next_basic_code, "44", "02", "12", ["440212999000"]) == "main item"


def test_next_basic_code_checks_the_category():
    assert segment_of(next_basic_code, "44", "13", "12", []) == "category"


def test_next_sub_item_code_allocates_after_the_max():
    main = "440212007000"
    assert next_sub_item_code(main, [main]) == "440212007001"
    taken = [main, "440212007001", "440212007004", "440212008009"]
    assert next_sub_item_code(main, taken) == "440212007005"


def test_next_sub_item_code_refuses_past_999():
    main = "440212007000"
    assert next_sub_item_code(main, [main, "440212007998"]) == "440212007999"
    assert segment_of(next_sub_item_code, main, [main, "440212007999"]) == "sub-item"


# --- building credit codes ----------------------------------------------------------------


def test_make_credit_code_rebuilds_real_codes():
    for code in REAL_CODES:
        assert make_credit_code(code[2:8], code[8:16], code[:2]) == code


_body_chars = st.sampled_from(CREDIT_CHARSET)
_regions = st.from_regex(r"[1-9][0-9]{5}", fullmatch=True) | st.from_regex(
    r"[0-9][1-9][0-9]{4}", fullmatch=True
)


@given(
    region=_regions,
    body=st.text(_body_chars, min_size=8, max_size=8),
    registration=st.text(_body_chars, min_size=2, max_size=2),
)
def test_make_credit_code_always_validates(region, body, registration):
    code = make_credit_code(region, body, registration)
    assert len(code) == 18
    assert code.startswith(registration + region + body)
    assert validate_credit_code(code) == code


@given(region=_regions, body=st.text(_body_chars, min_size=8, max_size=8))
def test_government_codes_start_with_11(region, body):
    assert make_credit_code(region, body).startswith("11")


@pytest.mark.parametrize(
    ("region", "body", "segment"),
    [
        ("009901", "MB000001", "province"),
        ("44990", "MB000001", "region"),
        ("449901", "MB00001", "organisation code"),
        ("449901", "MB00000I", "charset"),
    ],
)
def test_make_credit_code_refuses_inputs_that_cannot_make_a_valid_code(region, body, segment):
    assert segment_of(make_credit_code, region, body) == segment
