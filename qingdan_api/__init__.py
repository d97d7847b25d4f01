"""Qingdan: the open-data service for government power lists and responsibility lists."""

__version__ = "0.1.0"

from .app import create_app
from .extension import QingdanAPI

__all__ = ["QingdanAPI", "__version__", "create_app"]
