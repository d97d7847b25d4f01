"""The audit log, for admins: every write and transition, filterable."""

from __future__ import annotations

from flask.views import MethodView

from ..services import audit
from .auth import PRIVATE, SECURITY, current_principal
from .blueprint import Blueprint
from .editorial_schemas import AuditListingSchema, AuditQuery
from .links import listing
from .paging import page_size
from .session import db_session

blp = Blueprint("qingdan_audit", __name__, description="Audit log (admins)")


@blp.route("/@audit", endpoint="audit")
class Audit(MethodView):
    @blp.arguments(AuditQuery, location="query", error_status_code=400)
    @blp.response(200, AuditListingSchema)
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Audit entries, newest first: who did what, when, before and after."""
        session = db_session()
        principal = current_principal()
        filters = audit.AuditFilters(
            unit=args["unit"],
            actor=args["actor"],
            item=args["item"],
            action=args["action"],
            since=args["since"],
            until=args["until"],
        )
        page = audit.list_entries(
            session, principal, filters, limit=page_size(args["limit"]), cursor=args["cursor"]
        )
        units = audit.unit_codes(session, {e.unit_id for e in page.rows if e.unit_id})
        items = [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "unit": units.get(e.unit_id),
                "item_code": e.item_code,
                "before": e.before,
                "after": e.after,
                "comment": e.comment,
            }
            for e in page.rows
        ]
        body = listing(page, items, "-id", backwards=False)
        body.pop("items_total")
        return body, 200, PRIVATE
