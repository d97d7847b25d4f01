"""Schemas of the sync endpoints: the change feed, its checksum, and harvest sources."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..services.feed import DEFAULT_LIMIT, MAX_LIMIT
from .arguments import BoundedInteger, Limit, QueryArguments
from .schemas import BatchingSchema, LinkedSchema


class ChangesQuery(QueryArguments):
    since = BoundedInteger(
        load_default=0,
        metadata={"description": "return changes with a seq above this one (0: from the start)"},
    )
    # The feed is a protocol for mirrors (docs/sync.md): its pages are larger.
    limit = Limit(
        maximum=MAX_LIMIT,
        load_default=DEFAULT_LIMIT,
        metadata={"description": f"entries per page; default {DEFAULT_LIMIT}, max {MAX_LIMIT}"},
    )
    include = fields.String(
        load_default=None,
        validate=validate.OneOf(["record"]),
        metadata={"description": "'record': embed each entry's version record"},
    )


class ChecksumQuery(QueryArguments):
    seq = BoundedInteger(
        load_default=None,
        metadata={"description": "the published set after this seq (default: last_seq now)"},
    )


class AtomQuery(QueryArguments):
    limit = Limit(
        maximum=200,
        load_default=50,
        metadata={"description": "newest entries to show; default 50, max 200"},
    )


class ChangeEntrySchema(Schema):
    seq = fields.Integer(metadata={"description": "position in the feed; gap-free, ascending"})
    code = fields.String(metadata={"description": "item implementation code (实施编码)"})
    version = fields.Integer(metadata={"description": "the version this change made public"})
    operation = fields.String(
        metadata={"description": "upsert: the version is the live item; withdraw: a tombstone"}
    )
    release = fields.Integer(allow_none=True, metadata={"description": "release id at the source"})
    time = fields.String(metadata={"description": "when the change was committed (ISO 8601)"})
    published_at = fields.String(allow_none=True)
    content_hash = fields.String(
        metadata={"description": "SHA-256 of the record's canonical JSON (see docs/sync.md)"}
    )
    id_ = fields.String(
        data_key="@id", attribute="@id", metadata={"description": "URL of this exact version"}
    )
    item = fields.String(metadata={"description": "URL of the item (410 once withdrawn)"})
    record = fields.Dict(
        metadata={"description": "with include=record: the version's record content, as hashed"}
    )


class ChangesSchema(LinkedSchema):
    since = fields.Integer()
    last_seq = fields.Integer(
        metadata={"description": "the highest seq when this page was read; resume from it"}
    )
    items_total = fields.Integer(
        metadata={"description": "entries after `since` up to `last_seq`, this page included"}
    )
    items = fields.List(fields.Nested(ChangeEntrySchema))
    batching = fields.Nested(BatchingSchema)
    checksum = fields.String(metadata={"description": "URL of the checksum at `last_seq`"})


class ChecksumSchema(LinkedSchema):
    seq = fields.Integer()
    items_total = fields.Integer(metadata={"description": "codes in the set (live + withdrawn)"})
    active = fields.Integer()
    withdrawn = fields.Integer()
    algorithm = fields.String()
    checksum = fields.String(metadata={"description": "hex SHA-256, see `algorithm`"})


class SourceSchema(LinkedSchema):
    id = fields.Integer()
    name = fields.String()
    base_url = fields.String()
    region_code = fields.String(allow_none=True)
    last_seq = fields.Integer(metadata={"description": "source seq applied here (checkpoint)"})
    source_last_seq = fields.Integer(
        allow_none=True, metadata={"description": "the source's last_seq at the last run"}
    )
    lag = fields.Integer(allow_none=True, metadata={"description": "source changes not applied"})
    last_attempt_at = fields.String(allow_none=True)
    last_success_at = fields.String(
        allow_none=True, metadata={"description": "last run that ended verified"}
    )
    verified_seq = fields.Integer(
        allow_none=True, metadata={"description": "seq at which counts and checksum matched"}
    )
    set_checksum = fields.String(allow_none=True)
    items_total = fields.Integer(metadata={"description": "items mirrored (live + withdrawn)"})
    conflicts = fields.Integer(metadata={"description": "source changes refused here"})
    last_error = fields.String(allow_none=True)
    healthy = fields.Boolean(metadata={"description": "the last run succeeded and verified"})
    items = fields.String(metadata={"description": "URL of this source's items here"})


class SourceListingSchema(LinkedSchema):
    items = fields.List(fields.Nested(SourceSchema))
    items_total = fields.Integer()
    batching = fields.Nested(BatchingSchema)
