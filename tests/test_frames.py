"""A checked report's tables travel from a worker process packed (cotmoc.core.frames) and arrive exactly as they
left: values, dtypes, the pandas array type of every column, labels and index. In the loading process they stay
packed until a frame is asked for: a batch's sheet is built as one frame straight from the packed tables, equal
to pd.concat of the unpacked ones, and the warehouse holds the same rows whichever way they came."""
from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pandas as pd
import pytest

from cotmoc.core.config import load_settings
from cotmoc.core.frames import LIST_ROWS, concatenated, is_unbuilt, packed, travelling, unbuilt, unpacked
from cotmoc.core.records import TABLES, Report, Submission, batch_table
from cotmoc.pipeline.checking import check_files
from cotmoc.samples import faulty
from cotmoc.samples.generator import generate_report
from cotmoc.warehouse import load
from cotmoc.warehouse.db import open_warehouse
from tests.conftest import TODAY
from tests.test_read_speed_equivalence import SAMPLES, _odd_values


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert [type(a.iloc[:, i].array) for i in range(a.shape[1])] == [type(b.iloc[:, i].array) for i in range(b.shape[1])]
    assert list(a.dtypes) == list(b.dtypes) and a.columns.equals(b.columns) and a.index.equals(b.index)


def test_every_table_of_checked_reports_arrives_as_it_left(tmp_path):
    paths = sorted(SAMPLES.rglob("*.xlsx"))
    paths += [_odd_values(tmp_path / "odd.xlsx"), faulty.bad_counts(tmp_path / "bad.xlsx").path,
              faulty.repairable_text(tmp_path / "text.xlsx").path]
    checked = check_files([(p, None) for p in paths], load_settings(tmp_path / "home", environ={}), today=TODAY)
    arrived = pickle.loads(ForkingPickler.dumps(checked))        # as a worker's result reaches the ingest
    tables = 0
    for sent, got in zip(checked, arrived):
        assert sent.problems == got.problems and sent.facts == got.facts
        if sent.report is None:
            continue
        assert got.report.info == sent.report.info
        for code in TABLES:
            assert_same(sent.report.table(code), got.report.table(code))
            tables += len(sent.report.table(code)) > 0
    assert tables >= 3 * len(paths)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"text": pd.array(["a", None, "Mường Nhé"], dtype="string"),
                  "count": pd.array([1, None, -3], dtype="Int64"), "km": pd.array([0.5, None, -0.0], dtype="Float64"),
                  "day": pd.to_datetime(pd.Series([date(2020, 1, 5), None, date(1900, 3, 1)], dtype=object)).array,
                  "row": np.array([4, 5, 6], dtype="int64"), "flag": np.array([True, False, True])}),
    pd.DataFrame({"text": pd.array([], dtype="string"), "count": pd.array([], dtype="Int64")}),
    pd.DataFrame({"mixed": [1, "a", None], "ns": pd.to_datetime(["2020-01-01", None, "2021-06-30"])}),
    pd.DataFrame({"a": [1, 2]}, index=pd.Index([7, 9], name="excel_row")),     # not a range index: travels whole
    pd.DataFrame([[1, 2]], columns=["a", "a"]),                                  # repeated labels: travels whole
    pd.DataFrame({"a": [1, 2]}, index=pd.RangeIndex(5, 9, 2)),          # a range not from 0: its index travels
    pd.DataFrame({"a": [1]}, index=pd.RangeIndex(1, name="row")),
    pd.DataFrame({1: [1], "b": [2]}),                                     # labels not all texts
    pd.DataFrame({"a": [1]}).rename_axis(columns="sheet"),                 # labels with a name
    pd.DataFrame({"a": [1]}, columns=pd.Index(["a"], dtype=object)),      # labels of another type
], ids=["every kind", "empty", "other types", "other index", "repeated labels", "a range from 5", "a named range",
        "labels of two types", "named labels", "object labels"])
def test_a_table_of_any_shape_arrives_as_it_left(frame):
    assert_same(frame, unpacked(pickle.loads(pickle.dumps(packed(frame)))))


