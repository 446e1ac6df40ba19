"""Period codes and settings: small pieces every other module leans on."""
import os
from datetime import date
from pathlib import Path

import pytest

from cotmoc.core.config import load_settings
from cotmoc.core.periods import BadPeriod, Period, periods_between


@pytest.mark.parametrize("text, code, start, end", [
    ("2016", "2016", date(2016, 1, 1), date(2016, 12, 31)),
    ("2016S1", "2016S1", date(2016, 1, 1), date(2016, 6, 30)),
    (" 2016s2 ", "2016S2", date(2016, 7, 1), date(2016, 12, 31)),
    (2016, "2016", date(2016, 1, 1), date(2016, 12, 31)),
    (2016.0, "2016", date(2016, 1, 1), date(2016, 12, 31)),
])
def test_period_codes(text, code, start, end):
    p = Period.parse(text)
    assert (p.code, p.start, p.end) == (code, start, end)


@pytest.mark.parametrize("text", ["2016S3", "16", "2016-S1", "năm 2016", "", "1850"])
def test_bad_period_codes(text):
    with pytest.raises(BadPeriod):
        Period.parse(text)


def test_future_is_judged_by_the_start_of_the_period():
    assert Period.parse("2027").is_future(date(2026, 11, 22))
    assert not Period.parse("2026S2").is_future(date(2026, 11, 22))


def test_year_and_half_year_are_distinct_periods():
    assert Period.parse("2016") != Period.parse("2016S1")
    assert [p.code for p in periods_between(Period(2016), Period(2017), "half")] == \
        ["2016S1", "2016S2", "2017S1", "2017S2"]
    assert [p.code for p in periods_between(Period(2016), Period(2018), "year")] == ["2016", "2017", "2018"]


def test_settings_defaults_env_and_toml(tmp_path):
    s = load_settings(tmp_path, environ={})
    assert s.inbox == tmp_path / "inputs" / "inbox" and s.warehouse == tmp_path / "warehouse" / "cotmoc.duckdb"
    (tmp_path / "cotmoc.toml").write_text('[paths]\ninbox = "hop_thu"\n', encoding="utf-8")
    assert load_settings(tmp_path, environ={}).inbox == tmp_path / "hop_thu"
    s = load_settings(tmp_path, environ={"COTMOC_INBOX": "/srv/inbox", "COTMOC_MAX_FILE_MB": "5"})
    assert s.inbox == Path("/srv/inbox") and s.max_file_bytes == 5 * 1024 * 1024
    assert s.with_overrides(warehouse="x.duckdb", inbox=None).warehouse == Path("x.duckdb")


def test_check_settings_default_to_every_core_and_batches_of_32(tmp_path):
    from cotmoc.pipeline.parallel import worker_count
    s = load_settings(tmp_path, environ={})
    assert (s.check_workers, s.batch_files) == (0, 128) and worker_count(s.check_workers) == (os.cpu_count() or 1)
    s = load_settings(tmp_path, environ={"COTMOC_CHECK_WORKERS": "1", "COTMOC_BATCH_FILES": "0"})
    assert (worker_count(s.check_workers), s.batch_files) == (1, 1)      # a batch holds at least one file
