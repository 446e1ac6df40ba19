"""Prints the national rollup (the contract's national views) as terminal tables, for `cotmoc demo` and
`cotmoc rollup`. Reads a connection it is given (the published copy, read-only, so it never blocks a load)."""
from __future__ import annotations

import duckdb
from rich.console import Console
from rich.table import Table

from cotmoc.core.display import enum_label, vi_number, vi_percent
from cotmoc.outputs.sql import query

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
    ("national_activities", "Hoạt động toàn quốc (tỉnh có số liệu) — National activities (provinces that reported)",
     [("period", "Kỳ"), ("activity", "Hoạt động"), ("provinces_reporting", "Tỉnh"), ("count", "Buổi/lớp/mô hình"),
      ("people", "Lượt người"), ("teams", "Số tổ"), ("since", "Từ năm")]),
    ("national_reach", "Phạm vi triển khai toàn quốc — National reach (provinces that reported)",
     [("period", "Kỳ"), ("provinces_reporting", "Tỉnh"), ("communes_covered", "Xã triển khai"),
      ("communes_total", "Tổng số xã"), ("coverage_communes", "Tỷ lệ"), ("districts", "Huyện"),
      ("border_posts", "Đồn BP")]),
)


_ENUMS = ("team_type", "issuer", "award_form")


def _fmt(column: str, value, borders: dict[str, str]) -> str:
    """Names, not codes; numbers the Vietnamese way (cotmoc.core.display)."""
    if value is None:
        return "—"
    if column in _ENUMS + ("activity",):
        return enum_label(column, value)
    if column == "border":
        return borders.get(value, value)
    if column.endswith("coverage") or column.startswith("coverage_"):
        return vi_percent(value, 1)
    if column.endswith("_km"):
        return vi_number(float(value), 3)
    if column == "since":
        return str(value)                 # a year, not a quantity
    if isinstance(value, int):
        return vi_number(value)
    return str(value)


def print_national_rollup(con: duckdb.DuckDBPyConnection, console: Console | None = None,
                          period: str | None = None) -> None:
    """The national views as tables, read on `con` (the published copy, opened read-only by the caller:
    cotmoc.warehouse.db.open_read_only)."""
    console = console or Console()
    borders = dict(con.execute(query("border_labels")).fetchall())
    order = {(e, c): n for e, c, n in con.execute(query("enumeration_order")).fetchall()}
    for view, title, columns in _VIEWS:
        names = ", ".join(f'"{c}"' for c, _ in columns)
        rows = con.execute(query("rollup_rows").format(columns=names, view=view), {"period": period}).fetchall()
        table = Table(title=title)
        for column, heading in columns:
            table.add_column(heading, justify="left" if column in ("period", "team_type", "border", "issuer",
                                                                   "award_form", "activity") else "right")
        # the reference order of types, issuers and forms (as in the template), not the codes' spelling
        rows.sort(key=lambda r: [(order.get((c, v), 99), "") if c in _ENUMS + ("activity",) else (0, str(v))
                                 for (c, _), v in zip(columns, r)])
        for row in rows:
            table.add_row(*(_fmt(c, v, borders) for (c, _), v in zip(columns, row)))
        console.print(table)
