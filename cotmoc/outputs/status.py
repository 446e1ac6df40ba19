"""`cotmoc status`: what arrived, what is missing, what failed — provinces × periods at a glance, the
rejected reports and where their steward reports are, the held reports (a late report for an approved,
locked period) and the approval trail, and the last ingest runs. Reads a read-only
connection it is given: the warehouse, or the published copy while a load holds it (cotmoc.warehouse.db.reading)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from cotmoc.core.inert import rich_text, shown_name
from cotmoc.core.steward_files import annotated_path
from cotmoc.core.display import province_name, vi_number
from cotmoc.outputs.sql import query

ACTION_VI = {"approve": "duyệt", "unlock": "mở khóa", "hold": "giữ lại", "release": "thay thế sau mở khóa"}


@dataclass
class Status:
    source: str                 # which file was read
    periods: list[str]
    cells: list[dict]           # one per (period, expected province)
    runs: list[dict]
    held: list[dict] = field(default_factory=list)        # held reports of these periods, waiting for an unlock
    approvals: list[dict] = field(default_factory=list)   # the approval trail of these periods, newest first

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=str)


def _rows(cur) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def read_status(con: duckdb.DuckDBPyConnection, source: str, *, periods: list[str] | None = None, last: int = 4,
                today: date | None = None) -> Status:
    """Completeness for the chosen periods and the last runs, read on `con` (cotmoc.warehouse.db.reading: the
    warehouse, or its published copy while a load holds it; `source` says which). By default: the `last` most
    recent periods that have reports, and the periods due now (the latest ended year and half-year), not empty
    future ones."""
    if not periods:
        periods = [p for (p,) in con.execute(query("status_periods"),
                                             {"last": last, "today": today or date.today()}).fetchall()]
    cells = _rows(con.execute(query("status_cells"), {"periods": periods}))
    runs = _rows(con.execute(query("recent_runs")))
    held = _rows(con.execute(query("status_held"), {"periods": periods}))
    approvals = _rows(con.execute(query("status_approvals"), {"periods": periods}))
    return Status(source, periods, cells, runs, held, approvals)


def _mark(cell: dict, today: date) -> str:
    status = cell["status"]
    if status == "accepted":
        approval = {"approved": " [cyan]🔒[/cyan]", "changed_since_approval": " [magenta]Δ[/magenta]"}.get(
            cell.get("approval_status"), "")
        waiting = f" [magenta]⏸{cell['held']}[/magenta]" if cell.get("held") else ""
        return "[green]✓[/green]" + ("" if cell["on_time"] else " [yellow]trễ[/yellow]") + approval + waiting
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
    for (_, name), by_period in rows.items():           # cells come in Vietnamese order (status_cells.sql)
        table.add_row(name, *(_mark(by_period[p], today) if p in by_period else "" for p in status.periods))
    console.print(table)
    counts = {s: sum(c["status"] == s for c in status.cells) for s in ("accepted", "rejected", "missing")}
    console.print(f"✓ đã nhận / accepted {vi_number(counts['accepted'])}   ✗ bị từ chối / rejected (số lỗi) "
                  f"{vi_number(counts['rejected'])}   — chưa gửi / missing {vi_number(counts['missing'])}   "
                  f"(trễ = nộp sau hạn / late)")
    if any(c.get("approval_status") not in (None, "not_approved") or c.get("held") for c in status.cells):
        console.print("🔒 đã duyệt, khóa / approved, locked   Δ đã thay đổi sau khi duyệt / changed since approval   "
                      "⏸ báo cáo giữ lại chờ mở khóa / held reports waiting for an unlock")
    for c in status.cells:
        if c["status"] == "rejected" and c["stored_path"]:
            report = Path(c["stored_path"])
            console.print(rich_text("✗", "red") + rich_text(f" {c['reporting_province_name']} {c['period']}: "
                                                             f"{c['errors']} lỗi — "
                                                             f"{shown_name(annotated_path(report))}"))
    for h in status.held:
        console.print(rich_text("⏸", "magenta") + rich_text(
            f" {h['reporting_province_name']} {h['period']}: {shown_name(h['file_name'])} được giữ lại vì kỳ đã duyệt, "
            f"chờ mở khóa — held: the period is approved; to let it replace the approved report: cotmoc unlock "
            f"--period {h['period']} --province {h['reporting_province_code']} --reason \"…\"  "
            f"({shown_name(h['stored_path'])})"))
    if status.approvals:      # the approval trail of these periods
        trail_table = Table(title="Nhật ký duyệt — Approval trail")
        for col in ("Lúc / When", "Bước / Step", "Tỉnh · Kỳ", "Hồ sơ", "Người / Who", "Lý do / Why"):
            trail_table.add_column(col, overflow="fold")
        for e in status.approvals:
            ids = str(e["submission_id"]) + (f" (thay {', '.join(map(str, e['replaced_ids']))})" if e["replaced_ids"] else "")
            trail_table.add_row(*map(rich_text, (f"{e['event_at']:%Y-%m-%d %H:%M}", f"{ACTION_VI[e['action']]} / {e['action']}",
                                f"{province_name(e['province_code'])} · {e['period']}", ids, e["actor"] or "",
                                e["reason"] or "")))
        console.print(trail_table)
    runs = Table(title="Các lượt nhận gần nhất — Last ingest runs")
    held = any(r.get("held") for r in status.runs)      # the column only when a run held a report
    for col in ("Bắt đầu", "Giây", "File", "Mới", "Thay thế", "Trùng", "Từ chối", "Hoàn tất") + (("Giữ lại",) if held else ()):
        runs.add_column(col, justify="right")
    for r in status.runs:
        seconds = (r["finished_at"] - r["started_at"]).total_seconds() if isinstance(r["finished_at"], datetime) else 0
        runs.add_row(f"{r['started_at']:%Y-%m-%d %H:%M}", f"{seconds:.1f}", str(r["files"]), str(r["new"]),
                     str(r["superseding"]), str(r["duplicate"]), str(r["rejected"]), str(r["recovered"]),
                     *((str(r.get("held") or 0),) if held else ()))
    console.print(runs)
    console.print(rich_text(f"Nguồn / source: {shown_name(status.source)}", "dim"))
