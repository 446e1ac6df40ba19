"""Private folders for the copies checked ahead (cotmoc/pipeline/ahead.py), and their removal after a killed run.

Checking ahead copies inbox files into a folder of its own in the system's temporary folder (the archive's
staging folder belongs to the run holding the writer lock, and checking ahead starts before the lock is taken).
The folder goes when the workers end (cotmoc/pipeline/parallel.py). A run killed outright (SIGKILL, the OOM
killer) cannot remove it, and two runs may check ahead at once (two homes, or a second run waiting for the
lock), so the folder is marked as in use by a lock the system releases when its run dies: every ingest clears
the folders whose lock is free (cotmoc/pipeline/planning.py: clear_leftovers).
"""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

SPOOL_PREFIX = "cotmoc-ahead-"
_IN_USE = ".in-use"              # locked (flock) while the run that made the spool lives
_UNLOCKED_GRACE_S = 3600         # a spool with no lock yet is a run between two system calls, or long dead


class Spool:
    """A private folder (mode 0700, in the system's temporary folder) for the copies checked ahead, locked while
    this process lives (the lock is released when the last process holding it ends: a process forked later
    holds it too). The lock file is locked before it takes its name, so another run never sees it unlocked while
    its maker lives."""

    def __init__(self, parent: Path | None = None):
        self.path = Path(tempfile.mkdtemp(prefix=SPOOL_PREFIX, dir=parent))
        locking = self.path / ".locking"
        self._lock = os.open(locking, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        os.rename(locking, self.path / _IN_USE)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._lock)


def clear_abandoned_spools(parent: Path | None = None) -> list[Path]:
    """Remove the spools of runs that died while checking ahead (their lock is free), and those never locked that
    are over an hour old; another run's spool in use is left alone. Only this user's folders are looked at, and a
    link is never followed. Returns the folders removed."""
    removed = []
    for folder in Path(parent or tempfile.gettempdir()).glob(SPOOL_PREFIX + "*"):
        try:
            st = folder.lstat()
        except OSError:               # gone meanwhile
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            continue
        try:
            lock = os.open(folder / _IN_USE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            if time.time() - st.st_mtime > _UNLOCKED_GRACE_S:
                removed.append(_remove(folder))
            continue
        except OSError:               # removed meanwhile, not ours to read: left alone
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:               # in use by a living run
            continue
        else:
            removed.append(_remove(folder))
        finally:
            os.close(lock)
    return removed


def _remove(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    log.info("removed the copies a killed run had checked ahead: %s", folder)
    return folder
