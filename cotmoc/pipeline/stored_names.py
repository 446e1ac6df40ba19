"""The names under which cotmoc files what it receives: any length and any bytes in, a name every file system
takes out.

A stored name is `<name>__<sha8><suffix>` (the fingerprint keeps versions apart). Its length is capped so that
every name cotmoc derives from it also fits the 255-byte limit of a name component (ext4, XFS, NTFS, SMB): the
steward's `.loi.xlsx`/`.loi.json`, written through `.<name>.loi.xlsx.part`, and the `-N` that avoids
overwriting a name already taken. The rest is shortened on a UTF-8 character boundary (a Vietnamese title of
200 characters is ~250 bytes). Bytes that are not UTF-8 are replaced (cotmoc.core.inert.shown_name), as are the
characters Windows shares refuse, so what the warehouse records is the name on disk.
"""
from __future__ import annotations

import os
import re

from cotmoc.core.atomic import PART_SUFFIX
from cotmoc.core.steward_files import ANNOTATED_SUFFIX

NAME_MAX_BYTES = 255
_DERIVED_BYTES = len(".") + len(ANNOTATED_SUFFIX + PART_SUFFIX)   # the longest name derived from a stored one
_FREE_BYTES = len("-99999")                            # room for free_path's "-N"
_SUFFIX_MAX_BYTES = 8                                  # ".xlsx": a longer "suffix" is part of the name
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\ufffd]')
STEM_MAX_BYTES = NAME_MAX_BYTES - _DERIVED_BYTES - _FREE_BYTES


def cut_utf8(text: str, max_bytes: int) -> str:
    """The longest start of `text` that is at most `max_bytes` in UTF-8 (never half a character)."""
    return text.encode("utf-8")[:max(max_bytes, 0)].decode("utf-8", "ignore")


def stored_name(file_name: str, sha256: str) -> str:
    """`file_name` as cotmoc stores it: `<name, shortened if need be>__<sha8><suffix>` (see the module doc)."""
    from cotmoc.core.inert import shown_name
    name = _UNSAFE.sub("_", shown_name(file_name).replace("\\x", "_x")).strip(" .") or "bao_cao"
    stem, suffix = os.path.splitext(name)
    if len(suffix.encode("utf-8")) > _SUFFIX_MAX_BYTES:
        stem, suffix = name, ""
    tail = f"__{sha256[:8]}{suffix}"
    return cut_utf8(stem, STEM_MAX_BYTES - len(tail.encode("utf-8"))).rstrip(" .") + tail
