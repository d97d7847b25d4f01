"""Search endpoints: @search (ranked, highlighted, faceted), @suggest, @search/status."""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from ..listings.paging import Page
from ..services import search as service
from .items import SUMMARY_FIELDS, filters_from, item_resource
from .links import absolute, item_url, listing
from .paging import page_size
from .schemas import (
    SearchQuerySchema,
    SearchResultsSchema,
    SearchStatusSchema,
    SuggestionsSchema,
    SuggestQuerySchema,
)
from .session import db_session

blp = Blueprint(
    "qingdan_search", __name__, description="Full-text search in Chinese over published items"
)


def _indexer():
    return current_app.extensions["qingdan"].search


@blp.route("/@search", endpoint="search")
class Search(MethodView):
    @blp.arguments(SearchQuerySchema, location="query", error_status_code=400, unknown=RAISE)
    @blp.response(200, SearchResultsSchema)
    def get(self, args):
        """Published items matching `q`, best first, with highlights and facet counts.

        Words are segmented like the indexed text, so 处罚 finds 行政处罚; every word must
        match. Digits and letters also match item codes by prefix. Takes the filters of
        /items. Page on with the `next` batching link.
        """
        result = service.search(
            db_session(),
            _indexer().backend,
            args["q"],
            filters_from(args),
            limit=page_size(args["limit"]),
            cursor=args["cursor"],
        )
        items = [
            {
                **item_resource(hit.version, SUMMARY_FIELDS),
                "score": hit.score,
                "highlights": hit.highlights,
            }
            for hit in result.hits
        ]
        page = Page(rows=result.hits, total=result.total, next=result.next, prev=None)
        body = listing(page, items, service.SORT, backwards=False)
        return {**body, "@type": "search", "q": args["q"], "facets": result.facets}


@blp.route("/@suggest", endpoint="suggest")
class Suggest(MethodView):
    @blp.arguments(SuggestQuerySchema, location="query", error_status_code=400)
    @blp.response(200, SuggestionsSchema)
    def get(self, args):
        """Item names (and codes) completing what was typed: for every keystroke."""
        suggestions = service.suggest(
            db_session(), _indexer().backend, args["q"], limit=args["limit"]
        )
        items = [{"@id": item_url(s.code), **asdict(s)} for s in suggestions]
        return {
            "@id": absolute("qingdan_search.suggest", **args),
            "items": items,
            "items_total": len(items),
        }


@blp.route("/@search/status", endpoint="status")
class SearchStatus(MethodView):
    @blp.response(200, SearchStatusSchema)
    def get(self):
        """The search backend, its document count and its lag behind the change feed."""
        status = _indexer().status()
        return {
            "@id": absolute("qingdan_search.status"),
            "@type": "search-status",
            **asdict(status),
        }
