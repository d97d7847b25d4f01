"""The harvester: mirrors other Qingdan instances' change feeds into this database."""

from .client import HarvestError, SourceClient
from .run import HarvestResult, harvest

__all__ = ["HarvestError", "HarvestResult", "SourceClient", "harvest"]
