"""How values are SHOWN to people (never how they are read: cotmoc.core.numbers reads).

One home for display rules, so the steward's copy, the national workbook, the terminal tables, the
Prefect artifacts and the portal all write a number, a province or a code the same way:
- numbers the Vietnamese way (`.` groups thousands, `,` marks decimals: 1.563 hộ, 365,861 km), the rule
  babel's `format_decimal(x, locale="vi")` applies; babel's *parser* misreads `365.861`, so reading stays
  with cotmoc.core.numbers;
- provinces by their Vietnamese name, enumeration codes by their Vietnamese label.
"""
from __future__ import annotations

import math

from cotmoc.core import reference


def _decimals(x, decimals: int | None) -> int:
    if decimals is not None:
        return decimals
    value = float(x)
    return 0 if value.is_integer() else len(f"{value:.3f}".rstrip("0").split(".")[1])


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def en_number(x, decimals: int | None = None) -> str:
    """`x` the English way (1,234,567.5), for the English half of a message; `decimals` fixes the decimals
    shown (None: none for a whole number, as many as a fraction needs, at most 3)."""
    if _blank(x):
        return "—"
    places = _decimals(x, decimals)
    return f"{x:,}" if isinstance(x, int) and not places else f"{float(x):,.{places}f}"


def vi_number(x, decimals: int | None = None) -> str:
    """`x` written the Vietnamese way: 1234567.5 → '1.234.567,5' (see en_number for `decimals`)."""
    text = en_number(x, decimals)
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def vi_percent(fraction, decimals: int = 2) -> str:
    """0.912688 → '91,27 %' (Vietnamese decimals)."""
    if _blank(fraction):
        return "—"
    return f"{vi_number(float(fraction) * 100, decimals)} %"


def province_name(code: str | None) -> str:
    """A province code → its Vietnamese name ('son_la' → 'Sơn La'); an unknown code is shown as given."""
    if not code:
        return "—"
    try:
        return reference.province(code).name_vi
    except KeyError:
        return code


def enum_label(enum: str, code: str | None) -> str:
    """An enumeration code → its Vietnamese label ('antt_thon_ban' → 'Tổ tự quản an ninh trật tự thôn, bản')."""
    if not code:
        return "—"
    for value in reference.enumeration(enum):
        if value.code == code:
            return value.label_vi
    return code
