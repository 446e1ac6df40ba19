"""The import summary: one row per file and the run's totals, as a terminal table and as Markdown
(kept as a Prefect artifact so the office sees it in the UI)."""
from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from cotmoc.ingest import FileOutcome

OUTCOME_VI = {
    "new": "Mới", "superseding": "Thay thế", "duplicate": "Trùng lặp",
    "rejected": "Từ chối", "recovered": "Hoàn tất",
}
_COLUMNS = ("File", "Kết quả / Outcome", "Tỉnh", "Kỳ", "Tổ", "Đoạn", "Khen", "Lỗi", "Cảnh báo", "Lưu tại")


def _cells(o: FileOutcome) -> list[str]:
    rows = o.rows or {}
    return [o.file_name, f"{OUTCOME_VI.get(o.outcome, o.outcome)} / {o.outcome}", o.province or "—",
            o.period or "—", str(rows.get("teams", "")), str(rows.get("segments", "")),
            str(rows.get("awards", "")), str(o.errors), str(o.warnings),
            str(o.stored_path) if o.stored_path else "—"]


def totals_line(outcomes: list[FileOutcome]) -> str:
    counts = Counter(o.outcome for o in outcomes)
    parts = [f"{OUTCOME_VI[k]} / {k}: {counts[k]}" for k in OUTCOME_VI if counts[k]]
    return f"{len(outcomes)} file — " + (", ".join(parts) if parts else "hộp thư trống / inbox empty")


def print_summary(outcomes: list[FileOutcome], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="Kết quả nhận báo cáo — Import summary", show_lines=False)
    for name in _COLUMNS:
        table.add_column(name, overflow="fold")
    for o in outcomes:
        style = {"rejected": "red", "duplicate": "dim", "recovered": "yellow"}.get(o.outcome)
        table.add_row(*_cells(o), style=style)
    console.print(table)
    console.print(totals_line(outcomes))
    for o in outcomes:
        if o.outcome == "rejected" and o.first_error:
            console.print(f"[red]✗ {o.file_name}[/red]: {o.first_error}")


def summary_markdown(outcomes: list[FileOutcome]) -> str:
    lines = ["# Kết quả nhận báo cáo — Import summary", "", totals_line(outcomes), "",
             "| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    for o in outcomes:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(o)) + " |")
    return "\n".join(lines) + "\n"
