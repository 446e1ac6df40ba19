"""How every sheet we write prints (the template's and the steward's copy's): A4 landscape, fitted to the
page width (as many pages down as needed), the header rows repeated on every page, narrow margins, and the
sheet's name and page number in the footer, so a clerk who prints a sheet gets every column, legibly."""
from __future__ import annotations

from openpyxl.worksheet.header_footer import HeaderFooter
from openpyxl.worksheet.page import PageMargins, PrintOptions, PrintPageSetup
from openpyxl.worksheet.print_settings import PrintTitles, RowRange
from openpyxl.worksheet.properties import PageSetupProperties, WorksheetProperties

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


class SheetPrint:
    """A sheet's print settings read from its XML with openpyxl's own classes, as openpyxl reads a worksheet, so
    that `fit_to_width` sets them on a copy written straight into the XML (cotmoc.outputs.steward_direct); each
    element is then written back as openpyxl writes it (`element`)."""
    READ = {b"sheetPr": ("sheet_properties", WorksheetProperties), b"printOptions": ("print_options", PrintOptions),
             b"pageMargins": ("page_margins", PageMargins), b"pageSetup": ("page_setup", PrintPageSetup),
             b"headerFooter": ("HeaderFooter", HeaderFooter)}

    def __init__(self, root: bytes, found: dict[bytes, bytes], title: str, print_titles: str | None):
        """`root`: the sheet's <worksheet> start tag (its namespaces); `found`: its elements by tag; `title`: the
        sheet's name; `print_titles`: what its print titles are now (a defined name's value)."""
        from xml.etree import ElementTree
        for tag, (attr, cls) in self.READ.items():
            element = ElementTree.fromstring(root + found[tag] + b"</worksheet>")[0] if tag in found else None
            setattr(self, attr, cls.from_tree(element) if element is not None else cls())
        self.title = title
        titles = PrintTitles.from_string(print_titles) if print_titles else None
        self._print_rows, self._print_cols = (titles.rows, titles.cols) if titles else (None, None)

    @property
    def oddFooter(self):
        return self.HeaderFooter.oddFooter

    @property
    def print_title_rows(self) -> str | None:
        return str(self._print_rows) if self._print_rows else None

    @print_title_rows.setter
    def print_title_rows(self, rows: str | None) -> None:
        if rows is not None:
            self._print_rows = RowRange(rows)

    @property
    def print_titles(self) -> str:
        """The print titles' value, as openpyxl names them (a defined name's value)."""
        return str(PrintTitles(cols=self._print_cols, rows=self._print_rows, title=self.title))

    def element(self, tag: bytes) -> bytes | None:
        """The element `tag` as openpyxl writes it (None where openpyxl writes none)."""
        from openpyxl.xml.functions import tostring
        value = getattr(self, self.READ[tag][0])
        return tostring(value.to_tree()) if tag == b"sheetPr" or value else None
