"""WSGI entry point: `app = create_app()`."""

from qingdan_api import create_app

app = create_app()
