"""Taking files out of the inbox so that what is archived is exactly what was checked.

Each regular file is opened without following links (O_NOFOLLOW, non-blocking so a FIFO never hangs the run),
and copied once into a private staging folder while its SHA-256 is computed: the copy is what gets checked and
what gets filed, so the fingerprint recorded is the fingerprint of the archived bytes, whatever happens to the
inbox entry meanwhile. The inbox entry is removed only once filed, and only if it is still the file that was
copied (else its new bytes wait for the next run).

What is not taken stays in the inbox, and the run says so (an outcome `left`):
- symbolic links, FIFOs, devices, sockets: never opened or followed (a link to /etc/passwd is not a report);
- office lock files (`~$x.xlsx`, `.~lock.x.xlsx#`): the office program still has the file open;
- files still being written: changed since this run began (up to a file server's clock slightly ahead; a
  modification time far in the future is a wrong clock, not a write in progress), or while being copied.
A file larger than the size limit is not copied (it is refused on its size alone): it is fingerprinted where it is.
"""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from cotmoc.core.atomic import replacing
from cotmoc.core.inert import shown_name
from cotmoc.pipeline.inbox import sha256_of

STAGING_DIR = ".dang_xu_ly"          # under the archive: same file system, so filing is a rename
_LOCK_PREFIXES = ("~$", ".~lock")
_CLOCK_SLACK_NS = 2_000_000_000       # a file server's clock a little ahead still counts as "now"

LEFT = {
    "link": ("là liên kết (symlink), không phải file báo cáo: không mở, để nguyên trong hộp thư",
             "is a symbolic link, not a report file: never followed, left in the inbox"),
    "special": ("không phải file thông thường (pipe/thiết bị): không mở, để nguyên trong hộp thư",
                "is not a regular file (a pipe, device or socket): never opened, left in the inbox"),
    "lock": ("là file khóa của Excel/LibreOffice (file gốc đang được mở): để lại trong hộp thư",
             "is an office lock file (the report is still open in Excel/LibreOffice): left in the inbox"),
    "writing": ("đang được chép hoặc sửa: để lại trong hộp thư, lượt sau sẽ nhận",
                "is still being written: left in the inbox for the next run"),
    "gone": ("đã bị xóa hoặc đổi tên trong lúc nhận: bỏ qua", "disappeared while being taken in: skipped"),
}


@dataclass(frozen=True)
class Staged:
    path: Path              # the inbox entry (its name and province folder)
    copy: Path              # the private copy that is checked and filed (== path for a file over the size limit)
    sha256: str
    identity: tuple         # (device, inode, size, mtime) of the inbox entry when it was copied


@dataclass(frozen=True)
class Left:
    path: Path
    reason: str             # a key of LEFT

    def message(self) -> str:
        vi, en = LEFT[self.reason]
        return f"Không nhận: {vi} — Not taken: {en}"


def scan(inbox: Path) -> tuple[list[Path], list[Left]]:
    """Regular files in the inbox and its province sub-folders (oldest first), and what stays behind. Never
    follows a link (not even to a folder); hidden files and folders are not looked at."""
    files, left = [], []
    if not inbox.exists():
        return [], []
    for folder, dirs, names in os.walk(inbox, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder)
        for d in list(dirs):
            if (base / d).is_symlink():
                left.append(Left(base / d, "link"))
        for name in sorted(names):
            path = base / name
            if name.startswith(_LOCK_PREFIXES) or (name.startswith(".~lock") and name.endswith("#")):
                left.append(Left(path, "lock"))
                continue
            if name.startswith("."):
                continue
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(mode):
                left.append(Left(path, "link"))
            elif not stat.S_ISREG(mode):
                left.append(Left(path, "special"))
            else:
                files.append(path)
    files.sort(key=received_order)
    return files, left


def received_order(path: Path) -> tuple:
    """The stable key files are handled in: received time (the file's modification time), then name, then
    where in the inbox. This order is the run's, whatever the batching, the workers or an earlier kill."""
    try:
        mtime = path.lstat().st_mtime_ns
    except FileNotFoundError:
        mtime = 0
    return (mtime, path.name, str(path))


def staging_dir(archive: Path) -> Path:
    return archive / STAGING_DIR


def clear_staging(archive: Path) -> None:
    """Copies a killed run left behind (their inbox entries are still in the inbox: taken again)."""
    shutil.rmtree(staging_dir(archive), ignore_errors=True)


def _identity(st: os.stat_result) -> tuple:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def fingerprint_regular(path: Path, max_bytes: int) -> str | None:
    """The SHA-256 of a regular inbox file of at most `max_bytes`, opened as `take` opens it (no link followed,
    no pipe waited on); None for anything else or what cannot be read."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
            return None
        try:
            return sha256_of(fh)
        except OSError:
            return None


def take(path: Path, archive: Path, *, since_ns: int, max_copy_bytes: int) -> Staged | Left:
    """Copy one inbox file into staging while fingerprinting it (see the module docstring)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return Left(path, "gone")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Left(path, "link")
        raise
    with os.fdopen(fd, "rb") as fh:
        before = os.fstat(fh.fileno())
        if not stat.S_ISREG(before.st_mode):
            return Left(path, "special")
        if since_ns <= before.st_mtime_ns <= time.time_ns() + _CLOCK_SLACK_NS:
            return Left(path, "writing")      # written to since this run began (a far-future time is a clock's)
        digest = hashlib.sha256()
        if before.st_size > max_copy_bytes:          # refused on its size: fingerprinted in place, not copied
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
            return Staged(path, path, digest.hexdigest(), _identity(before))
        folder = staging_dir(archive)
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f".{before.st_ino}-{os.getpid()}.part"
        with part.open("wb") as out:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        after = os.fstat(fh.fileno())
    if _identity(after) != _identity(before):
        part.unlink(missing_ok=True)
        return Left(path, "writing")
    sha = digest.hexdigest()
    os.utime(part, ns=(before.st_atime_ns, before.st_mtime_ns))     # the copy keeps when the file arrived
    copy = folder / f"{sha[:16]}-{before.st_ino}{_suffix(path)}"    # two inbox files may hold the same bytes
    os.replace(part, copy)
    return Staged(path, copy, sha, _identity(before))


def _suffix(path: Path) -> str:
    suffix = os.path.splitext(shown_name(path.name))[1]
    return suffix.lower() if 0 < len(suffix) <= 8 and suffix[1:].isalnum() else ""


def file_away(staged_copy: Path, inbox_entry: Path, identity: tuple | None, dest: Path) -> Path:
    """Move the checked bytes to `dest`, then remove the inbox entry if it is still the file that was copied."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staged_copy, dest)
    except OSError as exc:            # another file system (rejected/ elsewhere): never half a file under `dest`
        if exc.errno != errno.EXDEV:
            raise
        with replacing(dest) as part:
            shutil.copy2(staged_copy, part)
        os.unlink(staged_copy)
    if staged_copy != inbox_entry:
        try:
            now = os.lstat(inbox_entry)
        except FileNotFoundError:
            return dest
        if identity is None or _identity(now) == identity:
            os.unlink(inbox_entry)
    return dest
