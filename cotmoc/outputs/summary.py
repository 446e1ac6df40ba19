"""The import summary: one row per file and the run's totals, as a terminal table (narrow enough for an
80-column terminal) and as Markdown (kept as a Prefect artifact so the office sees it in the UI)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from cotmoc.core.display import province_name, vi_number
from cotmoc.core.inert import markdown_text, rich_text, shown_name
from cotmoc.core.records import FileOutcome
from cotmoc.core.steward_files import annotated_path

OUTCOME = {
    "new": "mới / new", "superseding": "thay thế / superseding", "held": "chờ mở khóa / held",
    "duplicate": "trùng / duplicate", "rejected": "từ chối / rejected", "recovered": "hoàn tất / recovered",
    "left": "để lại / left in inbox",
}
_COLUMNS = ("File", "Kết quả / Outcome", "Tỉnh · Kỳ", "Dòng T/Đ/K", "Lỗi", "C.báo")


def _where(path: Path | None, home: Path | None) -> str:
    if path is None:
        return "—"
    try:
        return shown_name(path.relative_to(home)) if home else shown_name(path)
    except ValueError:
        return shown_name(path)


#: outcome → how a run's name counts it (Vietnamese, short: the Prefect UI's run list is narrow)
_RUN_NAME_WORD = {"new": "mới", "superseding": "thay thế", "duplicate": "trùng", "rejected": "từ chối",
                  "recovered": "hoàn tất", "left": "để lại"}


def steward_copy(o: FileOutcome) -> Path | None:
    """Where the steward's annotated copy (.loi.xlsx) of a rejected file is: beside the filed file, or, for
    rejected bytes sent again, the earlier verdict's."""
    if o.rejected_copy:
        return o.rejected_copy
    if o.outcome == "rejected" and o.stored_path:
        return annotated_path(o.stored_path)
    return None


def _cells(o: FileOutcome) -> list[str]:
    rows = o.rows or {}
    counts = "/".join(vi_number(rows.get(k, 0)) for k in ("teams", "segments", "awards")) if rows else "—"
    place = f"{province_name(o.province) if o.province else '?'} · {o.period or '?'}" if (o.province or o.period) else "—"
    outcome = OUTCOME.get(o.outcome, o.outcome) + (" (đã từ chối / rejected before)" if o.rejected_copy else "")
    return [o.file_name, outcome, place, counts, str(o.errors), str(o.warnings)]


def run_name(outcomes: list[FileOutcome], started: datetime) -> str:
    """A flow run's name that says what happened: 'nhận 2026-12-02 08:00 — 3 mới, 1 từ chối'."""
    counts = Counter(o.outcome for o in outcomes)
    parts = [f"{counts[k]} {word}" for k, word in _RUN_NAME_WORD.items() if counts[k]]
    return f"nhận {started:%Y-%m-%d %H:%M} — " + (", ".join(parts) if parts else "hộp thư trống")


def totals_line(outcomes: list[FileOutcome]) -> str:
    counts = Counter(o.outcome for o in outcomes)
    parts = [f"{OUTCOME[k]}: {counts[k]}" for k in OUTCOME if counts[k]]
    return f"{len(outcomes)} file — " + (", ".join(parts) if parts else "hộp thư trống / inbox empty")


#: rows a terminal table is rendered at a time: rich holds a rendered table whole, and a 7,440-file backfill's
#: one table took 58 MB, measured alone
TABLE_ROWS = 500
_STYLE = {"rejected": "red", "duplicate": "dim", "recovered": "yellow", "left": "yellow", "held": "magenta"}


def _table(outcomes: list[FileOutcome], *, first: bool, widths: list[int] | None = None) -> Table:
    table = Table(title="Kết quả nhận báo cáo — Import summary" if first else None, show_header=first)
    for i, name in enumerate(_COLUMNS):
        table.add_column(name, overflow="fold", justify="right" if name in ("Lỗi", "C.báo") else "left",
                         width=widths[i] if widths else None)
    for o in outcomes:       # every cell is a rich Text: a name or value such as "[/bold]" is shown as written
        table.add_row(*map(rich_text, _cells(o)), style="red" if o.rejected_copy else _STYLE.get(o.outcome))
    return table


