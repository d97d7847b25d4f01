"""The workflow of an item: its state and history, and taking a transition."""

from __future__ import annotations

from flask.views import MethodView

from ..services import workflow
from ..services.dump_upkeep import release_missing_dump
from ..services.items import STATE_LABELS
from .auth import SECURITY, current_principal, etag, if_match_revision
from .blueprint import Blueprint
from .editorial_schemas import IfMatchHeader, TransitionWriteSchema, WorkflowSchema
from .links import absolute
from .releases import dump_release
from .session import db_session

blp = Blueprint(
    "qingdan_workflow", __name__, description="Workflow: state, history and transitions"
)


def workflow_resource(info: workflow.WorkflowInfo) -> dict:
    code = info.item.code
    notice = info.notice
    return {
        "@id": absolute("qingdan_workflow.workflow", code=code),
        "@type": "workflow",
        "code": code,
        "state": info.item.state,
        "state_label": STATE_LABELS.get(info.item.state),
        "revision": info.revision,
        "notice": None
        if notice is None
        else {
            "starts_at": notice.starts_at.isoformat(),
            "ends_at": notice.ends_at.isoformat(),
            "closed_at": notice.closed_at.isoformat() if notice.closed_at else None,
        },
        "history": [
            {
                "transition": entry.action.removeprefix("workflow."),
                "from_state": (entry.before or {}).get("state"),
                "to_state": (entry.after or {}).get("state"),
                "actor": entry.actor,
                "at": entry.at.isoformat(),
                "comment": entry.comment,
            }
            for entry in info.history
        ],
        "transitions": [
            {
                "@id": absolute("qingdan_workflow.transition", code=code, transition=name),
                "name": name,
                "title": workflow.TITLES[name],
            }
            for name in info.transitions
        ],
    }


@blp.route("/items/<string:code>/@workflow", endpoint="workflow")
class Workflow(MethodView):
    @blp.response(200, WorkflowSchema)
    @blp.doc(security=SECURITY)
    def get(self, code: str):
        """State, transition history and the transitions the caller may take (staff only)."""
        info = workflow.workflow_info(db_session(), current_principal(), code)
        return workflow_resource(info), 200, etag(info.revision)


@blp.route("/items/<string:code>/@workflow/<string:transition>", endpoint="transition")
class TakeTransition(MethodView):
    @blp.arguments(IfMatchHeader, location="headers")
    @blp.arguments(TransitionWriteSchema)
    @blp.response(200, WorkflowSchema)
    @blp.doc(security=SECURITY)
    def post(self, headers, data, code: str, transition: str):
        """Take a transition (submit, review, return, approve, notice, publish, withdraw…)."""
        info = workflow.transition(
            db_session(),
            current_principal(),
            code,
            transition,
            expected_revision=if_match_revision(headers["if_match"]),
            comment=data.get("comment"),
            notice_days=data.get("notice_days"),
            release_name=data.get("release"),
        )
        if transition == "publish":  # a single item's release gets its dump as well
            session = db_session()
            missing = release_missing_dump(session)
            if missing is not None:
                dump_release(missing)
        return workflow_resource(info), 200, etag(info.revision)
