"""Files that are not readable reports at all, as they do reach inboxes: each builder writes one and
returns its path. The reader must refuse every one with a clear message before parsing anything."""
from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from openpyxl import Workbook

from cotmoc.samples.generator import generate_report


def _report(path: Path) -> Path:
    return generate_report("cao_bang", "2019", seed=11).write(path)


def not_a_workbook(path: Path) -> Path:
    """A PDF renamed .xlsx."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    return path


def truncated_zip(path: Path) -> Path:
    """A real report cut off in transfer (the zip's central directory is lost)."""
    _report(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 5])
    return path


def password_protected(path: Path) -> Path:
    """An encrypted OOXML workbook: an OLE compound file holding EncryptionInfo and EncryptedPackage streams
    (what Excel writes when a password is set to open the file). The streams' contents are placeholders."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 0x3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 0x1000, end, 0, end, 0)
    difat = [0] + [free] * 108
    struct.pack_into("<109I", header, 76, *difat)
    fat = struct.pack("<128I", fat_sector, end, end, end, *([free] * 124))

    def entry(name: str, kind: int, start: int, size: int, child: int = free, right: int = free) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        e = bytearray(128)
        e[0:len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), kind, 1)
        struct.pack_into("<III", e, 68, free, right, child)
        struct.pack_into("<IQ", e, 116, start, size)
        return bytes(e)

    info = b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<encryption/>".ljust(504, b"\0")
    package = struct.pack("<Q", 4096) + b"\x00" * 504
    directory = (entry("Root Entry", 5, end, 0, child=1) + entry("EncryptionInfo", 2, 2, len(info), right=2)
                 + entry("EncryptedPackage", 2, 3, len(package)) + bytes(128))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(header) + fat + directory + info + package)
    return path


def empty_workbook(path: Path) -> Path:
    """A workbook with one empty default sheet and none of the report's sheets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Workbook().save(path)
    return path


def zip_bomb(path: Path, *, expanded_mb: int = 40) -> Path:
    """A real report plus a part that expands from a few KB to `expanded_mb` MB."""
    _report(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("xl/media/padding.xml", "w") as fh:
            block = b"\0" * (1 << 20)
            for _ in range(expanded_mb):
                fh.write(block)
    return path


def xml_entity_bomb(path: Path) -> Path:
    """A real report whose sheet XML declares nested entities ("billion laughs")."""
    _report(path)
    doctype = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
               + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                         for i in range(1, 10)) + "]>")
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode("utf-8")
                head, rest = text.split("?>", 1) if text.startswith("<?xml") else ("", text)
                data = ((head + "?>" if head else "") + doctype + rest.replace("<v>", "<v>&lol9;", 1)).encode("utf-8")
            zout.writestr(item, data)
    tmp.replace(path)
    return path
