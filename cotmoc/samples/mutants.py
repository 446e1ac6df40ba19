"""Mutations of a valid report for the fuzz test (tests/test_fuzz.py): each reproducible from its (kind, seed)."""
from __future__ import annotations

import struct
import zipfile

MUTATIONS = ("flip_xml", "truncate_part", "rename_part", "delete_part", "duplicate_part", "reencode_part",
             "lying_sizes", "flip_container", "cut_container", "swap_parts")


def mutate(data: bytes, kind: str, seed: int) -> bytes:
    """`data` (a valid .xlsx) changed by one mutation `kind`, chosen by `seed` (the same pair, the same bytes)."""
    import io
    import random
    import warnings
    rng = random.Random(f"{kind}:{seed}")
    if kind == "flip_container":
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if kind == "cut_container":
        return data[:rng.randrange(len(data))]
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    # the parts the readers parse (the package's properties and theme are read by no one)
    xml_parts = [k for k, (i, _) in enumerate(items) if i.filename.endswith((".xml", ".rels"))
                 and not i.filename.startswith(("docProps/", "xl/theme/"))]
    target = rng.choice(xml_parts)
    if kind == "lying_sizes":
        return _lie_about_size(data, items[target][0].filename, rng)
    info, body = items[target]
    if kind == "flip_xml":
        body = bytearray(body)
        for _ in range(rng.randint(1, 6)):
            body[rng.randrange(len(body))] = rng.choice(b"<>&\"'/=;#!?x\x00\xff\xc3 ")
        items[target] = (info, bytes(body))
    elif kind == "truncate_part":
        items[target] = (info, body[:rng.randrange(len(body))])
    elif kind == "rename_part":
        info = zipfile.ZipInfo(rng.choice(["xl/worksheets/sheetX.xml", info.filename.upper(), info.filename + "~",
                                           "xl/" + info.filename.rsplit("/", 1)[-1]]), info.date_time)
        items[target] = (info, body)
    elif kind == "delete_part":
        del items[target]
    elif kind == "duplicate_part":
        other = items[rng.choice(xml_parts)][1]
        items.insert(rng.randrange(len(items) + 1), (zipfile.ZipInfo(info.filename, info.date_time), other))
    elif kind == "reencode_part":
        encoding = rng.choice(["utf-16", "utf-16-be", "latin-1", "cp1258", "utf-8-sig"])
        items[target] = (info, body.decode("utf-8").encode(encoding, "replace"))
    elif kind == "swap_parts":
        other = rng.choice(xml_parts)
        a, b = items[target], items[other]
        items[target], items[other] = (a[0], b[1]), (b[0], a[1])
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # "Duplicate name": on purpose
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
            for item, content in items:
                zout.writestr(item, content)
    return buffer.getvalue()


def _lie_about_size(data: bytes, part: str, rng) -> bytes:
    import io
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(part)
    size = rng.choice([0, 1, info.file_size // 2, info.file_size + 1, info.file_size * 1000, 0xFFFFFFFF])
    field = rng.choice([18, 22])                     # compressed or uncompressed size in the local header
    struct.pack_into("<I", out, info.header_offset + field, size)
    name = part.encode()
    i = out.find(b"PK\x01\x02")
    while i != -1:
        if out[i + 46:i + 46 + struct.unpack_from("<H", out, i + 28)[0]] == name:
            struct.pack_into("<I", out, i + field + 2, size)     # the central directory's copy of the field
        i = out.find(b"PK\x01\x02", i + 4)
    return bytes(out)
