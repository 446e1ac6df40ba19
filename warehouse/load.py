"""Loading submissions into the warehouse: ONE transaction for a batch of files, with their registry rows,
the facts of the accepted ones (one bulk insert per fact table, through DataFrame scans) and every problem;
an accepted report supersedes the earlier one for the same province and period. Any exception rolls the
whole batch back, so a half-done load never shows. `record_submission` is a batch of one."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

from cotmoc.core import contract
from cotmoc.core.problems import Problem, sort_key
from cotmoc.core.records import FileFacts, KnownFile, LoadResult, Report, Submission, batch_table
from cotmoc.warehouse.db import query

FACT_TABLES = {"to_tu_quan": "fact_teams", "doan_bien_gioi": "fact_segments", "khen_thuong": "fact_awards",
               "hoat_dong": "fact_activities"}
REACH_FIELDS = contract.REACH_FIELDS      # thong_tin's figures: one fact_reach row per report that gives any
_ISSUE_FIELDS = ["severity", "rule", "sheet", "row", "column", "cell", "value", "message_vi", "message_en",
                 "fix_vi", "fix_en"]


#: the load's review: (report, its previous report's figures or None) → problems to add
Review = Callable[[Report, "dict | None"], list[Problem]]
#: (report, the file name of the report of the same run it replaces) → problems to add
SameRun = Callable[[Report, str], list[Problem]]


def _scan(con, name: str, frame: pd.DataFrame, sql: str) -> list[dict]:
    """Run `sql` over `frame` registered as `name` (a DataFrame scan: bulk, not row by row); the rows it
    returns, by column name."""
    con.register(name, frame)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description] if cur.description else []
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.unregister(name)


def _ids_frame(submission_ids: list[int]) -> pd.DataFrame:
    """The submissions of one load, as the queries read them (`batch_ids`)."""
    return pd.DataFrame({"submission_id": pd.array(submission_ids, dtype="int64")})


def find_known(con: duckdb.DuckDBPyConnection, sha256s: list[str]) -> dict[str, KnownFile]:
    """For each fingerprint the warehouse knows, the submission these bytes first arrived as (one query for
    the whole inbox); new fingerprints are absent."""
    if not sha256s:
        return {}
    rows = con.execute(query("find_sha256"), {"sha256s": list(sha256s)}).fetchall()
    return {sha: KnownFile(*rest) for sha, *rest in rows}


def find_sha256(con: duckdb.DuckDBPyConnection, sha256: str) -> KnownFile | None:
    """The submission these exact bytes first arrived as (duplicates aside), or None for a new file."""
    return find_known(con, [sha256]).get(sha256)


def previous_figures(con: duckdb.DuckDBPyConnection, submission_ids: list[int]) -> dict[int, dict]:
    """For each accepted submission among `submission_ids`, the totals of its province's previous accepted
    report of the same kind (period-over-period checks); submissions without one are left out."""
    if not submission_ids:
        return {}
    rows = _scan(con, "batch_ids", _ids_frame(submission_ids), query("previous_figures"))
    return {row.pop("submission_id"): row for row in rows}


def _insert_facts(con, loaded: list[tuple[int, Report]], sheet_code: str) -> None:
    """Every accepted report's rows of one sheet in one insert, each row tagged with its submission."""
    counted = [(sid, report, report.row_count(sheet_code)) for sid, report in loaded]
    counted = [(sid, report, rows) for sid, report, rows in counted if rows]
    if not counted:
        return
    frame = batch_table([report for _, report, _ in counted], sheet_code)
    codes = contract.SHEETS_BY_CODE[sheet_code].codes
    frame = frame[["excel_row", *[c for c in codes if c in frame.columns]]]      # batch_table: a RangeIndex
    for code in codes:        # an optional column a hand-made Report left out loads as NULL
        if code not in frame.columns:
            frame[code] = pd.NA
    frame.insert(0, "submission_id", np.repeat([sid for sid, _, _ in counted], [rows for _, _, rows in counted]))
    frame.insert(1, "sheet", sheet_code)
    frame["excel_row"] = frame["excel_row"].astype("int64")
    columns = ", ".join(f'"{c}"' for c in ["submission_id", "sheet", "excel_row", *codes])
    _scan(con, "facts_frame", frame,
          query("insert_frame").format(table=FACT_TABLES[sheet_code], columns=columns, frame="facts_frame"))


