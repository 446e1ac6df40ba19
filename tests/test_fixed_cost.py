"""What a process pays before its first file (issue 16's fixed cost): checking a report drags in no library it
does not use. pandera, asked which annotation types exist, imports dask.dataframe whenever dask is installed (≈ 1 s
in every process that checks a file); cotmoc's models are built without asking (schemas/failures.py)."""
from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import sys
from pathlib import Path
from cotmoc.core.config import load_settings
from cotmoc.pipeline.checking import check_file
from cotmoc.samples.generator import generate_report
folder = Path(sys.argv[1])
path = generate_report("dien_bien", "2016", seed=1).write(folder / "report.xlsx")
checked = check_file(path, load_settings(folder, environ={}))
assert checked.report is not None and not [p for p in checked.problems if p.is_error], checked.problems
print(sorted(m for m in ("dask", "dask.dataframe", "distributed", "prefect") if m in sys.modules))
"""


def test_checking_a_report_imports_neither_dask_nor_prefect(tmp_path):
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", run.stdout


def test_the_schemas_built_without_asking_are_pandera_s_own(tmp_path):
    """The same columns, types, checks and settings as pandera builds when it does ask."""
    script = """
import re, sys
import cotmoc.schemas as s
from cotmoc.schemas.failures import _schema
from cotmoc.schemas.info import InfoSchema
build = _schema if sys.argv[1] == "cotmoc" else (lambda m: m.to_schema())
for m in [InfoSchema, *s.SHEET_SCHEMAS.values()]:
    sc = build(m)
    print(re.sub(r" at 0x[0-9a-f]+", "", repr(sc)))
    for name, col in sc.columns.items():
        print(name, col.dtype, col.nullable, col.coerce, col.required, [str(c) for c in col.checks])
    print([str(c) for c in sc.checks], sc.index, sc.strict, sc.coerce, sc.unique, sc.ordered)
"""
    built = [subprocess.run([sys.executable, "-c", script, how], capture_output=True, text=True, timeout=300)
             for how in ("cotmoc", "pandera")]
    assert all(b.returncode == 0 for b in built), [b.stderr for b in built]
    assert built[0].stdout == built[1].stdout and built[0].stdout.count("Column(") > 30


def test_an_ingest_at_the_command_line_imports_no_library_it_does_not_use(tmp_path):
    """`cotmoc ingest` checks and loads a report without importing dask (pandera's annotation types) or hypothesis
    (pandera's strategies, installed here for the tests: cotmoc.core.unused_imports), nor, for a clean report,
    openpyxl (the steward's files are written only when there is something to say)."""
    from cotmoc.samples.generator import generate_report
    generate_report("dien_bien", "2016", seed=1).write(tmp_path / "inputs" / "inbox" / "dien_bien_2016.xlsx")
    env = {**os.environ, "COTMOC_HOME": str(tmp_path), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "cotmoc.cli", "ingest", "--plain"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert "pandera" in imported and "duckdb" in imported           # it did check and load
    # (a refused attempt, hypothesis.strategies, is listed too: the package itself never loads)
    assert not imported & {"dask", "dask.dataframe", "distributed", "hypothesis"}
    filed = list((tmp_path / "inputs" / "archive").rglob("*"))
    assert [f.suffix for f in filed if f.is_file()] == [".xlsx"]      # a clean report: nothing to tell its steward
    assert "openpyxl" not in imported       # so the steward's writer (openpyxl, ≈ 50 ms) was never imported


def test_an_empty_inbox_is_answered_without_importing_prefect_pandas_or_asyncio(tmp_path):
    """Nothing to ingest: said at once (the benchmark's no-change re-run, 0.08 s). The Prefect settings applied
    first import nothing heavy: the logging filter they name lives in its own module, which only Prefect loads."""
    (tmp_path / "inputs" / "inbox").mkdir(parents=True)
    env = {**os.environ, "COTMOC_HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "cotmoc.cli", "ingest"], env=env,
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 0 and "the inbox is empty" in run.stdout, run.stderr[-3000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert not imported & {"prefect", "pandas", "duckdb", "asyncio", "cotmoc.core.prefect_logging"}
