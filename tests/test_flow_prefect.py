"""The ingest flow on a REAL Prefect server (`prefect server start` on 127.0.0.1): it completes, keeps
its summary as an artifact, and prints no traceback on success."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "inputs" / "samples"

pytestmark = pytest.mark.slow


def test_ingest_flow_on_a_real_prefect_server(prefect_server, tmp_path):
    inbox = tmp_path / "inputs" / "inbox"
    inbox.mkdir(parents=True)
    for src in sorted(SAMPLES.glob("*/*.xlsx")):
        shutil.copy2(src, inbox / src.name)
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "COTMOC_HOME": str(tmp_path),
           "PREFECT_LOGGING_LEVEL": "INFO"}
    cmd = [str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", "2026-11-22"]
    started = datetime.now(timezone.utc)          # the server is shared with other tests: count only this run
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Traceback" not in output, output
    assert "Import summary" in output
    seeds = len(list((SAMPLES / "seed").glob("*.xlsx")))
    faulty = len(list((SAMPLES / "faulty").glob("*.xlsx")))
    assert len(list((tmp_path / "inputs" / "archive").rglob("*__*.xlsx"))) == seeds
    assert len([p for p in (tmp_path / "inputs" / "rejected").rglob("*.xlsx")
                if not p.name.endswith(".loi.xlsx")]) == faulty
    assert not any(inbox.iterdir())

    # the server saw the flow run complete, and kept the summary artifact
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    import anyio

    async def server_view():
        async with get_client() as client:
            runs = await client.read_flow_runs()
            artifacts = await client.read_artifacts()
            return runs, artifacts

    with temporary_settings({PREFECT_API_URL: prefect_server}):
        runs, artifacts = anyio.run(server_view)
    assert [r.state.type.value for r in runs if r.created >= started] == ["COMPLETED"]
    assert any(a.key == "cotmoc-ingest-summary" for a in artifacts)
    progress = [a for a in artifacts if a.key == "cotmoc-ingest-progress"]
    assert progress and progress[0].data == 100.0          # the UI's progress bar ends full
