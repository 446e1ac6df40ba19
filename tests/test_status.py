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
from cotmoc.warehouse.db import open_warehouse

TODAY = date(2026, 11, 22)
SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"


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
    status = read_status(home.warehouse, periods=["2016", "2019", "2025"], today=TODAY)
    cell = {(c["reporting_province_code"], c["period"]): c for c in status.cells}
    assert cell[("dien_bien", "2016")]["status"] == "accepted"
    assert cell[("lai_chau", "2019")]["status"] == "rejected" and cell[("lai_chau", "2019")]["errors"] == 2
    assert cell[("son_la", "2019")]["status"] == "missing"
    assert ("kon_tum", "2025") not in cell and ("quang_ngai", "2025") in cell          # after the merger
    assert status.runs[0]["files"] == 7 and status.runs[0]["rejected"] == 4
    console = Console(record=True, width=120)
    print_status(status, console, today=TODAY)
    text = console.export_text()
    assert "Điện Biên" in text and "✓" in text and "✗ 2" in text and "loi_vuot_chieu_dai_lai_chau_2019" in text


def test_status_json(home):
    doc = json.loads(read_status(home.warehouse, periods=["2016"], today=TODAY).as_json())
    assert doc["periods"] == ["2016"] and len(doc["cells"]) == 25


def test_status_reads_the_published_copy_while_a_load_holds_the_warehouse(home):
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"c = duckdb.connect({str(home.warehouse)!r}); print('ready', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        status = read_status(home.warehouse, periods=["2016"], today=TODAY)
        assert "published" in status.source and status.cells
    finally:
        holder.kill()
        holder.wait()
