"""The rollup flow: a thin Prefect layer over cotmoc.pipeline.rollup (exports, national workbook, published copy)."""
from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from cotmoc.core.config import Settings, load_settings
from cotmoc.pipeline.rollup import RollupResult, run_rollup
from cotmoc.warehouse.db import open_warehouse


@flow(name="cotmoc-rollup")
def rollup_flow(periods: list[str] | None = None, csv: bool = False, settings: Settings | None = None,
                today: date | None = None) -> RollupResult:
    """Refresh the warehouse's schema and reference data, export every period, publish the read-only copy."""
    logger = get_run_logger()
    settings = settings or load_settings()
    with open_warehouse(settings.warehouse, today=today) as con:
        result = run_rollup(con, settings.warehouse, settings.exports, periods=periods, csv=csv)
    for path in result.workbooks:
        logger.info(f"Báo cáo toàn quốc / national report: {path}")
    lines = ["# Tổng hợp — Rollup", "", f"Kỳ / periods: {', '.join(result.periods) or '—'}", "",
             f"Bản công bố (chỉ đọc) / published read-only copy: `{result.published}`", ""]
    lines += [f"- `{p}`" for p in result.workbooks]
    create_markdown_artifact("\n".join(lines) + "\n", key="cotmoc-rollup", description="Tổng hợp — Rollup")
    return result
