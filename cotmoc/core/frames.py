"""A table as it travels between processes: a checked report goes from a worker to the process that loads it.

Pickled as they are, a DataFrame's columns cost ≈ 25 µs each way (each array goes through its own reduce
machinery, an Arrow text column more), and a report's four tables hold about forty: more than checking a small
report. So a table travels as a few plain parts: numbers, masks and dates as raw bytes, the texts of a short
column as one list of strings, a short column not yet typed as its plain values (typed where a frame is made of
it, once for a batch), rebuilt on arrival with exactly their types; a column of any other type travels as it is.
A long text column travels as Arrow's own stream format instead: as a list, each of its 840,000 texts would
become a Python string on both sides (the largest admitted file's peak rose from 863 to 1,025 MB), and Arrow's
pickling would send the whole buffer a sliced column points into.
`unpacked(packed(frame))` equals `frame`, dtypes and array types included (tests/test_frames.py).

Before it travels, in the process that checked it, a report's table is not a frame either: the normaliser keeps
its columns as they are (`unbuilt`: a frame costs ≈ 0.15 ms to make, four a report, and the checks need each sheet
of the batch, not each report's), each an array or the plain values it will be typed from (cotmoc.core.columns).
A frame is made only when one is asked for.

The checks and the loading process need a batch's tables of one sheet as one frame, not each report's:
`concatenated` builds it straight from the unbuilt or packed tables (one array per column for the batch), as
pd.concat of their frames gives it.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from cotmoc.core.columns import DATE, TEXT, Values, arrow_texts, as_array, joined

_WHOLE = "whole"
_UNBUILT = "unbuilt"
LIST_ROWS = 2_000          # a text column longer than this travels as an Arrow stream, not as a list of strings


def _part(array):
    """(kind, parts) for one column's array (a numpy array or a pandas extension array) or its plain Values."""
    if isinstance(array, Values) and len(array) <= LIST_ROWS and array.kind != DATE:     # dates unpickle slowly
        if array.kind == TEXT:
            return "text", array.values           # what the array they make would give
        return "values", (array.kind, array.values)       # typed where a frame is made of them
    array = as_array(array)
    if (isinstance(array, pd.arrays.ArrowStringArray) and array.dtype.na_value is pd.NA
            and array._pa_array.type == pa.large_string()):
        if len(array) > LIST_ROWS:
            return "arrow text", _arrow_stream(array._pa_array)
        return "text", array._pa_array.to_pylist()
    if isinstance(array, (pd.arrays.IntegerArray, pd.arrays.FloatingArray)):
        return "masked", (type(array), array._data.dtype.str, array._data.tobytes(), array._mask.tobytes())
    if isinstance(array, pd.arrays.DatetimeArray) and array.tz is None:
        return "datetime", (array._ndarray.dtype.str, array._ndarray.tobytes())
    if isinstance(array, np.ndarray) and array.dtype.kind in "iufb":
        return "numpy", (array.dtype.str, array.tobytes())
    return "as is", array


def _arrow_stream(texts: pa.ChunkedArray) -> bytes:
    """One column in Arrow's stream format: only the values it holds, even when it is a slice of a larger one."""
    sink = pa.BufferOutputStream()
    table = pa.table({"t": texts})
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _array(kind: str, parts):
    if kind == "values":
        return Values(*parts).array()
    if kind == "text":
        return arrow_texts(parts)
    if kind == "arrow text":
        return pd.arrays.ArrowStringArray(pa.ipc.open_stream(pa.py_buffer(parts)).read_all().column("t"))
    if kind == "masked":
        cls, dtype, values, mask = parts
        return cls(np.frombuffer(values, dtype=dtype).copy(), np.frombuffer(mask, dtype=bool).copy())
    if kind == "datetime":
        dtype, values = parts
        return pd.array(np.frombuffer(values, dtype=dtype).copy())
    if kind == "numpy":
        dtype, values = parts
        return np.frombuffer(values, dtype=dtype).copy()
    return parts


@lru_cache(maxsize=64)
def labels_index(labels: tuple) -> pd.Index:
    """A table's column labels as an Index, made once for each set (an Index is immutable: frames may share it)."""
    return pd.Index(list(labels))


_PLAIN_LABELS = labels_index(("excel_row",)).dtype


def _sent_labels(labels: pd.Index):
    """Labels travel as a tuple when labels_index of it gives the same Index: pickling an Index costs ≈ 50 µs more
    a table."""
    if labels.name is None and labels.dtype == _PLAIN_LABELS and all(type(c) is str for c in labels):
        return tuple(labels)
    return labels


def _sent_index(index: pd.Index):
    """A default RangeIndex travels as its length."""
    plain = type(index) is pd.RangeIndex and index.start == 0 and index.step == 1 and index.name is None
    return len(index) if plain else index


def _labels(parts: tuple) -> pd.Index:
    return labels_index(parts[1]) if type(parts[1]) is tuple else parts[1]


