"""Period codes, DHIS2-style: ``2016`` (a year), ``2016S1`` / ``2016S2`` (half-years).

A half-year and the year it belongs to are different periods: nothing here ever adds them up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from cotmoc.core.errors import UsageError

YEAR = "year"
HALF = "half"
_PATTERN = re.compile(r"^(\d{4})(?:S([12]))?$")


class BadPeriod(UsageError):
    """Raised for text that is not a period code."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    half: int | None = None   # None for a year, 1 or 2 for a half-year

    @classmethod
    def parse(cls, text: object) -> "Period":
        s = str(text).strip().upper().replace(" ", "")
        if isinstance(text, float) and float(text).is_integer():
            s = str(int(text))
        m = _PATTERN.match(s)
        if not m:
            raise BadPeriod(f"'{text}' không phải mã kỳ báo cáo (ghi 2024, 2024S1 hoặc 2024S2) — "
                            f"not a period code: {text!r} (write 2024, 2024S1 or 2024S2)")
        year = int(m.group(1))
        if not 1990 <= year <= 2100:
            raise BadPeriod(f"Năm của kỳ '{text}' nằm ngoài 1990–2100 — year out of range: {text!r}")
        return cls(year, int(m.group(2)) if m.group(2) else None)

    @property
    def code(self) -> str:
        return f"{self.year}S{self.half}" if self.half else str(self.year)

    @property
    def kind(self) -> str:
        return HALF if self.half else YEAR

    @property
    def start(self) -> date:
        return date(self.year, 7, 1) if self.half == 2 else date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def is_future(self, today: date | None = None) -> bool:
        """A period that has not started yet cannot be reported on."""
        return self.start > (today or date.today())

    def label_vi(self) -> str:
        if self.half == 1:
            return f"6 tháng đầu năm {self.year}"
        if self.half == 2:
            return f"6 tháng cuối năm {self.year}"
        return f"Năm {self.year}"

    def __str__(self) -> str:
        return self.code


def periods_between(first: Period, last: Period, kind: str) -> list[Period]:
    """Every period of one kind from first to last inclusive (years or half-years)."""
    out = []
    for y in range(first.year, last.year + 1):
        candidates = [Period(y)] if kind == YEAR else [Period(y, 1), Period(y, 2)]
        out += [p for p in candidates if first.start <= p.start and p.end <= last.end]
    return out
