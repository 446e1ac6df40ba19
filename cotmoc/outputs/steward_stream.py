"""The annotated copy of a LARGE workbook in bounded memory and in time proportional to the file.

openpyxl holds every cell of a workbook as a Python object: a 900,000-row report took minutes and gigabytes. Yet
only a handful of its rows need a Python hand: the template's header rows, the rows of the cells to annotate,
rows holding a formula or a text that might become one, rows named by a merge, a
link or a note. So a worksheet part larger than STREAM_SHEET_BYTES is split:

1. a **stripped copy** of the workbook keeps, of each large sheet, only those rows (the shared strings no
   kept cell uses are blanked, their positions kept), and goes through the very same openpyxl path as a small
   workbook (made inert, annotated, the `Loi` sheet added: cotmoc.outputs.steward_report);
2. the **copy written** is that small result with every other row of the large sheet streamed back from the
   original's XML, verbatim but for their shared-string numbers (the original's strings are appended after
   openpyxl's) and attributes in a namespace the copy does not declare. Cell styles keep their numbers:
   openpyxl writes the loaded cell formats in their order and appends the new ones.

A sheet this cannot split (prefixed XML, rows without numbers or out of order) raises NotStreamable; the caller
then falls back as it does for any workbook it cannot annotate.
"""
from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

from cotmoc.core.inert import FORMULA_STARTS
from cotmoc.core.problems import Problem
from cotmoc.outputs.steward_list import find_sheet, parse_cell_ref

STREAM_SHEET_BYTES = 16 * 1024 * 1024     # a worksheet part above this (uncompressed) is streamed
HEAD_ROWS = 10                            # the template's title, label and code rows: always kept
_CHUNK = 1 << 20
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

_SHEET_DATA = re.compile(rb"<sheetData\s*(/?)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_SHARED = re.compile(rb'(<c\b[^>]*\bt="s"[^>]*>\s*<v>)(\d+)(</v>)')
_PREFIXED_ATTR = re.compile(rb'\s[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*="[^"]*"')
_REFS = re.compile(rb'<(?:hyperlink|mergeCell)\b[^>]*?\bref="\$?[A-Z]{1,3}\$?(\d+)(?::\$?[A-Z]{1,3}\$?(\d+))?"')
_NOTE_REFS = re.compile(rb'\bref="\$?[A-Z]{1,3}\$?(\d+)"')
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_SI = re.compile(rb"<si\b[^>]*?(?:/>|>.*?</si>)", re.S)
_SST_OPEN = re.compile(rb"<sst\b[^>]*>")
_COUNTS = re.compile(rb'\s(?:count|uniqueCount)="\d*"')
#: a text whose first character may be one a spreadsheet runs as a formula (= + - @ tab CR, or escaped)
_RISKY_TEXT = re.compile(rb"<t\b[^>]*>(?:[=+\-@\t\r]|_x000[9dD]_|&#)")
#: what makes a row need openpyxl: a formula, a formula's text result, a text that might become a formula
_NOT_PLAIN = re.compile(rb'<f[\s>/]|t="str"|' + _RISKY_TEXT.pattern)


class NotStreamable(Exception):
    """The sheet's XML is not in the shape the streaming copy handles."""


def large_sheets(original: Path) -> dict[str, str]:
    """{sheet name: worksheet part} of the workbook's worksheets larger than STREAM_SHEET_BYTES (uncompressed)."""
    try:
        with zipfile.ZipFile(original) as zf:
            sizes = {i.filename: i.file_size for i in zf.infolist()}
            if not any(s > STREAM_SHEET_BYTES for s in sizes.values()):
                return {}
            parts = sheet_parts(zf)
    except Exception:          # not a workbook we can split: the ordinary path (and its own fallbacks) decides
        return {}
    return {name: part for name, part in parts.items() if sizes.get(part, 0) > STREAM_SHEET_BYTES}


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: {id: (type, target part)}."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels not in zf.namelist():
        return {}
    out = {}
    for rel in ElementTree.fromstring(zf.read(rels)).iter(_PKG_REL):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type", ""), target)
    return out


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    rels = _rels(zf, "xl/workbook.xml")
    root = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    return {s.get("name"): rels[s.get(_REL)][1] for s in root.iter(f"{_MAIN}sheet") if s.get(_REL) in rels}


def _shared_strings_part(zf: zipfile.ZipFile) -> str | None:
    found = [t for typ, t in _rels(zf, "xl/workbook.xml").values() if typ.endswith("/sharedStrings")]
    return found[0] if found and found[0] in zf.namelist() else None


def sheet_pieces(fp) -> Iterator[tuple]:
    """A worksheet's XML as ("head", bytes), then ("row", number, bytes) per row, then ("tail", bytes).
    Rows are found with bytes.find, not a regular expression: a 900,000-row sheet is scanned three times."""
    buf = b""
    while (m := _SHEET_DATA.search(buf)) is None:
        more = fp.read(_CHUNK)
        if not more:
            raise NotStreamable("no <sheetData>")
        buf += more
    if m.group(1):
        raise NotStreamable("no rows")
    yield "head", buf[:m.end()]
    buf, pos, last = buf[m.end():], 0, 0
    while True:
        start = buf.find(b"<row", pos)
        closing = buf.find(b"</sheetData>", pos, len(buf) if start < 0 else start)
        if closing >= 0:
            yield "tail", buf[closing:] + fp.read()
            return
        opened = buf.find(b">", start) if start >= 0 else -1
        end = -1 if opened < 0 else opened + 1 if buf[opened - 1] == 47 else buf.find(b"</row>", opened)
        if end < 0:
            more = fp.read(_CHUNK)
            if not more:
                raise NotStreamable("a row that does not end")
            buf, pos = buf[pos:] + more, 0
            continue
        end += 0 if buf[opened - 1] == 47 else 6
        number = _ROW_NUMBER.search(buf, start, opened)
        if number is None or int(number.group(1)) <= last:
            raise NotStreamable("a row without its number, or out of order")
        last = int(number.group(1))
        yield "row", last, buf[start:end]
        pos = end


def _si_text(si: bytes) -> str:
    """The text of a shared string (its runs, not its phonetic hints), as far as needed to see how it starts."""
    body = re.sub(rb"<rPh\b.*?</rPh>", b"", si, flags=re.S)
    text = b"".join(re.findall(rb"<t\b[^>]*>(.*?)</t>", body, flags=re.S)[:4]).decode("utf-8", "replace")
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), unescape(text))


