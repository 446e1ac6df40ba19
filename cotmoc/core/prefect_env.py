"""Prefect settings cotmoc runs with unless the office sets them otherwise (environment or a Prefect
profile). Applied by the `cotmoc` command before Prefect is imported; the Makefile, the tests, the
benchmark and docs/systemd/cotmoc-prefect-server.service use the same values.

- Server analytics off: the server's telemetry service phones home (the office's machine is usually
  offline, so it logs "Failed to send telemetry"), and on a fresh Prefect home it races the database's
  creation and prints a "database is locked" traceback into the office's terminal.
- Task runs recorded in batches of 100 at least every 2 s: visible in the UI at once, and a stopping
  server loses none (measured with bench/prefect_server_settings.py, see docs/operations.md). The earlier
  batch of 100,000 and flush every 3,600 s hid every task run for an hour.
- The temporary server a command starts (no PREFECT_API_URL) may take 120 s on a busy machine, not 20.
- Prefect's own logging configuration with one filter (prefect_logging.yml, the filter in prefect_logging.py): a
  temporary server stopped while its task-run recorder is writing printed a CancelledError traceback for events
  it then wrote anyway.
"""
from __future__ import annotations

import os
from pathlib import Path

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "2",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_SETTINGS_PATH": str(Path(__file__).with_name("prefect_logging.yml")),
}


def apply_prefect_defaults(environ=None) -> None:
    """Set each default that the environment does not already set (the office's own settings win)."""
    env = os.environ if environ is None else environ
    for key, value in PREFECT_DEFAULTS.items():
        env.setdefault(key, value)
