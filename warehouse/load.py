"""Loading one submission into the warehouse: ONE transaction for the registry row, the facts (bulk,
through DataFrame scans) and the problems; an accepted report supersedes the earlier one for the same
province and period. Any exception rolls everything back, so a half-done load never shows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import duckdb
import pandas as pd

from cotmoc import contract
from cotmoc.problems import Problem
from warehouse.db import query

FACT_TABLES = {"to_tu_quan": "fact_teams", "doan_bien_gioi": "fact_segments", "khen_thuong": "fact_awards"}
_ISSUE_FIELDS = ["severity", "rule", "sheet", "row", "column", "cell", "value", "message_vi", "message_en",
                 "fix_vi", "fix_en"]


@dataclass(frozen=True)
class FileFacts:
    """What is known about a received file before it is read: its name, where it arrived, its bytes."""
    file_name: str
    original_path: str
    sha256: str
    size_bytes: int
    received_at: datetime


@dataclass(frozen=True)
class KnownFile:
    """A file already in the warehouse (found by SHA-256): its submission, status and where it was filed."""
    submission_id: int
    status: str
    stored_path: str | None


@dataclass(frozen=True)
class LoadResult:
    """The outcome of record_submission: the new submission, its status, and the one it superseded."""
    submission_id: int
    status: str
    superseded_id: int | None


def find_sha256(con: duckdb.DuckDBPyConnection, sha256: str) -> KnownFile | None:
    """The submission these exact bytes first arrived as (duplicates aside), or None for a new file."""
    row = con.execute(query("find_sha256"), {"sha256": sha256}).fetchone()
    return KnownFile(*row) if row else None


def previous_figures(con: duckdb.DuckDBPyConnection, province_code: str, period: str) -> dict | None:
    """Totals of the province's previous accepted report of the same kind (for period-over-period checks)."""
    cur = con.execute(query("previous_figures"), {"province_code": province_code, "period": period})
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row)) if row else None


def _facts_frame(report, sheet_code: str, submission_id: int) -> pd.DataFrame:
    sheet = contract.SHEETS_BY_CODE[sheet_code]
    df = report.table(sheet_code)
    frame = pd.DataFrame({"submission_id": submission_id, "sheet": sheet_code,
                          "excel_row": df["excel_row"].astype("int64")}, index=df.index)
    for code in sheet.codes:   # an optional column a hand-made Report left out loads as NULL
        frame[code] = df[code] if code in df.columns else pd.NA
    return frame


def _insert_facts(con, report, sheet_code: str, submission_id: int) -> None:
    frame = _facts_frame(report, sheet_code, submission_id)
    if frame.empty:
        return
    con.register("facts_frame", frame)
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    con.execute(f"INSERT INTO {FACT_TABLES[sheet_code]} ({columns}) SELECT {columns} FROM facts_frame")
    con.unregister("facts_frame")


def _insert_issues(con, problems: list[Problem], submission_id: int) -> None:
    if not problems:
        return
    frame = pd.DataFrame([p.as_dict() for p in problems], columns=_ISSUE_FIELDS).astype(
        {"row": "Int64"} | {f: "string" for f in _ISSUE_FIELDS if f != "row"})
    con.register("issues_frame", frame)
    con.execute(query("insert_issues"), {"submission_id": submission_id})
    con.unregister("issues_frame")


def record_submission(con: duckdb.DuckDBPyConnection, *, file: FileFacts, report, problems: list[Problem],
                      accepted: bool, failpoint: Callable[[str], None] | None = None) -> LoadResult:
    """Register a submission (accepted with its facts, or rejected) and its problems, in one transaction."""
    if accepted and report is None:
        raise ValueError("Không thể nhận một báo cáo không đọc được — an unreadable report cannot be accepted")
    step = failpoint or (lambda name: None)
    info = report.info if report is not None else {}
    errors = sum(p.is_error for p in problems)
    params = {
        "province_code": info.get("province"), "period": info.get("period"), "file_name": file.file_name,
        "original_path": file.original_path, "sha256": file.sha256, "size_bytes": file.size_bytes,
        "received_at": file.received_at, "template_version": info.get("template_version"),
        "status": "accepted" if accepted else "rejected",
        "teams_rows": len(report.teams) if report is not None else 0,
        "segments_rows": len(report.segments) if report is not None else 0,
        "awards_rows": len(report.awards) if report is not None else 0,
        "errors": errors, "warnings": len(problems) - errors,
        "reporting_unit": info.get("reporting_unit"), "prepared_by": info.get("prepared_by"),
        "report_date": info.get("report_date"),
    }
    con.execute("BEGIN TRANSACTION")
    try:
        step("begin")
        submission_id = con.execute(query("insert_submission"), params).fetchone()[0]
        step("submission")
        superseded = None
        if accepted:
            for sheet_code in FACT_TABLES:
                _insert_facts(con, report, sheet_code, submission_id)
                step(f"facts:{sheet_code}")
            rows = con.execute(query("supersede"), {"new_id": submission_id, "province_code": params["province_code"],
                                                    "period": params["period"]}).fetchall()
            superseded = rows[0][0] if rows else None
            step("supersede")
        _insert_issues(con, problems, submission_id)
        step("issues")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return LoadResult(submission_id, params["status"], superseded)


def record_duplicate(con: duckdb.DuckDBPyConnection, file: FileFacts, original_id: int) -> int:
    """A `duplicate` row pointing at the submission these bytes first arrived as."""
    return con.execute(query("insert_duplicate"), {"file_name": file.file_name, "original_path": file.original_path,
                                                   "size_bytes": file.size_bytes, "received_at": file.received_at,
                                                   "original_id": original_id}).fetchone()[0]


def record_run(con: duckdb.DuckDBPyConnection, started_at: datetime, outcomes) -> None:
    """One ingest_runs row for the run that just ended (what `cotmoc status` shows)."""
    counts = {k: sum(o.outcome == k for o in outcomes) for k in ("new", "superseding", "duplicate", "rejected", "recovered")}
    con.execute(query("insert_run"), {"started_at": started_at, "files": len(outcomes), **counts,
                                      "errors": sum(o.errors for o in outcomes), "warnings": sum(o.warnings for o in outcomes)})


def set_stored_path(con: duckdb.DuckDBPyConnection, submission_id: int, stored_path: str) -> None:
    """Record where the file was filed (archive/ or rejected/); filing happens after the load commits."""
    con.execute(query("set_stored_path"), {"submission_id": submission_id, "stored_path": stored_path})
