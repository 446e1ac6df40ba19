"""Hostile and broken inputs, each built by code from a valid generated report (no binary fixture): the
hostile-input catalogue (CATALOGUE) that tests/test_hostile.py runs through the ingest and docs/bad-input.md
lists with what the steward is told (python -m cotmoc.bad_input_doc writes it). The fuzz test's mutations are
in mutants.py."""
from __future__ import annotations

import re
import struct
import time
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

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


def valid_report_other(path: Path) -> Path:
    """Another province's valid report (for the kinds whose trouble is the name alone)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(report_bytes("ha_giang", "2020", 7))
    return path


def valid_report_fourth(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(report_bytes("dien_bien", "2020", 13))
    return path


def valid_report_third(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(report_bytes("lang_son", "2020", 9))
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


def raw_cells(path: Path, sheet: str, cells: dict[str, str]) -> Path:
    """The base report with cells of `sheet` replaced by raw XML: {"H5": '<c r="H5" t="e"><v>#REF!</v></c>'}."""
    def edit(data: bytes) -> bytes:
        text = data.decode("utf-8")
        for ref, xml in cells.items():
            pattern = re.compile(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', re.S)
            if not pattern.search(text):
                raise ValueError(f"no cell {ref} in {sheet}")
            text = pattern.sub(lambda _: xml, text, count=1)
        return text.encode("utf-8")
    return rewrite_parts(path, {f"sheet:{sheet}": edit})


# --- the catalogue's builders (cells of the base report: doan_bien_gioi row 5 is its first segment; H markers,
# I border works, J households, K persons (whole numbers, required), L registered on (a date, optional)) -------
def excel_error_required(path: Path) -> Path:
    return raw_cells(path, "doan_bien_gioi", {"H5": '<c r="H5" s="16" t="e"><v>#REF!</v></c>'})


def excel_error_div0(path: Path) -> Path:
    return raw_cells(path, "doan_bien_gioi", {"I5": '<c r="I5" s="16" t="e"><f>1/0</f><v>#DIV/0!</v></c>'})


def excel_error_value(path: Path) -> Path:
    return raw_cells(path, "doan_bien_gioi", {"J5": '<c r="J5" s="16" t="e"><v>#VALUE!</v></c>'})


def excel_error_name(path: Path) -> Path:
    return raw_cells(path, "doan_bien_gioi", {"K5": '<c r="K5" s="16" t="e"><f>TONG(A1)</f><v>#NAME?</v></c>'})


def excel_error_optional(path: Path) -> Path:
    """#N/A in an optional cell (a date that may be left empty): not silently empty."""
    return raw_cells(path, "doan_bien_gioi", {"L5": '<c r="L5" s="18" t="e"><v>#N/A</v></c>'})


def excel_error_in_form(path: Path) -> Path:
    return raw_cells(path, "thong_tin", {"C4": '<c r="C4" t="e"><v>#NAME?</v></c>'})


def nan_in_required(path: Path) -> Path:
    return raw_cells(path, "doan_bien_gioi", {"J5": '<c r="J5" s="16"><v>NaN</v></c>'})


def huge_count(path: Path) -> Path:
    return raw_cells(path, "doan_bien_gioi", {"K5": '<c r="K5" s="16"><v>1e308</v></c>'})


def count_in_date_cell(path: Path) -> Path:
    """A count typed into a cell formatted as a date (style 18 is the template's date style)."""
    return raw_cells(path, "doan_bien_gioi", {"H5": '<c r="H5" s="18"><v>45000</v></c>'})


def grouped_text_number(path: Path) -> Path:
    """`1.234.567` typed as text in a count: read, and shown back as written (not 1.23457e+06)."""
    return raw_cells(path, "doan_bien_gioi", {"K5": '<c r="K5" s="16" t="inlineStr"><is><t>1.234.567</t></is></c>'})


def markup_in_cell(path: Path) -> Path:
    return with_cell_text(path, "thong_tin", "2019", "[/bold]")


def escape_in_cell(path: Path) -> Path:
    return with_cell_text(path, "thong_tin", "2019", "\x1b]0;pwned\x07\x1b[2J")


