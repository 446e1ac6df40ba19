"""The steward's annotated copy written straight into the workbook's XML: every part the steward sent stays as
it is but for the edits the copy needs, so a copy costs about what unzipping and zipping the file does (a few
milliseconds for a province's report, against ≈ 50 ms through openpyxl, which loads and saves a whole workbook).

The edits are what openpyxl's copy does (cotmoc.outputs.steward_report), and tests/test_steward_stream.py holds
the two equal, cell for cell:
- **inert**: conditional formats, a sheet's extensions, links to outside addresses, lists drawn from outside the
  workbook, defined names that are not a reference to its own cells and printer settings are dropped;
- **marked** (cotmoc.outputs.steward_marks): each problem's cell filled, an error's bordered, with its note (a
  comments part and its VML drawing); a problem of a row tints the row; the new cell formats are appended to the
  workbook's stylesheet, so every cell keeps the look it had but for its fill or border;
- **printed**: the report's sheets set up as the template's (cotmoc.outputs.printing.fit_to_width, applied to
  the sheet's own print settings read with openpyxl's classes);
- **the `Loi` sheet** first and selected (cotmoc.outputs.steward_list.fill_loi_sheet, written by openpyxl on its
  own, its cell formats added to the workbook's).

A workbook outside these shapes raises NotDirect and the caller writes the streamed copy instead
(cotmoc.outputs.steward_stream), which hands openpyxl what needs its care: a formula or a text a spreadsheet
would run as one, notes already there (the steward's, or ours in a copy sent back), our `Loi` sheet, macros,
drawings, tables, links to other workbooks, a part this does not know, or parts larger than DIRECT_MAX_BYTES.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from bisect import bisect_left
from collections import defaultdict
from functools import lru_cache
from html import escape
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._writer import WorksheetWriter

from cotmoc.core import contract
from cotmoc.core.atomic import replacing
from cotmoc.core.inert import refers_to_cells
from cotmoc.core.places import find_sheet
from cotmoc.core.problems import Problem
from cotmoc.outputs.ooxml import (NotEditable, Stylesheet, attrs, check_plain_part, elements, inner, local,
                                  serialised, start_tag, with_attrs, with_inner)
from cotmoc.outputs.printing import SheetPrint, fit_to_width
from cotmoc.outputs.steward_list import fill_loi_sheet
from cotmoc.outputs.steward_marks import ERROR_BORDER, LOI_SHEET, cell_fill, note, placements, row_tint
from cotmoc.outputs.steward_stream import COPY_COMPRESSLEVEL, NOT_PLAIN, NotStreamable, RowBlock, formula_like

DIRECT_MAX_BYTES = 32 << 20        # the parts, inflated: larger workbooks are streamed, never held whole
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_CT_BOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CT_MACRO_BOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_KEPT_PARTS = re.compile(r"\[Content_Types\]\.xml|_rels/\.rels|docProps/[\w.-]+|xl/workbook\.xml|"
                         r"xl/_rels/workbook\.xml\.rels|xl/styles\.xml|xl/theme/[\w.-]+\.xml|xl/sharedStrings\.xml|"
                         r"xl/worksheets/[\w.-]+\.xml|xl/worksheets/_rels/[\w.-]+\.xml\.rels")
_DROPPED_PARTS = re.compile(r"xl/printerSettings/[\w.-]+\.bin|xl/calcChain\.xml")
_BOOK_RELS = {"worksheet", "styles", "theme", "sharedStrings"}        # calcChain is dropped, nothing else known
_SHEET_RELS = {"hyperlink", "printerSettings"}                        # both dropped: links out, printer settings
_HEAD = {b"sheetPr", b"dimension", b"sheetViews", b"sheetFormatPr", b"cols"}
_TAIL_ORDER = [b"sheetCalcPr", b"sheetProtection", b"protectedRanges", b"scenarios", b"autoFilter", b"sortState",
               b"dataConsolidate", b"customSheetViews", b"mergeCells", b"phoneticPr", b"conditionalFormatting",
               b"dataValidations", b"hyperlinks", b"printOptions", b"pageMargins", b"pageSetup", b"headerFooter",
               b"rowBreaks", b"colBreaks", b"customProperties", b"cellWatches", b"ignoredErrors", b"smartTags",
               b"drawing", b"legacyDrawing", b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls",
               b"webPublishItems", b"tableParts", b"extLst"]
_TAIL_DROPPED = {b"conditionalFormatting", b"extLst", b"customProperties", b"cellWatches", b"smartTags",
                 b"webPublishItems"}
_TAIL_KEPT = set(_TAIL_ORDER[:_TAIL_ORDER.index(b"drawing")]) - _TAIL_DROPPED
_ZERO_XF = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'   # a cell openpyxl creates
#: a cell value that is not a number as spreadsheets write one (NaN, INF, 1.2.3 ...)
_NOT_A_NUMBER = re.compile(rb"<v>(?![-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?</v>)(?!</v>)")
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})\d+"')
_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


class NotDirect(Exception):
    """The workbook is not in a shape the direct copy handles (the message says what)."""


def write_direct_copy(original: Path, problems: list[Problem], out: Path, *, file_name: str,
                      summary: dict | None = None) -> Path:
    """Write the annotated copy of `original` (.xlsx) to `out`; NotDirect when it must be written another way."""
    try:
        with zipfile.ZipFile(original) as zf:
            copy = _Copy(zf)
        parts = copy.annotated(problems, file_name, summary)
    except (NotEditable, NotStreamable, zipfile.BadZipFile, ElementTree.ParseError) as exc:
        raise NotDirect(str(exc)) from exc
    stamp = copy.infos["xl/workbook.xml"].date_time        # every part dated as the workbook: the same copy each time
    out.parent.mkdir(parents=True, exist_ok=True)
    with replacing(out) as part, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED,
                                                 compresslevel=COPY_COMPRESSLEVEL) as zout:
        for name, data in parts.items():
            zout.writestr(zipfile.ZipInfo(name, date_time=stamp), data, compress_type=zipfile.ZIP_DEFLATED)
    return out


_NOT_XML_TEXT = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));"
                           rb"|<!|<\?(?!xml\s)")


def _check_well_formed_text(name: str, data: bytes) -> None:
    """What makes a part unreadable to a strict XML parser although a lenient reader took it: text that is not
    UTF-8, characters XML 1.0 does not allow, and declarations, comments, character data or instructions that
    the edits here do not look inside."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotDirect(f"{name}: not UTF-8") from None
    if _NOT_XML_TEXT.search(data) or re.match(rb"\s*<\?xml[^>]*encoding=\"(?!utf-8\")", data, re.I):
        raise NotDirect(f"{name}: characters or declarations the direct copy does not write")


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _relationships(xml: bytes, part: str) -> list[tuple[bytes, dict]]:
    """(the <Relationship> element, its attributes with the target resolved to a part name as `Part`)."""
    check_plain_part(xml, b"Relationships")
    out = []
    for tag, element in elements(inner(xml[xml.index(b"<Relationships"):])):
        if not tag:
            continue
        a = attrs(element)
        target = a.get(b"Target", "")
        if a.get(b"TargetMode") != "External":
            a[b"Part"] = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
        out.append((element, a))
    return out


