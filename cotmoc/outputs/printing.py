"""How every sheet we write prints (the template's and the steward's copy's): A4 landscape, fitted to the
page width (as many pages down as needed), the header rows repeated on every page, narrow margins, and the
sheet's name and page number in the footer, so a clerk who prints a sheet gets every column, legibly."""
from __future__ import annotations

from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties

A4 = "9"                         # the paper size code of A4 in SpreadsheetML
#: The font named on every styled cell we write: a font without a name falls back to a serif in Calc.
FONT = "Calibri"


def fit_to_width(ws, title_rows: str | None = None) -> None:
    """Set `ws` (a normal or a streamed worksheet) to print landscape, fitted to one page wide; `title_rows`
    ("1:3") repeat on every page."""
    setup = ws.page_setup
    setup.orientation, setup.paperSize = "landscape", A4
    setup.fitToWidth, setup.fitToHeight = 1, 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&A — Trang &P/&N"
    ws.oddFooter.center.size = 8
