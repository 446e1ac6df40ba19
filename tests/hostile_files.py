"""Hostile and broken inputs, each built by code from a valid generated report (no binary fixture): what the
hostile-input catalogue (test_hostile.py) and the fuzz test (test_fuzz.py) feed the ingest."""
from __future__ import annotations

import re
import struct
import zipfile
from functools import lru_cache
from pathlib import Path

from cotmoc.samples.generator import generate_report

VALID = ("lai_chau", "2020", 5)          # the valid report every hostile inbox also holds
BASE = ("cao_bang", "2019", 11)          # the report the hostile files are made from


@lru_cache(maxsize=4)
def report_bytes(province: str = BASE[0], period: str = BASE[1], seed: int = BASE[2]) -> bytes:
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = generate_report(province, period, seed=seed).write(Path(tmp) / "r.xlsx")
        return path.read_bytes()


def valid_report(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(report_bytes(*VALID))
    return path


def base_report(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(report_bytes())
    return path


def sheet_part(zf: zipfile.ZipFile, sheet: str) -> str:
    """The zip part holding the sheet named `sheet`."""
    book = zf.read("xl/workbook.xml").decode("utf-8")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    rid = re.search(rf'<sheet[^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', book) or \
        re.search(rf'<sheet[^>]*r:id="([^"]+)"[^>]*name="{re.escape(sheet)}"', book)
    target = re.search(rf'<Relationship[^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    return target.group(1).lstrip("/") if target.group(1).startswith("/") else "xl/" + target.group(1)


def rewrite_parts(path: Path, edits: dict, src: bytes | None = None) -> Path:
    """Write `src` (default: the base report) to `path` with parts changed: {part or 'sheet:<name>': fn(bytes)}."""
    import io
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(src or report_bytes())) as zin:
        resolved = {(sheet_part(zin, k[6:]) if k.startswith("sheet:") else k): fn for k, fn in edits.items()}
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename in resolved:
                    data = resolved[item.filename](data)
                zout.writestr(item, data)
    return path


def undeclared_entity(path: Path) -> Path:
    """`&nbsp;` in a cell, as HTML-minded tools write it: no DTD declares it (the XML parser refuses it)."""
    return rewrite_parts(path, {"sheet:thong_tin": lambda d: d.replace(b"<t>2019</t>", b"<t>2019&nbsp;</t>", 1)})


def late_entity_declaration(path: Path) -> Path:
    """An entity declaration past the first 64 KiB of a part (a prolog check alone never sees it), used in a cell."""
    def edit(data: bytes) -> bytes:
        at = data.index(b"<sheetData>")
        padding = b"<!--" + b" " * 70_000 + b"-->"
        data = data[:at] + padding + b'<!DOCTYPE x [<!ENTITY a "7">]>' + data[at:]
        return data.replace(b"<t>", b"<t>&a;", 1)
    return rewrite_parts(path, {"sheet:doan_bien_gioi": edit})


def lying_zip_sizes(path: Path, part_sheet: str = "doan_bien_gioi") -> Path:
    """A zip whose headers declare a sheet part far smaller than it is."""
    base_report(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        part = sheet_part(zf, part_sheet)
        info = zf.getinfo(part)
    struct.pack_into("<I", data, info.header_offset + 22, 1000)          # local header: uncompressed size
    name = part.encode()
    i = data.find(b"PK\x01\x02")
    while i != -1:                                                       # central directory entry
        if data[i + 46:i + 46 + struct.unpack_from("<H", data, i + 28)[0]] == name:
            struct.pack_into("<I", data, i + 24, 1000)
        i = data.find(b"PK\x01\x02", i + 4)
    path.write_bytes(bytes(data))
    return path


def with_cell_text(path: Path, sheet: str, old: str, new: str, src: bytes | None = None) -> Path:
    """The base report with the first inline text `old` of `sheet` replaced by `new` (XML-escaped)."""
    from xml.sax.saxutils import escape
    return rewrite_parts(path, {f"sheet:{sheet}": lambda d: d.replace(
        f"<t>{escape(old)}</t>".encode(), f"<t>{escape(new)}</t>".encode(), 1)}, src=src)


def numeric_cell(path: Path, sheet: str, row: int, column: str, xml_cell: str) -> Path:
    """The base report with cell `column``row` of `sheet` replaced by the raw XML `xml_cell` (its r= is set)."""
    ref = f"{column}{row}"

    def edit(data: bytes) -> bytes:
        text = data.decode("utf-8")
        pattern = re.compile(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', re.S)
        assert pattern.search(text), ref
        return pattern.sub(xml_cell.replace("REF", ref), text, count=1).encode("utf-8")
    return rewrite_parts(path, {f"sheet:{sheet}": edit})
