"""Writing a file so that no reader, and no crash, ever sees half of it: the bytes go to a hidden part file
beside the target (`.<name>.part`, which the inbox skips and a run's start clears), are flushed to disk, renamed
over the target in one step, and the rename itself is flushed with its folder (so a power cut keeps either the
old file or the whole new one). Every file cotmoc writes for others goes through `replacing`.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PART_SUFFIX = ".part"


def part_path(target: Path | str) -> Path:
    """Where `target` is written before it is renamed into place: `.<name>.part` beside it."""
    target = Path(target)
    return target.with_name(f".{target.name}{PART_SUFFIX}")


def _fsync(path: Path, *, folder: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if folder else 0))
    except OSError:
        if folder:
            return                   # a system that cannot open a folder (Windows) flushes renames itself
        raise
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def replacing(target: Path | str) -> Iterator[Path]:
    """Yield the part path to write `target`'s new content to. When the block ends, the part is flushed,
    renamed over `target` and the folder flushed; when it raises, the part is removed and `target` is as it
    was. A check of the written part inside the block (does the copy open?) keeps a bad one out."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(target)
    try:
        yield part
        _fsync(part)
        os.replace(part, target)
        _fsync(target.parent, folder=True)
    finally:
        part.unlink(missing_ok=True)


def write_atomically(target: Path | str, content: str | bytes) -> Path:
    """`content` (text as UTF-8) written to `target` through `replacing`; returns `target`."""
    with replacing(target) as part:
        if isinstance(content, str):
            part.write_text(content, encoding="utf-8")
        else:
            part.write_bytes(content)
    return Path(target)
