"""Crash points for the fault-injection tests: `COTMOC_CRASH_AT=<step>` kills the process (SIGKILL, as
the OOM killer or a power cut would) when the ingest reaches that step. Inert unless the variable is set."""
from __future__ import annotations

import os
import signal

STEPS = ("read", "validate", "mid_transaction", "after_commit", "before_move", "after_move")


def crash_point(step: str) -> None:
    if os.environ.get("COTMOC_CRASH_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)
