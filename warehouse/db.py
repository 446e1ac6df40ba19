"""The DuckDB warehouse: connecting, building or upgrading it (warehouse/schema.py: versioned migrations for
tables, views re-created from warehouse/sql/*.sql), filling the reference tables, and documenting every table, view and column inside the database (COMMENT ON) from
warehouse/dictionary.csv, so that `duckdb_columns()` explains itself."""
from __future__ import annotations

import csv
import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from cotmoc.core import reference
from cotmoc.core.config import published_path
from cotmoc.core.faults import Busy, WarehouseDamaged
from cotmoc.core.errors import MissingInput
from cotmoc.warehouse.schema import built_from, rebuild_views, stamp_views, upgrade, views_stamp

HERE = Path(__file__).resolve().parent
QUERY_DIR = HERE / "queries"
DICTIONARY = HERE / "dictionary.csv"


class WarehouseBusy(Busy):
    """Another process holds the warehouse file (DuckDB allows one writer, and no writer beside a reader)."""


def _holder_of(exc: duckdb.IOException) -> str:
    """Who holds the file, from DuckDB's message ('… Conflicting lock is held in … (PID 123) …')."""
    from cotmoc.core.faults import command_line
    found = re.search(r"PID (\d+)", str(exc))
    return f"pid {found.group(1)}: {command_line(int(found.group(1)))}" if found else "?"


