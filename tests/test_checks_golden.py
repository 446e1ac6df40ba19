"""What checking a file finds, held still while its insides change for speed (issue 16).

Every case below is checked through the ingest's own function (cotmoc.pipeline.checking.check_files, in batches
of 32 as the ingest batches them), and what comes out is compared with tests/golden/checks.json, recorded by
the code before each speed change: for every file, every problem (severity, rule, sheet, row, column, cell, value
found, both messages and both fixes, in order) and the facts the warehouse would load (each table's dtypes and
values, the report's fields and cells). The cases: the bundled samples, generated backfill reports (every
expected province, year and half-year, two eras of places, one large report past the reader's chunk size), the
faulty builders, a workbook of odd values, every kind in the hostile catalogue and a fixed set of fuzz mutants;
and, where LibreOffice is installed, samples saved as .ods and .xls (read by the other reader path).

A deliberate change of what is found (a new rule, a reworded message) re-records the file:

    COTMOC_RECORD_GOLDEN=1 .venv/bin/python -m pytest tests/test_checks_golden.py

and the diff of tests/golden/checks.json is then reviewed like code: it shows every file whose findings moved.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cotmoc.core.config import load_settings
from cotmoc.pipeline.checking import CheckedFile, check_files
from cotmoc.samples import faulty, hostile, mutants
from cotmoc.samples.generator import generate_report, write_samples
from cotmoc.samples.seeds import quang_ninh_2018
from tests.conftest import TODAY
from tests.test_read_speed_equivalence import _odd_values

GOLDEN = Path(__file__).resolve().parent / "golden" / "checks.json"
SAMPLES = Path(__file__).resolve().parent.parent / "inputs" / "samples"
RECORD = os.environ.get("COTMOC_RECORD_GOLDEN") == "1"
BATCH = 32

def _rules_broken(path: Path) -> Path:
    """A report breaking the cross-sheet rules: markers claimed twice, a border not of the province, decisions
    signed after the report and long before the period."""
    report = generate_report("lao_cai", "2020", seed=5)
    marked = [row for row in report.segments if row["marker_from"]]
    marked[1]["marker_from"], marked[1]["marker_to"] = marked[0]["marker_from"], marked[0]["marker_to"]
    report.segments[3]["border"] = "VN-LA"
    report.awards[0]["decision_date"] = date(2021, 6, 1)
    report.awards[-1]["decision_date"] = date(2017, 1, 5)
    return report.write(path)


def _activities_broken(path: Path) -> Path:
    """Template version 2's activities: a kind given twice, figures counted since after the period."""
    report = quang_ninh_2018()
    report.activities.append(dict(report.activities[0]))
    report.activities[1]["since"] = 2030
    return report.write(path)


FAULTY = {"typo_number": faulty.typo_number, "km_past_border_total": faulty.km_past_border_total,
          "wrong_team_type": faulty.wrong_team_type, "stale_header": faulty.stale_header,
          "swapped_activity_figures": faulty.swapped_activity_figures, "missing_sheet": faulty.missing_sheet,
          "duplicated_column": faulty.duplicated_column, "extra_column": faulty.extra_column,
          "merged_cells": faulty.merged_cells, "repairable_text": faulty.repairable_text,
          "bad_counts": faulty.bad_counts, "future_period": lambda p: faulty.future_period(p, TODAY),
          "formulas_cached": lambda p: faulty.formulas(p, cached=True),
          "formulas_uncached": lambda p: faulty.formulas(p, cached=False), "hyperlink_note": faulty.hyperlink_note,
          "odd_values": _odd_values, "rules_broken": _rules_broken, "activities_broken": _activities_broken}
#: (mutation, seed): a fixed spread over every kind of mutant (tests/test_fuzz.py draws its own at random)
MUTANTS = [(kind, seed) for kind in mutants.MUTATIONS for seed in (0, 1, 2, 5, 14, 99)]


def _path(made) -> Path:
    return made if isinstance(made, Path) else made.path


def build_cases(root: Path) -> dict[str, Path]:
    """Every case's file, by a stable name."""
    cases: dict[str, Path] = {}
    for path in sorted(SAMPLES.rglob("*.xlsx")):
        cases[f"sample/{path.relative_to(SAMPLES).as_posix()}"] = path
    generated = root / "generated"
    for seed, years in ((3, [2016]), (7, [2025])):
        for path in write_samples(generated / str(seed), seed=seed, periods=years):
            cases[f"generated/{seed}/{path.name}"] = path
    large = generate_report("nghe_an", "2024", seed=11, segment_rows=9_000)
    cases["generated/large/nghe_an_2024.xlsx"] = large.write(root / "large" / large.file_name)
    for name, build in FAULTY.items():
        cases[f"faulty/{name}"] = _path(build(root / "faulty" / f"{name}.xlsx"))
    for kind in hostile.CATALOGUE:
        if kind.outcome == "left":
            continue                   # never read: left in the inbox (tests/test_hostile.py)
        folder = root / "hostile" / kind.name
        folder.mkdir(parents=True)
        cases[f"hostile/{kind.name}"] = _path(kind.build(folder / kind.file_name))
    base = _timeless(hostile.report_bytes())
    for kind, seed in MUTANTS:
        path = root / "mutants" / f"{kind}_{seed}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(mutants.mutate(base, kind, seed))
        cases[f"mutant/{kind}/{seed}"] = path
    cases.update(_other_formats(root))
    return cases