def _index(parts: tuple) -> pd.Index:
    return pd.RangeIndex(parts[2]) if type(parts[2]) is int else parts[2]


def unbuilt(arrays: list, labels: pd.Index, rows: int) -> tuple:
    """A table as its columns (each an array of the type and length the frame would hold, or the plain Values it is
    typed from: cotmoc.core.columns), not yet a frame."""
    return (_UNBUILT, labels, pd.RangeIndex(rows), arrays)


def is_unbuilt(parts: tuple) -> bool:
    return parts[0] == _UNBUILT


def travelling(parts: tuple) -> tuple:
    """An unbuilt table packed to travel (a packed one as it is)."""
    if not is_unbuilt(parts):
        return parts
    _, labels, index, arrays = parts
    return ("columns", _sent_labels(labels), _sent_index(index), [_part(a) for a in arrays])


def packed(frame: pd.DataFrame) -> tuple:
    """The frame as plain picklable parts (a frame with another index or repeated labels travels whole)."""
    if not isinstance(frame.index, pd.RangeIndex) or not frame.columns.is_unique:
        return (_WHOLE, frame)
    # each column's array as the frame holds it (a Series made for each would cost more than the packing)
    return ("columns", _sent_labels(frame.columns), _sent_index(frame.index),
            [_part(frame._get_column_array(i)) for i in range(frame.shape[1])])


def unpacked(parts: tuple) -> pd.DataFrame:
    """The frame of a packed or an unbuilt table."""
    if parts[0] == _WHOLE:
        return parts[1]
    columns = parts[3]
    arrays = [as_array(c) for c in columns] if is_unbuilt(parts) else [_array(kind, p) for kind, p in columns]
    # the arrays are made here, each of the right type and length: pandas need not check or copy them again
    return pd.DataFrame._from_arrays(arrays, columns=_labels(parts), index=_index(parts), verify_integrity=False)


def dtypes(parts: tuple) -> tuple | None:
    """(label, dtype) of each column of an unbuilt table, as its frame's dtypes give them; None for another."""
    return tuple(zip(parts[1], (a.dtype for a in parts[3]))) if is_unbuilt(parts) else None


def column_sum(parts: tuple, label: str):
    """The sum of one column of an unbuilt table, as the frame's `frame[label].sum()` gives it."""
    array = as_array(parts[3][parts[1].get_loc(label)])
    if isinstance(array, pd.api.extensions.ExtensionArray):
        return array._reduce("sum", skipna=True, min_count=0)       # what Series.sum hands an extension array
    return pd.Series(array, copy=False).sum()


def packed_rows(parts: tuple) -> int:
    """How many rows a packed table holds, without unpacking it."""
    if parts[0] == _WHOLE:
        return len(parts[1])
    return parts[2] if type(parts[2]) is int else len(parts[2])


def concatenated(tables: list[tuple]) -> pd.DataFrame | None:
    """Packed or unbuilt tables as ONE frame, as pd.concat([unpacked(t) ...], ignore_index=True) gives it, built
    column by column from the parts (no frame for each table). None when that would not be the same: tables
    travelled whole, or differing in labels, or a column differing in kind or type (pd.concat would make one type
    of two)."""
    if not tables or any(t[0] == _WHOLE for t in tables):
        return None
    labels = _labels(tables[0])
    if any(not _labels(t).equals(labels) for t in tables[1:]):
        return None
    if not all(map(is_unbuilt, tables)):
        tables = [travelling(t) for t in tables]
    join = joined if is_unbuilt(tables[0]) else _joined
    arrays = []
    for j in range(len(labels)):
        array = join([t[3][j] for t in tables])
        if array is None:
            return None
        arrays.append(array)
    return pd.DataFrame._from_arrays(arrays, columns=labels, index=pd.RangeIndex(sum(map(packed_rows, tables))),
                                     verify_integrity=False)


def _joined(column: list[tuple]):
    """One column of every table, as one array of the type each part rebuilds to; None when they differ."""
    kinds = {kind for kind, _ in column}
    if "values" in kinds:         # plain values typed once for the batch, beside any column that travelled typed
        return joined([Values(*p) if kind == "values" else _array(kind, p) for kind, p in column])
    if kinds <= {"text", "arrow text"}:
        if kinds == {"text"}:
            return arrow_texts([text for _, texts in column for text in texts])
        chunks = [chunk for kind, parts in column
                  for chunk in (_array(kind, parts)._pa_array.chunks if kind == "arrow text"
                                else [pa.array(parts, type=pa.large_string())])]
        return pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string()))
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    parts = [p for _, p in column]
    if kind == "masked" and len({p[:2] for p in parts}) == 1:          # one array class, one dtype
        return _array(kind, (*parts[0][:2], b"".join(p[2] for p in parts), b"".join(p[3] for p in parts)))
    if kind in ("datetime", "numpy") and len({p[0] for p in parts}) == 1:      # one dtype
        return _array(kind, (parts[0][0], b"".join(p[1] for p in parts)))
    return None
