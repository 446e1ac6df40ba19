"""The long-running processes the tests start for real (`prefect server start`, `cotmoc web`, `cotmoc serve`):
on a free loopback port, output to a log file, waited for until they answer, and always stopped at the end."""
from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_answering(proc: subprocess.Popen, url: str, timeout: float, pause: float, what: str,
                          log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not start; log:\n{log.read_text()[-3000:]}")
        time.sleep(pause)


@contextmanager
def running(command: list[str], *, env: dict, log: Path, what: str, cwd: Path | None = None,
            ready_url: str | None = None, ready_timeout: float = 120, pause: float = 0.5,
            stop: signal.Signals = signal.SIGTERM, stop_timeout: float = 30, must_stop: bool = False):
    """`command` running, its output in `log`; with `ready_url`, once that answers 200. At the end it is sent
    `stop` and waited for (killed after `stop_timeout`; with `must_stop`, that fails the test)."""
    out = log.open("w")
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    try:
        if ready_url:
            _wait_until_answering(proc, ready_url, ready_timeout, pause, what, log)
        yield proc
    finally:
        proc.send_signal(stop)
        try:
            proc.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            if must_stop:
                pytest.fail(f"{what} did not stop on {stop.name}")
        finally:
            out.close()
