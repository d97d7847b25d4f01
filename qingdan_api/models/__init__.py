"""SQLAlchemy models of the whole domain; importing this module registers every table."""

from .audit import AuditEntry
from .base import Base, utcnow
from .change import UPSERT, WITHDRAW, Change
from .dump import Dump
from .item import Item, ItemVersion
from .release import Release
from .unit import Unit

__all__ = [
    "UPSERT",
    "WITHDRAW",
    "AuditEntry",
    "Base",
    "Change",
    "Dump",
    "Item",
    "ItemVersion",
    "Release",
    "Unit",
    "utcnow",
]
