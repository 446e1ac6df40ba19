"""LibreOffice headless conversions: proof that files open in LibreOffice Calc, and a second real
writer of workbooks for the tests (stewards do save their reports from LibreOffice)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def soffice() -> str | None:
    """Path of the soffice binary, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, fmt: str, out_dir: Path, *, timeout: int = 120) -> Path:
    """Convert `src` to `fmt` (e.g. "xlsx", "ods", "xls") into out_dir with an isolated profile."""
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cotmoc-lo-") as profile:
        run = subprocess.run(
            [binary, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
             "--convert-to", fmt, "--outdir", str(out_dir), str(src)],
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    target = out_dir / f"{src.stem}.{fmt.split(':')[0]}"
    if run.returncode != 0 or not target.exists():
        raise RuntimeError(f"LibreOffice could not convert {src.name}: {run.stdout} {run.stderr}")
    return target
