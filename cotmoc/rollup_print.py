"""Prints the national rollup (the contract's national views) as terminal tables, for `cotmoc demo` and
`cotmoc rollup`. Reads the warehouse read-only, so it never blocks a load."""
from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

_VIEWS = (
    ("national_teams", "Tổ tự quản toàn quốc — National teams",
     ("period", "team_type", "provinces_reporting", "teams", "members", "households")),
    ("national_segments", "Đoạn biên giới toàn quốc — National border segments",
     ("period", "border", "provinces_reporting", "length_km", "total_km", "km_coverage", "markers",
      "total_markers", "border_works", "households", "persons")),
    ("national_awards", "Khen thưởng toàn quốc — National awards",
     ("period", "issuer", "award_form", "provinces_reporting", "decisions", "collectives", "individuals")),
)


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1%}" if 0 <= value <= 1 and value != 0 and value % 1 else f"{value:,.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_national_rollup(warehouse: Path, console: Console | None = None, period: str | None = None) -> None:
    console = console or Console()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for view, title, columns in _VIEWS:
            where = "where period = ?" if period else ""
            rows = con.execute(f"select {', '.join(columns)} from {view} {where} order by all",
                               [period] if period else []).fetchall()
            table = Table(title=title)
            for c in columns:
                table.add_column(c, justify="left" if c in ("period", "team_type", "border", "issuer",
                                                            "award_form") else "right")
            for row in rows:
                table.add_row(*(_fmt(v) if not (c.endswith("coverage") and v is not None) else f"{v:.2%}"
                                for c, v in zip(columns, row)))
            console.print(table)