def _shared_strings(fp) -> Iterator[bytes]:
    """Each <si> of a shared-strings part, in order."""
    buf, pos = b"", 0
    while True:
        for m in _SI.finditer(buf, pos):
            yield m.group(0)
            pos = m.end()
        more = fp.read(_CHUNK)
        if not more:
            return
        buf, pos = buf[pos:] + more, 0


def _formula_like(zf: zipfile.ZipFile, sst: str | None) -> set[int]:
    """Positions of shared strings a spreadsheet would run as a formula once edited (kept for openpyxl's care)."""
    if sst is None:
        return set()
    with zf.open(sst) as fp:
        return {i for i, si in enumerate(_shared_strings(fp))
                if _RISKY_TEXT.search(si) and _si_text(si).startswith(FORMULA_STARTS)}


def _problem_rows(problems: list[Problem], sheetnames: list[str], name: str) -> set[int]:
    rows = set()
    for p in problems:
        if find_sheet(sheetnames, p.sheet) != name:
            continue
        where = parse_cell_ref(p.cell)
        rows.update(r for r in (where[0] if where else None, p.row) if r)
    return rows


def _kept_rows(zf: zipfile.ZipFile, part: str, problems_at: set[int], formula_like: set[int]) -> set[int]:
    """The rows of a large sheet that go through openpyxl (see the module docstring)."""
    keep = set(range(1, HEAD_ROWS + 1)) | problems_at
    tail = b""
    with zf.open(part) as fp:
        for piece in sheet_pieces(fp):
            if piece[0] == "row":
                _, number, row = piece
                if _NOT_PLAIN.search(row) or (
                        formula_like and any(int(i) in formula_like for _, i, _ in _SHARED.findall(row))):
                    keep.add(number)
            elif piece[0] == "tail":
                tail = piece[1]
    for first, last in _REFS.findall(tail):
        keep.update(range(int(first), int(last or first) + 1))
    for typ, target in _rels(zf, part).values():
        if typ.endswith("/comments") and target in zf.namelist():
            keep.update(int(r) for r in _NOTE_REFS.findall(zf.read(target)))
    return keep


def _strip(original: Path, large: dict[str, str], keep: dict[str, set[int]], out: Path) -> None:
    """The stripped copy: large sheets with their kept rows only, shared strings no kept cell uses blanked."""
    with zipfile.ZipFile(original) as zf, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        sst = _shared_strings_part(zf)
        used: set[int] = set()
        for info in zf.infolist():
            if info.filename in large.values() or sst is None or info.filename == sst:
                continue
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                used.update(int(i) for _, i, _ in _SHARED.findall(zf.read(info.filename)))
        for info in zf.infolist():
            name = info.filename
            if name in large.values():
                kept = keep[next(n for n, p in large.items() if p == name)]
                with zf.open(name) as src, dst.open(name, "w") as w:
                    for piece in sheet_pieces(src):
                        if piece[0] != "row":
                            w.write(piece[-1])
                        elif piece[1] in kept:
                            w.write(piece[2])
                            used.update(int(i) for _, i, _ in _SHARED.findall(piece[2]))
            elif name != sst:
                with zf.open(name) as src, dst.open(name, "w") as w:
                    shutil.copyfileobj(src, w, _CHUNK)
        if sst is not None:
            _write_blanked_strings(zf, sst, used, dst)


def _write_blanked_strings(zf: zipfile.ZipFile, sst: str, used: set[int], dst: zipfile.ZipFile) -> None:
    with zf.open(sst) as fp:
        head = fp.read(4096)
    opening = _SST_OPEN.search(head)
    if opening is None:
        raise NotStreamable("shared strings without <sst>")
    with zf.open(sst) as src, dst.open(sst, "w") as w:
        w.write(head[:opening.end()])
        for i, si in enumerate(_shared_strings(src)):
            w.write(si if i in used else b"<si><t/></si>")
        w.write(b"</sst>")


