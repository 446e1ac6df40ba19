"""Sheet `thong_tin`: the report's own fields, checked as a one-row frame (CONTRACT.md §1).

Field rules live here; rules that need today's date or compare fields with the period (period in the
future, report date before the period) are in schemas/rules.py. Blank or unreadable fields were reported
by the normaliser and are NA here, as in the table sheets.
"""
from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from cotmoc.core import contract, reference
from cotmoc.schemas.failures import Locator
from cotmoc.schemas.teams import present_text

#: Directive 01/CT-TTg was signed on 9 January 2015: no period before 2015 can be reported on.
FIRST_YEAR = 2015
_PERIOD = re.compile(r"^\d{4}(S[12])?$")
_TEXT_FIELDS = ("province", "period", "reporting_unit", "prepared_by", "phone", "template_version")
REACH_FIELDS = contract.REACH_FIELDS      # template version 2: how far the movement reaches


class InfoSchema(pa.DataFrameModel):
    province: Series[pd.StringDtype] = pa.Field(nullable=True)
    period: Series[pd.StringDtype] = pa.Field(nullable=True)
    reporting_unit: Series[pd.StringDtype] = pa.Field(nullable=True)
    prepared_by: Series[pd.StringDtype] = pa.Field(nullable=True)
    phone: Series[pd.StringDtype] = pa.Field(nullable=True)
    report_date: Series[pa.DateTime] = pa.Field(nullable=True)
    template_version: Series[pd.StringDtype] = pa.Field(nullable=True)
    communes_covered: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    communes_total: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    districts: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    border_posts: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)

    @pa.check("province", name="known_province")
    def known_province(cls, code: Series[str]) -> Series[bool]:
        return (code.isna() | code.isin([p.code for p in reference.provinces()])).astype(bool)

    @pa.check("period", name="period_code")
    def period_code(cls, period: Series[str]) -> Series[bool]:
        return period.str.fullmatch(_PERIOD.pattern).fillna(True).astype(bool)

    @pa.check("period", name="period_after_directive")
    def period_after_directive(cls, period: Series[str]) -> Series[bool]:
        year = pd.to_numeric(period.str[:4], errors="coerce")
        return (year.isna() | (year >= FIRST_YEAR)).astype(bool)

    @pa.check("template_version", name="known_template_version")
    def known_template_version(cls, version: Series[str]) -> Series[bool]:
        return (version.isna() | version.str.strip().isin(sorted(contract.KNOWN_TEMPLATE_VERSIONS))).astype(bool)

    @pa.dataframe_check(name="communes_covered_within_total")
    def communes_covered_within_total(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["communes_covered"] <= df["communes_total"]).fillna(True).astype(bool)

    @pa.check("reporting_unit", "prepared_by", name="not_blank")
    def not_blank(cls, text: Series[str]) -> Series[bool]:
        return present_text(text)

    class Config:
        strict = False      # report.info also carries province_as_written and the cell map
        coerce = False


def info_frame(infos: list[dict]) -> pd.DataFrame:
    """Each report.info as one row of the typed frame InfoSchema checks."""
    frame = pd.DataFrame([{code: info.get(code) for code in _TEXT_FIELDS} for info in infos],
                         columns=list(_TEXT_FIELDS)).astype({code: "string" for code in _TEXT_FIELDS})
    frame["report_date"] = pd.to_datetime(pd.Series([info.get("report_date") for info in infos], dtype=object),
                                          errors="coerce")
    for code in REACH_FIELDS:
        frame[code] = pd.array([info.get(code) for info in infos], dtype="Int64")
    return frame


def info_locator(cells: dict[str, str]) -> Locator:
    """Cells of thong_tin come from the reader's map (Report.info_cells: code → 'C9')."""

    def locate(position: int, column: str):
        cell = cells.get(column)
        digits = "".join(ch for ch in cell or "" if ch.isdigit())
        return (int(digits) if digits else None), cell
    return locate
