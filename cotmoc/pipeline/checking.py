"""Checking files: read → normalise → validate, with nothing written. The step every ingest, the portal's
check and the worker processes (cotmoc/pipeline/parallel.py) run, one file or one batch at a time.

Reading has one boundary (cotmoc.reading.workbook.read_report); normalising and validating fail for their own
file only: a file that cannot be checked comes back rejected with its problem (`file.check_failed`), never
raised, so no file stops the others.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path

from cotmoc.core import reference
from cotmoc.core.config import Settings
from cotmoc.core.faults import crash_point
from cotmoc.core.inert import shown_name, terminal_text
from cotmoc.core.messages import problem
from cotmoc.core.problems import Problem, sort_key
from cotmoc.core.records import TABLES, FileFacts, empty_table
from cotmoc.pipeline.inbox import fingerprint
from cotmoc.reading.normalise import Report, normalise_report
from cotmoc.reading.refusals import check_name
from cotmoc.reading.workbook import UnreadableWorkbook, check_failed, read_report
from cotmoc.schemas import validate_reports

log = logging.getLogger(__name__)


@dataclass
class CheckedFile:
    """One inbox file after read → normalise → validate (no warehouse involved)."""
    path: Path
    facts: FileFacts
    report: Report | None
    problems: list[Problem]
    readable: bool            # False when the file could not be opened as a workbook at all
    source: Path | None = None        # where the bytes are read from and filed from (the staged copy), else path
    identity: tuple | None = None     # the inbox entry as it was copied (staging.file_away)
    row_counts: dict[str, int] | None = None     # the tables' rows, kept when they are let go (release_tables)

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
        if self.row_counts is not None:
            return dict(self.row_counts)
        if self.report is None:
            return {"teams": 0, "segments": 0, "awards": 0}
        count = self.report.row_count
        return {"teams": count("to_tu_quan"), "segments": count("doan_bien_gioi"), "awards": count("khen_thuong")}

    def release_tables(self) -> None:
        """Once the report is in the warehouse, its tables are let go (emptied; their row counts kept): the
        steward's files and the filing need only the problems, the province, the period and the counts. Held
        until the batch was filed, a batch's tables stayed in the loading process beside the batches checked
        ahead while its steward's files were written (docs/scaling.md, memory)."""
        if self.report is None or self.row_counts is not None:
            return
        self.row_counts = self.rows()
        self.report.set_tables({code: _released(code) for code in TABLES})


@cache
def _released(sheet_code: str):
    """The empty table a released report holds, one per sheet for the whole process (making one costs more than
    checking a small report); nothing writes to a report once it is loaded."""
    return empty_table(sheet_code)


def file_facts(path: Path, sha256: str | None = None, source: Path | None = None) -> FileFacts:
    """What the warehouse records of a file: its name as people are shown it (cotmoc.core.inert.shown_name)."""
    stat = (source or path).stat()
    try:                           # received: when the inbox entry was written, not when it was staged
        received = path.lstat().st_mtime
    except OSError:
        received = stat.st_mtime
    return FileFacts(file_name=shown_name(path.name), original_path=shown_name(path),
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
        facts = FileFacts(file_name=shown_name(path.name), original_path=shown_name(path), sha256=sha or "",
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
