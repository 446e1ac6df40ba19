"""Planning a run: the inbox's files taken into staging (cotmoc/pipeline/staging.py), then sorted by
fingerprint alone, so known bytes are never opened as workbooks again: new files to check, duplicates, and
filings a killed run left undone. Also what a killed run left half-written, cleared before anything else.
"""
from __future__ import annotations

import errno
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cotmoc.core.config import Settings
from cotmoc.core.faults import environment_fault
from cotmoc.core.inert import terminal_text
from cotmoc.core.records import FileOutcome, KnownFile, left_outcome
from cotmoc.core.steward_files import WORK_FOLDER_PREFIX
from cotmoc.pipeline import staging
from cotmoc.pipeline.inbox import fingerprint
from cotmoc.pipeline.spool import clear_abandoned_spools
from cotmoc.warehouse import load as wh

log = logging.getLogger(__name__)


@dataclass
class Plan:
    """What a run will do, decided from fingerprints alone (no workbook is opened for known bytes). Items are
    (inbox path, SHA-256, staged copy, identity) as check_files takes them."""
    to_check: list[tuple] = field(default_factory=list)
    duplicates: list[tuple[tuple, int | None]] = field(default_factory=list)  # original id (None: same run)
    unfiled: list[tuple[tuple, KnownFile]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many files the run takes to an end (what waits in the inbox aside)."""
        return len(self.unfiled) + len(self.to_check) + len(self.duplicates)


def plan_files(con, files: list) -> Plan:
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


def clear_leftovers(settings: Settings) -> None:
    """What a killed run left half-written: staged copies, and the steward's `.<name>.part` files and copies half
    made (`.cotmoc-copy-*` folders) in the archive and rejected folders, and the copies it had checked ahead
    (cotmoc/pipeline/spool.py). Removed before anything else (the run writes them again)."""
    staging.clear_staging(settings.archive)
    clear_abandoned_spools()
    for root in (settings.archive, settings.rejected):
        if root.exists():
            for part in root.rglob(".*.part"):
                part.unlink(missing_ok=True)
            for work in root.rglob(f"{WORK_FOLDER_PREFIX}*"):
                if work.is_dir() and not work.is_symlink():
                    shutil.rmtree(work, ignore_errors=True)
