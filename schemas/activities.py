"""Sheet `hoat_dong` (template version 2): one row per activity kind, with its count and, where known, the
people and teams it reached (CONTRACT.md §3). Rules that need the period or other rows of the same report
(the year counting starts, one row per kind) are in schemas/rules.py."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from cotmoc.core.contract import YEAR_RANGE
from cotmoc.schemas._codes import codes

PROPAGANDA = "tuyen_truyen"


class ActivitiesSchema(pa.DataFrameModel):
    activity: Series[pd.StringDtype] = pa.Field(isin=codes("activity"), nullable=True)
    count: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    people: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    teams: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    since: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    note: Series[pd.StringDtype] = pa.Field(nullable=True)
    excel_row: Series[int]

    @pa.check("since", name="since_a_year")
    def since_a_year(cls, year: Series[int]) -> Series[bool]:
        return (year.isna() | year.between(*YEAR_RANGE)).fillna(True).astype(bool)

    @pa.dataframe_check(name="people_not_fewer_than_sessions")
    def people_not_fewer_than_sessions(cls, df: pd.DataFrame) -> Series[bool]:
        # every propaganda session has someone listening; other kinds count people differently
        short = (df["activity"] == PROPAGANDA) & (df["people"] < df["count"])
        return (~short).fillna(True).astype(bool)

    @pa.dataframe_check(name="some_activity_figure")
    def some_activity_figure(cls, df: pd.DataFrame) -> Series[bool]:
        # NA is not 0: an unreadable count was reported by the normaliser; blank optional figures are unknown
        nothing = (df["count"] == 0) & df["people"].fillna(0).eq(0) & df["teams"].fillna(0).eq(0)
        return (~nothing).fillna(True).astype(bool)

    class Config:
        strict = False
        coerce = False
