"""The warehouse's schema, and how an office's existing warehouse is taken to the current one.

Two kinds of objects, two rules:
- **tables and sequences hold data**: they are created and changed only by the numbered migrations of
  `warehouse/migrations/NNNN_name.sql`, applied in order, all pending ones in ONE transaction, each recorded
  in `schema_version`. A warehouse is upgraded in place and keeps every row; a crash mid-upgrade leaves
  it at its old version.
- **views and macros hold no data**: `warehouse/sql/*.sql` re-creates them (CREATE OR REPLACE), with the
  comments, whenever what they are built from changed (the SQL files, the dictionary, the schema version,
  DuckDB's version): the warehouse keeps that fingerprint in the macro `views_built_from()`, written in the
  same transaction as the views, so a changed view reaches every warehouse at its next open, and an open
  with nothing changed costs one query instead of re-creating every view (≈ 2 s on a loaded 2-core machine).

A warehouse made before versioning has the baseline's tables but no `schema_version`: migration 1 (all
IF NOT EXISTS) then runs as a no-op and is recorded. A warehouse newer than this code is refused: an older
cotmoc must not write to it.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cotmoc.core.faults import EXIT_ENVIRONMENT, Fault

HERE = Path(__file__).resolve().parent
MIGRATIONS_DIR = HERE / "migrations"
SQL_DIR = HERE / "sql"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class WarehouseTooNew(Fault):
    """The warehouse was upgraded by a newer cotmoc than this one: the installed cotmoc must be upgraded (a fault
    of the installation, exit 4, like the machine's)."""
    exit_code = EXIT_ENVIRONMENT


@dataclass(frozen=True, order=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def migrations() -> list[Migration]:
    """Every migration shipped with this code, in order (versions 1, 2, 3 … without gaps)."""
    found = sorted(Migration(int(m.group(1)), m.group(2), p)
                   for p in MIGRATIONS_DIR.glob("*.sql") if (m := _NAME.match(p.name)))
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"warehouse/migrations: versions must run 1, 2, 3 … without gaps: "
                           f"{[m.path.name for m in found]}")
    return found


def current_version() -> int:
    """The schema version this code builds."""
    return len(migrations())


def installed_version(con: duckdb.DuckDBPyConnection) -> int:
    """The warehouse's schema version (0: empty, or made before versioning and not yet upgraded)."""
    from cotmoc.warehouse.db import query           # db imports this module
    if not con.execute(query("has_schema_version")).fetchone()[0]:
        return 0
    return con.execute(query("installed_version")).fetchone()[0]


def upgrade(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Apply the pending migrations in one transaction; returns those applied (none when up to date)."""
    known = migrations()
    have = installed_version(con)
    if have > len(known):
        raise WarehouseTooNew(
            f"Kho dữ liệu đã được nâng cấp bởi phiên bản cotmoc mới hơn (lược đồ {have}, phiên bản này biết đến "
            f"{len(known)}): hãy cập nhật cotmoc — the warehouse has schema version {have}, newer than this "
            f"cotmoc knows ({len(known)}): upgrade cotmoc")
    pending = [m for m in known if m.version > have]
    if not pending:
        return []
    from cotmoc.warehouse.db import query
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(query("schema_version_table"))
        for m in pending:
            con.execute(m.sql)
            con.execute(query("record_migration"), {"version": m.version, "name": m.name})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return pending


def rebuild_views(con: duckdb.DuckDBPyConnection) -> None:
    """Re-create every macro and view (idempotent: CREATE OR REPLACE)."""
    for path in sorted(SQL_DIR.glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))


STAMP_MACRO = "views_built_from"


def views_stamp(*also: Path) -> str:
    """The fingerprint of what the views and comments are built from: this code's schema version, DuckDB's
    version, and the bytes of every `warehouse/sql/*.sql` file (and of `also`: the dictionary)."""
    digest = hashlib.sha256(f"{current_version()}:{duckdb.__version__}".encode())
    for path in [*sorted(SQL_DIR.glob("*.sql")), *also]:
        digest.update(f"\0{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def built_from(con: duckdb.DuckDBPyConnection, macro: str = STAMP_MACRO) -> str | None:
    """The fingerprint recorded in `macro` (the views' by default; None: never stamped). Asked directly: listing
    duckdb_functions() to look for it would cost more than the check saves."""
    try:
        return con.execute(f"SELECT {macro}()").fetchone()[0]
    except duckdb.CatalogException:
        return None


def stamp_views(con: duckdb.DuckDBPyConnection, stamp: str, macro: str = STAMP_MACRO) -> None:
    """Record `stamp` in `macro` (hex digits only, so it is safe inside the statement), inside the caller's
    transaction."""
    if not re.fullmatch(r"[0-9a-f]{64}", stamp) or not re.fullmatch(r"[a-z_]+", macro):
        raise ValueError(f"not a SHA-256 hex digest: {stamp!r}")
    con.execute(f"CREATE OR REPLACE MACRO {macro}() AS '{stamp}'")
