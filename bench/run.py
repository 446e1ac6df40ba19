"""The benchmark: a national backfill read, loaded and rolled up, against the floor (reading every cell with
python-calamine), the orchestration floor (an empty Prefect flow run on the same server) and the naive way
(pandas + openpyxl, row-by-row INSERTs); then the same backfill 3 and 10 times larger, and on Dask. Every
measurement runs in its own process, so wall time, CPU time and peak RSS are that process's; repetitions report
the median (the larger scales run once).

    python bench/run.py                     # 744 workbooks + one 100,000-row workbook, targets checked
    python bench/run.py --scale 1,3,10      # and the 3× and 10× backfills (≥ 7,000 workbooks), Dask at 10×
    python bench/run.py --quick             # a small run proving the benchmark works (CI); no targets checked
    python bench/run.py --largest           # only the largest admitted file, clean and with one bad cell:
                                            # rewrites that section of bench/results.md (bench/largest.py)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]  # bench/, tests/
from corpus import inbox_names, seed_folders  # noqa: E402
from report import PROFILE_WORKBOOKS, TARGETS, check_targets, results_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Measure:
    name: str
    wall: float
    cpu: float
    rss_mb: float
    note: str = ""


def _run(name: str, cmd: list[str], env: dict, reps: int, prepare=None, note: str = "") -> Measure:
    """Run `cmd` `reps` times in fresh processes (after `prepare()` each time); median of each figure."""
    walls, cpus, rsss = [], [], []
    for _ in range(reps):
        if prepare:
            prepare()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                stdin=subprocess.DEVNULL)
        out, _ = proc.communicate()
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{name} failed ({proc.returncode}):\n{out[-3000:]}")
        walls.append(wall)
        cpus.append(_reported(out, "CPU_S"))
        rsss.append(_reported(out, "PEAK_RSS_MB"))
    return Measure(name, statistics.median(walls), statistics.median(cpus), statistics.median(rsss), note)


def last_run_files(warehouse: Path) -> dict:
    """What the warehouse recorded of the last ingest run: the files it took and how they ended."""
    import duckdb
    with duckdb.connect(str(warehouse), read_only=True) as con:
        files, superseding, new = con.execute(
            "SELECT files, superseding, new FROM ingest_runs ORDER BY run_id DESC LIMIT 1").fetchone()
    return {"files": files, "superseding": superseding, "new": new}


def _reported(output: str, key: str) -> float:
    """The measured process reports its own CPU time and peak RSS on its last lines (bench/peak.py)."""
    for line in reversed(output.strip().splitlines()):
        if line.startswith(f"{key}="):
            return float(line.split("=", 1)[1])
    return float("nan")


def _profile(folder: Path, env: dict, workbooks: int) -> dict:
    """bench/peak.py profile: a cold ingest in one process under cProfile, seconds per step."""
    run = subprocess.run(_wrapped("profile", str(folder), str(workbooks)), env=env, capture_output=True, text=True,
                         stdin=subprocess.DEVNULL)
    line = next((x for x in run.stdout.splitlines() if x.startswith("PROFILE=")), None)
    if run.returncode != 0 or line is None:
        raise SystemExit(f"profile failed ({run.returncode}):\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    return json.loads(line.split("=", 1)[1])


def _wrapped(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "bench" / "peak.py"), *args]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, home: Path) -> tuple[subprocess.Popen, str, float]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env | {"PREFECT_SERVER_UI_ENABLED": "false"}, stdout=(home / "server.log").open("w"),
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url, time.perf_counter() - start
        except OSError:
            pass
        if proc.poll() is not None or time.perf_counter() - start > 180:
            raise SystemExit("Prefect server did not start")
        time.sleep(0.3)


def _scales(text: str) -> list[int]:
    scales = sorted({int(x) for x in text.split(",") if x.strip()} | {1})
    if scales[0] < 1:
        raise SystemExit("--scale: whole numbers ≥ 1, e.g. 1,3,10")
    return scales


def _bench_env(work: Path) -> dict:
    # Prefect's own logging level (INFO), as the office runs: each batch's lines reach the terminal and the server
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COTMOC_", "PREFECT_API_URL", "PREFECT_LOGGING_LEVEL"))}
    from cotmoc.core.prefect_env import PREFECT_DEFAULTS      # the office's Prefect settings
    return env | {"PREFECT_HOME": str(work / "prefect-home"), **PREFECT_DEFAULTS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small run, no targets checked (CI)")
    parser.add_argument("--largest", action="store_true",
                        help="only the largest admitted file; rewrites its section of the results file")
    parser.add_argument("--skip-largest", action="store_true",
                        help="keep the largest file's section of the results file as it was (measured by --largest)")
    parser.add_argument("--largest-rows", type=int, default=None, help="its segment rows (default: the largest)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions at 1× (default 3, quick 1)")
    parser.add_argument("--scale", default="1", help="backfill sizes to measure, e.g. 1,3,10 (Dask at the largest)")
    parser.add_argument("--work", default=str(ROOT / "bench" / "work"), help="scratch folder")
    parser.add_argument("--out", default=None, help="results file (default bench/results.md; quick: work/results.md)")
    args = parser.parse_args()
    reps = args.reps or (1 if args.quick else 3)
    scales = _scales(args.scale)
    work = Path(args.work)
    import largest                     # bench/largest.py (it imports this module's helpers)
    if args.largest:
        return largest.only_largest(args, work, reps)
    shutil.rmtree(work, ignore_errors=True)
    (work / "home").mkdir(parents=True)

    # --- the files: generated once per seed and cached (bench/corpus.py), read by every contender -----------
    years = "2024-2024" if args.quick else "2016-2025"
    provinces = ["dien_bien", "kon_tum", "quang_ninh"] if args.quick else None
    rows = 5_000 if args.quick else 100_000
    gen_env = os.environ | {"COTMOC_HOME": str(work / "home")}
    options = ["--years", years] + (["--provinces", ",".join(provinces)] if provinces else [])
    folders, generated = seed_folders(list(range(1, scales[-1] + 1)), options, gen_env)
    (large,), took = seed_folders([2], ["--years", "2024", "--kinds", "year", "--provinces", "nghe_an",
                                        "--segment-rows", str(rows)], gen_env)
    generated += took
    corpus = folders[0]
    files = sorted(corpus.glob("*.xlsx"))

    env = _bench_env(work)
    home = work / "home"
    inbox = home / "inputs" / "inbox"
    cot = env | {"COTMOC_HOME": str(home)}

    def fill_inbox(src: list[tuple[Path, str]]):
        def prepare():
            for folder in ("inputs", "warehouse", "exports"):
                shutil.rmtree(home / folder, ignore_errors=True)
            inbox.mkdir(parents=True)
            for f, name in src:
                shutil.copy2(f, inbox / name)
        return prepare

    results: list[Measure] = []
    results.append(_run("floor: calamine reads every cell", _wrapped("floor", str(corpus)), env, reps))
    results.append(_run("naive: pandas+openpyxl, row INSERTs", _wrapped("naive", str(corpus), str(work / "naive.duckdb")),
                        env, reps))
    server, url, startup = start_server(env, work)
    scaled: dict[int, dict] = {}
    try:
        served = cot | {"PREFECT_API_URL": url}
        results.append(_run("empty Prefect flow run (local server)", _wrapped("emptyflow"), served, reps,
                            note="the orchestration floor"))
        results.append(_run("cotmoc ingest (cold, local server)", _wrapped("cli", "ingest"), served, reps,
                            prepare=fill_inbox(inbox_names([corpus]))))
        results.append(_run("cotmoc rollup", _wrapped("cli", "rollup"), served, reps))
        results.append(_run("re-run, inbox empty", _wrapped("cli", "ingest"), served, reps))
        dup = lambda: [shutil.copy2(f, inbox / f"again_{f.name}") for f in files]          # noqa: E731
        results.append(_run("re-run, every file sent again", _wrapped("cli", "ingest"), served, reps, prepare=dup,
                            note="duplicates: fingerprinted, never opened"))

        versions = iter(range(1, 1000))

        def resubmit():                # new bytes each repetition, so each is a resubmission, not a duplicate
            from openpyxl import load_workbook
            wb = load_workbook(files[0])
            wb["thong_tin"]["C6"] = f"Người lập (sửa lại lần {next(versions)})"
            wb.save(inbox / f"sua_{files[0].name}")
        results.append(_run("re-run after one resubmission", _wrapped("cli", "ingest"), served, reps, prepare=resubmit,
                            note="one workbook read"))
        resubmission = last_run_files(home / "warehouse" / "cotmoc.duckdb")
        fixed = _reported_json(_wrapped("fixed"), served, "FIXED")     # on the warehouse the runs above left
        results.append(_run(f"{rows:,}-row workbook alone", _wrapped("cli", "ingest"), served, reps,
                            prepare=fill_inbox(inbox_names([large]))))
        biggest = None if args.skip_largest else largest.largest_admitted(
            work, gen_env, served, home, 1 if args.quick else reps, rows=20_000 if args.quick else None)
        scaled = _scale_runs(scales, folders, served, home, fill_inbox, results, reps)
    finally:
        server.terminate()
        server.wait(timeout=30)
    results.append(_run("cotmoc ingest (cold, embedded server)", _wrapped("cli", "ingest"), cot, 1,
                        prepare=fill_inbox(inbox_names([corpus])), note="starts a temporary server itself"))

    prof = _profile(corpus, env, min(len(files), PROFILE_WORKBOOKS))
    staged = _reported_json(_wrapped("staging", *map(str, folders)), env, None)
    context = {"quick": args.quick, "files": len(files), "years": years, "rows": rows, "reps": reps,
               "generated": generated, "startup": startup, "cores": os.cpu_count(), "fixed": fixed,
               "profile": prof, "scaled": scaled, "resubmission": resubmission, "staging": staged, "load": os.getloadavg()}
    checks = check_targets(results, context) | (largest.largest_checks(*biggest[:2]) if biggest else {})
    text = results_text(results, checks, context)
    out = Path(args.out) if args.out else (work / "results.md" if args.quick else ROOT / "bench" / "results.md")
    section = (largest.largest_lines(*biggest, 1 if args.quick else reps) if biggest
               else largest.kept_section(out, largest.LARGEST_SECTION))
    text = largest.replace_section(text, largest.LARGEST_SECTION, section)
    print(text)
    out.write_text(text, encoding="utf-8")
    (work / "results.json").write_text(json.dumps({"measures": {m.name: m.__dict__ for m in results},
                                                   **{k: context[k] for k in ("fixed", "profile", "scaled", "staging")}},
                                                  indent=1, default=str), encoding="utf-8")
    missed = [TARGETS[k] for k, got in checks.items() if got is not None and not got[1]]
    if missed and not args.quick:
        print("Missed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


def _scale_runs(scales: list[int], folders: list[Path], served: dict, home: Path, fill_inbox,
                results: list[Measure], reps: int) -> dict[int, dict]:
    """The floor and the cold ingest at each scale, the median of `reps` like the 1× measures above (the linear
    target compares the larger scales with the 1× run: one run of each against a median was judged by one
    run's noise), then the cold ingest of the largest on a local Dask cluster of 2 workers, its end state
    compared with the default path's (tests/snapshot.py, as tests/test_dask.py does)."""
    from tests.snapshot import differences, snapshot
    by = {m.name: m for m in results}
    out = {1: {"files": len(inbox_names(folders[:1])), "floor": by["floor: calamine reads every cell"],
               "cold": by["cotmoc ingest (cold, local server)"]}}
    for s in scales[1:]:
        src = inbox_names(folders[:s])
        out[s] = {"files": len(src),
                  "floor": _run(f"floor ×{s}", _wrapped("floor", *map(str, folders[:s])), served, reps),
                  "cold": _run(f"cotmoc ingest (cold, local server) ×{s}", _wrapped("cli", "ingest"), served, reps,
                               prepare=fill_inbox(src))}
    top = scales[-1]
    src = inbox_names(folders[:top])
    if top == 1:                      # the 1× home has moved on since its cold run: that end state again
        _run("cotmoc ingest (cold, local server), again", _wrapped("cli", "ingest"), served, 1, prepare=fill_inbox(src))
    default = snapshot(home, skip_tables=("ingest_runs",), quick_copies=True)
    dask = _run(f"cotmoc ingest (cold, Dask 2 workers) ×{top}", _wrapped("cli", "ingest", "--dask-workers", "2"),
                served, 1, prepare=fill_inbox(src), note="a local Dask cluster of 2 worker processes")
    out[top]["dask"] = dask
    out[top]["dask_differences"] = len(differences(default, snapshot(home, skip_tables=("ingest_runs",),
                                                                     quick_copies=True)))
    return out


def _reported_json(cmd: list[str], env: dict, key: str | None) -> dict:
    """Run one bench/peak.py piece; `KEY={json}` from its output (key None: every `NAME=number` line)."""
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if run.returncode != 0:
        raise SystemExit(f"{cmd[2]} failed ({run.returncode}):\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    pairs = dict(line.split("=", 1) for line in run.stdout.splitlines() if "=" in line and line[:1].isupper())
    return json.loads(pairs[key]) if key else {k: float(v) for k, v in pairs.items()}


if __name__ == "__main__":
    sys.exit(main())
