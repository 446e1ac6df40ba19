"""Sheet `doan_bien_gioi`: one row per collective's registered stretch of border (CONTRACT.md §1).
Rules that need the province, the reference totals or other rows are in schemas/rules.py."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from cotmoc.schemas._codes import codes
from cotmoc.schemas.teams import present_text


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
    registered_on: Series[pa.DateTime] = pa.Field(nullable=True)
    excel_row: Series[int]

    @pa.check("commune", "collective", name="not_blank")
    def text_not_blank(cls, text: Series[str]) -> Series[bool]:
        return present_text(text)

    @pa.check("length_km", name="at_most_three_decimals")
    def at_most_three_decimals(cls, km: Series[float]) -> Series[bool]:
        # metres must be whole; round(6) absorbs binary noise such as 365.861 * 1000 = 365861.00000000006
        return ((km * 1000).round(6) % 1 == 0).fillna(True).astype(bool)

    @pa.dataframe_check(name="persons_not_fewer_than_households")
    def persons_not_fewer_than_households(cls, df: pd.DataFrame) -> Series[bool]:
        # a stretch with 0 households may still list persons (e.g. militia registered individually)
        return ((df["households"] == 0) | (df["persons"] >= df["households"])).fillna(True).astype(bool)

    class Config:
        strict = False
        coerce = False
