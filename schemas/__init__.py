"""Validation of a normalised report: one pandera DataFrameModel per sheet (field and row rules, run lazily
so every failure in the file is found in one pass), then the cross-sheet and reference rules of
schemas/rules.py. The normaliser has already reported every unreadable or blank required cell; the schemas
judge the values that could be read, so no cell is reported twice."""
from __future__ import annotations

from datetime import date

from cotmoc.problems import Problem, sort_key
from schemas.awards import AwardsSchema
from schemas.failures import table_locator, validate_frame
from schemas.info import InfoSchema, info_frame, info_locator
from schemas.rules import award_rules, border_rules, info_rules
from schemas.segments import SegmentsSchema
from schemas.teams import TeamsSchema

SHEET_SCHEMAS = {"to_tu_quan": TeamsSchema, "doan_bien_gioi": SegmentsSchema, "khen_thuong": AwardsSchema}

__all__ = ["SHEET_SCHEMAS", "AwardsSchema", "InfoSchema", "SegmentsSchema", "TeamsSchema", "validate_report"]


def validate_report(report, *, today: date | None = None) -> list[Problem]:
    """Every problem the schemas and rules find in a normalised Report, errors first (problems.sort_key).
    `today` decides what counts as the future (default: the real today)."""
    today = today or date.today()
    problems = validate_frame(InfoSchema, info_frame(report.info), "thong_tin", info_locator(report.info))
    for sheet, model in SHEET_SCHEMAS.items():
        table = report.table(sheet).reset_index(drop=True)
        problems += validate_frame(model, table, sheet, table_locator(table, report.columns.get(sheet, {})))
    problems += info_rules(report, today) + border_rules(report) + award_rules(report, today)
    return sorted(problems, key=sort_key)
