"""`cotmoc serve`: the office's unattended operation. Registers two deployments with the Prefect API (the
embedded server, or the one PREFECT_API_URL names) and runs their flow runs here:
ingest every N minutes, rollup on a cron schedule (nightly by default). One ingest at a time: the
deployment's concurrency limit of 1, and the warehouse's own lock (cotmoc/pipeline/locking.py) for runs started
any other way.

Stopping is bounded (systemd's stop timeout): on SIGTERM or SIGINT the flow runs in progress are asked to
stop (SIGTERM: an ingest finishes the batch it is loading, cotmoc/pipeline/stopping.py), waited for up to
STOP_GRACE_SECONDS, ended if still there, and the process exits."""
from __future__ import annotations

import os
import signal
import sys
from datetime import timedelta

import psutil

from cotmoc.core.config import Settings
from cotmoc.flows.ingest import ingest_flow
from cotmoc.flows.rollup import rollup_flow

STOP_GRACE_SECONDS = 7          # flow runs' time to finish; with the rest, under 10 s in all
INGEST_DEPLOYMENT = "cotmoc-ingest/ingest"
ROLLUP_DEPLOYMENT = "cotmoc-rollup/rollup"


def build_deployments(settings: Settings):
    ingest = ingest_flow.to_deployment(
        name="ingest", interval=timedelta(minutes=settings.ingest_every_minutes), concurrency_limit=1,
        description="Nhận báo cáo trong hộp thư — load the inbox into the warehouse",
        tags=["cotmoc"])
    rollup = rollup_flow.to_deployment(
        name="rollup", cron=settings.rollup_cron, concurrency_limit=1,
        description="Tổng hợp, xuất dữ liệu, báo cáo toàn quốc — exports, national report, published copy",
        tags=["cotmoc"])
    return [ingest, rollup]


def stop_children(grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM to this process's children (flow runs first, then the rest: a temporary Prefect server), wait
    up to `grace` seconds, SIGKILL what is left."""
    children = psutil.Process().children(recursive=True)
    servers = [c for c in children if _is_server(c)]
    for group, wait in ((c for c in children if c not in servers), grace), (servers, 2.0):
        group = list(group)
        for child in group:
            try:
                child.send_signal(signal.SIGTERM)
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(group, timeout=wait)
        for child in alive:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass


def _is_server(process) -> bool:
    try:
        line = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return "server" in line and ("uvicorn" in line or "prefect" in line) and "flow-run" not in line


def _stop(signum, frame) -> None:
    print(f"Nhận {signal.Signals(signum).name}: dừng các lượt đang chạy (tối đa {STOP_GRACE_SECONDS} giây) — "
          f"stopping the runs in progress (at most {STOP_GRACE_SECONDS} s)", file=sys.stderr, flush=True)
    stop_children()
    # the flow runs have ended and reported their states themselves; the runner holds nothing that must be
    # saved, and unwinding its event loop from a signal handler takes long and prints tracebacks: end here
    print("Đã dừng — stopped", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(0)


def serve_deployments(settings: Settings) -> None:
    """Blocks, running scheduled and triggered flow runs, until SIGTERM or SIGINT (Ctrl-C); then stops
    within 10 s (see the module docstring)."""
    import asyncio
    from prefect.runner import Runner

    class BoundedRunner(Runner):
        def handle_sigterm(self, *args, **kwargs):
            _stop(signal.SIGTERM, None)

    runner = BoundedRunner()
    for deployment in build_deployments(settings):
        runner.add_deployment(deployment)
    print("Đang phục vụ các lịch chạy — serving the deployments: " + ", ".join([INGEST_DEPLOYMENT, ROLLUP_DEPLOYMENT]))
    signal.signal(signal.SIGINT, _stop)           # before asyncio.run, which then leaves it in place
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, SystemExit):
        pass
