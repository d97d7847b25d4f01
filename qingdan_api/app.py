"""The standalone application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from .config import from_environ


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The Qingdan service as a standalone app; `config` overrides the environment."""
    from .extension import QingdanAPI

    settings = {**from_environ(), **(config or {})}
    instance = Path(settings["QINGDAN_INSTANCE"]).resolve()
    app = Flask("qingdan_api", instance_path=str(instance), instance_relative_config=True)
    app.config.update(settings)
    app.json.ensure_ascii = False  # Chinese stays readable in every JSON response
    app.json.sort_keys = False
    QingdanAPI(app)
    return app
