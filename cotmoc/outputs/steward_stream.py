"""The annotated copy of a workbook in time proportional to the file, and in bounded memory however large.

openpyxl holds every cell of a workbook as a Python object: a 900,000-row report took minutes and gigabytes, and
even a report of a few hundred rows costs ≈ 0.17 s to load and save whole. Yet only a handful of its rows need a
Python hand: the template's header rows, the rows of the cells to annotate, rows holding a formula or a text
that might become one, rows named by a merge, a link or a note. So every worksheet is split, in two passes over
its XML:

1. a **stripped copy** of the workbook keeps, of each sheet, only those rows (the shared strings no kept cell
   uses are blanked, their positions kept), and goes through the very same openpyxl path as the in-memory copy
   (made inert, annotated, the `Loi` sheet added: cotmoc.outputs.steward_report);
2. the **copy written** is that small result with every other row streamed back from the original's XML
   **verbatim**: openpyxl writes its own texts inline, so the original's shared strings join the copy as they
   are, and the copy's sheet declares the original's namespaces. Cell styles keep their numbers: openpyxl
   writes the loaded cell formats in their order and appends the new ones.

Both passes work on blocks of whole rows (about a megabyte each) with regular expressions and bisection, never
on one row at a time in Python: the time is that of inflating and deflating the XML.
A sheet this cannot split (prefixed XML, rows without numbers or out of order) raises NotStreamable; the caller
then makes the in-memory copy, or, for a sheet above STREAM_SHEET_BYTES, which openpyxl must never hold, falls
back as it does for any workbook it cannot annotate. tests/test_steward_stream.py holds the streamed copy equal,
cell for cell, to the in-memory one.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path

from cotmoc.core.inert import FORMULA_STARTS
from cotmoc.core.package import hidden_sheets, relationships, shared_strings_part, sheet_parts
from cotmoc.core.steward_files import WORK_FOLDER_PREFIX
from cotmoc.core.problems import Problem
from cotmoc.outputs.steward_marks import placements

STREAM_SHEET_BYTES = 16 * 1024 * 1024     # a worksheet part above this (uncompressed) is never held by openpyxl
HEAD_ROWS = 10                            # the template's title, label and code rows: kept for a whole-row tint
COPY_COMPRESSLEVEL = 6                    # deflate as Excel does: the copy is no larger than the file sent, so a fixed copy fits the size limit
_CHUNK = 1 << 20
_MARKUP_COMPAT = b"http://schemas.openxmlformats.org/markup-compatibility/2006"

_SHEET_DATA = re.compile(rb"<sheetData\s*(/?)>")
_ROW_OPEN = re.compile(rb'<row\b(?:[^>]*?\br="(\d+)")?')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_SHARED = re.compile(rb'(<c\b[^>]*\bt="s"[^>]*>\s*<v>)(\d+)(</v>)')
_REFS = re.compile(rb'<(?:hyperlink|mergeCell)\b[^>]*?\bref="\$?[A-Z]{1,3}\$?(\d+)(?::\$?[A-Z]{1,3}\$?(\d+))?"')
_NOTE_REFS = re.compile(rb'\bref="\$?[A-Z]{1,3}\$?(\d+)"')
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_ROOT = re.compile(rb"<worksheet\b[^>]*>")
_XMLNS = re.compile(rb'\sxmlns(?::([\w.-]+))?="([^"]*)"')
_SI = re.compile(rb"<si\b[^>]*?(?:/>|>.*?</si>)", re.S)
_SST_OPEN = re.compile(rb"<sst\b[^>]*>")
_CDATA = rb"<!\[CDATA\["
#: a text whose first character may be one a spreadsheet runs as a formula (= + - @ tab CR, or escaped)
_RISKY_TEXT = re.compile(rb"<t\b[^>]*>(?:[=+\-@\t\r]|_x000[9dD]_|&#)|" + _CDATA)
#: what makes a row need openpyxl: a formula, a text that might become one, a formula's text result. Two
#: patterns, each starting with a literal, are several times faster over a block than one alternation.
NOT_PLAIN = (re.compile(rb"<(?:f[\s>/]|t\b[^>]*>(?:[=+\-@\t\r]|_x000[9dD]_|&#)|!\[CDATA\[)"),
              re.compile(rb't="str"'),
              # an entity the sheet's own DTD declares: the copy's sheet has openpyxl's head, without that DTD
              re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)"))


def not_plain_matches(data: bytes) -> Iterator[re.Match]:
    """Every match of a NOT_PLAIN pattern in `data`, pattern by pattern; the entity's is looked for only where an
    `&` is (rows seldom hold one, and a search costs ≈ 0.6 ns a byte, a report's rows ≈ 200 KB)."""
    markup, result, entity = NOT_PLAIN
    yield from markup.finditer(data)
    yield from result.finditer(data)
    if b"&" in data:
        yield from entity.finditer(data)


def holds_not_plain(data: bytes) -> bool:
    """Whether any NOT_PLAIN pattern occurs in `data`."""
    return next(not_plain_matches(data), None) is not None


class NotStreamable(Exception):
    """The sheet's XML is not in the shape the streaming copy handles."""


def streamable_sheets(original: Path) -> tuple[dict[str, str], bool]:
    """({sheet name: worksheet part} of every worksheet of the workbook, whether one is larger than
    STREAM_SHEET_BYTES (uncompressed): too large for openpyxl to hold, so the streamed copy is the only one)."""
    try:
        with zipfile.ZipFile(original) as zf:
            sizes = {i.filename: i.file_size for i in zf.infolist()}
            parts = sheet_parts(zf)
    except Exception:          # not a workbook we can split: the ordinary path (and its own fallbacks) decides
        return {}, False
    parts = {name: part for name, part in parts.items() if part in sizes}
    return parts, any(sizes[part] > STREAM_SHEET_BYTES for part in parts.values())


def _sheet_head(fp) -> tuple[bytes, bytes]:
    """(everything up to and including <sheetData>, what was read after it)."""
    buf = b""
    while (m := _SHEET_DATA.search(buf)) is None:
        more = fp.read(_CHUNK)
        if not more:
            raise NotStreamable("no <sheetData>")
        buf += more
    if m.group(1):
        raise NotStreamable("no rows")
    return buf[:m.end()], buf[m.end():]


class RowBlock:
    """A run of whole rows: `data`, the offset where each row starts and each row's number (ascending)."""
    __slots__ = ("data", "starts", "numbers")

    def __init__(self, data: bytes, last: int):
        self.data, self.starts, self.numbers = data, [], []
        for m in _ROW_OPEN.finditer(data):
            if m.group(1) is None:
                raise NotStreamable("a row without its number")
            self.starts.append(m.start())
            self.numbers.append(int(m.group(1)))
        numbers = self.numbers
        if numbers and (numbers[0] <= last or any(b <= a for a, b in zip(numbers, numbers[1:]))):
            raise NotStreamable("rows out of order")

    def row_at(self, offset: int) -> int:
        """The index of the row holding byte `offset` (-1: before the first row)."""
        return bisect_right(self.starts, offset) - 1

    def span(self, i: int) -> tuple[int, int]:
        return self.starts[i], self.starts[i + 1] if i + 1 < len(self.starts) else len(self.data)


def row_blocks(fp) -> Iterator[tuple[str, bytes | RowBlock]]:
    """A worksheet's XML as ("head", bytes), then ("rows", RowBlock) for each run of whole rows, then
    ("tail", bytes). A block ends where the last row read so far begins: no row is ever cut in two."""
    head, buf = _sheet_head(fp)
    yield "head", head
    last = 0
    while True:
        closing = buf.find(b"</sheetData>")
        if closing >= 0:
            block = RowBlock(buf[:closing], last)
            yield "rows", block
            yield "tail", buf[closing:] + fp.read()
            return
        more = fp.read(max(_CHUNK, len(buf)))     # a huge row doubles the read: never quadratic in its size
        if not more:
            raise NotStreamable("a row that does not end")
        cut = buf.rfind(b"<row")
        if cut <= 0:
            buf += more
            continue
        block = RowBlock(buf[:cut], last)
        last = block.numbers[-1] if block.numbers else last
        yield "rows", block
        buf = buf[cut:] + more


def sheet_pieces(fp) -> Iterator[tuple]:
    """A worksheet's XML as ("head", bytes), then ("row", number, bytes) per row, then ("tail", bytes)."""
    for kind, piece in row_blocks(fp):
        if kind != "rows":
            yield kind, piece
            continue
        for i, number in enumerate(piece.numbers):
            start, end = piece.span(i)
            yield "row", number, piece.data[start:end]


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


def formula_like(zf: zipfile.ZipFile) -> set[int]:
    """Positions of the workbook's shared strings a spreadsheet would run as a formula once edited."""
    return _formula_like(zf, shared_strings_part(zf))


def _formula_like(zf: zipfile.ZipFile, sst: str | None) -> set[int]:
    """Positions of shared strings a spreadsheet would run as a formula once edited (kept for openpyxl's care)."""
    if sst is None:
        return set()
    with zf.open(sst) as fp:
        return {i for i, si in enumerate(_shared_strings(fp))
                if _RISKY_TEXT.search(si) and (re.search(_CDATA, si) or _si_text(si).startswith(FORMULA_STARTS))}


def _problem_rows(problems: list[Problem], sheetnames: list[str], hidden: set[str]) -> dict[str, set[int]]:
    """{sheet: the rows the annotation writes to}, by its own rule (cotmoc.outputs.steward_list.placements): a
    noted cell's row; a tinted row, with the header rows, so the stripped sheet is as wide as the original's
    head (the tint goes up to the sheet's last column)."""
    by_cell, by_row = placements(problems, sheetnames, hidden)
    rows: dict[str, set[int]] = {}
    for name, row, _ in by_cell:
        rows.setdefault(name, set()).add(row)
    for name, row in by_row:
        rows.setdefault(name, set()).update({row, *range(1, HEAD_ROWS + 1)})
    return rows


def _noted_rows(zf: zipfile.ZipFile, part: str) -> set[int]:
    rows = set()
    for typ, target in relationships(zf, part).values():
        if typ.endswith("/comments") and target in zf.namelist():
            rows.update(int(r) for r in _NOTE_REFS.findall(zf.read(target)))
    return rows


def _rows_to_keep(block: RowBlock, wanted: list[int], formula_like: set[int]) -> list[int]:
    """Indexes of the block's rows that go through openpyxl: wanted by number, or not plain (module docstring)."""
    numbers, found = block.numbers, set()
    if not numbers:
        return []
    found.update(block.row_at(m.start()) for m in not_plain_matches(block.data))
    if formula_like:
        found.update(block.row_at(m.start()) for m in _SHARED.finditer(block.data) if int(m.group(2)) in formula_like)
    for n in wanted[bisect_left(wanted, numbers[0]):bisect_right(wanted, numbers[-1])]:
        i = bisect_left(numbers, n)
        if numbers[i] == n:
            found.add(i)
    found.discard(-1)
    return sorted(found)


def _strip_sheet(zf: zipfile.ZipFile, part: str, wanted: set[int], formula_like: set[int], w) -> tuple[set, set, set]:
    """Write the sheet with its kept rows only to `w`; (the kept rows, the rows its merges and links name)."""
    kept, used, order = set(), set(), sorted(wanted)
    with zf.open(part) as fp:
        for kind, piece in row_blocks(fp):
            if kind != "rows":
                w.write(piece)
                if kind == "tail":
                    named = {n for a, b in _REFS.findall(piece) for n in range(int(a), int(b or a) + 1)}
                continue
            for i in _rows_to_keep(piece, order, formula_like):
                start, end = piece.span(i)
                row = piece.data[start:end]
                w.write(row)
                kept.add(piece.numbers[i])
                used.update(int(x) for _, x, _ in _SHARED.findall(row))
    return kept, used, named


def _strip(original: Path, large: dict[str, str], problems: list[Problem], formula_like: set[int],
           out: Path) -> dict[str, set[int]]:
    """The stripped copy: large sheets with their kept rows only, shared strings no kept cell uses blanked.
    Returns the kept rows of each large sheet."""
    keep: dict[str, set[int]] = {}
    with zipfile.ZipFile(original) as zf, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        sst = shared_strings_part(zf)
        annotated = _problem_rows(problems, list(sheet_parts(zf)), hidden_sheets(zf))
        used: set[int] = set()
        for info in zf.infolist():
            if info.filename in large.values() or sst is None or info.filename == sst:
                continue
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                used.update(int(i) for _, i, _ in _SHARED.findall(zf.read(info.filename)))
        for info in zf.infolist():
            name = info.filename
            if name in large.values():
                sheet = next(n for n, p in large.items() if p == name)
                wanted = annotated.get(sheet, set()) | _noted_rows(zf, name)
                with tempfile.SpooledTemporaryFile(max_size=32 << 20) as spool:
                    kept, in_use, named = _strip_sheet(zf, name, wanted, formula_like, spool)
                    if named - kept:       # a merge or link further down names a row not kept: once more, with it
                        spool.seek(0)
                        spool.truncate()
                        kept, in_use, _ = _strip_sheet(zf, name, wanted | named, formula_like, spool)
                    spool.seek(0)
                    with dst.open(name, "w") as w:
                        shutil.copyfileobj(spool, w, _CHUNK)
                keep[sheet] = kept
                used |= in_use
            elif name != sst:
                with zf.open(name) as src, dst.open(name, "w") as w:
                    shutil.copyfileobj(src, w, _CHUNK)
        if sst is not None:
            _write_blanked_strings(zf, sst, used, dst)
    return keep


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


def _declaring(head: bytes, original_head: bytes) -> bytes:
    """openpyxl's sheet head whose root also declares the original's namespaces (and what it lets a reader
    ignore), so that the original's rows stand in the copy as they are."""
    ours, theirs = _ROOT.search(head), _ROOT.search(original_head)
    if ours is None or theirs is None:
        raise NotStreamable("a worksheet root in another shape")
    declared = {p: uri for p, uri in _XMLNS.findall(ours.group(0))}
    extra = b""
    for prefix, uri in _XMLNS.findall(theirs.group(0)):
        if prefix in declared and declared[prefix] != uri:
            raise NotStreamable("the original's namespace prefixes clash with the copy's")
        if prefix not in declared:
            declared[prefix] = uri
            extra += b' xmlns:' + prefix + b'="' + uri + b'"'
    compat = [p for p, uri in declared.items() if uri == _MARKUP_COMPAT and p]
    ignorable = re.search(rb'\s([\w.-]+):Ignorable="([^"]*)"', theirs.group(0))
    if ignorable and compat and b":Ignorable=" not in ours.group(0):
        extra += b" " + compat[0] + b':Ignorable="' + ignorable.group(2) + b'"'
    root = ours.group(0)
    root = root[:-2] + extra + b"/>" if root.endswith(b"/>") else root[:-1] + extra + b">"
    return head[:ours.start()] + root + head[ours.end():]


def _assemble(original: Path, large: dict[str, str], keep: dict[str, set[int]], small: Path, out: Path) -> None:
    """The copy: openpyxl's small result, each large sheet's other rows streamed in from the original."""
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(small) as res, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=COPY_COMPRESSLEVEL) as dst:
        parts = sheet_parts(res)
        ours = {parts[name]: (part, keep[name]) for name, part in large.items() if name in parts}
        if len(ours) != len(large):
            raise NotStreamable("a large sheet is missing from the annotated copy")
        # openpyxl writes every text inline: its result has no shared strings, and the original's join it as they are
        src_sst = shared_strings_part(src)
        if shared_strings_part(res) is not None or _SST_PART in res.namelist():
            raise NotStreamable("the annotated copy has shared strings of its own")
        adding = src_sst is not None
        for info in res.infolist():
            name = info.filename
            if name in ours:
                _assemble_sheet(src, *ours[name], res, name, dst)
            elif adding and name in _DECLARING_SST:
                dst.writestr(info, _declare_strings(name, res.read(name)))
            else:
                dst.writestr(info, res.read(name))
        if adding:
            with src.open(src_sst) as fp, dst.open(_SST_PART, "w") as w:
                shutil.copyfileobj(fp, w, _CHUNK)


