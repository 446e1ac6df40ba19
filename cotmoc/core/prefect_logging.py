"""The one filter cotmoc adds to Prefect's logging configuration (prefect_logging.yml, which names it): imported
only where Prefect sets up its logging, so a command that never starts Prefect does not pay for asyncio."""
from __future__ import annotations

import asyncio
import logging
import re

_RETRIED_FLUSH = re.compile(r"Error flushing \d+ events \(\d+ to retry, 0 dropped\)")


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
