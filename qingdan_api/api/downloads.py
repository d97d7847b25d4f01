"""Dump files for download, the DCAT catalog, and the XML schema of the exports."""

from __future__ import annotations

from flask import current_app, jsonify, send_file
from flask.views import MethodView
from marshmallow import Schema, fields

from exporters.xml_export import NAMESPACE, XSD_PATH

from ..models import Dump
from ..services import dumps
from ..services.errors import NotFound
from .arguments import QueryArguments
from .blueprint import Blueprint
from .links import absolute
from .meta import ROOT_LINKS
from .schemas import LinkedSchema
from .session import db_session

blp = Blueprint(
    "qingdan_downloads",
    __name__,
    description="Complete dumps of the published lists, their DCAT catalog, the XML schema",
)

SCHEMAS = {"qingdan-items.xsd": XSD_PATH}

ROOT_LINKS.update(
    {
        "downloads": ("qingdan_downloads.list_dumps", {}),
        "catalog": ("qingdan_downloads.catalog", {}),
        "schemas": ("qingdan_downloads.get_schema", {"name": "qingdan-items.xsd"}),
        "exports": ("qingdan_exports.export_items", {"ext": "csv"}),
    }
)


class DumpFileSchema(Schema):
    name = fields.String()
    url = fields.String(metadata={"description": "stable download URL of this file"})
    media_type = fields.String()
    size = fields.Integer(metadata={"description": "bytes"})
    sha256 = fields.String()
    title = fields.String()


class DumpSchema(LinkedSchema):
    id = fields.String()
    created_at = fields.String()
    seq = fields.Integer(
        metadata={"description": "change-feed position: follow @changes?since=seq after loading"}
    )
    release_id = fields.Integer(allow_none=True)
    item_count = fields.Integer()
    withdrawn_count = fields.Integer()
    manifest = fields.String()
    files = fields.List(fields.Nested(DumpFileSchema))


class DumpListingSchema(LinkedSchema):
    latest = fields.String(allow_none=True)
    items = fields.List(fields.Nested(DumpSchema))
    items_total = fields.Integer()


def dump_resource(dump: Dump) -> dict:
    url = absolute("qingdan_downloads.get_dump", dump_id=dump.id)
    return {
        "@id": url,
        "@type": "dump",
        "id": dump.id,
        "created_at": dump.created_at.isoformat(),
        "seq": dump.seq,
        "release_id": dump.release_id,
        "item_count": dump.item_count,
        "withdrawn_count": dump.withdrawn_count,
        "manifest": f"{url}/{dumps.MANIFEST}",
        "files": [{**entry, "url": f"{url}/{entry['name']}"} for entry in dump.files],
    }


@blp.route("/@downloads", endpoint="list_dumps")
class Downloads(MethodView):
    @blp.arguments(QueryArguments, location="query", error_status_code=400)
    @blp.response(200, DumpListingSchema)
    def get(self, _args):
        """Every dump, newest first, with its files' URLs, sizes and SHA-256 checksums."""
        items = [dump_resource(d) for d in dumps.list_dumps(db_session())]
        return {
            "@id": absolute("qingdan_downloads.list_dumps"),
            "@type": "downloads",
            "latest": absolute("qingdan_downloads.get_dump", dump_id="latest") if items else None,
            "items": items,
            "items_total": len(items),
        }


@blp.route("/@downloads/<string:dump_id>", endpoint="get_dump")
class DumpResource(MethodView):
    @blp.response(200, DumpSchema)
    def get(self, dump_id: str):
        """One dump; `latest` is the newest."""
        return dump_resource(dumps.get_dump(db_session(), dump_id))


def _send(dump: Dump, name: str, alias: bool):
    path, entry = dumps.dump_file(current_app.instance_path, dump, name)
    if not path.is_file():
        raise NotFound(f"file {name!r} of dump {dump.id} is missing on this server")
    response = send_file(
        path,
        mimetype=entry["media_type"],
        as_attachment=True,
        download_name=name,
        conditional=True,
        etag=entry["sha256"] or True,  # content-addressed: the checksum is the ETag
    )
    if alias:
        # The latest alias moves; say where the same bytes stay available.
        stable = absolute("qingdan_downloads.get_dump_file", dump_id=dump.id, name=name)
        response.headers["Content-Location"] = stable
    else:
        response.cache_control.no_cache = None  # send_file's default; these never change
        response.cache_control.public = True
        response.cache_control.max_age = 86400  # a dump's files never change
        response.cache_control.immutable = True
    return response


@blp.route("/@downloads/<string:dump_id>/<string:name>", endpoint="get_dump_file")
class DumpFileResource(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": "the file (ETag = its SHA-256; Range requests supported)",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    )
    def get(self, dump_id: str, name: str):
        """One file of a dump; `/@downloads/latest/{name}` serves the newest dump's file."""
        dump = dumps.get_dump(db_session(), dump_id)
        return _send(dump, name, alias=dump_id == "latest")


@blp.route("/@catalog", endpoint="catalog")
class Catalog(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": "DCAT-AP catalog (JSON-LD) of the latest dump",
                "content": {"application/ld+json": {"schema": {"type": "object"}}},
            }
        }
    )
    def get(self):
        """DCAT catalog (JSON-LD) describing the files of the latest dump (none before one)."""
        try:
            dump = dumps.get_dump(db_session(), "latest")
        except NotFound:
            api_root = absolute("qingdan_meta.root").rstrip("/")
            response = jsonify(dumps.empty_catalog(dumps.DumpOptions(api_root=api_root)))
            response.mimetype = "application/ld+json"
            return response
        response = _send(dump, dumps.CATALOG, alias=True)
        response.headers.pop("Content-Disposition", None)  # a document to read, not save
        return response


@blp.route("/@schemas/<string:name>", endpoint="get_schema")
class SchemaFile(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": f"XML Schema of the XML export, namespace {NAMESPACE}",
                "content": {"application/xml": {"schema": {"type": "string"}}},
            }
        }
    )
    def get(self, name: str):
        """The XML Schema (XSD) of the XML exports and dumps."""
        if name not in SCHEMAS:
            raise NotFound(f"no schema {name!r}; one of {', '.join(SCHEMAS)}")
        return send_file(SCHEMAS[name], mimetype="application/xml", conditional=True)
