"""Marshmallow schemas of the editorial endpoints: write bodies, drafts, workflow, releases.

Write bodies are documented field by field but handed to the services untouched
(`PassThroughSchema`): the services validate a record completely and report every
problem under its field path ("legal_bases.0.title") in one 422, which marshmallow's
nested error shape would not give.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing, validate

from ..domain.fields import ITEM_FIELDS
from .arguments import BoundedInteger, Moment, PageArguments, QueryArguments
from .schemas import ItemSchema, LinkedSchema, ListingSchema


class PassThroughSchema(Schema):
    """Documents a JSON body; loading returns it as sent, for the service to validate."""

    def load(self, data, *, many=None, partial=None, unknown=None):
        if data is missing or data is None:
            return {}
        if not isinstance(data, dict):
            raise ValidationError("the body must be a JSON object")
        return data


# The same field objects as the public item schema, so nested parts document once.
ItemWriteSchema = PassThroughSchema.from_dict(
    {spec.name: ItemSchema._declared_fields[spec.name] for spec in ITEM_FIELDS}, name="ItemWrite"
)
ItemWriteSchema.__doc__ = (
    "An item record as an editor writes it. `code` may be left out on creation to have "
    "one allocated; `unit` defaults to the editor's unit."
)


class DispositionWriteSchema(PassThroughSchema):
    disposition = fields.String(metadata={"description": "@vocabularies/dispositions key"})
    disposition_reason = fields.String(allow_none=True)
    merged_into = fields.String(allow_none=True, metadata={"description": "surviving item code"})
    transferred_to = fields.String(allow_none=True)


class ZeroReportWriteSchema(PassThroughSchema):
    reason = fields.String(metadata={"description": "why the unit exercises no powers"})


class TransitionWriteSchema(PassThroughSchema):
    comment = fields.String(metadata={"description": "required to return or withdraw"})
    notice_days = fields.Integer(metadata={"description": "notice: period in days (default 7)"})
    release = fields.String(metadata={"description": "publish: the release's name"})


class ReleaseWriteSchema(PassThroughSchema):
    name = fields.String(required=True, metadata={"description": "e.g. 2027年第1批调整"})
    description = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    items = fields.List(fields.String(), metadata={"description": "codes of items on notice"})


class CommentWriteSchema(PassThroughSchema):
    body = fields.String(required=True, metadata={"description": "at most 2000 characters"})
    author = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)


class IfMatchHeader(Schema):
    class Meta:
        unknown = EXCLUDE

    if_match = fields.String(
        data_key="If-Match",
        load_default=None,
        metadata={"description": 'the ETag of the draft being changed, e.g. "3" (required)'},
    )


class DraftSchema(LinkedSchema):
    code = fields.String()
    state = fields.String(metadata={"description": "workflow state"})
    state_label = fields.String()
    revision = fields.Integer(metadata={"description": "editing revision: the ETag"})
    published_version = fields.Integer(
        allow_none=True, metadata={"description": "the version the public sees, if any"}
    )
    workflow = fields.String()
    record = fields.Nested(ItemSchema)


class HistoryEntrySchema(Schema):
    transition = fields.String()
    from_state = fields.String(data_key="from")
    to_state = fields.String(data_key="to")
    actor = fields.String()
    at = fields.String()
    comment = fields.String(allow_none=True)


class TransitionLinkSchema(LinkedSchema):
    name = fields.String()
    title = fields.String()


class NoticePeriodSchema(Schema):
    starts_at = fields.String()
    ends_at = fields.String()
    closed_at = fields.String(allow_none=True)


class WorkflowSchema(LinkedSchema):
    code = fields.String()
    state = fields.String()
    state_label = fields.String()
    revision = fields.Integer()
    notice = fields.Nested(NoticePeriodSchema, allow_none=True)
    history = fields.List(fields.Nested(HistoryEntrySchema))
    transitions = fields.List(fields.Nested(TransitionLinkSchema))


class ReleaseEntrySchema(Schema):
    id_ = fields.String(data_key="@id", attribute="@id")
    code = fields.String()
    name = fields.String()
    category = fields.String()
    version = fields.Integer()
    disposition = fields.String()
    seq = fields.Integer(metadata={"description": "change-feed sequence number"})


class ReleaseSchema(LinkedSchema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String(allow_none=True)
    published_at = fields.String()
    published_by = fields.String(allow_none=True)
    added = fields.List(fields.Nested(ReleaseEntrySchema))
    changed = fields.List(fields.Nested(ReleaseEntrySchema))
    withdrawn = fields.List(fields.Nested(ReleaseEntrySchema))
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        metadata={"description": "added/changed/withdrawn -> category code -> items"},
    )


class ReleaseListingSchema(ListingSchema):
    items = fields.List(fields.Nested(ReleaseSchema))


class NoticeSchema(LinkedSchema):
    code = fields.String()
    name = fields.String()
    unit = fields.Dict()
    category = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    comments = fields.String(metadata={"description": "where to post a comment"})
    record = fields.Nested(ItemSchema)


class NoticeListingSchema(ListingSchema):
    items = fields.List(fields.Nested(NoticeSchema))


class CommentSchema(Schema):
    id = fields.Integer()
    at = fields.String()
    author = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)
    body = fields.String()
    client = fields.String()


class CommentReceiptSchema(Schema):
    id = fields.Integer()
    at = fields.String()
    message = fields.String()


class CommentListSchema(LinkedSchema):
    items = fields.List(fields.Nested(CommentSchema))
    items_total = fields.Integer()


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.String()
    actor = fields.String()
    action = fields.String()
    unit = fields.String(allow_none=True, metadata={"description": "unit credit code"})
    item_code = fields.String(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    comment = fields.String(allow_none=True)


class AuditListingSchema(ListingSchema):
    items = fields.List(fields.Nested(AuditEntrySchema))


class AuditQuery(PageArguments):
    unit = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={"description": "unit credit code"},
    )
    actor = fields.String(load_default=None, validate=validate.Length(max=200))
    item = fields.String(
        load_default=None, validate=validate.Length(max=64), metadata={"description": "item code"}
    )
    action = fields.String(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": "e.g. workflow.publish"},
    )
    since = Moment("start", "entries at or after")
    until = Moment("end", "entries at or before")


PagingOnlyQuery = PageArguments


class DiffQuery(QueryArguments):
    from_ = BoundedInteger(
        minimum=1, data_key="from", load_default=None, metadata={"description": "version"}
    )
    to = BoundedInteger(minimum=1, load_default=None, metadata={"description": "version"})


class DiffEntrySchema(Schema):
    field = fields.String()
    label = fields.String()
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    text = fields.String()


class DiffSchema(LinkedSchema):
    code = fields.String()
    from_version = fields.Integer(data_key="from")
    to_version = fields.Integer(data_key="to")
    patch = fields.List(fields.Dict(), metadata={"description": "RFC 6902 JSON Patch"})
    summary = fields.List(fields.Nested(DiffEntrySchema))


class AtQuery(QueryArguments):
    at = Moment("end", "what was published then")
