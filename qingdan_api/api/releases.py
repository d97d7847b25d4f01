"""Releases: publishing approved items together, and what each release changed."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from ..services import publishing
from ..services.dumps import DumpOptions, dump_in_background
from .auth import SECURITY, current_principal
from .editorial_schemas import (
    PagingOnlyQuery,
    ReleaseListingSchema,
    ReleaseSchema,
    ReleaseWriteSchema,
)
from .links import absolute, item_url, listing
from .paging import page_size
from .session import db_session

blp = Blueprint("qingdan_releases", __name__, description="Releases (发布批次)")


def release_resource(contents: publishing.ReleaseContents, entries_too: bool = True) -> dict:
    """A release; listings leave out the item entries (a first release holds thousands)."""
    release = contents.release

    def entries(rows: list[dict]) -> list[dict]:
        return [{"@id": item_url(row["code"]), **row} for row in rows]

    return {
        "@id": absolute("qingdan_releases.get_release", release_id=release.id),
        "@type": "release",
        "id": release.id,
        "name": release.name,
        "description": release.description,
        "published_at": release.published_at.isoformat(),
        "published_by": release.published_by,
        **(
            {
                "added": entries(contents.added),
                "changed": entries(contents.changed),
                "withdrawn": entries(contents.withdrawn),
            }
            if entries_too
            else {}
        ),
        "counts": contents.counts,
    }


@blp.route("/@releases", endpoint="list_releases")
class Releases(MethodView):
    @blp.arguments(PagingOnlyQuery, location="query", error_status_code=400)
    @blp.response(200, ReleaseListingSchema)
    def get(self, args):
        """Releases, newest first, with what each added, changed and withdrew."""
        page = publishing.list_releases(
            db_session(), limit=page_size(args["limit"]), cursor=args["cursor"]
        )
        items = [release_resource(c, entries_too=False) for c in page.rows]
        return listing(page, items, "-id", backwards=False)

    @blp.arguments(ReleaseWriteSchema)
    @blp.response(201, ReleaseSchema)
    @blp.doc(security=SECURITY)
    def post(self, data):
        """Publish a set of items on notice as one release (all or nothing; publishers)."""
        session = db_session()
        release = publishing.publish_release(
            session,
            current_principal(),
            name=data.get("name"),
            codes=data.get("items"),
            description=data.get("description"),
            comment=data.get("comment"),
        )
        body = release_resource(publishing.get_release(session, release.id))
        if current_app.config["QINGDAN_DUMP_ON_RELEASE"]:
            state = current_app.extensions["qingdan"]
            options = DumpOptions(
                api_root=absolute("qingdan_meta.root").rstrip("/"),
                page_size=current_app.config["QINGDAN_EXPORT_PAGE_SIZE"],
            )
            dump_in_background(
                state.session_factory, current_app.instance_path, release.id, options
            )
        return body, 201, {"Location": body["@id"]}


@blp.route("/@releases/<int:release_id>", endpoint="get_release")
class ReleaseResource(MethodView):
    @blp.response(200, ReleaseSchema)
    def get(self, release_id: int):
        """One release: the items it added, changed and withdrew, with counts per category."""
        return release_resource(publishing.get_release(db_session(), release_id))
