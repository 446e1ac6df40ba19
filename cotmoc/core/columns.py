"""A table's column as the normaliser converted it, and the typed array it becomes.

The converters give a column's values as Python values: texts, floats, whole numbers or dates, and None for an
empty cell. pandera checks typed arrays, not Python objects, so each column becomes a nullable pandas array
("string", Float64, Int64, datetime64[s]). The arrays are built straight from the values, the way pandas' generic
constructors build them from such values but without their checks of every element.

A column of such plain values is typed as late as possible: it is kept as its values (`Values`), and a batch's
sheet types each column once, from every report's values together, instead of once for each report and then again
to join them (≈ 6 µs a column, forty a report); a long column is typed at once. A column holding any other value
takes pandas' generic way at once, on its own values (`column`), so one report's odd value never changes how
another report's column is typed (tests/test_checks_golden.py and tests/test_frames.py hold the results equal).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

TEXT, DECIMAL, WHOLE, DATE = "text", "decimal", "whole", "date"

_STRING = pd.array([], dtype="string").dtype
_STRING_IS_ARROW = _STRING.storage == "pyarrow" and _STRING.na_value is pd.NA     # pandas' default here
_EXACT_IN_FLOAT = 2 ** 53


def arrow_texts(values: list) -> pd.arrays.ArrowStringArray:
    """Texts or None as pandas' Arrow-backed "string" array, straight from the values (no check of each)."""
    return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))


class Values:
    """One column's plain values (each None or of its kind's plain type), typed when an array is asked for."""
    __slots__ = ("kind", "values")

    def __init__(self, kind: str, values: list):
        self.kind, self.values = kind, values

    def __len__(self) -> int:
        return len(self.values)

    def array(self):
        """The nullable pandas array of the values."""
        return _PLAIN[self.kind](self.values)

    @property
    def dtype(self):
        """The array's dtype, without building it."""
        return _PLAIN_DTYPES[self.kind]


#: a longer column is typed at once: kept, its Python values would live until the batch is typed (a column of the
#: largest admitted file holds 840,000 of them), where the normaliser holds one column's values at a time
KEPT_ROWS = 2_000


def column(kind: str, values: list):
    """A converted column: kept as its Values when they are plain and few, else typed now (pandas' generic way for
    values that are not plain)."""
    if _is_plain(kind, values):
        return Values(kind, values) if len(values) <= KEPT_ROWS else _PLAIN[kind](values)
    return _GENERIC[kind](values)


def as_array(column):
    """The array of a column, whether kept as Values or already typed."""
    return column.array() if isinstance(column, Values) else column


def joined(columns: list):
    """One column of every table of a batch as one array, as pd.concat joins the arrays they become (Values of one
    kind typed once, from all their values); None when the arrays would differ in type (pd.concat would then make
    one type of two)."""
    first = columns[0]
    if isinstance(first, Values) and all(isinstance(c, Values) and c.kind == first.kind for c in columns):
        return Values(first.kind, [v for c in columns for v in c.values]).array()
    arrays = [as_array(c) for c in columns]
    if any(type(a) is not type(arrays[0]) or a.dtype != arrays[0].dtype for a in arrays[1:]):
        return None
    if isinstance(arrays[0], np.ndarray):
        return np.concatenate(arrays)
    return type(arrays[0])._concat_same_type(arrays)


def _is_plain(kind: str, values: list) -> bool:
    if kind == TEXT:
        return _STRING_IS_ARROW and all(v is None or type(v) is str for v in values)
    if kind == DECIMAL:
        return all(v is None or type(v) is float for v in values)
    if kind == DATE:
        return all(v is None or type(v) is date for v in values)
    return all(v is None or -_EXACT_IN_FLOAT < v < _EXACT_IN_FLOAT for v in values)


def _plain_decimals(values: list):
    data = np.array([np.nan if v is None else v for v in values], dtype="float64")
    return pd.arrays.FloatingArray(data, np.isnan(data))        # NaN is NA, as pd.array makes it


def _plain_dates(values: list):
    if any(v is not None for v in values):
        return pd.array(np.array(values, dtype="datetime64[s]"))    # a date's own resolution, as to_datetime gives
    return _generic_dates(values)


def _generic_dates(values: list):
    return pd.to_datetime(pd.Series(values, dtype=object), errors="coerce").array


def _plain_whole_numbers(values: list):
    mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    data = np.fromiter((0 if v is None else v for v in values), dtype="int64", count=len(values))
    return pd.arrays.IntegerArray(data, mask)


def _generic_whole_numbers(values: list):
    """Beyond float precision: through Float64 as it always was (pandas then decides what becomes of them);
    fractions were reported as errors: NA, not truncated."""
    numbers = pd.array(values, dtype="Float64")
    return pd.Series(numbers).where(lambda x: x % 1 == 0).astype("Int64").array


_PLAIN = {TEXT: arrow_texts, DECIMAL: _plain_decimals, DATE: _plain_dates, WHOLE: _plain_whole_numbers}
_GENERIC = {TEXT: lambda values: pd.array(values, dtype="string"),
            DECIMAL: lambda values: pd.array(values, dtype="Float64"),
            DATE: _generic_dates, WHOLE: _generic_whole_numbers}
_PLAIN_DTYPES = {TEXT: _STRING, DECIMAL: pd.Float64Dtype(), WHOLE: pd.Int64Dtype(), DATE: np.dtype("datetime64[s]")}
