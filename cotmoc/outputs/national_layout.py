"""The national report's layout, shared by its sheets: Vietnamese number formats, tables, column widths
sized to what a cell shows, print setup, and charts that never straddle a page break.

Numbers stay numbers in the cells (analysts reuse them); their formats carry the Vietnamese locale tag
`[$-42A]`, so LibreOffice shows 1.563 and 365,861 whatever its own locale, and Excel does on a
Vietnamese system (Excel takes separators from the system)."""
from __future__ import annotations

import math
from datetime import date, datetime

import duckdb
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from cotmoc.core.display import vi_number
from cotmoc.core.inert import set_cell_text
from cotmoc.core.periods import Period
from cotmoc.outputs.sql import query

INTEGER = "[$-42A]#,##0"
KM = "[$-42A]#,##0.000"
PERCENT = "[$-42A]0.0%"
AXIS_INTEGER = INTEGER
AXIS_PERCENT = "[$-42A]0%"
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"

FONT = "Times New Roman"           # Decree 30/2020/NĐ-CP: Times New Roman, Vietnamese Unicode
HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="8EA9C1")
GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
MAX_WIDTH = 48                      # wider text wraps instead
CHART_ROWS = 22                     # rows a chart of CHART_HEIGHT_CM covers (with room to spare)
CHART_HEIGHT_CM, CHART_WIDTH_CM = 9.0, 17.0


def rows(con: duckdb.DuckDBPyConnection, name: str, **params) -> list[tuple]:
    """The rows of a named national-report query (cotmoc/outputs/queries/national/<name>.sql)."""
    return con.execute(query(f"national/{name}"), params).fetchall()


def _plain(value):
    """DuckDB DECIMALs as floats (openpyxl writes numbers, not Decimal objects)."""
    return float(value) if hasattr(value, "as_tuple") else value


def table(ws, top: int, headers: list[str], body: list[list], formats: dict[int, str] | None = None,
          total: list | None = None, first_col: int = 1) -> int:
    """A header and rows from `top` at `first_col`, gridded, with an optional bold total row; returns the
    last row written."""
    for j, h in enumerate(headers):
        c = ws.cell(top, first_col + j, h)
        c.font, c.fill, c.border = Font(name=FONT, bold=True, color="FFFFFF"), HEAD_FILL, GRID
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    r = top
    for row in body + ([total] if total else []):
        r += 1
        for j, value in enumerate(row):
            c = ws.cell(r, first_col + j)
            set_cell_text(c, _plain(value))                  # a name from a report is never a formula
            c.font, c.border = Font(name=FONT, bold=row is total), GRID
            if formats and (j + 1) in formats:
                c.number_format = formats[j + 1]
            if row is total:
                c.fill = TOTAL_FILL
    return r


