"""What the office produces from the warehouse: per-period exports of every analyst view (Parquet, and
CSV on request), and a published read-only copy of the warehouse that analysts open, swapped in
atomically so that a long query never blocks a load and a load never breaks a query.
The national report workbook is in cotmoc/outputs/national_workbook.py."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cotmoc.core.config import published_path
from cotmoc.core.periods import Period
from cotmoc.warehouse.db import connect

#: The views exported for each period (the contract's and the helpful extras).
EXPORTED_VIEWS = ("province_teams", "province_segments", "province_segments_all_borders", "province_awards",
                  "national_teams", "national_segments", "national_awards", "completeness")


@dataclass
class RollupResult:
    periods: list[str]
    exports: list[Path] = field(default_factory=list)
    workbooks: list[Path] = field(default_factory=list)
    published: Path | None = None


def periods_with_data(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Periods for which at least one report is accepted (the ones worth exporting)."""
    return [r[0] for r in con.execute("SELECT DISTINCT period FROM stg_current_submissions ORDER BY period").fetchall()]


def export_views(con: duckdb.DuckDBPyConnection, out_dir: Path, period: str, *, csv: bool = False) -> list[Path]:
    """exports/<period>/<view>.parquet (and .csv) for every exported view, filtered to the period."""
    code = Period.parse(period).code            # a validated code: safe to write into the COPY statement
    target = out_dir / code
    target.mkdir(parents=True, exist_ok=True)
    written = []
    formats = [("parquet", "(FORMAT parquet)")] + ([("csv", "(FORMAT csv, HEADER true)")] if csv else [])
    for view in EXPORTED_VIEWS:
        for suffix, options in formats:
            path = target / f"{view}.{suffix}"
            tmp = path.with_name(f".{path.name}.tmp")
            rows = f"SELECT * FROM {view} WHERE period = '{code}' ORDER BY ALL"
            if suffix == "csv":            # a spreadsheet opens it: no text may become a formula (Parquet: exact)
                rows = f"SELECT {_inert_columns(con, view)} FROM ({rows})"
            con.execute(f"COPY ({rows}) TO '{tmp}' {options}")
            os.replace(tmp, path)          # a reader never sees half a file
            written.append(path)
    return written


def _inert_columns(con: duckdb.DuckDBPyConnection, view: str) -> str:
    """The view's columns, its text columns passed through cotmoc.core.inert.spreadsheet_text (OWASP CSV injection)."""
    from cotmoc.core.inert import spreadsheet_text
    try:
        con.create_function("spreadsheet_text", spreadsheet_text, ["VARCHAR"], "VARCHAR", side_effects=False)
    except (duckdb.NotImplementedException, duckdb.CatalogException):
        pass                                # registered on this connection already
    columns = con.execute(f"DESCRIBE {view}").fetchall()
    return ", ".join(f'spreadsheet_text("{name}") AS "{name}"' if kind == "VARCHAR" else f'"{name}"'
                     for name, kind, *_ in columns)


def publish(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Copy the warehouse (checkpointed, while this process holds the only write lock) beside itself and
    swap it in atomically; analysts holding the old copy open keep reading it undisturbed."""
    con.execute("CHECKPOINT")
    target = published_path(warehouse)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(warehouse, tmp)
    check = duckdb.connect(str(tmp), read_only=True)        # refuse to publish a copy that does not open
    check.execute("SELECT count(*) FROM submissions").fetchone()
    check.close()
    os.replace(tmp, target)
    return target


def open_published(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """How analysts (and `cotmoc status`) open the published copy: read-only, never blocking a load."""
    return connect(published_path(warehouse), read_only=True)


def run_rollup(con: duckdb.DuckDBPyConnection, warehouse: Path, exports: Path, *, periods: list[str] | None = None,
               csv: bool = False) -> RollupResult:
    """Exports and the national workbook for each period (default: every period with data), then publish."""
    from cotmoc.outputs.national_workbook import write_national_workbook
    result = RollupResult(periods or periods_with_data(con))
    for period in result.periods:
        result.exports += export_views(con, exports, period, csv=csv)
        result.workbooks.append(write_national_workbook(con, period, exports / period / f"bao_cao_toan_quoc_{period}.xlsx"))
    result.published = publish(con, warehouse)
    return result
