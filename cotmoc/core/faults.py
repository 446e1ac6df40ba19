"""Faults: what cotmoc says, and with which exit code, when it cannot do its job. Every fault a person can
meet (another writer, a full disk, a read-only folder, a damaged warehouse) is one of these, raised with a
Vietnamese-then-English message. Every fault, like every error cotmoc raises for a person, is a `CotmocError`
(cotmoc/core/errors.py); the CLI prints its message (never a traceback) and exits with its code:

| code | meaning                                                                     |
|------|-----------------------------------------------------------------------------|
| 0    | done                                                                        |
| 1    | a bug in cotmoc: the traceback is shown, with a line asking to report it    |
| 2    | usage: a wrong option or value, or nothing to work on yet (`UsageError`)    |
| 3    | busy: another writer holds the warehouse past the wait                      |
| 4    | a fault in the environment: disk full, read-only folder, permissions, inbox gone |
| 5    | the warehouse is damaged (see `cotmoc rebuild`)                             |
| 130/143 | stopped by SIGINT/SIGTERM (cotmoc/stopping.py): what was done is complete |

Also the crash (and pause) points of the fault-injection tests: `COTMOC_CRASH_AT=<step>` kills the process (SIGKILL, as
the OOM killer or a power cut would) when the ingest, or an approval command, reaches that step. Inert unless the variable is set."""
from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

STEPS = ("read", "validate", "mid_transaction", "after_commit", "before_move", "after_move")
#: cotmoc approve / unlock (cotmoc.pipeline.approval): inside each one's transaction, and a release's file move
APPROVAL_STEPS = ("approve", "unlock", "release", "release_move")
#: writing a steward's annotated copy (cotmoc.outputs.steward_report.write_steward_files): a kill there ends the check
#: worker writing it (tests/test_parallel.py), or the run where the copy is written in its own process
ANNOTATING_STEP = "annotating"
from cotmoc.core.errors import (EXIT_BUSY, EXIT_DAMAGED, EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE,  # noqa: F401 (API)
                                CotmocError)


class Fault(CotmocError, RuntimeError):
    """A fault of the machine or of another process that cotmoc explains (the error root: cotmoc/core/errors.py);
    each kind has its exit code."""
    exit_code = 1

    def failed_state(self, logger):
        """A flow's end on this fault: the message logged once, a Failed state naming the exit code (calling
        the flow raises this fault again, so the CLI still exits with its code, without repeating it)."""
        from prefect.states import Failed
        logger.error(str(self))
        self.reported = True
        return Failed(message=f"{type(self).__name__} (exit {self.exit_code}): xem nhật ký — see the log", data=self)


class Busy(Fault):
    """Another process holds the warehouse."""
    exit_code = EXIT_BUSY


class EnvironmentFault(Fault):
    """The machine stopped the job: no space, a read-only folder, a missing permission, a vanished folder."""
    exit_code = EXIT_ENVIRONMENT


class WarehouseDamaged(Fault):
    """The warehouse file cannot be trusted (truncated, overwritten, a corrupt block)."""
    exit_code = EXIT_DAMAGED


_WHY = {
    errno.ENOSPC: ("ổ đĩa đã đầy", "the disk is full", "Giải phóng dung lượng rồi chạy lại", "Free some space and run again"),
    errno.EDQUOT: ("đã hết hạn mức đĩa", "the disk quota is used up", "Giải phóng dung lượng rồi chạy lại",
                   "Free some space and run again"),
    errno.EROFS: ("thư mục chỉ cho phép đọc", "the folder is on a read-only file system",
                  "Cho phép ghi vào thư mục (mount lại ở chế độ ghi)", "Make the folder writable (remount it read-write)"),
    errno.EACCES: ("không có quyền ghi/đọc", "permission denied", "Cấp quyền cho tài khoản chạy cotmoc",
                   "Give the account running cotmoc access"),
    errno.EPERM: ("không được phép", "operation not permitted", "Cấp quyền cho tài khoản chạy cotmoc",
                  "Give the account running cotmoc access"),
    errno.ENOENT: ("thư mục hoặc file không còn", "a folder or file vanished", "Kiểm tra đường dẫn trong cấu hình",
                   "Check the paths in the configuration"),
}


#: a path a person typed that the machine refuses: said at the command line (cotmoc.cli) only. Inside a run the
#: same errors are cotmoc's own paths gone wrong, which the ingest's recovery skips instead of stopping on
_PATH_WHY = {
    errno.ENOTDIR: ("một phần của đường dẫn không phải thư mục", "a part of the path is not a folder",
                    "Kiểm tra đường dẫn", "Check the path"),
    errno.EEXIST: ("đã có một file cùng tên ở chỗ cần một thư mục", "a file of that name is where a folder must be",
                   "Chọn đường dẫn khác", "Choose another path"),
    errno.EISDIR: ("đường dẫn là một thư mục, không phải file", "the path is a folder, not a file",
                   "Ghi tên file đầy đủ", "Give a file name"),
    errno.ENAMETOOLONG: ("tên file hoặc đường dẫn quá dài", "the file name or path is too long",
                         "Chọn tên ngắn hơn", "Choose a shorter name"),
}


def environment_fault(exc: BaseException, doing_vi: str, doing_en: str, *,
                      given_path: bool = False) -> EnvironmentFault | None:
    """An OSError (or DuckDB's I/O error wrapping one) as an EnvironmentFault, or None when it is not one of
    the machine's faults (then it is a bug and stays a bug). `given_path`: the path came from the person
    running the command, so a path that cannot be used is theirs to change (_PATH_WHY), not a bug."""
    why = _WHY | _PATH_WHY if given_path else _WHY
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code is None:                      # DuckDB reports OS errors as text
        for candidate, needle in ((errno.ENOSPC, "No space left"), (errno.EROFS, "Read-only file system"),
                                  (errno.EACCES, "Permission denied"), (errno.EDQUOT, "Disk quota")):
            if needle in text:
                code = candidate
    if code not in why:
        return None
    vi, en, fix_vi, fix_en = why[code]
    where = getattr(exc, "filename", None)
    at = f" ({where})" if where else ""
    return EnvironmentFault(f"Không thể {doing_vi}: {vi}{at}. {fix_vi}; không có gì bị ghi dở — cannot {doing_en}: "
                            f"{en}{at}. {fix_en}; nothing was left half-done. [{text}]")


def command_line(pid: int) -> str:
    """The command a process runs (from /proc), or '?' when it cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    parts = [p.decode(errors="replace") for p in raw.split(b"\0") if p]
    return " ".join(Path(parts[0]).name if i == 0 else p for i, p in enumerate(parts)) or "?"


def pause_point(step: str) -> None:
    """`COTMOC_PAUSE_AT=<step>:<seconds>` makes the job wait there (the lock tests hold a real writer)."""
    name, _, seconds = os.environ.get("COTMOC_PAUSE_AT", "").partition(":")
    if name == step:
        import time
        time.sleep(float(seconds or 1))


def crash_point(step: str) -> None:
    if os.environ.get("COTMOC_CRASH_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)
