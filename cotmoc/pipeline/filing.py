"""Committing and filing: a checked batch's ONE warehouse transaction (submissions with where each file will be
filed, facts, supersede, period-over-period review, problems), then each file's steward outputs and its move
to archive/ or rejected/; the filing of a file a killed run committed but never filed; duplicates kept under
archive/_trung_lap/. A filing that fails after its commit leaves the file in the inbox with a message (the next
run completes it), never stopping the files after it; a fault of the machine stops the run.
"""
from __future__ import annotations

import logging
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import date
from pathlib import Path

from cotmoc.core.config import Settings
from cotmoc.core.faults import crash_point, environment_fault
from cotmoc.core.inert import shown_name, terminal_text
from cotmoc.core.messages import problem
from cotmoc.core.problems import Problem, sort_key
from cotmoc.core.records import FileOutcome, KnownFile, Report, left_outcome
from cotmoc.core.steward_files import annotated_path
from cotmoc.outputs.steward_job import StewardFiles
from cotmoc.pipeline import approval, staging
from cotmoc.pipeline.parallel import in_workers
from cotmoc.pipeline.checking import CheckedFile, check_files, file_facts
from cotmoc.pipeline.stored_names import stored_name
from cotmoc.reading.workbook import check_failed
from cotmoc.schemas.history import history_rules
from cotmoc.warehouse import load as wh
from cotmoc.warehouse.db import query


DUPLICATES_DIR = "_trung_lap"      # duplicates are kept (nothing is lost), apart from real submissions
UNKNOWN_PROVINCE_DIR = "_khong_ro_tinh"
log = logging.getLogger(__name__)


def free_path(target: Path) -> Path:
    """Never overwrite: name-2.xlsx, name-3.xlsx ... when a file is already there."""
    candidate, n = target, 1
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
    return candidate


def destination(settings: Settings, file_name: str, sha256: str, province: str | None, accepted: bool,
                held: bool = False) -> Path:
    """archive/<province>/<name>__<sha8>.xlsx or rejected/<province>/... (a held report:
    archive/_cho_mo_khoa/<province>/...): every version kept, none overwritten."""
    root = approval.held_root(settings) if held else settings.archive if accepted else settings.rejected
    return root / (province or UNKNOWN_PROVINCE_DIR) / stored_name(file_name, sha256)


def _move(checked: CheckedFile, dest: Path) -> Path:
    """File the checked bytes (the staged copy, or the file itself when it was not staged) under `dest`."""
    return staging.file_away(checked.bytes_at, checked.path, checked.identity, dest)


def steward_files(checked: CheckedFile, dest: Path, status: str) -> StewardFiles | None:
    """The steward's report beside the filed original (annotated copy, or problem list, and JSON), when there
    is something to say. A held report always gets one (it says why the report waits)."""
    if not checked.problems and status != "held":
        return None
    return StewardFiles(checked.bytes_at, dest, status, checked.problems, checked.facts.file_name,
                        checked.facts.sha256, checked.readable,
                        {"status": status, "province": checked.province, "period": checked.period, **checked.rows()})


def write_steward_outputs(checked: CheckedFile, dest: Path, status: str) -> list[Path]:
    """`steward_files` written here; the paths written."""
    files = steward_files(checked, dest, status)
    return files.write() if files else []


def file_duplicate(con, item: tuple, original_id: int | None, settings: Settings) -> FileOutcome:
    """A staged file whose bytes are known (`original_id`: the submission they are; None when their twin of this
    run could not be filed, so both wait). A duplicate that cannot be filed waits too; the run goes on."""
    path, sha = item[0], item[1]
    dup = CheckedFile(path, file_facts(path, sha, item[2]), None, [], readable=False, source=item[2],
                      identity=item[3])
    if original_id is None:
        return left_outcome(path, "Cùng nội dung với một file chưa cất được; để lại trong hộp thư — same "
                            "bytes as a file that could not be filed; left in the inbox", sha)
    try:
        return _duplicate_outcome(con, dup, original_id, settings)
    except Exception as exc:     # e.g. the duplicates' folder cannot be written: it waits, the run goes on
        return _left_for_the_next_run(exc, "filing the duplicate", path, sha, terminal_text(exc))


