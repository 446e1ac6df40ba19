"""Sheet `doan_bien_gioi`: one row per collective's registered stretch of border (CONTRACT.md §1)."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas._codes import codes


class SegmentsSchema(pa.DataFrameModel):
    border: Series[pd.StringDtype] = pa.Field(isin=codes("border"), nullable=True)
    district: Series[pd.StringDtype] = pa.Field(nullable=True)
    commune: Series[pd.StringDtype] = pa.Field(nullable=True)
    collective: Series[pd.StringDtype] = pa.Field(nullable=True)
    marker_from: Series[pd.StringDtype] = pa.Field(nullable=True)
    marker_to: Series[pd.StringDtype] = pa.Field(nullable=True)
    length_km: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    markers: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    border_works: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    households: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    persons: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    excel_row: Series[int]

    @pa.check("length_km", name="at_most_three_decimals")
    def at_most_three_decimals(cls, km: Series[float]) -> Series[bool]:
        return (km.isna() | ((km * 1000).round(6) % 1 == 0)).astype(bool)

    @pa.dataframe_check(name="persons_not_fewer_than_households")
    def persons_not_fewer_than_households(cls, df: pd.DataFrame) -> Series[bool]:
        ok = df["persons"].isna() | df["households"].isna() | (df["households"] == 0) | (df["persons"] >= df["households"])
        return ok.astype(bool)

    class Config:
        strict = False
        coerce = False
