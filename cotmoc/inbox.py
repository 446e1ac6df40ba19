"""The inbox: which files wait there, and each one's fingerprint. Light on purpose (no pandas, no DuckDB),
so `cotmoc ingest` can tell at once that there is nothing to do."""
from __future__ import annotations

import hashlib
from pathlib import Path


def discover(inbox: Path) -> list[Path]:
    """Files waiting in the inbox (and its province sub-folders), oldest first.

    Lock files that Excel (~$x.xlsx) and LibreOffice (.~lock.x#) leave behind and hidden files are skipped;
    anything else is processed, so a PDF dropped in by mistake is rejected with a message, not ignored.
    """
    if not inbox.exists():
        return []
    found = [p for p in inbox.rglob("*") if p.is_file()
             and not p.name.startswith(("~$", ".~lock", "."))
             and not any(part.startswith(".") for part in p.relative_to(inbox).parts[:-1])]
    return sorted(found, key=lambda p: (p.stat().st_mtime, str(p)))


def fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes: the identity of a submission, whatever its name."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
