"""Faulty reports, as stewards really send them: each builder writes one workbook and says what is wrong.

The first four are committed in inputs/samples/faulty/ and go through `make demo` to show the
rejection path; the others feed the ingest tests. File-level breakage (not a workbook, corrupt zip,
password, zip bomb, XML entities) lives in broken_files.py.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl

from cotmoc.core import contract
from cotmoc.samples.base import SampleReport
from cotmoc.samples.generator import generate_report
from cotmoc.samples.seeds import dien_bien_2016, seed_reports
from cotmoc.core.vntext import encode_legacy


@dataclass(frozen=True)
class Fault:
    path: Path
    rule: str            # the rule id the ingest must report (see the Problem rules in cotmoc/ and schemas/)
    sheet: str | None
    cell: str | None
    what: str            # one line for people


def _seg_cell(code: str, index: int) -> str:
    col = contract.DOAN_BIEN_GIOI.codes.index(code) + 1
    return f"{openpyxl.utils.get_column_letter(col)}{contract.FIRST_DATA_ROW + index}"


def typo_number(path: Path) -> Fault:
    """The article's own typo: persons written "3.8 16" (a stray space inside the number)."""
    report = dien_bien_2016()
    report.segments[4]["persons"] = "3.8 16"
    return Fault(report.write(path), "number.unreadable", "doan_bien_gioi", _seg_cell("persons", 4),
                 "persons '3.8 16' cannot be read without guessing")


def km_past_border_total(path: Path) -> Fault:
    """A village claims more km than Lai Châu's whole border with China."""
    report = generate_report("lai_chau", "2019", seed=7)
    report.segments[0]["length_km"] = 300.0
    return Fault(report.write(path), "segments.km_over_total", "doan_bien_gioi", None,
                 "registered km exceed the border's total length")


def wrong_team_type(path: Path) -> Fault:
    """A team type that is not in the list ("Tổ bảo vệ rừng": forest protection)."""
    report = generate_report("son_la", "2020S1", seed=3)
    report.teams[0]["team_type"] = "Tổ bảo vệ rừng"
    col = contract.TO_TU_QUAN.codes.index("team_type") + 1
    return Fault(report.write(path), "enum.unknown", "to_tu_quan",
                 f"{openpyxl.utils.get_column_letter(col)}{contract.FIRST_DATA_ROW}", "team type not in the list")


