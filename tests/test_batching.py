"""The same inbox gives the same warehouse and the same steward files whatever the batch size, the number of
checking workers or whether Prefect runs it: every review is judged against the warehouse and the files
received before, never against which files happened to share a batch. (The reference is the corpus ingested
with `--plain` and the default batch of 32, in one worker.)"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.snapshot import TODAY, cotmoc, differences, make_home, snapshot

pytestmark = pytest.mark.slow

#: (batch size, checking workers, through Prefect)
VARIANTS = [("1", "1", False), ("8", "1", False), ("200", "1", False), ("8", "2", True), ("32", "2", True)]


def test_batch_size_workers_and_prefect_never_change_the_end_state(tmp_path, fault_corpus, reference_home,
                                                                   prefect_server):
    expected = snapshot(reference_home)

    def run(variant):
        batch, workers, flow = variant
        home = make_home(tmp_path / f"b{batch}-w{workers}-{'flow' if flow else 'plain'}", fault_corpus)
        args = ["ingest", "--today", TODAY] + ([] if flow else ["--plain"])
        done = cotmoc(home, *args, COTMOC_BATCH_FILES=batch, COTMOC_CHECK_WORKERS=workers,
                      **({"PREFECT_API_URL": prefect_server} if flow else {}))
        if done.returncode != 0:
            return variant, [f"exit {done.returncode}: {done.stderr[-1500:]}"]
        return variant, differences(expected, snapshot(home))

    with ThreadPoolExecutor(max_workers=2) as pool:              # CI has 2 cores
        results = list(pool.map(run, VARIANTS))
    assert [r for r in results if r[1]] == []


def test_the_corpus_exercises_what_batching_could_change(reference_home):
    """The comparison means something only if the corpus holds resubmissions within one run, period-over-
    period warnings, duplicates and rejections."""
    tables = snapshot(reference_home)["tables"]
    rules = {row[2] for row in tables["validation_issues"]}
    statuses = [row[10] for row in tables["submissions"]]
    assert {"run.same_province_period", "history.teams_jump"} <= rules, rules
    assert {"accepted", "superseded", "duplicate", "rejected"} <= set(statuses)
