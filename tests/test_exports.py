"""Exports as analysts open them: CSV that Excel reads as UTF-8 (a BOM), a labelled CSV for Vietnamese
Excel (Vietnamese headers, names not codes, `,` decimals, `;` between fields), Parquet whose schema
describes every column (from the data dictionary), rows in Vietnamese order of the names."""
from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from cotmoc.core.config import load_settings
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.pipeline.rollup import EXPORTED_VIEWS, run_rollup
from cotmoc.samples.generator import write_samples
from cotmoc.warehouse.db import open_warehouse

TODAY = date(2026, 11, 22)
SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"
DICTIONARY = Path(__file__).resolve().parent.parent / "warehouse" / "dictionary.csv"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    settings = load_settings(tmp_path_factory.mktemp("exports"), environ={})
    settings.inbox.mkdir(parents=True)
    for src in (SAMPLES / "seed").glob("*.xlsx"):
        shutil.copy2(src, settings.inbox / src.name)
    write_samples(settings.inbox, seed=5, provinces=["tay_ninh", "ha_tinh", "dak_lak", "dien_bien"], periods=[2021],
                  kinds=("year",))
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        run_ingest(con, settings, today=TODAY)
        run_rollup(con, settings.warehouse, settings.exports, periods=["2016", "2021"], csv=True)
    return settings.exports


def test_every_csv_starts_with_a_utf8_bom(exported):
    for view in EXPORTED_VIEWS:
        for name in (f"{view}.csv", f"{view}.vi.csv"):
            raw = (exported / "2016" / name).read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf"), name
    text = (exported / "2016" / "province_segments_all_borders.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("period,province_code,province_name")
    assert "Điện Biên" in text and "365.861" in text                    # machine CSV: `.` decimals


def test_the_labelled_csv_reads_as_vietnamese_excel_expects(exported):
    with (exported / "2016" / "province_segments_all_borders.vi.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header, first = rows[0], dict(zip(rows[0], rows[1]))
    assert header[:3] == ["Kỳ báo cáo", "Mã tỉnh hiện nay", "Tên tỉnh hiện nay"]
    assert first["Tên tỉnh hiện nay"] == "Điện Biên"
    assert first["Chiều dài đăng ký tự quản (km)"] == "365,861"                       # Vietnamese decimals
    assert first["Tỷ lệ km đăng ký / tổng (0–1)"] == "0,912688"
    with (exported / "2016" / "province_teams.vi.csv").open(encoding="utf-8-sig", newline="") as fh:
        teams = list(csv.DictReader(fh, delimiter=";"))
    kinds = {r["Loại tổ tự quản"] for r in teams}
    assert "Tổ tự quản an ninh trật tự thôn, bản" in kinds and not any("_" in k for k in kinds)   # labels, not codes
    with (exported / "2016" / "completeness.vi.csv").open(encoding="utf-8-sig", newline="") as fh:
        statuses = {r["Trạng thái"] for r in csv.DictReader(fh, delimiter=";")}
    assert statuses <= {"Đã nhận", "Bị từ chối", "Chưa gửi"} and "Chưa gửi" in statuses


def test_parquet_schema_holds_the_dictionary_descriptions(exported):
    with DICTIONARY.open(encoding="utf-8") as fh:
        generic = {r["column"]: r for r in csv.DictReader(fh) if r["object"] == "*"}
    schema = pq.read_schema(exported / "2016" / "province_segments_all_borders.parquet")
    period = schema.field("period").metadata
    assert period[b"description_vi"].decode() == generic["period"]["comment_vi"]
    assert period[b"description_en"].decode() == generic["period"]["comment_en"]
    km = schema.field("length_km").metadata[b"description"].decode()
    assert "Chiều dài đăng ký tự quản (km)" in km and "Registered length (km)" in km
    described = json.loads(schema.metadata[b"cotmoc.column_descriptions"])
    assert set(described) == set(schema.names) and all(described.values())
    assert schema.metadata[b"cotmoc.view"] == b"province_segments_all_borders"
    for view in EXPORTED_VIEWS:                           # every column of every export is described
        s = pq.read_schema(exported / "2016" / f"{view}.parquet")
        assert all(s.field(n).metadata and s.field(n).metadata[b"description"] for n in s.names), view
    row = duckdb.execute(f"select length_km from '{exported}/2016/province_segments_all_borders.parquet'").fetchone()
    assert float(row[0]) == 365.861                        # DuckDB still reads it


def test_exports_list_provinces_in_vietnamese_order(exported):
    names = [r[0] for r in duckdb.execute(
        f"select province_name from '{exported}/2021/province_segments_all_borders.parquet'").fetchall()]
    assert names == ["Đắk Lắk", "Điện Biên", "Hà Tĩnh", "Tây Ninh"]
    with (exported / "2021" / "completeness.csv").open(encoding="utf-8-sig") as fh:
        listed = [r["province_name"] for r in csv.DictReader(fh)]
    assert listed.index("Điện Biên") < listed.index("Hà Tĩnh") < listed.index("Huế") < listed.index("Tây Ninh")
