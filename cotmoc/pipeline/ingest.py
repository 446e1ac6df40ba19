"""Ingest an inbox: every workbook ends either loaded (filed in archive/) or rejected (filed in rejected/
with the steward's report), exactly once, whatever crashes in between.

The order of work is what makes it safe:
1. plan: take every regular inbox file into staging, fingerprinting it as it is copied (cotmoc/staging.py:
   links, pipes, lock files and files still being written stay, with an outcome `left`); bytes the warehouse
   already knows are duplicates (or a filing that a crash interrupted), and are never opened as workbooks again;
2. check: read → normalise each new file, then validate them in batches (one schema run per sheet for a
   batch; plain functions that the flow runs on every core, cotmoc/pipeline/parallel.py);
3. commit: one warehouse transaction per batch (submissions with where each file will be filed, facts,
   supersede, period-over-period review, problems);
4. write the steward's outputs and move each file.
A run killed anywhere leaves either an uncommitted transaction (rolled back: the file is still in the
inbox and is simply processed again) or a committed submission whose file is still in the inbox (the
next run's plan sees its known fingerprint without a filed copy and completes the filing). No file stops the
others: reading has one boundary (cotmoc.reading.workbook.read_report), normalising, validating, filing and recovery
each fail for their own file only (a rejection `file.check_failed`, or `left` with a message when a filing
cannot complete). The Prefect flow in flows/ingest.py only orchestrates these.
"""
from __future__ import annotations

import errno
import logging
from dataclasses import dataclass, field
import time
from datetime import date, datetime, timezone
from pathlib import Path

from cotmoc.core import reference
from cotmoc.core.config import Settings
from cotmoc.core.faults import crash_point, environment_fault
from cotmoc.core.inert import shown_name, terminal_text
from cotmoc.core.messages import problem
from cotmoc.core.problems import Problem, sort_key
from cotmoc.core.records import FileOutcome, left_outcome
from cotmoc.core.steward_files import annotated_path, report_paths
from cotmoc.outputs.steward_report import write_annotated_copy, write_problem_list, write_problems_json
from cotmoc.pipeline import approval, staging
from cotmoc.pipeline.inbox import batched, discover, fingerprint  # noqa: F401  (discover: part of this module's API)
from cotmoc.pipeline.stopping import critical, stop_on_signals
from cotmoc.pipeline.stored_names import stored_name
from cotmoc.reading.normalise import Report, normalise_report
from cotmoc.reading.refusals import WORKBOOK_SUFFIXES, check_name  # noqa: F401  (WORKBOOK_SUFFIXES: the portal's)
from cotmoc.reading.workbook import UnreadableWorkbook, check_failed, read_report
from cotmoc.schemas import validate_reports
from cotmoc.schemas.history import history_rules
from cotmoc.warehouse import load as wh
from cotmoc.warehouse.db import query

DUPLICATES_DIR = "_trung_lap"      # duplicates are kept (nothing is lost), apart from real submissions
UNKNOWN_PROVINCE_DIR = "_khong_ro_tinh"
log = logging.getLogger(__name__)


@dataclass
class CheckedFile:
    """One inbox file after read → normalise → validate (no warehouse involved)."""
    path: Path
    facts: wh.FileFacts
    report: Report | None
    problems: list[Problem]
    readable: bool            # False when the file could not be opened as a workbook at all
    source: Path | None = None        # where the bytes are read from and filed from (the staged copy), else path
    identity: tuple | None = None     # the inbox entry as it was copied (staging.file_away)

    @property
    def bytes_at(self) -> Path:
        return self.source or self.path

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


def file_facts(path: Path, sha256: str | None = None, source: Path | None = None) -> wh.FileFacts:
    """What the warehouse records of a file: its name as people are shown it (cotmoc.core.inert.shown_name)."""
    stat = (source or path).stat()
    try:                           # received: when the inbox entry was written, not when it was staged
        received = path.lstat().st_mtime
    except OSError:
        received = stat.st_mtime
    return wh.FileFacts(file_name=shown_name(path.name), original_path=shown_name(path),
                        sha256=sha256 or fingerprint(source or path),
                        size_bytes=stat.st_size,
                        received_at=datetime.fromtimestamp(received, tz=timezone.utc).replace(tzinfo=None))


