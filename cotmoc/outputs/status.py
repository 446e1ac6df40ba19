"""`cotmoc status`: what arrived, what is missing, what failed — provinces × periods at a glance, the
rejected reports and where their steward reports are, and the last ingest runs. Reads the warehouse
read-only; while a load holds it, reads the published copy instead (and says so)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from cotmoc.core.inert import rich_text, shown_name
from cotmoc.core.config import published_path


@dataclass
class Status:
    source: str                 # which file was read
    periods: list[str]
    cells: list[dict]           # one per (period, expected province)
    runs: list[dict]

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=str)


def _open(warehouse: Path) -> tuple[duckdb.DuckDBPyConnection, str]:
    try:
        return duckdb.connect(str(warehouse), read_only=True), str(warehouse)
    except duckdb.IOException:
        published = published_path(warehouse)
        if not published.exists():
            raise
        return duckdb.connect(str(published), read_only=True), f"{published} (kho đang được ghi — warehouse busy)"


def _rows(cur) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def read_status(warehouse: Path, *, periods: list[str] | None = None, last: int = 4, today: date | None = None) -> Status:
    """Completeness for the chosen periods (default: the `last` periods that have ended) and the last runs."""
    if not warehouse.exists() and not published_path(warehouse).exists():
        raise FileNotFoundError(f"Chưa có kho dữ liệu {warehouse}: chạy cotmoc ingest trước — no warehouse yet; "
                                f"run cotmoc ingest first")
    con, source = _open(warehouse)
    try:
        if not periods:
            ended = con.execute("SELECT DISTINCT period FROM completeness WHERE period_end(period) < ? ORDER BY period DESC",
                                [today or date.today()]).fetchall()
            periods = sorted(p for (p,) in ended[:last])
        cells = _rows(con.execute("""
            SELECT period, province_code, province_name, reporting_province_code, reporting_province_name, status,
                   errors, received_at, due_date, on_time, file_name, stored_path
            FROM completeness WHERE list_contains($periods, period)
            ORDER BY province_name, reporting_province_name, period""", {"periods": periods}))
        runs = _rows(con.execute("SELECT * FROM ingest_runs ORDER BY run_id DESC LIMIT 5"))
    finally:
        con.close()
    return Status(source, periods, cells, runs)


def _mark(cell: dict, today: date) -> str:
    status = cell["status"]
    if status == "accepted":
        return "[green]✓[/green]" + ("" if cell["on_time"] else " [yellow]trễ[/yellow]")
    if status == "rejected":
        return f"[red]✗ {cell['errors'] or ''}[/red]"
    overdue = cell["due_date"] is not None and cell["due_date"] < today
    return "[yellow]— quá hạn[/yellow]" if overdue else "[dim]—[/dim]"


def print_status(status: Status, console: Console | None = None, today: date | None = None) -> None:
    console = console or Console()
    today = today or date.today()
    table = Table(title="Tình hình báo cáo — Reporting status")
    table.add_column("Tỉnh (báo cáo)")
    for p in status.periods:
        table.add_column(p, justify="center")
    rows: dict[tuple, dict] = {}
    for c in status.cells:
        name = c["province_name"] if c["province_name"] == c["reporting_province_name"] else \
            f"{c['province_name']} ({c['reporting_province_name']})"
        rows.setdefault((c["province_name"], name), {})[c["period"]] = c
    for (_, name), by_period in sorted(rows.items()):
        table.add_row(name, *(_mark(by_period[p], today) if p in by_period else "" for p in status.periods))
    console.print(table)
    counts = {s: sum(c["status"] == s for c in status.cells) for s in ("accepted", "rejected", "missing")}
    console.print(f"✓ đã nhận / accepted {counts['accepted']}   ✗ bị từ chối / rejected (số lỗi) {counts['rejected']}   "
                  f"— chưa gửi / missing {counts['missing']}   (trễ = nộp sau hạn / late)")
    for c in status.cells:
        if c["status"] == "rejected" and c["stored_path"]:
            report = Path(c["stored_path"])
            console.print(rich_text("✗", "red") + rich_text(f" {c['reporting_province_name']} {c['period']}: "
                                                             f"{c['errors']} lỗi — "
                                                             f"{shown_name(report.with_name(report.stem + '.loi.xlsx'))}"))
    runs = Table(title="Các lượt nhận gần nhất — Last ingest runs")
    for col in ("Bắt đầu", "Giây", "File", "Mới", "Thay thế", "Trùng", "Từ chối", "Hoàn tất"):
        runs.add_column(col, justify="right")
    for r in status.runs:
        seconds = (r["finished_at"] - r["started_at"]).total_seconds() if isinstance(r["finished_at"], datetime) else 0
        runs.add_row(f"{r['started_at']:%Y-%m-%d %H:%M}", f"{seconds:.1f}", str(r["files"]), str(r["new"]),
                     str(r["superseding"]), str(r["duplicate"]), str(r["rejected"]), str(r["recovered"]))
    console.print(runs)
    console.print(rich_text(f"Nguồn / source: {shown_name(status.source)}", "dim"))
