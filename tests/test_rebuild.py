"""The archive is the source of truth. A damaged warehouse is reported (exit 5, bilingual) before any file
is touched; `cotmoc rebuild --into NEW` replays the filed originals into a new warehouse whose analyst views
are those of the damaged one's last good state, with the original names, received times and supersede
chain (from the old warehouse when it still reads, else from the stored names and file times);
`cotmoc backup` writes a copy that opens."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from cotmoc.pipeline.recovery import original_name
from tests.snapshot import SAMPLES, TODAY, cotmoc, table_rows

pytestmark = pytest.mark.slow

VIEWS = ["province_teams", "province_segments", "province_segments_all_borders", "province_awards", "national_teams",
         "national_segments", "national_awards", "completeness", "lineage_segments", "lineage_teams", "lineage_awards",
         "stg_current_submissions"]


def _views(path, home):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return table_rows(con, home, tables=VIEWS)
    finally:
        con.close()


def _corrupt_a_block(path):
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16384] = bytes(b ^ 0x5A for b in data[middle:middle + 16384])
    path.write_bytes(bytes(data))


def _files(home):
    return sorted(str(p.relative_to(home)) for p in (home / "inputs").rglob("*") if p.is_file())


@pytest.mark.parametrize("damage", ["corrupt_block", "overwritten"])
def test_a_damaged_warehouse_is_refused_then_rebuilt_from_the_archive(tmp_path, reference_home, damage):
    home = tmp_path / "home"
    shutil.copytree(reference_home, home)
    warehouse = home / "warehouse" / "cotmoc.duckdb"
    good = _views(warehouse, reference_home)     # the copy's paths still name the reference home
    if damage == "corrupt_block":
        _corrupt_a_block(warehouse)
    else:
        warehouse.write_bytes(b"not a database any more " * 200)
    shutil.copy2(SAMPLES / "seed" / "kon_tum_2023.xlsx", home / "inputs" / "inbox" / "moi.xlsx")
    before = _files(home)

    run = cotmoc(home, "ingest", "--plain", "--today", TODAY)
    assert run.returncode == 5, run.stdout + run.stderr
    assert "bị hỏng" in run.stderr and "is damaged" in run.stderr and "cotmoc rebuild" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert _files(home) == before                           # reported before any file was touched

    (home / "inputs" / "inbox" / "moi.xlsx").unlink()
    new = home / "warehouse" / "rebuilt.duckdb"
    rebuilt = cotmoc(home, "rebuild", "--into", str(new), "--today", TODAY)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert _views(new, home) == good
    con = duckdb.connect(str(new), read_only=True)
    names = [r[0] for r in con.execute("select file_name from submissions").fetchall()]
    con.close()
    assert names and not any("__" in n for n in names)      # original names, never a doubled suffix
    assert not any(p.name.startswith(".") for p in new.parent.iterdir() if p.name.endswith(".rebuild"))


def test_stored_names_lose_their_suffix_once():
    assert original_name("bao_cao__1a2b3c4d.xlsx") == "bao_cao.xlsx"
    assert original_name("bao_cao__1a2b3c4d-2.xlsx") == "bao_cao.xlsx"
    assert original_name("x__214d451a__214d451a.xlsx") == "x__214d451a.xlsx"
    assert original_name("plain.xlsx") == "plain.xlsx"


def test_backup_writes_a_copy_that_opens(tmp_path, reference_home):
    home = tmp_path / "home"
    shutil.copytree(reference_home, home)
    out = tmp_path / "copy.duckdb"
    run = cotmoc(home, "backup", "--to", str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    con = duckdb.connect(str(out), read_only=True)
    original = duckdb.connect(str(home / "warehouse" / "cotmoc.duckdb"), read_only=True)
    try:
        assert table_rows(con, home, skip=("schema_version",)) == table_rows(original, home, skip=("schema_version",))
    finally:
        con.close()
        original.close()