def _insert_reach(con, loaded: list[tuple[int, object]]) -> None:
    """The thong_tin figures of the accepted reports that give any (a version 1 report gives none: no row)."""
    rows = [{"submission_id": sid, "sheet": "thong_tin", **{c: report.info.get(c) for c in REACH_FIELDS}}
            for sid, report in loaded if any(report.info.get(c) is not None for c in REACH_FIELDS)]
    if not rows:
        return
    frame = pd.DataFrame(rows).astype({"submission_id": "int64", "sheet": "string"} | {c: "Int64" for c in REACH_FIELDS})
    columns = ", ".join(["submission_id", "sheet", *REACH_FIELDS])
    _scan(con, "reach_frame", frame, query("insert_frame").format(table="fact_reach", columns=columns, frame="reach_frame"))


def _insert_submissions(con, items: list[Submission], ids: list[int]) -> None:
    def row(sid: int, item: Submission) -> dict:
        info = item.report.info if item.report is not None else {}
        errors = sum(p.is_error for p in item.problems)
        return {"submission_id": sid, "province_code": info.get("province"), "period": info.get("period"),
                "file_name": item.file.file_name, "original_path": item.file.original_path,
                "stored_path": item.stored_path, "sha256": item.file.sha256, "size_bytes": item.file.size_bytes,
                "received_at": item.file.received_at, "template_version": info.get("template_version"),
                "status": item.status,
                "teams_rows": item.rows("to_tu_quan"), "segments_rows": item.rows("doan_bien_gioi"),
                "awards_rows": item.rows("khen_thuong"), "errors": errors, "warnings": len(item.problems) - errors,
                "reporting_unit": info.get("reporting_unit"), "prepared_by": info.get("prepared_by"),
                "report_date": info.get("report_date")}
    frame = pd.DataFrame([row(sid, item) for sid, item in zip(ids, items)]).astype(
        {"file_name": "string", "original_path": "string", "stored_path": "string", "sha256": "string",
         "province_code": "string", "period": "string", "template_version": "string", "status": "string",
         "reporting_unit": "string", "prepared_by": "string"})
    _scan(con, "submissions_frame", frame, query("insert_submission"))


def _insert_issues(con, problems: list[tuple[int, Problem]]) -> None:
    if not problems:
        return
    frame = pd.DataFrame([{"submission_id": sid, **p.as_dict()} for sid, p in problems],
                         columns=["submission_id", *_ISSUE_FIELDS]).astype(
        {"submission_id": "int64", "row": "Int64"} | {f: "string" for f in _ISSUE_FIELDS if f != "row"})
    _scan(con, "issues_frame", frame, query("insert_issues"))


def _review(con, items: list[Submission], ids: list[int], review: Review | None, replaced: dict[int, int],  # new → old
            same_run: SameRun | None) -> dict[int, list[Problem]]:
    """What the load itself finds, as things stood when each file arrived: `review` on each accepted report
    against its previous report's figures, and `same_run` on each report replacing one of the same run.
    Added to the submissions' counts."""
    accepted = [(sid, item) for sid, item in zip(ids, items) if item.accepted]
    previous = previous_figures(con, [sid for sid, _ in accepted]) if review else {}
    in_run = {}
    if same_run and replaced:
        frame = pd.DataFrame({"submission_id": pd.array(list(replaced), dtype="int64"),
                              "superseded_id": pd.array(list(replaced.values()), dtype="int64")})
        in_run = {r["submission_id"]: r["replaced_file"] for r in _scan(con, "replaced_frame", frame,
                                                                         query("replaced_in_run"))}
    added = {}
    for sid, item in accepted:
        found = (review(item.report, previous.get(sid)) if review else []) + (
            same_run(item.report, in_run[sid]) if sid in in_run else [])
        if found:
            added[sid] = found
    if added:
        counts = pd.DataFrame([{"submission_id": sid, "added_errors": sum(p.is_error for p in found),
                                "added_warnings": sum(not p.is_error for p in found)} for sid, found in added.items()])
        _scan(con, "counts_frame", counts, query("add_issue_counts"))
    return added


def final_problems(problems: list[Problem], added) -> list[Problem]:
    """A file's problems once loaded: its checks' and the load's own, in the steward's order (one definition
    for what is recorded and what the steward's files show)."""
    return sorted([*problems, *sorted(added, key=sort_key)], key=sort_key)


