"""A zip archive written part by part, where a part taken unchanged from another archive keeps its compressed
bytes: the steward's copy (cotmoc.outputs.steward_direct) changes a few small parts of a workbook and keeps the
large ones as sent, and inflating and deflating those again was most of what the copy cost.

Python's zipfile compresses whatever it writes, so this writes the format itself (APPNOTE 4.3: local headers,
the central directory and its end record), without ZIP64: a workbook the direct copy takes is far below 4 GB.
The archive read (`PartsRead`) is one read of the file, each part inflated from those bytes with the checks
zipfile makes (its header, its size, its CRC): zipfile's own reader, part by part through a file object, cost
the copy ≈ 0.3 ms more a workbook.
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


class PartsRead:
    """The parts of the archive `source` (its central directory read by zipfile), from the file's bytes, read
    once. A part that is not as its directory says (another name, size or CRC, encrypted, compressed another
    way) raises zipfile.BadZipFile."""

    def __init__(self, source: zipfile.ZipFile):
        source.fp.seek(0)
        self.data = source.fp.read()

    def stored(self, info: zipfile.ZipInfo) -> bytes:
        """The part's bytes as the archive stores them."""
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise zipfile.BadZipFile(f"{info.filename}: encrypted, or compressed in another way")
        at = info.header_offset
        header = self.data[at:at + _LOCAL.size]
        if len(header) != _LOCAL.size or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"{info.filename}: no local header")
        flags, = struct.unpack("<H", header[6:8])
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        name = self.data[at + _LOCAL.size:at + _LOCAL.size + name_length]
        if name.decode("utf-8" if flags & _UTF8 else "cp437", errors="replace") != info.orig_filename:
            raise zipfile.BadZipFile(f"{info.filename}: named otherwise in its local header")
        start = at + _LOCAL.size + name_length + extra_length
        stored = self.data[start:start + info.compress_size]
        if len(stored) != info.compress_size:
            raise zipfile.BadZipFile(f"{info.filename}: cut short")
        return stored

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The part's bytes, inflated (never more than its directory entry says), its size and CRC checked."""
        stored = self.stored(info)
        if info.compress_type == zipfile.ZIP_STORED:
            data = stored
        else:
            try:
                data = zlib.decompressobj(-15).decompress(stored, info.file_size + 1)
            except zlib.error as exc:
                raise zipfile.BadZipFile(f"{info.filename}: {exc}") from None
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"{info.filename}: not the size or CRC its directory gives")
        return data


class PartsZip:
    """Write with `add` (deflated here) and `add_unchanged` (the bytes another archive holds), then `close`."""

    def __init__(self, fp: BinaryIO, level: int = 6):
        self.fp, self.level, self.entries = fp, level, []

    def add(self, name: str, data: bytes, date_time: tuple) -> None:
        packer = zlib.compressobj(self.level, zlib.DEFLATED, -15)
        self._entry(name, zipfile.ZIP_DEFLATED, zlib.crc32(data), packer.compress(data) + packer.flush(), len(data),
                    date_time)

    def add_unchanged(self, source: PartsRead, info: zipfile.ZipInfo) -> None:
        """The part `info` of `source`, already read whole and checked there (its size and CRC), copied as it is
        stored."""
        self._entry(info.filename, info.compress_type, info.CRC, source.stored(info), info.file_size, info.date_time)

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