def _kind(rel: dict) -> str:
    return rel.get(b"Type", "").rsplit("/", 1)[-1]


def _relationships_part(entries: list[bytes]) -> bytes:
    return (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + b"".join(entries) + b"</Relationships>")


def _relationship(rid: str, kind: str, target: str) -> bytes:
    return f'<Relationship Id="{rid}" Type="{_REL}/{kind}" Target="{escape(target)}"/>'.encode()


class _Copy:
    """A workbook's parts, read whole, and the copy's parts made from them."""

    def __init__(self, zf: zipfile.ZipFile):
        infos = zf.infolist()
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise NotDirect("a part named twice")
        if sum(i.file_size for i in infos) > DIRECT_MAX_BYTES:
            raise NotDirect("larger than the direct copy holds")
        for name in names:
            if not (_KEPT_PARTS.fullmatch(name) or _DROPPED_PARTS.fullmatch(name)):
                raise NotDirect(f"a part the direct copy does not know: {name}")
        self.infos = {i.filename: i for i in infos if _KEPT_PARTS.fullmatch(i.filename)}
        if "xl/workbook.xml" not in self.infos or "xl/styles.xml" not in self.infos:
            raise NotDirect("no workbook or no styles")
        self.parts = {name: zf.read(name) for name in self.infos}
        for name, data in self.parts.items():
            if name.endswith((".xml", ".rels")):
                _check_well_formed_text(name, data)
        if formula_like(zf):
            raise NotDirect("a shared text a spreadsheet would run as a formula")
        self.book = self.parts["xl/workbook.xml"]
        check_plain_part(self.book, b"workbook")
        self.book_rels = _relationships(self.parts["xl/_rels/workbook.xml.rels"], "xl/workbook.xml")
        for _, rel in self.book_rels:
            if _kind(rel) not in _BOOK_RELS | {"calcChain"}:
                raise NotDirect(f"a workbook part of the kind {_kind(rel)}")
        by_id = {rel[b"Id"]: rel for _, rel in self.book_rels}
        root = start_tag(self.book[self.book.index(b"<workbook"):])
        prefix = next((p for p, uri in re.findall(rb'xmlns:([\w.-]+)="([^"]*)"', root) if uri == _REL.encode()), None)
        if prefix is None:
            raise NotDirect("the workbook does not name its relationships' namespace")
        self.rid = prefix + b":id"
        self.body = elements(inner(self.book[self.book.index(b"<workbook"):]))
        if any(local(tag) in (b"externalReferences", b"pivotCaches") for tag, _ in self.body):
            raise NotDirect("links to other workbooks or pivot tables")
        sheets = next((e for tag, e in self.body if tag == b"sheets"), None)
        if sheets is None:
            raise NotDirect("a workbook without its list of sheets")
        self.sheets: list[tuple[str, str, str, bytes]] = []       # name, part, state, the <sheet> element
        for tag, element in elements(inner(sheets)):
            if not tag:
                continue
            a = attrs(element)
            rel = by_id.get(a.get(self.rid))
            if rel is None or _kind(rel) != "worksheet" or rel.get(b"Part") not in self.parts:
                raise NotDirect("a sheet that is not a worksheet of the package")
            self.sheets.append((a[b"name"], rel[b"Part"], a.get(b"state", "visible"), element))
        self.names = [name for name, *_ in self.sheets]
        if LOI_SHEET in self.names:
            raise NotDirect("a Loi sheet already (a copy sent back)")
        self.hidden = {name for name, _, state, _ in self.sheets if state != "visible"}
        names = next((e for tag, e in self.body if tag == b"definedNames"), b"<definedNames/>")
        self.defined_names = [(e, attrs(e), DefinedName.from_tree(ElementTree.fromstring(e)).attr_text)
                              for tag, e in elements(inner(names)) if tag]
        self.print_titles = {self.names[int(a[b"localSheetId"])]: text for _, a, text in self.defined_names
                             if a.get(b"name") == "_xlnm.Print_Titles" and a.get(b"localSheetId", "").isdigit()
                             and int(a[b"localSheetId"]) < len(self.names)}
        self.styles = Stylesheet(self.parts["xl/styles.xml"])

    def annotated(self, problems: list[Problem], file_name: str, summary: dict | None) -> dict[str, bytes]:
        """The copy's parts, in the order they are written."""
        out = {name: data for name, data in self.parts.items()}
        by_cell, by_row = placements(problems, self.names, self.hidden)
        printed = self._printed_sheets()
        new_parts: dict[str, tuple[str, bytes]] = {}                   # part → (content type, bytes)
        titles: dict[int, str] = {}
        for index, (name, part, _, _) in enumerate(self.sheets):
            sheet = _Sheet(self, name, part)
            if name in printed and (value := sheet.print_setup(printed[name])):
                titles[index] = value
            notes = sheet.mark({k[1:]: v for k, v in by_cell.items() if k[0] == name},
                               {k[1]: v for k, v in by_row.items() if k[0] == name})
            if notes:
                new_parts.update(self._notes(sheet, notes, {**out, **new_parts}))
            out[part] = sheet.to_bytes()
            rels = _rels_of(part)
            if sheet.rels is None:
                out.pop(rels, None)
            else:
                out[rels] = _relationships_part(sheet.rels)
        loi_part = self._free("xl/worksheets/sheet{}.xml", {**out, **new_parts})
        loi, loi_names = self._loi_sheet(problems, file_name, summary)
        new_parts[loi_part] = (_CT_SHEET, loi)
        out["xl/workbook.xml"] = self._workbook(loi_part, titles, loi_names)
        out["xl/_rels/workbook.xml.rels"] = self._book_rels(loi_part)
        out["xl/styles.xml"] = self.styles.to_bytes()
        for part, (_, data) in new_parts.items():
            out[part] = data
        out["[Content_Types].xml"] = self._content_types(out, {p: ct for p, (ct, _) in new_parts.items()})
        return out

    # --- the workbook's own parts ---------------------------------------------------------------------------
    def _printed_sheets(self) -> dict[str, str | None]:
        """{sheet: the rows it repeats on every printed page} for the sheets set up as the template's
        (steward_report._print_setup: the report's sheets, and the instructions sheet without title rows)."""
        out: dict[str, str | None] = {}
        for sheet in contract.SHEETS:
            name = find_sheet(self.names, sheet.code, self.hidden)
            if name is not None:
                out[name] = f"1:{contract.INFO_FIRST_ROW - 1 if sheet.is_form else contract.CODE_ROW}"
        if contract.INSTRUCTIONS_SHEET in self.names:
            out[contract.INSTRUCTIONS_SHEET] = None
        return out

    def _loi_sheet(self, problems: list[Problem], file_name: str, summary: dict | None) -> tuple[bytes, list[bytes]]:
        """The `Loi` sheet as openpyxl writes it on its own, its cell formats appended to the workbook's; and its
        defined names (the autofilter's range, the rows printed on every page)."""
        wb = Workbook()
        ws = wb.active
        ws.title = LOI_SHEET
        fill_loi_sheet(ws, problems, file_name, [LOI_SHEET, *self.names], self.hidden, summary=summary)
        writer = WorksheetWriter(ws, BytesIO())
        writer.write()
        xml = writer.read()
        formats = {i: self._format_of(wb, style) for i, style in enumerate(wb._cell_styles)}
        xml = re.sub(rb'(<c\b[^>]*?\bs=")(\d+)(")', lambda m: m.group(1) + str(formats[int(m.group(2))]).encode()
                     + m.group(3), xml)
        names = []
        quoted = quote_sheetname(LOI_SHEET)
        if ws.auto_filter:
            names.append(DefinedName(name="_FilterDatabase", localSheetId=0, hidden=True,
                                     attr_text=f"{quoted}!{ws.auto_filter}"))
        if ws.print_titles:
            names.append(DefinedName(name="Print_Titles", localSheetId=0, attr_text=ws.print_titles))
        return xml, [serialised(n) for n in names]

    def _format_of(self, wb: Workbook, style) -> int:
        """A cell format of a workbook made by openpyxl, added to this one (its first font, fill and border are
        this workbook's own, as a new cell's are in openpyxl's copy)."""
        from openpyxl.styles.cell_style import CellStyle
        if style.numFmtId >= 164:
            raise NotDirect("a number format of its own on the Loi sheet")
        xf = CellStyle.from_array(style)
        xf.fontId = self.styles.add(b"fonts", _written(wb._fonts[style.fontId])) if style.fontId else 0
        xf.fillId = self.styles.add(b"fills", _written(wb._fills[style.fillId])) if style.fillId else 0
        xf.borderId = self.styles.add(b"borders", _written(wb._borders[style.borderId])) if style.borderId else 0
        if style.alignmentId:
            xf.alignment = wb._alignments[style.alignmentId]
        if style.protectionId:
            xf.protection = wb._protections[style.protectionId]
        return self.styles.add(b"cellXfs", serialised(xf))

    def marked_format(self, base: int | None, fill, border) -> int:
        """The cell format `base` (None: a cell that was not there) with a problem's fill and border."""
        xf = _ZERO_XF if base is None else self.styles.xf(base)
        changes = {}
        if fill is not None:
            changes.update(fillId=str(self.styles.add(b"fills", _written(fill))), applyFill="1")
        if border is not None:
            changes.update(borderId=str(self.styles.add(b"borders", _written(border))), applyBorder="1")
        return self.styles.add(b"cellXfs", with_attrs(xf, **changes))

    def _notes(self, sheet: _Sheet, notes: dict[tuple[int, int], object], out: dict) -> dict[str, tuple[str, bytes]]:
        """The comments part and its VML drawing for a sheet's notes, and the sheet's relationships to them."""
        records = []
        for (row, col), comment in sorted(notes.items()):
            record = CommentRecord(ref=f"{get_column_letter(col)}{row}", author=comment.author)
            record.text.t, record.height, record.width = comment.content, comment.height, comment.width
            records.append(record)
        comments = CommentSheet.from_comments(records)
        part = self._free("xl/comments/comment{}.xml", out)
        vml = self._free("xl/drawings/commentsDrawing{}.vml", out, taken=(part,))
        sheet.rels = [*(sheet.rels or []), _relationship("comments", "comments", f"/{part}"),
                      _relationship("anysvml", "vmlDrawing", f"/{vml}")]
        sheet.put_tail(b"legacyDrawing", f'<legacyDrawing xmlns:r="{_REL}" r:id="anysvml"/>'.encode())
        return {part: (_CT_COMMENTS, serialised(comments)), vml: (_CT_VML, comments.write_shapes(None))}

    @staticmethod
    def _free(pattern: str, out: dict, taken=()) -> str:
        k = 1
        while pattern.format(k) in out or pattern.format(k) in taken:
            k += 1
        return pattern.format(k)

    def _workbook(self, loi_part: str, titles: dict[int, str], loi_names: list[bytes]) -> bytes:
        """workbook.xml with the `Loi` sheet first and open, every sheet's defined names moved one place on."""
        sheet_ids = [int(attrs(e).get(b"sheetId", "0") or 0) for *_, e in self.sheets]
        loi = (f'<sheet name="{LOI_SHEET}" sheetId="{max(sheet_ids, default=0) + 1}" state="visible" '
               f'{self.rid.decode()}="cotmocLoi"/>').encode()
        kept_names = self._defined_names(titles) + loi_names
        body, seen_names = [], False
        for tag, element in self.body:
            if tag == b"sheets":
                element = with_inner(element, loi + inner(element))
            elif tag == b"bookViews":
                views = elements(inner(element))
                first = next((i for i, (t, _) in enumerate(views) if t), None)
                if first is not None:
                    views[first] = (views[first][0], with_attrs(views[first][1], activeTab="0"))
                    element = with_inner(element, b"".join(e for _, e in views))
            elif tag == b"definedNames":
                seen_names = True
                if not kept_names:
                    continue
                element = with_inner(element, b"".join(kept_names))
            body.append(element)
        if not seen_names and kept_names:
            at = next(i for i, (tag, _) in enumerate(self.body) if tag == b"sheets") + 1
            body.insert(at, b"<definedNames>" + b"".join(kept_names) + b"</definedNames>")
        head = self.book[:self.book.index(b"<workbook")]
        return head + start_tag(self.book[len(head):]) + b"".join(body) + b"</workbook>"

    def _defined_names(self, titles: dict[int, str]) -> list[bytes]:
        """The defined names openpyxl's copy keeps (references to this workbook's cells; print titles and areas),
        each sheet's moved one place on for the `Loi` sheet, the print titles set as the template's."""
        sheets, out = set(self.names), []
        for name, a, text in self.defined_names:
            if b"localSheetId" not in a:
                if refers_to_cells(text, sheets):
                    out.append(name)
                continue
            index = int(a[b"localSheetId"])
            reserved = a[b"name"].removeprefix("_xlnm.") if a[b"name"].startswith("_xlnm.") else None
            if not 0 <= index < len(self.sheets) or (reserved == "Print_Titles" and index in titles):
                continue
            if (reserved in ("Print_Titles", "Print_Area", "_FilterDatabase")
                    or (reserved is None and refers_to_cells(text, sheets))):
                out.append(with_attrs(name, localSheetId=str(index + 1)))
        for index, value in sorted(titles.items()):
            if value:
                out.append(serialised(DefinedName(name="Print_Titles", localSheetId=index + 1, attr_text=value)))
        return out

    def _book_rels(self, loi_part: str) -> bytes:
        kept = [element for element, rel in self.book_rels if _kind(rel) != "calcChain"]
        return _relationships_part([*kept, _relationship("cotmocLoi", "worksheet", f"/{loi_part}")])

    def _content_types(self, out: dict[str, bytes], added: dict[str, str]) -> bytes:
        xml = self.parts["[Content_Types].xml"]
        check_plain_part(xml, b"Types")
        root = xml[xml.index(b"<Types"):]
        entries, defaults = [], set()
        for tag, element in elements(inner(root)):
            if not tag:
                continue
            a = attrs(element)
            if tag == b"Default":
                defaults.add(a.get(b"Extension", "").lower())
            elif a.get(b"PartName", "").lstrip("/") not in out:
                continue
            elif a.get(b"ContentType") == _CT_MACRO_BOOK:
                element = with_attrs(element, ContentType=_CT_BOOK)     # no macros are left: an .xlsx
            elif a.get(b"PartName", "").lstrip("/") == "xl/workbook.xml" and a.get(b"ContentType") != _CT_BOOK:
                raise NotDirect("a workbook of another kind (a template?)")
            entries.append(element)
        for part, kind in added.items():
            if part.endswith(".vml"):
                if "vml" not in defaults:
                    entries.append(f'<Default Extension="vml" ContentType="{kind}"/>'.encode())
                    defaults.add("vml")
            else:
                entries.append(f'<Override PartName="/{part}" ContentType="{kind}"/>'.encode())
        return xml[:len(xml) - len(root)] + with_inner(start_tag(root), b"".join(entries))