_SST_PART = "xl/sharedStrings.xml"
_DECLARING_SST = {"[Content_Types].xml": (b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                          b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings'
                                          b'+xml"/>'),
                  "xl/_rels/workbook.xml.rels": (b"</Relationships>", b'<Relationship Id="cotmocSharedStrings" Type='
                                                 b'"http://schemas.openxmlformats.org/officeDocument/2006/relationships'
                                                 b'/sharedStrings" Target="/xl/sharedStrings.xml"/>')}


def _declare_strings(name: str, xml: bytes) -> bytes:
    """The content types or the workbook's relationships, with the shared-strings part the copy adds."""
    closing, entry = _DECLARING_SST[name]
    at = xml.rfind(closing)
    if at < 0 or b"cotmocSharedStrings" in xml:
        raise NotStreamable(f"{name} in another shape")
    return xml[:at] + entry + xml[at:]


def _assemble_sheet(src: zipfile.ZipFile, src_part: str, kept: set[int], res: zipfile.ZipFile, res_part: str,
                    dst: zipfile.ZipFile) -> None:
    pieces = list(sheet_pieces(res.open(res_part)))
    head, tail = pieces[0][1], pieces[-1][1]
    annotated = {p[1]: p[2] for p in pieces if p[0] == "row"}
    waiting = sorted(annotated)
    with src.open(src_part) as fp, dst.open(res_part, "w") as w:
        for kind, piece in row_blocks(fp):
            if kind == "head":
                dimension = _DIMENSION.search(piece)
                head = _declaring(head, piece)
                w.write(_DIMENSION.sub(lambda _: dimension.group(0), head, count=1) if dimension else head)
            elif kind == "rows":
                numbers, pos = piece.numbers, 0
                while waiting and numbers and waiting[0] <= numbers[-1]:
                    n = waiting.pop(0)
                    i = bisect_left(numbers, n)
                    start, end = piece.span(i)
                    w.write(piece.data[pos:start])
                    w.write(annotated[n])
                    if numbers[i] == n:
                        if n not in kept:
                            raise NotStreamable(f"openpyxl wrote row {n}, which was not kept")
                        pos = end
                    else:
                        pos = start
                w.write(piece.data[pos:])     # the original's rows, as they are
        for n in waiting:
            w.write(annotated[n])
        w.write(tail)


def write_streamed_copy(original: Path, problems: list[Problem], out: Path, large: dict[str, str],
                        annotate: Callable[[Path, Path], Path]) -> Path:
    """The annotated copy of `original` whose `large` sheets are streamed; `annotate(stripped, dest)` is the
    openpyxl path every workbook takes (it writes the annotated stripped copy to `dest`)."""
    with zipfile.ZipFile(original) as zf:
        formula_like = _formula_like(zf, shared_strings_part(zf))
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=WORK_FOLDER_PREFIX, dir=out.parent) as tmp:
        stripped, small = Path(tmp) / f"stripped{original.suffix.lower()}", Path(tmp) / "annotated.xlsx"
        keep = _strip(original, large, problems, formula_like, stripped)
        annotate(stripped, small)
        part = out.with_name(f".{out.name}.part")
        try:
            _assemble(original, large, keep, small, part)
            part.replace(out)
        finally:
            part.unlink(missing_ok=True)
    return out