def _timeless(data: bytes) -> bytes:
    """The workbook's bytes with the moment it was written taken out (the zip entries' times, the document's
    created and modified times), so a mutation of it flips the same bytes in every run."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            part = zin.read(item.filename)
            if item.filename == "docProps/core.xml":
                part = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", part)
            zout.writestr(zipfile.ZipInfo(item.filename, (2026, 1, 1, 0, 0, 0)), part, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _other_formats(root: Path) -> dict[str, Path]:
    """Two samples saved by LibreOffice as .ods and as .xls (calamine's other readers), when it is installed."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return {}
    out = {}
    for source in ("seed/dien_bien_2016.xlsx", "faulty/loi_so_nguoi_dien_bien_2016.xlsx"):
        for suffix in ("ods", "xls"):
            folder = root / "formats" / suffix / Path(source).parent
            folder.mkdir(parents=True, exist_ok=True)
            subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{root / 'lo-profile'}",
                            "--convert-to", suffix, "--outdir", str(folder), str(SAMPLES / source)],
                           check=True, capture_output=True, timeout=180)
            out[f"format/{suffix}/{Path(source).with_suffix('.' + suffix).as_posix()}"] = \
                folder / Path(source).with_suffix("." + suffix).name
    return out


def _table_facts(frame: pd.DataFrame) -> dict:
    """A table as the warehouse would load it: its dtypes, its row count and a digest of every value."""
    values = frame.to_json(orient="split", date_format="iso", double_precision=15, index=False)
    return {"dtypes": {c: str(t) for c, t in frame.dtypes.items()}, "rows": len(frame),
            "values": hashlib.sha256(values.encode()).hexdigest()[:20]}


def finding(c: CheckedFile) -> dict:
    """What checking one file found, in a form JSON keeps exactly."""
    out: dict = {"accepted": c.accepted, "readable": c.readable,
                 "problems": [[p.severity, p.rule, p.sheet, p.row, p.column, p.cell, p.value, p.message_vi,
                               p.message_en, p.fix_vi, p.fix_en] for p in c.problems]}
    if c.report is not None:
        out["info"] = {k: repr(v) for k, v in sorted(c.report.info.items())}
        out["info_cells"] = dict(sorted(c.report.info_cells.items()))
        out["columns"] = {s: dict(sorted(m.items())) for s, m in sorted(c.report.columns.items())}
        out["tables"] = {code: _table_facts(c.report.table(code))
                         for code in ("to_tu_quan", "doan_bien_gioi", "khen_thuong", "hoat_dong")}
    return out


def check_all(cases: dict[str, Path], home: Path) -> dict[str, dict]:
    settings = load_settings(home, environ={})
    names = list(cases)
    found = {}
    for start in range(0, len(names), BATCH):
        chunk = names[start:start + BATCH]
        for name, c in zip(chunk, check_files([(cases[n], None) for n in chunk], settings, today=TODAY)):
            found[name] = finding(c)
    return found


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("golden")
    return check_all(build_cases(root / "cases"), root / "home")


@pytest.mark.slow
def test_checking_finds_exactly_what_it_found_before(findings):
    if RECORD:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(findings, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                          encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    formats = {n for n in golden if n.startswith("format/")}
    if shutil.which("soffice") is None:
        golden = {n: v for n, v in golden.items() if n not in formats}
    assert sorted(findings) == sorted(golden), "the cases changed: re-record (see the module docstring)"
    for name in golden:
        want, got = golden[name], findings[name]
        for key in sorted(set(want) | set(got)):
            assert got.get(key) == want.get(key), f"{name}: {key} differs from what was recorded"


def test_the_golden_record_covers_every_kind_of_case():
    """The record itself is not thin: every group of cases is there, and between them they reach problems of
    every stage (the reader's, the normaliser's, the schemas', the cross-sheet rules') and accepted files."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    groups = {name.split("/", 1)[0] for name in golden}
    assert groups >= {"sample", "generated", "faulty", "hostile", "mutant", "format"}
    assert sum(name.startswith("generated/") for name in golden) >= 140
    rules = {p[1] for f in golden.values() for p in f["problems"]}
    for rule in ("file.corrupt", "sheet.hidden", "cell.excel_error", "number.repaired", "value.missing",
                 "value.negative", "teams.members_fewer_than_teams", "segments.km_over_total",
                 "segments.marker_claimed_twice", "segments.border_not_of_province", "awards.decision_after_report",
                 "activities.repeated", "activities.since_after_period", "commune.repaired", "row.total"):
        assert rule in rules, rule
    assert sum(f["accepted"] for f in golden.values()) >= 140
    assert any(f["tables"]["doan_bien_gioi"]["rows"] >= 9_000 for f in golden.values() if "tables" in f)
