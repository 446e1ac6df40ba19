"""Refusing a file: the checks made before any parsing, and what any failure to read one file becomes.

Before a workbook is parsed its container is checked: magic bytes (a PDF renamed .xlsx is not a workbook), an
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
from cotmoc.core.problems import ERROR, Problem

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


def refuse(rule: str, vi: str, en: str, fix_vi: str, fix_en: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(Problem(ERROR, rule, vi, en, fix_vi, fix_en))


_RESEND_VI = "Mở báo cáo bằng Excel hoặc LibreOffice, lưu lại thành .xlsx theo mẫu rồi gửi lại"
_RESEND_EN = "Open the report in Excel or LibreOffice, save it as .xlsx in the template and send it again"


def check_container(path: Path, max_bytes: int, max_uncompressed: int) -> str:
    """Return "zip" or "ole" after the safety checks, or raise UnreadableWorkbook."""
    size = path.stat().st_size
    if size > max_bytes:          # in the unit the limit is set in (COTMOC_MAX_FILE_MB: 1 MB = 1024 × 1024 bytes)
        mb, limit = vi_number(size / _MB, 1), vi_number(max_bytes / _MB, 0 if max_bytes % _MB == 0 else 1)
        raise refuse("file.too_large", f"File quá lớn ({mb} MB, tối đa {limit} MB)",
                      f"The file is too large ({en_number(size / _MB, 1)} MB, limit {en_number(max_bytes / _MB)} MB)",
                      "Xóa các sheet, hình ảnh không cần thiết rồi gửi lại", "Remove unneeded sheets or pictures")
    if size == 0:
        raise refuse("file.empty", "File rỗng (0 byte): không có nội dung", "The file is empty (0 bytes)",
                      "Gửi lại file báo cáo (có thể lần trước gửi chưa xong)",
                      "Send the report again (the transfer may not have finished)")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head[:4] == b"PK\x03\x04":
        _check_zip(path, max_uncompressed)
        return "zip"
    if head == _OLE_MAGIC:
        if _ENCRYPTION_INFO in path.read_bytes():
            raise refuse("file.password", "File được đặt mật khẩu nên không đọc được",
                          "The workbook is password-protected and cannot be read",
                          "Gỡ mật khẩu (Tệp > Thông tin > Bảo vệ sổ làm việc) rồi gửi lại",
                          "Remove the password (File > Info > Protect Workbook) and send it again")
        return "ole"
    raise refuse("file.not_workbook", "File không phải là bảng tính Excel (có thể là PDF, ảnh hoặc văn bản đổi tên)",
                  "The file is not a spreadsheet (perhaps a PDF, picture or text file renamed)",
                  _RESEND_VI, _RESEND_EN)


_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)")


def _declares_entities(part) -> bool:
    """Whether a zip part holds a DOCTYPE or ENTITY declaration anywhere (read in blocks, with an overlap, so a
    declaration placed after the first 64 KiB is found too)."""
    tail = b""
    for block in iter(lambda: part.read(1 << 20), b""):
        if _DECLARATION.search(tail + block):
            return True
        tail = block[-16:]
    return False


def _check_zip(path: Path, max_uncompressed: int) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if total > max_uncompressed or (total > RATIO_CHECK_BYTES and total / packed > MAX_RATIO):
                raise refuse("file.zip_bomb", "File giải nén ra quá lớn, có dấu hiệu bất thường nên không mở",
                              f"The file would expand to {total / 1e6:.0f} MB: refused as a possible zip bomb",
                              _RESEND_VI, _RESEND_EN)
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    with zf.open(info) as part:        # zipfile checks each part's size and CRC as it reads
                        if _declares_entities(part):
                            raise refuse("file.xml_entities",
                                          "File chứa khai báo XML bất thường (DOCTYPE/ENTITY) nên không mở",
                                          "The file holds XML DOCTYPE/ENTITY declarations: refused, never expanded",
                                          _RESEND_VI, _RESEND_EN)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, ValueError, OSError, NotImplementedError,
            RuntimeError, zlib.error) as exc:
        raise _corrupt(exc) from None


def _corrupt(exc: BaseException) -> UnreadableWorkbook:
    return refuse("file.corrupt", "File bị hỏng hoặc không đầy đủ (có thể gửi chưa hết)",
                   f"The file is damaged or incomplete (perhaps cut off in transfer): {_detail(exc)}",
                   "Gửi lại file gốc", "Send the original file again")


def _detail(exc: BaseException) -> str:
    """The library's own words, for the English half only (never instead of the Vietnamese message)."""
    return f"{type(exc).__name__}: {exc}"[:300]


def unreadable(exc: BaseException) -> UnreadableWorkbook:
    """What any failure to read one file becomes: a rejection of that file, told in words the steward can act on."""
    from python_calamine import PasswordError, XmlError, ZipError
    if isinstance(exc, PasswordError) or "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        return refuse("file.password", "File được đặt mật khẩu nên không đọc được",
                       f"The workbook is password-protected and cannot be read ({_detail(exc)})",
                       "Gỡ mật khẩu rồi lưu lại, gửi lại file", "Remove the password, save and send it again")
    if isinstance(exc, (ZipError, zipfile.BadZipFile, zlib.error, EOFError)) or type(exc).__name__ == "WorksheetNotFound":
        return _corrupt(exc)                  # a part the workbook lists is missing or damaged
    if isinstance(exc, XmlError):
        return refuse("file.xml_invalid", "Nội dung bên trong file bị lỗi (XML không hợp lệ), thường do phần mềm "
                       "khác Excel/LibreOffice tạo ra", f"The file's inner XML is not valid, as software other than "
                       f"Excel/LibreOffice sometimes writes it ({_detail(exc)})", _RESEND_VI, _RESEND_EN)
    if isinstance(exc, MemoryError):
        return refuse("file.too_complex", "File quá lớn hoặc quá phức tạp để đọc",
                       "The file is too large or too complex to read", "Xóa các sheet, hình ảnh không cần thiết "
                       "rồi gửi lại", "Remove unneeded sheets or pictures and send it again")
    return refuse("file.unreadable", "Không đọc được file bảng tính này: nội dung không đúng định dạng bảng tính",
                   f"The spreadsheet cannot be read ({_detail(exc)})", _RESEND_VI, _RESEND_EN)


def check_failed(exc: BaseException) -> Problem:
    """The problem for a file whose check failed after it was read (an error in cotmoc on something this file
    holds, not a fault the steward can see): the file is rejected alone and kept, and the office can look."""
    return Problem(ERROR, "file.check_failed", "Hệ thống chưa kiểm tra được file này (lỗi của phần mềm, không hẳn "
                   "do file); file đã được lưu lại và văn phòng sẽ xem xét",
                   f"cotmoc could not check this file (a fault in cotmoc, not necessarily in the file); it is kept "
                   f"for the office to look at ({_detail(exc)})",
                   "Liên hệ văn phòng tiếp nhận báo cáo; có thể lưu lại bằng Excel rồi gửi lại",
                   "Contact the office; saving it again from Excel and resending may help")
