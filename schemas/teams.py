"""Sheet `to_tu_quan`: one row per commune and team type (CONTRACT.md §1)."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas._codes import codes


class TeamsSchema(pa.DataFrameModel):
    """Values that could be read are checked here; unreadable or missing cells were reported by the
    normaliser, so every column is nullable."""
    district: Series[pd.StringDtype] = pa.Field(nullable=True)
    commune: Series[pd.StringDtype] = pa.Field(nullable=True)
    team_type: Series[pd.StringDtype] = pa.Field(isin=codes("team_type"), nullable=True)
    teams: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    members: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    households: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    note: Series[pd.StringDtype] = pa.Field(nullable=True)
    excel_row: Series[int]

    @pa.dataframe_check(name="members_not_fewer_than_teams")
    def members_not_fewer_than_teams(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["members"].isna() | df["teams"].isna() | (df["members"] >= df["teams"])).astype(bool)

    class Config:
        strict = False
        coerce = False
