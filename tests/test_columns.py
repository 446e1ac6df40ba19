"""A column the normaliser converted is kept as its plain values and typed late, once for a whole batch
(cotmoc.core.columns): the array built from every report's values is the one pd.concat makes of the arrays each
report's values would make, dtype and array type included, and a column with any other value is typed at once,
pandas' generic way, on its own values."""
from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from cotmoc.core.columns import DATE, DECIMAL, KEPT_ROWS, TEXT, WHOLE, Values, as_array, column, joined

PLAIN = {
    TEXT: [[], [None], ["Mường Nhé", None, ""], ["a"] * 3],
    DECIMAL: [[], [None], [0.5, None, -0.0, 1e300], [3.0]],
    WHOLE: [[], [None], [1, None, -3, 2 ** 53 - 1], [0]],
    DATE: [[], [None, None], [date(2020, 1, 5), None, date(1900, 3, 1)], [date(2024, 12, 31)]],
}
ODD = {TEXT: [1, "a"], DECIMAL: [1, None, 2.5], WHOLE: [2 ** 60, None, 4], DATE: [datetime(2020, 1, 1, 12), None]}


def _same(a, b) -> None:
    assert type(a) is type(b) and a.dtype == b.dtype
    pd.testing.assert_series_equal(pd.Series(a), pd.Series(b), check_exact=True)


@pytest.mark.parametrize("kind", PLAIN)
def test_plain_values_are_kept_and_give_their_dtype_without_being_built(kind):
    for values in PLAIN[kind]:
        kept = column(kind, values)
        assert isinstance(kept, Values) and len(kept) == len(values)
        assert kept.dtype == kept.array().dtype


@pytest.mark.parametrize("kind", PLAIN)
def test_a_batch_column_typed_once_is_pd_concat_of_each_reports_array(kind):
    columns = [column(kind, v) for v in PLAIN[kind]]
    expected = pd.concat([pd.Series(c.array()) for c in columns], ignore_index=True).array
    _same(joined(columns), expected)
    _same(joined(columns[2:3]), columns[2].array())


@pytest.mark.parametrize("kind", ODD)
def test_a_column_with_another_value_is_typed_at_once_and_joined_as_pd_concat_joins_it(kind):
    odd = column(kind, ODD[kind])
    assert not isinstance(odd, Values)
    plain = column(kind, PLAIN[kind][2])
    expected = pd.concat([pd.Series(odd), pd.Series(plain.array())], ignore_index=True).array
    got = joined([odd, plain])
    if got is None:               # of another type than the plain ones: pd.concat's own way (frames.concatenated)
        assert odd.dtype != plain.dtype or type(odd) is not type(plain.array())
    else:
        _same(got, expected)
    assert as_array(odd) is odd


@pytest.mark.parametrize("kind", PLAIN)
def test_a_long_column_is_typed_at_once_so_its_python_values_are_not_held(kind):
    values = PLAIN[kind][2] * (KEPT_ROWS // 3 + 1)
    typed = column(kind, values)
    assert not isinstance(typed, Values) and len(typed) > KEPT_ROWS
    _same(typed, Values(kind, values).array())
    _same(joined([typed, column(kind, PLAIN[kind][3])]),
          pd.concat([pd.Series(typed), pd.Series(Values(kind, PLAIN[kind][3]).array())], ignore_index=True).array)


def test_columns_of_different_types_are_not_joined():
    assert joined([column(WHOLE, [1]), column(DECIMAL, [0.5])]) is None
    assert joined([np.array([1, 2]), np.array([3])]).tolist() == [1, 2, 3]
    assert joined([np.array([1]), np.array([0.5])]) is None
