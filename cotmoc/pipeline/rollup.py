"""What the office produces from the warehouse: per-period exports of every analyst view (Parquet, and
CSV on request), and a published read-only copy of the warehouse that analysts open, swapped in
atomically so that a long query never blocks a load and a load never breaks a query.
The national report workbook is in cotmoc/outputs/national_workbook.py; the export files are written by
cotmoc/outputs/exports.py."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from cotmoc.core.atomic import PART_SUFFIX, part_path, replacing
from cotmoc.core.config import ReportDocument, published_path
from cotmoc.core.periods import Period
from cotmoc.warehouse.db import check_copy, open_read_only, query

#: The views exported for each period (the contract's and the helpful extras).
EXPORTED_VIEWS = ("province_teams", "province_segments", "province_segments_all_borders", "province_awards",
                  "national_teams", "national_segments", "national_awards", "completeness",
                  "province_activities", "national_activities", "national_reach",
                  # the approved figures (what was published) and the reporting rates
                  "national_teams_approved", "national_segments_approved", "national_awards_approved",
                  "reporting_rates")


@dataclass
class RollupResult:
    periods: list[str]
    exports: list[Path] = field(default_factory=list)
    workbooks: list[Path] = field(default_factory=list)
    published: Path | None = None


def periods_with_data(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Periods for which at least one report is accepted (the ones worth exporting)."""
    return [r[0] for r in con.execute(query("current_periods")).fetchall()]


def export_views(con: duckdb.DuckDBPyConnection, out_dir: Path, period: str, *, csv: bool = False) -> list[Path]:
    """exports/<period>/<view>.parquet for every exported view, filtered to the period (columns described in
    the Parquet schema); with `csv`, also <view>.csv (UTF-8 with BOM) and <view>.vi.csv (labelled, for
    Vietnamese Excel). See cotmoc/outputs/exports.py."""
    from cotmoc.outputs.exports import write_csv, write_labelled_csv, write_parquet
    code = Period.parse(period).code            # a validated code: safe to write into the statements
    target = out_dir / code
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for view in EXPORTED_VIEWS:
        written.append(write_parquet(con, view, code, target / f"{view}.parquet"))
        if csv:
            written.append(write_csv(con, view, code, target / f"{view}.csv"))
            written.append(write_labelled_csv(con, view, code, target / f"{view}.vi.csv"))
    return written


def publish(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Copy the warehouse (checkpointed, while this process holds the only write lock) beside itself and
    swap it in atomically; analysts holding the old copy open keep reading it undisturbed."""
    con.execute("CHECKPOINT")
    target = published_path(warehouse)
    with replacing(target) as part:
        shutil.copyfile(warehouse, part)
        check_copy(part)                                 # refuse to publish a copy that does not open
    return target


def open_published(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """How analysts (and `cotmoc status`) open the published copy: read-only, never blocking a load."""
    return open_read_only(published_path(warehouse))


def run_rollup(con: duckdb.DuckDBPyConnection, warehouse: Path, exports: Path, *, periods: list[str] | None = None,
               csv: bool = False, document: ReportDocument | None = None, today: date | None = None) -> RollupResult:
    """Exports and the national workbook for each period (default: every period with data), then publish.
    `document` names who issues and signs the national report (settings.report)."""
    from cotmoc.outputs.national_workbook import write_national_workbook
    result = RollupResult(periods or periods_with_data(con))
    for period in result.periods:
        result.exports += export_views(con, exports, period, csv=csv)
        result.workbooks.append(write_national_workbook(con, period, exports / period / f"bao_cao_toan_quoc_{period}.xlsx",
                                                        document=document, today=today))
    result.published = publish(con, warehouse)
    return result


def rollup_warehouse(settings, *, periods: list[str] | None = None, csv: bool = False, today=None, on_wait=None,
                     on_warning=None, document: ReportDocument | None = None) -> RollupResult:
    """The rollup job: take the warehouse's writer lock (the same as the ingest's: one writer at a time), check
    the folders it writes, open the warehouse (checked whole), clear its own leftovers, run."""
    from cotmoc.pipeline.locking import warehouse_lock
    from cotmoc.pipeline.preflight import machine_faults, preflight
    from cotmoc.warehouse.db import open_warehouse
    with warehouse_lock(settings.warehouse, purpose="rollup", wait_seconds=settings.lock_wait_seconds,
                        on_wait=on_wait):
        preflight(settings, [settings.warehouse.parent, settings.exports], on_warning=on_warning)
        with machine_faults("tổng hợp", "roll up"):
            clear_leftovers(settings.warehouse, settings.exports)
            with open_warehouse(settings.warehouse, today=today, wait_seconds=settings.lock_wait_seconds) as con:
                return run_rollup(con, settings.warehouse, settings.exports, periods=periods, csv=csv,
                                  document=document or settings.report, today=today)


def clear_leftovers(warehouse: Path, exports: Path) -> None:
    """Half-written exports and published copies (`.<name>.part`, cotmoc.core.atomic) a killed rollup left
    behind."""
    leftovers = list(exports.rglob(f".*{PART_SUFFIX}*")) if exports.exists() else []
    leftovers.append(part_path(published_path(warehouse)))
    for path in leftovers:
        path.unlink(missing_ok=True)
