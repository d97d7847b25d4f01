"""Check and build the codes that identify units and items.

- 统一社会信用代码 (GB 32100-2015): 18 characters, two check characters: the inner
  organisation code's (GB 11714) and the whole code's.
- 行政区划代码 (GB/T 2260): 6 digits, or 12 with township and village.
- 基本编码: origin (2) + category (2) + sector (2) + main item (3) + sub-item (3).
- 实施编码: implementing unit's credit code (18) + level (1) + basic code (12).

Every check raises `CodeError` naming the segment that is wrong, so an editor can fix it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .vocabularies import codes as vocabulary_codes

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # letters count A=10 … Z=35

# ASCII only: `\d` alone would also accept full-width and other Unicode digits.
_REGION = re.compile(r"\d{6}(\d{6})?", re.ASCII)
_BASIC = re.compile(r"\d{12}", re.ASCII)


class CodeError(ValueError):
    """A code is malformed; `segment` names the part that is wrong."""

    def __init__(self, kind: str, segment: str, message: str):
        super().__init__(f"{kind}: {segment}: {message}")
        self.kind = kind
        self.segment = segment
        self.message = message


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def org_check_char(first8: str) -> str:
    total = sum(ORG_CHARSET.index(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_credit_code(code: str) -> str:
    """Return the code if it is a valid unified social credit code, else raise CodeError."""
    kind = "统一社会信用代码"
    if not isinstance(code, str) or len(code) != 18:
        raise CodeError(kind, "length", "must be 18 characters")
    bad = [c for c in code if c not in CREDIT_CHARSET]
    if bad:
        raise CodeError(kind, "charset", f"character {bad[0]!r} is not allowed (no I, O, S, V, Z)")
    validate_region_code(code[2:8])
    org = code[8:17]
    if any(c not in ORG_CHARSET for c in org[:8]):
        raise CodeError(kind, "organisation code", "must be digits or capital letters")
    if org_check_char(org[:8]) != org[8]:
        raise CodeError(
            kind, "organisation code check", f"expected {org_check_char(org[:8])}, got {org[8]}"
        )
    expected = credit_check_char(code[:17])
    if expected != code[17]:
        raise CodeError(kind, "check character", f"expected {expected}, got {code[17]}")
    return code


def validate_org_code(code: str) -> str:
    """Return the code if it is a valid 9-character organisation code (GB 11714), else raise.

    The check character is the ninth: weights 3,7,9,10,5,8,4,2 over the first eight
    (letters A=10 … Z=35), `11 - sum mod 11`, 10 -> X, 11 -> 0.
    """
    kind = "组织机构代码"
    if not isinstance(code, str) or len(code) != 9:
        raise CodeError(kind, "length", "must be 9 characters (8 and a check character)")
    if any(c not in ORG_CHARSET for c in code[:8]):
        raise CodeError(kind, "charset", "must be digits or capital letters")
    if org_check_char(code[:8]) != code[8]:
        raise CodeError(
            kind, "check character", f"expected {org_check_char(code[:8])}, got {code[8]}"
        )
    return code


def normalise_unit_code(value: str) -> str:
    """A unit code as sources write it, tidied: trimmed, upper case, the org code's hyphen gone.

    `68236467-9` -> `682364679`; ` 11511301452259996u` -> `11511301452259996U`. The result
    still has to pass validate_credit_code or validate_org_code.
    """
    value = value.strip().upper()
    if len(value) == 10 and value[8] == "-":
        value = value[:8] + value[9]
    return value


def validate_region_code(code: str) -> str:
    if not isinstance(code, str) or not _REGION.fullmatch(code):
        raise CodeError("行政区划代码", "region", "must be 6 or 12 digits")
    if code[:2] == "00":
        raise CodeError("行政区划代码", "province", "province segment cannot be 00")
    return code


@dataclass(frozen=True)
class BasicCode:
    origin: str
    category: str
    sector: str
    main: str
    sub: str

    @property
    def is_sub_item(self) -> bool:
        return self.sub != "000"

    @property
    def main_code(self) -> str:
        """The basic code of this item's main item (itself when it is a main item)."""
        return f"{self.origin}{self.category}{self.sector}{self.main}000"

    def __str__(self) -> str:
        return f"{self.origin}{self.category}{self.sector}{self.main}{self.sub}"


