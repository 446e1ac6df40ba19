"""Enumeration codes for the schemas' `isin` checks, read once from the reference data."""
from cotmoc.core import reference


def codes(enum: str) -> list[str]:
    return [v.code for v in reference.enumeration(enum)]
