"""The hostile-input catalogue: every kind of broken or crafted file ends, in the run it arrives in, loaded or
rejected with its own message (Vietnamese first), its bytes kept; a valid report in the same inbox is loaded in
the same run; nothing stays behind in the inbox except what must wait (links, files still being written, lock
files), which is said in the run's outcome. Every file here is built by code (tests/hostile_files.py)."""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cotmoc.core.config import load_settings
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.samples import hostile as hf
from cotmoc.warehouse.db import open_warehouse

TODAY = date(2026, 11, 22)
ROOT = Path(__file__).resolve().parent.parent



def _inbox_files(settings) -> list[str]:
    return sorted(str(p.relative_to(settings.inbox)) for p in settings.inbox.rglob("*") if not p.is_dir())


def _outcome(outcomes, name_part: str):
    found = [o for o in outcomes if name_part in o.file_name]
    assert len(found) == 1, [(o.file_name, o.outcome) for o in outcomes]
    return found[0]


def _rejected_with(o, rule: str, original: bytes) -> dict:
    """The outcome is a rejection for `rule`, the original bytes are kept with their recorded SHA-256, and the
    steward's JSON names the rule with a Vietnamese message first."""
    assert o.outcome == "rejected", (o.file_name, o.outcome, o.first_error)
    assert o.stored_path.read_bytes() == original
    assert o.sha256 == hashlib.sha256(original).hexdigest()
    report = json.loads(o.stored_path.with_name(o.stored_path.stem + ".loi.json").read_text(encoding="utf-8"))
    problem = next((p for p in report["problems"] if p["rule"] == rule), None)
    assert problem, [p["rule"] for p in report["problems"]]
    assert problem["message_vi"] and problem["message_en"] and problem["message_vi"] != problem["message_en"]
    assert o.first_error.split(" — ")[0].strip() and " — " in o.first_error
    return problem


def _valid_loaded(outcomes, con):
    good = _outcome(outcomes, "hop_le")
    assert good.outcome == "new", (good.outcome, good.first_error)
    assert con.execute("select count(*) from submissions where status = 'accepted'").fetchone()[0] == 1


# --- 1. a file the reader chokes on stops nothing --------------------------------------------------------
STUCK = [
    (hf.undeclared_entity, "file.xml_invalid"),
    (hf.late_entity_declaration, "file.xml_entities"),
    (hf.lying_zip_sizes, "file.corrupt"),
]


@pytest.mark.parametrize("builder, rule", STUCK, ids=[b.__name__ for b, _ in STUCK])
def test_a_file_the_reader_chokes_on_is_rejected_alone(settings, con, builder, rule):
    bad = builder(settings.inbox / f"{builder.__name__}.xlsx")
    original = bad.read_bytes()
    hf.valid_report(settings.inbox / "hop_le.xlsx")
    outcomes = run_ingest(con, settings, today=TODAY)
    problem = _rejected_with(_outcome(outcomes, builder.__name__), rule, original)
    assert "XmlError" not in problem["message_vi"] and "Error" not in problem["message_vi"]
    _valid_loaded(outcomes, con)
    assert _inbox_files(settings) == []


