"""The inbox: which files wait there, each one's fingerprint, and how they are grouped into batches. Light on
purpose (no pandas, no DuckDB), so `cotmoc ingest` can tell at once that there is nothing to do, or that the
work is worth worker processes, before it imports anything heavy."""
from __future__ import annotations

import hashlib
from pathlib import Path

BATCH_BYTES = 4 * 1024 * 1024      # a batch holds fewer files when they are large: a big workbook is alone


def discover(inbox: Path) -> list[Path]:
    """Regular files waiting in the inbox (and its province sub-folders), oldest first (cotmoc.pipeline.staging.scan:
    links, pipes and devices are never followed; office lock files and hidden files wait).

    Anything else is processed, so a PDF dropped in by mistake is rejected with a message, not ignored.
    """
    from cotmoc.pipeline.staging import scan
    return scan(inbox)[0]


def fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes: the identity of a submission, whatever its name."""
    with path.open("rb") as fh:
        return sha256_of(fh)


def sha256_of(fh) -> str:
    """SHA-256 of what is left to read in an open binary file, read a block at a time."""
    digest = hashlib.sha256()
    for block in iter(lambda: fh.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def batched(items: list[tuple], max_files: int, max_bytes: int = BATCH_BYTES) -> list[list[tuple]]:
    """Consecutive batches of at most `max_files` files and (unless one file alone is larger) `max_bytes`.
    Items are (path, SHA-256[, staged copy, identity]): a staged copy's size counts."""
    out: list[list[tuple]] = []
    size = 0
    for item in items:
        n = (item[2] if len(item) > 2 and item[2] else item[0]).stat().st_size
        if not out or len(out[-1]) >= max_files or size + n > max_bytes:
            out.append([])
            size = 0
        out[-1].append(item)
        size += n
    return out


def worth_worker_processes(paths: list[Path], batch_files: int) -> bool:
    """More than one batch (the workers check them side by side), or more bytes than one batch holds (a large
    workbook is read in a worker, so the run's own process, which holds Prefect, never holds its cells too)."""
    return len(paths) > batch_files or sum(p.lstat().st_size for p in paths) > BATCH_BYTES
