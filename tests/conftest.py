"""Shared fixtures. The Prefect server fixture starts a REAL `prefect server start` on a free loopback
port (once per test session) so flow tests run exactly as the office runs them."""
from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from cotmoc.core.config import load_settings
from cotmoc.warehouse.db import open_warehouse

from cotmoc.core.prefect_env import PREFECT_DEFAULTS
from tests.processes import free_port, running

ROOT = Path(__file__).resolve().parent.parent
#: the day the tests judge "future" and "late" by (the sample reports are dated before it)
TODAY = date(2026, 11, 22)
QUIET_PREFECT = dict(PREFECT_DEFAULTS)         # the settings the office runs with (cotmoc/core/prefect_env.py)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A real Prefect server on 127.0.0.1; yields its API URL and stops it at the end of the session."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {**os.environ, **QUIET_PREFECT, "PREFECT_HOME": str(home),
           "PREFECT_SERVER_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    url = f"http://127.0.0.1:{port}/api"
    with running([str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1",
                  "--port", str(port)], env=env, log=home / "server.log", what="Prefect server",
                 ready_url=f"{url}/health"):
        yield url


@pytest.fixture(scope="session")
def fault_corpus(tmp_path_factory) -> Path:
    """The ~40-file inbox of the determinism, kill and rebuild tests (tests/snapshot.py), written once."""
    from tests.snapshot import write_corpus
    corpus = tmp_path_factory.mktemp("corpus") / "inbox"
    write_corpus(corpus)
    return corpus


@pytest.fixture(scope="session")
def reference_home(tmp_path_factory, fault_corpus) -> Path:
    """The corpus ingested once, uninterrupted (`cotmoc ingest --plain`, default batch size): the end state
    every other way of running it must reach."""
    from tests.snapshot import cotmoc, make_home
    home = make_home(tmp_path_factory.mktemp("reference") / "home", fault_corpus)
    started = time.monotonic()
    run = cotmoc(home, "ingest", "--plain", "--today", "2026-11-22")
    assert run.returncode == 0, run.stdout + run.stderr
    (home.parent / "seconds").write_text(f"{time.monotonic() - started:.2f}")   # how long a whole run takes here
    return home


@pytest.fixture
def settings(tmp_path):
    """Settings for a cotmoc home in the test's own folder, with an empty inbox."""
    s = load_settings(tmp_path, environ={})
    s.inbox.mkdir(parents=True)
    return s


@pytest.fixture
def con(settings):
    """That home's warehouse, open for writing (tests that need another kind define their own)."""
    c = open_warehouse(settings.warehouse, today=TODAY)
    yield c
    c.close()
