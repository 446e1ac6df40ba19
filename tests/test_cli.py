"""The command line explains itself: every subcommand's --help has a description, `--version` answers,
and `serve --help` says what PREFECT_API_URL (and PREFECT_UI_API_URL) are for."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cotmoc import __version__
from cotmoc.cli import build_parser, main

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
