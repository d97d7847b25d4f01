"""Write endpoints for drafts: create, replace, patch, disposition, zero report."""

from __future__ import annotations

from flask.views import MethodView

from ..services import editing, units
from ..services.items import STATE_LABELS, Draft, get_draft
from .auth import SECURITY, current_principal, etag, if_match_revision
from .blueprint import Blueprint
from .editorial_schemas import (
    DispositionWriteSchema,
    DraftSchema,
    IfMatchHeader,
    ItemWriteSchema,
    ZeroReportWriteSchema,
)
from .items import item_resource
from .links import absolute
from .schemas import UnitSchema
from .session import db_session
from .units import unit_resource

blp = Blueprint(
    "qingdan_editing",
    __name__,
    description="Drafting items (bearer token): create, edit, dispose, zero reports",
)


def draft_resource(draft: Draft) -> dict:
    code = draft.item.code
    record = item_resource(draft.version)
    record["@id"] = absolute("qingdan_editing.draft", code=code)
    return {
        "@id": absolute("qingdan_editing.draft", code=code),
        "@type": "draft",
        "code": code,
        "state": draft.item.state,
        "state_label": STATE_LABELS.get(draft.item.state),
        "revision": draft.revision,
        "published_version": draft.public.number if draft.public else None,
        "workflow": absolute("qingdan_workflow.workflow", code=code),
        "record": record,
    }


def _respond(draft: Draft, status: int = 200):
    return draft_resource(draft), status, etag(draft.revision)


@blp.route("/items", endpoint="create_item")
class CreateItem(MethodView):
    @blp.arguments(ItemWriteSchema)
    @blp.response(201, DraftSchema)
    @blp.doc(security=SECURITY)
    def post(self, data):
        """Create an item as a draft (code allocated when left out)."""
        draft = editing.create_item(db_session(), current_principal(), data)
        body, status, headers = _respond(draft, 201)
        headers["Location"] = body["@id"]
        return body, status, headers


@blp.route("/items/<string:code>", endpoint="edit_item")
class EditItem(MethodView):
    @blp.arguments(IfMatchHeader, location="headers")
    @blp.arguments(ItemWriteSchema)
    @blp.response(200, DraftSchema)
    @blp.doc(security=SECURITY)
    def put(self, headers, data, code: str):
        """Replace the draft's record (a published item gets a working copy first)."""
        revision = if_match_revision(headers["if_match"])
        return _respond(
            editing.replace_item(db_session(), current_principal(), code, data, revision)
        )

    @blp.arguments(IfMatchHeader, location="headers")
    @blp.arguments(ItemWriteSchema)
    @blp.response(200, DraftSchema)
    @blp.doc(security=SECURITY)
    def patch(self, headers, data, code: str):
        """Merge-patch (RFC 7396) the draft's record (working copy for a published item)."""
        revision = if_match_revision(headers["if_match"])
        return _respond(editing.patch_item(db_session(), current_principal(), code, data, revision))


@blp.route("/items/<string:code>/@draft", endpoint="draft")
class DraftResource(MethodView):
    @blp.response(200, DraftSchema)
    @blp.doc(security=SECURITY)
    def get(self, code: str):
        """The item as editors see it: its working version (else the public one) and ETag."""
        return _respond(get_draft(db_session(), current_principal(), code))


@blp.route("/items/<string:code>/@disposition", endpoint="disposition")
class Disposition(MethodView):
    @blp.arguments(IfMatchHeader, location="headers")
    @blp.arguments(DispositionWriteSchema)
    @blp.response(200, DraftSchema)
    @blp.doc(security=SECURITY)
    def post(self, headers, data, code: str):
        """Propose the cleanup disposition (retain/cancel/transfer/merge/…) with its reason."""
        revision = if_match_revision(headers["if_match"])
        draft = editing.propose_disposition(db_session(), current_principal(), code, data, revision)
        return _respond(draft)


@blp.route("/units/<string:credit_code>/@zero-report", endpoint="zero_report")
class ZeroReport(MethodView):
    @blp.arguments(ZeroReportWriteSchema)
    @blp.response(200, UnitSchema)
    @blp.doc(security=SECURITY)
    def post(self, data, credit_code: str):
        """Declare that the unit exercises no administrative powers (零报告)."""
        session = db_session()
        editing.declare_zero_report(session, current_principal(), credit_code, data.get("reason"))
        return unit_resource(units.get_unit(session, credit_code))
