"""Sheet `khen_thuong`: one row per award decision (CONTRACT.md §1). The decision date's place against the
period is a rule in schemas/rules.py (it needs the period)."""
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from cotmoc.schemas._codes import codes


class AwardsSchema(pa.DataFrameModel):
    decision_no: Series[pd.StringDtype] = pa.Field(nullable=True)
    decision_date: Series[pa.DateTime] = pa.Field(nullable=True)
    issuer: Series[pd.StringDtype] = pa.Field(isin=codes("issuer"), nullable=True)
    award_form: Series[pd.StringDtype] = pa.Field(isin=codes("award_form"), nullable=True)
    collectives: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    individuals: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    note: Series[pd.StringDtype] = pa.Field(nullable=True)
    excel_row: Series[int]

    @pa.dataframe_check(name="someone_honoured")
    def someone_honoured(cls, df: pd.DataFrame) -> Series[bool]:
        # NA is not 0: an unreadable count was reported by the normaliser and must not look like "nobody"
        both_zero = (df["collectives"] == 0) & (df["individuals"] == 0)
        return (~both_zero).fillna(True).astype(bool)

    class Config:
        strict = False
        coerce = False
