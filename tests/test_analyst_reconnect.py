"""What docs/analysts.md says about seeing newer data holds: after the published copy is swapped, a new
connection in a process that still holds one to the path sees the old copy; once every connection is
closed, a new one sees the new copy."""
from __future__ import annotations

import os

import duckdb


def _copy_with(path, value: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    con = duckdb.connect(str(tmp))
    con.execute("CREATE TABLE t AS SELECT ? AS v", [value])
    con.close()
    os.replace(tmp, path)                      # as cotmoc.pipeline.rollup.publish swaps it in


def test_reconnecting_sees_newer_data_only_once_every_connection_is_closed(tmp_path):
    published = tmp_path / "cotmoc.published.duckdb"
    _copy_with(published, 1)
    first = duckdb.connect(str(published), read_only=True)
    assert first.execute("select v from t").fetchone() == (1,)
    _copy_with(published, 2)
    second = duckdb.connect(str(published), read_only=True)      # `first` still open: the same old copy
    assert second.execute("select v from t").fetchone() == (1,)
    first.close()
    second.close()
    third = duckdb.connect(str(published), read_only=True)
    assert third.execute("select v from t").fetchone() == (2,)
    third.close()
