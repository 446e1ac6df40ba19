"""The inbox: which files wait there, each one's fingerprint, and how they are grouped into batches. Light on
purpose (no pandas, no DuckDB), so `cotmoc ingest` can tell at once that there is nothing to do, or that the
work is worth worker processes, before it imports anything heavy."""
from __future__ import annotations

import hashlib
from pathlib import Path

BATCH_BYTES = 4 * 1024 * 1024      # a batch holds fewer files when they are large: a big workbook is alone


def discover(inbox: Path) -> list[Path]:
    """Files waiting in the inbox (and its province sub-folders), oldest first: by received time (the file's
    modification time), then name, then folder. This order is the run's, whatever the batching or workers.

    Lock files that Excel (~$x.xlsx) and LibreOffice (.~lock.x#) leave behind and hidden files are skipped;
    anything else is processed, so a PDF dropped in by mistake is rejected with a message, not ignored.
    """
    if not inbox.exists():
        return []
    found = [p for p in inbox.rglob("*") if p.is_file()
             and not p.name.startswith(("~$", ".~lock", "."))
             and not any(part.startswith(".") for part in p.relative_to(inbox).parts[:-1])]
    return sorted(found, key=received_order)


def received_order(path: Path) -> tuple:
    """The stable key files are handled in: received time, then name, then where in the inbox."""
    return (path.stat().st_mtime_ns, path.name, str(path))


def fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes: the identity of a submission, whatever its name."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def batched(items: list[tuple[Path, str]], max_files: int,
            max_bytes: int = BATCH_BYTES) -> list[list[tuple[Path, str]]]:
    """Consecutive batches of at most `max_files` files and (unless one file alone is larger) `max_bytes`."""
    out: list[list[tuple[Path, str]]] = []
    size = 0
    for path, sha in items:
        n = path.stat().st_size
        if not out or len(out[-1]) >= max_files or size + n > max_bytes:
            out.append([])
            size = 0
        out[-1].append((path, sha))
        size += n
    return out


def worth_worker_processes(paths: list[Path], batch_files: int) -> bool:
    """More than one batch (the workers check them side by side), or more bytes than one batch holds (a large
    workbook is read in a worker, so the run's own process, which holds Prefect, never holds its cells too)."""
    return len(paths) > batch_files or sum(p.stat().st_size for p in paths) > BATCH_BYTES