def test_plain_ingest_of_a_choking_file_ends_without_a_traceback(tmp_path):
    s = load_settings(tmp_path, environ={})
    hf.undeclared_entity(s.inbox / "nbsp.xlsx")
    hf.valid_report(s.inbox / "hop_le.xlsx")
    env = {**os.environ, "COTMOC_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "cotmoc.cli", "ingest", "--plain", "--today", TODAY.isoformat()],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr + done.stdout
    assert "inbox empty" not in done.stdout and "nbsp.xlsx" in done.stdout
    assert not [p for p in s.inbox.rglob("*") if p.is_file()]


# --- 2. names that cannot be filed as given --------------------------------------------------------------
def test_a_very_long_vietnamese_name_is_filed_and_later_runs_go_on(settings, con):
    title = ("Báo cáo kết quả thực hiện phong trào toàn dân tham gia bảo vệ chủ quyền lãnh thổ an ninh "
             "biên giới quốc gia trong tình hình mới của Bộ Chỉ huy Bộ đội Biên phòng tỉnh Lai Châu năm 2020 "
             "theo Chỉ thị số 01 của Thủ tướng Chính phủ")
    title = title.encode()[:244].decode("utf-8", "ignore")          # as long as the inbox's file system allows
    assert len(title) >= 190 and len(f"{title}.xlsx".encode()) > 240
    long_one = hf.valid_report(settings.inbox / f"{title}.xlsx")
    original = long_one.read_bytes()
    bad = hf.with_cell_text(settings.inbox / f"{title[:-4]} sai.xlsx", "thong_tin", "2019", "năm ngoái")
    outcomes = run_ingest(con, settings, today=TODAY)
    assert sorted(o.outcome for o in outcomes) == ["new", "rejected"], [(o.outcome, o.first_error) for o in outcomes]
    for o in outcomes:
        assert len(o.stored_path.name.encode()) <= 255 and o.stored_path.exists()
        assert o.stored_path.stem.endswith(f"__{o.sha256[:8]}")
        for sibling in o.stored_path.parent.iterdir():
            assert len(sibling.name.encode()) <= 255
    assert next(o for o in outcomes if o.outcome == "new").stored_path.read_bytes() == original
    assert _inbox_files(settings) == []
    hf.base_report(settings.inbox / "hop_le.xlsx")          # the next run is not blocked
    assert [o.outcome for o in run_ingest(con, settings, today=TODAY)] == ["new"]
    assert bad.name.startswith("Báo cáo")


def test_a_name_with_bytes_that_are_not_utf8_is_loaded_under_a_displayable_name(settings, con):
    name = os.fsdecode(b"bao_cao_\xff\xfe_lai_chau.xlsx")
    path = hf.valid_report(settings.inbox / name)
    original = path.read_bytes()
    hf.base_report(settings.inbox / "hop_le.xlsx")
    outcomes = run_ingest(con, settings, today=TODAY)
    assert sorted(o.outcome for o in outcomes) == ["new", "new"], [(o.file_name, o.first_error) for o in outcomes]
    odd = next(o for o in outcomes if o.file_name.startswith("bao_cao_"))
    assert odd.file_name == "bao_cao_\ufffd\ufffd_lai_chau.xlsx"
    assert odd.stored_path.read_bytes() == original
    os.fsencode(str(odd.stored_path)).decode("utf-8")                  # the stored name is UTF-8
    stored = con.execute("select file_name, stored_path from submissions order by submission_id").fetchall()
    assert "bao_cao_\ufffd\ufffd_lai_chau.xlsx" in [r[0] for r in stored]
    assert _inbox_files(settings) == []


def test_recovery_that_cannot_complete_is_skipped_with_a_message_and_the_run_goes_on(settings, con, tmp_path):
    from cotmoc.pipeline.checking import check_file
    from warehouse import load as wh
    stuck = hf.with_cell_text(settings.inbox / "ket.xlsx", "thong_tin", "Cao Bằng", "Tỉnh Không Có")
    checked = check_file(stuck, settings, today=TODAY)
    assert not checked.accepted
    wh.record_submission(con, file=checked.facts, report=checked.report, problems=checked.problems, accepted=False)
    blocker = settings.rejected / "_khong_ro_tinh"      # a file where its folder must go: filing cannot complete
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")
    hf.valid_report(settings.inbox / "hop_le.xlsx")
    outcomes = run_ingest(con, settings, today=TODAY)
    left = _outcome(outcomes, "ket.xlsx")
    assert left.outcome == "left" and "hộp thư" in left.first_error.split(" — ")[0]
    _valid_loaded(outcomes, con)
    blocker.unlink()
    assert [o.outcome for o in run_ingest(con, settings, today=TODAY)] == ["recovered"]


# --- 3. nothing read from a file is markup or a terminal escape --------------------------------------------
def test_markup_and_escapes_in_cells_and_names_are_shown_as_written(settings, con):
    from rich.console import Console
    from cotmoc.outputs.summary import print_summary, summary_markdown
    hf.with_cell_text(settings.inbox / "[red]do[blink].xlsx", "thong_tin", "2019", "[/bold]")
    hf.with_cell_text(settings.inbox / "esc\x1b[2Jname.xlsx", "thong_tin", "2019", "\x1b]0;pwned\x07")
    hf.valid_report(settings.inbox / "hop_le.xlsx")
    outcomes = run_ingest(con, settings, today=TODAY)
    assert sorted(o.outcome for o in outcomes) == ["new", "rejected", "rejected"]
    out = io.StringIO()
    print_summary(outcomes, Console(file=out, width=200, force_terminal=True, color_system=None), home=settings.home)
    text = out.getvalue()
    assert "[red]do[blink].xlsx" in text and "[/bold]" in text
    assert "\x1b[2J" not in text and "\x1b]0" not in text and "\\x1b" in text
    for o in outcomes:
        assert "\x1b" not in o.line()
    markdown = summary_markdown(outcomes)
    assert "\x1b" not in markdown and "[red]" not in markdown and "\\[red\\]" in markdown


# --- 4. links, pipes and devices are never followed ---------------------------------------------------------
def test_links_and_pipes_in_the_inbox_are_never_followed(settings, con, tmp_path):
    outside = hf.valid_report(tmp_path / "elsewhere" / "bao_cao_ngoai.xlsx")
    (settings.inbox / "passwd.xlsx").symlink_to("/etc/passwd")
    (settings.inbox / "ngoai.xlsx").symlink_to(outside)
    os.mkfifo(settings.inbox / "ong.xlsx")
    hf.valid_report(settings.inbox / "hop_le.xlsx")
    outcomes = run_ingest(con, settings, today=TODAY)
    _valid_loaded(outcomes, con)
    for name in ("passwd.xlsx", "ngoai.xlsx", "ong.xlsx"):
        o = _outcome(outcomes, name)
        assert o.outcome == "left" and o.stored_path is None, (o.outcome, o.stored_path)
        assert "không phải" in o.first_error.split(" — ")[0]
    assert (settings.inbox / "passwd.xlsx").is_symlink() and (settings.inbox / "ngoai.xlsx").is_symlink()
    assert con.execute("select count(*) from submissions").fetchone()[0] == 1
    assert outside.exists()
    for root in (settings.archive, settings.rejected):
        assert not [p for p in root.rglob("*") if p.is_symlink()] if root.exists() else True


# --- the catalogue: every kind in one inbox, one run ------------------------------------------------------
@pytest.fixture(scope="module")
def catalogue_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("catalogue")
    s = load_settings(home, environ={})
    s.inbox.mkdir(parents=True)
    originals = {k.name: k.build(s.inbox / k.file_name).read_bytes() for k in hf.CATALOGUE}
    hf.valid_report(s.inbox / "hop_le.xlsx")
    c = open_warehouse(s.warehouse, today=TODAY)
    copying = [k for k in hf.CATALOGUE if k.copying]
    with contextlib.ExitStack() as stack:
        for k in copying:
            stack.enter_context(hf.CopyInProgress(s.inbox / k.file_name))
        outcomes = run_ingest(c, s, today=TODAY)
    for k in copying:
        originals[k.name] = (s.inbox / k.file_name).read_bytes()       # as the copy left it
    yield s, c, outcomes, originals
    c.close()


def test_the_catalogue_run_loads_the_valid_report_and_leaves_only_what_must_wait(catalogue_run):
    s, c, outcomes, _ = catalogue_run
    good = _outcome(outcomes, "hop_le")
    assert good.outcome == "new", good.first_error
    waiting = sorted(k.file_name for k in hf.CATALOGUE if k.outcome == "left")
    assert _inbox_files(s) == waiting
    assert len(outcomes) == len(hf.CATALOGUE) + 1
    staged = s.archive / ".dang_xu_ly"
    assert not staged.exists() or not any(staged.iterdir())


@pytest.mark.parametrize("kind", hf.CATALOGUE, ids=[k.name for k in hf.CATALOGUE])
def test_each_kind_of_bad_input_ends_as_the_catalogue_says(catalogue_run, kind):
    s, c, outcomes, originals = catalogue_run
    from cotmoc.core.inert import shown_name
    found = [o for o in outcomes if o.file_name == shown_name(kind.file_name)]
    assert len(found) == 1, [(o.file_name, o.outcome) for o in outcomes]
    o = found[0]
    assert o.outcome == kind.outcome, (o.outcome, o.first_error)
    vi, _, en = o.first_error.partition(" — ") if o.first_error else ("", "", "")
    if kind.outcome == "left":
        assert (s.inbox / kind.file_name).read_bytes() == originals[kind.name] and vi and en
        return
    assert o.stored_path.read_bytes() == originals[kind.name]
    assert o.sha256 == hashlib.sha256(originals[kind.name]).hexdigest()
    if kind.outcome == "rejected":
        assert vi and en and o.errors >= 1
    if kind.rule:
        report = json.loads(o.stored_path.with_name(o.stored_path.stem + ".loi.json").read_text(encoding="utf-8"))
        problem = next((p for p in report["problems"] if p["rule"] == kind.rule), None)
        assert problem, [p["rule"] for p in report["problems"]]
        assert problem["message_vi"] and problem["message_en"] and problem["message_vi"] != problem["message_en"]
        for p in report["problems"]:         # never the library's words instead of ours
            assert not any(w in p["message_vi"] for w in ("Error", "error:", "Traceback"))
        if kind.cell:
            assert problem["cell"] == kind.cell
    assert c.execute("select count(*) from submissions where sha256 = ?", [o.sha256]).fetchone()[0] == 1


def test_values_are_shown_back_as_the_steward_sees_them(catalogue_run):
    s, _, outcomes, _ = catalogue_run

    def problems(name):
        o = next(o for o in outcomes if o.file_name == name)
        return json.loads(o.stored_path.with_name(o.stored_path.stem + ".loi.json").read_text(encoding="utf-8"))["problems"]
    repaired = next(p for p in problems("so_chu.xlsx") if p["rule"] == "number.repaired")
    assert "1.234.567" in repaired["message_vi"] and "e+06" not in repaired["message_vi"] + repaired["message_en"]
    assert next(p for p in problems("ngay.xlsx") if p["rule"] == "number.is_date")["value"] == "15/03/2023"
    assert next(p for p in problems("nan.xlsx") if p["rule"] == "number.not_finite")["value"] == "NaN"
    assert "-9223372036854775808" not in json.dumps(problems("lon.xlsx"))
    ref = next(p for p in problems("ref.xlsx") if p["rule"] == "cell.excel_error")
    assert ref["value"] == "#REF!" and "#REF!" in ref["message_vi"]
    assert not [p for p in problems("ref.xlsx") if p["rule"] == "value.missing" and p["cell"] == "H5"]
    hidden = problems("an_sau.xlsx")
    assert {"sheet.hidden", "sheet.ambiguous"} <= {p["rule"] for p in hidden}


def test_the_stewards_copy_keeps_no_dde_external_name_or_conditional_format(catalogue_run):
    import zipfile
    import openpyxl
    _, _, outcomes, _ = catalogue_run
    o = next(o for o in outcomes if o.file_name == "dde.xlsx")
    copy = o.stored_path.with_name(o.stored_path.stem + ".loi.xlsx")
    with zipfile.ZipFile(copy) as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".xml"))
    assert b"cmd|" not in xml and b"[1]" not in xml and b"conditionalFormatting" not in xml
    wb = openpyxl.load_workbook(copy)
    assert "calc" not in wb.defined_names and "ngoai" not in wb.defined_names