def _with_openpyxl(path: Path, edit) -> Path:
    import io
    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(report_bytes()))
    edit(wb)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def very_hidden_sheet(path: Path) -> Path:
    """The real teams sheet very hidden, a visible renamed copy beside it (what the steward sees is not read)."""
    def edit(wb):
        shown = wb.copy_worksheet(wb["to_tu_quan"])
        shown.title = "To tu quan"
        for row in range(8, shown.max_row + 1):
            for col in range(1, shown.max_column + 1):
                shown.cell(row, col).value = None
        wb["to_tu_quan"].sheet_state = "veryHidden"
    return _with_openpyxl(path, edit)


def hidden_sheet(path: Path) -> Path:
    return _with_openpyxl(path, lambda wb: setattr(wb["khen_thuong"], "sheet_state", "hidden"))


def two_sheets_one_code(path: Path) -> Path:
    def edit(wb):
        wb.copy_worksheet(wb["doan_bien_gioi"]).title = "Doan bien gioi"
    return _with_openpyxl(path, edit)


def dde_and_conditional_formats(path: Path) -> Path:
    """An error to annotate, a DDE defined name, an external reference and a conditional format whose formula
    calls out: none of it may reach the steward's copy."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.workbook.defined_name import DefinedName

    def edit(wb):
        wb["thong_tin"]["C4"].value = "năm ngoái"
        wb.defined_names["calc"] = DefinedName("calc", attr_text="cmd|' /C calc'!A0")
        wb.defined_names["ngoai"] = DefinedName("ngoai", attr_text="[1]Sheet1!$A$1")
        wb["doan_bien_gioi"].conditional_formatting.add("A5:A9", FormulaRule(formula=["cmd|' /C calc'!A0"]))
    return _with_openpyxl(path, edit)


def oversized(path: Path, mib: float = 1.3) -> Path:
    """A valid report carrying `mib` MiB of incompressible padding (over a limit set to 1 MB)."""
    import random
    base_report(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/media/image1.bin", random.Random(1).randbytes(int(mib * 1024 * 1024)))
    return path


def zero_bytes(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def xlsb(path: Path) -> Path:
    """A binary workbook (.xlsb): a zip like .xlsx, a format cotmoc does not read."""
    return base_report(path)


def still_being_written(path: Path) -> Path:
    """The first part of a report being copied in; CopyInProgress goes on writing it while the run starts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(report_bytes()[:4096])
    return path


class CopyInProgress:
    """Appends the rest of the report to `path` a block at a time until stopped: a copy the run starts during."""

    def __init__(self, path: Path):
        import threading
        self.path, self._stop = path, threading.Event()
        self._thread = threading.Thread(target=self._write, daemon=True)

    def _write(self) -> None:
        rest = report_bytes()[4096:]
        with self.path.open("ab") as fh:
            while not self._stop.wait(0.005):
                block, rest = rest[:256], rest[256:] or report_bytes()[:256]
                fh.write(block)
                fh.flush()

    def __enter__(self):
        self._thread.start()
        time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def lock_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x0bNguyen Van A" + b"\x00" * 40)
    return path


def truncated(path: Path) -> Path:
    from cotmoc.samples.broken_files import truncated_zip
    return truncated_zip(path)


def pdf(path: Path) -> Path:
    from cotmoc.samples.broken_files import not_a_workbook
    return not_a_workbook(path)


def password(path: Path) -> Path:
    from cotmoc.samples.broken_files import password_protected
    return password_protected(path)


def password_ods(path: Path) -> Path:
    """An OpenDocument spreadsheet saved with a password (LibreOffice: Save with password): its manifest
    declares the content encrypted; the content is random bytes, as an encrypted stream looks."""
    import random
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="4096">'
                '<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0'
                '#sha256-1k" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/'
                '2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/><manifest:key-derivation '
                'manifest:key-derivation-name="PBKDF2" manifest:key-size="32" manifest:iteration-count="100000" '
                'manifest:salt="AAAA"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>')
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", random.Random(3).randbytes(4096), compress_type=zipfile.ZIP_STORED)
    return path


def no_report_sheets(path: Path) -> Path:
    from cotmoc.samples.broken_files import empty_workbook
    return empty_workbook(path)


