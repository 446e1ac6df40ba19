"""Places in a workbook a province sent: the sheet that stands for a contract code, a cell reference, a blank
cell. One rule each, for every layer: the reader finds its sheets and skips blank cells with these, the steward's
annotated copy marks and links the same sheets and cells, and problems are ordered by the same references.
"""
from __future__ import annotations

import re
from collections.abc import Collection

from cotmoc.core.vntext import clean

_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def is_blank(value) -> bool:
    """An empty cell: nothing, or text that is only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


MAX_ROW, MAX_COLUMN = 1_048_576, 16_384       # Excel's grid


def parse_cell_ref(ref: str | None) -> tuple[int, int] | None:
    """"D14" → (14, 4); None for anything that is not one cell inside Excel's grid."""
    m = _CELL_REF.match((ref or "").strip())
    if not m:
        return None
    row, col = int(m.group(2)), 0
    for letter in m.group(1).upper():          # "AA" → 27 (openpyxl's rule, without importing openpyxl here)
        col = col * 26 + ord(letter) - 64
    return (row, col) if 1 <= row <= MAX_ROW and 1 <= col <= MAX_COLUMN else None


def sheet_claimants(names: list[str], code: str) -> list[str]:
    """Every sheet that claims `code`: named exactly so first, then named so but for case, spacing or Unicode
    form (a steward's renamed `To_tu_quan ` is still the teams sheet)."""
    return ([code] if code in names else []) + [n for n in names if n != code
                                                and clean(n).lower().replace(" ", "_") == code]


def find_sheet(names: list[str], code: str | None, hidden: Collection[str] = frozenset()) -> str | None:
    """The sheet that is read for `code`: of its claimants, a visible one before a hidden one (None when no
    sheet claims it)."""
    if not code:
        return None
    claimants = sorted(sheet_claimants(names, code), key=lambda n: n in hidden)
    return claimants[0] if claimants else None
