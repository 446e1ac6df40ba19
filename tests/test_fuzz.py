"""Fuzzing the reading boundary: hypothesis-driven mutants of a valid report (bytes flipped inside the XML parts,
parts truncated, renamed, deleted, duplicated, swapped, re-encoded, zip headers lying about sizes, the container
flipped or cut). Every mutant must end accepted, or rejected with a message (Vietnamese and English), its steward
outputs written; nothing raises. The mutants are checked in-process through the same functions the ingest runs
(check_files, write_steward_outputs), 32 to a batch as the ingest batches them; one real run over a sample proves
nothing stays in the inbox. A mutant that ever failed is kept in REGRESSIONS (kind, seed) and runs every time."""
from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from cotmoc.core.config import load_settings
from cotmoc.pipeline.checking import check_files
from cotmoc.pipeline.filing import write_steward_outputs
from cotmoc.pipeline.ingest import run_ingest
from cotmoc.samples import hostile as hf, mutants
from cotmoc.warehouse.db import open_warehouse

TODAY = date(2026, 11, 22)
BATCH = 32
EXAMPLES = 32                       # × BATCH = 1,024 mutants
REGRESSIONS: list[tuple[str, int]] = [          # each made read_report raise before it became the boundary
    ("flip_xml", 1), ("flip_xml", 14), ("truncate_part", 0), ("rename_part", 5), ("delete_part", 5),
    ("reencode_part", 3), ("flip_container", 5),
]
_count = {"mutants": 0, "seconds": 0.0}


def _check_mutants(tmp: Path, mutations: list[tuple[str, int]]) -> None:
    settings = load_settings(tmp, environ={})
    base = hf.report_bytes()
    items = []
    for n, (kind, seed) in enumerate(mutations):
        path = tmp / f"m{n}_{kind}.xlsx"
        path.write_bytes(mutants.mutate(base, kind, seed))
        items.append((path, None))
    checked = check_files(items, settings, today=TODAY)          # must not raise, whatever the bytes
    assert len(checked) == len(items)
    for n, c in enumerate(checked):
        where = mutations[n]
        if c.accepted:
            continue
        errors = [p for p in c.problems if p.is_error]
        assert errors, where
        first = errors[0]
        assert first.message_vi and first.message_en and first.message_vi != first.message_en, where
        assert "Error" not in first.message_vi, (where, first.message_vi)
        if c.readable or n % 16 == 0:      # the annotated copy's fallbacks are where a mutant could still break
            dest = tmp / "out" / f"{n}.xlsx"
            outputs = write_steward_outputs(c, dest, "rejected")
            assert json.loads(outputs[0].read_text(encoding="utf-8"))["problems"], where
            assert outputs[1].exists(), where


@pytest.mark.slow
@hyp_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutations=st.lists(st.tuples(st.sampled_from(mutants.MUTATIONS), st.integers(0, 2**31)),
                          min_size=BATCH, max_size=BATCH))
def test_every_mutant_is_accepted_or_rejected_with_a_message(tmp_path_factory, mutations):
    started = time.perf_counter()
    _check_mutants(tmp_path_factory.mktemp("fuzz"), mutations)
    _count["mutants"] += len(mutations)
    _count["seconds"] += time.perf_counter() - started


@pytest.mark.slow
def test_the_fuzz_run_checked_a_thousand_mutants():
    if _count["mutants"] == 0:
        pytest.skip("runs after the fuzz test in the same session")
    print(f"{_count['mutants']} mutants checked in {_count['seconds']:.1f} s")
    assert _count["mutants"] >= 1000


def test_mutants_that_once_failed_stay_fixed(tmp_path):
    _check_mutants(tmp_path, REGRESSIONS)


def test_mutations_are_reproducible_and_change_the_bytes():
    base = hf.report_bytes()
    for kind in mutants.MUTATIONS:
        assert mutants.mutate(base, kind, 7) == mutants.mutate(base, kind, 7)
        assert any(mutants.mutate(base, kind, seed) != base for seed in range(5)), kind


@pytest.mark.slow
def test_a_real_run_over_mutants_leaves_nothing_in_the_inbox(tmp_path):
    settings = load_settings(tmp_path, environ={})
    settings.inbox.mkdir(parents=True)
    base = hf.report_bytes()
    for n in range(3 * len(mutants.MUTATIONS)):
        kind = mutants.MUTATIONS[n % len(mutants.MUTATIONS)]
        (settings.inbox / f"m{n}_{kind}.xlsx").write_bytes(mutants.mutate(base, kind, 1000 + n))
    hf.valid_report(settings.inbox / "hop_le.xlsx")
    with open_warehouse(settings.warehouse, today=TODAY) as con:
        outcomes = run_ingest(con, settings, today=TODAY)
        assert {o.outcome for o in outcomes} <= {"new", "superseding", "rejected", "duplicate"}
        assert next(o for o in outcomes if o.file_name == "hop_le.xlsx").outcome == "new"
    assert not [p for p in settings.inbox.rglob("*") if p.is_file()]