def test_a_long_text_column_travels_compact_and_exact():
    """A long text column (the largest admitted file has 840,000 rows) travels in Arrow's stream format: as it
    left, nulls and Vietnamese included, and a slice sends its own rows only, not the buffer it points into."""
    n = 10 * LIST_ROWS
    texts = pd.array([None if i % 7 == 0 else f"Đoạn {i} — Mường Nhé" for i in range(n)], dtype="string")
    whole = pd.DataFrame({"text": texts, "row": np.arange(n, dtype="int64")})
    assert_same(whole, unpacked(pickle.loads(pickle.dumps(packed(whole)))))
    part = whole.iloc[n - LIST_ROWS - 5:].reset_index(drop=True)      # longer than a list, a slice of the whole
    sent = pickle.dumps(packed(part))
    assert_same(part, unpacked(pickle.loads(sent)))
    assert len(sent) < 0.2 * len(pickle.dumps(packed(whole)))
    chunked = pd.DataFrame({"text": pd.concat([pd.Series(texts[:n // 2]), pd.Series(texts[n // 2:])],
                                              ignore_index=True)})          # an Arrow column of two chunks
    assert_same(chunked, unpacked(pickle.loads(pickle.dumps(packed(chunked)))))


def _checked_and_arrived(tmp_path):
    """Reports checked here and as they reach the loading process from a worker: the samples, odd values, faulty
    ones, generated reports (one with an Arrow-stream column) and one of each era."""
    paths = sorted(SAMPLES.rglob("*.xlsx"))
    paths += [_odd_values(tmp_path / "odd.xlsx"), faulty.bad_counts(tmp_path / "bad.xlsx").path,
              faulty.repairable_text(tmp_path / "text.xlsx").path]
    paths += [generate_report(p, y, seed=3).write(tmp_path / f"{p}_{y}.xlsx")
              for p, y in (("lao_cai", "2020"), ("kon_tum", "2024S1"), ("dien_bien", "2025S2"))]
    paths.append(generate_report("quang_ninh", "2019", seed=4, segment_rows=LIST_ROWS + 50).write(tmp_path / "long.xlsx"))
    checked = check_files([(p, None) for p in paths], load_settings(tmp_path / "home", environ={}), today=TODAY)
    return checked, pickle.loads(ForkingPickler.dumps(checked))


def test_a_batch_sheet_built_from_the_table_partss_is_pd_concat_of_them(tmp_path):
    checked, arrived = _checked_and_arrived(tmp_path)
    sent = [c.report for c in checked if c.report is not None]
    got = [c.report for c in arrived if c.report is not None]
    built = 0
    for code in TABLES:
        expected = pd.concat([r.table(code) for r in sent], ignore_index=True)
        frame = concatenated([r.table_parts(code) for r in got])
        if frame is None:         # the tables differ in a type: pd.concat's own way (warehouse/load.py)
            continue
        pd.testing.assert_frame_equal(frame, expected, check_exact=True)
        assert list(frame.dtypes) == list(expected.dtypes)
        built += 1
    assert built >= 3
    assert all(r.table_parts(code) is not None for r in got for code in TABLES)       # nothing was unpacked


def test_the_checks_make_no_frame_of_a_single_report_and_build_each_batch_sheet_as_pd_concat(tmp_path):
    """In the process that checks them, the reports' tables stay as the normaliser made their arrays (unbuilt):
    the checks build each sheet of the batch straight from them, which equals pd.concat of the reports' frames,
    and a report's totals and column types are read from them equal to its frame's."""
    checked, _ = _checked_and_arrived(tmp_path)
    reports = [c.report for c in checked if c.report is not None]
    assert all(is_unbuilt(r.table_parts(code)) for r in reports for code in TABLES)     # no frame was made
    sums, types = [r.totals() for r in reports], [r.table_dtypes(code) for r in reports for code in TABLES]
    batch = {code: concatenated([r.table_parts(code) for r in reports]) for code in TABLES}
    assert [r.totals() for r in pickle.loads(pickle.dumps(reports))] == sums                    # as they travel
    for code in TABLES:
        frames = [r.table(code) for r in reports]
        assert batch[code] is not None
        assert_same(batch[code], pd.concat(frames, ignore_index=True))
        assert_same(batch_table(reports, code), batch[code])                  # the frames' own way, the same
    assert types == [tuple(r.table(code).dtypes.items()) for r in reports for code in TABLES]
    assert sums == [{"teams": r.teams["teams"].sum(), "members": r.teams["members"].sum(),
                     "length_km": float(r.segments["length_km"].sum()), "markers": int(r.segments["markers"].sum())}
                    for r in reports]
    assert sum(s["teams"] for s in sums) > 0 and all(type(s["teams"]) is np.int64 for s in sums)


def test_unbuilt_tables_of_another_type_are_joined_by_pd_concat():
    """A column of another type in one table: no batch frame of the parts (pd.concat would make one type of two),
    so batch_table takes pd.concat; a packed table beside an unbuilt one is joined as both travel."""
    labels = pd.Index(["n", "excel_row"])
    ints = unbuilt([pd.array([1, None], dtype="Int64"), np.array([4, 5])], labels, 2)
    floats = unbuilt([pd.array([0.5], dtype="Float64"), np.array([6])], labels, 1)
    assert concatenated([ints, floats]) is None
    reports = [Report.unframed(Path(f"{i}.xlsx"), {}, {"to_tu_quan": t}) for i, t in enumerate((ints, floats))]
    assert_same(batch_table(reports, "to_tu_quan"), pd.concat([unpacked(ints), unpacked(floats)], ignore_index=True))
    assert_same(concatenated([ints, travelling(ints)]), pd.concat([unpacked(ints)] * 2, ignore_index=True))


def test_a_report_arrives_packed_and_unpacks_a_table_when_asked(tmp_path):
    checked, arrived = _checked_and_arrived(tmp_path)
    sent, got = checked[0], arrived[0]
    assert got.rows() == sent.rows() and got.report.totals() == sent.report.totals()
    assert got.report.table_parts("to_tu_quan") is not None                      # counted without unpacking
    assert_same(got.report.teams, sent.report.teams)                                # unpacked when asked
    assert got.report.table_parts("to_tu_quan") is None and got.report.table_parts("doan_bien_gioi") is not None
    got.report.teams.loc[0, "teams"] += 1                                           # changed here: counted here
    assert got.report.totals()["teams"] == sent.report.totals()["teams"] + 1
    again = pickle.loads(pickle.dumps(got.report))                # travels on as it is, packed or not
    assert_same(again.teams, got.report.teams) and assert_same(again.segments, sent.report.segments)
    got.release_tables()
    assert got.rows() == sent.rows() and got.report.table_parts("doan_bien_gioi") is None
    with pytest.raises(AttributeError):
        got.report.no_such_table


def test_the_warehouse_holds_the_same_rows_whether_reports_came_packed_or_not(tmp_path):
    checked, arrived = _checked_and_arrived(tmp_path)
    contents = []
    for name, batch in (("here", checked), ("from a worker", arrived)):
        with open_warehouse(tmp_path / f"{name}.duckdb") as con:
            load.record_submissions(con, [Submission(c.facts, c.report, c.problems, c.accepted) for c in batch
                                          if c.report is not None])
            contents.append({t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                             for t in load.FACT_TABLES.values()})
    assert contents[0] == contents[1]
    assert sum(map(len, contents[0].values())) > 1000
