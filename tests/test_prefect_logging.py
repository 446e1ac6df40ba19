"""The Prefect logging configuration cotmoc runs with (cotmoc/core/prefect_logging.yml): Prefect's own file plus one
filter. A temporary server stopped while its task-run recorder was writing printed a CancelledError traceback into
the office's terminal (seen once in CI, in `cotmoc ingest`), for events Prefect then wrote anyway.

The race is reproduced with Prefect's own recorder (`task_run_recorder.consumer`) in a fresh process configured as
`cotmoc` configures it; only the database write is slowed, so that the stop always lands while it runs."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import prefect
import yaml

from cotmoc.core.prefect_env import PREFECT_DEFAULTS

OURS = Path(PREFECT_DEFAULTS["PREFECT_LOGGING_SETTINGS_PATH"])
PREFECTS = Path(prefect.__file__).parent / "logging" / "logging.yml"

# One task-run event through Prefect's recorder; the first write of the periodic flush is still running when the
# recorder stops (as the server's shutdown stops it). `outcome` decides what that write does.
RECORDER_RUN = textwrap.dedent("""
    import asyncio, json, sys, uuid
    from datetime import datetime, timezone
    from types import SimpleNamespace
    from prefect.logging.configuration import setup_logging
    from prefect.server.events.schemas.events import ReceivedEvent
    from prefect.server.services import task_run_recorder as recorder

    outcome, writes = sys.argv[1], []

    async def write(events):
        writes.append(len(events))
        if len(writes) == 1 and outcome == "slow":
            await asyncio.sleep(60)                  # cancelled by the stop
        if outcome == "fails":
            raise RuntimeError("the database refused the write")

    recorder.record_bulk_task_run_events = write
    setup_logging()                                  # from PREFECT_LOGGING_SETTINGS_PATH, as the server's create_app does

    async def main():
        event = ReceivedEvent(occurred=datetime.now(timezone.utc), event="prefect.task-run.Completed", id=uuid.uuid4(),
                              resource={"prefect.resource.id": f"prefect.task-run.{uuid.uuid4()}",
                                        "prefect.orchestration": "client"})
        try:
            retries = 0 if outcome == "fails" else recorder.DEFAULT_PERSIST_MAX_RETRIES
            async with recorder.consumer(write_batch_size=100, flush_every=0.05, max_persist_retries=retries) as handle:
                await handle(SimpleNamespace(data=event.model_dump_json()))
                while not writes:
                    await asyncio.sleep(0.01)
                await asyncio.sleep(0.1)
        except (Exception, asyncio.CancelledError):
            pass
        print(json.dumps(writes))

    asyncio.run(main())
""")


def run_recorder(tmp_path: Path, outcome: str, settings_path: Path, server_level: str = "WARNING"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING")} | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_LOGGING_SETTINGS_PATH": str(settings_path),
        "PREFECT_SERVER_LOGGING_LEVEL": server_level}
    return subprocess.run([sys.executable, "-c", RECORDER_RUN, outcome], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def test_a_stop_during_a_flush_prints_no_traceback_and_the_events_are_written(tmp_path):
    run = run_recorder(tmp_path, "slow", OURS)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[1, 1]"            # interrupted, then written by the final flush
    assert "Traceback" not in run.stderr and "Error flushing" not in run.stderr, run.stderr


def test_the_race_is_real_under_prefects_own_configuration(tmp_path):
    """The same run with Prefect's unchanged file prints what the office saw: the test reproduces the race."""
    run = run_recorder(tmp_path, "slow", PREFECTS)
    assert run.stdout.strip() == "[1, 1]"
    assert "Error flushing 1 events (1 to retry, 0 dropped)" in run.stderr
    assert "Traceback" in run.stderr and "CancelledError" in run.stderr


def test_the_interrupted_flush_is_still_there_at_debug(tmp_path):
    run = run_recorder(tmp_path, "slow", OURS, server_level="DEBUG")
    assert "DEBUG   | prefect.server.services.task_run_recorder - Error flushing 1 events (1 to retry, 0 dropped)" \
        in run.stderr
    assert "Traceback" not in run.stderr


def test_a_flush_that_drops_events_is_still_reported_with_its_traceback(tmp_path):
    run = run_recorder(tmp_path, "fails", OURS)
    assert "Dropping event" in run.stderr
    assert "Error flushing 1 events (0 to retry, 1 dropped)" in run.stderr
    assert "RuntimeError: the database refused the write" in run.stderr


def test_the_file_is_prefects_own_but_for_the_filter():
    """An upgraded Prefect with a changed logging.yml fails here: copy its file again and add the filter."""
    ours, prefects = (yaml.safe_load(p.read_text(encoding="utf-8")) for p in (OURS, PREFECTS))
    assert ours.pop("filters") == {"interrupted_flush": {"()": "cotmoc.core.prefect_logging.InterruptedFlushFilter"}}
    assert ours["loggers"].pop("prefect.server.services.task_run_recorder") == {"filters": ["interrupted_flush"]}
    assert ours == prefects


def test_the_file_ships_with_the_package():
    import tomllib
    from importlib.resources import files
    assert files("cotmoc.core").joinpath("prefect_logging.yml").is_file()
    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert "prefect_logging.yml" in pyproject["tool"]["setuptools"]["package-data"]["cotmoc.core"]


def test_the_office_own_logging_file_wins():
    from cotmoc.core.prefect_env import apply_prefect_defaults
    env = {"PREFECT_LOGGING_SETTINGS_PATH": "/etc/office/logging.yml"}
    apply_prefect_defaults(env)
    assert env["PREFECT_LOGGING_SETTINGS_PATH"] == "/etc/office/logging.yml"
    fresh: dict[str, str] = {}
    apply_prefect_defaults(fresh)
    assert Path(fresh["PREFECT_LOGGING_SETTINGS_PATH"]).is_file()