def shown(value, number_format: str) -> str:
    """Roughly the text a cell shows, to size its column (Vietnamese separators, as rendered)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return ""
        if "%" in number_format:
            return vi_number(value * 100, 1) + "%"
        places = len(number_format.split(".")[1].rstrip("%")) if "." in number_format else 0
        return vi_number(value, places)
    if isinstance(value, datetime):
        return "00/00/0000 00:00"
    if isinstance(value, date):
        return "00/00/0000"
    return str(value)


def fit_columns(ws, *, skip_rows: set[int] = frozenset(), minimum: float = 8) -> None:
    """Each column as wide as its widest shown value (numbers never show ###); text wider than MAX_WIDTH
    wraps. Header cells wrap at word boundaries onto at most two lines. Merged cells (titles)
    and `skip_rows` do not widen columns."""
    merged = {(r, c) for rng in ws.merged_cells.ranges for r in range(rng.min_row, rng.max_row + 1)
              for c in range(rng.min_col, rng.max_col + 1)}
    widths: dict[int, float] = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None or (c.row, c.column) in merged or c.row in skip_rows:
                continue
            text = shown(c.value, c.number_format)
            wraps = bool(c.alignment and c.alignment.wrap_text)
            # a wrapping cell (a header) gets at most two lines: its longest word or half its text
            need = max(max((len(w) for w in text.split()), default=0), -(-len(text) // 2)) if wraps else len(text)
            bold = 1.1 if c.font and c.font.bold else 1.0
            widths[c.column] = max(widths.get(c.column, minimum), min(need * bold + 2, MAX_WIDTH))
            if not wraps and len(text) + 2 > MAX_WIDTH and isinstance(c.value, str):
                c.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    _fit_row_heights(ws, merged)


def _fit_row_heights(ws, merged: set) -> None:
    """Rows holding wrapped text tall enough for all its lines (LibreOffice keeps the height a file gives)."""
    for row in ws.iter_rows():
        lines = 1
        for c in row:
            if not isinstance(c.value, str) or (c.row, c.column) in merged or not (c.alignment and c.alignment.wrap_text):
                continue
            # characters per line: Times New Roman is narrower than the width unit (a digit of the default font)
            width = (ws.column_dimensions[get_column_letter(c.column)].width or 10) * 1.1 - 1
            words, line, count = c.value.split(), 0, 1
            for w in words:                     # greedy word wrap, as the spreadsheet does
                if line and line + 1 + len(w) > width:
                    count, line = count + 1, len(w)
                else:
                    line += (1 if line else 0) + len(w)
            lines = max(lines, count)
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 14.5 * lines + 1


def print_setup(ws, *, landscape: bool = True, header_rows: str | None = None) -> None:
    """A4, fitted to the page width (as many pages tall as needed), centred, with the table's header
    rows repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    if header_rows:
        ws.print_title_rows = header_rows


def sheet_title(ws, text: str, period: Period, *, note: str | None = None) -> None:
    ws["A1"] = text
    ws["A1"].font = Font(name=FONT, bold=True, size=14)
    ws["A2"] = f"Kỳ báo cáo: {period.label_vi()} ({period.code})" + (f". {note}" if note else "")
    ws["A2"].font = Font(name=FONT, italic=True)


def place_chart(ws, chart, row: int, col: str = "A", *, scale: float = 1.0) -> int:
    """Anchor `chart` at the top of a new printed page (a manual page break before `row`), so it is never
    cut in two; returns the first row below it. `scale` enlarges it on a wide sheet (which prints smaller)."""
    if row > 1:
        ws.row_breaks.append(Break(id=row - 1))
    chart.height, chart.width = CHART_HEIGHT_CM * scale, CHART_WIDTH_CM * scale
    ws.add_chart(chart, f"{col}{row + 1}")          # a row below the break: its frame never prints on the page before
    return row + math.ceil(CHART_ROWS * scale)


def bar_chart(title: str, y_title: str, data: Reference, cats: Reference, *, percent: bool = False,
              horizontal: bool = True) -> BarChart:
    chart = BarChart()
    chart.type, chart.title, chart.y_axis.title = "bar" if horizontal else "col", title, y_title
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.y_axis.number_format = AXIS_PERCENT if percent else AXIS_INTEGER
    chart.y_axis.delete = chart.x_axis.delete = False
    if horizontal:
        chart.x_axis.scaling.orientation = "maxMin"     # first province at the top, as in the table
    if len(chart.series) == 1:
        chart.legend = None                              # the title already names the one series
    return chart


def line_chart(title: str, y_title: str, data: Reference, cats: Reference, *, percent: bool = False,
               from_rows: bool = False) -> LineChart:
    chart = LineChart()
    chart.title, chart.y_axis.title, chart.x_axis.title = title, y_title, "Kỳ báo cáo"
    chart.add_data(data, titles_from_data=True, from_rows=from_rows)
    chart.set_categories(cats)
    chart.y_axis.number_format = AXIS_PERCENT if percent else AXIS_INTEGER
    chart.y_axis.delete = chart.x_axis.delete = False
    for series in chart.series:
        series.marker.symbol = "circle"
        series.smooth = False
    return chart
