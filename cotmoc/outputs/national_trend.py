"""The national report's trend sheet (Xu_huong): the nation's figures of every period so far, one table per
measure with the periods as columns (km and marker coverage per border line, teams and members by type,
awards by form), each drawn as a line chart on a page of its own; beside them, each province's km
coverage over the same periods. Periods are of the report's kind (years, or half-years)."""
from __future__ import annotations

import duckdb
from openpyxl.chart import Reference

from cotmoc.outputs.national_layout import (INTEGER, KM, PERCENT, fit_columns, line_chart, place_chart, print_setup,
                                    rows, sheet_title, table)
from cotmoc.core.periods import Period

_TOP = 4


def _pivot(records: list[tuple], key: int, value: int) -> dict[str, dict[str, object]]:
    """{series label: {period: value}}, series in the order the query gives them."""
    series: dict[str, dict[str, object]] = {}
    for r in records:
        series.setdefault(r[key], {})[r[0]] = r[value]
    return series


def _series_table(ws, top: int, heading: str, periods: list[str], series: dict, fmt: str,
                  first_col: int = 1) -> int:
    body = [[label] + [values.get(p) for p in periods] for label, values in series.items()]
    return table(ws, top, [heading] + periods, body, {j: fmt for j in range(2, len(periods) + 2)},
                 first_col=first_col)


def trend_sheet(wb, con: duckdb.DuckDBPyConnection, period: Period) -> None:
    ws = wb.create_sheet("Xu_huong")
    periods = [p for (p,) in rows(con, "trend_periods", period=period.code)]
    sheet_title(ws, "XU HƯỚNG QUA CÁC KỲ BÁO CÁO", period,
                note=f"Các kỳ {'năm' if period.kind == 'year' else '6 tháng'} đến kỳ này; số liệu toàn quốc")
    segments = rows(con, "trend_segments", periods=periods)
    teams = rows(con, "trend_teams", periods=periods)
    awards = rows(con, "trend_awards", periods=periods)
    measures = [   # (heading, series, number format, chart title or None)
        ("Km đăng ký tự quản theo tuyến", _pivot(segments, 1, 2), KM, None),
        ("Tỷ lệ km đăng ký theo tuyến", _pivot(segments, 1, 3), PERCENT, "Tỷ lệ km đường biên đăng ký tự quản"),
        ("Tỷ lệ mốc đăng ký theo tuyến", _pivot(segments, 1, 5), PERCENT, "Tỷ lệ cột mốc đăng ký tự quản"),
        ("Số tổ theo loại", _pivot(teams, 1, 2), INTEGER, "Số tổ tự quản theo loại"),
        ("Số thành viên theo loại", _pivot(teams, 1, 3), INTEGER, "Số thành viên tổ tự quản theo loại"),
        ("Tập thể được khen theo hình thức", _pivot(awards, 1, 2), INTEGER, "Tập thể được khen thưởng"),
        ("Cá nhân được khen theo hình thức", _pivot(awards, 1, 3), INTEGER, "Cá nhân được khen thưởng"),
    ]
    row, charts = _TOP, []
    for heading, series, fmt, chart_title in measures:
        if not series:
            continue
        last = _series_table(ws, row, heading, periods, series, fmt)
        if chart_title and any(v is not None for values in series.values() for v in values.values()):
            data = Reference(ws, min_col=1, max_col=len(periods) + 1, min_row=row + 1, max_row=last)
            cats = Reference(ws, min_col=2, max_col=len(periods) + 1, min_row=row)
            charts.append((chart_title, fmt, data, cats))
        row = last + 2
    # beside the nation's tables: every province's km coverage over the same periods
    provinces = _pivot([(p, prov, cov) for prov, p, cov in rows(con, "trend_province_coverage", periods=periods)],
                       1, 2)
    beside = len(periods) + 3
    province_last = _series_table(ws, _TOP, "Tỷ lệ km đăng ký theo tỉnh", periods, provinces, PERCENT,
                                  first_col=beside) if provinces else _TOP
    row = max(row, province_last + 2)
    for chart_title, fmt, data, cats in charts:
        # one line per table row (border line, team type or award form)
        row = place_chart(ws, line_chart(chart_title, "Tỷ lệ" if fmt == PERCENT else "Số lượng", data, cats,
                                         percent=fmt == PERCENT, from_rows=True), row, scale=1.5)
    fit_columns(ws, skip_rows={1, 2})
    print_setup(ws)
