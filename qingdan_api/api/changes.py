"""The change feed for mirrors (`@changes`), its set checksum, and an Atom feed for people."""

from __future__ import annotations

from flask import Response, request, url_for
from flask.views import MethodView
from marshmallow import RAISE

from ..services import feed
from .atom import render_atom
from .blueprint import Blueprint
from .links import absolute, item_url
from .session import db_session
from .sync_schemas import AtomQuery, ChangesQuery, ChangesSchema, ChecksumQuery, ChecksumSchema

blp = Blueprint(
    "qingdan_changes",
    __name__,
    description="The change feed: every publication and withdrawal in order, tombstones "
    "included, for mirrors (see docs/sync.md); an Atom feed for feed readers",
)

CHECKSUM_ALGORITHM = (
    "sha256 over the lines '<code> <version> <content_hash> <status>\\n' (status: active or "
    "withdrawn), one per item code, taken from the code's last change with seq <= seq, "
    "sorted by code in byte order"
)


def _changes_url(since: int, limit: int, include: str | None) -> str:
    args = {"since": since, "limit": limit}
    if include:
        args["include"] = include
    return absolute("qingdan_changes.list_changes", **args)


def _entry(entry: feed.FeedEntry) -> dict:
    body = {
        "seq": entry.seq,
        "code": entry.code,
        "version": entry.version,
        "operation": entry.operation,
        "release": entry.release_id,
        "time": entry.time.isoformat(),
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
        "content_hash": entry.content_hash,
        "@id": absolute("qingdan_items.get_version", code=entry.code, number=entry.version),
        "item": item_url(entry.code),
    }
    if entry.record is not None:
        body["record"] = entry.record
    return body


def _no_cache(response: Response) -> Response:
    # A feed page changes as rows arrive; caches must ask again (ETag makes that cheap).
    response.headers["Cache-Control"] = "no-cache"
    return response


@blp.route("/@changes", endpoint="list_changes")
class Changes(MethodView):
    @blp.arguments(ChangesQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.response(200, ChangesSchema)
    def get(self, args):
        """Changes after `since`, in seq order; follow `batching.next`, then poll `last_seq`."""
        since, limit, include = args["since"], args["limit"], args["include"]
        page = feed.read_changes(db_session(), since, limit, include_record=include == "record")
        batching = {
            "@id": _changes_url(since, limit, include),
            "first": _changes_url(0, limit, include),
        }
        if page.next_since is not None:
            batching["next"] = _changes_url(page.next_since, limit, include)
        return {
            "@id": _changes_url(since, limit, include),
            "@type": "changes",
            "since": since,
            "last_seq": page.last_seq,
            "items_total": page.remaining,
            "items": [_entry(e) for e in page.entries],
            "batching": batching,
            "checksum": absolute("qingdan_changes.get_checksum", seq=page.last_seq),
        }


@blp.after_request
def _feed_cache_headers(response: Response) -> Response:
    if request.endpoint in ("qingdan_changes.list_changes", "qingdan_changes.atom"):
        return _no_cache(response)
    return response


@blp.route("/@changes/checksum", endpoint="get_checksum")
class Checksum(MethodView):
    @blp.arguments(ChecksumQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.response(200, ChecksumSchema)
    def get(self, args):
        """Counts and checksum of the published set (tombstones included) after `seq`."""
        result = feed.set_checksum(db_session(), args["seq"])
        return {
            "@id": absolute("qingdan_changes.get_checksum", seq=result.seq),
            "@type": "checksum",
            "seq": result.seq,
            "items_total": result.items_total,
            "active": result.active,
            "withdrawn": result.withdrawn,
            "algorithm": CHECKSUM_ALGORITHM,
            "checksum": result.checksum,
        }


@blp.route("/@changes.atom", endpoint="atom")
class Atom(MethodView):
    @blp.arguments(AtomQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.response(200, content_type="application/atom+xml")
    def get(self, args):
        """Newest publications and withdrawals as an Atom 1.0 feed (newest first)."""
        rows = feed.recent_changes(db_session(), args["limit"])
        body = render_atom(
            rows,
            feed_url=url_for("qingdan_changes.atom", _external=True),
            entry_url=lambda change: _changes_url(change.seq - 1, 1, None),
            version_url=lambda change: absolute(
                "qingdan_items.get_version", code=change.code, number=change.version
            ),
        )
        return Response(body, mimetype="application/atom+xml")
