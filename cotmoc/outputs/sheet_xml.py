"""One worksheet's XML, edited where the steward's direct copy needs it (cotmoc.outputs.steward_direct): split
into its head (before the rows), its rows and its tail; made inert (conditional formats, extensions, links out,
lists drawn from outside, printer settings dropped); its tab unselected; printed as the template's sheets are
(cotmoc.outputs.printing.fit_to_width on its own settings); and each problem's cell restyled and noted as
cotmoc.outputs.steward_report._annotate does it with openpyxl (its fill, an error's border; a row's tint). The
rows are never parsed but those a mark falls on. Anything in another shape raises NotEditable."""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from xml.etree import ElementTree

from openpyxl.utils import column_index_from_string, get_column_letter

from cotmoc.core.problems import Problem
from cotmoc.outputs.ooxml import NotEditable, attrs, check_plain_part, elements, inner, start_tag, with_attrs, with_inner
from cotmoc.outputs.printing import SheetPrint, fit_to_width
from cotmoc.outputs.steward_marks import ERROR_BORDER, cell_fill, note, row_tint
from cotmoc.outputs.steward_stream import RowBlock, holds_not_plain

DROPPED_RELATIONSHIPS = {"hyperlink", "printerSettings"}     # links out, printer settings: the copy has neither
_HEAD = {b"sheetPr", b"dimension", b"sheetViews", b"sheetFormatPr", b"cols"}
_TAIL_ORDER = [b"sheetCalcPr", b"sheetProtection", b"protectedRanges", b"scenarios", b"autoFilter", b"sortState",
               b"dataConsolidate", b"customSheetViews", b"mergeCells", b"phoneticPr", b"conditionalFormatting",
               b"dataValidations", b"hyperlinks", b"printOptions", b"pageMargins", b"pageSetup", b"headerFooter",
               b"rowBreaks", b"colBreaks", b"customProperties", b"cellWatches", b"ignoredErrors", b"smartTags",
               b"drawing", b"legacyDrawing", b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls",
               b"webPublishItems", b"tableParts", b"extLst"]
#: what openpyxl's copy drops after the rows (it does not read them): conditional formats may call out
_TAIL_DROPPED = {b"conditionalFormatting", b"extLst", b"customProperties", b"cellWatches", b"smartTags",
                 b"webPublishItems"}
_TAIL_KEPT = set(_TAIL_ORDER[:_TAIL_ORDER.index(b"drawing")]) - _TAIL_DROPPED
#: a cell value that is not a number as spreadsheets write one (NaN, INF, 1.2.3 ...)
_NOT_A_NUMBER = re.compile(rb"<v>(?![-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?</v>)(?!</v>)")
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})\d+"')
_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