def _folder_problem(inbox: Path, path: Path, report: Report | None) -> Problem | None:
    """A report in a province sub-folder must be that province's report."""
    rel = path.relative_to(inbox).parts
    if len(rel) < 2 or report is None or not report.info.get("province"):
        return None
    folder = rel[0]
    match = reference.match_province(folder)
    if match.code is None:
        return problem("inbox.folder_unknown", folder=folder)
    reported = report.info["province"]
    if match.code != reported and reference.province(reported).current_code != match.code:
        name = reference.province(reported).name_vi
        return problem("inbox.folder_mismatch", name=name, folder=folder, sheet="thong_tin", column="province",
                       value=folder)
    return None


def _read(path: Path, settings: Settings, sha256: str | None, today: date | None,
          source: Path | None = None, identity: tuple | None = None) -> CheckedFile:
    """Read and normalise one file (not yet validated); an unreadable file ends here with its problem."""
    facts = file_facts(path, sha256, source)
    name = facts.file_name
    try:
        check_name(path)
        raw = read_report(source or path, max_bytes=settings.max_file_bytes,
                          max_uncompressed_bytes=settings.max_uncompressed_bytes)
    except UnreadableWorkbook as exc:
        return CheckedFile(path, facts, None, [exc.problem], readable=False, source=source, identity=identity)
    crash_point("read")
    try:
        report = normalise_report(raw, today=today)
    except Exception as exc:       # a shape of cell nobody foresaw: this file is rejected, the others go on
        log.exception("normalising %s failed", terminal_text(name))
        return CheckedFile(path, facts, None, [check_failed(exc)], readable=True, source=source, identity=identity)
    report.path = path
    return CheckedFile(path, facts, report, list(dict.fromkeys([*raw.problems, *report.problems])), readable=True,
                       source=source, identity=identity)


def _read_one(item: tuple, settings: Settings, today: date | None) -> CheckedFile:
    path, sha, *staged = item
    try:
        return _read(path, settings, sha, today, *staged)
    except Exception as exc:       # e.g. the file vanished: rejected alone (its facts as far as they are known)
        log.exception("checking %s failed", terminal_text(shown_name(path.name)))
        return unchecked(item, exc)


def unchecked(item: tuple, exc: BaseException) -> CheckedFile:
    """A file whose check itself failed (it raised, or it killed the process checking it): rejected alone with
    file.check_failed, kept like any other."""
    path, sha, *staged = item
    source = staged[0] if staged else None
    try:
        facts = file_facts(path, sha, source)
    except OSError:
        facts = wh.FileFacts(file_name=shown_name(path.name), original_path=shown_name(path), sha256=sha or "",
                             size_bytes=0, received_at=datetime.now())
    return CheckedFile(path, facts, None, [check_failed(exc)], readable=False, source=source,
                       identity=staged[1] if len(staged) > 1 else None)


def _validated(reports: list[Report], today: date | None) -> list[list[Problem] | None]:
    """validate_reports for the batch; if it fails, report by report, so one report's failure is its own
    (None: this report's validation itself failed)."""
    try:
        return validate_reports(reports, today=today)
    except Exception:
        log.exception("validating a batch of %d reports failed; validating them one by one", len(reports))
    found: list[list[Problem] | None] = []
    for report in reports:
        try:
            found.append(validate_reports([report], today=today)[0])
        except Exception:
            log.exception("validating %s failed", terminal_text(shown_name(report.path.name)))
            found.append(None)
    return found


def check_files(items: list[tuple], settings: Settings, *,
                today: date | None = None) -> list[CheckedFile]:
    """Read, normalise and validate files (path, SHA-256 or None[, staged copy, its identity]); every problem
    found is returned, nothing is written. The files are validated as one batch (schemas.validate_reports).
    Never raises for what a file holds: a file that cannot be checked is returned rejected, with its problem."""
    checked = [_read_one(item, settings, today) for item in items]
    readable = [c for c in checked if c.report is not None]
    for c, found in zip(readable, _validated([c.report for c in readable], today)):
        if found is None:
            c.report, c.problems = None, [check_failed(RuntimeError("validation failed"))]
        else:
            c.problems += found
    crash_point("validate")
    for c in checked:
        if c.report is None:
            continue
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