def test_csv_exports_and_the_national_workbook_never_hold_a_formula(catalogue_run):
    import csv
    import zipfile
    from cotmoc.pipeline.rollup import run_rollup
    s, c, _, _ = catalogue_run
    result = run_rollup(c, s.warehouse, s.exports, periods=["2020"], csv=True)
    names = []
    for path in result.exports:
        if path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:        # .vi.csv: `;` between fields
                for row in csv.reader(fh, delimiter=";" if path.name.endswith(".vi.csv") else ","):
                    assert not any(v.startswith(("=", "+", "@", "\t", "\r")) for v in row), (path.name, row)
                    names += [v for v in row if "cmd|" in v]
    assert names and all(v.startswith("'=") for v in names)
    with zipfile.ZipFile(result.workbooks[0]) as zf:
        sheets = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in sheets or b"cmd|" not in sheets.split(b"<f>", 1)[1]


def test_the_bad_input_document_is_current():
    from cotmoc.bad_input_doc import DOC, render
    from cotmoc.samples.hostile import CATALOGUE
    text = render()
    assert DOC.read_text(encoding="utf-8") == text, "run: python -m cotmoc.bad_input_doc"
    for kind in CATALOGUE:
        assert kind.what_vi in text and (kind.rule is None or f"`{kind.rule}`" in text)


