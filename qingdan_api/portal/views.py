"""The portal's pages: home, search, unit, item, notices (with comments), releases, open data."""

from __future__ import annotations

import base64
from http import HTTPStatus

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from ..api.bodies import check_query_encoding
from ..api.errors import status_of
from ..api.http import finalize_response
from ..api.session import db_session
from ..domain import vocabularies as vocab
from ..listings.filters import parse_filters
from ..services import (
    catalog,
    dumps,
    flowcharts,
    history,
    notices,
    overview,
    search,
    units,
)
from ..services.errors import (
    DomainError,
    Gone,
    InvalidArgument,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from ..services.records import public_record
from . import present

blp = Blueprint(
    "qingdan_portal",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/portal",
)
present.register_filters(blp)

PAGE = 30
RELEASE_SHOWN = 300  # entries listed per kind on a release page; the API has them all
FILTERS = ("category", "level", "target", "unit", "region")
FACET_TITLES = {
    "category": "事项类型",
    "level": "行使层级",
    "target": "服务对象",
    "unit": "实施主体",
    "region": "行政区划",
}
# Everything the pages load comes from this origin; no inline script or style.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'self'; base-uri 'self'"
)


blp.before_request(check_query_encoding)  # 400, the portal's error page (below)


@blp.after_request
def _finish(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.method == "POST":
        response.headers["Cache-Control"] = "no-store"
    return finalize_response(response)


def render_error(error: HTTPException):
    """The portal's error page for an HTTP error raised outside a view (no route matched)."""
    status = HTTPStatus(error.code or 500)
    page = render_template("portal/error.html", status=status, message=error.description or "")
    return _finish(Response(page, status=status.value, mimetype="text/html"))


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    status = status_of(error)
    if isinstance(error, Gone) and "withdrawal" in error.details:
        page = render_template("portal/withdrawn.html", w=error.details["withdrawal"])
        return page, status.value
    return render_template("portal/error.html", status=status, message=error.message), status.value


def _filters(args) -> catalog.ItemFilters:
    """The portal's filters, parsed as the API parses them (listings/filters.py)."""
    given = {name: [v for v in args.getlist(name) if v] for name in FILTERS}
    return parse_filters({name: values for name, values in given.items() if values})


def _site() -> dict:
    return {"site_title": current_app.config["QINGDAN_PORTAL_TITLE"]}


@blp.get("/", endpoint="home")
def home():
    """Units with their item counts per category, the latest releases, a search box."""
    session = db_session()
    overview_ = overview.home(session)
    totals = overview_.totals
    categories = [t for t in vocab.VOCABULARIES["categories"] if totals.get(t.code)]
    return render_template(
        "portal/home.html",
        units=overview_.units,
        units_total=overview_.units_total,
        categories=categories,
        totals=totals,
        releases=overview_.releases,
        notices_total=notices.list_notices(session, limit=1).total,
        **_site(),
    )


@blp.get("/search", endpoint="search")
def search_page():
    """Search with highlights and facets; without words, the filtered list by code."""
    session = db_session()
    q = (request.args.get("q") or "").strip()
    filters = _filters(request.args)
    cursor = request.args.get("cursor") or None
    context = {"q": q, "args": request.args, "vocab": vocab.VOCABULARIES, **_site()}
    try:
        if q:
            backend = current_app.extensions["qingdan"].search.backend
            result = search.search(
                session, backend, q, filters, limit=PAGE, cursor=cursor, records=True
            )
            hits = [
                {
                    "record": h.record,
                    "name": Markup(h.highlights.get("name", "")),  # escaped, with <mark>
                    "text": Markup(h.highlights["text"]) if h.highlights.get("text") else None,
                }
                for h in result.hits
            ]
            context.update(hits=hits, total=result.total, facets=result.facets, next=result.next)
        else:
            page = catalog.list_items(session, filters, limit=PAGE, cursor=cursor)
            hits = [{"record": v.record, "name": v.record["name"], "text": None} for v in page.rows]
            context.update(hits=hits, total=page.total, facets={}, next=page.next, prev=page.prev)
    except InvalidArgument as error:
        context.update(hits=[], total=0, facets={}, error=error.message)
        return render_template("portal/search.html", **context), HTTPStatus.BAD_REQUEST.value
    context["facet_titles"] = FACET_TITLES
    if len(filters.unit) == 1:
        try:
            context["unit_name"] = units.get_unit(session, filters.unit[0]).unit.name
        except NotFound:
            context["unit_name"] = None
    return render_template("portal/search.html", **context)


@blp.get("/units/<string:credit_code>", endpoint="unit")
def unit_page(credit_code: str):
    """One unit's list (paged, by category), or its zero-report notice."""
    session = db_session()
    summary = units.get_unit(session, credit_code)
    category = request.args.get("category") or None
    filters = parse_filters(
        {"unit": [credit_code], **({"category": [category]} if category else {})}
    )
    page = catalog.list_items(
        session, filters, limit=PAGE * 2, cursor=request.args.get("cursor") or None
    )
    return render_template(
        "portal/unit.html",
        summary=summary,
        unit=summary.unit,
        category=category,
        page=page,
        **_site(),
    )


def _versions(code: str) -> list[dict]:
    """Every published version, newest first, each with what changed from the one before."""
    versions = catalog.list_versions(db_session(), code)
    out = []
    for before, after in zip([None, *versions], versions, strict=False):
        changes = history.summary(before.record, after.record) if before else []
        out.append({"version": after, "changes": changes})
    return list(reversed(out))


@blp.get("/items/<string:code>", endpoint="item")
def item_page(code: str):
    """The complete disclosure of one published item (410 page when it was withdrawn)."""
    session = db_session()
    version = catalog.get_item_version(session, code)
    record = public_record(version)
    subs = catalog.list_items(session, catalog.ItemFilters(parent=(code,)), limit=100)
    return render_template(
        "portal/item.html",
        record=record,
        facts=present.basic_facts(record),
        limits=present.time_limits(record),
        supervision=present.supervision(record),
        versions=_versions(code),
        sub_items=subs.rows,
        **_site(),
    )


@blp.get("/notices", endpoint="notices")
def notices_page():
    page = notices.list_notices(db_session(), limit=PAGE, cursor=request.args.get("cursor") or None)
    return render_template("portal/notices.html", page=page, **_site())


def _notice(code: str, status: int = 200, **form):
    on_notice = notices.get_notice(db_session(), code)
    record = on_notice.version.record
    page = render_template(
        "portal/notice.html",
        notice=on_notice.notice,
        record=record,
        # Not published yet, so no flowchart URL: the chart travels inside the page.
        chart_src=_data_uri(flowcharts.item_svg(record)),
        facts=present.basic_facts(record),
        limits=present.time_limits(record),
        supervision=present.supervision(record),
        sent=request.args.get("sent") == "1",
        form=form.get("values") or {},
        errors=form.get("errors") or {},
        message=form.get("message"),
        **_site(),
    )
    return page, status


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


@blp.get("/notices/<string:code>", endpoint="notice")
def notice_page(code: str):
    """An item on public notice, its proposed content and the comment form."""
    return _notice(code)


@blp.post("/notices/<string:code>", endpoint="comment")
def post_comment(code: str):
    """The comment form's handler: the notice service's rules, then back to the page."""
    config = current_app.config
    values = {k: request.form.get(k, "") for k in ("body", "author", "contact")}
    try:
        notices.post_comment(
            db_session(),
            code,
            client=request.remote_addr or "unknown",
            body=values["body"],
            author=values["author"].strip() or None,
            contact=values["contact"].strip() or None,
            rate_limit=config["QINGDAN_COMMENT_RATE_LIMIT"],
            window_seconds=config["QINGDAN_COMMENT_RATE_WINDOW"],
        )
    except ValidationFailed as error:
        errors = {k: "；".join(v) for k, v in (error.errors or {}).items()}
        return _notice(
            code, 422, values=values, errors=errors, message="意见未能提交，请检查后重试。"
        )
    except TooManyRequests:
        message = "提交过于频繁，请稍后再试。"
        return _notice(code, 429, values=values, message=message)
    return redirect(url_for(".notice", code=code, sent=1, _anchor="comment"), 303)


@blp.get("/releases", endpoint="releases")
def releases_page():
    page = overview.release_summaries(
        db_session(), limit=PAGE, cursor=request.args.get("cursor") or None
    )
    return render_template("portal/releases.html", page=page, **_site())


@blp.get("/releases/<int:release_id>", endpoint="release")
def release_page(release_id: int):
    contents = overview.release_overview(db_session(), release_id, shown=RELEASE_SHOWN)
    return render_template("portal/release.html", contents=contents, **_site())


@blp.get("/open-data", endpoint="open_data")
def open_data_page():
    """The dumps with their checksums, the catalog, the change feed, the export URLs."""
    return render_template(
        "portal/open_data.html", dumps=dumps.list_dumps(db_session())[:5], **_site()
    )
