"""Public unit endpoints: the bodies that exercise powers, with their item counts."""

from __future__ import annotations

from urllib.parse import urlencode

from flask.views import MethodView
from marshmallow import RAISE

from ..domain import vocabularies as vocab
from ..domain.published_json import encode
from ..services import alignment, units
from .blueprint import Blueprint
from .links import absolute, api_root, listing, unit_url
from .paging import page_size
from .schemas import UnitListingSchema, UnitQuery, UnitSchema
from .session import db_session
from .sources import source_label
from .spliced import json_response, listing_body

blp = Blueprint("qingdan_units", __name__, description="Units (实施主体) and their item counts")
UNITS_SCHEMA = UnitListingSchema()
QUERY_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unquoted in the query url_for builds


def unit_resource(summary: units.UnitSummary) -> dict:
    unit = summary.unit
    parent = unit.parent
    return {
        "@id": unit_url(unit.credit_code),
        "@type": "unit",
        "credit_code": unit.credit_code,
        "org_code": unit.org_code,
        "name": unit.name,
        "short_name": unit.short_name,
        "sector": unit.sector,
        "revision": unit.revision,
        "retired_at": unit.retired_at.isoformat() if unit.retired_at else None,
        "kind": unit.kind,
        "kind_label": vocab.label("unit-kinds", unit.kind),
        "nature": unit.nature,
        "region_code": unit.region_code,
        "parent": None
        if parent is None
        else {
            "@id": unit_url(parent.credit_code),
            "credit_code": parent.credit_code,
            "name": parent.name,
        },
        "zero_report": unit.zero_report,
        "zero_report_reason": unit.zero_report_reason,
        "items_total": summary.items_total,
        "item_counts": dict(sorted(summary.item_counts.items())),
        "items": f"{api_root()}/items?{urlencode({'unit': unit.credit_code}, safe=QUERY_SAFE)}",
        **({"source": source_label(unit.source_id)} if unit.source_id is not None else {}),
    }


@blp.route("/units", endpoint="list_units")
class Units(MethodView):
    @blp.arguments(UnitQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.response(200, UnitListingSchema)
    def get(self, args):
        """List units with their published item counts per category."""
        page = units.list_units(
            db_session(),
            kind=args["kind"],
            region=args["region"],
            limit=page_size(args["limit"]),
            cursor=args["cursor"],
        )
        # The resources are built in the unit schema's order with values of its types, so
        # orjson writes what the schema would dump (tests/api/test_spliced.py).
        items = [encode(unit_resource(s)) for s in page.rows]
        envelope = listing(page, [], "credit_code", backwards=False)
        return json_response(listing_body(UNITS_SCHEMA, envelope, items))


@blp.route("/units/<string:credit_code>", endpoint="get_unit")
class UnitResource(MethodView):
    @blp.response(200, UnitSchema)
    def get(self, credit_code: str):
        """One unit, its zero-report flag and its published item counts per category."""
        session = db_session()
        resource = unit_resource(units.get_unit(session, credit_code))
        resource["alignment_unexplained"] = alignment.unexplained_count(
            session, resource["credit_code"]
        )
        resource["alignment"] = absolute(
            "qingdan_catalogue.alignment", unit=resource["credit_code"]
        )
        return resource
