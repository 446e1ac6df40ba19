"""Checking ahead: the first batches of the inbox's new files are checked while the run is still starting.

`cotmoc ingest` forks its check workers before it imports Prefect (cotmoc/pipeline/parallel.py). The flow then
takes 2–3 s (Prefect's start-up, the flow run, the warehouse opened, the inbox staged) before it hands the workers
a first batch: on a backfill, a third of the run with the workers idle. So, before importing Prefect, the command
line picks the first files the warehouse does not know (`new_files`) and the workers check them (`check_copies`),
each from a private copy made as staging makes it (cotmoc.pipeline.staging.take: no link followed, no pipe opened,
the fingerprint of the very bytes checked).

The flow's check of a batch (`parallel.check_batch`) takes a file's result from here only when the copy the flow
staged has the same fingerprint: the same bytes, the same settings and day give the same verdict, rules, cells and
messages, and the file's record (`as_staged`) is the flow's own. Whether a file was checked ahead changes nothing
in a run's result, only when the work was done. Known bytes are never opened: the warehouse's fingerprints are
read first, read-only; when it cannot be read (another job is writing it, it is damaged, it is from an older
version) nothing is checked ahead.

The private copies live in a spool folder (cotmoc/pipeline/spool.py) that is removed with the workers, or by the
next run when this one is killed.
"""
from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

from cotmoc.core.config import Settings
from cotmoc.pipeline import staging
from cotmoc.pipeline.checking import CheckedFile, check_files, file_facts
from cotmoc.pipeline.inbox import batched

log = logging.getLogger(__name__)


def batches_ahead(workers: int) -> int:
    """How many batches are checked ahead: twice the flow's own window (one a worker and one ready), enough to keep
    the workers busy through Prefect's start-up on this machine; their results wait in the loading process, so
    this is also what checking ahead adds to its memory."""
    return 2 * (workers + 1)


def new_files(settings: Settings, batches: int, files: list[Path] | None = None) -> list[list[tuple[Path, str]]]:
    """The first `batches` batches (as the run batches them) of the inbox files whose bytes the warehouse does not
    hold, as (inbox path, SHA-256), in the order the run takes them; [] when the warehouse cannot be read. `files`:
    the inbox as cotmoc.pipeline.inbox.discover found it (else it is scanned). Files are fingerprinted a batch's
    worth at a time, and only until enough new ones are found."""
    wanted = batches * settings.batch_files
    files = staging.scan(settings.inbox)[0] if files is None else files
    found: list[tuple[Path, str]] = []
    seen: set[str] = set()
    for start in range(0, len(files), wanted):
        chunk = []
        for path in files[start:start + wanted]:
            sha = staging.fingerprint_regular(path, settings.max_file_bytes)
            if sha is not None:
                chunk.append((path, sha))
        known = known_fingerprints(settings.warehouse, [sha for _, sha in chunk])
        if known is None:
            return []
        for path, sha in chunk:
            if sha not in known and sha not in seen:       # a second copy of the same bytes is a duplicate
                seen.add(sha)
                found.append((path, sha))
        if len(found) >= wanted:
            break
    return batched(found, settings.batch_files)[:batches]


def known_fingerprints(warehouse: Path, sha256s: list[str]) -> set[str] | None:
    """Which of these fingerprints the warehouse holds (read-only, nothing waited for), or None when it cannot be
    read now: the run itself will say why, if it is anything but another job's write."""
    if not sha256s or not warehouse.exists():
        return set()
    from cotmoc.warehouse.db import open_read_only
    from cotmoc.warehouse.load import find_known
    try:
        with open_read_only(warehouse) as con:
            return set(find_known(con, sha256s))
    except Exception as exc:      # busy, damaged, older: checking ahead is only ever a head start
        log.info("not checking ahead: the warehouse cannot be read now (%s)", type(exc).__name__)
        return None


def check_copies(group: list[tuple[Path, str]], settings: Settings, today: date | None,
                 spool: Path) -> dict[Path, CheckedFile]:
    """In a worker: each file copied into `spool` as staging copies it and checked from that copy, the batch as
    one (as the run checks a batch). A file whose bytes are no longer those fingerprinted, or that cannot be
    copied, is left out: the run checks it as usual. The copies go once checked."""
    taken = []
    for path, sha in group:
        try:
            got = staging.take(path, spool, since_ns=time.time_ns(), max_copy_bytes=settings.max_file_bytes)
        except OSError:
            continue
        if isinstance(got, staging.Staged):
            taken.append(((path, sha, got.copy), got.sha256 == sha))
    items = [item for item, same_bytes in taken if same_bytes]
    try:
        checked = check_files(items, settings, today=today) if items else []
    finally:
        for (path, _, copy), _ in taken:
            if copy != path:          # a file over the size limit is fingerprinted where it is, not copied
                copy.unlink(missing_ok=True)
    return {c.path: c for c in checked}


def as_staged(checked: CheckedFile, item: tuple) -> CheckedFile:
    """A file checked ahead, as the run's own check of its staged copy `item` (inbox path, SHA-256, staged copy,
    identity) records it: read from and filed from that copy, its facts taken from it."""
    path, sha, *staged = item
    checked.source = staged[0] if staged else None
    checked.identity = staged[1] if len(staged) > 1 else None
    checked.facts = file_facts(path, sha, checked.source)
    return checked
