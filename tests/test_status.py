"""`cotmoc status`: provinces × periods (accepted / rejected with error count / missing / late), rejected
reports with their steward report, the last runs; JSON for machines; readable while a load holds the warehouse."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from cotmoc.core.config import load_settings
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.pipeline.rollup import run_rollup
from cotmoc.outputs.status import print_status, read_status
from cotmoc.warehouse.db import open_warehouse, reading

TODAY = date(2026, 11, 22)
SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"


def _status(warehouse: Path, **kwargs):
    """`cotmoc status`'s reading: the warehouse, or its published copy while a load holds it."""
    with reading(warehouse) as (con, source):
        return read_status(con, source, **kwargs)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    settings = load_settings(tmp_path_factory.mktemp("status"), environ={})
    settings.inbox.mkdir(parents=True)
    for src in SAMPLES.glob("*/*.xlsx"):
        shutil.copy2(src, settings.inbox / src.name)
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        run_ingest(con, settings, today=TODAY)
        run_rollup(con, settings.warehouse, settings.exports)
    return settings


def test_status_shows_each_province_and_period(home):
    status = _status(home.warehouse, periods=["2016", "2019", "2025"], today=TODAY)
    cell = {(c["reporting_province_code"], c["period"]): c for c in status.cells}
    assert cell[("dien_bien", "2016")]["status"] == "accepted"
    assert cell[("lai_chau", "2019")]["status"] == "rejected" and cell[("lai_chau", "2019")]["errors"] == 3   # one per row the over-total names
    assert cell[("son_la", "2019")]["status"] == "missing"
    assert ("kon_tum", "2025") not in cell and ("quang_ngai", "2025") in cell          # after the merger
    assert status.runs[0]["files"] == 8 and status.runs[0]["rejected"] == 5
    console = Console(record=True, width=120)
    print_status(status, console, today=TODAY)
    text = console.export_text()
    assert "Điện Biên" in text and "✓" in text and "✗ 3" in text and "loi_vuot_chieu_dai_lai_chau_2019" in text


def test_status_json(home):
    doc = json.loads(_status(home.warehouse, periods=["2016"], today=TODAY).as_json())
    assert doc["periods"] == ["2016"] and len(doc["cells"]) == 25


def test_status_reads_the_published_copy_while_a_load_holds_the_warehouse(home):
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"c = duckdb.connect({str(home.warehouse)!r}); print('ready', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        status = _status(home.warehouse, periods=["2016"], today=TODAY)
        assert "published" in status.source and status.cells
    finally:
        holder.kill()
        holder.wait()


def test_status_by_default_shows_periods_with_reports_and_those_due_now(home):
    status = _status(home.warehouse, today=TODAY)
    # the four latest periods that have reports, then the latest ended year and half-year (due now, empty)
    assert status.periods == ["2019", "2020S1", "2021", "2023", "2025", "2026S1"]
    assert _status(home.warehouse, today=TODAY, last=1).periods == ["2023", "2025", "2026S1"]


def test_status_lists_provinces_in_vietnamese_order(home):
    console = Console(record=True, width=160)
    print_status(_status(home.warehouse, periods=["2019", "2025"], today=TODAY), console, today=TODAY)
    lines = console.export_text().splitlines()
    names = [line.split("│")[1].strip() for line in lines if line.startswith("│")]
    # D < Đ (not after T), Hà Tĩnh before Huế, a merged province before its former provinces
    expected = ["Đà Nẵng", "Đà Nẵng (Quảng Nam)", "Đắk Lắk", "Điện Biên", "Đồng Nai", "Đồng Nai (Bình Phước)",
                "Đồng Tháp", "Gia Lai", "Hà Tĩnh", "Huế", "Lai Châu", "Lạng Sơn", "Lào Cai", "Lâm Đồng"]
    assert [n for n in names if n in expected] == expected
    assert names.index("Điện Biên") < names.index("Tây Ninh")
