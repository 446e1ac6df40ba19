"""pandera failure cases → Problems a steward can act on: sheet, Excel row and cell, the value found, what
is wrong and how to fix it, Vietnamese first, then English. No pandera vocabulary reaches the steward.

Every check a schema runs has an entry in ``CHECKS``, keyed by the check's name (built-in checks by the
part before the bracket: ``greater_than_or_equal_to(0)`` → ``greater_than_or_equal_to``): its rule, whose
texts are in the message catalogue (cotmoc/core/messages.toml). A message may use ``{label_vi}``,
``{label_en}`` (the failing column's labels), ``{value}``, ``{allowed}`` (the labels of the column's
enumeration), ``{hint}`` (the provinces an unknown one resembles), ``{known}`` and ``{current}`` (template
versions) and any column of the failing row by its code (``{members}``, ``{teams}``...).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from cotmoc.core import contract, reference
from cotmoc.core.contract import SHEETS_BY_CODE
from cotmoc.core.display import en_number, vi_number
from cotmoc.core.messages import problem
from cotmoc.core.problems import Problem

#: (position in the frame, column code) → (Excel row, cell reference), either may be None.
Locator = Callable[[int, str], tuple[int | None, str | None]]


@dataclass(frozen=True)
class Check:
    """What a failing pandera check is for the steward: its rule (the texts are the catalogue's,
    cotmoc/core/messages.toml) and the column the problem sits on (None: the failing column itself)."""
    rule: str
    column: str | None = None


CHECKS: dict[str, Check] = {
    # value rules on one cell
    "greater_than_or_equal_to": Check("value.negative"),
    "isin": Check("value.not_allowed"),
    "at_most_three_decimals": Check("segments.km_decimals"),
    "not_blank": Check("value.blank"),
    # rules across the cells of one row: the problem sits on the column named
    "members_not_fewer_than_teams": Check("teams.members_fewer_than_teams", "members"),
    "persons_not_fewer_than_households": Check("segments.persons_fewer_than_households", "persons"),
    "someone_honoured": Check("awards.nobody_honoured", "collectives"),
    "people_not_fewer_than_sessions": Check("activities.people_fewer_than_sessions", "people"),
    "some_activity_figure": Check("activities.nothing_reported", "count"),
    "since_a_year": Check("activities.since_not_a_year"),
    # the report's own fields (sheet thong_tin)
    "communes_covered_within_total": Check("info.communes_covered_over_total", "communes_covered"),
    "known_template_version": Check("template.version_unknown"),
    "known_province": Check("province.unknown"),
    "period_code": Check("period.unreadable"),
    "period_after_directive": Check("period.before_directive"),
}

# A frame that does not have the shape the normaliser promises is our fault, not the steward's.
_INTERNAL = "sheet.internal"
#: fields every check's message may use besides the row's cells: the template versions this system reads
_VERSIONS = {"known": ", ".join(sorted(contract.KNOWN_TEMPLATE_VERSIONS)), "current": contract.TEMPLATE_VERSION}


def message_for(check: str) -> Check | None:
    """What a pandera check name is for the steward, or None for a check that is not about a cell's value."""
    return CHECKS.get(str(check).split("(", 1)[0])


def fmt(value, english: bool = False) -> str:
    """A value for a message: numbers the Vietnamese way (the English way for the English half), whole numbers
    without ',0', dates as dd/mm/yyyy, blanks as 'trống' / 'empty'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "empty" if english else "trống"
    if isinstance(value, pd.Timestamp):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value) if isinstance(value, (float, np.floating)) else int(value)
        if "e" in repr(number):
            return repr(number)                      # 1e-07: too small or large for grouped digits
        digits = repr(number).partition(".")[2]      # every decimal typed (a 4th decimal may be the fault)
        places = 0 if isinstance(number, int) or number.is_integer() else len(digits)
        return (en_number if english else vi_number)(number, places)
    return str(value)


def _allowed(sheet_code: str, column: str) -> str:
    col = SHEETS_BY_CODE[sheet_code].column(column)
    return "; ".join(v.label_vi for v in reference.enumeration(col.enum)) if col.enum else "—"


@lru_cache(maxsize=None)
def _schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    """The model's schema, built once (pandera rebuilds it on every Model.validate: ≈ 30 ms a call)."""
    with _pandas_annotations_only():
        return model.to_schema()


