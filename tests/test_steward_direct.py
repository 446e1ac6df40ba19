"""The annotated copy written straight into the workbook's XML (cotmoc.outputs.steward_direct): the shapes it
takes (the template's, and the template saved again by LibreOffice and as Excel marks rows), what it leaves to
openpyxl, that it keeps what it does not change as the steward sent it, byte for byte, and gives the same copy
each time. Its equality with openpyxl's copy, cell for cell over every case, is tests/test_steward_stream.py's."""
from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import replace
from datetime import date

import openpyxl
import pytest

from cotmoc.core import package
from cotmoc.core.config import load_settings
from cotmoc.outputs.libreoffice import convert, soffice
from cotmoc.outputs.steward_direct import NotDirect, write_direct_copy
from cotmoc.outputs.steward_report import write_annotated_copy
from cotmoc.outputs.zip_parts import PartsRead, PartsZip
from cotmoc.pipeline.checking import check_file
from cotmoc.pipeline.filing import _same_period_warning
from cotmoc.samples import faulty
from tests.test_steward_stream import _as_excel_writes_it, _replaced_in_its_run, _same_copies

TODAY = date(2026, 11, 22)


def _problems(path, tmp_path):
    return check_file(path, load_settings(tmp_path / "home", environ={}), today=TODAY).problems


def _stored(path) -> dict[str, tuple[int, bytes]]:
    """Each part's CRC and its bytes as stored (compressed) in the file."""
    out = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fp:
        for info in zf.infolist():
            fp.seek(info.header_offset + 26)
            skip = int.from_bytes(fp.read(2), "little") + int.from_bytes(fp.read(2), "little")
            fp.seek(info.header_offset + 30 + skip)
            out[info.filename] = (info.CRC, fp.read(info.compress_size))
    return out


def test_a_warned_report_is_copied_directly_keeping_what_it_does_not_change(tmp_path):
    """The scale runs' case: a report replaced in its run, a sheet-level warning. The sheets the copy does not
    touch are the steward's own bytes, still compressed as sent; the copy opens and equals openpyxl's."""
    report = _replaced_in_its_run(tmp_path / "ha_giang_2021S1.xlsx")
    problems = _same_period_warning(check_file(report, load_settings(tmp_path, environ={}), today=TODAY).report,
                                    "truoc.xlsx")
    copy = write_direct_copy(report, problems, tmp_path / "copy.loi.xlsx", file_name="ha_giang_2021S1.xlsx")
    sent, written = _stored(report), _stored(copy)
    with zipfile.ZipFile(report) as zf:
        parts = package.sheet_parts(zf)
    untouched = [parts[name] for name in ("to_tu_quan", "doan_bien_gioi", "khen_thuong", "danh_muc")]
    assert all(written[p] == sent[p] for p in untouched)
    assert written[parts["thong_tin"]] != sent[parts["thong_tin"]]        # its A1 carries the note
    with zipfile.ZipFile(copy) as zf:
        assert zf.testzip() is None
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "Loi" and wb.active.title == "Loi"
    assert "CẢNH BÁO" in wb["thong_tin"]["A1"].comment.text
    _same_copies(write_annotated_copy(report, problems, tmp_path / "mem.xlsx", streamed=False,
                                      file_name="ha_giang_2021S1.xlsx"), copy)


def test_the_same_report_gives_the_same_copy(tmp_path):
    made = faulty.typo_number(tmp_path / "in" / "report.xlsx")
    problems = _problems(made.path, tmp_path)
    first = write_direct_copy(made.path, problems, tmp_path / "a.loi.xlsx", file_name="report.xlsx")
    second = write_direct_copy(made.path, problems, tmp_path / "b.loi.xlsx", file_name="report.xlsx")
    assert first.read_bytes() == second.read_bytes()


def test_rows_cells_and_merged_ranges_are_marked_as_openpyxl_marks_them(tmp_path):
    """A problem of a whole row (tinted across the sheet's width, noted on its first cell), one of a row the
    sheet does not have, one on a cell inside a merged range (noted on the range's first cell) and one on a
    cell that is not written: the copy equals openpyxl's."""
    made = faulty.typo_number(tmp_path / "in" / "report.xlsx")
    base = _problems(made.path, tmp_path)
    error = next(p for p in base if p.is_error)
    extra = [replace(error, cell=None, row=9), replace(error, sheet="khen_thuong", cell=None, row=400),
             replace(error, sheet="doan_bien_gioi", cell="C1", row=1), replace(error, cell="Z3", row=3)]
    problems = base + extra
    copy = write_direct_copy(made.path, problems, tmp_path / "copy.loi.xlsx", file_name="report.xlsx")
    _same_copies(write_annotated_copy(made.path, problems, tmp_path / "mem.xlsx", streamed=False,
                                      file_name="report.xlsx"), copy)
    ws = openpyxl.load_workbook(copy)["doan_bien_gioi"]
    assert ws["A1"].comment is not None and ws["C1"].comment is None       # C1 lies in the title's merged range


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install libreoffice-calc-nogui to run it")
def test_reports_saved_by_libreoffice_and_as_excel_saves_them_are_copied_directly(tmp_path):
    """Shared strings, LibreOffice's own styles and booleans, rows carrying x14ac attributes of a namespace the
    root declares: the direct copy takes them, equals openpyxl's, and LibreOffice opens it with its notes."""
    made = faulty.typo_number(tmp_path / "in" / "report.xlsx")
    saved = convert(made.path, "xlsx", tmp_path / "lo")
    excel_like = _as_excel_writes_it(saved, tmp_path / "excel_like.xlsx")
    for original in (saved, excel_like):
        problems = _problems(original, tmp_path)
        copy = write_direct_copy(original, problems, tmp_path / f"{original.stem}.loi.xlsx", file_name="report.xlsx")
        _same_copies(write_annotated_copy(original, problems, tmp_path / f"{original.stem}.mem.xlsx",
                                          streamed=False, file_name="report.xlsx"), copy, original.name)
    reopened = openpyxl.load_workbook(convert(copy, "xlsx", tmp_path / "lo_copy"))
    assert reopened["doan_bien_gioi"][made.cell].comment is not None
    assert reopened.sheetnames[0] == "Loi"


