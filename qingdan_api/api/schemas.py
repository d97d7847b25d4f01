"""Marshmallow schemas: the documented contract of every public response and query.

The item schema is built from the field catalogue (domain/fields.py), so the OpenAPI
document, `@types/item` and the stored record can never disagree about a field.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from ..domain import vocabularies as vocab
from ..domain.fields import ITEM_FIELDS, UNIT_REF, VERSION_FIELDS, Field
from ..listings.filters import MAX_SOURCE_ID, PARSERS, STATUSES, FilterError
from ..services.catalog import SORT_CHOICES
from .arguments import Filter, Integer, Limit, Moment, PageArguments, QueryArguments

SELECTABLE_FIELDS = frozenset(f.name for f in ITEM_FIELDS + VERSION_FIELDS)


def selectable_fields(raw: str) -> None:
    """Validator of `fields`: every name must be a field of the item schema."""
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in SELECTABLE_FIELDS]
    if unknown:
        raise ValidationError(f"unknown field(s): {', '.join(unknown)}; see @types/item")


def _unit_kinds(values) -> tuple[str, ...]:
    known = vocab.keys("unit-kinds")
    wrong = [v for v in values if v not in known]
    if wrong:
        raise FilterError(
            f"unknown value(s) {', '.join(map(repr, wrong))}; see @vocabularies/unit-kinds"
        )
    return tuple(dict.fromkeys(values))


SCALARS = {
    "string": fields.String,
    "integer": fields.Integer,
    "boolean": fields.Boolean,
    "date": fields.String,
    "datetime": fields.String,
}


class UnitLinkSchema(Schema):
    id_ = fields.String(data_key="@id", attribute="@id", metadata={"description": "absolute URL"})


def _marshmallow_field(spec: Field) -> fields.Field:
    meta = {"title": spec.label, "description": spec.description or spec.label}
    if spec.vocabulary:
        meta["description"] += f" (code list: @vocabularies/{spec.vocabulary})"
    if spec.type == "object":
        # Unit references carry the unit's URL, so they get an `@id` like any resource.
        base = UnitLinkSchema if spec.items is UNIT_REF else Schema
        nested = base.from_dict(
            {m.name: _marshmallow_field(m) for m in spec.items},
            name=f"Item{spec.name.title().replace('_', '')}",
        )
        return fields.Nested(nested, allow_none=True, metadata=meta)
    if spec.type == "array":
        if spec.items:
            nested = Schema.from_dict(
                {m.name: _marshmallow_field(m) for m in spec.items},
                name=f"Item{spec.name.title().replace('_', '')}Entry",
            )
            return fields.List(fields.Nested(nested), metadata=meta)
        return fields.List(fields.String(), metadata=meta)
    return SCALARS[spec.type](allow_none=True, metadata=meta)


class LinkedSchema(Schema):
    id_ = fields.String(data_key="@id", attribute="@id", metadata={"description": "absolute URL"})
    type_ = fields.String(data_key="@type", attribute="@type")


class SourceRefSchema(LinkedSchema):
    """The harvest source that harvested content is labelled with (see @sources)."""

    name = fields.String()
    base_url = fields.String()
    region_code = fields.String(allow_none=True)


_SOURCE_FIELD = fields.Nested(
    SourceRefSchema, metadata={"description": "only on harvested content: where it comes from"}
)
ItemSchema = LinkedSchema.from_dict(
    {
        **{spec.name: _marshmallow_field(spec) for spec in ITEM_FIELDS + VERSION_FIELDS},
        "source": _SOURCE_FIELD,
    },
    name="Item",
)
ItemSchema.__doc__ = "One published version of an item: the full public record."


class BatchingSchema(Schema):
    id_ = fields.String(data_key="@id", attribute="@id")
    first = fields.String()
    prev = fields.String()
    next = fields.String()
    last = fields.String()


class ListingSchema(LinkedSchema):
    items_total = fields.Integer(metadata={"description": "items matching the filters"})
    batching = fields.Nested(BatchingSchema)


class ItemListingSchema(ListingSchema):
    items = fields.List(fields.Nested(ItemSchema))


PagingQuery = PageArguments  # the one page-argument schema (api/arguments.py)


class ItemFilterQuery(PageArguments):
    """The filters of /items, shared by /@search and the exports (listings/filters.py)."""

    unit = Filter("unit", PARSERS["unit"][1])
    category = Filter("category", PARSERS["category"][1])
    level = Filter("level", PARSERS["level"][1])
    target = Filter("target", PARSERS["target"][1])
    disposition = Filter("disposition", PARSERS["disposition"][1])
    region = Filter("region", PARSERS["region"][1])
    parent = Filter("parent", PARSERS["parent"][1])
    source = Filter(
        "source",
        PARSERS["source"][1],
        Integer(validate=validate.Range(min=0, max=MAX_SOURCE_ID)),
    )
    basic_code = Filter("basic_code", PARSERS["basic_code"][1])
    law = Filter("law", PARSERS["law"][1])


class ItemQuery(ItemFilterQuery):
    status = fields.String(
        load_default="active",
        validate=validate.OneOf(list(STATUSES)),
        metadata={"description": "active (default), withdrawn, or all"},
    )
    sort = fields.String(
        load_default="code",
        validate=validate.OneOf(SORT_CHOICES),
        metadata={"description": "code, name, published_at or category; prefix - to reverse"},
    )
    fields_ = fields.String(
        data_key="fields",
        load_default=None,
        validate=selectable_fields,
        metadata={"description": "comma-separated fields to return (default: a summary)"},
    )
    at = Moment("end", "what was published then")


class UnitRefSchema(LinkedSchema):
    credit_code = fields.String()
    name = fields.String()


class UnitSchema(LinkedSchema):
    credit_code = fields.String(metadata={"title": "统一社会信用代码"})
    org_code = fields.String(
        allow_none=True,
        metadata={"title": "组织机构代码", "description": "GB 11714 alias; names the unit too"},
    )
    name = fields.String(metadata={"title": "单位名称"})
    short_name = fields.String(allow_none=True, metadata={"title": "单位简称"})
    sector = fields.String(
        allow_none=True, metadata={"title": "行业代码", "description": "its basic codes' segment"}
    )
    revision = fields.Integer(metadata={"description": "the If-Match ETag for admin writes"})
    retired_at = fields.String(allow_none=True, metadata={"title": "撤销时间"})
    kind = fields.String(metadata={"title": "单位类型", "description": "@vocabularies/unit-kinds"})
    kind_label = fields.String()
    nature = fields.String(metadata={"title": "实施主体性质"})
    region_code = fields.String(metadata={"title": "行政区划代码"})
    parent = fields.Nested(UnitRefSchema, allow_none=True)
    zero_report = fields.Boolean(metadata={"title": "零报告"})
    zero_report_reason = fields.String(allow_none=True)
    items_total = fields.Integer()
    alignment_unexplained = fields.Integer(
        metadata={
            "description": "alignment findings about the unit that no reviewer has explained "
            "(see @alignment?unit=); on the single-unit resource only"
        }
    )
    alignment = fields.String(metadata={"description": "URL of the unit's alignment report"})
    item_counts = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "by category"}
    )
    items = fields.String(metadata={"description": "URL of this unit's published items"})
    source = fields.Nested(
        SourceRefSchema, metadata={"description": "only on harvested units: where from"}
    )


class UnitListingSchema(ListingSchema):
    items = fields.List(fields.Nested(UnitSchema))


class UnitQuery(PageArguments):
    kind = Filter(_unit_kinds, "key from @vocabularies/unit-kinds")
    region = Filter("region", PARSERS["region"][1])


class VersionSummarySchema(LinkedSchema):
    version = fields.Integer()
    published_at = fields.String()
    published_by = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    release_id = fields.Integer(allow_none=True)
    content_hash = fields.String()


class VersionListingSchema(ListingSchema):
    items = fields.List(fields.Nested(VersionSummarySchema))


class TermSchema(Schema):
    code = fields.String()
    key = fields.String()
    label = fields.String(metadata={"description": "Chinese label"})
    source = fields.String(metadata={"description": "where the term comes from"})


class VocabularySchema(LinkedSchema):
    name = fields.String()
    title = fields.String()
    stored_as = fields.String(metadata={"description": "'code' or 'key': what records hold"})
    items = fields.List(fields.Nested(TermSchema))
    items_total = fields.Integer()


class FieldSchema(Schema):
    name = fields.String()
    label = fields.String()
    type = fields.String()
    required = fields.Boolean(
        metadata={"description": "required when a draft is submitted (drafts save without it)"}
    )
    vocabulary = fields.String(allow_none=True)
    item_type = fields.String(allow_none=True)
    members = fields.List(fields.Nested(lambda: FieldSchema()))


class TypeSchema(LinkedSchema):
    title = fields.String()
    fields_ = fields.List(fields.Nested(FieldSchema), data_key="fields", attribute="fields")
    save_requires = fields.List(
        fields.String(), metadata={"description": "what a draft needs to be saved at all"}
    )
    submit_requires = fields.List(
        fields.String(),
        metadata={"description": "field paths a draft must fill before it is submitted"},
    )


class ServiceRootSchema(LinkedSchema):
    name = fields.String()
    title = fields.String()
    version = fields.String()
    links = fields.Dict(keys=fields.String(), values=fields.String())


VOCABULARY_NAMES = tuple(vocab.VOCABULARIES)


class SearchQuerySchema(ItemFilterQuery):
    q = fields.String(
        required=True,
        metadata={"description": "words, part of an item name or code; at most 200 characters"},
    )


class FacetValueSchema(Schema):
    value = fields.String()
    label = fields.String(allow_none=True, metadata={"description": "Chinese label"})
    count = fields.Integer()


class SearchHitSchema(ItemSchema):
    score = fields.Float(metadata={"description": "relevance; higher is better"})
    highlights = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "HTML: 'name', and 'text', a passage, with <mark> around hits"},
    )


class SearchResultsSchema(ListingSchema):
    q = fields.String()
    items = fields.List(fields.Nested(SearchHitSchema))
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(FacetValueSchema)),
        metadata={"description": "category, unit, level, target, region: counts of all hits"},
    )
    approximate = fields.Boolean(
        metadata={
            "description": "true when a word matched too many items to rank and count them "
            "all: items_total and facets then count the candidates searched (see @search)"
        }
    )


class SuggestQuerySchema(QueryArguments):
    q = fields.String(required=True, metadata={"description": "what the user typed so far"})
    limit = Limit(maximum=20, load_default=10, metadata={"description": "1 to 20; default 10"})


class SuggestionSchema(Schema):
    id_ = fields.String(data_key="@id", attribute="@id")
    name = fields.String()
    code = fields.String(metadata={"description": "the best match among items of this name"})
    count = fields.Integer(metadata={"description": "published items with this name"})


class SuggestionsSchema(Schema):
    id_ = fields.String(data_key="@id", attribute="@id")
    items = fields.List(fields.Nested(SuggestionSchema))
    items_total = fields.Integer()


class SearchStatusSchema(LinkedSchema):
    backend = fields.String(metadata={"description": "sql or elasticsearch"})
    documents = fields.Integer(metadata={"description": "items in the index"})
    checkpoint = fields.Integer(metadata={"description": "last change-feed seq indexed"})
    last_change = fields.Integer(metadata={"description": "last change-feed seq"})
    lag = fields.Integer(metadata={"description": "changes not yet indexed"})
    sweep_to = fields.Integer(
        allow_none=True,
        metadata={
            "description": "a bulk catch-up under way, indexing items in item order: the "
            "change-feed seq it brings the index to (null: none under way)"
        },
    )
    sweep_item_id = fields.Integer(
        allow_none=True,
        metadata={"description": "the last item the sweep under way has indexed"},
    )
