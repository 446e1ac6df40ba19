"""A problem found in a report: the one record every check produces and every output reads.

Readers, normalisers, schemas and cross-sheet rules all return ``Problem``s; the warehouse stores them
in ``validation_issues``, the steward's annotated workbook colours their cells, and the JSON report
lists them. Messages are written for a data steward who reads Vietnamese and works in Excel:
Vietnamese first, English after, always with how to fix it; their texts live in the message catalogue
(cotmoc/core/messages.toml), and checks build a Problem with cotmoc.core.messages.problem.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

from cotmoc.core.contract import SHEETS
from cotmoc.core.places import parse_cell_ref

ERROR = "error"      # blocks the file
WARNING = "warning"  # recorded, the file still loads


def column_letter(index: int) -> str:
    """1-based column index -> Excel letters (1 -> A, 27 -> AA)."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    severity: str                 # ERROR or WARNING
    rule: str                     # stable machine id, e.g. "number.ambiguous", "segments.km_over_total"
    message_vi: str               # what is wrong, in Vietnamese
    message_en: str               # the same in English
    fix_vi: str = ""              # how to fix it, in Vietnamese
    fix_en: str = ""              # how to fix it, in English
    sheet: str | None = None      # sheet code (thong_tin, to_tu_quan, ...) or None for the whole file
    row: int | None = None        # Excel row number (1-based), None for a whole sheet/column
    column: str | None = None     # column machine code
    cell: str | None = None       # Excel reference, e.g. "D14"
    value: str | None = None      # the value as found in the file, as text

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return asdict(self)

    def place(self, english: bool = False) -> str:
        """Where on its sheet, as a steward looks for it: the cell ("D14"), else the row ("dòng 9", in English
        "row 9"), else "" (a whole sheet or file). A reference that is not a cell gives way to its row, where
        the steward's copy notes it (cotmoc.outputs.steward_list.placements)."""
        if parse_cell_ref(self.cell):
            return self.cell
        if self.row:
            return f"row {self.row}" if english else f"dòng {self.row}"
        return self.cell or ""

    def text_vi(self) -> str:
        """One line for a steward: where, what, how to fix (Vietnamese then English)."""
        where = " / ".join(x for x in (self.sheet, self.place()) if x)
        msg = f"{self.message_vi} — {self.message_en}"
        if self.fix_vi or self.fix_en:
            msg += f". Cách sửa: {self.fix_vi} — Fix: {self.fix_en}"
        return f"[{where}] {msg}" if where else msg


@lru_cache(maxsize=1)
def _sheet_order() -> dict[str, int]:
    return {s.code: i for i, s in enumerate(SHEETS)}


def sort_key(p: Problem):
    """The one order of problems, as a steward works through a file: errors first, then warnings; within each,
    by the template's sheet order (whole-file problems first), then row, then column (a cell's column by its
    index, so B comes before AA). Sorting is stable: equal keys keep the checks' own order."""
    where = parse_cell_ref(p.cell)
    return (0 if p.is_error else 1, _sheet_order().get(p.sheet or "", -1), p.row or (where[0] if where else 0),
            where[1] if where else 0)


def ordered(problems) -> list[Problem]:
    """`problems` in the one order (`sort_key`): the steward's copy, its .loi.json, the summary and the portal."""
    return sorted(problems, key=sort_key)
