"""The process flowchart (运行流程图) of a published item, as SVG."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import RAISE

from exporters.flowchart import MEDIA_TYPE

from ..services import catalog, flowcharts
from ..services.records import public_record
from .blueprint import Blueprint
from .editorial_schemas import AtQuery
from .session import db_session

blp = Blueprint(
    "qingdan_flowcharts", __name__, description="Process flowcharts (运行流程图) from the data"
)


@blp.route("/items/<string:code>/@flowchart.svg", endpoint="item_flowchart")
class ItemFlowchart(MethodView):
    @blp.arguments(AtQuery, location="query", error_status_code=400, unknown=RAISE)
    @blp.doc(
        responses={
            "200": {
                "description": "the flowchart (same data, same bytes: the ETag holds)",
                "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
            }
        }
    )
    def get(self, args, code: str):
        """The item's process steps as a vertical flowchart, with outcome branches, its

        statutory and promised time limits and its supervision channels at the foot
        (410 Gone when the item was withdrawn). The dumps carry a common chart per shared
        process (flowcharts.zip).
        """
        version = catalog.get_item_version(db_session(), code, args["at"])
        svg = flowcharts.item_svg(public_record(version))
        return Response(svg, mimetype=MEDIA_TYPE)
