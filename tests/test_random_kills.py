"""SIGKILL at random moments (a seeded random delay, the whole process group, as the OOM killer or a power
cut would), not at named points: after each kill the next run must end exactly where an uninterrupted run
does, on the full snapshot (every table but the run log, the folders by SHA-256, the steward's files). At
least 10 kills of `cotmoc ingest --plain` and 5 of the Prefect flow on the ~40-file corpus. A seed that ever
failed is kept in REGRESSION_SEEDS and runs every time."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.snapshot import TODAY, cotmoc, cotmoc_env, differences, make_home, snapshot

pytestmark = pytest.mark.slow

PLAIN_KILLS, FLOW_KILLS = 10, 5
SEED = int(os.environ.get("COTMOC_KILL_SEED", "20261202"))
REGRESSION_SEEDS: list[int] = []          # seeds of kills that once left a different end state


def _kill_at_random(home: Path, delay: float, *args: str, **env: str) -> bool:
    """Start an ingest, SIGKILL its process group after `delay` seconds; True when it was killed mid-run."""
    proc = subprocess.Popen([str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", TODAY, *args],
                            env=cotmoc_env(home, **env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, cwd=home, start_new_session=True)
    try:
        proc.wait(timeout=delay)
        return False                      # it finished first: no kill
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def _one(tmp_path: Path, corpus: Path, seed: int, duration: float, flow_env: dict | None) -> tuple[int, list[str], bool]:
    rng = random.Random(seed)
    home = make_home(tmp_path / f"kill-{seed}", corpus)
    args = () if flow_env is not None else ("--plain",)
    killed = _kill_at_random(home, rng.uniform(0.05, 0.9) * duration, *args, **(flow_env or {}))
    again = cotmoc(home, "ingest", "--today", TODAY, *args, **(flow_env or {}))
    if again.returncode != 0 or "Traceback" in again.stdout + again.stderr:
        return seed, [f"re-run failed ({again.returncode}): {again.stderr[-2000:]}"], killed
    return seed, differences(_REFERENCE[0], snapshot(home, skip_tables=("ingest_runs",))), killed


_REFERENCE: list[dict] = []


def _run_kills(tmp_path, corpus, seeds, duration, flow_env, wanted):
    """Kill-and-re-run for each seed, two homes at a time (CI has 2 cores), until `wanted` runs were really
    killed mid-run (a run that ends before its delay is not counted; the next seed is tried)."""
    failures, kills = [], 0
    seeds = iter(seeds)
    with ThreadPoolExecutor(max_workers=2) as pool:
        while kills < wanted:
            batch = [s for s in (next(seeds, None), next(seeds, None)) if s is not None]
            assert batch, f"only {kills} runs were killed mid-run"
            for seed, diff, killed in pool.map(lambda s: _one(tmp_path, corpus, s, duration, flow_env), batch):
                kills += killed
                if diff:
                    failures.append(f"seed {seed}: {diff[:5]}")
    assert not failures, "re-runs after a kill differ from an uninterrupted run (keep these seeds):\n" + "\n".join(failures)


@pytest.fixture(scope="module")
def reference(reference_home):
    _REFERENCE[:] = [snapshot(reference_home, skip_tables=("ingest_runs",))]
    return float((reference_home.parent / "seconds").read_text())


def test_random_kills_of_the_plain_ingest_leave_the_uninterrupted_end_state(tmp_path, fault_corpus, reference):
    seeds = REGRESSION_SEEDS + [SEED * 100 + n for n in range(3 * PLAIN_KILLS)]
    _run_kills(tmp_path, fault_corpus, seeds, reference, None, PLAIN_KILLS)


def test_random_kills_of_the_prefect_flow_leave_the_uninterrupted_end_state(tmp_path, fault_corpus, reference,
                                                                          prefect_server):
    started = time.monotonic()
    home = make_home(tmp_path / "timing", fault_corpus)
    run = cotmoc(home, "ingest", "--today", TODAY, PREFECT_API_URL=prefect_server)
    assert run.returncode == 0, run.stderr[-2000:]
    flow_seconds = time.monotonic() - started
    assert differences(_REFERENCE[0], snapshot(home, skip_tables=("ingest_runs",))) == []
    seeds = [SEED * 1000 + n for n in range(3 * FLOW_KILLS)]
    _run_kills(tmp_path, fault_corpus, seeds, flow_seconds, {"PREFECT_API_URL": prefect_server}, FLOW_KILLS)
