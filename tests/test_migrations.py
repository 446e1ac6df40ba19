"""The warehouse upgrades: a warehouse built by an earlier cotmoc (its own code, taken from git) is taken to the
current schema by the migrations and keeps every row and every figure; pending migrations apply in one
transaction; a warehouse newer than the code is refused."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cotmoc.warehouse import schema
from cotmoc.warehouse.db import open_warehouse

ROOT = Path(__file__).resolve().parent.parent
#: the last commit before versioned migrations: its warehouses have no schema_version table
UNVERSIONED = "1462095"
VIEWS = ("province_teams", "province_segments", "province_segments_all_borders", "province_awards",
         "national_teams", "national_segments", "national_awards", "lineage_teams", "lineage_segments",
         "lineage_awards")
TABLES = ("submissions", "fact_teams", "fact_segments", "fact_awards", "validation_issues", "ingest_runs")


def _contents(con, names) -> dict[str, list]:
    return {n: con.execute(f"SELECT * FROM {n} ORDER BY ALL").fetchall() for n in names}


@pytest.fixture(scope="module")
def legacy_warehouse(tmp_path_factory) -> Path:
    """A warehouse made by the unversioned cotmoc, running its own code on the bundled samples."""
    home = tmp_path_factory.mktemp("legacy")
    code = home / "code"
    code.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", UNVERSIONED, "cotmoc", "schemas", "warehouse",
                              "flows", "inputs/samples"], capture_output=True)
    assert archive.returncode == 0, (f"the test needs commit {UNVERSIONED} of this repository's history "
                                     f"(a full clone): {archive.stderr.decode()}")
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
    inbox = home / "inbox"
    inbox.mkdir()
    for sample in sorted((code / "inputs" / "samples").glob("*/*.xlsx")):
        (inbox / sample.name).write_bytes(sample.read_bytes())
    env = {**os.environ, "PYTHONPATH": str(code), "COTMOC_HOME": str(home), "COTMOC_INBOX": str(inbox),
           "COTMOC_CHECK_WORKERS": "1"}
    run = subprocess.run([sys.executable, "-m", "cotmoc.cli", "ingest", "--plain", "--today", "2026-11-20"],
                         cwd=home, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    path = home / "warehouse" / "cotmoc.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM submissions").fetchone()[0] == 7
        assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version'").fetchone()[0]
    return path


def test_an_unversioned_warehouse_upgrades_and_keeps_every_row_and_figure(legacy_warehouse, tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_bytes(legacy_warehouse.read_bytes())
    with duckdb.connect(str(path), read_only=True) as con:
        before_tables, before_views = _contents(con, TABLES), _contents(con, VIEWS)
    with open_warehouse(path) as con:
        assert schema.installed_version(con) == schema.current_version()
        versions = con.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
        assert versions == [(m.version, m.name) for m in schema.migrations()]
        after_tables = _contents(con, TABLES)
        for name, rows in before_tables.items():        # new columns may be added; no row lost or changed
            width = len(rows[0]) if rows else 0
            assert [r[:width] for r in after_tables[name]] == rows, name
        after_views = _contents(con, VIEWS)
        for name, rows in before_views.items():
            width = len(rows[0]) if rows else 0
            assert [r[:width] for r in after_views[name]] == rows, name
        dien_bien = con.execute("SELECT length_km, total_km, markers, households, persons FROM province_segments_all_borders "
                                "WHERE period = '2016' AND province_code = 'dien_bien'").fetchone()
        assert [float(dien_bien[0]), float(dien_bien[1]), *dien_bien[2:]] == [365.861, 400.861, 173, 2789, 3816]
    with open_warehouse(path) as con:                   # opening again changes nothing
        assert len(con.execute("SELECT * FROM schema_version").fetchall()) == schema.current_version()


def test_pending_migrations_apply_in_one_transaction(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    open_warehouse(path).close()
    broken = tmp_path / "migrations"
    broken.mkdir()
    for m in schema.migrations():
        (broken / m.path.name).write_text(m.sql, encoding="utf-8")
    n = schema.current_version()
    (broken / f"{n + 1:04d}_add_a_column.sql").write_text("ALTER TABLE submissions ADD COLUMN probe INTEGER;",
                                                          encoding="utf-8")
    (broken / f"{n + 2:04d}_broken.sql").write_text("ALTER TABLE no_such_table ADD COLUMN x INTEGER;", encoding="utf-8")
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", broken)
    with duckdb.connect(str(path)) as con:
        with pytest.raises(duckdb.Error):
            schema.upgrade(con)
        assert schema.installed_version(con) == n                     # neither new migration is recorded
        columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'submissions'").fetchall()]
        assert "probe" not in columns                                 # ... nor applied


def test_a_warehouse_newer_than_the_code_is_refused(tmp_path):
    path = tmp_path / "w.duckdb"
    open_warehouse(path).close()
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO schema_version (version, name) VALUES (?, 'from_the_future')",
                    [schema.current_version() + 1])
    with pytest.raises(schema.WarehouseTooNew, match="mới hơn"):
        open_warehouse(path)


def test_migrations_are_numbered_without_gaps():
    assert [m.version for m in schema.migrations()] == list(range(1, schema.current_version() + 1))
