"""The streamed annotated copy (cotmoc.outputs.steward_stream: every .xlsx/.xlsm is annotated so, since issue 16)
is the copy openpyxl writes holding the workbook whole (`write_annotated_copy(..., streamed=False)`), cell for
cell: values, styles, notes, merges, links, validations, the `Loi` sheet. The cases: the bundled samples, every
faulty builder of the golden record (tests/test_checks_golden.py), a generated report carrying the warning of a
report replaced within its run, our own annotated copy sent back, every readable kind of the hostile catalogue
and a spread of fuzz mutants."""
from __future__ import annotations

import re
import zipfile
from copy import copy
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from cotmoc.core import package
from cotmoc.core.config import load_settings
from cotmoc.core.problems import sort_key
from cotmoc.outputs import steward_report, steward_stream
from cotmoc.outputs.libreoffice import convert, soffice
from cotmoc.outputs.steward_report import write_annotated_copy
from cotmoc.pipeline.checking import check_file
from cotmoc.pipeline.filing import _same_period_warning
from cotmoc.samples import faulty, hostile, mutants
from cotmoc.samples.generator import generate_report
from tests.test_checks_golden import FAULTY, SAMPLES, _path, _timeless

TODAY = date(2026, 11, 22)


def _cell_facts(cell, styles: dict):
    key = tuple(cell._style or ())      # the style's indexes in its own workbook: its look, resolved once
    if key not in styles:
        styles[key] = (tuple(copy(s) for s in (cell.fill, cell.font, cell.border, cell.alignment, cell.protection)),
                       cell.number_format, cell.quotePrefix)
    return (cell.coordinate, cell.value, cell.data_type, styles[key],
            cell.comment.text if cell.comment else None, cell.hyperlink.location if cell.hyperlink else None)


def _same_copies(a, b, case=""):
    wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
    assert wa.sheetnames == wb.sheetnames, case
    assert {n: d.attr_text for n, d in wa.defined_names.items()} == {n: d.attr_text for n, d in wb.defined_names.items()}
    cells, styles_a, styles_b = 0, {}, {}
    for name in wa.sheetnames:
        x, y = wa[name], wb[name]
        assert (x.dimensions, x.sheet_state, x.freeze_panes, x.print_title_rows) == \
               (y.dimensions, y.sheet_state, y.freeze_panes, y.print_title_rows), (case, name)
        assert sorted(map(str, x.merged_cells.ranges)) == sorted(map(str, y.merged_cells.ranges)), (case, name)
        assert [str(v.sqref) for v in x.data_validations.dataValidation] == \
               [str(v.sqref) for v in y.data_validations.dataValidation], name
        assert {r: (d.height, d.hidden) for r, d in x.row_dimensions.items()} == \
               {r: (d.height, d.hidden) for r, d in y.row_dimensions.items()}, name
        for row_x, row_y in zip(x.iter_rows(), y.iter_rows(), strict=True):
            for cx, cy in zip(row_x, row_y, strict=True):
                assert _cell_facts(cx, styles_a) == _cell_facts(cy, styles_b), (case, name, cx.coordinate)
                cells += 1
    return cells


def _resent_copy(path: Path) -> Path:
    """A steward sends our annotated copy back, unchanged: its `Loi` sheet and our notes are dropped first."""
    made = faulty.typo_number(path.with_name("sent_first.xlsx"))
    checked = check_file(made.path, load_settings(path.parent, environ={}), today=TODAY)
    return write_annotated_copy(made.path, checked.problems, path, summary={"status": "rejected"})


def _replaced_in_its_run(path: Path) -> Path:
    return generate_report("ha_giang", "2021S1", seed=4).write(path)


def _cases(root: Path) -> dict[str, tuple[Path, bool]]:
    """name → (file, whether it must stream: the template's own shapes must; a hostile file may fall back)."""
    cases = {f"sample/{p.relative_to(SAMPLES).as_posix()}": (p, True) for p in sorted(SAMPLES.rglob("*.xlsx"))}
    for name, build in FAULTY.items():
        cases[f"faulty/{name}"] = (_path(build(root / "faulty" / f"{name}.xlsx")), True)
    cases["replaced_in_its_run"] = (_replaced_in_its_run(root / "replaced" / "ha_giang_2021S1.xlsx"), True)
    cases["resent_copy"] = (_resent_copy(root / "resent" / "report.loi.xlsx"), False)
    for kind in hostile.CATALOGUE:
        if kind.outcome != "left" and kind.file_name.lower().endswith((".xlsx", ".xlsm")):
            folder = root / "hostile" / kind.name
            folder.mkdir(parents=True)
            cases[f"hostile/{kind.name}"] = (_path(kind.build(folder / kind.file_name)), False)
    base = _timeless(hostile.report_bytes())
    for kind in mutants.MUTATIONS:
        for seed in (1, 14):
            path = root / "mutants" / f"{kind}_{seed}.xlsx"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(mutants.mutate(base, kind, seed))
            cases[f"mutant/{kind}/{seed}"] = (path, False)
    return cases


