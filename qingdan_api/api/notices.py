"""Public notice (公示): items on notice, and comments on them from anyone."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from ..services import notices
from .arguments import QueryArguments
from .auth import PRIVATE, SECURITY, current_principal
from .blueprint import Blueprint
from .editorial_schemas import (
    CommentListSchema,
    CommentReceiptSchema,
    CommentWriteSchema,
    NoticeListingSchema,
    NoticeSchema,
    PagingOnlyQuery,
)
from .items import item_resource
from .links import absolute, listing
from .paging import page_size
from .session import db_session

blp = Blueprint("qingdan_notices", __name__, description="Public notice (公示) and comments")


def notice_resource(on_notice: notices.OnNotice) -> dict:
    version, notice = on_notice.version, on_notice.notice
    record = item_resource(version)
    record["@id"] = absolute("qingdan_notices.get_notice", code=version.code)
    return {
        "@id": absolute("qingdan_notices.get_notice", code=version.code),
        "@type": "notice",
        "code": version.code,
        "name": version.name,
        "unit": version.record["unit"],
        "category": version.category,
        "starts_at": notice.starts_at.isoformat(),
        "ends_at": notice.ends_at.isoformat(),
        "comments": absolute("qingdan_notices.comments", code=version.code),
        "record": record,
    }


@blp.route("/@notices", endpoint="list_notices")
class Notices(MethodView):
    @blp.arguments(PagingOnlyQuery, location="query", error_status_code=400)
    @blp.response(200, NoticeListingSchema)
    def get(self, args):
        """Items on public notice now, with their notice period and proposed content."""
        page = notices.list_notices(
            db_session(), limit=page_size(args["limit"]), cursor=args["cursor"]
        )
        return listing(page, [notice_resource(n) for n in page.rows], "code", backwards=False)


@blp.route("/@notices/<string:code>", endpoint="get_notice")
class NoticeResource(MethodView):
    @blp.response(200, NoticeSchema)
    def get(self, code: str):
        """One item on public notice."""
        return notice_resource(notices.get_notice(db_session(), code))


@blp.route("/@notices/<string:code>/comments", endpoint="comments")
class Comments(MethodView):
    @blp.arguments(CommentWriteSchema)
    @blp.response(201, CommentReceiptSchema)
    @blp.alt_response(429, response="RateLimited")
    def post(self, data, code: str):
        """Comment on an item on notice (anyone; length- and rate-limited; seen by reviewers)."""
        config = current_app.config
        comment = notices.post_comment(
            db_session(),
            code,
            client=request.remote_addr or "unknown",
            body=data.get("body"),
            author=data.get("author"),
            contact=data.get("contact"),
            rate_limit=config["QINGDAN_COMMENT_RATE_LIMIT"],
            window_seconds=config["QINGDAN_COMMENT_RATE_WINDOW"],
        )
        return {"id": comment.id, "at": comment.at.isoformat(), "message": "意见已收到"}

    @blp.arguments(QueryArguments, location="query", error_status_code=400)
    @blp.response(200, CommentListSchema)
    @blp.doc(security=SECURITY)
    def get(self, _args, code: str):
        """The comments posted on an item's notices (reviewers only)."""
        rows = notices.list_comments(db_session(), current_principal(), code)
        body = {
            "@id": absolute("qingdan_notices.comments", code=code),
            "@type": "comments",
            "items": [
                {
                    "id": c.id,
                    "at": c.at.isoformat(),
                    "author": c.author,
                    "contact": c.contact,
                    "body": c.body,
                    "client": c.client,
                }
                for c in rows
            ],
            "items_total": len(rows),
        }
        return body, 200, PRIVATE
