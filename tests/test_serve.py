"""The office's set-up, for real: `prefect server start` on a free loopback port, `cotmoc serve` beside it,
the ingest deployment triggered through the Prefect API; its run completes with the files loaded; both
processes stop cleanly."""
from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

import anyio
import duckdb
import pytest

from tests.processes import running

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "inputs" / "samples"

pytestmark = pytest.mark.slow


async def _deployment_id(client, name: str, deadline: float):
    while True:
        try:
            return (await client.read_deployment_by_name(name)).id
        except Exception:
            if time.monotonic() > deadline:
                raise
            await anyio.sleep(1)


async def _run_and_wait(api_url: str, deadline: float):
    from prefect.client.orchestration import get_client
    from cotmoc.flows.serve import INGEST_DEPLOYMENT
    async with get_client() as client:
        deployment_id = await _deployment_id(client, INGEST_DEPLOYMENT, deadline)
        run = await client.create_flow_run_from_deployment(deployment_id)
        while True:
            run = await client.read_flow_run(run.id)
            if run.state and run.state.is_final():
                return run.state.type.value
            if time.monotonic() > deadline:
                return f"timeout in {run.state.type.value if run.state else '?'}"
            await anyio.sleep(1)


def test_serve_runs_the_ingest_deployment_on_a_real_server(prefect_server, tmp_path):
    inbox = tmp_path / "inputs" / "inbox"
    inbox.mkdir(parents=True)
    for src in (SAMPLES / "seed").glob("*.xlsx"):
        shutil.copy2(src, inbox / src.name)
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "COTMOC_HOME": str(tmp_path),
           "COTMOC_INGEST_EVERY_MINUTES": "1440", "PREFECT_LOGGING_LEVEL": "INFO"}
    with running([str(Path(sys.executable).parent / "cotmoc"), "serve"], env=env, cwd=tmp_path,
                 log=tmp_path / "serve.log", what="cotmoc serve", stop=signal.SIGINT, must_stop=True):
        from prefect.settings import PREFECT_API_URL, temporary_settings
        with temporary_settings({PREFECT_API_URL: prefect_server}):
            state = anyio.run(_run_and_wait, prefect_server, time.monotonic() + 180)
        assert state == "COMPLETED", (tmp_path / "serve.log").read_text()[-3000:]
        con = duckdb.connect(str(tmp_path / "warehouse" / "cotmoc.duckdb"), read_only=True)
        assert con.execute("select count(*) from submissions where status = 'accepted'").fetchone()[0] == 3
        con.close()
        assert not any(inbox.iterdir())
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
