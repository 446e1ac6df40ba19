"""The steward's report: THEIR OWN workbook with every bad cell filled red (warnings amber) and a note
saying, in Vietnamese then English, what is wrong and how to fix it; a first sheet `Loi` listing every
problem with links to the cells (cotmoc.outputs.steward_list); and the same list as JSON for machines.

File names (cotmoc.core.steward_files.report_paths): beside `dien_bien_2016.xlsx` go `dien_bien_2016.loi.xlsx`
(annotated copy, or the `Loi` sheet alone when the file could not be opened) and `dien_bien_2016.loi.json`.

Safety: nothing from the input can run in the copy. .xlsx/.xlsm are opened with cached values only (a
formula becomes its last result; one without a result is shown as its text), every string cell stays a
string (a value `=HYPERLINK(...)`, `+cmd|...` or `@SUM(...)` is text), VBA, external workbook links,
data connections and links to outside addresses are dropped. .xls/.ods (which openpyxl cannot open) and
any workbook openpyxl refuses are rebuilt, values only, from python-calamine.
"""
from __future__ import annotations

import json
import logging
import math
import re
import zipfile
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.utils import get_column_letter

from cotmoc.core import contract
from cotmoc.core.atomic import replacing, write_atomically
from cotmoc.core.contract import SHEETS
from cotmoc.core.faults import ANNOTATING_STEP, crash_point
from cotmoc.core.formulas import formulas_without_values
from cotmoc.core.inert import FORMULA_STARTS, refers_to_cells, shown_name, terminal_text
from cotmoc.core.places import find_sheet
from cotmoc.core.problems import Problem, ordered
from cotmoc.core.steward_files import report_paths
from cotmoc.outputs.printing import fit_to_width
from cotmoc.outputs.steward_direct import NotDirect, write_direct_copy
from cotmoc.outputs.steward_job import StewardFiles
from cotmoc.outputs.steward_stream import streamable_sheets, write_streamed_copy
from cotmoc.outputs.steward_list import LOI_TITLE_PREFIX, add_loi_sheet, hidden_sheets, set_text
from cotmoc.outputs.steward_marks import (COMMENT_AUTHOR, ERROR_BORDER, ERROR_FILL, LOI_SHEET, WARNING_FILL, cell_fill,
                                          note, placements, row_tint)

__all__ = ["ERROR_FILL", "WARNING_FILL", "LOI_SHEET", "COMMENT_AUTHOR", "write_annotated_copy", "write_problem_list",
           "write_problems_json", "write_steward_files"]

log = logging.getLogger(__name__)
JSON_FORMAT = "cotmoc.core.problems/1"
_OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")


# --- opening the steward's workbook safely ---------------------------------------------------------------
def _open_own(original: Path) -> Workbook:
    """The steward's .xlsx/.xlsm with cached values; made inert (see the module docstring)."""
    wb = load_workbook(original, data_only=True, keep_vba=False, keep_links=False, rich_text=False)
    try:
        # the formula cells without a saved result, by the reader's own rule (cotmoc.core.formulas), are shown
        # as what the steward typed (as text) instead of an empty cell
        unresolved = formulas_without_values(original, wb.sheetnames)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        unresolved = {}
    for ws in wb.worksheets:
        for cell in list(ws._cells.values()):        # existing cells only: never materialise empty ones
            if cell.data_type == "f":              # only without cached values; kept as its text
                set_text(cell, str(cell.value))
            elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                set_text(cell, cell.value)         # text that would become a formula once edited
            if cell.hyperlink is not None and cell.hyperlink.target:
                cell.hyperlink = None                    # a link to an outside address or file
        for ref, formula in unresolved.get(ws.title, {}).items():
            if formula and ws[ref].value is None and not isinstance(ws[ref], MergedCell):
                set_text(ws[ref], formula)
        ws.conditional_formatting = ConditionalFormattingList()   # its formulas may call out (DDE, links)
        for dv in list(ws.data_validations.dataValidation):      # a list drawn from outside the workbook
            if any(ch in f"{dv.formula1 or ''}{dv.formula2 or ''}" for ch in "|["):
                ws.data_validations.dataValidation.remove(dv)
    sheets = set(wb.sheetnames)
    for names in (wb.defined_names, *(ws.defined_names for ws in wb.worksheets)):
        for name in [n for n, d in names.items() if not refers_to_cells(d.attr_text, sheets)]:
            del names[name]                          # DDE (cmd|' /C calc'!A0), other workbooks, formulas
    wb.vba_archive = None
    return wb


