"""Validation of a normalised report: one pandera DataFrameModel per sheet, then the cross-sheet and
reference rules. `validate_report` returns every problem found, errors first."""
from __future__ import annotations

from datetime import date

from cotmoc.problems import Problem, sort_key
from schemas.awards import AwardsSchema
from schemas.failures import validate_sheet
from schemas.rules import award_rules, border_rules, info_rules
from schemas.segments import SegmentsSchema
from schemas.teams import TeamsSchema

SHEET_SCHEMAS = {"to_tu_quan": TeamsSchema, "doan_bien_gioi": SegmentsSchema, "khen_thuong": AwardsSchema}

__all__ = ["SHEET_SCHEMAS", "AwardsSchema", "SegmentsSchema", "TeamsSchema", "validate_report"]


def validate_report(report, *, today: date | None = None) -> list[Problem]:
    today = today or date.today()
    problems: list[Problem] = []
    for sheet, model in SHEET_SCHEMAS.items():
        problems += validate_sheet(model, report.table(sheet), sheet, report.columns.get(sheet, {}))
    problems += info_rules(report, today) + border_rules(report) + award_rules(report)
    return sorted(problems, key=sort_key)
