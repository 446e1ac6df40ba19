"""The import summary: one row per file and the run's totals, as a terminal table (narrow enough for an
80-column terminal) and as Markdown (kept as a Prefect artifact so the office sees it in the UI)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cotmoc.core.inert import markdown_text, rich_text, shown_name
from cotmoc.core.records import FileOutcome

OUTCOME = {
    "new": "mới / new", "superseding": "thay thế / superseding", "duplicate": "trùng / duplicate",
    "rejected": "từ chối / rejected", "recovered": "hoàn tất / recovered", "left": "để lại / left in inbox",
}
_COLUMNS = ("File", "Kết quả / Outcome", "Tỉnh · Kỳ", "Dòng T/Đ/K", "Lỗi", "C.báo")


def _where(path: Path | None, home: Path | None) -> str:
    if path is None:
        return "—"
    try:
        return shown_name(path.relative_to(home)) if home else shown_name(path)
    except ValueError:
        return shown_name(path)


def _cells(o: FileOutcome) -> list[str]:
    rows = o.rows or {}
    counts = "/".join(str(rows.get(k, 0)) for k in ("teams", "segments", "awards")) if rows else "—"
    place = f"{o.province or '?'} · {o.period or '?'}" if (o.province or o.period) else "—"
    return [o.file_name, OUTCOME.get(o.outcome, o.outcome), place, counts, str(o.errors), str(o.warnings)]


def totals_line(outcomes: list[FileOutcome]) -> str:
    counts = Counter(o.outcome for o in outcomes)
    parts = [f"{OUTCOME[k]}: {counts[k]}" for k in OUTCOME if counts[k]]
    return f"{len(outcomes)} file — " + (", ".join(parts) if parts else "hộp thư trống / inbox empty")


def print_summary(outcomes: list[FileOutcome], console: Console | None = None, home: Path | None = None) -> None:
    console = console or Console()
    table = Table(title="Kết quả nhận báo cáo — Import summary")
    for name in _COLUMNS:
        table.add_column(name, overflow="fold", justify="right" if name in ("Lỗi", "C.báo") else "left")
    for o in outcomes:       # every cell is a rich Text: a name or value such as "[/bold]" is shown as written
        style = {"rejected": "red", "duplicate": "dim", "recovered": "yellow", "left": "yellow"}.get(o.outcome)
        table.add_row(*map(rich_text, _cells(o)), style=style)
    console.print(table)
    console.print(rich_text(totals_line(outcomes)))
    for o in outcomes:
        if o.outcome == "rejected":
            report = o.stored_path.with_name(o.stored_path.stem + ".loi.xlsx") if o.stored_path else None
            console.print(rich_text(f"✗ {o.file_name}", "red") + rich_text(f" → {_where(report, home)}\n  {o.first_error}"))
        elif o.outcome == "left":
            console.print(rich_text(f"… {o.file_name}", "yellow") + rich_text(f"\n  {o.first_error}"))


def summary_markdown(outcomes: list[FileOutcome]) -> str:
    columns = _COLUMNS + ("Lưu tại / Filed at",)
    lines = ["# Kết quả nhận báo cáo — Import summary", "", markdown_text(totals_line(outcomes)), "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for o in outcomes:
        cells = _cells(o) + [_where(o.stored_path, None)]
        lines.append("| " + " | ".join(map(markdown_text, cells)) + " |")
    return "\n".join(lines) + "\n"