def parse_basic_code(code: str, category: str | None = None) -> BasicCode:
    """Parse a 12-digit basic code; with `category`, also check the category segment."""
    kind = "基本编码"
    if not isinstance(code, str) or not _BASIC.fullmatch(code):
        raise CodeError(kind, "length", "must be 12 digits")
    basic = BasicCode(code[0:2], code[2:4], code[4:6], code[6:9], code[9:12])
    if basic.category not in vocabulary_codes("categories"):
        raise CodeError(kind, "category", f"{basic.category} is not a category code")
    if category is not None and basic.category != category:
        raise CodeError(
            kind, "category", f"segment {basic.category} does not match the category {category}"
        )
    if basic.main == "000":
        raise CodeError(kind, "main item", "main item sequence cannot be 000")
    return basic


@dataclass(frozen=True)
class ImplementationCode:
    credit_code: str
    level: str
    basic: BasicCode

    def __str__(self) -> str:
        return f"{self.credit_code}{self.level}{self.basic}"


def parse_implementation_code(code: str, category: str | None = None) -> ImplementationCode:
    """Parse and check a 31-character implementation code in full."""
    kind = "实施编码"
    if not isinstance(code, str) or len(code) != 31:
        raise CodeError(kind, "length", "must be 31 characters (credit code + level + basic code)")
    validate_credit_code(code[:18])
    level = code[18]
    if level not in vocabulary_codes("levels"):
        raise CodeError(kind, "level", f"{level!r} is not a level code (1-7)")
    return ImplementationCode(code[:18], level, parse_basic_code(code[19:], category))


def is_implementation_code(code: str) -> bool:
    try:
        parse_implementation_code(code)
    except CodeError:
        return False
    return True


def next_basic_code(origin: str, category: str, sector: str, taken: Iterable[str]) -> str:
    """Allocate the next free main-item basic code after the highest one already taken."""
    prefix = f"{origin}{category}{sector}"
    used = [int(c[6:9]) for c in taken if c.startswith(prefix)]
    following = max(used, default=0) + 1
    if following > 999:
        raise CodeError("基本编码", "main item", f"no free main item sequence under {prefix}")
    return str(parse_basic_code(f"{prefix}{following:03d}000", category))


def next_sub_item_code(main: str, taken: Iterable[str]) -> str:
    """Allocate the next free sub-item basic code under a main item's basic code."""
    basic = parse_basic_code(main)
    prefix = basic.main_code[:9]
    used = [int(c[9:12]) for c in taken if c.startswith(prefix)]
    following = max(used, default=0) + 1
    if following > 999:
        raise CodeError("基本编码", "sub-item", f"no free sub-item sequence under {prefix}")
    return f"{prefix}{following:03d}"


def make_credit_code(region: str, org_body: str, registration: str = "11") -> str:
    """Build a valid credit code from a region and the 8-character organisation body.

    Raises CodeError (naming the segment) rather than returning a code that would not
    validate, e.g. for a region starting with 00 or a body using I, O, S, V or Z.
    """
    kind = "统一社会信用代码"
    validate_region_code(region)
    if not isinstance(org_body, str) or len(org_body) != 8:
        raise CodeError(kind, "organisation code", "the body must be 8 characters")
    if not isinstance(registration, str) or len(registration) != 2:
        raise CodeError(kind, "registration", "must be 2 characters")
    bad = [c for c in registration + org_body if c not in CREDIT_CHARSET]
    if bad:
        raise CodeError(kind, "charset", f"character {bad[0]!r} is not allowed (no I, O, S, V, Z)")
    first17 = registration + region + org_body + org_check_char(org_body)
    return validate_credit_code(first17 + credit_check_char(first17))


def region_prefix(code: str) -> str:
    """The prefix shared by a region and every region beneath it.

    440000 (a province) -> "44"; 440100 (a city) -> "4401"; 440118 -> "440118";
    440118101000 (a township) -> "440118101".
    """
    validate_region_code(code)
    if len(code) == 12:
        if code.endswith("000000"):
            code = code[:6]
        else:
            return code[:9] if code.endswith("000") else code
    for cut in (2, 4):
        if code.endswith("00" * (3 - cut // 2)):
            return code[:cut]
    return code