def zip_bomb(path: Path) -> Path:
    from cotmoc.samples.broken_files import zip_bomb as bomb
    return bomb(path, expanded_mb=24)


def entity_bomb(path: Path) -> Path:
    from cotmoc.samples.broken_files import xml_entity_bomb
    return xml_entity_bomb(path)


def ole_garbage(path: Path) -> Path:
    """An old-format .xls whose compound-file header is followed by garbage."""
    import random
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(2).randbytes(5000))
    return path


def text_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("bao cao\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Kind:
    """One kind of bad input: how it is built, the name it arrives under, and what the ingest must do with it."""
    name: str
    what_vi: str
    what_en: str
    build: Callable[[Path], Path]
    file_name: str
    outcome: str                 # rejected | new (loaded, with a warning) | left (waits in the inbox)
    rule: str | None = None      # the rule the steward is told (None: an outcome without a rule, e.g. left)
    cell: str | None = None      # the cell the message names
    copying: bool = False        # still being written while the run starts (CopyInProgress)


CATALOGUE = [
    Kind("undeclared_entity", "Ô có `&nbsp;` (thực thể XML không khai báo)", "A cell holding `&nbsp;` (undeclared "
         "XML entity)", undeclared_entity, "nbsp.xlsx", "rejected", "file.xml_invalid"),
    Kind("late_entity", "Khai báo ENTITY sau 64 KiB đầu của một phần", "An ENTITY declaration past a part's first "
         "64 KiB", late_entity_declaration, "late_entity.xlsx", "rejected", "file.xml_entities"),
    Kind("entity_bomb", "Thực thể lồng nhau (\"billion laughs\")", "Nested entities (billion laughs)", entity_bomb,
         "entity_bomb.xlsx", "rejected", "file.xml_entities"),
    Kind("lying_zip", "Tiêu đề zip khai sai kích thước", "Zip headers lying about a part's size", lying_zip_sizes,
         "lying_zip.xlsx", "rejected", "file.corrupt"),
    Kind("truncated", "File bị cắt cụt khi gửi", "A file cut off in transfer", truncated, "truncated.xlsx",
         "rejected", "file.corrupt"),
    Kind("zip_bomb", "Zip bomb (giải nén ra rất lớn)", "A zip bomb", zip_bomb, "zip_bomb.xlsx", "rejected",
         "file.zip_bomb"),
    Kind("pdf", "PDF đổi tên thành .xlsx", "A PDF renamed .xlsx", pdf, "pdf.xlsx", "rejected", "file.not_workbook"),
    Kind("text", "File văn bản (.txt)", "A text file", text_file, "ghi_chu.txt", "rejected", "file.not_workbook"),
    Kind("zero_bytes", "File rỗng (0 byte)", "A zero-byte file", zero_bytes, "rong.xlsx", "rejected", "file.empty"),
    Kind("xlsb", "Sổ làm việc nhị phân .xlsb", "A binary workbook (.xlsb)", xlsb, "nhi_phan.xlsb", "rejected",
         "file.format_not_read"),
    Kind("password", "File .xlsx đặt mật khẩu", "A password-protected .xlsx", password, "mat_khau.xlsx", "rejected",
         "file.password"),
    Kind("password_ods", "File .ods đặt mật khẩu", "A password-protected .ods", password_ods, "mat_khau.ods",
         "rejected", "file.password"),
    Kind("no_report_sheets", "Bảng tính không có sheet nào của mẫu", "A workbook with none of the report's sheets",
         no_report_sheets, "trong.xlsx", "rejected", "workbook.not_template"),
    Kind("very_hidden_sheet", "Sheet to_tu_quan bị ẩn sâu, bên cạnh bản sao hiển thị đổi tên", "A very hidden "
         "to_tu_quan beside a visible renamed copy", very_hidden_sheet, "an_sau.xlsx", "rejected", "sheet.hidden"),
    Kind("hidden_sheet", "Sheet khen_thuong bị ẩn", "A hidden khen_thuong sheet", hidden_sheet, "an.xlsx",
         "rejected", "sheet.hidden"),
    Kind("two_sheets_one_code", "Hai sheet cùng là doan_bien_gioi", "Two sheets claiming doan_bien_gioi",
         two_sheets_one_code, "hai_sheet.xlsx", "rejected", "sheet.ambiguous"),
    Kind("excel_ref", "Lỗi Excel #REF! trong ô bắt buộc", "#REF! in a required cell", excel_error_required,
         "ref.xlsx", "rejected", "cell.excel_error", "H5"),
    Kind("excel_div0", "Công thức ra #DIV/0!", "A formula showing #DIV/0!", excel_error_div0, "div0.xlsx",
         "rejected", "cell.excel_error", "I5"),
    Kind("excel_value", "Lỗi Excel #VALUE!", "#VALUE!", excel_error_value, "value.xlsx", "rejected",
         "cell.excel_error", "J5"),
    Kind("excel_name", "Công thức ra #NAME?", "A formula showing #NAME?", excel_error_name, "name.xlsx", "rejected",
         "cell.excel_error", "K5"),
    Kind("excel_na_optional", "#N/A trong ô không bắt buộc", "#N/A in an optional cell", excel_error_optional,
         "na.xlsx", "rejected", "cell.excel_error", "L5"),
    Kind("excel_error_form", "Lỗi Excel trong sheet thong_tin", "An Excel error on sheet thong_tin",
         excel_error_in_form, "loi_thong_tin.xlsx", "rejected", "cell.excel_error", "C4"),
    Kind("nan", "NaN trong ô số bắt buộc", "NaN in a required number cell", nan_in_required, "nan.xlsx",
         "rejected", "number.not_finite", "J5"),
    Kind("huge_count", "1e308 trong cột số nguyên", "1e308 in a whole-number column", huge_count, "lon.xlsx",
         "rejected", "number.too_large", "K5"),
    Kind("count_in_date_cell", "Số đếm trong ô định dạng ngày", "A count in a date-formatted cell",
         count_in_date_cell, "ngay.xlsx", "rejected", "number.is_date", "H5"),
    Kind("grouped_number", "Số gõ dạng chữ `1.234.567`", "A count typed as the text `1.234.567`",
         grouped_text_number, "so_chu.xlsx", "new", "number.repaired", "K5"),
    Kind("markup_cell", "Ô chứa `[/bold]` (markup của terminal)", "A cell holding `[/bold]` (terminal markup)",
         markup_in_cell, "markup.xlsx", "rejected", "period.unreadable", "C4"),
    Kind("escape_cell", "Ô chứa mã điều khiển terminal (ESC)", "A cell holding terminal escape codes",
         escape_in_cell, "escape.xlsx", "rejected", "period.unreadable", "C4"),
    Kind("markup_name", "Tên file chứa `[red]`", "A file name holding `[red]`", valid_report_other,
         "[red]bao_cao[blink].xlsx", "new"),
    Kind("formula_name", "Tên file bắt đầu bằng `=` (CSV injection)", "A file name starting with `=`",
         valid_report_third, "=cmd|' -C calc'!A0.xlsx", "new"),
    Kind("control_name", "Tên file chứa ký tự xuống dòng và mã điều khiển", "A file name holding a newline and "
         "control characters", valid_report_fourth, "bao\ncao\x07.xlsx", "new"),
    Kind("ole_garbage", "File .xls hỏng (phần đầu đúng, nội dung rác)", "A broken .xls (right header, garbage "
         "after)", ole_garbage, "cu.xls", "rejected", "file.unreadable"),
    Kind("dde", "Tên định nghĩa DDE, tham chiếu ngoài, định dạng có điều kiện gọi ra ngoài", "A DDE defined name, "
         "an external reference and a calling-out conditional format", dde_and_conditional_formats, "dde.xlsx",
         "rejected", "period.unreadable", "C4"),
    Kind("still_being_written", "File đang được chép vào hộp thư", "A file still being copied in",
         still_being_written, "dang_chep.xlsx", "left", copying=True),
    Kind("excel_lock", "File khóa của Excel `~$x.xlsx`", "An Excel lock file `~$x.xlsx`", lock_file,
         "~$bao_cao.xlsx", "left"),
    Kind("libreoffice_lock", "File khóa của LibreOffice `.~lock.x.xlsx#`", "A LibreOffice lock file",
         lock_file, ".~lock.bao_cao.xlsx#", "left"),
]
