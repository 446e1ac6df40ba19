"""The largest file the size limits admit (cotmoc.samples.large), ingested clean and with one bad cell: wall time and
peak RSS (targets: ≤ 1 GB, and ≤ 2 × the clean ingest). Part of the benchmark (run.py); `run.py --largest` runs it
alone and rewrites its section of bench/results.md."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from report import TARGETS
from run import ROOT, Measure, _bench_env, _run, _wrapped, start_server

LARGEST_SECTION = "## The largest admitted file"


def _filler(home: Path, src: list[Path]):
    """prepare(): an empty installation under `home` whose inbox holds copies of `src`."""
    inbox = home / "inputs" / "inbox"

    def prepare():
        for folder in ("inputs", "warehouse", "exports"):
            shutil.rmtree(home / folder, ignore_errors=True)
        inbox.mkdir(parents=True)
        for f in src:
            shutil.copy2(f, inbox / f.name)
    return prepare


def largest_admitted(work: Path, gen_env: dict, served: dict, home: Path, reps: int,
                     rows: int | None = None, reuse: bool = False) -> tuple[Measure, Measure, dict]:
    """The largest report the size limit admits (cotmoc.samples.large), ingested clean (checked and loaded) and
    with one bad cell (checked, rejected, the annotated copy with its Loi sheet and the JSON written)."""
    folder = work / "largest"
    folder.mkdir(parents=True, exist_ok=True)
    script = ("import sys; from cotmoc.samples import large; "
              "clean = large.write_largest(sys.argv[1], **({'rows': int(sys.argv[2])} if sys.argv[2] else {})); "
              "bad = clean.with_name('mot_o_sai_' + clean.name); "
              "print(clean, bad, large.with_one_bad_cell(clean, bad), sep='\\n')")
    kept = folder / "files.txt"                  # --largest reuses the files an earlier run wrote (minutes each)
    if not (reuse and kept.exists() and all(Path(p).exists() for p in kept.read_text().split()[:2])):
        kept.write_text(subprocess.run([sys.executable, "-c", script, str(folder), str(rows or "")], env=gen_env,
                                       check=True, capture_output=True, text=True).stdout)
    made = kept.read_text().split()
    clean, bad, cell = Path(made[0]), Path(made[1]), made[2]
    facts = {"rows": rows or _largest_rows(), "mb": bad.stat().st_size / 1024 / 1024, "cell": cell,
             "load": os.getloadavg()[0]}
    ok = _run("largest admitted file, clean", _wrapped("cli", "ingest"), served, reps,
              prepare=_filler(home, [clean]), note="checked and loaded")
    one = _run("largest admitted file, one bad cell", _wrapped("cli", "ingest"), served, reps,
               prepare=_filler(home, [bad]), note=f"rejected: {cell} named, annotated copy, Loi sheet, JSON")
    copy = next((home / "inputs" / "rejected").rglob("*.loi.xlsx"), None)
    if copy is None:
        raise SystemExit("the largest file with one bad cell got no annotated copy")
    return ok, one, facts


def _largest_rows() -> int:
    from cotmoc.samples.large import LARGEST_ROWS
    return LARGEST_ROWS


def largest_checks(ok: Measure, one: Measure) -> dict:
    return {"largest_rss": (one.rss_mb, one.rss_mb <= 1024),
            "largest_time": (one.wall / ok.wall, one.wall <= 2 * ok.wall)}


def largest_lines(ok: Measure, one: Measure, facts: dict, reps: int) -> list[str]:
    checks = largest_checks(ok, one)
    return [LARGEST_SECTION, "",
            f"Nghệ An 2024 with {facts['rows']:,} segment rows, {facts['mb']:.1f} MB (the limits: 50 MB, 500 MB unpacked); the "
            f"bad copy differs in one cell ({facts['cell']}, a count written in words). Each a cold `cotmoc ingest` "
            f"on the local Prefect server, median of {reps}; peak RSS is the largest of the run's processes (the check "
            f"worker included). The machine is shared ({os.cpu_count()} cores, load average {facts['load']:.1f} when "
            "this part started): wall times are noisy, the ratios are what to compare.", "",
            "| run | wall s | CPU s | peak RSS MB | note |", "|---|---:|---:|---:|---|",
            *[f"| {m.name} | {m.wall:.2f} | {m.cpu:.2f} | {m.rss_mb:.0f} | {m.note} |" for m in (ok, one)], "",
            f"one bad cell / clean: wall {one.wall / ok.wall:.2f}, CPU {one.cpu / ok.cpu:.2f}", "",
            "| target | value | met |", "|---|---:|---|",
            *[f"| {TARGETS[k]} | {v:.3f} | {'yes' if met else 'NO'} |" for k, (v, met) in checks.items()], ""]


def _split(text: str, heading: str) -> tuple[str, str | None, str]:
    """(what comes before the section under `heading`, the section's body or None when absent, what follows it
    from the next "## ")."""
    head, found, rest = text.partition(heading)
    if not found:
        return text, None, ""
    cut = rest.find("\n## ")
    return head, (rest[:cut + 1] if cut >= 0 else rest), (rest[cut + 1:] if cut >= 0 else "")


def replace_section(text: str, heading: str, lines: list[str]) -> str:
    """`text` with the section under `heading` (up to the next "## ") replaced by `lines` (appended if absent)."""
    head, _, after = _split(text, heading)
    return head.rstrip("\n") + "\n\n" + "\n".join(lines) + ("\n" + after if after else "")


def kept_section(path: Path, heading: str) -> list[str]:
    """The section under `heading` of an earlier results file, as it was (--skip-largest), or a line saying it
    was not measured."""
    _, body, _ = _split(path.read_text(encoding="utf-8") if path.exists() else "", heading)
    if body is None:
        return [heading, "", "Not measured in this run (`bench/run.py --largest` measures it alone).", ""]
    return [heading, "", *body.strip("\n").split("\n"), ""]


def only_largest(args, work: Path, reps: int) -> int:
    """--largest: that measurement alone, its section of the results file rewritten, the rest left as it was."""
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = _bench_env(work)
    server, url, _ = start_server(env, work)
    try:
        served = env | {"COTMOC_HOME": str(home), "PREFECT_API_URL": url}
        ok, one, facts = largest_admitted(work, os.environ | {"COTMOC_HOME": str(home)}, served, home, reps,
                                          rows=args.largest_rows, reuse=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = largest_lines(ok, one, facts, reps)
    print("\n".join(lines))
    out = Path(args.out) if args.out else ROOT / "bench" / "results.md"
    out.write_text(replace_section(out.read_text(encoding="utf-8") if out.exists() else "", LARGEST_SECTION, lines),
                   encoding="utf-8")
    missed = [TARGETS[k] for k, (_, met) in largest_checks(ok, one).items() if not met]
    if missed:
        print("Missed: " + "; ".join(missed), file=sys.stderr)
    return 1 if missed else 0
