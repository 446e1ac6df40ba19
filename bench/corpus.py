"""The benchmark's input files, generated once per seed and kept (bench/cache/, ignored by git).

A backfill of scale k is the national backfill (every expected province and period, `cotmoc sample`) for
seeds 1 … k: seed 1 is the plain backfill, each further seed a complete resubmission of every report with other
figures (it supersedes the one before). Files depend only on (seed, province, period) and the generator, so a
seed's folder is reused until the generator, the reference data or the options change (the cache key); seeds
missing from the cache are generated in parallel, one `cotmoc sample` process per core, into a temporary folder
renamed when complete (an interrupted generation is never taken for a cached one). Each file gets a fixed
received time (its seed, then its name), so every run, default or Dask, handles the files in the same order.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
BIN = Path(sys.executable).parent
T0 = 1_700_000_000               # received times: seed k's files from T0 + k × 100,000 s, one second apart


def cache_key(options: list[str]) -> str:
    """What a seed's files depend on besides the seed: the code the generator runs (the modules of cotmoc that
    importing it loads, in a fresh process started here so that this tree's cotmoc is the one imported, and the
    command line that calls it), the openpyxl that writes the files, the reference data and the options.
    Nothing else of cotmoc: a change to the checks keeps the cache."""
    digest = hashlib.sha256(" ".join(options).encode())
    writer, *loaded = subprocess.run([sys.executable, "-c", _GENERATOR_MODULES], capture_output=True, text=True,
                                     check=True, cwd=ROOT).stdout.splitlines()
    digest.update(writer.encode())
    sources = [*sorted({ROOT / "cotmoc" / "cli.py", *map(Path, loaded)}),
               *sorted((ROOT / "warehouse" / "reference").glob("*.csv"))]
    for path in sources:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


_GENERATOR_MODULES = ("import sys, openpyxl, cotmoc.samples.generator; print('openpyxl-' + openpyxl.__version__, "
                      "*sorted(m.__file__ for n, m in sys.modules.items() "
                      "if n.split('.')[0] == 'cotmoc' and getattr(m, '__file__', None)), sep='\\n')")


def seed_folders(seeds: list[int], options: list[str], env: dict) -> tuple[list[Path], float]:
    """The folder of each seed's files (generated now where missing); and the seconds generating took."""
    base = CACHE / cache_key(options)
    folders = {s: base / f"seed{s}" for s in seeds}
    missing = [s for s, f in folders.items() if not f.is_dir()]
    started = time.perf_counter()
    running: list[tuple[int, subprocess.Popen]] = []
    while missing or running:
        while missing and len(running) < (os.cpu_count() or 1):
            s = missing.pop(0)
            part = base / f".seed{s}.part"
            shutil.rmtree(part, ignore_errors=True)
            cmd = [str(BIN / "cotmoc"), "sample", "--out", str(part), "--seed", str(s), *options]
            running.append((s, subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)))
        s, proc = running.pop(0)
        if proc.wait() != 0:
            raise SystemExit(f"cotmoc sample --seed {s} failed ({proc.returncode})")
        finish(base / f".seed{s}.part", folders[s], s)
    return [folders[s] for s in seeds], time.perf_counter() - started


def finish(part: Path, folder: Path, seed: int) -> None:
    """A seed's generated files get their received times, then the folder its final name."""
    for i, path in enumerate(sorted(part.glob("*.xlsx"))):
        os.utime(path, (T0 + 100_000 * seed + i,) * 2)
    part.rename(folder)


def inbox_names(folders: list[Path]) -> list[tuple[Path, str]]:
    """(file, its name in the inbox): seed 1's files keep their names, seed k's are prefixed `s<k>_`."""
    out = []
    for folder in folders:
        seed = int(folder.name.removeprefix("seed"))
        out += [(f, f.name if seed == 1 else f"s{seed}_{f.name}") for f in sorted(folder.glob("*.xlsx"))]
    return out
