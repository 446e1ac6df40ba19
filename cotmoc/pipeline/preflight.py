"""Before a writer touches anything: every folder it writes is there and writable, and has room. After: any
fault of the machine met on the way (a full disk, a read-only folder, a missing permission, a vanished
folder) becomes an EnvironmentFault with its message (exit code 4), never a traceback."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from cotmoc.core.faults import EnvironmentFault, Fault, environment_fault

_MB = 1024 * 1024


def writable(folder: Path) -> None:
    """Create the folder if needed and write a probe file in it, or raise the EnvironmentFault saying why."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".cotmoc-probe-{os.getpid()}"
        probe.write_bytes(b"1")
        probe.unlink()
    except OSError as exc:
        raise (environment_fault(exc, f"ghi vào thư mục {folder}", f"write to {folder}")
               or EnvironmentFault(f"Không thể ghi vào thư mục {folder} — cannot write to {folder}: {exc}")) from None


def check_space(folders: list[Path], *, warn_bytes: int, min_bytes: int, on_warning=None) -> None:
    """Free space on each file system the job writes to: under `min_bytes` the job is refused; under
    `warn_bytes` it runs, and `on_warning(message)` is told."""
    seen = set()
    for folder in folders:
        device = folder.stat().st_dev
        if device in seen:
            continue
        seen.add(device)
        free = shutil.disk_usage(folder).free
        if free < min_bytes:
            raise EnvironmentFault(
                f"Ổ đĩa chứa {folder} chỉ còn {free / _MB:.0f} MB trống, dưới mức tối thiểu {min_bytes / _MB:.0f} MB "
                f"(min_free_mb): lượt chạy không bắt đầu, không có gì thay đổi. Giải phóng dung lượng rồi chạy lại — "
                f"only {free / _MB:.0f} MB free on the disk holding {folder}, under the minimum of "
                f"{min_bytes / _MB:.0f} MB (min_free_mb): the run did not start, nothing changed. Free some space "
                f"and run again")
        if free < warn_bytes and on_warning:
            on_warning(f"Cảnh báo: ổ đĩa chứa {folder} chỉ còn {free / _MB:.0f} MB trống (mức cảnh báo "
                       f"{warn_bytes / _MB:.0f} MB, warn_free_mb) — warning: only {free / _MB:.0f} MB free on the disk "
                       f"holding {folder} (warning level {warn_bytes / _MB:.0f} MB)")


def preflight(settings, folders: list[Path], on_warning=None) -> None:
    """The folders a job writes are writable and have room (see `check_space`)."""
    for folder in folders:
        writable(folder)
    check_space(folders, warn_bytes=settings.warn_free_bytes, min_bytes=settings.min_free_bytes,
                on_warning=on_warning)


def ingest_folders(settings) -> list[Path]:
    return [settings.warehouse.parent, settings.archive, settings.rejected]


@contextmanager
def machine_faults(doing_vi: str, doing_en: str):
    """Turn the machine's faults met inside the block into EnvironmentFault (bugs stay bugs)."""
    import duckdb                     # here: `cotmoc ingest` checks the inbox before importing anything heavy
    try:
        yield
    except Fault:
        raise
    except (OSError, duckdb.Error) as exc:
        fault = environment_fault(exc, doing_vi, doing_en)
        if fault is None:
            raise
        raise fault from None


def inbox_present(inbox: Path) -> None:
    """The inbox is a folder that can be listed (a vanished share, an unmounted disk: said, not 'empty')."""
    if not inbox.is_dir():
        raise EnvironmentFault(f"Không tìm thấy hộp thư {inbox} (thư mục đã bị xoá, đổi tên hoặc ổ mạng chưa kết nối); "
                               f"không có gì thay đổi — the inbox {inbox} is not there (removed, renamed, or a share "
                               f"not mounted); nothing changed")
    try:
        next(os.scandir(inbox), None)
    except OSError as exc:
        raise (environment_fault(exc, f"đọc hộp thư {inbox}", f"read the inbox {inbox}")
               or EnvironmentFault(f"Không đọc được hộp thư {inbox} — cannot read the inbox: {exc}")) from None
