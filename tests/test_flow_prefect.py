"""The ingest flow on a REAL Prefect server (`prefect server start` on 127.0.0.1): it completes, keeps
its summary as an artifact (each rejection's first error and steward copy), is named by its outcome,
its task runs are visible at once, and it prints no traceback on success; on a fresh Prefect home without
a server, no telemetry traceback reaches the terminal."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cotmoc.core.inert import markdown_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "inputs" / "samples"

pytestmark = pytest.mark.slow


def test_ingest_flow_on_a_real_prefect_server(prefect_server, tmp_path):
    inbox = tmp_path / "inputs" / "inbox"
    inbox.mkdir(parents=True)
    for src in sorted(SAMPLES.glob("*/*.xlsx")):
        shutil.copy2(src, inbox / src.name)
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "COTMOC_HOME": str(tmp_path),
           "PREFECT_LOGGING_LEVEL": "INFO"}
    cmd = [str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", "2026-11-22"]
    started = datetime.now(timezone.utc)          # the server is shared with other tests: count only this run
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Traceback" not in output, output
    assert "Import summary" in output
    seeds = len(list((SAMPLES / "seed").glob("*.xlsx")))
    faulty = len(list((SAMPLES / "faulty").glob("*.xlsx")))
    archived = [p for p in (tmp_path / "inputs" / "archive").rglob("*__*.xlsx") if ".loi." not in p.name]
    assert len(archived) == seeds               # (a warned report has its steward's copy beside it)
    assert len([p for p in (tmp_path / "inputs" / "rejected").rglob("*.xlsx")
                if not p.name.endswith(".loi.xlsx")]) == faulty
    assert not any(inbox.iterdir())

    # the server saw the flow run complete, and kept the summary artifact
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    import anyio

    from prefect.client.schemas.filters import (ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, FlowRunFilterId,
                                                LogFilter, LogFilterFlowRunId)

    async def server_view():
        async with get_client() as client:
            runs = [r for r in await client.read_flow_runs() if r.created >= started]
            ours = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[r.id for r in runs]))
            artifacts = await client.read_artifacts(artifact_filter=ours)
            for _ in range(50):          # task runs are recorded within the recorder's flush interval (2 s):
                tasks = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[r.id for r in runs])))
                if tasks and all(t.state and t.state.is_final() for t in tasks):    # a run's last states may
                    break                # come one flush after its first (the command may end in between)
                await anyio.sleep(0.2)
            logs = await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[r.id for r in runs])))
            return runs, artifacts, tasks, logs

    with temporary_settings({PREFECT_API_URL: prefect_server}):
        runs, artifacts, tasks, logs = anyio.run(server_view)
    assert [r.state.type.value for r in runs] == ["COMPLETED"]
    assert re.fullmatch(rf"nhận \d{{4}}-\d\d-\d\d \d\d:\d\d — {seeds} mới, {faulty} từ chối", runs[0].name), runs[0].name
    assert tasks and all(t.state.type.value == "COMPLETED" for t in tasks)       # visible now, not in an hour
    summary = next(a for a in artifacts if a.key == "cotmoc-ingest-summary")
    rejected_dir = tmp_path / "inputs" / "rejected"
    copies = sorted(rejected_dir.rglob("*.loi.xlsx"))
    assert len(copies) == faulty
    for copy in copies:                                     # each rejection: its steward copy and first error
        assert markdown_text(str(copy)) in summary.data, copy
    assert "Rejected reports" in summary.data and "Lỗi đầu tiên / first error" in summary.data
    assert markdown_text("tổng 432,012 km đăng ký vượt quá") in summary.data          # Lai Châu's error text
    # the run's log in the UI: each file's line, the files of a step in one record (one per file cost 0.4 ms)
    lines = [line for log in logs for line in log.message.splitlines()]
    for path in [*(SAMPLES / "seed").glob("*.xlsx"), *(SAMPLES / "faulty").glob("*.xlsx")]:
        assert sum(line.startswith(f"{path.name}: ") for line in lines) == 1, path.name
    assert any(line.startswith(f"{seeds + faulty} / {seeds + faulty} file đã xử lý") for line in lines)
    assert sum("file đã xử lý" in log.message for log in logs) < seeds + faulty
    progress = [a for a in artifacts if a.key == "cotmoc-ingest-progress"]
    assert progress and progress[0].data == 100.0          # the UI's progress bar ends full
    assert progress[0].description.startswith(f"{seeds + faulty} / {seeds + faulty} file")


@pytest.mark.skipif(sys.platform != "linux", reason="the temporary server's start-up is timed on Linux")
def test_a_fresh_prefect_home_prints_no_telemetry_traceback(tmp_path):
    """No server and a Prefect home that does not exist yet: the command's own temporary server starts, and
    nothing about telemetry (or a locked database) reaches the office's terminal."""
    inbox = tmp_path / "inputs" / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy2(SAMPLES / "seed" / "dien_bien_2016.xlsx", inbox / "dien_bien_2016.xlsx")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}     # as the office's shell
    env |= {"PREFECT_HOME": str(tmp_path / "fresh-prefect-home"), "COTMOC_HOME": str(tmp_path)}
    run = subprocess.run([str(Path(sys.executable).parent / "cotmoc"), "ingest", "--today", "2026-11-22"], env=env,
                         capture_output=True, text=True, timeout=400, stdin=subprocess.DEVNULL)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for text in ("Traceback", "telemetry", "database is locked"):
        assert text not in output, output
