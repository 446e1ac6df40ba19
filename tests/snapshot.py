"""What "the same end state" means, in one place, for the batching, kill and rebuild tests: a corpus of about
40 inbox files (reports, resubmissions in waves, byte-for-byte duplicates, backfills, faulty and unreadable
files) and a snapshot of everything a run leaves behind: every warehouse table (timestamps and run ids aside,
submission ids renumbered in their order), the folders as (path, SHA-256), the steward's `.loi.json` files
and `.loi.xlsx` files by their cells' content."""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "inputs" / "samples"
TODAY = "2026-11-22"
T0 = 1_700_000_000
#: columns that say when or in which run, not what: left out of the comparison
TIME_COLUMNS = {"loaded_at", "applied_at", "started_at", "finished_at", "run_id"}
ID_COLUMNS = {"submission_id", "superseded_by", "duplicate_of"}


def write_corpus(inbox: Path, seed: int = 7) -> list[Path]:
    """About 40 files into `inbox`, each with a fixed received time (ties broken by name)."""
    from cotmoc.samples import broken_files
    from cotmoc.samples.generator import generate_report, write_samples
    inbox.mkdir(parents=True, exist_ok=True)
    paths = write_samples(inbox, seed=seed, provinces=["lai_chau", "dien_bien", "ha_giang", "quang_ninh"],
                          periods=list(range(2017, 2022)), kinds=("year",))
    paths += write_samples(inbox, seed=seed, provinces=["lai_chau", "cao_bang"], periods=[2019, 2020], kinds=("half",))
    # resubmissions in waves: other figures for the same province and period (one of them three times)
    for n, (province, period) in enumerate([("lai_chau", "2019"), ("quang_ninh", "2018"), ("quang_ninh", "2018"),
                                            ("dien_bien", "2020"), ("ha_giang", "2021")]):
        report = generate_report(province, period, seed=100 + n)
        paths.append(report.write(inbox / f"gui_lai_{n}_{report.file_name}"))
    for src in paths[:3]:                                   # the same bytes under another name
        paths.append(Path(shutil.copy2(src, inbox / f"ban_sao_{src.name}")))
    for src in sorted((SAMPLES / "faulty").glob("*.xlsx")):
        paths.append(Path(shutil.copy2(src, inbox / src.name)))
    paths.append(broken_files.not_a_workbook(inbox / "khong_phai_excel.xlsx"))
    paths.append(broken_files.truncated_zip(inbox / "bi_cat_ngang.xlsx"))
    folder = inbox / "Lai Châu"
    folder.mkdir(exist_ok=True)
    paths.append(generate_report("lai_chau", "2016", seed=seed).write(folder / "lai_chau_2016.xlsx"))
    rng = random.Random(seed)
    order = sorted(paths, key=lambda p: str(p))
    rng.shuffle(order)
    for i, path in enumerate(order):                      # pairs share a received time: the name decides
        os.utime(path, (T0 + i // 2, T0 + i // 2))
    return order


def make_home(root: Path, corpus: Path) -> Path:
    """A fresh cotmoc home whose inbox holds a copy of `corpus` (received times kept)."""
    home = root
    shutil.copytree(corpus, home / "inputs" / "inbox", copy_function=shutil.copy2)
    return home


def cotmoc_env(home: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COTMOC_")}
    env.update(COTMOC_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120", **extra)
    return env


def cotmoc(home: Path, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "cotmoc"), *args], env=cotmoc_env(home, **env),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=home)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _xlsx_content(path: Path) -> dict:
    """Every sheet's cells (value, note) — what the steward reads; document timestamps ignored."""
    from openpyxl import load_workbook
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = sorted((c.coordinate, repr(c.value), c.comment.text if c.comment else None)
                               for row in ws.iter_rows() for c in row if c.value is not None or c.comment)
    return out


def _xlsx_content_quick(path: Path) -> dict:
    """The same, read quickly enough for thousands of copies (bench/run.py's scale runs): every sheet's values
    (python-calamine) and the notes' parts by digest."""
    import zipfile

    from python_calamine import CalamineWorkbook
    book = CalamineWorkbook.from_path(str(path))
    out: dict = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    with zipfile.ZipFile(path) as zf:
        out["notes"] = {n: hashlib.sha256(zf.read(n)).hexdigest() for n in sorted(zf.namelist()) if "comments" in n}
    return out


def table_rows(con, home: Path, tables: list[str] | None = None, skip: tuple[str, ...] = ()) -> dict:
    """Each table's rows, sorted, with submission ids renumbered 1, 2, 3 … in their order (a rolled-back load
    may leave a gap in the sequence) and paths relative to the home."""
    names = tables or [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1").fetchall()]
    ids = [r[0] for r in con.execute("SELECT submission_id FROM submissions ORDER BY 1").fetchall()]
    rank = {sid: n for n, sid in enumerate(ids, start=1)}
    prefix = str(home.resolve()) + os.sep
    out = {}
    for name in names:
        if name in skip:
            continue
        cols = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                          "ORDER BY column_index", [name]).fetchall()]
        keep = [c for c in cols if c not in TIME_COLUMNS]
        rows = con.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in keep)} FROM {name}").fetchall()
        fixed = []
        for row in rows:
            values = []
            for col, v in zip(keep, row):
                if col in ID_COLUMNS and v is not None:
                    v = rank.get(v, f"?{v}")
                elif isinstance(v, str) and v.startswith(prefix):
                    v = v[len(prefix):]
                values.append(v)
            fixed.append(tuple(values))
        out[name] = sorted(fixed, key=repr)
    return out


def snapshot(home: Path, *, skip_tables: tuple[str, ...] = (), quick_copies: bool = False) -> dict:
    """The full end state of a home (see the module docstring); `quick_copies`: the steward's copies read by
    `_xlsx_content_quick`."""
    wh = home / "warehouse" / "cotmoc.duckdb"
    con = duckdb.connect(str(wh), read_only=True)
    try:
        tables = table_rows(con, home, skip=skip_tables)
    finally:
        con.close()
    files, stewards = {}, {}
    for path in sorted((home / "inputs").rglob("*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(home))
        if path.name.endswith(".loi.xlsx"):
            stewards[rel] = (_xlsx_content_quick if quick_copies else _xlsx_content)(path)
        elif path.name.endswith(".loi.json"):
            stewards[rel] = json.loads(path.read_text(encoding="utf-8"))
        else:
            files[rel] = _sha(path)
    return {"tables": tables, "files": files, "stewards": stewards}


def differences(a: dict, b: dict) -> list[str]:
    """A short, readable list of where two snapshots differ (for assertion messages)."""
    out = []
    for part in ("tables", "files", "stewards"):
        for key in sorted(set(a[part]) | set(b[part])):
            x, y = a[part].get(key), b[part].get(key)
            if x != y:
                if part == "tables" and x is not None and y is not None:
                    only_a = [r for r in x if r not in y][:3]
                    only_b = [r for r in y if r not in x][:3]
                    out.append(f"{part}/{key}: only in first {only_a}; only in second {only_b}")
                else:
                    out.append(f"{part}/{key}: {'missing' if x is None else 'present'} in first, "
                               f"{'missing' if y is None else 'present'} in second"
                               if x is None or y is None else f"{part}/{key} differs")
    return out
