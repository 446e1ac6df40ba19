"""Past one machine: the same ingest flow with its checks on a local multi-process Dask cluster (Prefect's
DaskTaskRunner) ends in exactly the state of the default runner."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.snapshot import differences, snapshot
from tests.test_operations import end_state, fresh_home

pytestmark = pytest.mark.slow


def test_dask_runner_gives_identical_results(tmp_path):
    homes = {}
    for name, extra in (("default", []), ("dask", ["--dask-workers", "2"])):
        home = fresh_home(tmp_path, name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("COTMOC_")} | {
            "COTMOC_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        run = subprocess.run([str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", "2026-11-22", *extra],
                             env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
        assert "Traceback" not in run.stdout + run.stderr
        # distributed's INFO chatter is where its benign shutdown race prints a traceback: it must stay quiet
        assert "INFO    | distributed" not in run.stdout + run.stderr
        homes[name] = home
    assert end_state(homes["dask"]) == end_state(homes["default"])
    # the quicker reading of the steward's copies the benchmark compares its 10x runs with agrees
    quick = {name: snapshot(home, skip_tables=("ingest_runs",), quick_copies=True) for name, home in homes.items()}
    assert any(k.endswith(".loi.xlsx") for k in quick["dask"]["stewards"])
    assert differences(quick["default"], quick["dask"]) == []
