"""Ingest an inbox: every workbook ends either loaded (filed in archive/) or rejected (filed in rejected/
with the steward's report), exactly once, whatever crashes in between.

The order of work is what makes it safe:
1. plan: fingerprint every inbox file (SHA-256); bytes the warehouse already knows are duplicates (or a
   filing that a crash interrupted), and are never opened as workbooks again;
2. check: read → normalise each new file, then validate them in batches (one schema run per sheet for a
   batch; plain functions that the flow runs on every core, cotmoc/parallel.py);
3. commit: one warehouse transaction per batch (submissions with where each file will be filed, facts,
   supersede, period-over-period review, problems);
4. write the steward's outputs and move each file.
A run killed anywhere leaves either an uncommitted transaction (rolled back: the file is still in the
inbox and is simply processed again) or a committed submission whose file is still in the inbox (the
next run's plan sees its known fingerprint without a filed copy and completes the filing). The Prefect
flow in flows/ingest.py only orchestrates these.
"""
from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from cotmoc import reference
from cotmoc.config import Settings
from cotmoc.faults import crash_point
from cotmoc.stopping import critical, stop_on_signals
from cotmoc.inbox import batched, discover, fingerprint
from cotmoc.normalise import Report, normalise_report
from cotmoc.problems import ERROR, WARNING, Problem, sort_key
from cotmoc.steward_report import report_paths, write_annotated_copy, write_problem_list, write_problems_json
from cotmoc.workbook import UnreadableWorkbook, read_report
from schemas import validate_reports
from schemas.history import history_rules
from warehouse import load as wh

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
DUPLICATES_DIR = "_trung_lap"      # duplicates are kept (nothing is lost), apart from real submissions
UNKNOWN_PROVINCE_DIR = "_khong_ro_tinh"


@dataclass
class CheckedFile:
    """One inbox file after read → normalise → validate (no warehouse involved)."""
    path: Path
    facts: wh.FileFacts
    report: Report | None
    problems: list[Problem]
    readable: bool            # False when the file could not be opened as a workbook at all

    @property
    def accepted(self) -> bool:
        return self.report is not None and not any(p.is_error for p in self.problems)

    @property
    def province(self) -> str | None:
        return self.report.info.get("province") if self.report else None

    @property
    def period(self) -> str | None:
        return self.report.info.get("period") if self.report else None

    def rows(self) -> dict[str, int]:
        if self.report is None:
            return {"teams": 0, "segments": 0, "awards": 0}
        return {"teams": len(self.report.teams), "segments": len(self.report.segments),
                "awards": len(self.report.awards)}


@dataclass
class FileOutcome:
    """What happened to one file: the line the office reads in the run summary."""
    file_name: str
    outcome: str                       # new | superseding | duplicate | rejected | recovered
    sha256: str
    submission_id: int | None = None
    province: str | None = None
    period: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    stored_path: Path | None = None
    first_error: str = ""

    def line(self) -> str:
        """One log line a non-developer can follow (Vietnamese — English)."""
        vi = {"new": "đã nhận (mới)", "superseding": "đã nhận (thay thế báo cáo trước)",
              "duplicate": "trùng lặp, bỏ qua", "rejected": "bị từ chối", "recovered": "hoàn tất lần chạy trước"}
        where = f" → {self.stored_path}" if self.stored_path else ""
        detail = f"; {self.errors} lỗi/errors, {self.warnings} cảnh báo/warnings" if (self.errors or self.warnings) else ""
        return f"{self.file_name}: {vi.get(self.outcome, self.outcome)} — {self.outcome}{detail}{where}"


def file_facts(path: Path, sha256: str | None = None) -> wh.FileFacts:
    stat = path.stat()
    return wh.FileFacts(file_name=path.name, original_path=str(path), sha256=sha256 or fingerprint(path),
                        size_bytes=stat.st_size,
                        received_at=datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc).replace(tzinfo=None))


def _folder_problem(inbox: Path, path: Path, report: Report | None) -> Problem | None:
    """A report in a province sub-folder must be that province's report."""
    rel = path.relative_to(inbox).parts
    if len(rel) < 2 or report is None or not report.info.get("province"):
        return None
    folder = rel[0]
    match = reference.match_province(folder)
    if match.code is None:
        return Problem(WARNING, "inbox.folder_unknown",
                       f"Thư mục '{folder}' không phải tên tỉnh nên không kiểm tra được tỉnh của báo cáo",
                       f"Folder '{folder}' is not a province name, so the report's province was not checked",
                       "Đặt file vào thư mục mang tên tỉnh, hoặc thẳng vào hộp thư",
                       "Put the file in a folder named after the province, or directly in the inbox")
    reported = report.info["province"]
    if match.code != reported and reference.province(reported).current_code != match.code:
        name = reference.province(reported).name_vi
        return Problem(ERROR, "inbox.folder_mismatch",
                       f"Báo cáo của tỉnh {name} nhưng nằm trong thư mục '{folder}'",
                       f"The report is for {name} but sits in the folder '{folder}'",
                       "Kiểm tra ô Tỉnh ở sheet thong_tin, hoặc gửi file vào đúng thư mục của tỉnh",
                       "Check the province on sheet thong_tin, or send the file to its province's folder",
                       sheet="thong_tin", column="province", value=folder)
    return None


