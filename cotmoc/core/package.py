"""The parts of an OOXML workbook (a zip of XML parts): which part holds which sheet, which sheets are hidden,
where the shared strings are. Read from `xl/workbook.xml` and the relationships, without opening the workbook; the formula scan
(cotmoc.core.formulas) and the streamed steward's copy (cotmoc.outputs.steward_stream) both ask here."""
from __future__ import annotations

import posixpath
import zipfile
from xml.etree import ElementTree

WORKBOOK_PART = "xl/workbook.xml"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def relationships(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: {id: (type, target part)}; none when the part has no relationships part."""
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


def _sheets(zf: zipfile.ZipFile) -> list[ElementTree.Element]:
    """The workbook's <sheet> entries; none in a package without a workbook part."""
    if WORKBOOK_PART not in zf.namelist():
        return []
    return list(ElementTree.fromstring(zf.read(WORKBOOK_PART)).iter(f"{_MAIN}sheet"))


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: its XML part}, in the workbook's order (sheets whose relationship is missing left out; none
    in a package without a workbook part)."""
    rels = relationships(zf, WORKBOOK_PART)
    return {s.get("name"): rels[s.get(_REL_ID)][1] for s in _sheets(zf) if s.get(_REL_ID) in rels}


def hidden_sheets(zf: zipfile.ZipFile) -> set[str]:
    """The names of the sheets saved hidden or very hidden (openpyxl's `sheet_state != "visible"`)."""
    return {s.get("name") for s in _sheets(zf) if s.get("state", "visible") != "visible"}


def shared_strings_part(zf: zipfile.ZipFile) -> str | None:
    """The shared-strings part the workbook names, if the package holds it."""
    found = [t for typ, t in relationships(zf, WORKBOOK_PART).values() if typ.endswith("/sharedStrings")]
    return found[0] if found and found[0] in zf.namelist() else None
