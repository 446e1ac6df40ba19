"""Checks on every core (cotmoc/pipeline/parallel.py): batches checked by worker processes and loaded one batch per
transaction end in exactly the state of one batch checked in the flow's own process."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cotmoc.pipeline.inbox import batched
from tests.test_operations import end_state

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "inputs" / "samples").glob("*/*.xlsx"))

pytestmark = pytest.mark.slow


def test_batches_on_worker_processes_end_as_one_batch_in_process(prefect_server, tmp_path):
    assert len(SAMPLES) >= 5                      # enough files for several batches of two
    homes = {}
    for name, workers, batch in (("in_process", "1", "32"), ("workers", "2", "2")):
        home = tmp_path / name
        (home / "inputs" / "inbox").mkdir(parents=True)
        for i, src in enumerate(SAMPLES):
            shutil.copy2(src, home / "inputs" / "inbox" / src.name)
            os.utime(home / "inputs" / "inbox" / src.name, (1_700_000_000 + i,) * 2)   # one order in both homes
        env = {k: v for k, v in os.environ.items() if not k.startswith("COTMOC_")} | {
            "COTMOC_HOME": str(home), "PREFECT_API_URL": prefect_server,
            "COTMOC_CHECK_WORKERS": workers, "COTMOC_BATCH_FILES": batch}
        run = subprocess.run([str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", "2026-11-22"],
                             env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
        assert "Traceback" not in run.stdout + run.stderr
        homes[name] = home
    assert end_state(homes["workers"]) == end_state(homes["in_process"])


def test_batches_keep_arrival_order_and_put_a_large_file_alone(tmp_path):
    sizes = {"a": 10, "b": 10, "big": 5_000, "c": 10, "d": 10, "e": 10}
    items = []
    for name, size in sizes.items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(b"x" * size)
        items.append((path, name))
    groups = [[sha for _, sha in batch] for batch in batched(items, max_files=2, max_bytes=1_000)]
    assert groups == [["a", "b"], ["big"], ["c", "d"], ["e"]]
