"""Documented shapes of the catalogue, alignment, laws and review-queue answers."""

from __future__ import annotations

from marshmallow import Schema, fields

Text = fields.String
OptionalText = lambda **kw: fields.String(allow_none=True, **kw)  # noqa: E731


class EditionSchema(Schema):
    id = fields.Integer()
    source = Text(metadata={"description": "publishing body (发布机关)"})
    edition_date = fields.Date()
    entries_total = fields.Integer()
    imported_at = fields.DateTime()


class EntrySchema(Schema):
    id_ = fields.String(data_key="@id")
    type_ = fields.String(data_key="@type")
    basic_code = Text(metadata={"description": "12-digit basic code (基本编码)"})
    name = Text()
    category = Text(metadata={"description": "@vocabularies/categories key"})
    levels = fields.List(Text(), metadata={"description": "levels that implement it"})
    sector = OptionalText()
    legal_basis_text = OptionalText(metadata={"description": "设定依据, verbatim"})
    legal_refs = fields.List(fields.Dict(), allow_none=True)


class EntryListSchema(Schema):
    id_ = fields.String(data_key="@id")
    edition = fields.Nested(EditionSchema, allow_none=True)
    editions = fields.List(fields.Nested(EditionSchema))
    items = fields.List(fields.Nested(EntrySchema))
    items_total = fields.Integer()
    next = fields.String(metadata={"description": "the next page, when there is one"})


class ImplementingItemSchema(Schema):
    id_ = fields.String(data_key="@id")
    code = Text()
    name = Text()
    level = Text()
    unit = fields.Dict(metadata={"description": "the implementing unit"})


class EntryWithItemsSchema(EntrySchema):
    items = fields.List(fields.Nested(ImplementingItemSchema))
    items_total = fields.Integer()


class FindingSchema(Schema):
    id = Text(metadata={"description": "stable: hash of the kind and keys"})
    kind = Text(metadata={"description": "omission, extra, category, name, law_missing, ..."})
    kind_label = Text()
    message = Text(metadata={"description": "the finding, in Chinese"})
    basic_code = OptionalText()
    item_code = OptionalText()
    units = fields.List(Text())
    detail = fields.Dict()
    explained = fields.Boolean()
    explanation = fields.Dict(allow_none=True)


class AlignmentSummarySchema(Schema):
    total = fields.Integer()
    unexplained = fields.Integer()
    by_kind = fields.Dict(keys=Text(), values=fields.Integer())


class AlignmentSchema(Schema):
    id_ = fields.String(data_key="@id")
    edition = fields.Nested(EditionSchema, allow_none=True)
    unit = OptionalText(metadata={"description": "credit code, for one unit's report"})
    summary = fields.Nested(AlignmentSummarySchema)
    findings = fields.List(fields.Nested(FindingSchema))


class CitedLawSchema(Schema):
    law = Text()
    rank = OptionalText()
    items_total = fields.Integer()
    catalogue_entries = fields.Integer()
    items = fields.String(metadata={"description": "the items citing it"})


class LawArticleSchema(Schema):
    article = Text(metadata={"description": "normal form, e.g. 行政许可法#12.1"})
    items_total = fields.Integer()
    items = fields.List(Text(), metadata={"description": "codes of the items citing it"})


class LawsSchema(Schema):
    """Without `?law=`: `@id`, `items` (the most cited laws) and `items_total`. With it:
    that law's `law`, `rank`, `items_total` and `articles`."""

    id_ = fields.String(data_key="@id")
    items = fields.List(fields.Nested(CitedLawSchema))
    items_total = fields.Integer()
    law = Text()
    rank = OptionalText()
    articles = fields.List(fields.Nested(LawArticleSchema))


class QueuedItemSchema(Schema):
    id_ = fields.String(data_key="@id")
    code = Text()
    name = Text()
    state = Text()
    state_label = Text()
    since = fields.DateTime()


class QueuedUnitSchema(Schema):
    id_ = fields.String(data_key="@id")
    credit_code = Text()
    name = Text()
    alignment_unexplained = fields.Integer()
    alignment = fields.String(metadata={"description": "the unit's alignment report"})
    items = fields.List(fields.Nested(QueuedItemSchema))


class ReviewQueueSchema(Schema):
    id_ = fields.String(data_key="@id")
    units = fields.List(fields.Nested(QueuedUnitSchema))
    items_total = fields.Integer()
