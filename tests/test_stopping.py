"""A bounded stop: `cotmoc ingest` and `cotmoc serve` end within 10 s of SIGTERM or SIGINT, and every file is
then either untouched in the inbox or complete (loaded and filed with its steward's files): the next run
ends exactly where an uninterrupted run does."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from tests.snapshot import TODAY, cotmoc, cotmoc_env, differences, make_home, snapshot

pytestmark = pytest.mark.slow
BOUND = 10.0


def _wait_until_filed(home: Path, proc: subprocess.Popen, timeout: float = 240) -> None:
    """Until the run has filed a file (it is mid-run, with work left)."""
    deadline = time.monotonic() + timeout
    archive = home / "inputs" / "archive"
    while time.monotonic() < deadline:
        if archive.exists() and any(p.suffix == ".xlsx" and ".loi" not in p.name and ".dang_xu_ly" not in p.parts
                                    for p in archive.rglob("*")):        # filed, not merely staged
            return
        assert proc.poll() is None, "the run ended before it could be stopped"
        time.sleep(0.05)
    raise AssertionError("nothing was filed")


def _stopped_within_bound(proc: subprocess.Popen, signum: int) -> tuple[float, str]:
    sent = time.monotonic()
    proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("did not stop within 30 s") from None
    return time.monotonic() - sent, err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_ingest_stops_within_the_bound_leaving_each_file_unstarted_or_complete(tmp_path, fault_corpus,
                                                                                    reference_home, signum):
    home = make_home(tmp_path / "home", fault_corpus)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "cotmoc"), "ingest", "--plain", "--today", TODAY],
                            env=cotmoc_env(home, COTMOC_BATCH_FILES="4"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, cwd=home)
    _wait_until_filed(home, proc)
    took, err = _stopped_within_bound(proc, signum)
    assert took < BOUND, f"took {took:.1f} s"
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err and "stopped on request" in err
    assert any((home / "inputs" / "inbox").rglob("*.xlsx")), "stopped with work left"
    assert not list(home.rglob("*.part"))
    again = cotmoc(home, "ingest", "--plain", "--today", TODAY)
    assert again.returncode == 0, again.stderr
    assert "recovered" not in again.stdout          # no file was left committed but unfiled
    assert differences(snapshot(reference_home, skip_tables=("ingest_runs",)),
                       snapshot(home, skip_tables=("ingest_runs",))) == []


async def _start_ingest_run(deadline: float):
    from prefect.client.orchestration import get_client
    from cotmoc.flows.serve import INGEST_DEPLOYMENT
    async with get_client() as client:
        while True:
            try:
                deployment = await client.read_deployment_by_name(INGEST_DEPLOYMENT)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await anyio.sleep(1)
        return (await client.create_flow_run_from_deployment(deployment.id, parameters={"today": TODAY})).id


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_stops_within_the_bound_while_a_flow_run_is_active(prefect_server, tmp_path, fault_corpus,
                                                                 reference_home, signum):
    home = make_home(tmp_path / "home", fault_corpus)
    env = cotmoc_env(home, PREFECT_API_URL=prefect_server, COTMOC_INGEST_EVERY_MINUTES="1440",
                     COTMOC_BATCH_FILES="4", COTMOC_CHECK_WORKERS="1")
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen([str(Path(sys.executable).parent / "cotmoc"), "serve"], env=env, stdout=log,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=home)
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings
        with temporary_settings({PREFECT_API_URL: prefect_server}):
            anyio.run(_start_ingest_run, time.monotonic() + 180)
        _wait_until_filed(home, serve)
        took, _ = _stopped_within_bound(serve, signum)
    finally:
        if serve.poll() is None:
            serve.kill()
        log.close()
    assert took < BOUND, f"took {took:.1f} s: {(tmp_path / 'serve.log').read_text()[-2000:]}"
    text = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in text, text[text.find("Traceback") - 2000:][:6000]
    assert not list(home.rglob("*.part"))
    again = cotmoc(home, "ingest", "--plain", "--today", TODAY)
    assert again.returncode == 0, again.stderr
    assert differences(snapshot(reference_home, skip_tables=("ingest_runs",)),
                       snapshot(home, skip_tables=("ingest_runs",))) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_sent_to_the_whole_process_group_leaves_each_file_unstarted_or_complete(tmp_path, fault_corpus,
                                                                                      reference_home, signum,
                                                                                      prefect_server):
    """Ctrl-C in a terminal and a service manager's SIGTERM reach the check workers too, which write the steward
    files of the batch being filed: they leave the stop to the loading process, which finishes that batch, ends
    them and exits within the bound; the next run completes the inbox exactly as an uninterrupted run. On a
    Prefect server of its own, as the office runs it (the temporary server `cotmoc ingest` starts without one is
    in the same group, and stops with it)."""
    import os
    home = make_home(tmp_path / "home", fault_corpus)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", TODAY],
                            env=cotmoc_env(home, COTMOC_BATCH_FILES="4", COTMOC_CHECK_WORKERS="2",
                                           PREFECT_API_URL=prefect_server),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                            cwd=home, start_new_session=True)
    _wait_until_filed(home, proc)
    sent = time.monotonic()
    os.killpg(proc.pid, signum)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("did not stop within 30 s") from None
    assert time.monotonic() - sent < BOUND
    assert proc.returncode == 128 + signum, err[-3000:]
    assert "stopped on request" in err and "Traceback" not in err, err[-6000:]
    assert any((home / "inputs" / "inbox").rglob("*.xlsx")), "stopped with work left"
    assert not list(home.rglob("*.part")) and not list(home.rglob(".cotmoc-copy-*"))
    again = cotmoc(home, "ingest", "--plain", "--today", TODAY)
    assert again.returncode == 0, again.stderr
    assert "recovered" not in again.stdout          # no file was left committed but unfiled
    assert differences(snapshot(reference_home, skip_tables=("ingest_runs",)),
                       snapshot(home, skip_tables=("ingest_runs",))) == []
