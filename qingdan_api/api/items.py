"""Public item endpoints: listing with filters and keyset paging, one item, its versions."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields

from flask.views import MethodView
from marshmallow import RAISE

from ..domain.published_json import SUMMARY_FIELDS
from ..listings.filters import ItemFilters
from ..models import ItemVersion
from ..services import catalog, history
from ..services.records import public_record
from .arguments import QueryArguments
from .blueprint import Blueprint
from .editorial_schemas import AtQuery, DiffQuery, DiffSchema
from .links import absolute, item_url, listing, unit_url
from .paging import page_size
from .schemas import ItemListingSchema, ItemQuery, ItemSchema, VersionListingSchema
from .session import db_session
from .sources import source_label
from .spliced import chosen_bytes, item_bytes, json_response, listing_body, root_bytes

blp = Blueprint(
    "qingdan_items", __name__, description="Published items of the power and responsibility lists"
)

LISTING_SCHEMA = ItemListingSchema()


def parse_fields(raw: str | None) -> tuple[str, ...]:
    """The fields chosen by `?fields=` (checked by the schema), or the summary ones."""
    if not raw:
        return SUMMARY_FIELDS
    return tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))


def item_resource(version: ItemVersion, chosen: tuple[str, ...] | None = None) -> dict:
    record = public_record(version)
    if chosen is not None:
        record = {name: record.get(name) for name in chosen}
    if isinstance(record.get("unit"), dict):
        record["unit"] = {**record["unit"], "@id": unit_url(record["unit"]["credit_code"])}
    resource = {"@id": item_url(version.code), "@type": "item", **record}
    if version.source_id is not None:
        resource["source"] = source_label(version.source_id)
    return resource


def filters_from(args: dict) -> ItemFilters:
    """The parsed filters among a query schema's loaded arguments."""
    names = {f.name for f in dataclass_fields(ItemFilters)} - {"codes"}
    return ItemFilters(**{name: args[name] for name in names if args.get(name) is not None})


# Accept negotiation answers these with the export (api/exports.py, /items.{ext}). The
# manual doc replaces the generated content map, so the JSON listing is restated.
NEGOTIATED_EXPORTS = {
    "application/json": {"schema": {"$ref": "#/components/schemas/ItemListing"}},
    **{
        media_type: {"schema": {"type": "string", "format": "binary"}}
        for media_type in ("application/x-ndjson", "text/csv", "application/xml")
    },
}


@blp.route("/items", endpoint="list_items")
class Items(MethodView):
    @blp.arguments(ItemQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.response(200, ItemListingSchema)
    @blp.doc(responses={"200": {"content": NEGOTIATED_EXPORTS}})
    def get(self, args):
        """List published items, filtered, sorted and paged by cursor.

        With `Accept: text/csv`, `application/x-ndjson` or `application/xml` (and no
        text/html), the whole filtered list is streamed as that export instead; see
        /items.{ext} for its options. Cursor, limit, sort and fields do not apply there.
        """
        chosen = parse_fields(args["fields_"])
        summary = chosen == SUMMARY_FIELDS
        stored = ItemVersion.summary_json if summary else ItemVersion.public_json
        page = catalog.list_items(
            db_session(),
            filters_from(args),
            sort=args["sort"],
            limit=page_size(args["limit"]),
            cursor=args["cursor"],
            only=(stored, ItemVersion.source_id),
        )
        key, root = stored.key, root_bytes()
        if summary:
            items = [item_bytes(getattr(row, key), row.source_id, root) for row in page.rows]
        else:
            items = [chosen_bytes(getattr(row, key), row.source_id, chosen) for row in page.rows]
        body = listing_body(LISTING_SCHEMA, listing(page, [], args["sort"]), items)
        return json_response(body)


@blp.route("/items/<string:code>", endpoint="get_item")
class ItemResource(MethodView):
    @blp.arguments(AtQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.response(200, ItemSchema)
    def get(self, args, code: str):
        """The published version of one item (410 Gone when it was withdrawn)."""
        found = catalog.get_item_body(db_session(), code, args["at"])
        response = json_response(item_bytes(found.body, found.source_id))
        if found.source_id is None:
            # A published version never changes: its content hash and number name the body
            # (the source label of harvested items can change, so theirs hash the body).
            response.set_etag(f"{found.content_hash[:32]}.{found.number}", weak=True)
        return response


@blp.route("/items/<string:code>/@versions", endpoint="get_versions")
class ItemVersions(MethodView):
    @blp.arguments(QueryArguments, location="query", error_status_code=400)
    @blp.response(200, VersionListingSchema)
    def get(self, _args, code: str):
        """Every published version of an item, oldest first."""
        versions = catalog.list_versions(db_session(), code)
        items = [
            {
                "@id": absolute("qingdan_items.get_version", code=code, number=v.number),
                "@type": "version",
                "version": v.number,
                "published_at": v.published_at.isoformat(),
                "published_by": v.published_by,
                "comment": v.comment,
                "release_id": v.release_id,
                "content_hash": v.content_hash,
            }
            for v in versions
        ]
        url = absolute("qingdan_items.get_versions", code=code)
        return {
            "@id": url,
            "items": items,
            "items_total": len(items),
            "batching": {"@id": url, "first": url, "last": url},
        }


@blp.route("/items/<string:code>/@versions/<int:number>", endpoint="get_version")
class ItemVersionResource(MethodView):
    @blp.response(200, ItemSchema)
    def get(self, code: str, number: int):
        """One published version of an item, as it was published."""
        version = catalog.get_version(db_session(), code, number)
        resource = item_resource(version)
        resource["@id"] = absolute("qingdan_items.get_version", code=code, number=number)
        return resource


@blp.route("/items/<string:code>/@diff", endpoint="get_diff")
class ItemDiff(MethodView):
    @blp.arguments(DiffQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.response(200, DiffSchema)
    def get(self, args, code: str):
        """Field-level difference between two published versions: JSON Patch and summary."""
        diff = history.diff_versions(db_session(), code, args["from_"], args["to"])
        return {
            "@id": absolute(
                "qingdan_items.get_diff",
                code=code,
                **{"from": diff.from_version, "to": diff.to_version},
            ),
            "@type": "diff",
            "code": code,
            "from_version": diff.from_version,
            "to_version": diff.to_version,
            "patch": diff.patch,
            "summary": diff.summary,
        }