def connect(path: Path | str, *, read_only: bool = False, wait_seconds: float = 0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, waiting up to `wait_seconds` while another process holds it; then a clear,
    bilingual error naming that process. Holding cotmoc's writer lock (cotmoc/locking.py) means no cotmoc
    writer is the holder, so the message says it is another program (an analyst's connection, a viewer)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() < deadline:
                time.sleep(0.5)
                continue
            holder = _holder_of(exc)
            raise WarehouseBusy(
                f"Kho dữ liệu {path} đang được một tiến trình khác mở ({holder}), không phải một lượt ghi của "
                f"cotmoc: ví dụ một kết nối phân tích (kể cả chỉ đọc). Đóng kết nối đó (phân tích viên dùng bản "
                f"công bố *.published.duckdb) rồi chạy lại; không có gì thay đổi — the warehouse is held open by "
                f"another process ({holder}), not a cotmoc writer: e.g. an analyst's connection (even read-only). "
                f"Close it (analysts use the published copy *.published.duckdb) and run again; nothing changed"
            ) from None


def open_read_only(path: Path | str) -> duckdb.DuckDBPyConnection:
    """The one way cotmoc reads a DuckDB file without writing to it: the warehouse (`cotmoc status`), its
    published copy (analysts, the portal, the terminal rollup), a copy checked before it is swapped in (publish,
    backup) and a damaged warehouse a rebuild reads names from. Nothing is created, migrated or locked for
    writing; a writer holding the file is named (WarehouseBusy), as in `connect`."""
    return connect(path, read_only=True)


def check_copy(path: Path | str) -> None:
    """A copy of the warehouse (published, backed up) opens and reads before it replaces the last one."""
    with open_read_only(path) as check:
        check.execute(query("count_submissions")).fetchone()


@contextmanager
def reading(warehouse: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """(connection, what it reads) for a report on the warehouse: the warehouse itself, read-only, or, while a
    load holds it, the published copy (and the source says so). Closed when the block ends."""
    warehouse = Path(warehouse)
    published = published_path(warehouse)
    if not warehouse.exists() and not published.exists():
        raise MissingInput(f"Chưa có kho dữ liệu {warehouse}: chạy cotmoc ingest trước — no warehouse yet; "
                                f"run cotmoc ingest first")
    try:
        con, source = open_read_only(warehouse), str(warehouse)
    except WarehouseBusy:
        if not published.exists():
            raise
        con, source = open_read_only(published), f"{published} (kho đang được ghi — warehouse busy)"
    except duckdb.Error as exc:          # not a holder: the file itself does not open
        from cotmoc.core.faults import environment_fault
        raise (environment_fault(exc, "đọc kho dữ liệu", "read the warehouse") or _damaged(warehouse, exc)) from None
    try:
        yield con, source
    finally:
        con.close()


@lru_cache(maxsize=None)
def query(name: str) -> str:
    """A named statement from warehouse/queries/ (the loader's SQL lives in files, not in Python)."""
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


def migrate(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> bool:
    """Take the warehouse to the current schema (pending migrations in one transaction), then, unless they are
    already built from exactly these SQL files, dictionary and schema version (warehouse/schema.py:
    `views_stamp`) or `force`, re-create every view and macro and the comments, and stamp them, in ONE
    transaction. Idempotent; returns whether the views were re-created."""
    upgrade(con)
    stamp = views_stamp(DICTIONARY)
    if not force and built_from(con) == stamp:
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        rebuild_views(con)
        apply_comments(con)
        stamp_views(con, stamp)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(con: duckdb.DuckDBPyConnection) -> None:
    """COMMENT ON every table, view, column and table macro listed in the dictionary ('Vietnamese — English')."""
    with DICTIONARY.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    generic = {r["column"]: f"{r['comment_vi']} — {r['comment_en']}" for r in rows if r["object"] == "*"}
    specific = {(r["object"], r["column"]): f"{r['comment_vi']} — {r['comment_en']}" for r in rows if r["object"] != "*"}
    statements = []
    columns: dict[str, list[str]] = {}
    for table, column in con.execute(query("main_columns")).fetchall():       # one query, not one per object
        columns.setdefault(table, []).append(column)
    for name, kind, _ in con.execute(query("main_objects")).fetchall():
        if (name, "") in specific:
            statements.append(f"COMMENT ON {kind.upper()} {name} IS {_quote(specific[(name, '')])}")
        for column in columns.get(name, []):
            text = specific.get((name, column)) or generic.get(column)
            if text:
                statements.append(f'COMMENT ON COLUMN {name}."{column}" IS {_quote(text)}')
    for (name,) in con.execute(query("table_macros")).fetchall():
        if (name, "") in specific:        # the table macros analysts call (national_teams_as_approved(7), ...)
            statements.append(f"COMMENT ON MACRO TABLE {name} IS {_quote(specific[(name, '')])}")
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


REFERENCE_STAMP = "reference_built_from"


def _frames_stamp(tables: dict[str, pd.DataFrame]) -> str:
    """SHA-256 of the reference tables' names, column types and every value (as CSV text: a few thousand rows)."""
    digest = hashlib.sha256()
    for table, frame in tables.items():
        digest.update(f"\0{table}\0{list(map(str, frame.dtypes))}\0".encode())
        digest.update(frame.to_csv(index=False).encode())
    return digest.hexdigest()


def refresh_reference(con: duckdb.DuckDBPyConnection, *, today: date | None = None) -> bool:
    """Replace every ref_* table from the CSV files, in one transaction (bulk loads, no row inserts), unless
    the warehouse already holds exactly these rows (their fingerprint, kept in the macro
    `reference_built_from()` in the same transaction): then nothing is written. Returns whether it wrote."""
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
    stamp = _frames_stamp(tables)
    if built_from(con, REFERENCE_STAMP) == stamp:
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        for table, frame in tables.items():
            con.register("ref_frame", frame)
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            con.execute(query("replace_reference_table").format(table=table, columns=columns))
            con.unregister("ref_frame")
        stamp_views(con, stamp, REFERENCE_STAMP)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return True


def _damaged(path, exc: BaseException) -> WarehouseDamaged:
    return WarehouseDamaged(
        f"Kho dữ liệu {path} bị hỏng, không dùng được ({type(exc).__name__}: {exc}). Không file nào bị chuyển. "
        f"Dựng lại kho từ lưu trữ: `cotmoc rebuild --into <kho_moi>.duckdb` (xem docs/operations.md, mục "
        f"'Khi có sự cố') — the warehouse {path} is damaged and cannot be used. No file was moved. Rebuild it "
        f"from the archive: `cotmoc rebuild --into <new>.duckdb` (docs/operations.md, 'When things break')")


def verify(con: duckdb.DuckDBPyConnection, path) -> dict[str, int]:
    """The start-of-run integrity check: the schema version is one this code knows, every table reads whole
    (each block's checksum is verified as it is read), and a checkpoint succeeds. Returns the row counts.
    Damage raises WarehouseDamaged; a full disk or a read-only folder stays an environment fault."""
    from cotmoc.core.faults import environment_fault
    from cotmoc.warehouse.schema import current_version, installed_version
    try:
        version = installed_version(con)
        if version > current_version():
            return {}                              # upgrade() refuses it with its own message
        counts = {}
        for (table,) in con.execute(query("main_tables")).fetchall():
            counts[table], _ = con.execute(query("table_checksum").format(table=table)).fetchone()
        con.execute("CHECKPOINT")
        return counts
    except duckdb.Error as exc:
        fault = environment_fault(exc, "kiểm tra kho dữ liệu", "check the warehouse")
        raise (fault or _damaged(path, exc)) from None


def open_warehouse(path: Path | str, *, today: date | None = None, wait_seconds: float = 0) -> duckdb.DuckDBPyConnection:
    """Connect for writing, check the warehouse is whole (`verify`), build or update the schema and the
    reference tables."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = connect(path, wait_seconds=wait_seconds)
    except WarehouseBusy:
        raise
    except duckdb.Error as exc:                  # not a DuckDB file any more, or cut short
        from cotmoc.core.faults import environment_fault
        raise (environment_fault(exc, "mở kho dữ liệu", "open the warehouse") or _damaged(path, exc)) from None
    try:
        verify(con, path)
        migrate(con)
        refresh_reference(con, today=today)
    except BaseException:
        con.close()
        raise
    return con

