"""Deterministic demo data: the two lists of the fictional city 临江市."""