def _column_widths(outcomes: list[FileOutcome], console: Console) -> list[int] | None:
    """The widths rich gives the columns of the whole table, found from the few rows that decide them (per
    column, the longest cell and the cell with the longest word); None where rich cannot say."""
    cells = [_cells(o) for o in outcomes]
    deciding: dict[int, FileOutcome] = {}
    for c in range(len(_COLUMNS)):
        for key in (lambda i: cell_len(cells[i][c]), lambda i: max(map(cell_len, cells[i][c].split() or [""]))):
            o = outcomes[max(range(len(outcomes)), key=key)]
            deciding[id(o)] = o
    table = _table(list(deciding.values()), first=True)
    try:
        options = console.options            # as Table.__rich_console__ lays it out
        widths = table._calculate_column_widths(console, options.update_width(options.max_width - table._extra_width))
        return [w - table._get_padding_width(i) for i, w in enumerate(widths)]
    except Exception:        # another rich: one table, as before
        return None


def print_summary(outcomes: list[FileOutcome], console: Console | None = None, home: Path | None = None) -> None:
    """The table of every file (rendered TABLE_ROWS at a time, every part with the same column widths), the
    totals, then each file that needs the office's or a steward's attention."""
    console = console or Console()
    widths = _column_widths(outcomes, console) if len(outcomes) > TABLE_ROWS else None
    step = TABLE_ROWS if widths else max(len(outcomes), 1)
    for start in range(0, max(len(outcomes), 1), step):
        console.print(_table(outcomes[start:start + step], first=start == 0, widths=widths))
    console.print(rich_text(totals_line(outcomes)))
    for o in outcomes:
        if (report := steward_copy(o)) is not None or o.outcome == "rejected":
            console.print(rich_text(f"✗ {o.file_name}", "red") + rich_text(f" → {_where(report, home)}\n  {o.first_error}"))
        elif o.outcome == "left":
            console.print(rich_text(f"… {o.file_name}", "yellow") + rich_text(f"\n  {o.first_error}"))
        elif o.notice:          # held: the period is approved and locked (cotmoc.pipeline.approval)
            console.print(rich_text(f"⏸ {o.file_name}", "magenta") + rich_text(f" → {_where(o.stored_path, home)}\n  {o.notice}"))


def summary_markdown(outcomes: list[FileOutcome]) -> str:
    columns = _COLUMNS + ("Lưu tại / Filed at",)
    lines = ["# Kết quả nhận báo cáo — Import summary", "", markdown_text(totals_line(outcomes)), "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for o in outcomes:
        cells = _cells(o) + [_where(o.stored_path, None)]
        lines.append("| " + " | ".join(markdown_text(c) for c in cells) + " |")
    notes = [markdown_text(f"⏸ {o.file_name}: {o.notice}") for o in outcomes if o.notice]
    if notes:
        lines += ["", "## Báo cáo giữ lại chờ mở khóa — Held reports", ""] + [f"- {n}" for n in notes]
    refused = [o for o in outcomes if o.outcome == "rejected" or o.rejected_copy]
    if refused:
        lines += ["", "## Báo cáo bị từ chối — Rejected reports", ""]
        for o in refused:
            report = steward_copy(o)
            lines += [f"- **{markdown_text(o.file_name)}** ({markdown_text(_cells(o)[2])}, {o.errors} lỗi / errors)",
                      f"  - Lỗi đầu tiên / first error: {markdown_text(o.first_error) or '—'}",
                      f"  - Báo cáo lỗi cho cán bộ tỉnh / steward copy: {markdown_text(_where(report, None))}"]
    return "\n".join(lines) + "\n"
