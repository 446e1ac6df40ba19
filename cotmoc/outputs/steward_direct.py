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
- **the `Loi` sheet** first and selected (cotmoc.outputs.loi_xml, from the layout openpyxl's copy writes:
  cotmoc.outputs.steward_list.loi_layout), its cell formats added to the workbook's.

The worksheets' own edits are cotmoc.outputs.sheet_xml's; the package is written with cotmoc.outputs.zip_parts,
which keeps the parts the copy does not change as they are stored (compressed) in the file sent.

A workbook outside these shapes raises NotDirect and the caller writes the streamed copy instead
(cotmoc.outputs.steward_stream), which hands openpyxl what needs its care: a formula or a text a spreadsheet
would run as one, notes already there (the steward's, or ours in a copy sent back), our `Loi` sheet, macros,
drawings, tables, links to other workbooks, a part this does not know, or parts larger than DIRECT_MAX_BYTES.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from functools import lru_cache
from html import escape, unescape
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
from openpyxl.styles.cell_style import CellStyle
from openpyxl.utils import get_column_letter

from cotmoc.core import contract
from cotmoc.core.atomic import replacing
from cotmoc.core.inert import refers_to_cells
from cotmoc.core.places import find_sheet
from cotmoc.core.problems import Problem
from cotmoc.outputs.ooxml import (NotEditable, Stylesheet, attrs, check_plain_part, defined_name, elements, inner,
                                  local, serialised, start_tag, with_attrs, with_inner)
from cotmoc.outputs.loi_xml import loi_defined_names, loi_sheet_xml
from cotmoc.outputs.sheet_xml import SheetXml
from cotmoc.outputs.steward_list import LOI_ALIGNMENT, loi_layout
from cotmoc.outputs.steward_marks import LOI_SHEET, placements
from cotmoc.outputs.steward_stream import COPY_COMPRESSLEVEL, NotStreamable, formula_like
from cotmoc.outputs.zip_parts import PartsRead, PartsZip

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
_ZERO_XF = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'   # a cell openpyxl creates


class NotDirect(Exception):
    """The workbook is not in a shape the direct copy handles (the message says what)."""


def write_direct_copy(original: Path, problems: list[Problem], out: Path, *, file_name: str,
                      summary: dict | None = None) -> Path:
    """Write the annotated copy of `original` (.xlsx) to `out`; NotDirect when it must be written another way."""
    try:
        with zipfile.ZipFile(original) as zf:
            copy = _Copy(zf)
            parts = copy.annotated(problems, file_name, summary)
            stamp = copy.infos["xl/workbook.xml"].date_time    # new parts dated as the workbook: the same copy each time
            out.parent.mkdir(parents=True, exist_ok=True)
            with replacing(out) as part, open(part, "wb") as fp:
                written = PartsZip(fp, COPY_COMPRESSLEVEL)
                for name, data in parts.items():
                    if copy.parts.get(name) == data:
                        written.add_unchanged(copy.archive, copy.infos[name])
                    else:
                        written.add(name, data, stamp)
                written.close()
    except (NotEditable, NotStreamable, zipfile.BadZipFile, ElementTree.ParseError) as exc:
        raise NotDirect(str(exc)) from exc
    return out


_NOT_XML_CHARS = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])     # controls XML 1.0 does not allow
_NOT_XML_REFS = re.compile(rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));")
_DECLARATION = re.compile(rb"\s*<\?xml\b[^>]*\?>")


def _check_well_formed_text(name: str, data: bytes) -> None:
    """What makes a part unreadable to a strict XML parser although a lenient reader took it: text that is not
    UTF-8, characters XML 1.0 does not allow, and declarations, comments, character data or instructions that
    the edits here do not look inside. Plain searches: a regular expression over every byte costs more than
    the rest of the copy."""
    try:
        data.isascii() or data.decode("utf-8")        # ASCII is UTF-8: most parts, told at memory speed
    except UnicodeDecodeError:
        raise NotDirect(f"{name}: not UTF-8") from None
    declared = _DECLARATION.match(data)
    if declared and re.search(rb"encoding=[\"'](?!utf-8[\"'])", declared.group(), re.I):
        raise NotDirect(f"{name}: declared in another encoding")
    body = data[declared.end():] if declared else data
    if (len(body.translate(None, _NOT_XML_CHARS)) != len(body) or _holds(body, b"<!") or _holds(body, b"<?")
            or (_holds(body, b"&#") and _NOT_XML_REFS.search(body))):
        raise NotDirect(f"{name}: characters or declarations the direct copy does not write")


