"""What the office reads after a run: the import summary (terminal and Markdown artifact) names every
rejected file's first error and its steward copy; a re-sent rejected file is answered with the earlier
verdict; flow runs are named by what happened."""
from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

from rich.console import Console

from cotmoc.core.config import load_settings
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.core.inert import markdown_text
from cotmoc.outputs.summary import print_summary, run_name, summary_markdown
from cotmoc.warehouse.db import open_read_only, open_warehouse

TODAY = date(2026, 11, 22)
SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"
REJECTED = "loi_vuot_chieu_dai_lai_chau_2019.xlsx"


def test_resending_a_rejected_file_tells_the_earlier_verdict(tmp_path):
    settings = load_settings(tmp_path, environ={})
    settings.inbox.mkdir(parents=True)
    shutil.copy2(SAMPLES / "faulty" / REJECTED, settings.inbox / REJECTED)
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        (first,) = run_ingest(con, settings, today=TODAY)
        assert first.outcome == "rejected"
        shutil.copy2(SAMPLES / "faulty" / REJECTED, settings.inbox / REJECTED)      # the same bytes again
        (again,) = run_ingest(con, settings, today=TODAY)
    assert again.outcome == "duplicate"                                       # the machine code stays
    assert again.rejected_copy is not None and again.rejected_copy.exists()
    assert again.rejected_copy.name.endswith(".loi.xlsx") and again.rejected_copy.parent == first.stored_path.parent
    assert "đã bị từ chối" in again.first_error and "rejected on" in again.first_error
    assert first.first_error.split(" — ")[0] in again.first_error          # the first error, as the steward saw it
    assert again.province == "lai_chau" and again.period == "2019" and again.errors == first.errors
    assert "đã bị từ chối" in again.line() and str(again.rejected_copy) in again.line()
    console = Console(record=True, width=200)
    print_summary([again], console, home=settings.home)
    text = console.export_text()
    assert "Lai Châu · 2019" in text and "đã từ chối" in text and again.rejected_copy.name in text
    markdown = summary_markdown([again])
    assert "Rejected reports" in markdown and "loi\\_vuot\\_chieu\\_dai\\_lai\\_chau\\_2019" in markdown


def test_the_summary_names_each_rejection_its_error_and_steward_copy(tmp_path):
    settings = load_settings(tmp_path, environ={})
    settings.inbox.mkdir(parents=True)
    for src in SAMPLES.glob("*/*.xlsx"):
        shutil.copy2(src, settings.inbox / src.name)
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        outcomes = run_ingest(con, settings, today=TODAY)
    markdown = summary_markdown(outcomes)
    rejected = [o for o in outcomes if o.outcome == "rejected"]
    assert len(rejected) == len(list((SAMPLES / "faulty").glob("*.xlsx")))
    section = markdown.split("## Báo cáo bị từ chối — Rejected reports")[1]
    for o in rejected:
        assert markdown_text(f"{o.stored_path.stem}.loi.xlsx") in section
        assert o.first_error and markdown_text(o.first_error) in section
    assert "Sơn La · 2020S1" in markdown and "son_la ·" not in markdown       # names, not codes
    assert run_name(outcomes, datetime(2026, 12, 2, 8, 0)) == f"nhận 2026-12-02 08:00 — 3 mới, {len(rejected)} từ chối"
    assert run_name([], datetime(2026, 12, 2, 8, 0)) == "nhận 2026-12-02 08:00 — hộp thư trống"


def test_the_terminal_rollup_shows_names_and_vietnamese_numbers(tmp_path):
    from cotmoc.pipeline.rollup import run_rollup
    from cotmoc.outputs.rollup_print import print_national_rollup
    settings = load_settings(tmp_path, environ={})
    settings.inbox.mkdir(parents=True)
    for src in (SAMPLES / "seed").glob("*.xlsx"):
        shutil.copy2(src, settings.inbox / src.name)
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        run_ingest(con, settings, today=TODAY)
        result = run_rollup(con, settings.warehouse, settings.exports, periods=["2016"], today=TODAY)
    console = Console(record=True, width=200)
    with open_read_only(result.published) as published:
        print_national_rollup(published, console, period="2016")
    text = console.export_text()
    assert "Tổ tự quản an ninh trật tự thôn, bản" in text and "antt_thon_ban" not in text    # team type by name
    assert "Việt Nam – Lào" in text and "VN-LA" not in text
    assert "327,611" in text and "1.449,566" in text and "3.464" in text and "14,0 %" in text   # Vietnamese numbers
    assert "1,449.566" not in text and "3,464" not in text and "14.0%" not in text
    assert "UBND huyện" in text and "Giấy khen" in text and "ubnd_huyen" not in text


def test_a_long_run_summary_is_the_one_table_rendered_in_parts(monkeypatch):
    """A backfill's summary is rendered TABLE_ROWS at a time (rich holds a rendered table whole: 58 MB for
    7,440 files): every row reads exactly as in the one table, at the same column widths, in order."""
    import io

    from cotmoc.core.records import FileOutcome
    from cotmoc.outputs import summary
    outcomes = [FileOutcome(f"s{i % 9}_tuyen_quang_{'x' * (i % 37)}_{i}_2025S2.xlsx",
                            ("superseding", "new", "rejected", "duplicate")[i % 4], "ab" * 32, i, "tuyen_quang",
                            "2025S2", {"teams": 10 + i, "segments": 32, "awards": 3}, i % 4, i % 11,
                            Path(f"/home/x/archive/{i}.xlsx"), "lỗi " * (i % 5)) for i in range(1_203)]

    def rendered(rows: int) -> list[str]:
        monkeypatch.setattr(summary, "TABLE_ROWS", rows)
        out = io.StringIO()
        summary.print_summary(outcomes, Console(file=out, width=80, color_system=None))
        return out.getvalue().splitlines()

    whole, parts = rendered(10**6), rendered(500)
    body = [line for line in whole if line.startswith("│")]
    assert [line for line in parts if line.startswith("│")] == body and len(body) > 2 * len(outcomes)
    assert parts[:5] == whole[:5]                                  # the title and the header, once
    assert sum(line.startswith("┏") for line in parts) == 1 and sum(line.startswith("┌") for line in parts) == 2
    assert parts[-len(outcomes) // 4:] == whole[-len(outcomes) // 4:]    # the totals and the rejections after
