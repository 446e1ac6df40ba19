"""One measured piece of work, run in its own process, reporting its CPU time and peak RSS on its last lines.

    peak.py floor DIR...           read every cell of every workbook (of every DIR) with python-calamine
    peak.py emptyflow              an empty Prefect flow run (on PREFECT_API_URL): the orchestration floor
    peak.py staging DIR...         take every workbook of the DIRs from an inbox into staging: prints STAGING_S=
    peak.py fixed                  cotmoc's fixed costs one by one, for the warehouse of COTMOC_HOME: prints FIXED={json}
    peak.py naive DIR DB           pandas.read_excel(engine="openpyxl") each sheet, row-by-row INSERTs
    peak.py cli ARGS...            the cotmoc command line, in this process
    peak.py profile DIR N          the ingest of the first N workbooks of DIR in this one process, under cProfile:
                                   prints PROFILE={json} (seconds per step, workbooks, import times)
"""
from __future__ import annotations

import resource
import sys
from pathlib import Path


def floor(*folders: str) -> None:
    from python_calamine import CalamineWorkbook
    cells = 0
    for path in [p for folder in folders for p in sorted(Path(folder).glob("*.xlsx"))]:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
    print(f"cells={cells}")


def naive(folder: str, db: str) -> None:
    """What a user would write instead: read each sheet with pandas/openpyxl, insert row by row."""
    import duckdb
    import pandas as pd
    Path(db).unlink(missing_ok=True)
    con = duckdb.connect(db)
    created = set()
    for path in sorted(Path(folder).glob("*.xlsx")):
        for sheet in ("to_tu_quan", "doan_bien_gioi", "khen_thuong"):
            df = pd.read_excel(path, sheet_name=sheet, engine="openpyxl", header=2).dropna(how="all")
            if sheet not in created:
                con.execute(f"CREATE TABLE {sheet} ({', '.join(f'c{i} VARCHAR' for i in range(len(df.columns)))})")
                created.add(sheet)
            marks = ", ".join("?" for _ in df.columns)
            for row in df.itertuples(index=False):
                con.execute(f"INSERT INTO {sheet} VALUES ({marks})", [None if pd.isna(v) else str(v) for v in row])
    con.close()


def empty_flow() -> None:
    """What any Prefect flow run costs on this machine and server: start-up, `import prefect`, a flow run."""
    from prefect import flow

    @flow(name="bench-empty-flow")
    def empty() -> None:
        return None
    empty()


def staging(*folders: str) -> None:
    """The staging step alone (cotmoc.pipeline.ingest.take_inbox: every file copied while fingerprinted)."""
    import shutil
    import tempfile
    import time
    from cotmoc.core.config import load_settings
    from cotmoc.pipeline.ingest import take_inbox
    with tempfile.TemporaryDirectory(prefix="cotmoc-staging-", dir=Path(folders[0]).parent) as home:
        inbox = Path(home) / "inputs" / "inbox"
        inbox.mkdir(parents=True)
        for i, path in enumerate(p for folder in folders for p in sorted(Path(folder).glob("*.xlsx"))):
            shutil.copy2(path, inbox / f"{i}_{path.name}")
        settings = load_settings(home, environ={})
        started = time.perf_counter()
        taken, _ = take_inbox(settings, time.time_ns())
        print(f"STAGING_S={time.perf_counter() - started:.3f}")
        print(f"STAGED={len(taken)}")