def _holds(data: bytes, pair: bytes) -> bool:
    """`pair in data`, asked first of its second byte, which XML seldom holds (! ? #): a search for the pair
    stops at every `<` or `&`, and a part is mostly those (0.3 ms for 240 KB, against 0.01)."""
    return pair[1:] in data and pair in data


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
        self.archive = PartsRead(zf)
        self.parts = {name: self.archive.read(info) for name, info in self.infos.items()}
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
        self.loi_rid = next(rid for k in range(1, len(by_id) + 2) if (rid := f"cotmocLoi{k}") not in by_id)
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
        self.defined_names = [(e, attrs(e), unescape(inner(e).decode())) for tag, e in elements(inner(names)) if tag]
        self.print_titles = {self.names[int(a[b"localSheetId"])]: text for _, a, text in self.defined_names
                             if a.get(b"name") == "_xlnm.Print_Titles" and a.get(b"localSheetId", "").isdigit()
                             and int(a[b"localSheetId"]) < len(self.names)}
        self.styles = Stylesheet(self.parts["xl/styles.xml"])
        self.loi_formats: dict[tuple, int] = {}

    def annotated(self, problems: list[Problem], file_name: str, summary: dict | None) -> dict[str, bytes]:
        """The copy's parts, in the order they are written."""
        out = {name: data for name, data in self.parts.items()}
        by_cell, by_row = placements(problems, self.names, self.hidden)
        printed = self._printed_sheets()
        new_parts: dict[str, tuple[str, bytes]] = {}                   # part → (content type, bytes)
        titles: dict[int, str] = {}
        for index, (name, part, _, _) in enumerate(self.sheets):
            rels = _rels_of(part)
            kinds = [_kind(r) for _, r in _relationships(self.parts[rels], part)] if rels in self.parts else []
            sheet = SheetXml(name, self.parts[part], kinds, self.marked_format)
            if name in printed and (value := sheet.print_setup(printed[name], self.print_titles.get(name))):
                titles[index] = value
            notes = sheet.mark({k[1:]: v for k, v in by_cell.items() if k[0] == name},
                               {k[1]: v for k, v in by_row.items() if k[0] == name})
            if notes:
                new_parts.update(self._notes(sheet, notes, {**out, **new_parts}))
            out[part] = sheet.to_bytes()
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
        """The `Loi` sheet's part (cotmoc.outputs.loi_xml), its cell formats appended to the workbook's, and its
        defined names."""
        layout = loi_layout(problems, file_name, [LOI_SHEET, *self.names], self.hidden, summary=summary)
        return loi_sheet_xml(layout, self._loi_format), loi_defined_names(layout)

    def _loi_format(self, font, fill, quote_prefix: bool) -> int:
        """A `Loi` cell's format: its font and fill (None: the workbook's first, as a new cell's are in
        openpyxl's copy), the sheet's alignment, quote-prefixed when its text would run as a formula."""
        key = (id(font), id(fill), quote_prefix)          # the layout's fonts and fills are its constants
        if key not in self.loi_formats:
            font_id = self.styles.add(b"fonts", _written(font)) if font is not None else 0
            fill_id = self.styles.add(b"fills", _written(fill)) if fill is not None else 0
            self.loi_formats[key] = self.styles.add(b"cellXfs", _loi_xf(font_id, fill_id, quote_prefix))
        return self.loi_formats[key]

    def marked_format(self, base: int | None, fill, border) -> int:
        """The cell format `base` (None: a cell that was not there) with a problem's fill and border."""
        xf = _ZERO_XF if base is None else self.styles.xf(base)
        changes = {}
        if fill is not None:
            changes.update(fillId=str(self.styles.add(b"fills", _written(fill))), applyFill="1")
        if border is not None:
            changes.update(borderId=str(self.styles.add(b"borders", _written(border))), applyBorder="1")
        return self.styles.add(b"cellXfs", with_attrs(xf, **changes))

    def _notes(self, sheet: SheetXml, notes: dict[tuple[int, int], object], out: dict) -> dict[str, tuple[str, bytes]]:
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
        shapes = tuple((r.ref, r.height, r.width) for r in records)
        return {part: (_CT_COMMENTS, serialised(comments)), vml: (_CT_VML, _vml_drawing(shapes))}

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
               f'{self.rid.decode()}="{self.loi_rid}"/>').encode()
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
                out.append(defined_name("Print_Titles", index + 1, value))
        return out

    def _book_rels(self, loi_part: str) -> bytes:
        kept = [element for element, rel in self.book_rels if _kind(rel) != "calcChain"]
        return _relationships_part([*kept, _relationship(self.loi_rid, "worksheet", f"/{loi_part}")])

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


@lru_cache(maxsize=64)
def _vml_drawing(shapes: tuple[tuple[str, int, int], ...]) -> bytes:
    """The VML drawing of notes at these cells and sizes, as openpyxl writes it: it holds each note's box, never
    its text, so a warning on the same cell of every report is drawn once a process."""
    records = [CommentRecord(ref=ref, height=height, width=width) for ref, height, width in shapes]
    return CommentSheet.from_comments(records).write_shapes(None)


_WRITTEN: dict[int, tuple[object, bytes]] = {}


def _written(obj) -> bytes:
    """An openpyxl style object as openpyxl writes it. The copy adds a few constant fonts, fills and borders
    (cotmoc.outputs.steward_marks, steward_list), each written once a process; keyed by the object itself (it is
    kept, so its id is never another's), since hashing a style object costs more than the rest of its use."""
    if id(obj) not in _WRITTEN:
        _WRITTEN[id(obj)] = (obj, serialised(obj))
    return _WRITTEN[id(obj)][1]


@lru_cache(maxsize=16)
def _loi_xf(font_id: int, fill_id: int, quote_prefix: bool) -> bytes:
    """A `Loi` cell's format as openpyxl writes it (fonts and fills by their place in the workbook)."""
    return serialised(CellStyle(numFmtId=0, fontId=font_id, fillId=fill_id, borderId=0, xfId=0,
                                alignment=LOI_ALIGNMENT, quotePrefix=quote_prefix or None))
