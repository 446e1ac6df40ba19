"""Validation of normalised reports: one pandera DataFrameModel per sheet (field and row rules, run lazily
so every failure in the file is found in one pass), then the cross-sheet and reference rules of
schemas/rules.py. The normaliser has already reported every unreadable or blank required cell; the schemas
judge the values that could be read, so no cell is reported twice.

Reports are checked in batches (schemas/batch.py): each schema and rule runs once over every report's rows,
and each problem goes back to its own report. `validate_report` is a batch of one.
"""
from __future__ import annotations

from datetime import date

from cotmoc.core.problems import Problem, sort_key
from cotmoc.schemas.awards import AwardsSchema
from cotmoc.schemas.batch import ReportBatch, schema_problems
from cotmoc.schemas.info import InfoSchema
from cotmoc.schemas.rules import award_rules, border_rules, info_rules
from cotmoc.schemas.segments import SegmentsSchema
from cotmoc.schemas.teams import TeamsSchema

SHEET_SCHEMAS = {"to_tu_quan": TeamsSchema, "doan_bien_gioi": SegmentsSchema, "khen_thuong": AwardsSchema}

__all__ = ["SHEET_SCHEMAS", "AwardsSchema", "InfoSchema", "SegmentsSchema", "TeamsSchema", "validate_report",
           "validate_reports"]


def validate_reports(reports: list, *, today: date | None = None) -> list[list[Problem]]:
    """Every problem the schemas and rules find in each normalised Report, errors first (problems.sort_key),
    in the order of `reports`. `today` decides what counts as the future (default: the real today)."""
    if not reports:
        return []
    today = today or date.today()
    batch = ReportBatch.of(reports)
    found: list[list[Problem]] = [[] for _ in reports]
    owned = schema_problems(batch, SHEET_SCHEMAS)
    owned += [(i, problem) for i, report in enumerate(reports) for problem in info_rules(report, today)]
    for i, problem in [*owned, *border_rules(batch), *award_rules(batch, today)]:
        found[i].append(problem)
    return [sorted(dict.fromkeys(problems), key=sort_key) for problems in found]


def validate_report(report, *, today: date | None = None) -> list[Problem]:
    """validate_reports for one report."""
    return validate_reports([report], today=today)[0]
