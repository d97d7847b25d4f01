"""Harvest sources and their health: last successful harvest, checkpoint, any error."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from ..models import Source
from ..services import sources
from .arguments import PageArguments
from .blueprint import Blueprint
from .links import absolute, listing
from .paging import page_size
from .session import db_session
from .sync_schemas import SourceListingSchema, SourceSchema

blp = Blueprint(
    "qingdan_sources",
    __name__,
    description="Instances this one mirrors (provincial aggregation), with harvest health",
)


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def source_ref(source: Source) -> dict:
    """The label that harvested units and items carry."""
    return {
        "@id": absolute("qingdan_sources.get_source", source_id=source.id),
        "@type": "source",
        "name": source.name,
        "base_url": source.base_url,
        "region_code": source.region_code,
    }


def source_label(source_id: int) -> dict | None:
    """The label of a source, from one query per request however many items carry it."""
    if "qingdan_sources" not in g:
        g.qingdan_sources = sources.labels(db_session())
    source = g.qingdan_sources.get(source_id)
    return source_ref(source) if source is not None else None


def source_resource(health: sources.SourceHealth) -> dict:
    s = health.source
    return {
        **source_ref(s),
        "id": s.id,
        "last_seq": s.last_seq,
        "source_last_seq": s.source_last_seq,
        "lag": health.lag,
        "last_attempt_at": _iso(s.last_attempt_at),
        "last_success_at": _iso(s.last_success_at),
        "verified_seq": s.verified_seq,
        "set_checksum": s.set_checksum,
        "items_total": s.items_total,
        "conflicts": health.conflicts,
        "last_error": s.last_error,
        "healthy": health.healthy,
        "items": absolute("qingdan_items.list_items", source=s.id, status="all"),
    }


@blp.route("/@sources", endpoint="list_sources")
class Sources(MethodView):
    @blp.arguments(PageArguments, location="query", error_status_code=400)
    @blp.response(200, SourceListingSchema)
    def get(self, args):
        """Every harvested source with the health of its last harvest."""
        page = sources.list_sources(
            db_session(), limit=page_size(args["limit"]), cursor=args["cursor"]
        )
        body = listing(page, [source_resource(h) for h in page.rows], "id", backwards=False)
        return {**body, "@type": "sources"}


@blp.route("/@sources/<int:source_id>", endpoint="get_source")
class SourceResource(MethodView):
    @blp.response(200, SourceSchema)
    def get(self, source_id: int):
        """One source: checkpoint, last success, verification and last error."""
        return source_resource(sources.get_source(db_session(), source_id))
