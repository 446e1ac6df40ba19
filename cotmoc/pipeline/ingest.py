"""Ingest an inbox: every workbook ends either loaded (filed in archive/) or rejected (filed in rejected/
with the steward's report), exactly once, whatever crashes in between.

The order of work is what makes it safe, and each step is a plain function below, called in this order by
the CLI's plain mode and the tests (`run_ingest`) and by the Prefect flow (flows/ingest.py), which checks the
batches as tasks:
1. plan (`plan_run`, cotmoc/pipeline/planning.py): take every regular inbox file into staging, fingerprinting it
   as it is copied (cotmoc/pipeline/staging.py: links, pipes, lock files and files still being written stay,
   with an outcome `left`); bytes the warehouse already knows are duplicates (or a filing that a crash
   interrupted, completed by `recover_unfiled`), and are never opened as workbooks again;
2. check (cotmoc/pipeline/checking.py): read → normalise each new file, then validate them in batches (one
   schema run per sheet for a batch; plain functions that the flow runs on every core,
   cotmoc/pipeline/parallel.py);
3. commit (`commit_and_file`, cotmoc/pipeline/filing.py): one warehouse transaction per batch (submissions with
   where each file will be filed, facts, supersede, period-over-period review, problems);
4. file: write the steward's outputs and move each file (the same `commit_and_file`, after the commit), then
   the duplicates (`file_duplicates`), then the run is recorded (`finish_run`).
A run killed anywhere leaves either an uncommitted transaction (rolled back: the file is still in the
inbox and is simply processed again) or a committed submission whose file is still in the inbox (the
next run's plan sees its known fingerprint without a filed copy and completes the filing). No file stops the
others: reading has one boundary (cotmoc.reading.workbook.read_report), normalising, validating, filing and recovery
each fail for their own file only (a rejection `file.check_failed`, or `left` with a message when a filing
cannot complete). A signal (SIGTERM, SIGINT) waits for a batch's load and filing to end (cotmoc/pipeline/stopping.py).
The warehouse's writer lock is held for the whole run (`writing_the_warehouse`).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable, Iterator

from cotmoc.core.config import Settings
from cotmoc.core.faults import crash_point
from cotmoc.core.records import FileOutcome
from cotmoc.pipeline import approval, staging
from cotmoc.pipeline.checking import CheckedFile, check_files
from cotmoc.pipeline.filing import file_duplicate, load_and_file, recover_filing
from cotmoc.pipeline.inbox import batched
from cotmoc.pipeline.planning import Plan, clear_leftovers, plan_files, take_inbox
from cotmoc.pipeline.stopping import critical, stop_on_signals
from cotmoc.warehouse import load as wh


@dataclass
class IngestRun:
    """One run's state, handed from step to step: the warehouse connection (DuckDB allows one writer, so every
    write stays in this one process and connection), what the run has done so far, in order, and the
    submission each file loaded this run became (for its duplicates of the same run)."""
    con: object
    settings: Settings
    today: date | None
    started: datetime
    outcomes: list[FileOutcome] = field(default_factory=list)
    loaded: dict[str, int] = field(default_factory=dict)       # SHA-256 → submission id

    def add(self, outcomes: list[FileOutcome]) -> list[FileOutcome]:
        self.outcomes += outcomes
        return outcomes


@contextmanager
def writing_the_warehouse(settings: Settings, *, today: date | None = None, on_wait=None,
                          on_warning=None) -> Iterator[object]:
    """The warehouse open for an ingest, as a connection: its writer lock taken (`on_wait(holder)` while
    another job holds it), the folders it writes checked (writable, with room: `on_warning(message)` hears of
    low space), SIGTERM/SIGINT stopping within a bound, the warehouse checked whole, then migrated. A fault of
    the machine is raised as an EnvironmentFault, a damaged warehouse as WarehouseDamaged, before any file is
    moved where it can be."""
    from cotmoc.pipeline.locking import warehouse_lock
    from cotmoc.pipeline.preflight import inbox_present, ingest_folders, machine_faults, preflight
    from cotmoc.warehouse.db import open_warehouse
    inbox_present(settings.inbox)
    with warehouse_lock(settings.warehouse, purpose="ingest", wait_seconds=settings.lock_wait_seconds,
                        on_wait=on_wait):
        preflight(settings, ingest_folders(settings), on_warning=on_warning)
        with machine_faults("nhận báo cáo", "ingest the inbox"), stop_on_signals():
            with open_warehouse(settings.warehouse, today=today, wait_seconds=settings.lock_wait_seconds) as con:
                yield con


@contextmanager
def ingest_run(con, settings: Settings, *, today: date | None = None) -> Iterator[IngestRun]:
    """A run on an open warehouse. First what a killed run left half-written is cleared, and a release's filing
    that a crash left undone is finished; at the end, however it ends, the staged copies go (copies only: the
    inbox entries of files not filed remain for the next run)."""
    run = IngestRun(con, settings, today, datetime.now())
    clear_leftovers(settings)
    approval.finish_releases(con, settings)
    try:
        yield run
    finally:
        staging.clear_staging(settings.archive)


def plan_run(run: IngestRun) -> Plan:
    """Step 1: the inbox taken into staging and sorted by fingerprint; what stays in the inbox is said first."""
    taken, left = take_inbox(run.settings, time.time_ns())
    run.add(left)
    return plan_files(run.con, taken)


def recover_unfiled(run: IngestRun, plan: Plan) -> list[FileOutcome]:
    """Committed by a killed run, never filed: filed now where the load said; nothing is loaded again."""
    recovered = []
    for item, known in plan.unfiled:
        with critical():
            recovered.append(recover_filing(run.con, item, known, run.settings, run.today))
    return run.add(recovered)


def batches(run: IngestRun, plan: Plan) -> list[list[tuple]]:
    """Step 2's work: the new files in batches of `settings.batch_files`, each checked as one."""
    return batched(plan.to_check, run.settings.batch_files)


