"""Streamed exports of published items: JSON, NDJSON, CSV, XML and the CSV ZIP package.

`GET /items.{ext}`, `/units/{credit_code}/items.{ext}`, `/items/{code}.{ext}`, and
`/items` with an `Accept` header naming an export type. Everything that can fail (the
parameters, the filters, the exporter options) is checked before the response starts, so
a client never gets a 200 that breaks off. The body is produced page by page from one
database snapshot (services.snapshot) while it is sent: no Content-Length, chunked on
HTTP/1.1, gzipped as a stream by api/http.py when the client accepts it. The validators
are cheap: the ETag hashes the change-feed position with the request, Last-Modified is
the time of the latest change; neither reads the records, so a HEAD or a 304 costs one
query for the feed position (plus the unit or item check of the path).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import RAISE, fields, validate
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import is_resource_modified
from werkzeug.wsgi import wrap_file

from exporters import registry
from exporters.tables import tables
from qingdan_api.services.export_schema import record_schema

from .. import __version__
from ..services import catalog
from ..services import exports as service
from ..services.dumped_exports import whole_list_file
from ..services.errors import InvalidArgument
from ..services.snapshot import Snapshot
from .arguments import PageArguments, QueryArguments
from .blueprint import Blueprint
from .http import accepts_gzip
from .items import filters_from
from .links import absolute
from .schemas import ItemFilterQuery, ItemQuery
from .streaming import CHUNK_BYTES, STREAMED, coalesce

blp = Blueprint(
    "qingdan_exports",
    __name__,
    description="Whole lists as files: JSON, NDJSON, CSV (one table or a ZIP package), XML",
)

# URL extension -> exporter name. "csv.zip" is the multi-table package.
EXTENSIONS = {"json": "json", "ndjson": "ndjson", "csv": "csv", "xml": "xml", "csv.zip": "csv-zip"}
EXT_RULE = "any(json, ndjson, csv, xml, 'csv.zip')"
# What /items negotiates by Accept; JSON first so that */* keeps the JSON listing.
NEGOTIABLE = ("application/json", "application/x-ndjson", "text/csv", "application/xml")
CSV_OPTIONS = ("labels", "bom", "table")
# Every filter of the listing (`at` aside: exports show what is published now).
FILTERS = (
    *(
        name
        for name in ItemFilterQuery._declared_fields
        if name not in PageArguments._declared_fields
    ),
    "status",
)


class ExportOptions(QueryArguments):
    labels = fields.String(
        load_default=None,
        validate=validate.OneOf(["en", "zh"]),
        metadata={"description": "CSV headers: en (field names, default) or zh (中文表头)"},
    )
    bom = fields.Boolean(
        load_default=False, metadata={"description": "CSV: start with a UTF-8 BOM (for Excel)"}
    )
    table = fields.String(
        load_default=None,
        metadata={"description": "CSV: one child table instead of the main table"},
    )
    format = fields.String(
        load_default=None,
        validate=validate.OneOf(["zip"]),
        metadata={"description": "with .csv: zip = every table plus datapackage.json"},
    )


# The listing's filters (the very same field objects, so the same names, defaults and
# documentation), without cursor, limit, sort and fields.
ExportQuery = ExportOptions.from_dict(
    {name: ItemQuery._declared_fields[name] for name in FILTERS}, name="ExportQuery"
)
UnitExportQuery = ExportOptions.from_dict(
    {name: ItemQuery._declared_fields[name] for name in FILTERS if name != "unit"},
    name="UnitExportQuery",
)


def _doc(what: str) -> dict:
    binary = {"schema": {"type": "string", "format": "binary"}}
    # The JSON export is one array of item records; the other formats are opaque here.
    records = {"schema": {"type": "array", "items": {"type": "object"}}}
    return {
        "responses": {
            "200": {
                "description": f"{what}, streamed; gzip with Accept-Encoding: gzip",
                "content": {
                    registry.get(name).content_type: records if name == "json" else binary
                    for name in EXTENSIONS.values()
                },
                "headers": {
                    "ETag": {"schema": {"type": "string"}},
                    "Content-Disposition": {"schema": {"type": "string"}},
                },
            },
            "304": {"description": "not modified since the ETag / Last-Modified given"},
        },
        **STREAMED,
    }


def _format(ext: str, args: dict) -> registry.Format:
    if args.get("format") == "zip":
        if ext not in ("csv", "csv.zip"):
            raise InvalidArgument("format", "format=zip goes with .csv")
        ext = "csv.zip"
    return registry.get(EXTENSIONS[ext])


def _options(fmt: registry.Format, args: dict) -> dict[str, Any]:
    """Exporter options from the query; options the format does not take are a 400."""
    allowed = {"csv": CSV_OPTIONS, "csv-zip": ("labels", "bom")}.get(fmt.name, ())
    given = {k: args[k] for k in CSV_OPTIONS if args.get(k) not in (None, False)}
    for name in given:
        if name not in allowed:
            raise InvalidArgument(name, f"not an option of the {fmt.extension} format")
    options: dict[str, Any] = {"schema": record_schema()}
    if fmt.name in ("csv", "csv-zip"):
        options.update(labels=args.get("labels") or "en", bom=bool(args.get("bom")))
    if given.get("table"):
        names = [t.name for t in tables(record_schema())]
        if given["table"] not in names:
            raise InvalidArgument("table", f"unknown table; one of {', '.join(names)}")
        if given["table"] != names[0]:
            options["table"] = given["table"]
    return options


def _filename(stem: str, fmt: registry.Format, options: dict) -> str:
    table = options.get("table")
    return f"{stem}-{table}.csv" if table else f"{stem}.{fmt.extension}"


def _etag(position_seq: int, fmt: registry.Format) -> str:
    # Everything the bytes depend on except the data, which the feed position stands for.
    parts = [
        __version__,
        str(position_seq),
        fmt.name,
        request.host_url,
        request.path,
        "&".join(sorted(f"{k}={v}" for k, v in request.args.items(multi=True))),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


def stream(
    filters: catalog.ItemFilters,
    args: dict,
    ext: str,
    stem: str,
    unit: str | None = None,
    item: str | None = None,
) -> Response:
    """The export response, or a 304; every error is raised before the body starts.

    `unit` / `item` name the path's unit or item, checked to exist (404, or 410 for a
    withdrawn item) inside the same snapshot as the records.
    """
    fmt = _format(ext, args)
    options = _options(fmt, args)
    snapshot = Snapshot(current_app.extensions["qingdan"].session_factory)
    try:
        if unit is not None:
            service.require_unit(snapshot.session, unit)
        if item is not None:
            catalog.get_item_version(snapshot.session, item)  # 404, or 410 when withdrawn
        parts, needs_records = service.reading_plan([fmt.name], options)
        query = service.export_query(snapshot.session, filters, parts, needs_records)
        etag = _etag(snapshot.position.seq, fmt)
        modified = snapshot.position.changed_at
        if not is_resource_modified(request.environ, etag=f'W/"{etag}"', last_modified=modified):
            snapshot.close()
            # The headers the 200 would carry (Cache-Control comes from api/http.py).
            response = Response(status=304, content_type=fmt.content_type)
            response.set_etag(etag, weak=True)
            if modified is not None:
                response.last_modified = modified
            response.vary.add("Accept-Encoding")
            return response
        api_root = absolute("qingdan_meta.root").rstrip("/")
        if unit is None and item is None:
            path = _dumped(snapshot, filters, fmt, options, api_root)
            if path is not None:
                snapshot.close()
                response = _file_response(path, fmt)
                _describe(response, etag, modified, _filename(stem, fmt, options))
                return response
        page_size = current_app.config["QINGDAN_EXPORT_PAGE_SIZE"]
        if request.method == "HEAD":
            # The headers are known: no record is read and the snapshot ends now, not
            # when the server (or a test client, maybe never) closes the empty body.
            snapshot.close()
            records: Iterator[dict] = iter(())
        else:
            records = service.iter_records(snapshot.session, query, api_root, page_size)
        try:
            chunks = fmt.write(records, **options)
        except ValueError as exc:  # the exporters check their options when called
            raise InvalidArgument("format", str(exc)) from exc
    except BaseException:
        snapshot.close()
        raise
    response = Response(_closing(coalesce(chunks), snapshot), content_type=fmt.content_type)
    response.call_on_close(snapshot.close)  # also when the body is not read to its end
    _describe(response, etag, modified, _filename(stem, fmt, options))
    return response


def _describe(response: Response, etag: str, modified, filename: str) -> None:
    """The headers every export's 200 carries, whichever way its body is produced."""
    response.set_etag(etag, weak=True)  # weak: one tag for the gzip and identity bodies
    if modified is not None:
        response.last_modified = modified
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.vary.add("Accept-Encoding")


