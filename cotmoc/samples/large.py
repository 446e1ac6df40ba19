"""The largest report the size limits admit (COTMOC_MAX_FILE_MB, 50 MB, and COTMOC_MAX_UNCOMPRESSED_MB, 500 MB
unpacked: the second binds first), and the same report with one bad cell: what the benchmark and the memory
test check and answer.

Writing 840,000 rows through the template takes minutes, so the report with the bad cell is not written again:
its one cell is changed in the sheet's XML, streamed (cotmoc.outputs.steward_stream), in seconds.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from cotmoc.core import contract
from cotmoc.core.package import sheet_parts
from cotmoc.outputs.steward_stream import sheet_pieces
from cotmoc.samples.generator import generate_report

#: segment rows of the largest report: 45 MB as the template writes them and 491 MB unpacked, under the limits (50 MB, 500 MB unpacked)
LARGEST_ROWS = 840_000
BAD_TEXT = "mười hai"          # a count written in words: number.unreadable, an ERROR on that cell alone


def write_largest(out_dir: Path | str, *, rows: int = LARGEST_ROWS, seed: int = 2) -> Path:
    """Nghệ An's 2024 report with `rows` segment rows (valid: the generator's figures add up)."""
    report = generate_report("nghe_an", "2024", seed=seed, segment_rows=rows)
    return report.write(Path(out_dir) / report.file_name)


def with_one_bad_cell(src: Path | str, dst: Path | str, *, sheet: str = "doan_bien_gioi",
                      column: str = "households", row: int | None = None) -> str:
    """Copy `src` to `dst` with the cell of `column` on `row` (default: the middle data row) holding BAD_TEXT;
    returns the cell's reference (e.g. "J440003")."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        part = sheet_parts(zin)[sheet]
        if row is None:
            with zin.open(part) as fp:
                last = max(piece[1] for piece in sheet_pieces(fp) if piece[0] == "row")
            row = (contract.FIRST_DATA_ROW + last) // 2
        ref = None
        for info in zin.infolist():
            if info.filename != part:
                with zin.open(info) as r, zout.open(info, "w") as w:
                    shutil.copyfileobj(r, w, 1 << 20)
                continue
            with zin.open(info) as r, zout.open(info.filename, "w") as w:
                for piece in sheet_pieces(r):
                    data = piece[-1]
                    if piece[0] == "row" and piece[1] == contract.CODE_ROW:
                        letter = re.search(rb'<c r="([A-Z]+)\d+"[^>]*><is><t>' + column.encode() + rb"</t>", data)
                        ref = f"{letter.group(1).decode()}{row}"
                    elif piece[0] == "row" and piece[1] == row:
                        cell = re.compile(rb'<c r="' + ref.encode() + rb'"([^>]*?)(?:/>|>.*?</c>)', re.S)
                        style = re.search(rb'\ss="\d+"', cell.search(data).group(1))
                        bad = f'<c r="{ref}"{style.group(0).decode() if style else ""} t="inlineStr"><is><t>' \
                              f"{BAD_TEXT}</t></is></c>"
                        data = cell.sub(bad.encode(), data, count=1)
                    w.write(data)
    return ref
