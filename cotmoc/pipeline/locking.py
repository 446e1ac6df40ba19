"""One ingest at a time per warehouse, whoever starts it (two schedules overlapping, a manual run during
a scheduled one, two machines on a shared disk): an OS file lock beside the warehouse, held for the
whole run. The second run waits for it up to a limit, then skips with a clear message."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


class WarehouseLocked(RuntimeError):
    """Another ingest holds the warehouse; this run did not start."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.lock")


@contextmanager
def ingest_lock(warehouse: Path, *, wait_seconds: float = 600, on_wait=None):
    """Hold the warehouse's ingest lock; `on_wait(holder_pid)` is told once if another run holds it."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+")
    deadline = time.monotonic() + wait_seconds
    told = False
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait:
                    fh.seek(0)
                    on_wait(fh.read().strip() or "?")
                    told = True
                if time.monotonic() >= deadline:
                    raise WarehouseLocked(
                        f"Một lượt nhận báo cáo khác đang chạy trên kho {warehouse}; lượt này bỏ qua — another ingest "
                        f"run holds {warehouse}; this run is skipped (waited {wait_seconds:.0f} s)") from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)   # also released by the OS if the process dies
        fh.close()
