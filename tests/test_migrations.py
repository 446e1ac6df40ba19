"""The warehouse upgrades: a warehouse built by an earlier cotmoc (its own code, taken from git) is taken to the
current schema by the migrations and keeps every row and every figure; pending migrations apply in one
transaction; a warehouse newer than the code is refused. Two earlier cotmocs: the last one before versioned
migrations, and the last one of the previous schema (before template version 2's tables)."""
from __future__ import annotations

import os
from datetime import date
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cotmoc.core.config import load_settings
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.warehouse import schema
from cotmoc.warehouse.db import open_warehouse

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 20)
#: the last commit before versioned migrations: its warehouses have no schema_version table
UNVERSIONED = "1462095"
#: the last commit of the previous schema: its warehouses have schema_version but none of template 2's tables
PREVIOUS_SCHEMA = "ce4755c"
VIEWS = ("province_teams", "province_segments", "province_segments_all_borders", "province_awards",
         "national_teams", "national_segments", "national_awards", "lineage_teams", "lineage_segments",
         "lineage_awards")
TABLES = ("submissions", "fact_teams", "fact_segments", "fact_awards", "validation_issues", "ingest_runs")


def _contents(con, names) -> dict[str, list]:
    return {n: con.execute(f"SELECT * FROM {n} ORDER BY ALL").fetchall() for n in names}


def _built_by(commit: str, home: Path) -> Path:
    """A warehouse made by the cotmoc of `commit`, running its own code on its own bundled samples."""
    code = home / "code"
    code.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "cotmoc", "schemas", "warehouse",
                              "flows", "inputs/samples"], capture_output=True)
    assert archive.returncode == 0, (f"the test needs commit {commit} of this repository's history "
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
    return path


@pytest.fixture(scope="module")
def legacy_warehouse(tmp_path_factory) -> Path:
    """A warehouse made by the unversioned cotmoc."""
    path = _built_by(UNVERSIONED, tmp_path_factory.mktemp("legacy"))
    with duckdb.connect(str(path), read_only=True) as con:
        assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version'").fetchone()[0]
    return path


@pytest.fixture(scope="module")
def previous_warehouse(tmp_path_factory) -> Path:
    """A warehouse made by the cotmoc of the previous schema: versioned, older than this code."""
    path = _built_by(PREVIOUS_SCHEMA, tmp_path_factory.mktemp("previous"))
    with duckdb.connect(str(path), read_only=True) as con:
        assert 0 < schema.installed_version(con) < schema.current_version()
        assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'fact_activities'").fetchone()[0]
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


NEW_TABLES = ("fact_activities", "fact_reach")
NEW_VIEWS = ("province_activities", "national_activities", "national_reach")


def test_a_warehouse_of_the_previous_schema_gains_the_new_tables_and_keeps_every_row_and_figure(
        previous_warehouse, tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_bytes(previous_warehouse.read_bytes())
    with duckdb.connect(str(path), read_only=True) as con:
        had = schema.installed_version(con)
        before_tables, before_views = _contents(con, TABLES), _contents(con, VIEWS)
    with open_warehouse(path) as con:
        assert schema.installed_version(con) == schema.current_version() > had
        applied = con.execute("SELECT version, name FROM schema_version WHERE version > ? ORDER BY version",
                              [had]).fetchall()
        assert applied == [(m.version, m.name) for m in schema.migrations() if m.version > had]
        after_tables, after_views = _contents(con, TABLES), _contents(con, VIEWS)
        for before, after in ((before_tables, after_tables), (before_views, after_views)):
            for name, rows in before.items():          # new columns may be added; no row lost or changed
                width = len(rows[0]) if rows else 0
                assert rows and [r[:width] for r in after[name]] == rows, name
        assert _contents(con, NEW_TABLES) == {n: [] for n in NEW_TABLES}   # the old reports: nothing, not 0
        assert _contents(con, NEW_VIEWS) == {n: [] for n in NEW_VIEWS}
        reach = con.execute("""SELECT length_km, markers, communes_covered, communes_total, districts, border_posts
                               FROM province_segments_all_borders WHERE period = '2016' AND province_code = 'dien_bien'""")
        assert [tuple(float(v) if v is not None else None for v in r) for r in reach.fetchall()] == [
            (365.861, 173, None, None, None, None)]
    # the upgraded warehouse takes this code's version 2 seeds: they supersede the old reports
    settings = load_settings(tmp_path / "office", environ={"COTMOC_WAREHOUSE": str(path)})
    settings.inbox.mkdir(parents=True)
    for sample in sorted((ROOT / "inputs" / "samples" / "seed").glob("*.xlsx")):
        (settings.inbox / sample.name).write_bytes(sample.read_bytes())
    with open_warehouse(path, today=TODAY) as con:
        outcomes = run_ingest(con, settings, today=TODAY)
        assert [o.outcome for o in outcomes] == ["superseding"] * 3, [(o.file_name, o.first_error) for o in outcomes]
        assert con.execute("""SELECT communes_covered, communes_total, districts, border_posts, markers
                              FROM province_segments_all_borders WHERE period = '2016' AND province_code = 'dien_bien'
                           """).fetchall() == [(29, 29, 4, 17, 173)]
        assert con.execute("""SELECT "count", people FROM province_activities WHERE activity = 'tuyen_truyen'""").fetchall() \
            == [(562, 21_790)]
        assert con.execute("SELECT count(*) FROM submissions").fetchone()[0] == len(before_tables["submissions"]) + 3


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
