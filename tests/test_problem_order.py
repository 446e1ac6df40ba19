"""One order of problems wherever a steward reads them: the `Loi` sheet of the annotated copy, the `.loi.json`,
the import summary's first error, the portal's check page and the office's pages list a file's problems alike: errors first, then
warnings; within each by the template's sheet order, then row, then column (B before AA)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
from openpyxl.utils import column_index_from_string

from cotmoc.core import contract
from cotmoc.core.inert import markdown_text
from cotmoc.core.places import parse_cell_ref
from cotmoc.core.problems import ERROR, WARNING, Problem, ordered
from cotmoc.core.steward_files import report_paths
from cotmoc.core.vntext import encode_legacy
from cotmoc.outputs.steward_list import LOI_HEADER_ROW, LOI_SHEET
from cotmoc.outputs.summary import summary_markdown
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.pipeline.rollup import publish
from cotmoc.portal import library
from cotmoc.samples.seeds import dien_bien_2016
from tests.conftest import TODAY


def _many_problems(path: Path) -> Path:
    """Errors and warnings on three sheets, several to a sheet, written in no particular order."""
    report = dien_bien_2016()
    report.awards[0]["collectives"] = -1                                   # error, khen_thuong
    report.segments[2]["markers"] = -3                                     # error, doan_bien_gioi
    report.segments[0]["households"] = f"{report.segments[0]['households']} hộ"   # warning (repaired)
    report.teams[1]["members"] = "nhiều"                                   # error, to_tu_quan
    report.segments[1]["registered_on"] = "15/6/2016"                      # warning (repaired)
    report.teams[0]["commune"] = encode_legacy(report.teams[0]["commune"], "tcvn3")   # warning (converted)
    return report.write(path)


def _steward_key(p: dict) -> tuple:
    """How a steward works through a file, written out here rather than taken from the code under test."""
    sheets = [s.code for s in contract.SHEETS]
    ref = parse_cell_ref(p["cell"])
    column = column_index_from_string("".join(ch for ch in p["cell"] if ch.isalpha())) if ref else 0
    return (p["severity"] != ERROR, sheets.index(p["sheet"]) if p["sheet"] in sheets else -1,
            p["row"] or (ref[0] if ref else 0), column)


def _loi_rows(path: Path) -> list[tuple]:
    """(sheet, cell, Vietnamese message) of each row of the Loi sheet's Vietnamese table."""
    ws = openpyxl.load_workbook(path)[LOI_SHEET]
    rows = []
    for r in ws.iter_rows(min_row=LOI_HEADER_ROW + 1, values_only=True):
        if r[0] is None:
            break
        rows.append((r[1] or None, r[2] or None, r[5]))
    return rows


def test_the_copy_the_json_the_summary_and_the_portal_list_problems_in_one_order(settings, con, tmp_path):
    sent = _many_problems(tmp_path / "dien_bien_2016.xlsx")
    portal = library.check_upload(sent, settings, sha256="0" * 64, today=TODAY)
    on_page = portal["errors"] + portal["warnings"]
    shutil.copy2(sent, settings.inbox / sent.name)
    [outcome] = run_ingest(con, settings, today=TODAY)
    assert outcome.outcome == "rejected"
    annotated, json_path = report_paths(outcome.stored_path)
    in_json = json.loads(json_path.read_text(encoding="utf-8"))["problems"]

    # the order is the steward's, and it is not trivial: several sheets, errors and warnings, in another order
    # than the rules found them
    assert in_json == sorted(in_json, key=_steward_key)
    assert {p["severity"] for p in in_json} == {ERROR, WARNING}
    errors = [p for p in in_json if p["severity"] == ERROR]
    assert list(dict.fromkeys(p["sheet"] for p in errors)) == ["to_tu_quan", "doan_bien_gioi", "khen_thuong"]
    assert len({p["sheet"] for p in in_json if p["severity"] == WARNING}) >= 2

    # the portal's check page: the same problems, in the same order
    fields = ("severity", "rule", "sheet", "row", "column", "cell", "value", "message_vi")
    assert [tuple(p[f] for f in fields) for p in on_page] == [tuple(p[f] for f in fields) for p in in_json]
    # the annotated copy's Loi sheet
    assert _loi_rows(annotated) == [(p["sheet"], p["cell"], p["message_vi"]) for p in in_json]
    # the office's pages of the published copy: the submission and the current rejections
    publish(con, settings.warehouse)
    shown = library.submission(settings, outcome.submission_id)["problems"]
    assert [(p["severity"], p["rule"], p["sheet"], p["cell"], p["message_vi"]) for p in shown] == \
        [(p["severity"], p["rule"], p["sheet"], p["cell"], p["message_vi"]) for p in in_json]
    [rejected] = library.rejections(settings, ["2016"], first=len(errors))
    assert [(p["sheet"], p["cell"], p["message_vi"]) for p in rejected["problems"]] == \
        [(p["sheet"], p["cell"], p["message_vi"]) for p in errors]
    # the summary names the first of them
    first = Problem(**in_json[0])
    assert outcome.first_error == first.text_vi()
    assert markdown_text(first.text_vi()) in summary_markdown([outcome])
    # and the one function that orders them keeps that order
    assert [p.as_dict() for p in ordered(Problem(**p) for p in reversed(in_json))] == in_json


def test_a_column_past_z_comes_after_the_columns_before_it():
    at = [Problem(ERROR, "x", "m", "m", sheet="doan_bien_gioi", row=5, cell=cell) for cell in ("AA5", "B5", "C5")]
    late = Problem(ERROR, "x", "m", "m", sheet="doan_bien_gioi", cell="A9")           # row from its cell
    whole = Problem(ERROR, "x", "m", "m", sheet="doan_bien_gioi")
    warning = Problem(WARNING, "x", "m", "m", sheet="thong_tin", row=3, cell="C3")
    assert [p.cell for p in ordered([warning, late, *at, whole])] == [None, "B5", "C5", "AA5", "A9", "C3"]