def test_what_needs_openpyxl_is_left_to_it(tmp_path):
    """A formula (its result must replace it), our own copy sent back (its Loi sheet and notes go first): not
    direct, and the copy the steward gets is openpyxl's."""
    formulas = faulty.formulas(tmp_path / "f" / "report.xlsx", cached=False)
    with pytest.raises(NotDirect, match="formula"):
        write_direct_copy(formulas.path, _problems(formulas.path, tmp_path), tmp_path / "f.loi.xlsx",
                          file_name="report.xlsx")
    made = faulty.typo_number(tmp_path / "in" / "report.xlsx")
    first = write_annotated_copy(made.path, _problems(made.path, tmp_path), tmp_path / "sent_back.xlsx")
    with pytest.raises(NotDirect, match="comments"):        # our notes (and the Loi sheet) are ours to drop first
        write_direct_copy(first, _problems(first, tmp_path), tmp_path / "again.loi.xlsx", file_name="x.xlsx")
    again = openpyxl.load_workbook(write_annotated_copy(first, _problems(first, tmp_path), tmp_path / "b.xlsx"))
    assert again.sheetnames.count("Loi") == 1


def test_a_zip_of_new_and_unchanged_parts_reads_back(tmp_path):
    """zip_parts: parts deflated here and parts copied as another archive stores them (deflated or stored, names
    in UTF-8) make a zip every reader takes, each part intact."""
    source = tmp_path / "source.zip"
    with zipfile.ZipFile(source, "w") as zf:
        zf.writestr(zipfile.ZipInfo("kept/đoạn.xml", (2024, 5, 1, 10, 0, 0)), b"<a>" + b"x" * 5000 + b"</a>",
                    compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("kept/stored.bin", bytes(range(256)), compress_type=zipfile.ZIP_STORED)
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as zf:
        out, archive = PartsZip(buffer), PartsRead(zf)
        for info in zf.infolist():
            assert archive.read(info) == zf.read(info)
            out.add_unchanged(archive, info)
        out.add("new/part.xml", "<b>mới</b>".encode(), (2026, 12, 4, 23, 59, 58))
        out.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == ["kept/đoạn.xml", "kept/stored.bin", "new/part.xml"]
        assert zf.read("kept/stored.bin") == bytes(range(256)) and zf.read("new/part.xml") == "<b>mới</b>".encode()
        assert zf.getinfo("new/part.xml").date_time == (2026, 12, 4, 23, 59, 58)


@pytest.mark.parametrize("damage", ["data", "local name", "declared size"])
def test_a_damaged_part_is_refused_as_zipfile_refuses_it(tmp_path, damage):
    """zip_parts.PartsRead makes zipfile's checks: a part whose bytes no longer inflate to it, whose local header
    names another part, or that holds more than its directory says, is refused where zipfile's own reader refuses it (which raises zlib.error for the first),
    always as BadZipFile (the copy is then written another way)."""
    source = tmp_path / "source.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/part.xml", b"<a>" + bytes(range(32, 127)) * 40 + b"</a>")
    data = bytearray(source.read_bytes())
    if damage == "data":
        data[30 + len("xl/part.xml") + 5] ^= 0xFF
    elif damage == "local name":
        data[30:30 + len("xl/part.xml")] = b"xl/trap.xml"
    source.write_bytes(bytes(data))
    with zipfile.ZipFile(source) as zf:
        info = zf.getinfo("xl/part.xml")
        if damage == "declared size":       # a directory that says less than the part holds: never inflated past it
            info.file_size = 100
        with pytest.raises((zipfile.BadZipFile, zlib.error)):
            zf.read(info)
        with pytest.raises(zipfile.BadZipFile):
            PartsRead(zf).read(info)


@pytest.mark.parametrize("body, refused", [
    (b"<a>plain</a>", False),
    ("<a>Đội tự quản Nậm Pồ</a>".encode(), False),                      # UTF-8 beyond ASCII
    (b"<a ref=\"Sheet1!$A$1\">why? #1 &amp; &#65;</a>", False),      # the pairs' second bytes alone
    (b"<a><!-- a comment --></a>", True),
    (b"<a><![CDATA[=1+1]]></a>", True),
    (b"<a><?pi data?></a>", True),
    (b"<a>&#1;</a>", True),                                          # a character XML 1.0 does not allow
    (b"<a>\x01</a>", True),
    (b"<a>Ph\xf9 Y\xean</a>", True),                                  # not UTF-8 (Latin-1 bytes)
])
def test_a_part_the_copy_cannot_write_as_it_is_is_told(body, refused):
    """What the copy's edits do not look inside, or a strict reader refuses, sends the workbook to openpyxl
    (NotDirect); the rest is taken. The searches are asked of the rare byte first: the answers are the same."""
    from cotmoc.outputs.steward_direct import _check_well_formed_text
    for data in (body, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body):
        if refused:
            with pytest.raises(NotDirect):
                _check_well_formed_text("xl/worksheets/sheet1.xml", data)
        else:
            _check_well_formed_text("xl/worksheets/sheet1.xml", data)
