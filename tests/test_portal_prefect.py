"""The office's real set-up with the portal in it: a Prefect server, `cotmoc serve` running the deployments and
`cotmoc web` told the same PREFECT_API_URL. A steward's submission lands in the inbox, the portal triggers the
ingest deployment through the Prefect API, and the steward's page follows the file until it is loaded."""
from __future__ import annotations

import re
import signal
import time

import anyio
import pytest

from tests.processes import running
from tests.portal_support import COTMOC, SAMPLES, Client, cotmoc_env, make_home, portal_server

pytestmark = pytest.mark.slow


async def _deployment_ready(name: str, deadline: float) -> None:
    from prefect.client.orchestration import get_client
    async with get_client() as client:
        while True:
            try:
                await client.read_deployment_by_name(name)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await anyio.sleep(1)


async def _flow_run_state(run_id: str) -> str:
    from prefect.client.orchestration import get_client
    async with get_client() as client:
        run = await client.read_flow_run(run_id)
        return run.state.type.value if run.state else "?"


def test_a_submission_triggers_the_ingest_deployment_and_is_followed_until_loaded(prefect_server, tmp_path):
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from cotmoc.flows.serve import INGEST_DEPLOYMENT
    home = make_home(tmp_path / "office")
    env = {**cotmoc_env(home), "PREFECT_API_URL": prefect_server, "COTMOC_INGEST_EVERY_MINUTES": "1440"}
    with running([COTMOC, "serve"], env=env, cwd=home, log=home / "serve.log", what="cotmoc serve",
                 stop=signal.SIGINT):
        with temporary_settings({PREFECT_API_URL: prefect_server}):
            anyio.run(_deployment_ready, INGEST_DEPLOYMENT, time.monotonic() + 120)
        with portal_server(home, {"PREFECT_API_URL": prefect_server}) as base:
            steward = Client(base)
            steward.login("dien_bien")
            status, headers, _ = steward.upload("dien_bien", "dien_bien_2016.xlsx",
                                                (SAMPLES / "seed" / "dien_bien_2016.xlsx").read_bytes())
            page = headers["location"]
            assert steward.post(page + "/gui", {"csrf": steward.csrf(page), "confirm": "yes"})[0] == 303
            deadline, text = time.monotonic() + 180, ""
            while time.monotonic() < deadline:
                text = steward.get(page)[2].decode()
                if "đã nạp vào kho" in text and "flow run" in text:
                    break
                time.sleep(1)
            assert "đã nạp vào kho" in text, (text[-2000:], (home / "serve.log").read_text()[-3000:])
            run_id = re.search(r"flow run [\w-]+ \(([0-9a-f-]{36})\)", text).group(1)
            with temporary_settings({PREFECT_API_URL: prefect_server}):
                assert anyio.run(_flow_run_state, run_id) not in ("FAILED", "CRASHED", "CANCELLED")
            assert 'http-equiv="refresh"' not in text          # the page stops refreshing once the file is taken