def stale_header(path: Path) -> Fault:
    """An old copy of the template: version "0" and the members column coded "so_thanh_vien"."""
    report = generate_report("nghe_an", "2021", seed=5)
    report.info["template_version"] = "0"
    report.write(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["to_tu_quan"]
    col = contract.TO_TU_QUAN.codes.index("members") + 1
    ws.cell(contract.CODE_ROW, col, "so_thanh_vien")
    wb.save(path)
    return Fault(path, "template.version_unknown", "thong_tin", None, "template version 0 and a renamed column code")


DEMO_FAULTS = {"loi_so_nguoi_dien_bien_2016.xlsx": typo_number, "loi_vuot_chieu_dai_lai_chau_2019.xlsx": km_past_border_total,
               "loi_loai_to_son_la_2020S1.xlsx": wrong_team_type, "loi_mau_cu_nghe_an_2021.xlsx": stale_header}


def write_demo_inbox(out_dir: Path | str) -> list[Path]:
    """The three seed reports and the four steward-plausible faulty ones."""
    out = Path(out_dir)
    paths = [r.write(out / r.file_name) for r in seed_reports()]
    return paths + [builder(out / name).path for name, builder in DEMO_FAULTS.items()]


# --- more content faults, for the ingest tests ---------------------------------------------------------
def _edit(src: SampleReport, path: Path, edit) -> Path:
    src.write(path)
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


def missing_sheet(path: Path) -> Fault:
    return Fault(_edit(generate_report("cao_bang", "2019", seed=1), path, lambda wb: wb.remove(wb["khen_thuong"])),
                 "sheet.missing", "khen_thuong", None, "sheet khen_thuong deleted")


def duplicated_column(path: Path) -> Fault:
    col = contract.DOAN_BIEN_GIOI.codes.index("persons") + 1
    return Fault(_edit(generate_report("cao_bang", "2019", seed=1), path,
                       lambda wb: wb["doan_bien_gioi"].cell(contract.CODE_ROW, col, "households")),
                 "column.duplicated", "doan_bien_gioi", None, "code 'households' twice, 'persons' missing")


def extra_column(path: Path) -> Fault:
    def edit(wb):
        ws = wb["to_tu_quan"]
        ws.cell(contract.CODE_ROW, 10, "so_lan_tuan_tra")
        ws.cell(contract.FIRST_DATA_ROW, 10, 12)
    return Fault(_edit(generate_report("cao_bang", "2019", seed=1), path, edit), "column.unknown", "to_tu_quan",
                 None, "an extra column the template does not have (warning only)")


def merged_cells(path: Path) -> Fault:
    return Fault(_edit(generate_report("cao_bang", "2019", seed=1), path,
                       lambda wb: wb["doan_bien_gioi"].merge_cells(f"C{contract.FIRST_DATA_ROW}:C{contract.FIRST_DATA_ROW + 2}")),
                 "cells.merged", "doan_bien_gioi", None, "merged cells over data rows")


def repairable_text(path: Path) -> Fault:
    """Text that reads without guessing: accepted, each repair a warning."""
    report = dien_bien_2016()
    report.segments[0]["households"] = f"{report.segments[0]['households']} hộ"
    report.segments[1]["length_km"] = f"{report.segments[1]['length_km']:.3f}".replace(".", ",") + "km"
    report.segments[2]["registered_on"] = "15/6/2016"
    report.teams[0]["commune"] = encode_legacy(report.teams[0]["commune"], "tcvn3")
    report.teams.append({"commune": "Tổng cộng", "team_type": None, "teams": 347, "members": 2041})
    return Fault(report.write(path), "number.repaired", "doan_bien_gioi", _seg_cell("households", 0),
                 "numbers and dates as Vietnamese text, a TCVN3 commune and a totals row: repaired with warnings")


def bad_counts(path: Path) -> Fault:
    report = generate_report("ha_tinh", "2022", seed=2)
    report.segments[0]["markers"] = -3
    report.segments[1]["households"] = 2.5
    return Fault(report.write(path), "value.negative", "doan_bien_gioi", _seg_cell("markers", 0),
                 "a negative and a fractional count")


def future_period(path: Path, today: date) -> Fault:
    report = generate_report("ha_tinh", "2022", seed=2)
    report.info["period"] = str(today.year + 1)
    return Fault(report.write(path), "period.future", "thong_tin", None, "a period that has not started")


def formulas(path: Path, *, cached: bool) -> Fault:
    """A formula in a count cell; with `cached` its value is stored as Excel would store it."""
    report = generate_report("ha_tinh", "2022", seed=2)
    report.segments[0]["persons"] = "=J4*2"
    report.write(path)
    if cached:
        value = report.segments[0]["households"] * 2
        _set_cached_value(path, "doan_bien_gioi", _seg_cell("persons", 0), value)
    return Fault(path, "formula.no_cached_value", "doan_bien_gioi", _seg_cell("persons", 0),
                 "a formula " + ("with" if cached else "without") + " a cached value")


def hyperlink_note(path: Path) -> Fault:
    report = generate_report("ha_tinh", "2022", seed=2)
    report.teams[0]["note"] = '=HYPERLINK("http://example.invalid","bấm vào đây")'
    report.teams[0]["teams"] = -1                              # and an error, so the file is annotated
    return Fault(report.write(path), "value.negative", "to_tu_quan", None, "a live HYPERLINK formula in a note")


def _set_cached_value(path: Path, sheet_code: str, cell: str, value) -> None:
    """openpyxl never stores formula results; write one into the sheet XML as Excel would."""
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(sheet_code) + 1
    wb.close()
    part = f"xl/worksheets/sheet{index}.xml"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.xlsx"
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == part:
                    text = data.decode("utf-8")
                    text = re.sub(rf'(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?',
                                  lambda m: f"{m.group(1)}{m.group(2)}<v>{value}</v>", text, count=1)
                    data = text.encode("utf-8")
                zout.writestr(item, data)
        shutil.copyfile(out, path)


def write_bundled_samples(root: Path | str) -> list[Path]:
    """inputs/samples/: seed/ (the three seed reports) and faulty/ (the four demo faults)."""
    root = Path(root)
    paths = [r.write(root / "seed" / r.file_name) for r in seed_reports()]
    return paths + [builder(root / "faulty" / name).path for name, builder in DEMO_FAULTS.items()]