def _duplicate_outcome(con, checked: CheckedFile, original_id: int, settings: Settings) -> FileOutcome:
    """Bytes already processed: recorded as a duplicate, kept under archive/_trung_lap/, never loaded. The row
    and where it is filed are one statement; a run stopped before the move files it under that same row."""
    facts = checked.facts
    unfiled = wh.unfiled_duplicate(con, facts)
    if unfiled:
        dup_id, dest = unfiled[0], Path(unfiled[1])
    else:
        dest = free_path(settings.archive / DUPLICATES_DIR / stored_name(facts.file_name, facts.sha256))
        dup_id = wh.record_duplicate(con, facts, original_id, str(dest))
    dest = _move(checked, dest)
    status, stored, loaded_at, province, period, errors, first_error = con.execute(
        query("earlier_verdict"), {"submission_id": original_id}).fetchone()
    if status != "rejected":
        return FileOutcome(facts.file_name, "duplicate", facts.sha256, submission_id=dup_id, stored_path=dest,
                           first_error=f"trùng với hồ sơ {original_id} — same bytes as submission {original_id}")
    # the same rejected bytes again: tell the sender the verdict stands and where its explanation is
    loi = annotated_path(stored) if stored else None
    where = shown_name(loi) if loi else "—"
    return FileOutcome(facts.file_name, "duplicate", facts.sha256, submission_id=dup_id, province=province,
                       period=period, errors=errors or 0, stored_path=dest, rejected_copy=loi,
                       first_error=f"đã bị từ chối ngày {loaded_at:%d/%m/%Y} (hồ sơ {original_id}, {errors} lỗi), gửi lại "
                                   f"y nguyên nên vẫn bị từ chối; sửa theo {where} rồi gửi lại — these bytes "
                                   f"were rejected on {loaded_at:%Y-%m-%d} (submission {original_id}); fix them as "
                                   f"{where} says and send again. Lỗi đầu tiên / first error: {first_error}")


def load_and_file(con, checked: list[CheckedFile], settings: Settings, *, failpoint=None,
                  isolate: bool = False) -> list[FileOutcome]:
    """A batch's end: ONE warehouse transaction for all its files (with the period-over-period review and where
    each file will be filed), then each file's steward outputs and its move. An accepted report for a period
    the office approved and locked is held (cotmoc.pipeline.approval), with the reason among its problems. With
    `isolate` (the run does), a transaction that fails is retried file by file (_loaded_one_by_one) instead of
    stopping the run."""
    locked = approval.locks(con) if any(c.accepted for c in checked) else {}
    held = [c.accepted and (c.province, c.period) in locked for c in checked]
    for c, h in zip(checked, held):
        if h:
            c.problems = sorted([*c.problems, approval.hold_notice(locked[(c.province, c.period)])], key=sort_key)
    dests = [free_path(destination(settings, c.facts.file_name, c.facts.sha256, c.province, c.accepted, h))
             for c, h in zip(checked, held)]
    try:
        results = wh.record_submissions(
            con, [wh.Submission(c.facts, c.report, c.problems, c.accepted, str(d), h)
                  for c, d, h in zip(checked, dests, held)],
            review=history_rules, same_run=_same_period_warning, failpoint=failpoint)
    except Exception as exc:              # rolled back: nothing of the batch is in the warehouse
        if not isolate or environment_fault(exc, "", "") is not None:
            raise                         # a full disk is the machine's fault, not the files': the run stops
        return _loaded_one_by_one(con, checked, settings, exc, failpoint)
    outcomes = []
    for c, result in zip(checked, results):
        c.problems = wh.final_problems(c.problems, result.reviewed)
        c.release_tables()             # loaded: the steward's files and the filing need none of its rows
    crash_point("after_commit")
    # the steward's files of the whole batch at once, in the check workers where they run: an annotated copy
    # costs several times a file's check; each file is then moved here, after its own files are written
    files = [steward_files(c, d, _status(c.accepted, h)) for c, d, h in zip(checked, dests, held)]
    to_write = [f for f in files if f]
    done = iter(in_workers(type(to_write[0]).write, to_write) if to_write else [])
    written = []
    for f in files:                       # a file with nothing to say wrote nothing
        w = next(done) if f else []
        written.append(_listed_only(f, w) if isinstance(w, BrokenProcessPool) else w)
    for c, dest, h, result, w in zip(checked, dests, held, results, written):
        outcome = "rejected" if not c.accepted else "held" if h else ("superseding" if result.superseded_id else "new")
        outcomes.append(_filed_or_left(con, c, result.submission_id, c.accepted, outcome, settings, dest=dest,
                                       held=h, written=w))
    return outcomes


def _listed_only(files: StewardFiles, exc: BrokenProcessPool) -> list[Path] | Exception:
    """A file whose annotated copy ends the process writing it: the problem list alone, as for a copy that
    fails (the steward is told, the file is still filed)."""
    log.error("the annotated copy of %s ended its worker (%s): the problem list only", terminal_text(files.file_name),
              exc)
    try:
        return replace(files, readable=False).write()
    except Exception as failed:
        return failed


def _status(accepted: bool, held: bool) -> str:
    return "held" if held else "accepted" if accepted else "rejected"


