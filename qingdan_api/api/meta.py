"""Self-description: the service root, the item field schema and the code lists."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from ..domain import vocabularies as vocab
from ..domain.fields import ITEM_FIELDS, VERSION_FIELDS, Field
from ..domain.validation import SAVE_REQUIRED, submit_requires
from ..services.errors import NotFound
from .arguments import QueryArguments
from .blueprint import Blueprint
from .links import absolute
from .schemas import ServiceRootSchema, TypeSchema, VocabularySchema

blp = Blueprint("qingdan_meta", __name__, description="Service root, field schema, code lists")

# Components other blueprints add to the service root: name -> (endpoint, values).
ROOT_LINKS: dict[str, tuple[str, dict]] = {
    "items": ("qingdan_items.list_items", {}),
    "units": ("qingdan_units.list_units", {}),
    "types": ("qingdan_meta.get_type", {"name": "item"}),
    "vocabularies": ("qingdan_meta.list_vocabularies", {}),
    "releases": ("qingdan_releases.list_releases", {}),
    "notices": ("qingdan_notices.list_notices", {}),
    "changes": ("qingdan_changes.list_changes", {}),
    "changes_atom": ("qingdan_changes.atom", {}),
    "checksum": ("qingdan_changes.get_checksum", {}),
    "sources": ("qingdan_sources.list_sources", {}),
    "search": ("qingdan_search.status", {}),  # @search itself needs a q
}


@blp.route("/", endpoint="root")
class ServiceRoot(MethodView):
    @blp.response(200, ServiceRootSchema)
    def get(self):
        """Service root: name, version and links to every component."""
        from .. import __version__

        links = {
            name: absolute(endpoint, **values)
            for name, (endpoint, values) in ROOT_LINKS.items()
            if endpoint in current_app.view_functions
        }
        links["openapi"] = absolute("qingdan_docs.openapi_json")
        links["docs"] = absolute("qingdan_docs.swagger_ui")
        return {
            "@id": absolute("qingdan_meta.root"),
            "@type": "service",
            "name": "qingdan",
            "title": "权力清单和责任清单开放数据服务",
            "version": __version__,
            "links": links,
        }


def _field(spec: Field) -> dict:
    return {
        "name": spec.name,
        "label": spec.label,
        "type": spec.type,
        "required": spec.required,
        "vocabulary": spec.vocabulary,
        "item_type": spec.item_type,
        "members": [_field(m) for m in spec.items],
    }


@blp.route("/@types/<string:name>", endpoint="get_type")
class Types(MethodView):
    @blp.response(200, TypeSchema)
    def get(self, name: str):
        """Every field of a content type with its Chinese label, type and whether required."""
        if name != "item":
            raise NotFound(f"no content type {name!r}; the only type is 'item'")
        return {
            "@id": absolute("qingdan_meta.get_type", name=name),
            "@type": "type",
            "title": "权力事项",
            "fields": [_field(spec) for spec in ITEM_FIELDS + VERSION_FIELDS],
            "save_requires": list(SAVE_REQUIRED),
            "submit_requires": submit_requires(),
        }


def _vocabulary(name: str) -> dict:
    terms = vocab.VOCABULARIES[name]
    return {
        "@id": absolute("qingdan_meta.get_vocabulary", name=name),
        "@type": "vocabulary",
        "name": name,
        "title": vocab.VOCABULARY_TITLES[name],
        "stored_as": "key" if name in vocab.STORED_BY_KEY else "code",
        "items": [
            {"code": t.code, "key": t.key, "label": t.label, "source": t.source} for t in terms
        ],
        "items_total": len(terms),
    }


@blp.route("/@vocabularies", endpoint="list_vocabularies")
class Vocabularies(MethodView):
    @blp.response(200, VocabularySchema(many=True))
    def get(self):
        """Every code list with its terms."""
        return [_vocabulary(name) for name in vocab.VOCABULARIES]


@blp.route("/@vocabularies/<string:name>", endpoint="get_vocabulary")
class Vocabulary(MethodView):
    @blp.arguments(QueryArguments, location="query", error_status_code=400)
    @blp.response(200, VocabularySchema)
    def get(self, _args, name: str):
        """One code list: codes, English keys and Chinese labels."""
        if name not in vocab.VOCABULARIES:
            raise NotFound(f"no vocabulary {name!r}; one of {', '.join(vocab.VOCABULARIES)}")
        return _vocabulary(name)