def _dumped(snapshot: Snapshot, filters, fmt: registry.Format, options: dict, api_root: str):
    """The current dump's file that is this export byte for byte, or None (then stream).

    Only the whole active list with the format's default options (those of a request
    without any) qualifies; the dump must have been taken at the snapshot's change-feed
    position (services/dumped_exports).
    """
    if not current_app.config["QINGDAN_EXPORTS_FROM_DUMPS"] or filters.given():
        return None
    if options != _options(fmt, {}):
        return None
    return whole_list_file(
        snapshot.session, current_app.instance_path, snapshot.position.seq, fmt.name, api_root
    )


def _file_response(path, fmt: registry.Format) -> Response:
    """A dump file as the export's body: sendfile-able with its length, or gzipped as a stream.

    The file is opened here, so a dump pruned meanwhile is still read whole (POSIX keeps
    an unlinked open file); it is closed when the response is, also after a HEAD.
    """
    source = open(path, "rb")  # noqa: SIM115 (closed by the response)
    if accepts_gzip():
        response = Response(_read(source), content_type=fmt.content_type)  # api/http.py gzips
    else:
        body = wrap_file(request.environ, source, CHUNK_BYTES)
        response = Response(body, content_type=fmt.content_type, direct_passthrough=True)
        response.content_length = os.fstat(source.fileno()).st_size
    response.call_on_close(source.close)
    return response


