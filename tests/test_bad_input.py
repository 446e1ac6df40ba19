"""Every kind of bad input a steward sends gets its own clear message (Vietnamese, then English), on the
right cell where there is one; repairable input is accepted with warnings."""
from __future__ import annotations

from datetime import date

import pytest

from cotmoc.core.config import load_settings
from cotmoc.pipeline.checking import check_file
from cotmoc.samples import faulty

TODAY = date(2026, 11, 22)

CASES = [
    (faulty.typo_number, "error", "number.unreadable"),
    (faulty.km_past_border_total, "error", "segments.km_over_total"),
    (faulty.wrong_team_type, "error", "enum.unknown"),
    (faulty.stale_header, "error", "template.version_unknown"),
    (faulty.stale_header, "error", "column.missing"),
    (faulty.missing_sheet, "error", "sheet.missing"),
    (faulty.duplicated_column, "error", "column.duplicated"),
    (faulty.extra_column, "warning", "column.unknown"),
    (faulty.merged_cells, "error", "cells.merged"),
    (faulty.bad_counts, "error", "value.negative"),
    (faulty.bad_counts, "error", "number.fraction"),
    (lambda p: faulty.formulas(p, cached=False), "error", "formula.no_cached_value"),
    (lambda p: faulty.future_period(p, TODAY), "error", "period.future"),
]


@pytest.mark.parametrize("builder, severity, rule", CASES, ids=[f"{r}" for _, _, r in CASES])
def test_each_fault_gets_its_message(tmp_path, builder, severity, rule):
    made = builder(tmp_path / "report.xlsx")
    checked = check_file(made.path, load_settings(tmp_path, environ={}), today=TODAY)
    matching = [p for p in checked.problems if p.rule == rule]
    assert matching, [(p.rule, p.message_en) for p in checked.problems]
    problem = matching[0]
    assert problem.severity == severity and problem.message_vi and problem.message_en and problem.fix_vi
    assert problem.message_vi != problem.message_en
    if made.cell and made.rule == rule:
        assert problem.cell == made.cell, problem
    assert checked.accepted == (severity == "warning" and not any(p.is_error for p in checked.problems))


def test_repairable_text_is_accepted_with_a_warning_on_each_repaired_cell(tmp_path):
    made = faulty.repairable_text(tmp_path / "r.xlsx")
    checked = check_file(made.path, load_settings(tmp_path, environ={}), today=TODAY)
    assert checked.accepted, [p.text_vi() for p in checked.problems if p.is_error]
    rules = {p.rule for p in checked.problems}
    assert {"number.repaired", "date.repaired", "text.legacy_encoding", "row.total"} <= rules
    repaired = next(p for p in checked.problems if p.rule == "number.repaired" and p.column == "households")
    assert repaired.cell == made.cell and repaired.value.endswith("hộ")
    assert checked.report.teams["commune"].iloc[0] == "Sín Thầu"          # TCVN3 text decoded
    assert len(checked.report.teams) == 13                                  # the totals row is not data
    assert checked.report.segments["length_km"].sum() == pytest.approx(365.861)


def test_a_formula_with_a_cached_value_is_read(tmp_path):
    made = faulty.formulas(tmp_path / "f.xlsx", cached=True)
    checked = check_file(made.path, load_settings(tmp_path, environ={}), today=TODAY)
    assert checked.accepted, [p.text_vi() for p in checked.problems]
    row = checked.report.segments.iloc[0]
    assert row["persons"] == 2 * row["households"]
