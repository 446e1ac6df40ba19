"""The command line explains itself: every subcommand's --help has a description, `--version` answers,
and `serve --help` says what PREFECT_API_URL (and PREFECT_UI_API_URL) are for."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cotmoc import __version__
from cotmoc.cli import BUG_LINE, build_parser, main

COTMOC = str(Path(sys.executable).parent / "cotmoc")


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_every_subcommand_has_a_description():
    commands = _subcommands()
    assert {"template", "sample", "ingest", "rollup", "serve", "status", "demo"} <= set(commands)
    for name, sub in commands.items():
        assert sub.description and len(sub.description) > 40, name
        assert " — " in sub.description, name                 # Vietnamese first, English after
        help_text = sub.format_help()
        assert sub.description.split()[0] in help_text


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"cotmoc {__version__}"


def test_serve_help_explains_the_prefect_api_url():
    run = subprocess.run([COTMOC, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0
    assert "PREFECT_API_URL" in run.stdout and "http://127.0.0.1:4200/api" in run.stdout
    assert "PREFECT_UI_API_URL" in run.stdout


def _cotmoc(home: Path, *argv: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([COTMOC, *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COTMOC_HOME": str(home), **env})


@pytest.mark.parametrize("argv, env, said", [
    (("template", "-o", "mau.xlsx", "--province", "Atlantis"), {}, "Không rõ tỉnh 'Atlantis'"),     # UsageError
    (("template", "-o", "mau.xlsx", "--period", "2024S3"), {}, "không phải mã kỳ báo cáo"),          # BadPeriod
    (("status",), {}, "Chưa có kho dữ liệu"),                                                      # MissingInput
    (("status",), {"COTMOC_MAX_FILE_MB": "năm mươi"}, "max_file_mb"),                               # a setting
])
def test_a_cotmoc_error_is_its_bilingual_message_and_exit_2(tmp_path, argv, env, said):
    run = _cotmoc(tmp_path, *argv, **env)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("Lỗi / error: ") and said in run.stderr and " — " in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and BUG_LINE not in run.stderr
    assert not (tmp_path / "mau.xlsx").exists()


def test_a_fault_exits_with_its_own_code(tmp_path):
    damaged = tmp_path / "warehouse" / "cotmoc.duckdb"
    damaged.parent.mkdir()
    damaged.write_bytes(b"not a duckdb file at all " * 400)
    for command in (["approve", "--period", "2024"], ["status"]):
        run = _cotmoc(tmp_path, *command, "--warehouse", str(damaged))
        assert run.returncode == 5, (command, run.stderr)                      # WarehouseDamaged
        assert run.stderr.startswith("Lỗi / error: ") and "cotmoc rebuild" in run.stderr, (command, run.stderr)
        assert "Traceback" not in run.stderr, (command, run.stderr)


def test_a_path_the_machine_refuses_is_said_not_shown_as_a_bug(tmp_path):
    """An output path a person typed that cannot be used (a file where a folder must be, a folder given as the
    file) is its bilingual message and exit code; nothing is written, and openpyxl's writers leave no noise."""
    (tmp_path / "a_file").write_text("x")
    for target, code, said in ((tmp_path / "a_file" / "mau.xlsx", 4, "đã có một file cùng tên"),
                               (tmp_path, 2, "là một thư mục")):
        run = _cotmoc(tmp_path, "template", "-o", str(target))
        assert run.returncode == code, run.stderr
        assert run.stderr.startswith("Lỗi / error: ") and said in run.stderr and " — " in run.stderr, run.stderr
        assert "Traceback" not in run.stderr and BUG_LINE not in run.stderr and "Exception ignored" not in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".part")) == []


def test_anything_else_is_a_bug_and_shows_as_one(tmp_path):
    """An exception that is not a CotmocError (here a bug planted in the template builder) is shown with its
    traceback and a line saying it is a bug to report, and exits 1: never passed off as the user's mistake."""
    planted = ("import sys; import cotmoc.outputs.template as t\n"
               "def broken(*args, **kwargs):\n    return {}['no such key']\n"
               "t.build_template = broken\n"
               "from cotmoc.cli import main; sys.exit(main(['template', '-o', 'mau.xlsx']))")
    run = subprocess.run([sys.executable, "-c", planted], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env={**os.environ, "COTMOC_HOME": str(tmp_path)})
    assert run.returncode == 1, run.stderr
    assert "Traceback (most recent call last)" in run.stderr and "KeyError: 'no such key'" in run.stderr
    assert run.stderr.rstrip().endswith(BUG_LINE) and "Lỗi / error" not in run.stderr


def test_the_error_root():
    from cotmoc.core.errors import CotmocError, MissingInput, UsageError
    from cotmoc.core.faults import Busy, EnvironmentFault, Fault, WarehouseDamaged
    from cotmoc.core.periods import BadPeriod
    from cotmoc.pipeline.locking import WarehouseLocked
    from cotmoc.portal.store import AccountError
    from cotmoc.warehouse.db import WarehouseBusy
    from cotmoc.warehouse.schema import WarehouseTooNew
    for kind in (Fault, Busy, EnvironmentFault, WarehouseDamaged, WarehouseLocked, WarehouseBusy, WarehouseTooNew,
                 UsageError, BadPeriod, AccountError, MissingInput):
        assert issubclass(kind, CotmocError), kind
    # callers that validate input catch ValueError (the portal's forms), or FileNotFoundError: still caught
    assert issubclass(BadPeriod, ValueError) and issubclass(AccountError, ValueError)
    assert issubclass(MissingInput, FileNotFoundError)
    assert (UsageError.exit_code, Busy.exit_code, EnvironmentFault.exit_code, WarehouseDamaged.exit_code) == (2, 3, 4, 5)