def test_the_size_limit_is_told_in_the_unit_it_is_set_in(tmp_path):
    from cotmoc.reading.workbook import UnreadableWorkbook, read_report
    path = hf.oversized(tmp_path / "lon.xlsx", mib=1.0)             # just over a limit set to 1 MB (MiB)
    with pytest.raises(UnreadableWorkbook) as refused:
        read_report(path, max_bytes=1024 * 1024)
    shown = f"{path.stat().st_size / 1024 / 1024:.1f}".replace(".", ",")
    assert refused.value.problem.message_vi.startswith(f"File quá lớn ({shown} MB, tối đa 1 MB)")
    assert shown == "1,0"               # in MB of 1,000,000 bytes it would read 1,1 MB against "1 MB"


# --- a file that kills the process checking it ------------------------------------------------------------
def test_a_worker_killed_mid_batch_is_replaced_and_the_files_are_checked_one_by_one(settings, monkeypatch):
    from cotmoc.pipeline.parallel import check_batch, checking_processes
    items = [(hf.valid_report(settings.inbox / "hop_le.xlsx"), None), (hf.undeclared_entity(settings.inbox / "x.xlsx"), None)]
    monkeypatch.setenv("COTMOC_CRASH_AT", "read")         # the first workers die (SIGKILL) as they read a file
    with checking_processes(2):
        monkeypatch.delenv("COTMOC_CRASH_AT")             # the workers started in their place are healthy
        checked = check_batch(items, settings, TODAY)
    assert [c.accepted for c in checked] == [True, False]
    assert checked[1].problems[0].rule == "file.xml_invalid"