def _loaded_one_by_one(con, checked: list[CheckedFile], settings: Settings, exc: Exception,
                       failpoint) -> list[FileOutcome]:
    """A batch whose transaction failed, loaded file by file, so a file the warehouse refuses is rejected alone
    (file.check_failed, nothing of its rows loaded). A failure of that too is the warehouse's: it is raised."""
    log.error("loading a batch of %d files failed (%s); loading them one by one", len(checked), exc)
    outcomes = []
    for c in checked:
        try:
            if len(checked) == 1:
                raise exc
            outcomes += load_and_file(con, [c], settings, failpoint=failpoint)
            continue
        except Exception as alone:
            log.exception("loading %s failed", terminal_text(c.facts.file_name))
            refused = CheckedFile(c.path, c.facts, None, [check_failed(alone)], readable=c.readable, source=c.source,
                                  identity=c.identity)
        outcomes += load_and_file(con, [refused], settings, failpoint=None)
    return outcomes


def _filed_or_left(con, checked: CheckedFile, submission_id: int, accepted: bool, outcome: str,
                   settings: Settings, dest: Path | None = None, held: bool = False,
                   written: list[Path] | Exception | None = None) -> FileOutcome:
    """_file, except that a filing that fails (after the commit) leaves the file for the next run's recovery
    and says so, instead of stopping the files after it."""
    try:
        return _file(con, checked, submission_id, accepted, outcome, settings, dest=dest, held=held, written=written)
    except Exception as exc:             # committed already: never load it again, the next run's recovery files it
        return _left_for_the_next_run(exc, "filing", checked.path, checked.facts.sha256, terminal_text(exc))


_FILING_FAILED = ("Đã ghi nhận nhưng chưa cất được file (lỗi thư mục lưu trữ); để lại trong hộp thư, lượt sau sẽ "
                  "hoàn tất — recorded, but the file could not be filed ({detail}); left in the inbox, the next run "
                  "completes it")


def _left_for_the_next_run(exc: Exception, doing: str, path: Path, sha256: str, detail: str) -> FileOutcome:
    """Called while `exc` is handled: a filing that failed waits in the inbox, with why, and the run goes on. A
    fault of the machine (a full disk, a read-only folder) is raised instead: the run stops (exit 4), said once."""
    if environment_fault(exc, "", "") is not None:
        raise
    log.exception("%s %s failed", doing, terminal_text(shown_name(path.name)))
    return left_outcome(path, _FILING_FAILED.format(detail=detail), sha256)


def _file(con, checked: CheckedFile, submission_id: int, accepted: bool, outcome: str,
          settings: Settings, dest: Path | None = None, held: bool = False,
          written: list[Path] | Exception | None = None) -> FileOutcome:
    """Steward outputs and the move, after the commit. `dest` was recorded by the load; a recovered file
    gets its destination recorded here (committed before the move: a crash here is resumable). `written`: the
    steward's files already written for this file by its batch (or the exception writing them raised)."""
    if isinstance(written, Exception):
        raise written
    if written is None:
        crash_point("after_commit")
        if dest is None:
            dest = free_path(destination(settings, checked.facts.file_name, checked.facts.sha256, checked.province,
                                          accepted, held))
            wh.set_stored_path(con, submission_id, str(dest))
        write_steward_outputs(checked, dest, _status(accepted, held))
    crash_point("before_move")
    dest = _move(checked, dest)
    crash_point("after_move")
    errors = [p for p in checked.problems if p.is_error]
    notice = next((p.text_vi() for p in checked.problems if p.rule == "approval.period_locked"), "") if held else ""
    return FileOutcome(checked.facts.file_name, outcome, checked.facts.sha256, submission_id, checked.province,
                       checked.period, checked.rows(), len(errors), len(checked.problems) - len(errors), dest,
                       errors[0].text_vi() if errors else "", notice)


def recover_filing(con, item: tuple, known: KnownFile, settings: Settings, today: date | None) -> FileOutcome:
    """Committed earlier, never filed (the run was killed in between): file it now where the load said, load
    nothing again. The steward's files list the problems the warehouse recorded (the load's own review
    included); the file is read again only to annotate it. What cannot be completed is skipped with a message
    (the file waits in the inbox) and the run goes on. A held report stays under the held folder, with why it
    waits among its recorded problems."""
    path = item[0]
    try:
        checked = check_files([item], settings, today=today)[0]
        checked.problems = wh.recorded_problems(con, known.submission_id)
        accepted, held = known.status in ("accepted", "superseded", "held"), known.status == "held"
        dest = Path(known.stored_path) if known.stored_path else None
        return _file(con, checked, known.submission_id, accepted, "recovered", settings, dest=dest, held=held)
    except Exception as exc:
        return _left_for_the_next_run(exc, "recovering", path, item[1],
                                      terminal_text(f"{type(exc).__name__}: {exc}"))


def _same_period_warning(report: Report, earlier: str) -> list[Problem]:
    """The load's warning on a report that replaces one of the same run (`earlier`: the file it replaces)."""
    period = report.info.get("period")
    return [problem("run.same_province_period", period=period, earlier=earlier, sheet="thong_tin", column="period",
                    value=period)]
