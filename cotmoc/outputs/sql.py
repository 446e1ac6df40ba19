"""The outputs' SQL: named statements in cotmoc/outputs/queries/ (national/ for the national report), read
as cotmoc.warehouse.db.query reads the loader's, so no query lives in a Python string. The outputs take a
connection and never import the warehouse package (docs/architecture.md, layers)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

QUERY_DIR = Path(__file__).resolve().parent / "queries"


@lru_cache(maxsize=None)
def query(name: str) -> str:
    """The statement `queries/<name>.sql` ('national/segments_by_province', 'status_cells')."""
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")
