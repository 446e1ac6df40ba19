"""Stopping on SIGTERM or SIGINT within a bound, with every file either untouched or complete.

While an ingest runs, the two signals are caught: outside a *critical section* (planning, reading and
checking files: nothing written yet) the run stops at once; inside one (a batch's load and the filing of its
files, a few seconds at most) it stops right after it. Either way each file is still in the inbox, unread,
or loaded and filed with its steward's files. The CLI then exits with 130 (SIGINT) or 143 (SIGTERM)."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

_state = {"critical": 0, "requested": None}


class Stopped(BaseException):
    """The run stopped on a signal; what it had done is complete, the rest waits in the inbox. A BaseException,
    like KeyboardInterrupt: the per-file `except Exception` that keeps one bad file from stopping the others
    must never take a stop for that file's problem."""
    exit_code = 130
    reported = False

    def __init__(self, signum: int):
        name = signal.Signals(signum).name
        super().__init__(f"Đã dừng theo yêu cầu ({name}): các file đã xử lý đều hoàn tất, các file còn lại vẫn trong "
                         f"hộp thư cho lượt sau — stopped on request ({name}): every file handled is complete, the "
                         f"others wait in the inbox for the next run")
        self.exit_code = 128 + signum

    def failed_state(self, logger):
        """A flow's end on a stop: said once, and calling the flow raises this again (the CLI's exit code)."""
        from prefect.states import Failed
        logger.warning(str(self))
        self.reported = True
        return Failed(message=f"Stopped (exit {self.exit_code}): xem nhật ký — see the log", data=self)


def _handler(signum, frame):
    if _state["critical"]:
        _state["requested"] = signum           # finish the batch first
    else:
        raise Stopped(signum)


@contextmanager
def stop_on_signals():
    """Catch SIGTERM and SIGINT for the block (only where signals can be caught: the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _handler) for s in (signal.SIGTERM, signal.SIGINT)}
    _state.update(critical=0, requested=None)
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextmanager
def critical():
    """A stretch that must not be cut (a load and its filing): a signal waits for its end."""
    _state["critical"] += 1
    try:
        yield
    finally:
        _state["critical"] -= 1
    if not _state["critical"] and _state["requested"]:
        signum, _state["requested"] = _state["requested"], None
        raise Stopped(signum)

