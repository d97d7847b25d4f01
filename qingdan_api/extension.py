"""The Flask extension: mounts the Qingdan API into any Flask app under a URL prefix."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_smorest import Api
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import __version__
from .api import (
    audit,
    catalogue,
    changes,
    docs,
    downloads,
    editing,
    exports,
    flowcharts,
    imports,
    items,
    meta,
    notices,
    releases,
    search,
    sources,
    units,
    workflow,
)
from .api.arguments import document_page_limit
from .api.bodies import check_request
from .api.errors import register_error_handlers
from .api.http import cors_under, finalize_response
from .api.session import close_session
from .api.smorest import (
    ErrorResponsesPlugin,
    QingdanApi,
    integer_path_schema,
    register_error_responses,
)
from .config import database_url, from_environ
from .db import make_engine, make_session_factory, reader_engine, writer_engine
from .search.hooks import install_after_commit, start_catch_up
from .search.indexer import Indexer
from .search.registry import make_backend

# exports before items: its /items/<code>.<ext> rules must not be read as item codes.
BLUEPRINTS = (
    meta.blp,
    units.blp,
    imports.blp,
    catalogue.blp,
    exports.blp,
    items.blp,
    flowcharts.blp,
    editing.blp,
    workflow.blp,
    releases.blp,
    notices.blp,
    audit.blp,
    changes.blp,
    sources.blp,
    search.blp,
    downloads.blp,
)


@dataclass
class QingdanState:
    """What the extension keeps in `app.extensions["qingdan"]`."""

    engine: Engine
    # Sessions that may write (services, CLI, indexer): on SQLite their transactions take
    # the write lock up front. Public reads use `read_session_factory`, which never blocks.
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    api: Api
    url_prefix: str
    search: Indexer


class QingdanAPI:
    """Flask extension: `QingdanAPI(app)` or `ext = QingdanAPI(); ext.init_app(app)`."""

    def __init__(self, app: Flask | None = None, *, url_prefix: str | None = None):
        self.url_prefix = url_prefix
        if app is not None:
            self.init_app(app, url_prefix=url_prefix)

    def init_app(self, app: Flask, *, url_prefix: str | None = None) -> QingdanState:
        for key, value in from_environ().items():
            app.config.setdefault(key, value)
        prefix = url_prefix or self.url_prefix or app.config["QINGDAN_URL_PREFIX"]
        prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        app.config["QINGDAN_URL_PREFIX"] = prefix

        # flask-smorest reads its settings under our prefix, so a host app keeps its own.
        app.config.setdefault("QINGDAN_API_TITLE", "Qingdan 权力清单和责任清单开放数据 API")
        app.config.setdefault("QINGDAN_API_VERSION", __version__)
        # 3.0.3: the Swagger UI served offline (swagger-ui-bundle, 4.x) cannot render 3.1.
        app.config.setdefault("QINGDAN_OPENAPI_VERSION", "3.0.3")
        api = QingdanApi(
            app,
            config_prefix="QINGDAN",
            spec_kwargs={"info": _info(), "extra_plugins": [ErrorResponsesPlugin()]},
        )
        register_error_responses(api.spec)
        api.register_converter(IntegerConverter, integer_path_schema)
        api.ma_plugin.converter.add_attribute_function(
            document_page_limit(app.config["QINGDAN_MAX_PAGE_SIZE"])
        )
        api.spec.components.security_scheme(
            "bearer", {"type": "http", "scheme": "bearer", "description": "qingdan token create"}
        )

        engine = make_engine(database_url(app.config), echo=app.config["QINGDAN_SQL_ECHO"])
        session_factory = make_session_factory(writer_engine(engine))
        read_session_factory = make_session_factory(reader_engine(engine))
        # The indexer writes: on SQLite its transactions take the write lock up front too.
        indexer = Indexer(
            session_factory,
            make_backend(app.config),
            processes=app.config["QINGDAN_INDEX_PROCESSES"],
        )
        for factory in (session_factory, read_session_factory):
            install_after_commit(factory, indexer)
        state = QingdanState(engine, session_factory, read_session_factory, api, prefix, indexer)
        app.extensions["qingdan"] = state

        for blueprint in BLUEPRINTS:
            api.register_blueprint(blueprint, url_prefix=prefix)
        app.register_blueprint(docs.blp, url_prefix=prefix)
        register_error_handlers(app)
        app.after_request(cors_under(prefix))
        if app.config["QINGDAN_PROXY_COUNT"] > 0:
            # The client's address (the comment rate limit) and the public scheme and host
            # (links) as the trusted proxies report them.
            count = app.config["QINGDAN_PROXY_COUNT"]
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
        app.teardown_appcontext(close_session)
        if app.config["QINGDAN_PORTAL"]:
            from .portal import init_portal

            init_portal(app, app.config["QINGDAN_PORTAL_PREFIX"])
        if app.config["QINGDAN_SEARCH_CATCH_UP_ON_START"]:
            start_catch_up(indexer)
        return state


for _blueprint in (*BLUEPRINTS, docs.blp):
    _blueprint.after_request(finalize_response)
    _blueprint.before_request(check_request)
# `/items` answers with an export when Accept asks for one (api/exports.py).
items.blp.before_request(exports.negotiate_listing)
items.blp.after_request(exports.vary_on_accept)


def _info() -> dict:
    return {
        "description": (
            "Published power lists and responsibility lists (权力清单、责任清单): items, "
            "units, versions, releases, code lists. Read endpoints need no authentication "
            "and show published content only; the editorial endpoints (drafts, workflow, "
            "releases, audit) need `Authorization: Bearer <token>`, and writes to a draft "
            "need `If-Match` with its ETag (428 without, 412 when stale). Listings page "
            "with an opaque keyset `cursor` (see `batching`); `limit` is at most 200. "
            "Every error has the same JSON "
            "envelope: {code, status, message, errors}."
        ),
        "license": {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
    }