def _rollback(con) -> None:
    """Undo the open transaction; a failed COMMIT (a full disk) has already ended it, and saying so must not
    hide the real fault."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def record_submissions(con: duckdb.DuckDBPyConnection, items: list[Submission], *, review: Review | None = None,
                       same_run: SameRun | None = None,
                       failpoint: Callable[[str], None] | None = None) -> list[LoadResult]:
    """Register a batch of submissions (accepted with their facts, or rejected) and their problems, in ONE
    transaction, in the order given (a later report of the same province and period supersedes an earlier
    one). `review(report, previous)` may add problems to accepted reports (e.g. period-over-period warnings),
    `same_run(report, replaced_file)` to a report replacing one that arrived in the same ingest run.
    A `held` submission (a late report for an approved, locked period) is loaded with its facts and problems
    but supersedes nothing, and its hold is written to the approval trail.
    `failpoint(step)` is called after each step (begin, submission, facts:<sheet> — thong_tin's figures last —,
    hold, supersede, review, issues)."""
    if not items:
        return []
    step = failpoint or (lambda name: None)
    con.execute("BEGIN TRANSACTION")
    try:
        step("begin")
        ids = [r[0] for r in con.execute(query("next_submission_ids"), {"n": len(items)}).fetchall()]
        _insert_submissions(con, items, ids)
        step("submission")
        loaded = [(sid, item.report) for sid, item in zip(ids, items) if item.accepted]
        for sheet_code in FACT_TABLES:
            _insert_facts(con, loaded, sheet_code)
            step(f"facts:{sheet_code}")
        _insert_reach(con, loaded)
        step("facts:thong_tin")
        if any(item.held for item in items):
            _scan(con, "batch_ids", _ids_frame(ids), query("record_holds"))
        step("hold")
        superseded = {}
        if loaded:
            superseded = {r["submission_id"]: r["superseded_id"]
                          for r in _scan(con, "batch_ids", _ids_frame(ids), query("supersede"))}
        step("supersede")
        added = _review(con, items, ids, review, superseded, same_run) if (review or same_run) and loaded else {}
        step("review")
        _insert_issues(con, [(sid, p) for sid, item in zip(ids, items)
                             for p in final_problems(item.problems, added.get(sid, []))])
        step("issues")
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise
    return [LoadResult(sid, item.status, superseded.get(sid),
                       tuple(sorted(added.get(sid, []), key=sort_key))) for sid, item in zip(ids, items)]


def record_submission(con: duckdb.DuckDBPyConnection, *, file: FileFacts, report, problems: list[Problem],
                      accepted: bool, failpoint: Callable[[str], None] | None = None) -> LoadResult:
    """record_submissions for one file."""
    return record_submissions(con, [Submission(file, report, problems, accepted)], failpoint=failpoint)[0]


def record_duplicate(con: duckdb.DuckDBPyConnection, file: FileFacts, original_id: int,
                     stored_path: str | None = None) -> int:
    """A `duplicate` row pointing at the submission these bytes first arrived as, with where it is filed."""
    return con.execute(query("insert_duplicate"), {"file_name": file.file_name, "original_path": file.original_path,
                                                   "size_bytes": file.size_bytes, "received_at": file.received_at,
                                                   "original_id": original_id, "stored_path": stored_path}).fetchone()[0]


def unfiled_duplicate(con: duckdb.DuckDBPyConnection, file: FileFacts) -> tuple[int, str] | None:
    """The duplicate row an interrupted run recorded for this very inbox file without filing it, if any."""
    for sid, stored in con.execute(query("find_unfiled_duplicate"), {"sha256": file.sha256,
                                                                     "original_path": file.original_path}).fetchall():
        if stored and not Path(stored).exists():
            return sid, stored
    return None


def recorded_problems(con: duckdb.DuckDBPyConnection, submission_id: int) -> list[Problem]:
    """The problems the warehouse recorded for a submission (its checks' and its load's), as recorded."""
    rows = con.execute(query("recorded_problems"), {"submission_id": submission_id}).fetchall()
    return [Problem(sev, rule, mvi, men, fvi or "", fen or "", sheet, row, column, cell, value)
            for sev, rule, mvi, men, fvi, fen, sheet, row, column, cell, value in rows]


def record_run(con: duckdb.DuckDBPyConnection, started_at: datetime, outcomes) -> None:
    """One ingest_runs row for the run that just ended (what `cotmoc status` shows)."""
    counts = {k: sum(o.outcome == k for o in outcomes)
              for k in ("new", "superseding", "duplicate", "rejected", "recovered", "held")}
    con.execute(query("insert_run"), {"started_at": started_at, "files": len(outcomes), **counts,
                                      "errors": sum(o.errors for o in outcomes), "warnings": sum(o.warnings for o in outcomes)})


def set_stored_path(con: duckdb.DuckDBPyConnection, submission_id: int, stored_path: str) -> None:
    """Record where the file was filed (archive/ or rejected/); filing happens after the load commits."""
    con.execute(query("set_stored_path"), {"submission_id": submission_id, "stored_path": stored_path})
