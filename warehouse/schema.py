"""The warehouse's schema, and how an office's existing warehouse is taken to the current one.

Two kinds of objects, two rules:
- **tables and sequences hold data**: they are created and changed only by the numbered migrations of
  `warehouse/migrations/NNNN_name.sql`, applied in order, all pending ones in ONE transaction, each recorded
  in `schema_version`. A warehouse is upgraded in place and keeps every row; a crash mid-upgrade leaves
  it at its old version.
- **views and macros hold no data**: `warehouse/sql/*.sql` re-creates them (CREATE OR REPLACE) on every
  open, so a changed view reaches every warehouse at once.

A warehouse made before versioning has the baseline's tables but no `schema_version`: migration 1 (all
IF NOT EXISTS) then runs as a no-op and is recorded. A warehouse newer than this code is refused: an older
cotmoc must not write to it.
"""
from __future__ import annotations

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