def _completed(monkeypatch, writer: str = "write_streamed_copy") -> list[Path]:
    """The originals whose copy `writer` (steward_report's write_streamed_copy or write_direct_copy) completed
    (the real function runs; a fallback never lists one)."""
    completed: list[Path] = []
    real = getattr(steward_report, writer)

    def noting(original, *args, **kwargs):
        out = real(original, *args, **kwargs)
        completed.append(Path(original))
        return out

    monkeypatch.setattr(steward_report, writer, noting)
    return completed


#: template shapes the direct copy leaves to openpyxl's care: formulas, texts a spreadsheet would run as formulas
LEFT_TO_OPENPYXL = {"faulty/formulas_uncached", "faulty/formulas_cached", "faulty/hyperlink_note", "faulty/odd_values"}


@pytest.mark.slow
def test_the_direct_and_the_streamed_copies_are_the_copy_openpyxl_writes(tmp_path, monkeypatch):
    streamed_ok, direct_ok = _completed(monkeypatch), _completed(monkeypatch, "write_direct_copy")
    settings = load_settings(tmp_path / "home", environ={})
    compared, cells, direct = [], 0, []
    for name, (path, must_stream) in _cases(tmp_path / "in").items():
        checked = check_file(path, settings, today=TODAY)
        problems = sorted([*checked.problems, *_same_period_warning(checked.report, "truoc.xlsx")], key=sort_key) \
            if name == "replaced_in_its_run" else checked.problems
        if not problems:
            continue       # an unreadable file is annotated too (the portal's copy of an upload): compared as well
        out = tmp_path / "out" / name
        out.mkdir(parents=True)
        whole = write_annotated_copy(path, problems, out / "whole.loi.xlsx", summary={"status": "x"}, streamed=False)
        streamed = write_annotated_copy(path, problems, out / "streamed.loi.xlsx", summary={"status": "x"},
                                        direct=False)
        if must_stream:
            assert streamed_ok and streamed_ok[-1] == path, f"{name}: not streamed"
        written = write_annotated_copy(path, problems, out / "direct.loi.xlsx", summary={"status": "x"})
        if direct_ok and direct_ok[-1] == path:
            direct.append(name)
        elif must_stream:
            assert name in LEFT_TO_OPENPYXL, f"{name}: not written directly"
        cells += _same_copies(whole, streamed, name)      # each opens: a copy the steward cannot open is the fault
        cells += _same_copies(whole, written, name)
        compared.append(name)
    assert len(compared) >= 40 and cells > 40_000, (len(compared), cells)
    assert {"faulty/typo_number", "replaced_in_its_run", "resent_copy"} <= set(compared)
    assert sum(n.startswith("hostile/") for n in compared) >= 10
    assert {"faulty/typo_number", "replaced_in_its_run"} <= set(direct) and len(direct) >= 25, direct


_MC = b' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
_X14AC = b' mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'


def _as_excel_writes_it(src, dst):
    """`src` with every worksheet declaring x14ac as ignorable and every row carrying x14ac:dyDescent, as Excel
    saves a workbook: attributes of a namespace openpyxl does not declare."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(<worksheet\b[^>]*?)>", lambda m: m.group(1) + _X14AC
                              + (b"" if b"xmlns:mc=" in m.group(1) else _MC) + b">", data, count=1)
                data = re.sub(rb"<row\b", b'<row x14ac:dyDescent="0.25"', data)
            zout.writestr(info, data)
    return dst


def _values(path):
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names if name != "Loi"}


@pytest.mark.slow
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install libreoffice-calc-nogui to run it")
def test_rows_the_copy_streams_are_the_original_rows_verbatim(tmp_path, monkeypatch):
    """A report saved by LibreOffice (shared strings) and marked as Excel marks rows: the rows the copy streams
    are the original's bytes, the copy declares their namespaces, and LibreOffice and openpyxl read the copy's
    values as the original's."""
    made = faulty.typo_number(tmp_path / "in" / "report.xlsx")
    saved = _as_excel_writes_it(convert(made.path, "xlsx", tmp_path / "lo"), tmp_path / "excel_like.xlsx")
    checked = check_file(saved, load_settings(tmp_path, environ={}), today=TODAY)
    assert [p.rule for p in checked.problems if p.is_error] == ["number.unreadable"]
    copy = write_annotated_copy(saved, checked.problems, tmp_path / "copy.loi.xlsx", summary={"status": "x"},
                                direct=False)
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(copy) as zcopy:
        part = package.sheet_parts(zin)["doan_bien_gioi"]
        rows = [p for p in steward_stream.sheet_pieces(zin.open(part)) if p[0] == "row"]
        streamed = zcopy.read(package.sheet_parts(zcopy)["doan_bien_gioi"])
    assert b'mc:Ignorable="x14ac"' in streamed.split(b"<sheetData", 1)[0]
    away_from_the_fault = [row for number, row in ((p[1], p[2]) for p in rows) if number > steward_stream.HEAD_ROWS
                           and f"{number}" != made.cell[1:]]
    assert away_from_the_fault and all(row in streamed for row in away_from_the_fault)
    assert b't="s"' in b"".join(away_from_the_fault)          # shared strings stream with their own numbers
    openpyxl.load_workbook(copy)
    assert _values(convert(copy, "xlsx", tmp_path / "lo_copy")) == _values(saved) == _values(copy)


