"""Reading the PUBLISHED copy of the warehouse (`cotmoc.pipeline.rollup.published_path`), opened read-only so that a
load is never blocked: the SQL files of cotmoc/portal/queries/ and `cotmoc status`'s own reader. Part of the
portal's adapter (`library`, `approvals` use it)."""
from __future__ import annotations

from importlib.resources import files

from cotmoc.core.config import Settings, published_path


def _sql(name: str) -> str:
    return files("cotmoc.portal").joinpath("queries", f"{name}.sql").read_text(encoding="utf-8")


def _published(settings: Settings):
    """A read-only connection to the published copy, or None before the first rollup."""
    from cotmoc.warehouse.db import open_read_only
    path = published_path(settings.warehouse)
    if not path.exists():
        return None
    return open_read_only(path)


def _rows(cur) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def query(settings: Settings, name: str, params) -> list[dict]:
    return queries(settings, [(name, params)])[0]


def queries(settings: Settings, asked: list[tuple[str, dict]]) -> list[list[dict]]:
    """Several queries on ONE read-only connection (opening the file is most of a small query's time)."""
    con = _published(settings)
    if con is None:
        return [[] for _ in asked]
    try:
        return [_rows(con.execute(_sql(name), params)) for name, params in asked]
    finally:
        con.close()


def published_status(settings: Settings, periods: list[str]):
    """`cotmoc status`'s own reader over the published copy (its cells, held reports...), None before it exists."""
    from cotmoc.outputs.status import read_status
    con = _published(settings) if periods else None
    if con is None:
        return None
    with con:
        return read_status(con, str(published_path(settings.warehouse)), periods=periods)


def status_cells(settings: Settings, periods: list[str]) -> list[dict]:
    status = published_status(settings, periods)
    return status.cells if status else []