def destination(settings: Settings, file_name: str, sha256: str, province: str | None, accepted: bool,
                held: bool = False) -> Path:
    """archive/<province>/<name>__<sha8>.xlsx or rejected/<province>/... (a held report:
    archive/_cho_mo_khoa/<province>/...): every version kept, none overwritten."""
    root = approval.held_root(settings) if held else settings.archive if accepted else settings.rejected
    return root / (province or UNKNOWN_PROVINCE_DIR) / stored_name(file_name, sha256)


def _move(checked: CheckedFile, dest: Path) -> Path:
    """File the checked bytes (the staged copy, or the file itself when it was not staged) under `dest`."""
    return staging.file_away(checked.bytes_at, checked.path, checked.identity, dest)


def write_steward_outputs(checked: CheckedFile, dest: Path, status: str) -> list[Path]:
    """The steward's report beside the filed original: annotated copy (or problem list) and JSON. A held
    report always gets one (it says why the report waits)."""
    if not checked.problems and status != "held":
        return []
    annotated, json_path = report_paths(dest)
    summary = {"status": status, "province": checked.province, "period": checked.period, **checked.rows()}
    name = checked.facts.file_name
    out = [write_problems_json(checked.problems, json_path, file_name=name,
                               sha256=checked.facts.sha256, status=status, summary=summary)]
    if checked.readable:
        try:
            out.append(write_annotated_copy(checked.bytes_at, checked.problems, annotated, summary=summary,
                                            file_name=name))
            return out
        except Exception:          # the list alone then: the steward is told, the file is still filed
            log.exception("no annotated copy of %s", terminal_text(name))
    out.append(write_problem_list(checked.problems, annotated, file_name=name))
    return out


def _duplicate_outcome(con, checked: CheckedFile, original_id: int, settings: Settings) -> FileOutcome:
    """Bytes already processed: recorded as a duplicate, kept under archive/_trung_lap/, never loaded. The row
    and where it is filed are one statement; a run stopped before the move files it under that same row."""
    facts = checked.facts
    unfiled = wh.unfiled_duplicate(con, facts)
    if unfiled:
        dup_id, dest = unfiled[0], Path(unfiled[1])
    else:
        dest = _free_path(settings.archive / DUPLICATES_DIR / stored_name(facts.file_name, facts.sha256))
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
    dests = [_free_path(destination(settings, c.facts.file_name, c.facts.sha256, c.province, c.accepted, h))
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
    for c, dest, h, result in zip(checked, dests, held, results):
        c.problems = wh.final_problems(c.problems, result.reviewed)
        outcome = "rejected" if not c.accepted else "held" if h else ("superseding" if result.superseded_id else "new")
        outcomes.append(_filed_or_left(con, c, result.submission_id, c.accepted, outcome, settings, dest=dest,
                                       held=h))
    return outcomes


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
                   settings: Settings, dest: Path | None = None, held: bool = False) -> FileOutcome:
    """_file, except that a filing that fails (after the commit) leaves the file for the next run's recovery
    and says so, instead of stopping the files after it."""
    try:
        return _file(con, checked, submission_id, accepted, outcome, settings, dest=dest, held=held)
    except Exception as exc:             # committed already: never load it again, the next run's recovery files it
        if environment_fault(exc, "", "") is not None:
            raise                        # a full disk, a read-only folder: the run stops (exit 4), said once
        log.exception("filing %s failed", terminal_text(checked.facts.file_name))
        return left_outcome(checked.path, _FILING_FAILED.format(detail=terminal_text(exc)), checked.facts.sha256)


_FILING_FAILED = ("Đã ghi nhận nhưng chưa cất được file (lỗi thư mục lưu trữ); để lại trong hộp thư, lượt sau sẽ "
                  "hoàn tất — recorded, but the file could not be filed ({detail}); left in the inbox, the next run "
                  "completes it")


def commit_and_file(con, checked: CheckedFile, settings: Settings, *, failpoint=None) -> FileOutcome:
    """load_and_file for one file."""
    return load_and_file(con, [checked], settings, failpoint=failpoint)[0]


