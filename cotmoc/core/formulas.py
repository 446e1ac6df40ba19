"""Formula cells that hold no saved result, per sheet (OOXML workbooks). No reader recalculates formulas, so
such a cell has no value to read: the reader reports it to the steward, and the steward's copy shows the
formula as text. Both ask `formulas_without_values`, so they judge a cell by one rule (`has_no_result`).
Almost no report has formulas, so each sheet's XML bytes are first searched for a formula tag, and only a
sheet that has one is parsed."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from cotmoc.core.package import sheet_parts


# A formula element: "<f" or, with a namespace prefix, ":f", then a space, "/" or ">" ("<formula1>" of a dropdown
# list does not count). Odd text content may look alike: the sheet is then simply parsed in full. Two patterns
# with a literal start are searched far faster than one starting with a choice of characters.
_FORMULA_TAGS = (re.compile(rb"<f[\s/>]"), re.compile(rb":f[\s/>]"))
_SCAN_CHUNK = 1 << 20


def has_no_result(cell_type: str | None, saved: str | None) -> bool:
    """Whether a formula cell `<c t=cell_type>` lacks a saved result; `saved` is its `<v>` text ("" for an
    empty `<v>`, None for none). An empty `<v>` IS the result of a text formula (`t="str"`): Excel and
    LibreOffice save `=IF(D5>0;"";"thiếu")` so when it yields "". Of any other type it holds nothing."""
    if saved is None:
        return True
    return not saved.strip() and cell_type != "str"


def formulas_without_values(path: Path, sheet_names: list[str]) -> dict[str, dict[str, str | None]]:
    """{sheet name: {cell: the formula as typed ("=J4*2"), or None when not written in that cell (a shared
    formula)}} for the formula cells without a stored result (OOXML only). Almost no report holds a formula,
    so the sheets' XML is parsed only when a scan of its bytes finds one (or cannot tell)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            parts = sheet_parts(zf)
            if not any(parts.get(name) in names and _part_matches(zf, parts[name], _FORMULA_TAGS) for name in sheet_names):
                return {}
    except Exception:             # the full parse meets the trouble again and handles it as it always has
        pass
    return _parse_formulas_without_values(path, sheet_names)


def _parse_formulas_without_values(path: Path, sheet_names: list[str]) -> dict[str, dict[str, str | None]]:
    """The full parse: each <c> holding an <f> and no result by `has_no_result`."""
    out: dict[str, dict[str, str | None]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            parts = sheet_parts(zf)
            for name in sheet_names:
                part = parts.get(name)
                if not part or part not in zf.namelist():
                    continue
                cells: dict[str, str | None] = {}
                with zf.open(part) as fh:
                    for _, el in ElementTree.iterparse(fh):
                        if el.tag.endswith("}c"):
                            f = v = None
                            for child in el:
                                if child.tag.endswith("}f"):
                                    f = child
                                elif child.tag.endswith("}v"):
                                    v = child
                            if f is not None and has_no_result(el.get("t"), None if v is None else v.text or ""):
                                cells[el.get("r")] = f"={f.text}" if f.text else None
                            el.clear()
                out[name] = cells
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile):
        return out
    return out


# An error cell (`t="e"`: #REF!, #DIV/0!, #VALUE!, #NAME?, #N/A ...): the readers hand it over as an empty
# text, which would read as "empty", so the reader asks here what the steward sees in it.
_ERROR_TYPE = (re.compile(rb't="e"'), re.compile(rb"t='e'"))


def error_cells(path: Path, sheet_names: list[str]) -> dict[str, dict[str, str]]:
    """{sheet name: {cell: the error Excel shows, e.g. '#REF!'}} (OOXML only; a scan first, as above)."""
    out: dict[str, dict[str, str]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            parts = sheet_parts(zf)
            for name in sheet_names:
                part = parts.get(name)
                if not part or part not in names or not _part_matches(zf, part, _ERROR_TYPE):
                    continue
                cells = {}
                with zf.open(part) as fh:
                    for _, el in ElementTree.iterparse(fh):
                        if el.tag.endswith("}c"):
                            if el.get("t") == "e":
                                v = next((c for c in el if c.tag.endswith("}v")), None)
                                cells[el.get("r")] = (v.text or "").strip() if v is not None else "#N/A"
                            el.clear()
                out[name] = cells
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile):
        return out
    return out


#: what makes a part worth a second look: a formula tag or an error cell (the container check scans the XML parts
#: once and tells the reader whether any holds either, so a report without them is never scanned again)
MARKS = (*_FORMULA_TAGS, *_ERROR_TYPE)


def has_marks(block: bytes) -> bool:
    """Whether a block of a part's XML may hold a formula or an error cell (blocks overlapping by 8 bytes or more,
    so no tag is cut)."""
    return any(p.search(block) for p in MARKS)


def _part_matches(zf: zipfile.ZipFile, part: str, patterns) -> bool:
    """Whether any pattern occurs in the part's decompressed XML, scanned in chunks (a 100,000-row sheet is tens
    of MB: never held at once); each chunk starts with the previous one's last bytes, so no short tag is cut."""
    tail = b""
    with zf.open(part) as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            text = tail + chunk
            if any(p.search(text) for p in patterns):
                return True
            tail = text[-8:]
    return False
