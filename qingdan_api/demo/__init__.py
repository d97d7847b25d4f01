"""Deterministic demo data: the two lists of the fictional city 临江市."""

from .items import generate_items
from .units import generate_units

__all__ = ["generate_items", "generate_units"]