def fixed() -> None:
    """Each fixed cost of an ingest apart, in one process: the imports (Prefect's, then cotmoc's on top), and
    opening the warehouse of COTMOC_HOME step by step as open_warehouse does (verify, migrate, reference)."""
    import json
    import time
    from cotmoc.core.long_lived import heavy_imports, set_aside_imports
    from cotmoc.core.unused_imports import keep_out_unused_imports
    keep_out_unused_imports()           # as the command line does before it imports anything else
    set_aside_imports()                 # and imports as it does (cotmoc/core/long_lived.py)
    times = {}
    started = time.perf_counter()
    with heavy_imports():
        import prefect  # noqa: F401
    times["import prefect"] = time.perf_counter() - started
    started = time.perf_counter()
    with heavy_imports():
        import cotmoc.flows.ingest  # noqa: F401
    times["import cotmoc's flow and checks (after Prefect)"] = time.perf_counter() - started
    from cotmoc.core.config import load_settings
    from cotmoc.warehouse import db
    settings = load_settings()
    steps = [("connect", None), ("verify (every table read whole)", lambda c: db.verify(c, settings.warehouse)),
             ("migrate (views re-created only when changed)", db.migrate),
             ("refresh the reference tables", db.refresh_reference), ("close", None)]
    started = time.perf_counter()
    con = db.connect(settings.warehouse)
    for name, step in steps:
        if name == "close":
            started = time.perf_counter()
            con.close()
        elif step:
            started = time.perf_counter()
            step(con)
        times[f"warehouse: {name}"] = time.perf_counter() - started
    print("FIXED=" + json.dumps(times))


#: step → (file, function) whose cumulative time the profile reports
PROFILED_STEPS = {
    "take into staging (copy + SHA-256)": ("cotmoc/pipeline/planning.py", "take_inbox"),
    "plan (fingerprints)": ("cotmoc/pipeline/ingest.py", "plan_run"),
    "read": ("cotmoc/reading/workbook.py", "read_report"),
    "normalise": ("cotmoc/reading/normalise.py", "normalise_report"),
    "validate": ("schemas/__init__.py", "validate_reports"),
    "load and file": ("cotmoc/pipeline/filing.py", "load_and_file"),
}


def profile(folder: str, count: str) -> None:
    """Where a cold ingest's time goes, step by step, with the checks in this one process."""
    import cProfile
    import json
    import pstats
    import shutil
    import tempfile
    import time
    started = time.perf_counter()
    import pandas, pandera.pandas, duckdb, python_calamine  # noqa: E401,F401  what the checks need
    checks_import = time.perf_counter() - started
    started = time.perf_counter()
    import prefect  # noqa: F401
    prefect_import = time.perf_counter() - started
    from cotmoc.core.config import load_settings
    from cotmoc.pipeline.ingest import ingest_inbox
    files = sorted(Path(folder).glob("*.xlsx"))[: int(count)]
    with tempfile.TemporaryDirectory(prefix="cotmoc-profile-") as home:
        inbox = Path(home) / "inputs" / "inbox"
        inbox.mkdir(parents=True)
        for f in files:
            shutil.copy2(f, inbox / f.name)
        settings = load_settings(home, environ={})
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        ingest_inbox(settings)
        profiler.disable()
        total = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats
    steps = {}
    for step, (file, function) in PROFILED_STEPS.items():
        steps[step] = sum(ct for (path, _, name), (_, _, _, ct, _) in stats.items()
                          if name == function and path.endswith(file))
    print("PROFILE=" + json.dumps({"workbooks": len(files), "total": total, "steps": steps,
                                   "import_checks": checks_import, "import_prefect": prefect_import}))


def main() -> None:
    mode, *args = sys.argv[1:]
    if mode == "floor":
        floor(*args)
    elif mode == "naive":
        naive(*args)
    elif mode == "profile":
        profile(*args)
    elif mode == "emptyflow":
        empty_flow()
    elif mode == "staging":
        staging(*args)
    elif mode == "fixed":
        fixed()
    elif mode == "cli":                     # as the `cotmoc` command runs (cotmoc.cli.run), its figures printed last
        from cotmoc.cli import main as cli
        from cotmoc.core.long_lived import begin_command, quick_exit
        begin_command()
        code = cli(args)
        print_figures()
        quick_exit(code)
    else:
        raise SystemExit(__doc__)
    print_figures()


def print_figures() -> None:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"CPU_S={me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime:.3f}")
    print(f"PEAK_RSS_MB={max(me.ru_maxrss, kids.ru_maxrss) / 1024:.1f}")


if __name__ == "__main__":
    main()
