"""WSGI entry point: `app = create_app()`, with the dump of a missed release caught up."""

from qingdan_api import create_app
from qingdan_api.api.releases import dump_missed_release

app = create_app()
dump_missed_release(app)
