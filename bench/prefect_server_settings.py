"""Measures Prefect server settings for the office: after an ingest flow run completes on a real
`prefect server start`, how long until its task runs are visible in the API (what the UI shows), and how
long the server takes to stop on SIGTERM (systemd's stop) or SIGINT (Ctrl-C), and whether the task runs
are still there when it is started again (a recorder that buffers loses what it has not written).
Prints a Markdown table.

    .venv/bin/python bench/prefect_server_settings.py            # the settings compared in docs/operations.md
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CANDIDATES = {    # name → recorder settings (batch size, flush interval in seconds)
    "old: batch 100000, flush 3600 s": ("100000", "3600"),
    "Prefect defaults: batch 1, flush 5 s": ("1", "5"),
    "cotmoc: batch 100, flush 2 s": ("100", "2"),
}
VISIBLE_WAIT = 90


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the Prefect server did not start")


def _task_runs(url: str) -> int:
    """Task runs in a final state that the API returns (what the UI's flow run page lists)."""
    import json
    body = json.dumps({"task_runs": {"state": {"type": {"any_": ["COMPLETED", "FAILED"]}}}}).encode()
    req = urllib.request.Request(f"{url}/task_runs/filter", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return len(json.loads(r.read()))


def _start(env: dict, port: int, log) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def measure(name: str, batch: str, flush: str, stop_signal: signal.Signals) -> dict:
    work = Path(tempfile.mkdtemp(prefix="cotmoc-prefect-"))
    port = _port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_UI_ENABLED": "false",
           "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": batch,
           "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": flush}
    env.pop("PREFECT_API_URL", None)
    log = (work / "server.log").open("w")
    server = _start(env, port, log)
    kept = None
    try:
        _wait_healthy(url, server)
        inbox = work / "inputs" / "inbox"
        inbox.mkdir(parents=True)
        for src in sorted((ROOT / "inputs" / "samples").glob("*/*.xlsx")):
            shutil.copy2(src, inbox / src.name)
        run = subprocess.run([str(BIN / "cotmoc"), "ingest", "--today", "2026-11-22"],
                             env={**env, "PREFECT_API_URL": url, "COTMOC_HOME": str(work),
                                  "COTMOC_CHECK_WORKERS": "1"},
                             capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        if run.returncode != 0:
            raise RuntimeError(run.stdout + run.stderr)
        done = time.monotonic()
        visible = None
        while time.monotonic() - done < VISIBLE_WAIT:
            if _task_runs(url) > 0:
                visible = time.monotonic() - done
                break
            time.sleep(0.2)
        stop = time.monotonic()
        server.send_signal(stop_signal)
        try:
            code = server.wait(timeout=60)
            stopped = time.monotonic() - stop
        except subprocess.TimeoutExpired:
            server.kill()
            code, stopped = "killed", None
        server = _start(env, port, log)            # again, on the same database: what was kept?
        _wait_healthy(url, server)
        kept = _task_runs(url)
        server.terminate()
        server.wait(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
        log.close()
    text = (work / "server.log").read_text(errors="replace")
    shutil.rmtree(work, ignore_errors=True)
    return {"name": name, "visible": visible, "stopped": stopped, "code": code, "kept": kept,
            "traceback": "Traceback" in text}


def main() -> None:
    print("| recorder settings | stop signal | task runs visible after the flow run ends | stop → exit | exit code "
          "| task runs kept after a restart | traceback in server log |")
    print("|---|---|---|---|---|---|---|")
    for name, (batch, flush) in CANDIDATES.items():
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            r = measure(name, batch, flush, stop_signal)
            visible = f"{r['visible']:.1f} s" if r["visible"] is not None else f"not within {VISIBLE_WAIT} s"
            stopped = f"{r['stopped']:.1f} s" if r["stopped"] is not None else "did not stop in 60 s"
            print(f"| {name} | {stop_signal.name} | {visible} | {stopped} | {r['code']} | {r['kept']} "
                  f"| {'yes' if r['traceback'] else 'no'} |", flush=True)


if __name__ == "__main__":
    main()
