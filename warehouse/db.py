"""The DuckDB warehouse: connecting, building or upgrading it (warehouse/schema.py: versioned migrations for
tables, views re-created from warehouse/sql/*.sql), filling the reference tables, and documenting every table, view and column inside the database (COMMENT ON) from
warehouse/dictionary.csv, so that `duckdb_columns()` explains itself."""
from __future__ import annotations

import csv
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from cotmoc.core import reference
from cotmoc.warehouse.schema import rebuild_views, upgrade

HERE = Path(__file__).resolve().parent
QUERY_DIR = HERE / "queries"
DICTIONARY = HERE / "dictionary.csv"


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse for writing (DuckDB allows one writer)."""


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file; a lock held by another process becomes a clear, bilingual error."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(f"Kho dữ liệu {path} đang được một tiến trình khác ghi; thử lại sau — the warehouse "
                                f"is held by another process; try again later ({exc})") from exc
        raise


@lru_cache(maxsize=None)
def query(name: str) -> str:
    """A named statement from warehouse/queries/ (the loader's SQL lives in files, not in Python)."""
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Take the warehouse to the current schema (pending migrations in one transaction), re-create every view
    and macro, then the comments. Idempotent."""
    upgrade(con)
    rebuild_views(con)
    apply_comments(con)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(con: duckdb.DuckDBPyConnection) -> None:
    """COMMENT ON every table, view and column listed in the dictionary ('Vietnamese — English')."""
    with DICTIONARY.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    generic = {r["column"]: f"{r['comment_vi']} — {r['comment_en']}" for r in rows if r["object"] == "*"}
    specific = {(r["object"], r["column"]): f"{r['comment_vi']} — {r['comment_en']}" for r in rows if r["object"] != "*"}
    objects = con.execute("""
        SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE schema_name = 'main'
        UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal""").fetchall()
    statements = []
    for name, kind in objects:
        if (name, "") in specific:
            statements.append(f"COMMENT ON {kind} {name} IS {_quote(specific[(name, '')])}")
        for (column,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main'",
                                     [name]).fetchall():
            text = specific.get((name, column)) or generic.get(column)
            if text:
                statements.append(f'COMMENT ON COLUMN {name}."{column}" IS {_quote(text)}')
    con.execute(";\n".join(statements))


def _province_border_totals() -> pd.DataFrame:
    """Totals in force per province and border (and ALL): before the merger each province's own, from
    1 July 2025 a continuing province's are the sum of its constituents' (cotmoc.core.reference)."""
    before_end = reference.MERGER_DAY - timedelta(days=1)
    spans = [(date(2004, 1, 1), before_end), (reference.MERGER_DAY, date(9999, 12, 31))]
    rows = []
    for p in reference.provinces():
        for start, end in spans:
            day = min(end, reference.MERGER_DAY)
            if not p.exists_on(day):
                continue
            borders = reference.borders_of(p.code, day)
            for border in borders + ([reference.ALL_BORDERS] if borders else []):
                t = reference.border_total(p.code, border, day)
                rows.append({"province_code": p.code, "border": border, "valid_from": start, "valid_to": end,
                             "total_km": t.total_km, "total_markers": t.total_markers, "verified": t.verified,
                             "source": t.source})
    return pd.DataFrame(rows)


def _expected_reporters(until: date) -> pd.DataFrame:
    rows = [{"period": period, "province_code": code, "due_date": reference.deadline(period)}
            for period in reference.expected_periods(until) for code in reference.expected_reporters(period)]
    return pd.DataFrame(rows, columns=["period", "province_code", "due_date"])


def _bools(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    df = df.copy()
    for c in columns:
        df[c] = df[c].map({"true": True, "false": False})
    return df


def refresh_reference(con: duckdb.DuckDBPyConnection, *, today: date | None = None) -> None:
    """Replace every ref_* table from the CSV files, in one transaction (bulk loads, no row inserts)."""
    tables = {
        "ref_provinces": _bools(reference.load_table("provinces"), "is_border"),
        "ref_province_variants": reference.load_table("province_variants"),
        "ref_borders": _bools(reference.load_table("borders"), "verified"),
        "ref_border_totals": _bools(reference.load_table("border_totals"), "verified"),
        "ref_province_border_totals": _province_border_totals(),
        "ref_enumerations": reference.load_table("enumerations"),
        "ref_communes": _bools(reference.load_table("communes"), "verified"),
        "ref_reporting_schedule": reference.load_table("reporting_schedule"),
        "ref_expected_reporters": _expected_reporters(today or date.today()),
    }
    con.execute("BEGIN TRANSACTION")
    try:
        for table, frame in tables.items():
            con.register("ref_frame", frame)
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM ref_frame")
            con.unregister("ref_frame")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def open_warehouse(path: Path | str, *, today: date | None = None) -> duckdb.DuckDBPyConnection:
    """Connect for writing, build or update the schema and the reference tables."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = connect(path)
    migrate(con)
    refresh_reference(con, today=today)
    return con

