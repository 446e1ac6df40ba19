"""One writer at a time per warehouse, whoever it is (a scheduled ingest, a manual one, the rollup, an
approval, two machines on a shared disk): an OS file lock beside the warehouse, held for the whole job. The
holder writes who it is into the lock file (pid, command, purpose, since), so a job that waits can say who
it waits for. A job waits up to `lock_wait_seconds`, then stops with a clear message (exit code 3)."""
from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from cotmoc.core.faults import Busy, EnvironmentFault, command_line, environment_fault, pause_point  # noqa: F401

PURPOSES_VI = {"ingest": "nhận báo cáo", "rollup": "tổng hợp", "approve": "phê duyệt", "unlock": "mở khoá",
               "rebuild": "dựng lại kho", "backup": "sao lưu"}


class WarehouseLocked(Busy):
    """Another cotmoc writer held the warehouse past the wait; this job did not start."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.lock")


def describe_holder(text: str) -> str:
    """The lock file's content as a phrase: 'ingest (pid 123: cotmoc ingest --plain, since 10:02:03)'."""
    try:
        holder = json.loads(text)
        return (f"{holder['purpose']} / {PURPOSES_VI.get(holder['purpose'], holder['purpose'])} "
                f"(pid {holder['pid']}: {holder['command']}, từ/since {holder['since']})")
    except (ValueError, KeyError, TypeError):
        return f"pid {text.strip() or '?'}"


@contextmanager
def warehouse_lock(warehouse: Path, *, purpose: str = "ingest", wait_seconds: float = 600, on_wait=None):
    """Hold the warehouse's writer lock for `purpose`; `on_wait(holder)` is told once (a phrase naming the
    holder) if another job holds it. Raises WarehouseLocked after `wait_seconds`."""
    path = lock_path(warehouse)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = path.open("a+")
    except OSError as exc:                 # a read-only or missing folder: said, with nothing touched
        raise (environment_fault(exc, "giữ khoá kho dữ liệu", "take the warehouse lock")
               or EnvironmentFault(f"Không tạo được khoá {path} — cannot create the lock {path}: {exc}")) from None
    deadline = time.monotonic() + wait_seconds
    told = False
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                fh.seek(0)
                holder = describe_holder(fh.read())
                if not told and on_wait:
                    on_wait(holder)
                    told = True
                if time.monotonic() >= deadline:
                    raise WarehouseLocked(
                        f"Kho dữ liệu {warehouse} đang được cotmoc ghi: {holder}. Đã chờ {wait_seconds:.0f} giây; "
                        f"việc {PURPOSES_VI.get(purpose, purpose)} dừng lại, không có gì thay đổi — the warehouse "
                        f"is being written by another cotmoc job: {holder}. Waited {wait_seconds:.0f} s; this "
                        f"{purpose} stopped, nothing changed") from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "purpose": purpose,
                             "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "?",
                             "since": datetime.now().isoformat(timespec="seconds")}, ensure_ascii=False))
        fh.flush()
        pause_point("locked")
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)   # also released by the OS if the process dies
        fh.close()


def ingest_lock(warehouse: Path, *, wait_seconds: float = 600, on_wait=None, purpose: str = "ingest"):
    """The writer lock taken for an ingest (kept under this name: callers use it)."""
    return warehouse_lock(warehouse, purpose=purpose, wait_seconds=wait_seconds, on_wait=on_wait)
