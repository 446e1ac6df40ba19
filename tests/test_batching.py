"""The same inbox gives the same warehouse and the same steward files whatever the batch size, the number of
checking workers or whether Prefect runs it: every review is judged against the warehouse and the files
received before, never against which files happened to share a batch."""
from __future__ import annotations

import pytest

from tests.snapshot import TODAY, cotmoc, differences, make_home, snapshot

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("batch", ["1", "8", "200"])
def test_batch_size_never_changes_the_end_state(tmp_path, fault_corpus, reference_home, batch):
    home = make_home(tmp_path / "home", fault_corpus)
    run = cotmoc(home, "ingest", "--plain", "--today", TODAY, COTMOC_BATCH_FILES=batch)
    assert run.returncode == 0, run.stdout + run.stderr
    assert differences(snapshot(reference_home), snapshot(home)) == []


@pytest.mark.parametrize("batch, workers", [("8", "2"), ("32", "1")])
def test_workers_and_the_prefect_flow_never_change_the_end_state(tmp_path, fault_corpus, reference_home,
                                                                 prefect_server, batch, workers):
    home = make_home(tmp_path / "home", fault_corpus)
    run = cotmoc(home, "ingest", "--today", TODAY, COTMOC_BATCH_FILES=batch, COTMOC_CHECK_WORKERS=workers,
                 PREFECT_API_URL=prefect_server)
    assert run.returncode == 0, run.stdout + run.stderr
    assert differences(snapshot(reference_home), snapshot(home)) == []


def test_the_corpus_exercises_what_batching_could_change(reference_home):
    """The comparison means something only if the corpus holds resubmissions within one run, period-over-
    period warnings, duplicates and rejections."""
    tables = snapshot(reference_home)["tables"]
    rules = {row[2] for row in tables["validation_issues"]}
    statuses = [row[10] for row in tables["submissions"]]
    assert {"run.same_province_period", "history.teams_jump"} <= rules, rules
    assert {"accepted", "superseded", "duplicate", "rejected"} <= set(statuses)