def _read(path: Path, settings: Settings, sha256: str | None, today: date | None) -> CheckedFile:
    """Read and normalise one file (not yet validated); an unreadable file ends here with its problem."""
    facts = file_facts(path, sha256)
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        problem = Problem(ERROR, "file.not_workbook",
                          f"File '{path.name}' không phải bảng tính Excel (.xlsx, .xlsm, .xls, .ods)",
                          f"'{path.name}' is not a spreadsheet (.xlsx, .xlsm, .xls, .ods)",
                          "Lưu báo cáo bằng Excel hoặc LibreOffice theo mẫu rồi gửi lại",
                          "Save the report from Excel or LibreOffice in the template and send it again")
        return CheckedFile(path, facts, None, [problem], readable=False)
    try:
        raw = read_report(path, max_bytes=settings.max_file_bytes,
                          max_uncompressed_bytes=settings.max_uncompressed_bytes)
    except UnreadableWorkbook as exc:
        return CheckedFile(path, facts, None, [exc.problem], readable=False)
    crash_point("read")
    report = normalise_report(raw, today=today)
    return CheckedFile(path, facts, report, list(dict.fromkeys([*raw.problems, *report.problems])), readable=True)


def check_files(items: list[tuple[Path, str | None]], settings: Settings, *,
                today: date | None = None) -> list[CheckedFile]:
    """Read, normalise and validate files (path, SHA-256 or None); every problem found is returned, nothing
    is written. The files are validated as one batch (schemas.validate_reports)."""
    checked = [_read(path, settings, sha, today) for path, sha in items]
    readable = [c for c in checked if c.report is not None]
    for c, found in zip(readable, validate_reports([c.report for c in readable], today=today)):
        c.problems += found
    crash_point("validate")
    for c in readable:
        folder = _folder_problem(settings.inbox, c.path, c.report) if c.path.is_relative_to(settings.inbox) else None
        c.problems = sorted(dict.fromkeys([*c.problems, *([folder] if folder else [])]), key=sort_key)
    return checked


def check_file(path: Path, settings: Settings, *, sha256: str | None = None,
               today: date | None = None) -> CheckedFile:
    """check_files for one file."""
    return check_files([(path, sha256)], settings, today=today)[0]


def _free_path(target: Path) -> Path:
    """Never overwrite: name-2.xlsx, name-3.xlsx ... when a file is already there."""
    candidate, n = target, 1
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
    return candidate


def destination(settings: Settings, file_name: str, sha256: str, province: str | None, accepted: bool) -> Path:
    """archive/<province>/<name>__<sha8>.xlsx or rejected/<province>/...: every version kept, none overwritten."""
    root = settings.archive if accepted else settings.rejected
    stem, suffix = os.path.splitext(file_name)
    return root / (province or UNKNOWN_PROVINCE_DIR) / f"{stem}__{sha256[:8]}{suffix}"


def _move(src: Path, dest: Path) -> Path:
    """A rename; across file systems, a copy under `.<name>.part` renamed once complete (a run killed mid-copy
    never leaves half a file under the name the warehouse recorded), then the original removed."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(src, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        part = dest.with_name(f".{dest.name}.part")
        try:
            shutil.copy2(src, part)
            with part.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)          # a full disk leaves no half copy behind
        src.unlink()
    return dest


def write_steward_outputs(checked: CheckedFile, dest: Path, status: str) -> list[Path]:
    """The steward's report beside the filed original: annotated copy (or problem list) and JSON."""
    if not checked.problems:
        return []
    annotated, json_path = report_paths(dest, dest.parent)
    summary = {"status": status, "province": checked.province, "period": checked.period, **checked.rows()}
    out = [write_problems_json(checked.problems, json_path, file_name=checked.path.name,
                               sha256=checked.facts.sha256, status=status, summary=summary)]
    if checked.readable:
        out.append(write_annotated_copy(checked.path, checked.problems, annotated, summary=summary))
    else:
        out.append(write_problem_list(checked.problems, annotated, file_name=checked.path.name))
    return out


