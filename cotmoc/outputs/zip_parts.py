"""A zip archive written part by part, where a part taken unchanged from another archive keeps its compressed
bytes: the steward's copy (cotmoc.outputs.steward_direct) changes a few small parts of a workbook and keeps the
large ones as sent, and inflating and deflating those again was most of what the copy cost.

Python's zipfile compresses whatever it writes, so this writes the format itself (APPNOTE 4.3: local headers,
the central directory and its end record), without ZIP64: a workbook the direct copy takes is far below 4 GB.
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from typing import BinaryIO

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_UTF8 = 0x0800
_LIMIT = 0xFFFFFFFF


def _dos(date_time: tuple) -> tuple[int, int]:
    y, mo, d, h, mi, s = date_time
    return (h << 11) | (mi << 5) | (s // 2), (max(y, 1980) - 1980) << 9 | (mo << 5) | d


class PartsZip:
    """Write with `add` (deflated here) and `add_unchanged` (the bytes another archive holds), then `close`."""

    def __init__(self, fp: BinaryIO, level: int = 6):
        self.fp, self.level, self.entries = fp, level, []

    def add(self, name: str, data: bytes, date_time: tuple) -> None:
        packer = zlib.compressobj(self.level, zlib.DEFLATED, -15)
        self._entry(name, zipfile.ZIP_DEFLATED, zlib.crc32(data), packer.compress(data) + packer.flush(), len(data),
                    date_time)

    def add_unchanged(self, source: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """The part `info` of `source`, already read whole and checked there (its CRC), copied as it is stored."""
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ValueError(f"{info.filename}: encrypted, or compressed in another way")
        fp = source.fp
        fp.seek(info.header_offset)
        header = fp.read(_LOCAL.size)
        if len(header) != _LOCAL.size or header[:4] != b"PK\x03\x04":
            raise ValueError(f"{info.filename}: no local header")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        fp.seek(info.header_offset + _LOCAL.size + name_length + extra_length)
        stored = fp.read(info.compress_size)
        if len(stored) != info.compress_size:
            raise ValueError(f"{info.filename}: cut short")
        self._entry(info.filename, info.compress_type, info.CRC, stored, info.file_size, info.date_time)

    def _entry(self, name: str, method: int, crc: int, stored: bytes, size: int, date_time: tuple) -> None:
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else _UTF8
        offset = self.fp.tell()
        if max(offset, len(stored), size) >= _LIMIT:
            raise ValueError("too large for a zip without ZIP64")
        time, date = _dos(date_time)
        self.fp.write(_LOCAL.pack(0x04034B50, 20, flags, method, time, date, crc, len(stored), size,
                                  len(encoded), 0) + encoded)
        self.fp.write(stored)
        self.entries.append((encoded, flags, method, time, date, crc, len(stored), size, offset))

    def close(self) -> None:
        start = self.fp.tell()
        for encoded, flags, method, time, date, crc, stored, size, offset in self.entries:
            self.fp.write(_CENTRAL.pack(0x02014B50, 20, 20, flags, method, time, date, crc, stored, size,
                                        len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        end = self.fp.tell()
        count = len(self.entries)
        if count >= 0xFFFF or end >= _LIMIT:
            raise ValueError("too large for a zip without ZIP64")
        self.fp.write(_END.pack(0x06054B50, 0, 0, count, count, end - start, start, 0))