def test_only_the_rows_an_annotation_writes_go_through_openpyxl(tmp_path, monkeypatch):
    """The stripped workbook holds, of each sheet, the rows the annotation writes to (a cell's row; A1 for a
    sheet-level note; a whole-row tint's row and the header rows that give the sheet its width), never the
    template's header rows of sheets it does not touch: those are openpyxl's fixed cost on every copy."""
    report = _replaced_in_its_run(tmp_path / "ha_giang_2021S1.xlsx")
    seen: dict[str, set[int]] = {}
    strip = steward_stream._strip

    def spy(*args, **kwargs):
        kept = strip(*args, **kwargs)
        seen.update(kept)
        return kept
    monkeypatch.setattr(steward_stream, "_strip", spy)
    sheet_level = _same_period_warning(check_file(report, load_settings(tmp_path, environ={}), today=TODAY).report,
                                       "ha_giang_2021S1_truoc.xlsx")
    cell = [replace(sheet_level[0], sheet="doan_bien_gioi", cell="D7", row=None)]
    whole_row = [replace(sheet_level[0], sheet="khen_thuong", cell=None, row=12)]
    out = write_annotated_copy(report, sheet_level + cell + whole_row, tmp_path / "loi.xlsx", direct=False)
    wanted = {"thong_tin": {1}, "doan_bien_gioi": {7},       # the sheet-level note on A1; the cell's row
              "khen_thuong": {12, *range(1, steward_stream.HEAD_ROWS + 1)}}
    for name, rows in seen.items():                          # besides the rows a merge or a link names
        named = _named_rows(report, name)
        assert rows - named == (wanted.get(name, set()) & _rows_of(report, name)) - named, name
    assert sum(map(len, seen.values())) < len(seen) * 3      # the template's header rows stay out
    _same_copies(out, write_annotated_copy(report, sheet_level + cell + whole_row, tmp_path / "mem.xlsx",
                                           streamed=False))


def _sheet_xml(path: Path, sheet: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(package.sheet_parts(zf)[sheet])


def _rows_of(path: Path, sheet: str) -> set[int]:
    return {int(n) for n in re.findall(rb'<row\b[^>]*?\br="(\d+)"', _sheet_xml(path, sheet))}


def _named_rows(path: Path, sheet: str) -> set[int]:
    return {int(r) for m in steward_stream._REFS.finditer(_sheet_xml(path, sheet)) for r in m.groups() if r}


def test_a_sheet_found_by_its_visible_claimant_is_annotated_there_and_streamed(tmp_path, monkeypatch):
    """A steward who kept the template's `doan_bien_gioi` hidden and reports in a visible renamed copy: the
    problems go on the visible sheet (the one the reader read), and the streamed copy hands openpyxl that
    sheet's rows, as the annotation places them, so it streams instead of falling back to the in-memory copy."""
    report = _replaced_in_its_run(tmp_path / "ha_giang_2021S1.xlsx")
    wb = openpyxl.load_workbook(report)
    wb.copy_worksheet(wb["doan_bien_gioi"]).title = "Doan Bien Gioi"
    wb["doan_bien_gioi"].sheet_state = "hidden"
    wb.save(report)
    streamed = _completed(monkeypatch)
    sheet_level = _same_period_warning(check_file(report, load_settings(tmp_path, environ={}), today=TODAY).report,
                                       "ha_giang_2021S1_truoc.xlsx")
    problems = [replace(sheet_level[0], sheet="doan_bien_gioi", cell="D7", row=None),
                replace(sheet_level[0], sheet="doan_bien_gioi", cell=None, row=9)]
    out = write_annotated_copy(report, problems, tmp_path / "loi.xlsx", direct=False)
    assert streamed == [report], "fell back to the in-memory copy"
    copy = openpyxl.load_workbook(out)
    assert copy["Doan Bien Gioi"]["D7"].comment is not None and copy["doan_bien_gioi"]["D7"].comment is None
    _same_copies(out, write_annotated_copy(report, problems, tmp_path / "mem.xlsx", streamed=False))
