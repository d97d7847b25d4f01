"""Search endpoints: @search (ranked, highlighted, faceted), @suggest, @search/status."""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app
from flask.views import MethodView
from marshmallow import RAISE

from ..domain.published_json import encode
from ..listings.paging import Page
from ..services import search as service
from .blueprint import Blueprint
from .items import filters_from
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
from .spliced import float_bytes, item_bytes, json_response, listing_body, with_extra

blp = Blueprint(
    "qingdan_search", __name__, description="Full-text search in Chinese over published items"
)


RESULTS_SCHEMA = SearchResultsSchema()


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

        On the default `sql` backend, a search without filters whose words match more than
        2,000 items (QINGDAN_SEARCH_MATCH_CAP) is answered from the 2,000 most recently
        indexed matches, the 2,000 most recent items matching in their name and the items
        named exactly as typed: ranked, counted and faceted over those only, with
        `approximate: true` (`items_total` and `facets` then count those candidates).
        Filtered searches are always exact.
        """
        result = service.search(
            db_session(),
            _indexer().backend,
            args["q"],
            filters_from(args),
            limit=page_size(args["limit"]),
            cursor=args["cursor"],
        )
        # Each hit: its stored summary, then score and highlights (the hit schema's order).
        items = [
            with_extra(
                item_bytes(hit.summary, hit.source_id),
                b',"score":'
                + float_bytes(hit.score)
                + b',"highlights":'
                + encode({str(k): str(v) for k, v in hit.highlights.items()}),
            )
            for hit in result.hits
        ]
        page = Page(rows=result.hits, total=result.total, next=result.next, prev=None)
        envelope = {
            **listing(page, [], service.SORT, backwards=False),
            "@type": "search",
            "q": args["q"],
            "facets": result.facets,
            "approximate": result.approximate,
        }
        return json_response(listing_body(RESULTS_SCHEMA, envelope, items))


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
