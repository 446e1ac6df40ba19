"""Numbers as provinces type them, read the Vietnamese way (CONTRACT.md §1).

Cells that Excel stored as numbers pass through (a fraction in a count column is an error).
Text is read only when it cannot mean two things:
- `.` groups thousands, `,` marks decimals: `2.789` → 2789, `21.790` → 21790, `1.234,5` → 1234.5,
  `365,861` → 365.861; a unit matching the column may follow (`365,861km`, `2.789 hộ`);
- `12.5` (a dot not followed by exactly three digits) can only be a decimal point: read as 12.5;
- refused as ambiguous: a space inside the digits (`3.8 16`), several commas (`12,5,3`), misplaced
  groups (`1.23.4`), and in a km column a lone dot group such as `365.861` (365 861 km by the
  Vietnamese rule, or 365.861 km in English?); `2,789` in a count column (2.789 is no count).
Every text that is read is a repair, reported to the steward as a warning on its cell.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache

from cotmoc.core.contract import UNITS
from cotmoc.core.vntext import clean, fold

_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")      # 2.789   1.234.567   1.234,5
_DECIMAL_COMMA = re.compile(r"^-?\d+(,\d+)?$")              # 365,861  42
_DECIMAL_DOT = re.compile(r"^-?\d+\.\d+$")                  # 12.5 (not a 3-digit group)

#: why a cell is not read as a number (ParsedNumber.error); what the steward is told of each is in the message
#: catalogue (cotmoc/core/messages.toml: number.unreadable and its cases, number.fraction, ...)
ERRORS = ("not_a_number", "ambiguous", "fraction", "not_finite", "too_large", "is_date")
MAX_COUNT = 2 ** 53          # beyond this a float holds no exact whole number: no count is that large


@dataclass(frozen=True)
class ParsedNumber:
    value: float | int | None
    repaired: bool = False
    error: str | None = None      # a key of ERRORS


def _strip_unit(text: str, column: str) -> str:
    folded_units = sorted((fold(u) for u in UNITS.get(column, ())), key=len, reverse=True)
    lowered = fold(text)
    for unit in folded_units:
        if lowered.endswith(unit):
            # cut the same number of trailing characters from the original (fold keeps letters 1:1)
            stripped = text.rstrip()
            cut = len(stripped) - len(unit)
            if cut > 0 and fold(stripped[cut:]) == unit:
                return stripped[:cut].strip()
    return text


def parse_number(value, *, column: str, integer: bool) -> ParsedNumber:
    """Read one cell as a number of the column's kind (see the module docstring for the rules)."""
    if value is None or isinstance(value, bool):
        return ParsedNumber(None, error=None if value is None else "not_a_number")
    if isinstance(value, (date, time, timedelta)):
        return ParsedNumber(None, error="is_date")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return ParsedNumber(None, error="not_finite")
        if integer and abs(value) >= MAX_COUNT:
            return ParsedNumber(None, error="too_large")
        if integer:
            if float(value).is_integer():
                return ParsedNumber(int(value))
            return ParsedNumber(value, error="fraction")
        return ParsedNumber(float(value))
    return _parse_text(str(value), column, integer)


@lru_cache(maxsize=4096)        # the same few texts ("0", "12 hộ") repeat down a column; ParsedNumber is frozen
def _parse_text(value: str, column: str, integer: bool) -> ParsedNumber:
    text = clean(value)
    if not text:
        return ParsedNumber(None)
    text = _strip_unit(text, column)
    if re.search(r"\d\s+\d", text):
        return ParsedNumber(None, error="ambiguous")
    text = text.replace(" ", "")
    if _GROUPED.match(text):
        if not integer and "," not in text and text.count(".") == 1:
            return ParsedNumber(None, error="ambiguous")
        number = float(text.replace(".", "").replace(",", "."))
    elif _DECIMAL_COMMA.match(text):
        number = float(text.replace(",", "."))
        if integer and "," in text:
            return ParsedNumber(None, error="ambiguous" if len(text.split(",")[1]) == 3 else "fraction")
    elif _DECIMAL_DOT.match(text):
        number = float(text)
    else:
        return ParsedNumber(None, error="ambiguous" if re.fullmatch(r"[-\d.,]+", text) else "not_a_number")
    if not math.isfinite(number):
        return ParsedNumber(None, error="not_finite")
    if integer:
        if abs(number) >= MAX_COUNT:
            return ParsedNumber(None, error="too_large")
        if not number.is_integer():
            return ParsedNumber(number, repaired=True, error="fraction")
        return ParsedNumber(int(number), repaired=True)
    return ParsedNumber(number, repaired=True)