def _count_strings(zf: zipfile.ZipFile, sst: str | None) -> int:
    if sst is None:
        return 0
    with zf.open(sst) as fp:
        return sum(1 for _ in _shared_strings(fp))


def _streamed_row(row: bytes, offset: int) -> bytes:
    if offset:
        row = _SHARED.sub(lambda m: m.group(1) + str(int(m.group(2)) + offset).encode() + m.group(3), row)
    return _PREFIXED_ATTR.sub(b"", row) if b":" in row else row


def _assemble(original: Path, large: dict[str, str], keep: dict[str, set[int]], small: Path, out: Path) -> None:
    """The copy: openpyxl's small result, each large sheet's other rows streamed in from the original."""
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(small) as res, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        parts = sheet_parts(res)
        ours = {parts[name]: (part, keep[name]) for name, part in large.items() if name in parts}
        if len(ours) != len(large):
            raise NotStreamable("a large sheet is missing from the annotated copy")
        src_sst, res_sst = _shared_strings_part(src), _shared_strings_part(res)
        if src_sst is not None and res_sst is None:
            raise NotStreamable("the annotated copy has no shared strings")
        offset = _count_strings(res, res_sst) if res_sst else 0
        for info in res.infolist():
            name = info.filename
            if name in ours:
                _assemble_sheet(src, *ours[name], res, name, offset if src_sst else 0, dst)
            elif name == res_sst and src_sst is not None:
                _append_strings(res, name, src, src_sst, offset, dst)
            else:
                dst.writestr(info, res.read(name))


def _assemble_sheet(src: zipfile.ZipFile, src_part: str, kept: set[int], res: zipfile.ZipFile, res_part: str,
                    offset: int, dst: zipfile.ZipFile) -> None:
    pieces = list(sheet_pieces(res.open(res_part)))
    head, tail = pieces[0][1], pieces[-1][1]
    annotated = {p[1]: p[2] for p in pieces if p[0] == "row"}
    with src.open(src_part) as fp, dst.open(res_part, "w") as w:
        originals = sheet_pieces(fp)
        original_head = next(originals)[1]
        dimension = _DIMENSION.search(original_head)
        w.write(_DIMENSION.sub(lambda _: dimension.group(0), head, count=1) if dimension else head)
        waiting, pending = sorted(annotated), []

        def flush():
            if pending:
                w.write(_streamed_row(b"".join(pending), offset))
                pending.clear()
        for piece in originals:
            if piece[0] != "row":
                continue
            number = piece[1]
            while waiting and waiting[0] <= number:
                flush()
                w.write(annotated[waiting.pop(0)])
            if number not in annotated:
                pending.append(piece[2])          # streamed as the original has it
                if len(pending) >= 2048:
                    flush()
            elif number not in kept:
                raise NotStreamable(f"openpyxl wrote row {number}, which was not kept")
        flush()
        for number in waiting:
            w.write(annotated[number])
        w.write(tail)


def _append_strings(res: zipfile.ZipFile, res_sst: str, src: zipfile.ZipFile, src_sst: str, offset: int,
                    dst: zipfile.ZipFile) -> None:
    ours = res.read(res_sst)
    opening = _SST_OPEN.search(ours)
    close = ours.rfind(b"</sst>")
    if opening is None or close < 0:
        raise NotStreamable("the annotated copy's shared strings")
    total = offset + _count_strings(src, src_sst)
    head = _COUNTS.sub(b"", opening.group(0)).replace(b">", f' uniqueCount="{total}">'.encode(), 1) \
        if not opening.group(0).endswith(b"/>") else None
    if head is None:
        raise NotStreamable("empty shared strings in the annotated copy")
    with src.open(src_sst) as fp, dst.open(res_sst, "w") as w:
        w.write(ours[:opening.start()] + head + ours[opening.end():close])
        for si in _shared_strings(fp):
            w.write(si)
        w.write(b"</sst>")


def write_streamed_copy(original: Path, problems: list[Problem], out: Path, large: dict[str, str],
                        annotate: Callable[[Path, Path], Path]) -> Path:
    """The annotated copy of `original` whose `large` sheets are streamed; `annotate(stripped, dest)` is the
    openpyxl path every workbook takes (it writes the annotated stripped copy to `dest`)."""
    with zipfile.ZipFile(original) as zf:
        names = list(sheet_parts(zf))
        formula_like = _formula_like(zf, _shared_strings_part(zf))
        keep = {name: _kept_rows(zf, part, _problem_rows(problems, names, name), formula_like)
                for name, part in large.items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".cotmoc-copy-", dir=out.parent) as tmp:
        stripped, small = Path(tmp) / f"stripped{original.suffix.lower()}", Path(tmp) / "annotated.xlsx"
        _strip(original, large, keep, stripped)
        annotate(stripped, small)
        part = out.with_name(f".{out.name}.part")
        try:
            _assemble(original, large, keep, small, part)
            part.replace(out)
        finally:
            part.unlink(missing_ok=True)
    return out