class _Sheet:
    """One worksheet's XML split where the copy edits it: its head (before the rows), its rows, its tail."""

    def __init__(self, copy: _Copy, name: str, part: str):
        self.copy, self.name, self.part = copy, name, part
        xml = copy.parts[part]
        check_plain_part(xml, b"worksheet")
        root_at = xml.index(b"<worksheet")
        self.prolog, self.root = xml[:root_at], start_tag(xml[root_at:])
        data = re.compile(rb"<sheetData\b[^>]*?(/?)>").search(xml, root_at)
        if data is None:
            raise NotDirect("a sheet without its rows")
        self.head = elements(xml[root_at + len(self.root):data.start()])
        if data.group(1):
            self.rows, after = b"", data.end()
        else:
            closing = xml.index(b"</sheetData>", data.end())
            self.rows, after = xml[data.end():closing], closing + len(b"</sheetData>")
        self.tail = elements(xml[after:xml.rindex(b"</worksheet>")])
        if any(tag not in _HEAD for tag, _ in self.head if tag):
            raise NotDirect(f"{name}: an element the direct copy does not know before the rows")
        if any(p.search(self.rows) for p in NOT_PLAIN):
            raise NotDirect(f"{name}: a formula or a text a spreadsheet would run as one")
        for odd in _NOT_A_NUMBER.finditer(self.rows):    # an error value (t="e") or a date (t="d") is read as written
            kind = re.search(rb'\bt="(\w+)"', self.rows[self.rows.rfind(b"<c", 0, odd.start()):odd.start()])
            if kind is None or kind.group(1) not in (b"e", b"d"):
                raise NotDirect(f"{name}: a value a spreadsheet cannot read as a number")
        self._check_rels()
        self.rels: list[bytes] | None = None     # links out and printer settings are dropped: none of its own
        self.link_columns = [r[3] for tag, e in self.tail if tag == b"hyperlinks"
                             for t, link in elements(inner(e)) if t and (r := _range(attrs(link).get(b"ref", "")))]
        self.tail = [(tag, e) for tag, e in (self._inert(tag, e) for tag, e in self.tail) if e]
        self.head = [(tag, self._unselected(e) if tag == b"sheetViews" else e) for tag, e in self.head]

    def _check_rels(self) -> None:
        rels = _rels_of(self.part)
        for _, rel in _relationships(self.copy.parts[rels], self.part) if rels in self.copy.parts else []:
            if _kind(rel) not in _SHEET_RELS:
                raise NotDirect(f"{self.name}: a part of the kind {_kind(rel)}")

    def _inert(self, tag: bytes, element: bytes) -> tuple[bytes, bytes]:
        if not tag:
            return tag, element
        if tag in _TAIL_DROPPED:
            return tag, b""
        if tag not in _TAIL_KEPT:
            raise NotDirect(f"{self.name}: <{tag.decode(errors='replace')}> after the rows")
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

    def print_setup(self, title_rows: str | None) -> str | None:
        """The template's print settings on this sheet (cotmoc.outputs.printing.fit_to_width); the value of its
        print titles then (None: they are left as they are)."""
        found = tuple((tag, e) for tag, e in (*self.head, *self.tail) if tag in SheetPrint.READ)
        elements_, titles = _fitted(self.root, found, self.name, self.copy.print_titles.get(self.name), title_rows)
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
                    if _within(merged, row, col) is None:
                        looks[(row, col)] = [tint, None]
                by_cell[(row, 1)].extend(items)
        anchored: dict[tuple[int, int], list[Problem]] = defaultdict(list)
        for (row, col), items in by_cell.items():
            anchored[_within(merged, row, col) or (row, col)].extend(items)
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
        return [r for tag, e in elements(inner(element)) if tag and (r := _range(attrs(e).get(b"ref", "")))]

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
            raise NotDirect(f"{self.name}: a row in another shape")
        cells, written = [], set()
        for tag, cell in elements(inner(element)):
            if not tag:
                continue
            ref = attrs(cell).get(b"r", "") if tag == b"c" else ""
            found = _range(ref)
            if found is None or found[0] != row:
                raise NotDirect(f"{self.name}: a cell without its place in row {row}")
            col = found[1]
            if col in looks:
                cell = with_attrs(cell, s=str(self.copy.marked_format(int(attrs(cell).get(b"s", "0") or 0),
                                                                     *looks[col])))
                written.add(col)
            cells.append((col, cell))
        for col in sorted(set(looks) - written):
            cells.append((col, f'<c r="{get_column_letter(col)}{row}" s="{self.copy.marked_format(None, *looks[col])}"/>'
                          .encode()))
        if len(written) < len(looks):
            element = with_attrs(element, spans=None)
        cells.sort(key=lambda c: c[0])
        return with_inner(element, b"".join(c for _, c in cells)) + rest

    def _widen(self, looks) -> None:
        """The <dimension> (a reader's hint of the used range) taking in the cells written."""
        for i, (tag, element) in enumerate(self.head):
            if tag == b"dimension" and (r := _range(attrs(element).get(b"ref", ""))):
                rows = [r[0], r[2], *(row for row, _ in looks)]
                cols = [r[1], r[3], *(col for _, col in looks)]
                ref = f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}"
                self.head[i] = (tag, with_attrs(element, ref=ref))

    def to_bytes(self) -> bytes:
        rows = b"<sheetData>" + self.rows + b"</sheetData>" if self.rows else b"<sheetData/>"
        return (self.prolog + self.root + b"".join(e for _, e in self.head) + rows
                + b"".join(e for _, e in self.tail) + b"</worksheet>")


