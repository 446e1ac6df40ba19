"""`cotmoc serve`: the office's unattended operation. Registers two deployments with the Prefect API (the
embedded server, or the one PREFECT_API_URL names) and runs their flow runs here:
ingest every N minutes, rollup on a cron schedule (nightly by default). One ingest at a time: the
deployment's concurrency limit of 1, and the warehouse's own lock (cotmoc/pipeline/locking.py) for runs started
any other way."""
from __future__ import annotations

from datetime import timedelta

from prefect import serve

from cotmoc.core.config import Settings
from cotmoc.flows.ingest import ingest_flow
from cotmoc.flows.rollup import rollup_flow

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


def serve_deployments(settings: Settings) -> None:
    """Blocks, running scheduled and triggered flow runs, until interrupted (Ctrl-C or SIGTERM)."""
    serve(*build_deployments(settings), print_starting_message=True)
