"""Query arguments of every listing: one base schema, one page-argument schema, filters, dates.

Every query schema derives from `QueryArguments`, which
- rejects unknown parameters;
- rejects a parameter given more than once, unless it is a filter that takes several
  values (documented as an array; the values mean "any of them");
- reports every problem at once, by parameter name, in the error envelope's `errors`.

Every paged listing takes `PageArguments`: `limit` from 1 to QINGDAN_MAX_PAGE_SIZE (the
change feed, a protocol for mirrors, declares its own larger maximum) and an opaque
`cursor`. Integers are bounded by the column they are compared with, so no value reaches
the database that the database cannot hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..listings.dates import FORMS, DateError, Side, parse_moment
from ..listings.filters import FilterError, parse_values

INT32_MAX = 2**31 - 1  # an INTEGER column (ids, sequence numbers, version numbers)
REPEATED = "given more than once; only filters take several values"


def _merge(into: dict, more: dict) -> dict:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = [*into[key], *(v for v in value if v not in into[key])]
        else:
            into[key] = value
    return into


class QueryArguments(Schema):
    """Base of every query schema: unknown and repeated parameters are 400s, all at once."""

    class Meta:
        unknown = RAISE

    def _repeated(self, data: Any) -> dict[str, list[str]]:
        multidict = getattr(data, "data", None)  # webargs' MultiDictProxy over request.args
        if multidict is None or not hasattr(multidict, "getlist"):
            return {}
        several = {
            (f.data_key or name)
            for name, f in self.fields.items()
            if isinstance(f, fields.List | fields.Tuple)
        }
        known = {(f.data_key or name) for name, f in self.fields.items()}
        return {
            key: [REPEATED]
            for key in multidict
            if key in known and key not in several and len(multidict.getlist(key)) > 1
        }

    def load(self, data, *, many=None, partial=None, unknown=None):
        problems = self._repeated(data)
        try:
            # Always RAISE: webargs passes EXCLUDE for query strings unless told otherwise.
            result = super().load(data, many=many, partial=partial, unknown=RAISE)
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
            problems = _merge(problems, messages)
            result = None
        if problems:
            raise ValidationError(problems)
        return result


class Integer(fields.Integer):
    """An integer written in ASCII digits, with an optional minus sign, and nothing else.

    marshmallow converts with `int()`, which also takes "5_0" (50), "+5", " 5 " and any
    Unicode decimal digit ("٣" is 3, "５" is 5): a client's typo or a tampered link would
    silently become another page or another filter.
    """

    def _validated(self, value):
        if isinstance(value, str) and not (value.isascii() and value.removeprefix("-").isdigit()):
            raise self.make_error("invalid")
        return super()._validated(value)


class BoundedInteger(Integer):
    """An integer from `minimum` to `maximum` (default: what an INTEGER column holds)."""

    def __init__(self, *, minimum: int = 0, maximum: int = INT32_MAX, **kwargs):
        super().__init__(strict=False, validate=validate.Range(min=minimum, max=maximum), **kwargs)


class Limit(Integer):
    """`limit`: 1 to QINGDAN_MAX_PAGE_SIZE, or to the listing's own `maximum`."""

    def __init__(self, *, maximum: int | None = None, **kwargs):
        self.maximum = maximum
        kwargs.setdefault("load_default", None)
        metadata = {"minimum": 1, **({"maximum": maximum} if maximum else {})}
        super().__init__(metadata={**metadata, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        maximum = self.maximum or current_app.config["QINGDAN_MAX_PAGE_SIZE"]
        if not 1 <= number <= maximum:
            raise ValidationError(f"from 1 to {maximum} per page")
        return number


def document_page_limit(maximum: int):
    """An apispec attribute function: `limit` fields document this app's maximum page size.

    Register it on the app's marshmallow plugin converter (extension.py), so the OpenAPI
    document states the bound QINGDAN_MAX_PAGE_SIZE really sets.
    """

    def attribute(_converter, field, **_kwargs) -> dict:
        if isinstance(field, Limit) and field.maximum is None:
            return {"maximum": maximum}
        return {}

    return attribute


class PageArguments(QueryArguments):
    """The page arguments of every paged listing."""

    limit = Limit(
        metadata={"description": "page size, 1 to QINGDAN_MAX_PAGE_SIZE (200); default 25"}
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=1000),
        metadata={"description": "opaque cursor from a batching link"},
    )


class Filter(fields.List):
    """A filter taking several values (repeat the parameter): any of them matches.

    `parse` checks and normalises one value (listings/filters.py); the loaded value is a
    tuple of normalised values.
    """

    def __init__(
        self,
        parse: Callable[[Sequence[str]], tuple[Any, ...]] | str,
        description: str,
        item: fields.Field | None = None,
        **kwargs,
    ):
        self.parse = (
            (lambda values: parse_values(parse, values)) if isinstance(parse, str) else parse
        )
        super().__init__(
            item or fields.String(),
            load_default=(),
            metadata={"description": f"{description}; repeat for any of several values"},
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        values = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, str) for v in values):
            raise ValidationError("text values")
        try:
            return self.parse(values)
        except FilterError as exc:
            raise ValidationError(str(exc)) from exc


class Moment(fields.String):
    """A date or date-time (listings/dates.py); a bare date means its day's `side`."""

    def __init__(self, side: Side, description: str, **kwargs):
        self.side = side
        meaning = "its first instant" if side == "start" else "its end (23:59:59.999999)"
        super().__init__(
            load_default=None,
            metadata={
                "description": f"{description}: {FORMS}; a bare date means {meaning}, "
                "China time where no zone is given",
                "x-qingdan-date": side,
            },
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_moment(text, self.side)
        except DateError as exc:
            raise ValidationError(str(exc)) from exc
