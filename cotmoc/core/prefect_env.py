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
- Prefect's own logging configuration with one filter (prefect_logging.yml): a temporary server stopped while
  its task-run recorder is writing printed a CancelledError traceback for events it then wrote anyway.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "2",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_SETTINGS_PATH": str(Path(__file__).with_name("prefect_logging.yml")),
}

_RETRIED_FLUSH = re.compile(r"Error flushing \d+ events \(\d+ to retry, 0 dropped\)")


def apply_prefect_defaults(environ=None) -> None:
    """Set each default that the environment does not already set (the office's own settings win)."""
    env = os.environ if environ is None else environ
    for key, value in PREFECT_DEFAULTS.items():
        env.setdefault(key, value)


class InterruptedFlushFilter(logging.Filter):
    """On the task-run recorder's logger: its periodic flush cancelled by a stopping server, every event put back
    and written by the final flush, is logged at DEBUG without a traceback. Any flush that drops an event, or
    fails for another reason, is logged as Prefect logs it."""

    def filter(self, record: logging.LogRecord) -> bool:
        cancelled = record.exc_info and record.exc_info[0] and issubclass(record.exc_info[0], asyncio.CancelledError)
        if not (cancelled and _RETRIED_FLUSH.fullmatch(record.getMessage())):
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        record.exc_info = record.exc_text = None
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