def test_files_that_kill_every_worker_are_rejected_alone_not_raised(settings, monkeypatch):
    from cotmoc.pipeline.parallel import check_batch, checking_processes
    items = [(hf.valid_report(settings.inbox / "a.xlsx"), None), (hf.base_report(settings.inbox / "b.xlsx"), None)]
    monkeypatch.setenv("COTMOC_CRASH_AT", "read")
    with checking_processes(2):
        checked = check_batch(items, settings, TODAY)
    assert [c.problems[0].rule for c in checked] == ["file.check_failed", "file.check_failed"]
    assert all(c.problems[0].message_vi.startswith("Hệ thống chưa kiểm tra được") for c in checked)


@pytest.mark.slow
def test_the_prefect_flow_files_hostile_files_and_escapes_its_summary(prefect_server, tmp_path):
    """The same through `cotmoc ingest` on a real Prefect server: one batch holds a file the reader chokes on, a
    cell holding `[/bold]`, a name holding `[red]` and a valid report; all end, the artifact shows them as text."""
    s = load_settings(tmp_path, environ={})
    hf.undeclared_entity(s.inbox / "nbsp.xlsx")
    hf.markup_in_cell(s.inbox / "markup.xlsx")
    hf.valid_report_other(s.inbox / "[red]ten[blink].xlsx")
    hf.valid_report(s.inbox / "hop_le.xlsx")
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "COTMOC_HOME": str(tmp_path),
           "PREFECT_LOGGING_LEVEL": "INFO"}
    run = subprocess.run([str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", TODAY.isoformat()],
                         env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "Traceback" not in output, output[-4000:]
    assert "[red]ten[blink].xlsx: đã nhận" in output and "[/bold]" in run.stdout      # the log line, the summary
    assert not [p for p in s.inbox.rglob("*") if p.is_file()]
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    import anyio

    async def summaries():
        async with get_client() as client:
            return [a for a in await client.read_artifacts() if a.key == "cotmoc-ingest-summary"]
    with temporary_settings({PREFECT_API_URL: prefect_server}):
        found = [a.data for a in anyio.run(summaries) if "nbsp" in (a.data or "")]
    assert found and "\\[red\\]ten\\[blink\\]" in found[-1] and "[red]ten" not in found[-1]


def test_a_batch_whose_load_fails_is_loaded_file_by_file(settings, con):
    """The warehouse refuses the batch's transaction once (the load's own fault-injection hook): the files are
    loaded one by one, nothing twice, nothing left behind."""
    from cotmoc.pipeline.checking import check_files
    from cotmoc.pipeline.filing import load_and_file
    items = [(hf.valid_report(settings.inbox / "hop_le.xlsx"), None), (hf.base_report(settings.inbox / "b.xlsx"), None)]
    checked = check_files(items, settings, today=TODAY)
    calls = {"n": 0}

    def refuse_the_first_transaction(step):
        calls["n"] += 1
        if step == "begin" and calls["n"] == 1:
            raise RuntimeError("the warehouse refused this transaction")

    outcomes = load_and_file(con, checked, settings, failpoint=refuse_the_first_transaction, isolate=True)
    assert [o.outcome for o in outcomes] == ["new", "new"]
    assert con.execute("select count(*) from submissions").fetchone()[0] == 2
    assert _inbox_files(settings) == []