def _read(source) -> Iterator[bytes]:
    while chunk := source.read(CHUNK_BYTES):
        yield chunk


def _closing(chunks: Iterator[bytes], snapshot: Snapshot) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        snapshot.close()


@blp.route(f"/items.<{EXT_RULE}:ext>", endpoint="export_items")
class ItemsExport(MethodView):
    @blp.arguments(ExportQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.doc(**_doc("Every published item matching the filters"))
    def get(self, args, ext: str):
        """Export published items with the filters of /items, as one file."""
        return stream(filters_from(args), args, ext, "items")


@blp.route(f"/units/<string:credit_code>/items.<{EXT_RULE}:ext>", endpoint="export_unit_items")
class UnitItemsExport(MethodView):
    @blp.arguments(UnitExportQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.doc(**_doc("The published items of one unit"))
    def get(self, args, credit_code: str, ext: str):
        """Export the published items of one unit (实施主体), as one file."""
        filters = filters_from({**args, "unit": (credit_code,)})
        return stream(filters, args, ext, f"items-{credit_code}", unit=credit_code)


@blp.route(f"/items/<string:code>.<{EXT_RULE}:ext>", endpoint="export_item")
class ItemExport(MethodView):
    @blp.arguments(ExportOptions, location="query", error_status_code=400, unknown=RAISE)
    @blp.doc(**_doc("One published item"))
    def get(self, args, code: str, ext: str):
        """Export one published item (410 when withdrawn), as one file."""
        filters = catalog.ItemFilters(codes=(code,))
        return stream(filters, args, ext, code, item=code)


def negotiate_listing() -> Response | None:
    """before_request of the items blueprint: `/items` with an export type in Accept.

    Browsers send `text/html, application/xml;q=0.9, */*;q=0.8`, which would pick XML;
    a request that accepts text/html (q > 0) keeps the JSON listing. Media type
    parameters (`text/csv; charset=utf-8`) do not stop a match: every export is UTF-8.
    """
    if request.endpoint != "qingdan_items.list_items" or request.method not in ("GET", "HEAD"):
        return None
    accept = MIMEAccept(
        [(value.split(";", 1)[0].strip(), quality) for value, quality in request.accept_mimetypes]
    )
    if not accept or any(value == "text/html" and quality > 0 for value, quality in accept):
        return None
    best = accept.best_match(NEGOTIABLE)
    if best in (None, "application/json"):
        return None
    args = blp.ARGUMENTS_PARSER.parse(
        ExportQuery, location="query", unknown=RAISE, error_status_code=400
    )
    ext = registry.by_media_type(best).extension
    return stream(filters_from(args), args, ext, "items")


def vary_on_accept(response: Response) -> Response:
    """after_request of the items blueprint: caches must key /items on Accept."""
    if request.endpoint == "qingdan_items.list_items":
        response.vary.add("Accept")
    return response