def _plain(value):
    """A calamine value as openpyxl should store it (whole floats as integers)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, (str, int, float, bool, date, time, timedelta)):
        return value
    return str(value)


def _rebuilt(original: Path) -> Workbook:
    """The sheets' values (never formulas) copied into a new workbook, for files openpyxl cannot open."""
    from python_calamine import CalamineWorkbook
    source = CalamineWorkbook.from_path(str(original))
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for meta in source.sheets_metadata:
        if "WorkSheet" not in str(meta.typ):
            continue                                  # chart and macro sheets hold no cells to annotate
        name = meta.name
        title = re.sub(r"[\\/*?:\[\]]", "_", name)[:31] or "Sheet"
        while title.lower() in used:
            title = f"{title[:28]}_{len(used)}"
        used.add(title.lower())
        ws = wb.create_sheet(title)
        if not str(meta.visible).endswith(".Visible"):
            ws.sheet_state = "hidden"                 # the template's list sheet stays out of the way
        widths: dict[int, int] = {}
        for r, row in enumerate(source.get_sheet_by_name(name).to_python(skip_empty_area=False), start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(r, c)
                set_text(cell, _plain(value))
                if isinstance(value, datetime):
                    cell.number_format = "dd/mm/yyyy hh:mm"
                elif isinstance(value, date):
                    cell.number_format = "dd/mm/yyyy"
                if r <= 200:
                    widths[c] = max(widths.get(c, 0), len(str(value)))
        for c, w in widths.items():
            ws.column_dimensions[get_column_letter(c)].width = min(max(w + 2, 8), 50)
    return wb


def _drop_earlier_report(wb: Workbook) -> None:
    """A steward may send our annotated copy back: remove our old `Loi` sheet and notes first."""
    if LOI_SHEET in wb.sheetnames:
        old = wb[LOI_SHEET]
        if str(old["A1"].value or "").startswith(LOI_TITLE_PREFIX):
            wb.remove(old)
        else:
            old.title = f"{LOI_SHEET}_goc"
    for ws in wb.worksheets:
        for cell in ws._cells.values():
            if cell.comment is not None and cell.comment.author == COMMENT_AUTHOR:
                cell.comment = None


# --- annotating ------------------------------------------------------------------------------------------
def _anchor(ws, row: int, col: int):
    """The cell that can carry a fill and a note: the first cell of a merged range holding (row, col)."""
    cell = ws.cell(row, col)
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
                return ws.cell(rng.min_row, rng.min_col)
    return cell


def _annotate(wb: Workbook, problems: list[Problem]) -> None:
    """Colour and note every problem where cotmoc.outputs.steward_list.placements puts it."""
    by_cell, by_row = placements(problems, wb.sheetnames, hidden_sheets(wb))
    for (name, row), items in by_row.items():
        ws = wb[name]
        tint = row_tint(items)
        for col in range(1, max(ws.max_column, 1) + 1):
            cell = ws.cell(row, col)
            if not isinstance(cell, MergedCell):
                cell.fill = tint
        by_cell[(name, row, 1)].extend(items)
    anchored: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for (name, row, col), items in by_cell.items():      # cells of one merged range share one note
        anchored[(name, _anchor(wb[name], row, col).coordinate)].extend(items)
    for (name, ref), items in anchored.items():
        cell = wb[name][ref]
        cell.fill = cell_fill(items)
        if any(p.is_error for p in items):
            cell.border = ERROR_BORDER
        earlier = cell.comment if cell.comment is not None and cell.comment.author != COMMENT_AUTHOR else None
        cell.comment = note(items, earlier)


def _save(wb: Workbook, out: Path) -> Path:
    """Write through a part file (cotmoc.core.atomic) so a crash never leaves half a report under the final name."""
    with replacing(out) as part:
        wb.save(part)
    return out


def write_annotated_copy(original: Path, problems: list[Problem], out: Path, *, summary: dict | None = None,
                         file_name: str | None = None, streamed: bool = True, direct: bool = True) -> Path:
    """Write the steward's own workbook, annotated (see the module docstring), to `out` (.xlsx) and return
    it. An .xlsx/.xlsm is annotated straight in its XML where it can be (cotmoc.outputs.steward_direct; not
    with `direct=False`), else with its rows streamed (cotmoc.outputs.steward_stream; `streamed=False`: held
    whole by openpyxl, the copy the tests compare the others with). A workbook openpyxl refuses is rebuilt
    from its values; one that cannot be read at all gets the `Loi` sheet alone (as `write_problem_list`).
    `file_name`: the name the steward sent (default: the file's)."""
    original, out = Path(original), Path(out)
    name = file_name or shown_name(original.name)
    xlsx = original.suffix.lower() in _OPENPYXL_SUFFIXES
    if streamed and direct and xlsx:
        try:
            return write_direct_copy(original, problems, out, file_name=name, summary=summary)
        except NotDirect as exc:
            log.debug("annotating %s through openpyxl: %s", terminal_text(name), terminal_text(exc))
        except Exception:           # a shape nobody foresaw: the ways below still give the steward a copy
            log.info("the direct copy of %s failed; annotating it through openpyxl", terminal_text(name),
                     exc_info=True)
    sheets, large = streamable_sheets(original) if streamed and xlsx else ({}, False)
    if sheets:
        try:
            return write_streamed_copy(original, problems, out, sheets, lambda stripped, dest: _finish(
                _open_own(stripped), problems, dest, name, summary, None))
        except Exception as exc:
            if large:      # never held whole by openpyxl
                log.warning("no annotated copy of the large workbook %s, the problem list only: %s",
                            terminal_text(name), terminal_text(exc))
                return write_problem_list(problems, out, file_name=name, summary=summary)
            log.info("annotating %s in memory: %s", terminal_text(name), terminal_text(exc))
    rebuilt_from = None
    try:
        if original.suffix.lower() not in _OPENPYXL_SUFFIXES:
            raise ValueError("openpyxl cannot open this format")
        wb = _open_own(original)
    except Exception as exc:                       # any refusal: fall back to the values calamine can read
        log.info("annotating %s from its values only: %s", terminal_text(name), terminal_text(exc))
        try:
            wb, rebuilt_from = _rebuilt(original), original.suffix.lower() or name
        except Exception as exc2:
            log.warning("no annotated copy of %s, the problem list only: %s", terminal_text(name), terminal_text(exc2))
            return write_problem_list(problems, out, file_name=name, summary=summary)
    return _finish(wb, problems, out, name, summary, rebuilt_from)


def _finish(wb: Workbook, problems: list[Problem], out: Path, name: str, summary: dict | None,
            rebuilt_from: str | None) -> Path:
    _drop_earlier_report(wb)
    _annotate(wb, problems)
    _print_setup(wb)
    add_loi_sheet(wb, problems, name, summary=summary, rebuilt_from=rebuilt_from)
    return _save(wb, out)


def _print_setup(wb: Workbook) -> None:
    """The report's sheets print as the template's do (an older or rebuilt file may lack the settings)."""
    hidden = hidden_sheets(wb)
    for sheet in SHEETS:
        name = find_sheet(wb.sheetnames, sheet.code, hidden)
        if name is not None:
            header = contract.INFO_FIRST_ROW - 1 if sheet.is_form else contract.CODE_ROW
            fit_to_width(wb[name], f"1:{header}")
    if contract.INSTRUCTIONS_SHEET in wb.sheetnames:
        fit_to_width(wb[contract.INSTRUCTIONS_SHEET])


def write_steward_files(files: StewardFiles) -> list[Path]:
    """The JSON list, then the annotated copy (or the `Loi` sheet alone when the file is not `readable`, or cannot
    be annotated); the paths written."""
    annotated, json_path = report_paths(files.dest)
    out = [write_problems_json(files.problems, json_path, file_name=files.file_name, sha256=files.sha256,
                               status=files.status, summary=files.summary)]
    if files.readable:
        crash_point(ANNOTATING_STEP)
        try:
            out.append(write_annotated_copy(files.original, files.problems, annotated, summary=files.summary,
                                            file_name=files.file_name))
            return out
        except Exception:          # the list alone then: the steward is told, the file is still filed
            log.exception("no annotated copy of %s", terminal_text(files.file_name))
    out.append(write_problem_list(files.problems, annotated, file_name=files.file_name))
    return out


def write_problem_list(problems: list[Problem], out: Path, *, file_name: str, summary: dict | None = None) -> Path:
    """For a file that could not be opened as a workbook: an .xlsx holding the `Loi` sheet alone."""
    wb = Workbook()
    wb.remove(wb.active)
    add_loi_sheet(wb, problems, file_name, summary=summary, link=False)
    return _save(wb, Path(out))


def write_problems_json(problems: list[Problem], out: Path, *, file_name: str, sha256: str, status: str,
                        summary: dict) -> Path:
    """The same list for machines: UTF-8 JSON, errors first, keys in a fixed order (summary keys sorted)."""
    items = ordered(problems)
    doc = {"format": JSON_FORMAT, "file_name": file_name, "sha256": sha256, "status": status,
           "errors": sum(p.is_error for p in items), "warnings": sum(not p.is_error for p in items),
           "summary": {k: summary[k] for k in sorted(summary or {})},
           "problems": [p.as_dict() for p in items]}
    return write_atomically(out, json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