def _file(con, checked: CheckedFile, submission_id: int, accepted: bool, outcome: str,
          settings: Settings, dest: Path | None = None, held: bool = False) -> FileOutcome:
    """Steward outputs and the move, after the commit. `dest` was recorded by the load; a recovered file
    gets its destination recorded here (committed before the move: a crash here is resumable)."""
    crash_point("after_commit")
    if dest is None:
        dest = _free_path(destination(settings, checked.facts.file_name, checked.facts.sha256, checked.province,
                                      accepted, held))
        wh.set_stored_path(con, submission_id, str(dest))
    write_steward_outputs(checked, dest, "held" if held else "accepted" if accepted else "rejected")
    crash_point("before_move")
    dest = _move(checked, dest)
    crash_point("after_move")
    errors = [p for p in checked.problems if p.is_error]
    notice = next((p.text_vi() for p in checked.problems if p.rule == "approval.period_locked"), "") if held else ""
    return FileOutcome(checked.facts.file_name, outcome, checked.facts.sha256, submission_id, checked.province,
                       checked.period, checked.rows(), len(errors), len(checked.problems) - len(errors), dest,
                       errors[0].text_vi() if errors else "", notice)


def _recover(con, item: tuple, known: wh.KnownFile, settings: Settings, today: date | None) -> FileOutcome:
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
        if environment_fault(exc, "", "") is not None:
            raise
        log.exception("recovering %s failed", terminal_text(shown_name(path.name)))
        return left_outcome(path, _FILING_FAILED.format(detail=terminal_text(f"{type(exc).__name__}: {exc}")),
                            item[1])


@dataclass
class Plan:
    """What a run will do, decided from fingerprints alone (no workbook is opened for known bytes). Items are
    (inbox path, SHA-256, staged copy, identity) as check_files takes them."""
    to_check: list[tuple] = field(default_factory=list)
    duplicates: list[tuple[tuple, int | None]] = field(default_factory=list)  # original id (None: same run)
    unfiled: list[tuple[tuple, wh.KnownFile]] = field(default_factory=list)


def plan_run(con, files: list) -> Plan:
    """`files`: staged files (cotmoc.pipeline.staging.Staged) or plain paths (fingerprinted where they are)."""
    items = [(f.path, f.sha256, f.copy, f.identity) if isinstance(f, staging.Staged) else (f, fingerprint(f))
             for f in files]
    plan, seen = Plan(), set()
    known_files = wh.find_known(con, [item[1] for item in items])
    for item in items:
        sha = item[1]
        known = known_files.get(sha)
        unfiled = known is not None and (known.stored_path is None or not Path(known.stored_path).exists())
        if unfiled and sha not in seen:           # the first copy completes the filing, later ones are duplicates
            seen.add(sha)
            plan.unfiled.append((item, known))
        elif known is not None:
            plan.duplicates.append((item, known.submission_id))
        elif sha in seen:
            plan.duplicates.append((item, None))
        else:
            seen.add(sha)
            plan.to_check.append(item)
    return plan


_CANNOT_WRITE = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def take_inbox(settings: Settings, since_ns: int) -> tuple[list, list[FileOutcome]]:
    """The inbox's regular files, each staged (cotmoc.pipeline.staging), and an outcome `left` for what stays there."""
    files, left = staging.scan(settings.inbox)
    taken: list = []
    for path in files:
        try:
            got = staging.take(path, settings.archive, since_ns=since_ns, max_copy_bytes=settings.max_file_bytes)
        except OSError as exc:         # unreadable on disk (permissions, I/O): it waits, and the run says why
            if exc.errno in _CANNOT_WRITE:   # no room or no right to write the staged copy: the run stops
                staging.clear_staging(settings.archive)
                raise environment_fault(exc, "chép file vào thư mục lưu trữ", "copy files into the archive") from None
            left_msg = (f"Không đọc được file trên đĩa ({terminal_text(exc)}); để lại trong hộp thư — the file "
                        f"cannot be read from disk; left in the inbox")
            left.append((path, left_msg))
            continue
        (taken if isinstance(got, staging.Staged) else left).append(got)
    outcomes = [left_outcome(x.path, x.message()) if isinstance(x, staging.Left) else left_outcome(*x) for x in left]
    for o in outcomes:
        log.warning(o.line())
    return taken, outcomes


def _same_period_warning(report: Report, earlier: str) -> list[Problem]:
    """The load's warning on a report that replaces one of the same run (`earlier`: the file it replaces)."""
    period = report.info.get("period")
    return [problem("run.same_province_period", period=period, earlier=earlier, sheet="thong_tin", column="period",
                    value=period)]


