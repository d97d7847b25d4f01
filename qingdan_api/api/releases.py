"""Releases: publishing approved items together, and what each release changed."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from sqlalchemy.exc import SQLAlchemyError

from ..services import publishing
from ..services.dump_upkeep import release_missing_dump, sweep_leftovers
from ..services.dumps import DumpOptions, dump_in_background, dumps_dir
from .auth import SECURITY, current_principal
from .blueprint import Blueprint
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


def dump_options(app, api_root: str | None = None) -> DumpOptions:
    """Dump options from the app's settings; links under `api_root` (default: the
    configured public URL, for dumps written outside a request)."""
    if api_root is None:
        prefix = app.extensions["qingdan"].url_prefix
        api_root = app.config["QINGDAN_PUBLIC_URL"].rstrip("/") + prefix
    return DumpOptions(
        api_root=api_root.rstrip("/"),
        page_size=app.config["QINGDAN_EXPORT_PAGE_SIZE"],
        keep=app.config["QINGDAN_DUMPS_KEPT"],
        processes=app.config["QINGDAN_DUMP_PROCESSES"],
    )


def dump_release(release_id: int) -> None:
    """After a publication (a release, or a single item's): its dump, in the background."""
    app = current_app._get_current_object()
    if app.config["QINGDAN_DUMP_ON_RELEASE"]:
        options = dump_options(app, absolute("qingdan_meta.root"))
        state = app.extensions["qingdan"]
        dump_in_background(state.session_factory, app.instance_path, release_id, options)


def dump_missed_release(app) -> None:
    """On start: tidy the dumps folder, and dump the newest release if its dump never
    completed (the process died or restarted while writing it)."""
    if not app.config["QINGDAN_DUMP_ON_RELEASE"]:
        return
    state = app.extensions["qingdan"]
    sweep_leftovers(dumps_dir(app.instance_path))
    try:
        with state.session_factory() as session:
            missing = release_missing_dump(session)
    except SQLAlchemyError:  # no schema yet (before `qingdan init-db`): nothing to catch up
        return
    if missing is not None:
        dump_in_background(state.session_factory, app.instance_path, missing, dump_options(app))


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
        dump_release(release.id)
        return body, 201, {"Location": body["@id"]}


@blp.route("/@releases/<int:release_id>", endpoint="get_release")
class ReleaseResource(MethodView):
    @blp.response(200, ReleaseSchema)
    def get(self, release_id: int):
        """One release: the items it added, changed and withdrew, with counts per category."""
        return release_resource(publishing.get_release(db_session(), release_id))
