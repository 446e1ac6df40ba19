"""Refusing a file: the checks made before any parsing, and what any failure to read one file becomes.

Before a workbook is opened its name is checked (`check_name`: a spreadsheet format cotmoc does not read, or no
spreadsheet at all), then, before it is parsed, its container: magic bytes (a PDF renamed .xlsx is not a workbook), an
empty file, the size limit (told in the MB it is set in), the zip directory (truncated or corrupt archives, zip
bombs: the uncompressed size is limited before reading; every XML part is read through once, so its size and
CRC are checked and a DOCTYPE or ENTITY declaration anywhere in it is refused, never expanded), and OLE
containers (an encrypted OOXML file is a password-protected workbook). `unreadable` turns any exception met
while reading into the refusal of that file with a rule of its own; the library's words go only into the
English half, never instead of the Vietnamese message.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from cotmoc.core.display import en_number, vi_number
from cotmoc.core.formulas import has_marks
from cotmoc.core.messages import problem
from cotmoc.core.problems import Problem

MAX_RATIO = 200                       # uncompressed/compressed beyond this, with a large size, is a bomb
RATIO_CHECK_BYTES = 20 * 1024 * 1024
_MB = 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


class UnreadableWorkbook(Exception):
    """The file cannot be read as a report at all; carries the one Problem that says why."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message_en)
        self.problem = problem


def refuse(rule: str, *cases: str, en: dict | None = None, **fields) -> UnreadableWorkbook:
    """The refusal of a whole file, its message from the catalogue (cotmoc/core/messages.toml)."""
    return UnreadableWorkbook(problem(rule, *cases, en=en, **fields))


#: suffixes read as workbooks, and spreadsheet formats refused with a hint to save as .xlsx
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
SPREADSHEETS_NOT_READ = frozenset({".xlsb", ".xltx", ".xltm", ".xlt", ".ots", ".fods", ".numbers", ".et", ".csv", ".wks"})


def check_name(path: Path) -> None:
    """Refuse a file by its name before opening it: a spreadsheet format not read, or no workbook at all."""
    suffix = path.suffix.lower()
    if suffix in SPREADSHEETS_NOT_READ:
        raise refuse("file.format_not_read", suffix=path.suffix)
    if suffix not in WORKBOOK_SUFFIXES:
        raise refuse("file.not_workbook")


def check_container(path: Path, max_bytes: int, max_uncompressed: int) -> str:
    """Return "zip" or "ole" after the safety checks, or raise UnreadableWorkbook."""
    return scan_container(path, max_bytes, max_uncompressed)[0]


def scan_container(path: Path, max_bytes: int, max_uncompressed: int) -> tuple[str, bool]:
    """check_container, and whether a zip may hold a formula or an error cell (cotmoc.core.formulas.has_marks),
    found while its XML parts are read for the safety checks anyway. A package with a part of another kind (an
    image, printer settings) may: a sheet can be stored under any name, and only XML parts are read here."""
    size = path.stat().st_size
    if size > max_bytes:          # in the unit the limit is set in (COTMOC_MAX_FILE_MB: 1 MB = 1024 × 1024 bytes)
        mb, limit = vi_number(size / _MB, 1), vi_number(max_bytes / _MB, 0 if max_bytes % _MB == 0 else 1)
        raise refuse("file.too_large", mb=mb, limit=limit,
                     en={"mb": en_number(size / _MB, 1), "limit": en_number(max_bytes / _MB)})
    if size == 0:
        raise refuse("file.empty")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head[:4] == b"PK\x03\x04":
        return "zip", _check_zip(path, max_uncompressed)
    if head == _OLE_MAGIC:
        if _ENCRYPTION_INFO in path.read_bytes():
            raise refuse("file.password", detail="")
        return "ole", False
    raise refuse("file.not_workbook")


_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)")


def _read_part(part) -> tuple[bool, bool]:
    """(whether a zip part holds a DOCTYPE or ENTITY declaration anywhere, whether it may hold a formula or an
    error cell), read in blocks with an overlap, so a declaration placed after the first 64 KiB is found too."""
    tail, marked = b"", False
    for block in iter(lambda: part.read(1 << 20), b""):
        text = tail + block
        if b"!" in text and _DECLARATION.search(text):      # "!" is rare in XML: most blocks skip the search
            return True, marked
        marked = marked or has_marks(text)
        tail = block[-16:]
    return False, marked


def _check_zip(path: Path, max_uncompressed: int) -> bool:
    """The zip's safety checks; whether it may hold a formula or an error cell (see scan_container)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if total > max_uncompressed or (total > RATIO_CHECK_BYTES and total / packed > MAX_RATIO):
                raise refuse("file.zip_bomb", mb=f"{total / 1e6:.0f}")
            may_hold_marks = False
            for info in infos:
                if not info.filename.endswith((".xml", ".rels", ".vml")):
                    may_hold_marks = may_hold_marks or not info.is_dir()
                    continue
                with zf.open(info) as part:        # zipfile checks each part's size and CRC as it reads
                    declares, marks = _read_part(part)
                if declares:
                    raise refuse("file.xml_entities")
                may_hold_marks = may_hold_marks or marks
            return may_hold_marks
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, ValueError, OSError, NotImplementedError,
            RuntimeError, zlib.error) as exc:
        raise _corrupt(exc) from None


def _corrupt(exc: BaseException) -> UnreadableWorkbook:
    return refuse("file.corrupt", detail=_detail(exc))


def _detail(exc: BaseException) -> str:
    """The library's own words, for the English half only (never instead of the Vietnamese message)."""
    return f"{type(exc).__name__}: {exc}"[:300]


def unreadable(exc: BaseException) -> UnreadableWorkbook:
    """What any failure to read one file becomes: a rejection of that file, told in words the steward can act on."""
    from python_calamine import PasswordError, XmlError, ZipError
    if isinstance(exc, PasswordError) or "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        return refuse("file.password", detail=f" ({_detail(exc)})")
    if isinstance(exc, (ZipError, zipfile.BadZipFile, zlib.error, EOFError)) or type(exc).__name__ == "WorksheetNotFound":
        return _corrupt(exc)                  # a part the workbook lists is missing or damaged
    if isinstance(exc, XmlError):
        return refuse("file.xml_invalid", detail=_detail(exc))
    if isinstance(exc, MemoryError):
        return refuse("file.too_complex")
    return refuse("file.unreadable", detail=_detail(exc))


def check_failed(exc: BaseException) -> Problem:
    """The problem for a file whose check failed after it was read (an error in cotmoc on something this file
    holds, not a fault the steward can see): the file is rejected alone and kept, and the office can look."""
    return problem("file.check_failed", detail=_detail(exc))
