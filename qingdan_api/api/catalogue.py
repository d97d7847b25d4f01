"""The upper-level catalogue, the alignment report and the laws cited, over HTTP.

`/@catalogue` (import, list, one entry with the city's items implementing it, CSV/JSON
exports), `/@alignment` (JSON, CSV, XLSX; explanations by reviewers), `/@laws`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from flask import Response, request, stream_with_context
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from exporters import alignment_table

from ..services import alignment, basic_catalogue, catalogue_queries, laws_cited, review_queue
from ..services.errors import InvalidArgument
from . import catalogue_schemas as cs
from .arguments import BoundedInteger, Integer, PageArguments, QueryArguments
from .auth import PRIVATE, SECURITY, current_principal
from .blueprint import Blueprint
from .bodies import accepts_upload
from .imports import XLSX, ImportReportSchema, _read, _upload, problems_response
from .links import absolute, item_url, unit_url
from .paging import page_size
from .session import db_session
from .streaming import STREAMED, coalesce

blp = Blueprint(
    "qingdan_catalogue",
    __name__,
    description="The upper-level basic catalogue (基本目录), alignment (上下对应、交叉) and laws",
)


class CatalogueImportArgs(QueryArguments):
    source = fields.String(
        load_default=None, metadata={"description": "publishing body (发布机关) of the edition"}
    )
    edition_date = fields.String(
        load_default=None, metadata={"description": "edition date, e.g. 2026-03-01"}
    )
    dry_run = fields.Boolean(load_default=False)


class EntryQuery(QueryArguments):
    edition = BoundedInteger(minimum=1, load_default=None, metadata={"description": "edition id"})
    category = fields.String(load_default=None)
    level = fields.String(load_default=None, metadata={"description": "entries implemented at"})
    sector = fields.String(load_default=None)
    law = fields.String(load_default=None, metadata={"description": "entries citing this law"})
    q = fields.String(load_default=None, metadata={"description": "words of the name"})


class EntryListQuery(PageArguments, EntryQuery):
    """The entry filters with the page arguments of every listing."""


class EntryExportQuery(EntryQuery):
    labels = fields.String(load_default=None, validate=validate.OneOf(["en", "zh"]))
    bom = fields.Boolean(load_default=False)


class AlignmentQuery(QueryArguments):
    unit = fields.String(load_default=None, metadata={"description": "one unit's findings"})
    edition = BoundedInteger(minimum=1, load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(list(alignment.KINDS)))
    explained = fields.Boolean(load_default=None)


class ExplanationSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, metadata={"description": "why it is as it should be"})


class LawsQuery(QueryArguments):
    limit = Integer(load_default=50, validate=validate.Range(min=1, max=1000))
    law = fields.String(load_default=None, metadata={"description": "one law: its articles"})


def _edition(edition) -> dict | None:
    if edition is None:
        return None
    return {
        "id": edition.id,
        "source": edition.source,
        "edition_date": edition.edition_date.isoformat(),
        "entries_total": edition.entries_total,
        "imported_at": edition.imported_at.isoformat(),
    }


def _entry(entry) -> dict:
    return {
        "@id": absolute("qingdan_catalogue.entry", basic_code=entry.basic_code),
        "@type": "catalogue-entry",
        **catalogue_queries.entry_dict(entry),
    }


def _filters(args: dict) -> catalogue_queries.EntryFilters:
    return catalogue_queries.EntryFilters(
        **{k: args.get(k) for k in ("edition", "category", "level", "sector", "law", "q")}
    )


@blp.route("/@catalogue/@imports", endpoint="import_catalogue")
class CatalogueImport(MethodView):
    @blp.arguments(CatalogueImportArgs, location="query")
    @blp.response(200, ImportReportSchema)
    @accepts_upload(blp, "the catalogue edition: XLSX, CSV or JSON, at most 50 MB")
    @problems_response(blp, "ImportReport")
    @blp.doc(security=SECURITY)
    def post(self, args):
        """Import one catalogue edition (admin; CSV, XLSX or JSON in multipart `file`)."""
        data, filename = _upload()
        sheets, book = _read(data, filename)
        try:
            report = basic_catalogue.import_catalogue(
                db_session(),
                current_principal(),
                sheets,
                source=args["source"],
                edition_date=args["edition_date"],
                dry_run=args["dry_run"],
            )
        finally:
            if book is not None:
                book.close()
        return report.as_dict(), 422 if report.problems else 200, PRIVATE


@blp.route("/@catalogue", endpoint="entries")
class Entries(MethodView):
    @blp.alt_response(200, schema=cs.EntryListSchema, success=True)
    @blp.arguments(EntryListQuery, location="query", error_status_code=400, unknown=RAISE)
    def get(self, args):
        """Entries of the current (or given) edition, filtered, by basic code, paged."""
        if args["cursor"] is not None and not (
            args["cursor"].isdigit() and len(args["cursor"]) == 12
        ):
            raise InvalidArgument("cursor", "not a page token of this listing")
        edition, rows, total, following = catalogue_queries.list_entries(
            db_session(), _filters(args), limit=page_size(args["limit"]), after=args["cursor"]
        )
        body = {
            "@id": request.url,
            "edition": _edition(edition),
            "editions": [_edition(e) for e in catalogue_queries.list_editions(db_session())],
            "items": [_entry(e) for e in rows],
            "items_total": total,
        }
        if following:
            query = {**request.args.to_dict(), "cursor": following}
            body["next"] = absolute("qingdan_catalogue.entries", **query)
        return body


HEADERS = {
    "basic_code": "基本编码",
    "name": "事项名称",
    "category": "事项类型",
    "levels": "行使层级",
    "sector": "行业代码",
    "legal_basis_text": "设定依据",
    "laws": "法律法规",
}


def _entry_rows(filters) -> Iterator[dict]:
    session = db_session()
    _, query = catalogue_queries.entries_query(session, filters)
    if query is None:
        return
    for entry in session.scalars(query.execution_options(yield_per=1000)):
        yield catalogue_queries.entry_dict(entry)


@blp.route("/@catalogue.<any(csv, json):ext>", endpoint="export")
class EntriesExport(MethodView):
    @blp.arguments(EntryExportQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.response(200, content_type="text/csv")
    @blp.doc(**STREAMED)
    def get(self, args, ext: str):
        """The whole (filtered) edition as CSV or a JSON array, streamed."""
        filters = _filters(args)
        catalogue_queries.entries_query(db_session(), filters)  # bad filters fail before 200
        # Read while sent, so with the request's session: the context outlives the view.
        rows = stream_with_context(_entry_rows(filters))
        if ext == "json":
            return Response(coalesce(_json_stream(rows)), mimetype="application/json")
        names = list(HEADERS)
        header = [HEADERS[n] for n in names] if args["labels"] == "zh" else names
        return Response(
            coalesce(_csv_stream(header, names, rows, args["bom"])),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=catalogue.csv"},
        )


def _json_stream(rows: Iterator[dict]) -> Iterator[str]:
    yield "["
    for index, row in enumerate(rows):
        yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
    yield "]\n"


def _csv_stream(header, names, rows, bom: bool) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        row = {**row, "levels": ",".join(row.get("levels") or [])}
        row["laws"] = ";".join(r["law"] for r in row.get("legal_refs") or [] if r.get("law"))
        writer.writerow([row.get(n) for n in names])
        yield buffer.getvalue()


@blp.route("/@catalogue/<string:basic_code>", endpoint="entry")
class Entry(MethodView):
    @blp.alt_response(200, schema=cs.EntryWithItemsSchema, success=True)
    @blp.arguments(EntryQuery, location="query", error_status_code=400, unknown=RAISE)
    def get(self, args, basic_code: str):
        """One entry with the city's published items that implement it, across units."""
        session = db_session()
        entry = catalogue_queries.get_entry(session, basic_code, args["edition"])
        versions = catalogue_queries.implementing_items(session, basic_code)
        items = [
            {
                "@id": item_url(v.code),
                "code": v.code,
                "name": v.name,
                "level": v.level,
                "unit": {
                    "@id": unit_url(v.record["unit"]["credit_code"]),
                    **v.record["unit"],
                },
            }
            for v in versions
        ]
        return {**_entry(entry), "items": items, "items_total": len(items)}


