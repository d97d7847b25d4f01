"""Cleanup forms over HTTP: the template, imports (JSON report or annotated workbook), units.

Uploads are capped at 50 MB before they are read (werkzeug answers 413 in the error
envelope); what is read is then checked by intake/reader.py (zip bombs, entity tricks,
endless empty rows), and an unreadable file is a 422 that stores nothing.
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from marshmallow import Schema, fields

from ..intake.reader import MAX_BYTES, UnreadableFile, read_form
from ..intake.template import annotate, build_template
from ..services import unit_admin, units
from ..services.errors import PayloadTooLarge as TooLarge
from ..services.errors import ValidationFailed
from ..services.importing import run_import
from .arguments import QueryArguments
from .auth import PRIVATE, SECURITY, current_principal, etag, if_match_revision
from .blueprint import Blueprint
from .bodies import accepts_upload
from .editorial_schemas import IfMatchHeader
from .schemas import UnitSchema
from .session import db_session
from .units import unit_resource

blp = Blueprint(
    "qingdan_imports",
    __name__,
    description="Cleanup forms (清理表格): template, imports, and units as managed resources",
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportArgs(QueryArguments):
    unit = fields.String(
        load_default=None,
        metadata={"description": "credit or organisation code of rows that name no unit"},
    )
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "check and report, store nothing"}
    )
    accept_valid = fields.Boolean(
        load_default=False,
        metadata={"description": "keep the rows without problems, report the others"},
    )
    annotated = fields.Boolean(
        load_default=False,
        metadata={
            "description": "answer with the uploaded workbook, problems in red with comments"
        },
    )


class ProblemSchema(Schema):
    sheet = fields.String()
    row = fields.Integer()
    column = fields.String()
    value = fields.Raw(allow_none=True)
    message = fields.String(metadata={"description": "Chinese: what is wrong and what to do"})


class ImportReportSchema(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    rejected_rows = fields.Integer()
    dry_run = fields.Boolean()
    committed = fields.Boolean()
    problems = fields.List(fields.Nested(ProblemSchema))
    warnings = fields.List(fields.Nested(ProblemSchema))
    items = fields.List(fields.Dict(), metadata={"description": "{row, code, action} per item"})


class UnitsImportReportSchema(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    committed = fields.Boolean()
    problems = fields.List(fields.Dict())


# Validated here (types, unknown fields: 422) before If-Match is compared, so a body that
# cannot be a unit is refused as such rather than as a stale revision.
UnitWriteSchema = Schema.from_dict(
    {name: fields.String(allow_none=True) for name in unit_admin.FIELDS}, name="UnitWrite"
)


def problems_response(blueprint: Blueprint, report_schema: str, annotated: bool = False):
    """Documents the 422 of an import: the report of the file's problems (nothing stored),
    or the Error envelope when there is no readable file at all. `annotated`: the route
    also answers `?annotated=true` with the form itself, problems marked, as XLSX (200
    and 422 alike)."""
    workbook = {XLSX: {"schema": {"type": "string", "format": "binary"}}} if annotated else {}
    responses = {
        "422": {
            "description": "the file's problems (nothing stored), or no readable file",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": f"#/components/schemas/{report_schema}"},
                            {"$ref": "#/components/schemas/Error"},
                        ]
                    }
                },
                **workbook,
            },
        }
    }
    if annotated:
        # The manual doc replaces the generated 200, so the JSON report is restated.
        report = {"schema": {"$ref": f"#/components/schemas/{report_schema}"}}
        responses["200"] = {
            "description": "the import's report, or with annotated=true the marked form",
            "content": {"application/json": report, **workbook},
        }
    return blueprint.doc(responses=responses)


def _upload() -> tuple[bytes, str]:
    request.max_content_length = MAX_BYTES + 1024 * 1024  # the form's other parts
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(
            "上传文件请用 multipart/form-data 的 file 字段", errors={"file": ["required"]}
        )
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TooLarge("文件超过 50 MB：请拆分后分批导入")
    return data, upload.filename or ""


def _read(data: bytes, filename: str):
    try:
        return read_form(data, filename)
    except UnreadableFile as exc:
        if exc.too_large:
            raise TooLarge(exc.message) from exc
        raise ValidationFailed(exc.message, errors={"file": [exc.message]}) from exc


@blp.route("/@imports/template.xlsx", endpoint="template")
class Template(MethodView):
    @blp.response(200, content_type=XLSX)
    def get(self):
        """The cleanup form: an XLSX generated from the field catalogue."""
        return Response(
            build_template(),
            mimetype=XLSX,
            headers={"Content-Disposition": "attachment; filename=qingdan-template.xlsx"},
        )


@blp.route("/@imports", endpoint="imports")
class Imports(MethodView):
    @blp.arguments(ImportArgs, location="query")
    @blp.response(200, ImportReportSchema)
    @accepts_upload(blp, "the cleanup form: XLSX, CSV or JSON, at most 50 MB")
    @problems_response(blp, "ImportReport", annotated=True)
    @blp.doc(security=SECURITY)
    def post(self, args):
        """Import a cleanup form (XLSX, CSV or JSON; multipart field `file`)."""
        session = db_session()
        principal = current_principal()
        data, filename = _upload()
        sheets, book = _read(data, filename)
        try:
            report = run_import(
                session,
                principal,
                sheets,
                unit_code=args["unit"],
                dry_run=args["dry_run"],
                accept_valid=args["accept_valid"],
            )
        except UnreadableFile as exc:
            raise ValidationFailed(exc.message, errors={"file": [exc.message]}) from exc
        finally:
            if book is not None:
                book.close()
        status = 422 if report.problems and not report.committed else 200
        if args["annotated"]:
            original = data if data[:2] == b"PK" else None
            rows = None
            if original is None:
                rows = {
                    s.title: [s.headers, *[v for _, v in s.rows]] for s in _read(data, filename)[0]
                }
            body = annotate(original, rows, report.problems)
            return Response(
                body,
                status=status,
                mimetype=XLSX,
                headers={
                    **PRIVATE,
                    "Content-Disposition": "attachment; filename=qingdan-import-report.xlsx",
                },
            )
        return report.as_dict(), status, PRIVATE


@blp.route("/units/@import", endpoint="import_units")
class UnitsImport(MethodView):
    @blp.arguments(ImportArgs, location="query")
    @accepts_upload(blp, "the units file: XLSX or CSV, at most 50 MB")
    @blp.response(200, UnitsImportReportSchema)
    @problems_response(blp, "UnitsImportReport")
    @blp.doc(security=SECURITY)
    def post(self, args):
        """Create or update units from a units file (admin; all or nothing)."""
        data, filename = _upload()
        sheets, book = _read(data, filename)
        try:
            report = unit_admin.import_units(
                db_session(), current_principal(), sheets, dry_run=args["dry_run"]
            )
        finally:
            if book is not None:
                book.close()
        return report, 422 if report["problems"] else 200, PRIVATE


@blp.route("/units", endpoint="create_unit")
class CreateUnit(MethodView):
    @blp.arguments(UnitWriteSchema)
    @blp.response(201, UnitSchema)
    @blp.doc(security=SECURITY)
    def post(self, data):
        """Create a unit (admin): credit code checked, organisation code kept as an alias."""
        session = db_session()
        unit = unit_admin.create_unit(session, current_principal(), data)
        body = unit_resource(units.get_unit(session, unit.credit_code))
        return body, 201, {**etag(unit.revision), "Location": body["@id"]}


@blp.route("/units/<string:credit_code>", endpoint="edit_unit")
class EditUnit(MethodView):
    @blp.arguments(IfMatchHeader, location="headers")
    @blp.arguments(UnitWriteSchema)
    @blp.response(200, UnitSchema)
    @blp.doc(security=SECURITY)
    def patch(self, headers, data, credit_code: str):
        """Change a unit's fields (admin; If-Match with the unit's ETag)."""
        session = db_session()
        unit = unit_admin.update_unit(
            session, current_principal(), credit_code, data, if_match_revision(headers["if_match"])
        )
        return unit_resource(units.get_unit(session, unit.credit_code)), 200, etag(unit.revision)

    @blp.arguments(IfMatchHeader, location="headers")
    @blp.response(200, UnitSchema)
    @blp.doc(security=SECURITY)
    def delete(self, headers, credit_code: str):
        """Retire a unit (admin; If-Match): it keeps its items and takes no new ones."""
        session = db_session()
        unit = unit_admin.retire_unit(
            session, current_principal(), credit_code, if_match_revision(headers["if_match"])
        )
        return unit_resource(units.get_unit(session, unit.credit_code)), 200, etag(unit.revision)