def clear_leftovers(settings: Settings) -> None:
    """What a killed run left half-written: staged copies, and the steward's `.<name>.part` files in the archive
    and rejected folders. Removed before anything else (the run writes them again)."""
    staging.clear_staging(settings.archive)
    for root in (settings.archive, settings.rejected):
        if root.exists():
            for part in root.rglob(".*.part"):
                part.unlink(missing_ok=True)


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
    approval.finish_releases(con, settings)          # a release's filing that a crash left undone
    try:
        return _run(con, settings, started, today, check_many, on_file, on_plan)
    except BaseException:
        staging.clear_staging(settings.archive)     # copies only: the inbox entries of unfiled files remain
        raise


def _run(con, settings: Settings, started: datetime, today, check_many, on_file, on_plan) -> list[FileOutcome]:
    taken, left = take_inbox(settings, time.time_ns())
    plan = plan_run(con, taken)
    if on_plan:
        on_plan(len(plan.unfiled) + len(plan.to_check) + len(plan.duplicates))
    outcomes = list(left)
    for item, known in plan.unfiled:
        with critical():
            outcomes.append(_recover(con, item, known, settings, today))
    check = check_many or (lambda batches: (check_files(b, settings, today=today) for b in batches))
    ids_by_sha: dict[str, int] = {}
    # an iterator: each batch is checked, loaded, then let go. Every review the load makes is judged against
    # the warehouse and the files before it (submission order), so batching never changes a result.
    for checked_batch in check(batched(plan.to_check, settings.batch_files)):
        with critical():                  # a signal waits for the batch's load and filing (pipeline/stopping.py)
            batch_outcomes = load_and_file(con, checked_batch, settings, failpoint=_crash_between_inserts,
                                           isolate=True)
        for outcome in batch_outcomes:
            if outcome.outcome != "left":
                ids_by_sha[outcome.sha256] = outcome.submission_id
            outcomes.append(outcome)
            if on_file:
                on_file(outcome)
    for item, original in plan.duplicates:
        path, sha = item[0], item[1]
        dup = CheckedFile(path, file_facts(path, sha, item[2]), None, [], readable=False, source=item[2],
                          identity=item[3])
        if (original or ids_by_sha.get(sha)) is None:      # its twin could not be filed this run: both wait
            outcome = left_outcome(path, "Cùng nội dung với một file chưa cất được; để lại trong hộp thư — same "
                                   "bytes as a file that could not be filed; left in the inbox", sha)
        else:
            try:
                with critical():
                    outcome = _duplicate_outcome(con, dup, original or ids_by_sha[sha], settings)
            except Exception as exc:     # e.g. the duplicates' folder cannot be written: it waits, the run goes on
                if environment_fault(exc, "", "") is not None:
                    raise
                log.exception("filing the duplicate %s failed", terminal_text(dup.facts.file_name))
                outcome = left_outcome(path, _FILING_FAILED.format(detail=terminal_text(exc)), sha)
        outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    staging.clear_staging(settings.archive)
    wh.record_run(con, started, [o for o in outcomes if o.outcome != "left"])
    return outcomes


def ingest_inbox(settings: Settings, *, today: date | None = None, check_many=None, on_file=None,
                 on_wait=None, on_plan=None, on_warning=None) -> list[FileOutcome]:
    """The whole job for one inbox: take the warehouse's writer lock, check the folders it writes (writable,
    with room: `on_warning(message)` hears of low space), open the warehouse (checked whole, then migrated),
    run. The CLI's plain mode and the Prefect flow both call this. A fault of the machine is raised as an
    EnvironmentFault, a damaged warehouse as WarehouseDamaged, before any file is moved where it can be."""
    from cotmoc.pipeline.locking import warehouse_lock
    from cotmoc.pipeline.preflight import inbox_present, ingest_folders, machine_faults, preflight
    from cotmoc.warehouse.db import open_warehouse
    inbox_present(settings.inbox)
    with warehouse_lock(settings.warehouse, purpose="ingest", wait_seconds=settings.lock_wait_seconds,
                        on_wait=on_wait):
        preflight(settings, ingest_folders(settings), on_warning=on_warning)
        with machine_faults("nhận báo cáo", "ingest the inbox"), stop_on_signals():
            with open_warehouse(settings.warehouse, today=today, wait_seconds=settings.lock_wait_seconds) as con:
                return run_ingest(con, settings, today=today, check_many=check_many, on_file=on_file,
                                  on_plan=on_plan)
