"""Sheet `to_tu_quan`: one row per commune and team type (CONTRACT.md §1).

Convention shared by every sheet schema: the normaliser has already reported each unreadable cell and each
blank required cell as an ERROR and left it NA, so every column here is nullable and the checks judge only
the values that could be read. A value is never reported twice.
"""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from cotmoc.schemas._codes import codes


def present_text(text: pd.Series) -> pd.Series:
    """True where a text cell is NA (reported already) or holds something besides spaces."""
    return (text.isna() | (text.str.strip().str.len() > 0)).fillna(True).astype(bool)


class TeamsSchema(pa.DataFrameModel):
    district: Series[pd.StringDtype] = pa.Field(nullable=True)
    commune: Series[pd.StringDtype] = pa.Field(nullable=True)
    team_type: Series[pd.StringDtype] = pa.Field(isin=codes("team_type"), nullable=True)
    teams: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    members: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    households: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    note: Series[pd.StringDtype] = pa.Field(nullable=True)
    excel_row: Series[int]

    @pa.check("commune", name="not_blank")
    def commune_not_blank(cls, commune: Series[str]) -> Series[bool]:
        return present_text(commune)

    @pa.dataframe_check(name="members_not_fewer_than_teams")
    def members_not_fewer_than_teams(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["members"] >= df["teams"]).fillna(True).astype(bool)

    class Config:
        strict = False      # extra columns were reported by the reader; they are not validated
        coerce = False      # types come from the normaliser; a wrong dtype is an internal error
