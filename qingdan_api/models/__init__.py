"""SQLAlchemy models of the whole domain; importing this module registers every table."""

from .account import ApiToken
from .audit import AuditEntry
from .base import Base, utcnow
from .catalogue import AlignmentExplanation, CatalogueEdition, CatalogueEntry
from .change import UPSERT, WITHDRAW, Change
from .counter import ChangeCounter
from .dump import Dump
from .fragment import ExportCsvRow, ExportFragment
from .item import Item, ItemVersion
from .notice import Notice, NoticeComment
from .release import Release
from .search import (
    SearchCheckpoint,
    SearchCodeKey,
    SearchDocument,
    SearchPendingTermKey,
    SearchTerm,
    SearchTermKey,
)
from .source import HarvestConflict, Source
from .unit import Unit

__all__ = [
    "UPSERT",
    "WITHDRAW",
    "AlignmentExplanation",
    "ApiToken",
    "AuditEntry",
    "Base",
    "CatalogueEdition",
    "CatalogueEntry",
    "Change",
    "ChangeCounter",
    "Dump",
    "ExportCsvRow",
    "ExportFragment",
    "HarvestConflict",
    "Item",
    "ItemVersion",
    "Notice",
    "NoticeComment",
    "Release",
    "SearchCheckpoint",
    "SearchCodeKey",
    "SearchDocument",
    "SearchPendingTermKey",
    "SearchTerm",
    "SearchTermKey",
    "Source",
    "Unit",
    "utcnow",
]