class SheetXml:
    """One worksheet's XML split where the copy edits it: its head (before the rows), its rows, its tail.
    `relationships`: the kinds of the parts the sheet names (links and printer settings are dropped; any other
    kind raises NotEditable); `restyle(format, fill, border)`: the index of cell format `format` (None: a cell
    that was not there) with a problem's fill and border."""

    def __init__(self, name: str, xml: bytes, relationships: list[str], restyle: Callable[..., int]):
        self.name, self.restyle = name, restyle
        check_plain_part(xml, b"worksheet")
        root_at = xml.index(b"<worksheet")
        self.prolog, self.root = xml[:root_at], start_tag(xml[root_at:])
        data = re.compile(rb"<sheetData\b[^>]*?(/?)>").search(xml, root_at)
        if data is None:
            raise NotEditable("a sheet without its rows")
        head = xml[root_at + len(self.root):data.start()]
        if data.group(1):
            self.rows, after = b"", data.end()
        else:
            closing = xml.index(b"</sheetData>", data.end())
            self.rows, after = xml[data.end():closing], closing + len(b"</sheetData>")
        if holds_not_plain(self.rows):
            raise NotEditable(f"{name}: a formula or a text a spreadsheet would run as one")
        for odd in _NOT_A_NUMBER.finditer(self.rows):    # an error value (t="e") or a date (t="d") is read as written
            kind = re.search(rb'\bt="(\w+)"', self.rows[self.rows.rfind(b"<c", 0, odd.start()):odd.start()])
            if kind is None or kind.group(1) not in (b"e", b"d"):
                raise NotEditable(f"{name}: a value a spreadsheet cannot read as a number")
        for kind in relationships:
            if kind not in DROPPED_RELATIONSHIPS:
                raise NotEditable(f"{name}: a part of the kind {kind}")
        self.rels: list[bytes] | None = None     # links out and printer settings are dropped: none of its own
        frame_head, frame_tail, self.link_columns = _frame(name, head, xml[after:xml.rindex(b"</worksheet>")])
        self.head, self.tail = list(frame_head), list(frame_tail)

    @staticmethod
    def _inert(name: str, tag: bytes, element: bytes) -> tuple[bytes, bytes]:
        """A tail element as the copy keeps it: dropped, made inert, or as it is."""
        if not tag:
            return tag, element
        if tag in _TAIL_DROPPED:
            return tag, b""
        if tag not in _TAIL_KEPT:
            raise NotEditable(f"{name}: <{tag.decode(errors='replace')}> after the rows")
        if tag == b"hyperlinks":          # a link to an outside address or file is dropped, one to a cell kept
            kept = [e for t, e in elements(inner(element)) if t and not any(k.endswith(b":id") for k in attrs(e))]
            return tag, with_inner(element, b"".join(kept)) if kept else b""
        if tag == b"dataValidations":     # a list drawn from outside the workbook is dropped
            kept = [e for t, e in elements(inner(element)) if t and not re.search(
                r"[|\[]", "".join(ElementTree.fromstring(e).itertext()) if b"<formula" in e else "")]
            return tag, with_inner(with_attrs(element, count=str(len(kept))), b"".join(kept)) if kept else b""
        if tag == b"pageSetup":
            return tag, with_attrs(element, **{key.decode().replace(":", "_"): None
                                               for key in attrs(element) if key.endswith(b":id")})
        return tag, element

    @staticmethod
    def _unselected(views: bytes) -> bytes:
        """The sheet's tab unselected: the `Loi` sheet is the one the file opens on (two would be a group)."""
        return re.sub(rb'\stabSelected="(?:1|true)"', b"", views)

    def put_tail(self, tag: bytes, element: bytes) -> None:
        """Set the tail's `tag` element (in its place, or where the schema's order puts it)."""
        for i, (t, _) in enumerate(self.tail):
            if t == tag:
                self.tail[i] = (tag, element)
                return
        rank = _TAIL_ORDER.index(tag)
        at = next((i for i, (t, _) in enumerate(self.tail) if t and _TAIL_ORDER.index(t) > rank), len(self.tail))
        self.tail.insert(at, (tag, element))

    def print_setup(self, title_rows: str | None, print_titles: str | None) -> str | None:
        """The template's print settings on this sheet (cotmoc.outputs.printing.fit_to_width); the value of its
        print titles then (None: they are left as they are). `print_titles`: their value now."""
        found = tuple((tag, e) for tag, e in (*self.head, *self.tail) if tag in SheetPrint.READ)
        elements_, titles = fitted(self.root, found, self.name, print_titles, title_rows)
        for tag, element in elements_:
            if element is None:
                continue
            if tag == b"sheetPr":
                at = next((i for i, (t, _) in enumerate(self.head) if t == tag), None)
                if at is None:
                    self.head.insert(0, (tag, element))
                else:
                    self.head[at] = (tag, element)
            else:
                self.put_tail(tag, element)
        return titles

    # --- the marks --------------------------------------------------------------------------------------------
    def mark(self, by_cell: dict, by_row: dict) -> dict[tuple[int, int], object]:
        """Fill, border and note every problem's cell, tint every problem's row, as steward_report._annotate
        does; the notes by cell."""
        if not by_cell and not by_row:
            return {}
        merged = self._merged()
        looks: dict[tuple[int, int], list] = {}
        by_cell = defaultdict(list, {k: list(v) for k, v in by_cell.items()})
        if by_row:
            width = self._max_column(merged)
            for row, items in by_row.items():
                tint = row_tint(items)
                for col in range(1, width + 1):
                    if within(merged, row, col) is None:
                        looks[(row, col)] = [tint, None]
                by_cell[(row, 1)].extend(items)
        anchored: dict[tuple[int, int], list[Problem]] = defaultdict(list)
        for (row, col), items in by_cell.items():
            anchored[within(merged, row, col) or (row, col)].extend(items)
        notes = {}
        for cell, items in anchored.items():
            look = looks.setdefault(cell, [None, None])
            look[0] = cell_fill(items)
            if any(p.is_error for p in items):
                look[1] = ERROR_BORDER
            notes[cell] = note(items)
        self._restyle(looks)
        return notes

    def _merged(self) -> list[tuple[int, int, int, int]]:
        """The merged ranges: (first row, first column, last row, last column)."""
        element = next((e for tag, e in self.tail if tag == b"mergeCells"), b"<mergeCells/>")
        return [r for tag, e in elements(inner(element)) if tag and (r := cell_range(attrs(e).get(b"ref", "")))]

    def _max_column(self, merged) -> int:
        """openpyxl's max_column: the last column of a cell it holds (the cells written, those of merged ranges
        and of links)."""
        cols = [column_index_from_string(m.group(1).decode()) for m in _CELL_REF.finditer(self.rows)]
        return max([*cols, *(r[3] for r in merged), *self.link_columns], default=1)

    def _restyle(self, looks: dict[tuple[int, int], list]) -> None:
        by_row: dict[int, dict[int, list]] = defaultdict(dict)
        for (row, col), look in looks.items():
            by_row[row][col] = look
        block = RowBlock(self.rows, 0)
        out, pos = [], 0
        for row in sorted(by_row):
            i = bisect_left(block.numbers, row)
            if i < len(block.numbers) and block.numbers[i] == row:
                start, end = block.span(i)
                out += [self.rows[pos:start], self._row(self.rows[start:end], row, by_row[row])]
                pos = end
            else:
                at = block.starts[i] if i < len(block.starts) else len(self.rows)
                out += [self.rows[pos:at], self._row(b"", row, by_row[row])]
                pos = at
        out.append(self.rows[pos:])
        self.rows = b"".join(out)
        self._widen(looks)

    def _row(self, xml: bytes, row: int, looks: dict[int, list]) -> bytes:
        """A row with its marked cells restyled and the missing ones written."""
        items = elements(xml) if xml else [(b"row", f'<row r="{row}"/>'.encode())]
        element, rest = items[0][1], b"".join(e for _, e in items[1:])
        if items[0][0] != b"row":
            raise NotEditable(f"{self.name}: a row in another shape")
        cells, written = [], set()
        for tag, cell in elements(inner(element)):
            if not tag:
                continue
            ref = attrs(cell).get(b"r", "") if tag == b"c" else ""
            found = cell_range(ref)
            if found is None or found[0] != row:
                raise NotEditable(f"{self.name}: a cell without its place in row {row}")
            col = found[1]
            if col in looks:
                cell = with_attrs(cell, s=str(self.restyle(int(attrs(cell).get(b"s", "0") or 0),
                                                                     *looks[col])))
                written.add(col)
            cells.append((col, cell))
        for col in sorted(set(looks) - written):
            cells.append((col, f'<c r="{get_column_letter(col)}{row}" s="{self.restyle(None, *looks[col])}"/>'
                          .encode()))
        if len(written) < len(looks):
            element = with_attrs(element, spans=None)
        cells.sort(key=lambda c: c[0])
        return with_inner(element, b"".join(c for _, c in cells)) + rest

    def _widen(self, looks) -> None:
        """The <dimension> (a reader's hint of the used range) taking in the cells written."""
        for i, (tag, element) in enumerate(self.head):
            if tag == b"dimension" and (r := cell_range(attrs(element).get(b"ref", ""))):
                rows = [r[0], r[2], *(row for row, _ in looks)]
                cols = [r[1], r[3], *(col for _, col in looks)]
                ref = f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}"
                self.head[i] = (tag, with_attrs(element, ref=ref))

    def to_bytes(self) -> bytes:
        rows = b"<sheetData>" + self.rows + b"</sheetData>" if self.rows else b"<sheetData/>"
        return (self.prolog + self.root + b"".join(e for _, e in self.head) + rows
                + b"".join(e for _, e in self.tail) + b"</worksheet>")


