"""The `Loi` sheet written straight as a worksheet part (cotmoc.outputs.steward_direct), from the same layout
openpyxl writes in every other copy (cotmoc.outputs.steward_list.loi_layout → fill_loi_sheet): the same cells,
formats, merges, links, heights, frozen header, filter, page break and print settings, as openpyxl writes them.
openpyxl's bookkeeping of a workbook's styles cost more than the rest of a copy; tests/test_steward_stream.py
holds the two sheets equal, cell for cell."""
from __future__ import annotations

from collections.abc import Callable
from html import escape

from openpyxl.utils import get_column_letter, quote_sheetname

from cotmoc.core.inert import FORMULA_STARTS
from cotmoc.outputs.ooxml import defined_name
from cotmoc.outputs.sheet_xml import fitted
from cotmoc.outputs.steward_list import LOI_HEADER_ROW, LOI_TITLE_ROWS, LOI_WIDTHS, LoiLayout
from cotmoc.outputs.steward_marks import LOI_SHEET, safe_str

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_LAST_COLUMN = get_column_letter(len(LOI_WIDTHS))
_VIEW = (f'<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="{LOI_HEADER_ROW}" '
         f'topLeftCell="A{LOI_HEADER_ROW + 1}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
         f'activeCell="A1" sqref="A1"/></sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
         ).encode()
_COLUMNS = ("<cols>" + "".join(f'<col width="{w:.16g}" customWidth="1" min="{j}" max="{j}"/>'
                               for j, w in enumerate(LOI_WIDTHS, start=1)) + "</cols>").encode()


def _printed() -> dict[bytes, bytes | None]:
    """The print settings of a new sheet after fit_to_width, as openpyxl writes them (set up once a process)."""
    found, _ = fitted(f'<worksheet xmlns="{_MAIN}">'.encode(), (), LOI_SHEET, None, LOI_TITLE_ROWS)
    return dict(found)


def loi_sheet_xml(layout: LoiLayout, cell_format: Callable[..., int]) -> bytes:
    """The worksheet part; `cell_format(font, fill, quote_prefix)`: the index of the workbook's cell format for
    a cell of the sheet (its alignment is the sheet's own)."""
    printed = _printed()
    by_row: dict[int, list] = {}
    for cell in layout.cells:
        by_row.setdefault(cell.row, []).append(cell)
    last = max([*by_row, *layout.heights], default=1)
    rows, links = [], []
    for row in sorted({*by_row, *layout.heights}):
        height = layout.heights.get(row)
        out = [f'<row r="{row}"' + (f' ht="{height:.16g}" customHeight="1">' if height is not None else ">")]
        for cell in sorted(by_row.get(row, []), key=lambda c: c.col):
            ref = f"{get_column_letter(cell.col)}{row}"
            text = safe_str(cell.text)
            style = cell_format(cell.font, cell.fill, cell.text.startswith(FORMULA_STARTS))
            if text:
                space = ' xml:space="preserve"' if text.strip() and text != text.strip() else ""
                out.append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{escape(text, quote=False)}'
                           f"</t></is></c>")
            else:
                out.append(f'<c r="{ref}" s="{style}" t="inlineStr"/>')
            if cell.link:
                links.append(f'<hyperlink ref="{ref}" location="{escape(cell.link)}" display="{escape(text)}"/>')
        rows.append("".join(out) + "</row>")
    merges = "".join(f'<mergeCell ref="A{r}:{_LAST_COLUMN}{r}"/>' for r in layout.banners)
    tail = [f'<autoFilter ref="A{LOI_HEADER_ROW}:{_LAST_COLUMN}{layout.filter_last}"/>',
            f'<mergeCells count="{len(layout.banners)}">{merges}</mergeCells>' if layout.banners else "",
            f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""]
    page = b"".join(printed[t] or b"" for t in (b"printOptions", b"pageMargins", b"pageSetup", b"headerFooter"))
    breaks = (f'<rowBreaks count="1" manualBreakCount="1"><brk id="{layout.page_break}" min="0" max="16383" man="1"/>'
              f"</rowBreaks>" if layout.page_break is not None else "")
    return (f'<worksheet xmlns="{_MAIN}">'.encode() + printed[b"sheetPr"]
            + f'<dimension ref="A1:{_LAST_COLUMN}{last}"/>'.encode() + _VIEW + _COLUMNS
            + ("<sheetData>" + "".join(rows) + "</sheetData>" + "".join(tail)).encode() + page + breaks.encode()
            + b"</worksheet>")


def loi_defined_names(layout: LoiLayout, sheet_index: int = 0) -> list[bytes]:
    """The names openpyxl gives the sheet: its filter's range, the rows printed on every page."""
    quoted = quote_sheetname(LOI_SHEET)
    top, bottom = LOI_TITLE_ROWS.split(":")
    return [defined_name("_FilterDatabase", sheet_index,
                         f"{quoted}!$A${LOI_HEADER_ROW}:${_LAST_COLUMN}${layout.filter_last}", hidden=True),
            defined_name("Print_Titles", sheet_index, f"{quoted}!${top}:${bottom}")]