def _crash_between_inserts(step: str) -> None:
    if step == "facts:doan_bien_gioi":
        crash_point("mid_transaction")


def commit_and_file(run: IngestRun, checked: list[CheckedFile]) -> list[FileOutcome]:
    """Steps 3 and 4 for one checked batch: ONE transaction, then each file's steward outputs and move (a batch
    the warehouse refuses is loaded file by file). A signal waits for the end of both. Batches are committed in
    submission order, and every review the load makes is judged against the warehouse and the files before
    it, so batching never changes a result."""
    with critical():
        outcomes = load_and_file(run.con, checked, run.settings, failpoint=_crash_between_inserts, isolate=True)
    run.loaded.update({o.sha256: o.submission_id for o in outcomes if o.outcome != "left"})
    return run.add(outcomes)


def file_duplicates(run: IngestRun, plan: Plan) -> list[FileOutcome]:
    """Bytes already known (to the warehouse, or loaded earlier in this run): kept under archive/_trung_lap/."""
    filed = []
    for item, original in plan.duplicates:
        with critical():
            filed.append(file_duplicate(run.con, item, original or run.loaded.get(item[1]), run.settings))
    return run.add(filed)


def finish_run(run: IngestRun) -> list[FileOutcome]:
    """The run recorded in ingest_runs; returns one outcome per file, in the order they were handled."""
    wh.record_run(run.con, run.started, [o for o in run.outcomes if o.outcome != "left"])
    return run.outcomes


def run_ingest(con, settings: Settings, *, today: date | None = None,
               on_plan: Callable[[int], None] | None = None,
               on_file: Callable[[FileOutcome], None] | None = None) -> list[FileOutcome]:
    """The steps in order, on an open warehouse, each batch checked here as it comes (the flow checks them as
    Prefect tasks on every core). `on_plan(total)` hears how many files the run takes to an end and
    `on_file(outcome)` of each as it ends (the CLI's progress bar)."""
    def told(outcomes: list[FileOutcome]) -> None:
        for outcome in outcomes if on_file else ():
            on_file(outcome)

    with ingest_run(con, settings, today=today) as run:
        plan = plan_run(run)
        if on_plan:
            on_plan(plan.total)
        told(recover_unfiled(run, plan))
        for batch in batches(run, plan):
            told(commit_and_file(run, check_files(batch, settings, today=today)))
        told(file_duplicates(run, plan))
        return finish_run(run)


def ingest_inbox(settings: Settings, *, today: date | None = None, on_wait=None, on_warning=None,
                 on_plan=None, on_file=None) -> list[FileOutcome]:
    """The whole job for one inbox without Prefect (the CLI's plain mode, the benchmarks): run_ingest on the
    warehouse opened for writing (writing_the_warehouse: `on_wait`, `on_warning`)."""
    with writing_the_warehouse(settings, today=today, on_wait=on_wait, on_warning=on_warning) as con:
        return run_ingest(con, settings, today=today, on_plan=on_plan, on_file=on_file)