@lru_cache(maxsize=256)
def _frame(name: str, head: bytes, tail: bytes) -> tuple[tuple, tuple, tuple[int, ...]]:
    """A sheet's head and tail elements as the copy keeps them (inert, its tab unselected), and the last columns
    of its links. Pure in what it is given: the template's sheets, alike in every report, are parsed once a
    process."""
    head_elements, tail_elements = elements(head), elements(tail)
    if any(tag not in _HEAD for tag, _ in head_elements if tag):
        raise NotEditable(f"{name}: an element the direct copy does not know before the rows")
    link_columns = tuple(r[3] for tag, e in tail_elements if tag == b"hyperlinks"
                         for t, link in elements(inner(e)) if t and (r := cell_range(attrs(link).get(b"ref", ""))))
    kept = tuple((tag, e) for tag, e in (SheetXml._inert(name, tag, e) for tag, e in tail_elements) if e)
    return (tuple((tag, SheetXml._unselected(e) if tag == b"sheetViews" else e) for tag, e in head_elements), kept,
            link_columns)


@lru_cache(maxsize=256)
def fitted(root: bytes, found: tuple, name: str, titles: str | None, title_rows: str | None
            ) -> tuple[tuple[tuple[bytes, bytes | None], ...], str | None]:
    """The print elements fit_to_width leaves on a sheet, and its print titles' value (None: not set). Pure in
    what it is given, so the template's sheets, alike in every report, are set up once in a process."""
    settings = SheetPrint(root, dict(found), name, titles)
    fit_to_width(settings, title_rows)
    return tuple((tag, settings.element(tag)) for tag in SheetPrint.READ), settings.print_titles if title_rows else None


def cell_range(ref: str) -> tuple[int, int, int, int] | None:
    """"B3:D5" → (3, 2, 5, 4); "B3" → (3, 2, 3, 2); None for anything else."""
    m = _RANGE.match(ref or "")
    if m is None:
        return None
    c0, r0 = column_index_from_string(m.group(1)), int(m.group(2))
    c1, r1 = (column_index_from_string(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


def within(merged, row: int, col: int) -> tuple[int, int] | None:
    """The first cell of the merged range (row, col) lies inside of, when it is not that first cell itself
    (openpyxl's MergedCell)."""
    for r0, c0, r1, c1 in merged:
        if r0 <= row <= r1 and c0 <= col <= c1 and (row, col) != (r0, c0):
            return r0, c0
    return None