@lru_cache(maxsize=256)
def _fitted(root: bytes, found: tuple, name: str, titles: str | None, title_rows: str | None
            ) -> tuple[tuple[tuple[bytes, bytes | None], ...], str | None]:
    """The print elements fit_to_width leaves on a sheet, and its print titles' value (None: not set). Pure in
    what it is given, so the template's sheets, alike in every report, are set up once in a process."""
    settings = SheetPrint(root, dict(found), name, titles)
    fit_to_width(settings, title_rows)
    return tuple((tag, settings.element(tag)) for tag in SheetPrint.READ), settings.print_titles if title_rows else None


@lru_cache(maxsize=64)
def _written(obj) -> bytes:
    """An openpyxl style object as openpyxl writes it (the `Loi` sheet's few, written once in a process)."""
    return serialised(obj)


def _range(ref: str) -> tuple[int, int, int, int] | None:
    """"B3:D5" → (3, 2, 5, 4); "B3" → (3, 2, 3, 2); None for anything else."""
    m = _RANGE.match(ref or "")
    if m is None:
        return None
    c0, r0 = column_index_from_string(m.group(1)), int(m.group(2))
    c1, r1 = (column_index_from_string(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


def _within(merged, row: int, col: int) -> tuple[int, int] | None:
    """The first cell of the merged range (row, col) lies inside of, when it is not that first cell itself
    (openpyxl's MergedCell)."""
    for r0, c0, r1, c1 in merged:
        if r0 <= row <= r1 and c0 <= col <= c1 and (row, col) != (r0, c0):
            return r0, c0
    return None
