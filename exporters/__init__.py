"""Pure open-data exporters: iterables of plain dicts in, bytes chunks out (no Flask, no ORM)."""

from exporters.registry import Format, get, names

__all__ = ["Format", "get", "names"]
