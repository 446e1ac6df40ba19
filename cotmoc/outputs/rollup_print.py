"""Prints the national rollup (the contract's national views) as terminal tables, for `cotmoc demo` and
`cotmoc rollup`. Reads the warehouse read-only, so it never blocks a load."""
from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

# (view, title, [(column, heading)])
_VIEWS = (
    ("national_teams", "Tổ tự quản toàn quốc — National teams",
     [("period", "Kỳ"), ("team_type", "Loại tổ"), ("provinces_reporting", "Tỉnh"), ("teams", "Số tổ"),
      ("members", "Thành viên")]),
    ("national_segments", "Đoạn biên giới tự quản toàn quốc — National border segments",
     [("period", "Kỳ"), ("border", "Tuyến"), ("provinces_reporting", "Tỉnh"), ("length_km", "Km đăng ký"),
      ("total_km", "Km toàn tuyến"), ("km_coverage", "Tỷ lệ"), ("markers", "Mốc"), ("persons", "Người")]),
    ("national_awards", "Khen thưởng toàn quốc — National awards",
     [("period", "Kỳ"), ("issuer", "Cấp khen"), ("award_form", "Hình thức"), ("decisions", "QĐ"),
      ("collectives", "Tập thể"), ("individuals", "Cá nhân")]),
)


def _fmt(column: str, value) -> str:
    if value is None:
        return "—"
    if column.endswith("coverage"):
        return f"{float(value):.1%}"
    if column.endswith("_km"):
        return f"{float(value):,.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_national_rollup(warehouse: Path, console: Console | None = None, period: str | None = None) -> None:
    console = console or Console()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for view, title, columns in _VIEWS:
            names = ", ".join(c for c, _ in columns)
            where = "where period = $period" if period else ""
            rows = con.execute(f"select {names} from {view} {where} order by all",
                               {"period": period} if period else {}).fetchall()
            table = Table(title=title)
            for column, heading in columns:
                table.add_column(heading, justify="left" if column in ("period", "team_type", "border", "issuer",
                                                                       "award_form") else "right")
            for row in rows:
                table.add_row(*(_fmt(c, v) for (c, _), v in zip(columns, row)))
            console.print(table)