def _duplicate_outcome(con, path: Path, facts: wh.FileFacts, original_id: int, settings: Settings) -> FileOutcome:
    """Bytes already processed: recorded as a duplicate, kept under archive/_trung_lap/, never loaded. The row
    and where it is filed are one statement; a run stopped before the move files it under that same row."""
    unfiled = wh.unfiled_duplicate(con, facts)
    if unfiled:
        dup_id, dest = unfiled[0], Path(unfiled[1])
    else:
        stem, suffix = os.path.splitext(path.name)
        dest = _free_path(settings.archive / DUPLICATES_DIR / f"{stem}__{facts.sha256[:8]}{suffix}")
        dup_id = wh.record_duplicate(con, facts, original_id, str(dest))
    dest = _move(path, dest)
    return FileOutcome(path.name, "duplicate", facts.sha256, submission_id=dup_id, stored_path=dest,
                       first_error=f"trùng với hồ sơ {original_id} — same bytes as submission {original_id}")


def load_and_file(con, checked: list[CheckedFile], settings: Settings, *, failpoint=None) -> list[FileOutcome]:
    """A batch's end: ONE warehouse transaction for all its files (with the period-over-period review and where
    each file will be filed), then each file's steward outputs and its move."""
    dests = [_free_path(destination(settings, c.path.name, c.facts.sha256, c.province, c.accepted)) for c in checked]
    results = wh.record_submissions(
        con, [wh.Submission(c.facts, c.report, c.problems, c.accepted, str(d)) for c, d in zip(checked, dests)],
        review=history_rules, same_run=_same_period_warning, failpoint=failpoint)
    outcomes = []
    for c, dest, result in zip(checked, dests, results):
        c.problems = wh.final_problems(c.problems, result.reviewed)
        outcome = "rejected" if not c.accepted else ("superseding" if result.superseded_id else "new")
        outcomes.append(_file(con, c, result.submission_id, c.accepted, outcome, settings, dest=dest))
    return outcomes


def commit_and_file(con, checked: CheckedFile, settings: Settings, *, failpoint=None) -> FileOutcome:
    """load_and_file for one file."""
    return load_and_file(con, [checked], settings, failpoint=failpoint)[0]


def _file(con, checked: CheckedFile, submission_id: int, accepted: bool, outcome: str,
          settings: Settings, dest: Path | None = None) -> FileOutcome:
    """Steward outputs and the move, after the commit. `dest` was recorded by the load; a recovered file
    gets its destination recorded here (committed before the move: a crash here is resumable)."""
    crash_point("after_commit")
    if dest is None:
        dest = _free_path(destination(settings, checked.path.name, checked.facts.sha256, checked.province, accepted))
        wh.set_stored_path(con, submission_id, str(dest))
    write_steward_outputs(checked, dest, "accepted" if accepted else "rejected")
    crash_point("before_move")
    dest = _move(checked.path, dest)
    crash_point("after_move")
    errors = [p for p in checked.problems if p.is_error]
    return FileOutcome(checked.path.name, outcome, checked.facts.sha256, submission_id, checked.province,
                       checked.period, checked.rows(), len(errors), len(checked.problems) - len(errors), dest,
                       errors[0].text_vi() if errors else "")


def _recover(con, path: Path, known: wh.KnownFile, settings: Settings, today: date | None) -> FileOutcome:
    """Committed earlier, never filed (the run was killed in between): file it now where the load said, load
    nothing again. The steward's files list the problems the warehouse recorded (the load's own review
    included); the file is read again only to annotate it."""
    checked = check_file(path, settings, today=today)
    checked.problems = wh.recorded_problems(con, known.submission_id)
    accepted = known.status in ("accepted", "superseded")
    dest = Path(known.stored_path) if known.stored_path else None
    return _file(con, checked, known.submission_id, accepted, "recovered", settings, dest=dest)


@dataclass
class Plan:
    """What a run will do, decided from fingerprints alone (no workbook is opened for known bytes)."""
    to_check: list[tuple[Path, str]] = field(default_factory=list)
    duplicates: list[tuple[Path, str, int | None]] = field(default_factory=list)  # original id (None: same run)
    unfiled: list[tuple[Path, wh.KnownFile]] = field(default_factory=list)


def plan_run(con, files: list[Path]) -> Plan:
    plan, seen = Plan(), set()
    shas = [fingerprint(path) for path in files]
    known_files = wh.find_known(con, shas)
    for path, sha in zip(files, shas):
        known = known_files.get(sha)
        unfiled = known is not None and (known.stored_path is None or not Path(known.stored_path).exists())
        if unfiled and sha not in seen:           # the first copy completes the filing, later ones are duplicates
            seen.add(sha)
            plan.unfiled.append((path, known))
        elif known is not None:
            plan.duplicates.append((path, sha, known.submission_id))
        elif sha in seen:
            plan.duplicates.append((path, sha, None))
        else:
            seen.add(sha)
            plan.to_check.append((path, sha))
    return plan


