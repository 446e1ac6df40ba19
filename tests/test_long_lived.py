"""cotmoc/core/long_lived.py: heavy imports set aside from the garbage collector, and the command's quick end.
Each case runs in a process of its own: a freeze would stay in pytest's process for the rest of the session."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, cwd=cwd or ROOT)


def test_heavy_imports_pause_the_collector_and_set_the_imports_aside():
    run = _python("""
import gc, json
from cotmoc.core.long_lived import heavy_imports, set_aside_imports
with heavy_imports():                          # not yet cotmoc's own process: nothing happens
    seen = {"not_own": [gc.isenabled(), gc.get_freeze_count()]}
set_aside_imports()
seen["before"] = gc.isenabled()
with heavy_imports():
    seen["inside"] = gc.isenabled()
    with heavy_imports():
        import duckdb, pandas
    seen["after_the_inner"] = gc.isenabled()
seen["after"] = gc.isenabled()
seen["frozen"] = gc.get_freeze_count()
print(json.dumps(seen))
""")
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["not_own"] == [True, 0]
    assert seen["before"] and not seen["inside"] and not seen["after_the_inner"] and seen["after"]
    assert seen["frozen"] > 100_000                    # pandas and DuckDB's objects, set aside


def test_a_process_that_ends_the_ordinary_way_tears_its_imports_down_without_a_leak_report():
    """DuckDB's bindings report "leaked instances" for objects still frozen at the end: they are handed back."""
    run = _python("""
from cotmoc.core.long_lived import heavy_imports, set_aside_imports
set_aside_imports()
with heavy_imports():
    import duckdb
con = duckdb.connect()
print(con.execute("SELECT 42").fetchone()[0])
""")
    assert run.returncode == 0 and run.stdout.strip() == "42", run.stderr
    assert "leaked" not in run.stderr and "nanobind" not in run.stderr, run.stderr


def test_the_quick_end_runs_every_exit_handler_joins_threads_and_keeps_the_code_and_the_output(tmp_path):
    run = _python("""
import atexit, sys, threading, time
from pathlib import Path
from cotmoc.core.long_lived import arm_quick_exit, heavy_imports, quick_exit, set_aside_imports
set_aside_imports()
arm_quick_exit()
with heavy_imports():
    import duckdb
con = duckdb.connect()                        # left open and frozen: ended without DuckDB's leak report
folder = Path(sys.argv[1])
atexit.register(lambda: (folder / "handler").write_text("ran"))   # e.g. Prefect stopping its temporary server
def late():
    time.sleep(0.5)
    (folder / "thread").write_text("finished")
threading.Thread(target=late).start()          # not a daemon: joined before the end
sys.stdout.write("x" * 1_000_000 + "\\n")       # buffered, to a pipe
sys.stderr.write("the last line\\n")
quick_exit(3)
""", str(tmp_path))
    assert run.returncode == 3, run.stderr
    assert len(run.stdout) == 1_000_001
    assert run.stderr.endswith("the last line\n") and "leaked" not in run.stderr, run.stderr
    assert (tmp_path / "handler").read_text() == "ran"
    assert (tmp_path / "thread").read_text() == "finished"


def test_a_usage_error_ends_the_command_the_ordinary_way():
    """argparse leaves through SystemExit without quick_exit: the ordinary end, its own code."""
    cotmoc = Path(sys.executable).parent / "cotmoc"
    run = subprocess.run([str(cotmoc), "no-such-command"], capture_output=True, text=True, timeout=120,
                         stdin=subprocess.DEVNULL)
    assert run.returncode == 2 and "no-such-command" in run.stderr
    run = subprocess.run([str(cotmoc), "--help"], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 0 and "ingest" in run.stdout


def test_the_quick_end_of_a_command_that_returns_nothing_or_a_message():
    script = """
import sys
from cotmoc.core.long_lived import arm_quick_exit, quick_exit, set_aside_imports
set_aside_imports()
arm_quick_exit()
print("done")
quick_exit(None if sys.argv[1] == "none" else "Lỗi / error: a message")
"""
    nothing = _python(script, "none")
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (0, "done\n", "")
    message = _python(script, "message")
    assert message.returncode == 1 and message.stderr.strip() == "Lỗi / error: a message"