def _report(args):
    report = alignment.compute(db_session(), unit=args["unit"], edition_id=args["edition"])
    findings = [
        f
        for f in report.findings
        if (args["kind"] is None or f.kind == args["kind"])
        and (args["explained"] is None or (f.explanation is not None) == args["explained"])
    ]
    return report, findings


@blp.route("/@alignment", endpoint="alignment")
class Alignment(MethodView):
    @blp.alt_response(200, schema=cs.AlignmentSchema, success=True)
    @blp.arguments(AlignmentQuery, location="query", error_status_code=400, unknown=RAISE)
    def get(self, args):
        """The alignment report of the city, or of one unit (`?unit=`)."""
        report, findings = _report(args)
        return {
            "@id": request.url,
            "edition": _edition(report.edition),
            "unit": report.unit.credit_code if report.unit else None,
            "summary": report.summary(),
            "findings": [f.as_dict() for f in findings],
        }


@blp.route("/@alignment.<any(csv, xlsx):ext>", endpoint="alignment_export")
class AlignmentExport(MethodView):
    @blp.arguments(AlignmentQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.response(200, content_type="text/csv")
    def get(self, args, ext: str):
        """The alignment report as CSV (UTF-8 with BOM, for Excel) or XLSX."""
        _, findings = _report(args)
        found = [f.as_dict() for f in findings]
        if ext == "xlsx":
            body, mimetype = alignment_table.to_xlsx(found), XLSX
        else:
            body, mimetype = alignment_table.to_csv(found), "text/csv"
        return Response(
            body,
            mimetype=mimetype,
            headers={"Content-Disposition": f"attachment; filename=alignment.{ext}"},
        )


@blp.route("/@alignment/<string:finding_id>/explanation", endpoint="explanation")
class Explanation(MethodView):
    @blp.alt_response(200, schema=cs.FindingSchema, success=True)
    @blp.arguments(ExplanationSchema)
    @blp.doc(security=SECURITY)
    def put(self, data, finding_id: str):
        """Mark a finding explained, with the reason (reviewer or admin; audited)."""
        finding = alignment.explain(db_session(), current_principal(), finding_id, data["reason"])
        return finding.as_dict(), 200, PRIVATE

    @blp.response(204)
    @blp.doc(security=SECURITY)
    def delete(self, finding_id: str):
        """Withdraw the explanation of a finding (reviewer or admin; audited)."""
        alignment.unexplain(db_session(), current_principal(), finding_id)
        return Response(status=204)


@blp.route("/@laws", endpoint="laws")
class Laws(MethodView):
    @blp.alt_response(200, schema=cs.LawsSchema, success=True)
    @blp.arguments(LawsQuery, location="query", error_status_code=400, unknown=RAISE)
    def get(self, args):
        """The laws the city's published items cite most; with `?law=`, its articles."""
        session = db_session()
        if args["law"]:
            return laws_cited.law_articles(session, args["law"])
        rows = laws_cited.most_cited(session, limit=args["limit"])
        for row in rows:
            row["items"] = absolute("qingdan_items.list_items", law=row["law"])
        return {"@id": request.url, "items": rows, "items_total": len(rows)}


@blp.route("/@review", endpoint="review_queue")
class ReviewQueue(MethodView):
    @blp.alt_response(200, schema=cs.ReviewQueueSchema, success=True)
    @blp.doc(security=SECURITY)
    def get(self):
        """The review queue (reviewer or admin): units with items submitted or in review,
        with each unit's unexplained alignment findings counted."""
        units = review_queue.review_queue(db_session(), current_principal())
        for unit in units:
            unit["@id"] = unit_url(unit["credit_code"])
            unit["alignment"] = absolute("qingdan_catalogue.alignment", unit=unit["credit_code"])
            for item in unit["items"]:
                item["@id"] = item_url(item["code"])
        return (
            {
                "@id": request.url,
                "units": units,
                "items_total": sum(len(u["items"]) for u in units),
            },
            200,
            PRIVATE,
        )