@contextmanager
def _pandas_annotations_only():
    """While a model is built, pandera asks which Series and Index annotation types exist, and to answer it
    imports dask.dataframe whenever dask is installed (it is, for the Dask runner): ≈ 1 s in every process that
    checks a file. cotmoc's models annotate pandas types only, so pandera is told just those."""
    from pandera.api.pandas import model as built
    from pandera.typing import Index, Series
    saved = built.get_index_types, built.get_series_types
    built.get_index_types, built.get_series_types = (lambda: {Index}), (lambda: {Series})
    try:
        yield
    finally:
        built.get_index_types, built.get_series_types = saved


def validate_frame(model: type[pa.DataFrameModel], df: pd.DataFrame, sheet_code: str,
                   locate: Locator) -> list[tuple[int | None, Problem]]:
    """Run one sheet's schema lazily (every failure in one pass) and explain each failure on its cell.
    Returns (row position in `df`, problem) pairs; the position is None for a failure of the whole frame
    (a wrong dtype, a missing column, a check that crashed), which is our fault, not the steward's."""
    df = df.reset_index(drop=True)           # failure indexes are then positions
    try:
        _schema(model).validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    sheet = SHEETS_BY_CODE[sheet_code]
    values = {c: df[c].to_numpy(dtype=object) for c in sheet.codes if c in df.columns}
    found: list[tuple[int | None, Problem]] = []
    seen: set[tuple[str, int, str]] = set()
    for case in cases.itertuples(index=False):
        spec = message_for(case.check)
        located = spec is not None and not pd.isna(case.index)
        column = (spec.column if spec else None) or case.column
        if not located or column not in sheet.codes:
            if spec is None or pd.isna(case.index):
                found.append((None, _internal(sheet_code, case)))   # wrong dtype, missing column, a check that crashed
            continue
        position = int(case.index)
        if (spec.rule, position, column) in seen:
            continue                      # a row check reports each column of a failing row
        seen.add((spec.rule, position, column))
        col = sheet.column(column)
        vi, en = ({c: fmt(v[position], english) for c, v in values.items()} for english in (False, True))
        vi.setdefault(column, fmt(case.failure_case))
        en.setdefault(column, fmt(case.failure_case, True))
        extra = {"label_vi": col.label_vi, "label_en": col.label_en, **_VERSIONS,
                 "allowed": _allowed(sheet_code, column) if spec.rule == "value.not_allowed" else "",
                 "hint": reference.province_hint(vi[column]) if spec.rule == "province.unknown" else ""}
        excel_row, cell = locate(position, column)
        found.append((position, problem(spec.rule, **vi, **extra, en={**en, "value": en[column]}, sheet=sheet_code,
                                        row=excel_row, column=column, cell=cell, value=vi[column])))
    if any(p.rule == _INTERNAL and p.column for _, p in found):
        # a row check that crashed on a missing or mistyped column adds nothing to that column's problem
        found = [(pos, p) for pos, p in found if p.rule != _INTERNAL or p.column]
    return list(dict.fromkeys(found))


_INTERNAL_WHAT = {"dtype": ("kiểu dữ liệu không đúng", "unexpected data type"),
                  "column_in_dataframe": ("thiếu cột", "column missing")}


def _internal(sheet_code: str, case) -> Problem:
    what_vi, what_en = _INTERNAL_WHAT.get(str(case.check).split("(", 1)[0], ("không chạy được phép kiểm tra",
                                                                             "a check could not run"))
    column = case.failure_case if str(case.check) == "column_in_dataframe" else case.column
    return problem(_INTERNAL, checked=column, what=what_vi, en={"what": what_en}, sheet=sheet_code,
                   column=column if column in SHEETS_BY_CODE[sheet_code].codes else None)
