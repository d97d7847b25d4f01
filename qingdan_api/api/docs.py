"""The OpenAPI document and a Swagger UI page served from local assets (no CDN)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from .links import absolute

blp = Blueprint("qingdan_docs", __name__)

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>Qingdan API 文档</title>
  <link rel="stylesheet" href="{assets}swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}swagger-ui-bundle.js"></script>
  <script src="{assets}swagger-ui-standalone-preset.js"></script>
  <script>
    window.onload = function () {{
      window.ui = SwaggerUIBundle({{url: "{spec}", dom_id: "#swagger-ui", deepLinking: true}});
    }};
  </script>
</body>
</html>
"""


def openapi_document() -> dict:
    return current_app.extensions["qingdan"].api.spec.to_dict()


@blp.route("/openapi.json", endpoint="openapi_json")
def openapi_json():
    return jsonify(openapi_document())


@blp.route("/docs", endpoint="swagger_ui")
def swagger_ui():
    assets = absolute("qingdan_docs.asset", filename="")
    page = PAGE.format(assets=assets, spec=absolute("qingdan_docs.openapi_json"))
    return current_app.response_class(page, mimetype="text/html")


@blp.route("/docs/assets/<path:filename>", endpoint="asset")
def asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
