"""The extension mounted in a host application under its own prefix."""

from __future__ import annotations

from flask import Flask

from qingdan_api import QingdanAPI

from .conftest import UNIT_A as UNIT


def make_host(database_url, tmp_path):
    host = Flask("host_portal")
    host.config.update(
        QINGDAN_DATABASE_URL=database_url,
        QINGDAN_INSTANCE=str(tmp_path),
        QINGDAN_CACHE_MAX_AGE=5,
    )

    @host.route("/")
    def home():
        return "门户首页"

    QingdanAPI(host, url_prefix="/opendata/v1")
    return host


def test_mounted_under_a_host_prefix(database_url, tmp_path, dataset):
    host = make_host(database_url, tmp_path)
    client = host.test_client()
    assert client.get("/").get_data(as_text=True) == "门户首页"
    root = client.get("/opendata/v1/").get_json()
    assert root["links"]["items"] == "http://localhost/opendata/v1/items"
    listing = client.get("/opendata/v1/items?limit=2").get_json()
    assert listing["items"][0]["@id"].startswith("http://localhost/opendata/v1/items/")
    assert listing["batching"]["next"].startswith("http://localhost/opendata/v1/items?")
    unit = client.get(f"/opendata/v1/units/{UNIT['credit_code']}")
    assert unit.status_code == 200
    assert unit.headers["Cache-Control"] == "public, max-age=5"
    assert client.get("/api/items").status_code == 404
    spec = client.get("/opendata/v1/openapi.json").get_json()
    assert "/opendata/v1/items" in spec["paths"]
    host.extensions["qingdan"].engine.dispose()


def test_init_app_factory_style(database_url, tmp_path, dataset):
    ext = QingdanAPI()
    host = Flask("host_factory")
    host.config.update(QINGDAN_DATABASE_URL=database_url, QINGDAN_INSTANCE=str(tmp_path))
    ext.init_app(host, url_prefix="/lists")
    assert host.test_client().get("/lists/items").get_json()["items_total"] > 0
    host.extensions["qingdan"].engine.dispose()