def _same_period_warning(report: Report, earlier: str) -> list[Problem]:
    """The load's warning on a report that replaces one of the same run (`earlier`: the file it replaces)."""
    period = report.info.get("period")
    return [Problem(WARNING, "run.same_province_period",
                    f"Cùng lượt nhận có hai báo cáo của cùng tỉnh, cùng kỳ ({period}); file này đến sau "
                    f"nên thay thế file '{earlier}'",
                    f"Two reports for the same province and period ({period}) arrived in one run; this "
                    f"later one supersedes '{earlier}'",
                    "Nếu file trước mới là bản đúng, gửi lại file đó", "If the earlier file is the right one, "
                    "send it again", sheet="thong_tin", column="period", value=period)]


def clear_leftovers(settings: Settings) -> list[Path]:
    """Half-written steward files (`.<name>.part`) and half-copied originals that a killed run left in the
    archive and rejected folders: removed before anything else (the run writes them again)."""
    removed = []
    for root in (settings.archive, settings.rejected):
        if root.exists():
            for part in root.rglob(".*.part"):
                part.unlink(missing_ok=True)
                removed.append(part)
    return removed


def _crash_between_inserts(step: str) -> None:
    if step == "facts:doan_bien_gioi":
        crash_point("mid_transaction")


def run_ingest(con, settings: Settings, *, today: date | None = None, check_many=None,
               on_file=None, on_plan=None) -> list[FileOutcome]:
    """Process every file in the inbox; returns one outcome per file, in the order they were handled.

    New files are checked and loaded in batches (`batched`, `settings.batch_files`). `check_many(batches) -> iterable of
    list[CheckedFile]` (in order) lets the flow check batches in parallel; the default checks them one after
    another, lazily. `on_plan(total)` is told how many files the run will handle and `on_file(outcome)` as
    each one ends (progress bars, log lines). Warehouse writes stay in this one process and connection:
    DuckDB allows one writer.
    """
    started = datetime.now()
    clear_leftovers(settings)
    plan = plan_run(con, discover(settings.inbox))
    if on_plan:
        on_plan(len(plan.unfiled) + len(plan.to_check) + len(plan.duplicates))
    outcomes = []
    for path, known in plan.unfiled:
        with critical():
            outcomes.append(_recover(con, path, known, settings, today))
    check = check_many or (lambda batches: (check_files(b, settings, today=today) for b in batches))
    ids_by_sha: dict[str, int] = {}
    # an iterator: each batch is checked, loaded, then let go. Every review the load makes is judged against
    # the warehouse and the files before it (submission order), so batching never changes a result.
    for checked_batch in check(batched(plan.to_check, settings.batch_files)):
        with critical():                  # a signal waits for the batch's load and filing (cotmoc/stopping.py)
            batch_outcomes = load_and_file(con, checked_batch, settings, failpoint=_crash_between_inserts)
        for outcome in batch_outcomes:
            ids_by_sha[outcome.sha256] = outcome.submission_id
            outcomes.append(outcome)
            if on_file:
                on_file(outcome)
    for path, sha, original in plan.duplicates:
        if sha not in ids_by_sha and original is None:
            continue                      # its original was not loaded (the run stopped): next run
        with critical():
            outcome = _duplicate_outcome(con, path, file_facts(path, sha), original or ids_by_sha[sha], settings)
        outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    wh.record_run(con, started, outcomes)
    return outcomes


def ingest_inbox(settings: Settings, *, today: date | None = None, check_many=None, on_file=None,
                 on_wait=None, on_plan=None, on_warning=None) -> list[FileOutcome]:
    """The whole job for one inbox: take the warehouse's writer lock, check the folders it writes (writable,
    with room: `on_warning(message)` hears of low space), open the warehouse (checked whole, then migrated),
    run. The CLI's plain mode and the Prefect flow both call this. Every fault of the machine is raised as an
    EnvironmentFault, a damaged warehouse as WarehouseDamaged, before any file is moved where possible."""
    from cotmoc.locking import warehouse_lock
    from cotmoc.preflight import ingest_folders, inbox_present, machine_faults, preflight
    from warehouse.db import open_warehouse
    inbox_present(settings.inbox)
    with warehouse_lock(settings.warehouse, purpose="ingest", wait_seconds=settings.lock_wait_seconds,
                        on_wait=on_wait):
        preflight(settings, ingest_folders(settings), on_warning=on_warning)
        with machine_faults("nhận báo cáo", "ingest the inbox"), stop_on_signals():
            with open_warehouse(settings.warehouse, today=today, wait_seconds=settings.lock_wait_seconds) as con:
                return run_ingest(con, settings, today=today, check_many=check_many, on_file=on_file,
                                  on_plan=on_plan)
